"""Liveness and readiness probes."""

import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.datasets.load import loading
from app.db import get_engine, reads
from app.errors import ServiceUnavailable, StillLoading, problems

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = Field(description="`ok` when the check passed.", examples=["ok"])


@router.get("/healthz", summary="Liveness", response_model=Health)
async def healthz() -> dict[str, Any]:
    """The process is up and answering."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness",
    response_model=Health,
    responses=problems(503),
)
@reads
def readyz(request: Request) -> dict[str, Any]:
    """The database answers a query and holds the bundled data sets the `DATASETS` setting
    names, as bundled (unless `SEED_ON_START` is false: then nothing is loaded on start);
    503 problem+json when it does not (yet)."""
    engine = get_engine(request)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        waiting = _waiting(request, engine)
    except SQLAlchemyError as error:
        raise ServiceUnavailable() from error
    if waiting:
        raise StillLoading(
            f"Loading the bundled data sets ({', '.join(waiting)}); ready when they are in."
        )
    return {"status": "ok"}


READY_CHECK_SECONDS = 1.0


def _waiting(request: Request, engine: Engine) -> list[str]:
    """The data sets still to load, checked at most once a second per process; once all are
    in, never again (a load only ever completes)."""
    state = request.app.state
    now = time.monotonic()
    last = getattr(state, "datasets_checked", None)
    if last is not None and (last[1] == [] or now - last[0] < READY_CHECK_SECONDS):
        return list(last[1])
    waiting = loading(engine, state.settings)
    state.datasets_checked = (now, waiting)
    return waiting
