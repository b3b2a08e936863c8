"""The timeline: every dated fact, whatever its kind, as one list item."""

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Date, Index, Integer, String, Table, Text, text
from sqlmodel import SQLModel

from app.citations.models import CitationRead, served_example
from app.common import DatePrecision

# The stored timeline (migration 0014): the `timeline` view's rows, kept current by triggers.
timeline_entry = Table(
    "timeline_entry",
    SQLModel.metadata,
    Column("key", String(40), nullable=False),
    Column("kind", String(16), primary_key=True),
    Column("id", Integer, primary_key=True),
    Column("page_id", Integer, nullable=False),
    Column("date", Date, nullable=False),
    Column("date_precision", String(8)),
    Column("country_a", String(4)),
    Column("country_b", String(4)),
    Column("subject", Text),
    Column("state", Text),
    Column("number", Integer),
    Column("label", Text),
    Index(None, "date", "key"),
)

# Each entry once per country it involves (`RU`) and per pair of them (`RU|US`): one index
# range, in date order, for `countries=`.
timeline_scope = Table(
    "timeline_scope",
    SQLModel.metadata,
    Column("scope", String(12), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("key", String(40), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("id", Integer, nullable=False),
    Index(
        "ix_timeline_scope_event",
        "id",
        sqlite_where=text("kind = 'event'"),
        postgresql_where=text("kind = 'event'"),
    ),
    sqlite_with_rowid=False,
)


class TimelineKind(StrEnum):
    talks = "talks"
    measure = "measure"
    mission_status = "mission_status"
    headcount = "headcount"
    event = "event"
    dispute = "dispute"


EXAMPLE: dict[str, Any] = served_example(
    {
        "key": "talks:1",
        "kind": "talks",
        "id": 1,
        "date": "2021-10-12",
        "date_precision": "day",
        "title": "Talks in Moscow (RU–US): no progress",
        "url": "/v1/talks/1",
        "citations": [{"source_id": 1, "quote": "talks in Moscow on Tuesday"}],
    }
)


class TimelineItem(BaseModel):
    """One dated fact."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    key: str = Field(description="Unique in the timeline: `kind:id`.")
    kind: TimelineKind = Field(
        description="`talks`, `measure`, `mission_status` (a mission's status changed), "
        "`headcount`, `event` or `dispute` (a visa dispute opened)."
    )
    id: int = Field(description="The record's id among its kind (a status change's own id).")
    date: dt.date = Field(description="When; the first day of the span `date_precision` names.")
    date_precision: DatePrecision | None = Field(description="How exactly `date` is known.")
    title: str = Field(description="One line saying what happened.")
    url: str = Field(description="The record in the API (a status change: its mission).")
    citations: list[CitationRead] = Field(description="Sources and verbatim quotes.")
