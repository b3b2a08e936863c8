"""Headcounts: how many staff a mission or a sending→host pair has, or may have, on a date."""

from enum import StrEnum
from typing import Any

from pydantic import model_validator
from sqlalchemy import CheckConstraint, Column, Date, Index, Integer, String, Table
from sqlmodel import Field, SQLModel

from app.citations.models import (
    CitationIn,
    CitationRead,
    citations_field,
    citations_in,
    served_example,
)
from app.common import (
    COUNTRY_CODE,
    Count,
    CountryCode,
    DatePrecision,
    Day,
    Id,
    check_first_day,
    check_two_states,
    one_of,
    partial_model,
    read_config,
    ref_field,
    write_config,
)

EXAMPLE: dict[str, Any] = {
    "ref": "ru-us-diplomatic-cap-2021",
    "sending_country": "RU",
    "host_country": "US",
    "mission_id": None,
    "as_of": "2021-10-12",
    "date_precision": "day",
    "category": "diplomatic",
    "kind": "cap",
    "count": 455,
    "citations": [{"source_id": 2, "quote": "<the words of source 2 that give the cap>"}],
}
READ_EXAMPLE: dict[str, Any] = served_example({"id": 1, **EXAMPLE})


class StaffCategory(StrEnum):
    diplomatic = "diplomatic"
    administrative_technical = "administrative_technical"
    local = "local"
    total = "total"


class HeadcountKind(StrEnum):
    actual = "actual"
    cap = "cap"


class HeadcountBase(SQLModel):
    sending_country: CountryCode = Field(
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        description="The state whose staff are counted (ISO alpha-2).",
        schema_extra={"examples": ["RU"]},
    )
    host_country: CountryCode = Field(
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        description="The state they are posted in (ISO alpha-2).",
        schema_extra={"examples": ["US"]},
    )
    mission_id: int | None = Field(
        default=None,
        foreign_key="mission.id",
        description="The mission counted; null when the count covers the whole pair.",
    )
    as_of: Day = Field(
        description="The date the count holds for.", schema_extra={"examples": ["2021-10-12"]}
    )
    date_precision: DatePrecision = Field(
        default=DatePrecision.day, sa_type=String(8), description="How exactly `as_of` is known."
    )
    category: StaffCategory = Field(
        sa_type=String(32),
        description="Which staff are counted.",
        schema_extra={"examples": ["diplomatic"]},
    )
    kind: HeadcountKind = Field(
        sa_type=String(8),
        description="`actual` staff, or a `cap`: an agreed or imposed ceiling.",
        schema_extra={"examples": ["cap"]},
    )
    count: int = Field(ge=0, description="Number of people.", schema_extra={"examples": [455]})

    _first_day = model_validator(mode="after")(check_first_day("as_of"))


class Headcount(HeadcountBase, table=True):
    __tablename__ = "headcount"
    __table_args__ = (
        one_of("date_precision", DatePrecision),
        one_of("category", StaffCategory),
        one_of("kind", HeadcountKind),
        CheckConstraint("count >= 0", name="count_not_negative"),
        Index(None, "sending_country", "host_country", "as_of"),
        Index(None, "sending_country", "host_country", "category", "kind", "as_of"),
        Index(None, "host_country", "as_of"),
        Index(None, "as_of"),
        Index(None, "mission_id"),
        Index(None, "kind"),  # facets (migration 0019)
        Index(None, "category"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)


# The last headcount of each month and year, per pair, mission (0: the whole pair), category
# and kind (migration 0014): kept by triggers, read by the series.
headcount_bucket = Table(
    "headcount_bucket",
    SQLModel.metadata,
    Column("span", String(8), primary_key=True),
    Column("sending_country", String(4), primary_key=True),
    Column("host_country", String(4), primary_key=True),
    Column("category", String(32), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("mission_key", Integer, primary_key=True),
    Column("bucket", Date, primary_key=True),
    Column("headcount_id", Integer, nullable=False),
    sqlite_with_rowid=False,
)


class HeadcountRead(HeadcountBase):
    model_config = read_config(READ_EXAMPLE)

    id: int = Field(description="Headcount id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    citations: list[CitationRead] = citations_field()


class HeadcountCreate(HeadcountBase):
    model_config = write_config(EXAMPLE)

    ref: str | None = ref_field()
    mission_id: Id | None = Field(
        default=None, description="The mission counted; null when the count covers the whole pair."
    )
    count: Count = Field(description="Number of people.")
    citations: list[CitationIn] = citations_in()

    # Staff of one state in itself only as a mission's (a permanent mission's: its pair is the
    # mission's, checked against the stored mission).
    _two_states = model_validator(mode="after")(
        check_two_states(
            "sending_country", "host_country", "headcount", unless=lambda h: h.mission_id
        )
    )


HeadcountUpdate = partial_model(HeadcountCreate, "HeadcountUpdate")
