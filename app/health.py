"""Liveness and readiness probes."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_engine
from app.errors import ServiceUnavailable, problems

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
async def readyz(request: Request) -> dict[str, Any]:
    """The database answers a query; 503 problem+json when it does not."""
    try:
        with get_engine(request).connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        raise ServiceUnavailable() from error
    return {"status": "ok"}
