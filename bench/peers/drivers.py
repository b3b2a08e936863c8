"""The list page's query on PostgreSQL two ways (issue 14: "an async driver or a thread pool —
measure both and keep the faster"), the rest alike: the same statement, the same JSON, five
psycopg connections kept open.

- `DRIVER=threads`: a plain `def` endpoint, run by Starlette's thread pool, on psycopg in its
  usual (blocking) mode — what the API does;
- `DRIVER=async`: an `async def` endpoint on psycopg's async mode, on the event loop.

    DRIVER=async DATABASE_URL=postgresql://… .venv/bin/uvicorn bench.peers.drivers:app
"""

import asyncio
import os
import queue
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import psycopg
from fastapi import FastAPI
from fastapi.responses import Response
from psycopg.rows import dict_row

URL = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
DRIVER = os.environ.get("DRIVER", "threads")
CONNECTIONS = 5
PAGE = (
    "SELECT id, ref, sending_country, host_country, mission_id, as_of, date_precision, "
    "category, kind, count FROM headcount WHERE sending_country = %s "
    "AND host_country = %s ORDER BY as_of DESC, id DESC LIMIT 51"
)


def _body(rows: list[dict[str, Any]]) -> Response:
    return Response(orjson.dumps({"items": rows[:50]}), media_type="application/json")


if DRIVER == "async":
    idle: asyncio.Queue[psycopg.AsyncConnection[dict[str, Any]]] = asyncio.Queue()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for _ in range(CONNECTIONS):
            connection = await psycopg.AsyncConnection.connect(
                URL, autocommit=True, row_factory=dict_row
            )
            idle.put_nowait(connection)
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/v1/headcounts")
    async def page_async(sending_country: str, host_country: str) -> Response:
        connection = await idle.get()
        try:
            cursor = await connection.execute(PAGE, (sending_country, host_country))
            return _body(await cursor.fetchall())
        finally:
            idle.put_nowait(connection)

else:
    pool: queue.Queue[psycopg.Connection[dict[str, Any]]] = queue.Queue()
    for _ in range(CONNECTIONS):
        pool.put(psycopg.connect(URL, autocommit=True, row_factory=dict_row))
    app = FastAPI()

    @app.get("/v1/headcounts")
    def page_threads(sending_country: str, host_country: str) -> Response:
        connection = pool.get()
        try:
            return _body(connection.execute(PAGE, (sending_country, host_country)).fetchall())
        finally:
            pool.put(connection)
