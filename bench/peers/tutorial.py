"""A tutorial-style FastAPI + SQLModel app on the same rows (issue 14): a session per request
from a dependency, a `def` endpoint (the thread pool), `select(...).where(...).limit(...)`, the
response model validating each row. The way FastAPI's SQL tutorial builds it.

    DATABASE_URL=postgresql+psycopg://… .venv/bin/uvicorn bench.peers.tutorial:app --port 8002
"""

import datetime as dt
import os
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from sqlmodel import Field, Session, SQLModel, create_engine, select

engine = create_engine(os.environ["DATABASE_URL"])
app = FastAPI()


class Headcount(SQLModel, table=True):
    __tablename__ = "headcount"

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = None
    sending_country: str
    host_country: str
    mission_id: int | None = None
    as_of: dt.date
    date_precision: str
    category: str
    kind: str
    count: int


def get_session() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@app.get("/v1/headcounts", response_model=list[Headcount])
def headcounts(
    session: Annotated[Session, Depends(get_session)],
    sending_country: str,
    host_country: str,
    limit: Annotated[int, Query(le=1000)] = 50,
) -> list[Headcount]:
    statement = (
        select(Headcount)
        .where(Headcount.sending_country == sending_country)
        .where(Headcount.host_country == host_country)
        .order_by(Headcount.as_of.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    return list(session.exec(statement).all())
