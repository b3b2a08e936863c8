"""Events: dated context that is none of the other records (an incident, a wider strain)."""

from enum import StrEnum
from typing import Any

from pydantic import model_validator
from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from app.citations.models import (
    CitationIn,
    CitationRead,
    citations_field,
    citations_in,
    served_example,
)
from app.common import (
    CountryCode,
    DatePrecision,
    Day,
    check_first_day,
    one_of,
    partial_model,
    read_config,
    ref_field,
    write_config,
)

EXAMPLE: dict[str, Any] = {
    "ref": "nemtsov-memorial-ransacked",
    "date": "2021-10-11",
    "date_precision": "day",
    "kind": "incident",
    "countries": ["RU"],
    "summary": "Nationalists ransacked a memorial to Boris Nemtsov in central Moscow.",
    "citations": [{"source_id": 1, "quote": "ransacked a makeshift memorial"}],
}
READ_EXAMPLE: dict[str, Any] = served_example({"id": 1, **EXAMPLE})


class EventKind(StrEnum):
    incident = "incident"
    visit = "visit"
    statement = "statement"
    strain = "strain"
    # The Office of the Historian's chronology entries, by the section they stand in.
    recognition = "recognition"
    diplomatic_relations = "diplomatic_relations"
    consular_relations = "consular_relations"
    treaty = "treaty"
    key_event = "key_event"
    other = "other"
    # A note of the Office of the Historian's chiefs of mission on a mission (pocom).
    mission_note = "mission_note"


class EventBase(SQLModel):
    date: Day = Field(description="When it happened (first day of the span).")
    date_precision: DatePrecision = Field(
        default=DatePrecision.day, sa_type=String(8), description="How exactly `date` is known."
    )

    _first_day = model_validator(mode="after")(check_first_day("date"))
    kind: EventKind = Field(sa_type=String(32), description="What sort of event.")
    summary: str = Field(description="What happened, in a line or two.")


class Event(EventBase, table=True):
    __tablename__ = "event"
    __table_args__ = (
        one_of("date_precision", DatePrecision),
        one_of("kind", EventKind),
        Index(None, "date", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)


class EventCountry(SQLModel, table=True):
    __tablename__ = "event_country"

    event_id: int = Field(foreign_key="event.id", primary_key=True)
    country: str = Field(foreign_key="country.code", max_length=4, primary_key=True, index=True)


class EventRead(EventBase):
    model_config = read_config(READ_EXAMPLE)

    id: int = Field(description="Event id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    countries: list[str] = Field(description="The states involved (ISO alpha-2).")
    citations: list[CitationRead] = citations_field()


class EventCreate(EventBase):
    model_config = write_config(EXAMPLE)

    ref: str | None = ref_field()
    countries: list[CountryCode] = Field(
        min_length=1, max_length=250, description="The states involved (alpha-2 or alpha-3)."
    )
    citations: list[CitationIn] = citations_in()

    @model_validator(mode="after")
    def _distinct(self) -> "EventCreate":
        self.countries = sorted(set(self.countries))
        return self


EventUpdate = partial_model(EventCreate, "EventUpdate")
