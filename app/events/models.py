"""Events: dated context that is none of the other records (an incident, a wider strain)."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from app.common import CitationRead, DatePrecision, citations_field, one_of


class EventKind(StrEnum):
    incident = "incident"
    visit = "visit"
    statement = "statement"
    strain = "strain"
    other = "other"


class EventBase(SQLModel):
    date: dt.date = Field(description="When it happened (first day of the span).")
    date_precision: DatePrecision = Field(
        default=DatePrecision.day, sa_type=String(8), description="How exactly `date` is known."
    )
    kind: EventKind = Field(sa_type=String(16), description="What sort of event.")
    summary: str = Field(description="What happened, in a line or two.")


class Event(EventBase, table=True):
    __tablename__ = "event"
    __table_args__ = (
        one_of("date_precision", DatePrecision),
        one_of("kind", EventKind),
        Index(None, "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)


class EventCountry(SQLModel, table=True):
    __tablename__ = "event_country"

    event_id: int = Field(foreign_key="event.id", primary_key=True)
    country: str = Field(foreign_key="country.code", max_length=2, primary_key=True, index=True)


class EventRead(EventBase):
    id: int = Field(description="Event id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    countries: list[str] = Field(description="The states involved (ISO alpha-2).")
    citations: list[CitationRead] = citations_field()
