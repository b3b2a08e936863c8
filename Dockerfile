# diplomacy-api, the same steps `make run` takes: install the pinned dependencies
# (`pip install -c constraints.txt -e .`), then `diplo serve` (migrate, seed an empty
# database, serve). Point DATABASE_URL at PostgreSQL:
#   docker run -e DATABASE_URL=postgresql+psycopg://user:pass@db:5432/diplomacy -p 8000:8000 …
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:////srv/data/diplomacy.db

RUN useradd --create-home --uid 10001 diplo \
    && mkdir -p /srv/data && chown diplo /srv/data
WORKDIR /srv/app

# Dependencies first, in a layer that changes only with the pins: the editable install needs
# just the metadata and a package directory (a stub here; the real one is copied below).
# Editable, as in the Makefile, so the app finds migrations/ and seed/ next to its package.
COPY pyproject.toml constraints.txt README.md ./
RUN mkdir app && touch app/__init__.py \
    && python -m pip install -c constraints.txt -e .
COPY migrations ./migrations
COPY seed ./seed
COPY app ./app

USER diplo
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"

CMD ["diplo", "serve"]
