# diplomacy-api on PostgreSQL (or SQLite), with the same steps `make run` takes:
# install the pinned dependencies, then `diplo serve` (migrate, seed an empty database, serve).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:////srv/data/diplomacy.db

RUN useradd --create-home --uid 10001 diplo
WORKDIR /srv/app

# Dependencies first (a layer that changes only with the pins), then the project, editable:
# the app finds its migrations/ and seed/ next to its package, as in a checkout.
COPY pyproject.toml constraints.txt README.md ./
COPY app ./app
RUN python -m pip install -c constraints.txt -e . && mkdir -p /srv/data && chown diplo /srv/data
COPY migrations ./migrations
COPY seed ./seed

USER diplo
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"

CMD ["diplo", "serve"]
