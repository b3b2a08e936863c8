"""The timeline: every dated fact, whatever its kind, as one list item."""

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Date, Integer, MetaData, String, Table

from app.citations.models import CitationRead, served_example
from app.common import DatePrecision

# The `timeline` view (migration 0003), described for queries only: a metadata of its own, so
# that Alembic and the schema tests, which compare tables, never see it.
timeline_view = Table(
    "timeline",
    MetaData(),
    Column("key", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("id", Integer, nullable=False),
    Column("page_id", Integer, nullable=False),
    Column("date", Date, nullable=False),
    Column("date_precision", String),
    Column("country_a", String),
    Column("country_b", String),
    Column("subject", String),
    Column("state", String),
    Column("number", Integer),
    Column("label", String),
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
