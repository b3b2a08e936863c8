"""The search index's entries (migration 0016) and a hit as `/v1/search` serves it."""

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Date, Index, Integer, String, Table, Text
from sqlmodel import SQLModel

# One row per searchable thing: a record, a quote, a passage of a source's text. Kept by
# triggers on the tables they are made from; the engine's own index of them (`search_index`:
# FTS5 on SQLite, tsvectors on PostgreSQL) is kept by triggers on this one.
search_entry = Table(
    "search_entry",
    SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("record", String(20), nullable=False),
    Column("part", Integer, nullable=False),
    Column("title", Text),
    Column("body", Text),
    Column("date", Date),
    Column("country_a", String(4)),
    Column("country_b", String(4)),
    Index(None, "kind", "record", "part", unique=True),
    sqlite_autoincrement=True,
)

ENGINE_TABLES = "search_index"
"""The tables migration 0016 makes for each engine's own index, outside the models: those whose
names start with this (SQLite's FTS5 table and its shadow tables, PostgreSQL's tsvectors, the
passage numbers)."""


def is_engine_table(name: str | None) -> bool:
    return bool(name) and str(name).startswith(ENGINE_TABLES)


def in_models(name: str | None, type_: str, _parent: object) -> bool:
    """Alembic's `include_name`: everything but the engine tables, which the models leave out."""
    return type_ != "table" or not is_engine_table(name)


class HitKind(StrEnum):
    """What a hit is: a record of one of these lists, a quote (`citations`), or a passage of a
    source's text (`texts`)."""

    countries = "countries"
    missions = "missions"
    officials = "officials"
    posts = "posts"
    measures = "measures"
    talks = "talks"
    visa_disputes = "visa-disputes"
    events = "events"
    sources = "sources"
    citations = "citations"
    texts = "texts"


PASSAGE, STEP = 2000, 1800
"""A source's text is indexed in windows of PASSAGE characters, one every STEP (0016)."""


class CitedFor(BaseModel):
    """The record a quote supports."""

    record_type: str = Field(
        description="What kind of record (the quote's `record_type`: `mission_status` is a "
        "mission's status, on the mission's page)."
    )
    url: str | None = Field(description="The record's page (`/v1/missions/1`).")
    title: str | None = Field(
        description="A line naming it: the title its own hit has; for a representation or a "
        "headcount, which are not searched, made of its countries, level or count, and date."
    )


class Hit(BaseModel):
    """One search result."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "events",
                    "id": 12,
                    "url": "/v1/events/12",
                    "title": "Suspension of Embassy Operations in Kabul, 2021.",
                    "snippet": "Suspension of Embassy Operations in <mark>Kabul</mark>, 2021.",
                    "score": 12.47,
                    "date": "2021-08-31",
                    "cited_for": None,
                }
            ]
        }
    )

    kind: HitKind = Field(description="What was found (a list's name; `texts`: a passage).")
    id: int | str = Field(description="Its id in that list (a country: its code).")
    url: str = Field(
        description="Where it is: the record, the quote, or a passage of a source's text "
        "(`/v1/sources/{id}/text#char=START,END`, code points, RFC 5147)."
    )
    title: str | None = Field(description="A line naming it.")
    snippet: str = Field(
        description="Where the words matched, HTML-escaped, each matched word in `<mark>…</mark>`."
    )
    score: float = Field(
        description="Relevance: higher is better (bm25 on SQLite, `ts_rank_cd` on PostgreSQL; "
        "compare scores within one answer only)."
    )
    date: dt.date | None = Field(description="Its date, where it has one.")
    cited_for: CitedFor | None = Field(
        default=None,
        description="A quote's (`citations`): the record it is quoted for, so that two quotes "
        "of the same words in one source tell apart; null for the other kinds.",
    )
