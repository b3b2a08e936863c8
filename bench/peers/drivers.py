"""The list page's query on PostgreSQL two ways (issue 14: "an async driver or a thread pool —
measure both and keep the faster"), the rest alike: the same statement, the same JSON.

- `DRIVER=threads`: a plain `def` endpoint, run by Starlette's thread pool, on a SQLAlchemy
  engine with psycopg in its usual (blocking) mode — what the API does;
- `DRIVER=async`: an `async def` endpoint on SQLAlchemy's async engine, psycopg in its async
  mode, on the event loop.

    DRIVER=async DATABASE_URL=postgresql+psycopg://… .venv/bin/uvicorn bench.peers.drivers:app
"""

import os
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.responses import Response
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

URL = os.environ["DATABASE_URL"]
DRIVER = os.environ.get("DRIVER", "threads")
POOL = {"pool_size": 5, "max_overflow": 10}
PAGE = text(
    "SELECT id, ref, sending_country, host_country, mission_id, as_of, date_precision, "
    "category, kind, count FROM headcount WHERE sending_country = :sending "
    "AND host_country = :host ORDER BY as_of DESC, id DESC LIMIT 51"
)
app = FastAPI()


def _body(rows: Any) -> Response:
    items = [dict(row._mapping) for row in rows]
    return Response(orjson.dumps({"items": items[:50]}), media_type="application/json")


if DRIVER == "async":
    engine = create_async_engine(URL, **POOL)

    @app.get("/v1/headcounts")
    async def page_async(sending_country: str, host_country: str) -> Response:
        async with engine.connect() as connection:
            result = await connection.execute(
                PAGE, {"sending": sending_country, "host": host_country}
            )
            return _body(result.all())

else:
    blocking = create_engine(URL, **POOL)

    @app.get("/v1/headcounts")
    def page_threads(sending_country: str, host_country: str) -> Response:
        with blocking.connect() as connection:
            result = connection.execute(PAGE, {"sending": sending_country, "host": host_country})
            return _body(result.all())
