"""Missions: one state's diplomatic post in another, with its status history."""

import datetime as dt
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
    COUNTRY_CODE,
    CountryCode,
    DatePrecision,
    Day,
    Number,
    check_first_day,
    check_two_states,
    one_of,
    partial_model,
    precision_needs_date,
    read_config,
    ref_field,
    set_needs,
    write_config,
)

EXAMPLE: dict[str, Any] = {
    "ref": "us-embassy-in-russia",
    "sending_country": "US",
    "host_country": "RU",
    "kind": "embassy",
    "city": None,
    "status": "operating",
    "status_since": None,
    "citations": [{"source_id": 1, "quote": "the functioning of their embassies"}],
}
READ_EXAMPLE: dict[str, Any] = served_example(
    {
        "id": 1,
        **EXAMPLE,
        "wikidata_id": None,
        "latitude": None,
        "longitude": None,
        "designation": None,
        "inception": None,
        "located_in": None,
        "protecting_power": None,
        "jurisdictions": [],
        "status_history": [
            {
                "id": 1,
                "status": "operating",
                "effective_on": None,
                "date_precision": None,
                "kind": None,
                "valid_from": None,
                "valid_to": None,
                "protecting_power": None,
                "shown": True,
                "citations": EXAMPLE["citations"],
            }
        ],
    }
)


class MissionKind(StrEnum):
    embassy = "embassy"
    legation = "legation"
    high_commission = "high_commission"
    consulate_general = "consulate_general"
    consulate = "consulate"
    honorary_consulate = "honorary_consulate"
    nunciature = "nunciature"
    liaison_office = "liaison_office"
    interests_section = "interests_section"
    representative_office = "representative_office"
    permanent_mission = "permanent_mission"
    other = "other"


class MissionStatus(StrEnum):
    operating = "operating"
    restricted = "restricted"
    suspended = "suspended"
    frozen = "frozen"
    closed = "closed"


class MissionBase(SQLModel):
    sending_country: CountryCode = Field(
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        description="The state whose mission it is (ISO alpha-2).",
        schema_extra={"examples": ["US"]},
    )
    host_country: CountryCode = Field(
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        description="The state it is posted in (ISO alpha-2).",
        schema_extra={"examples": ["RU"]},
    )
    kind: MissionKind = Field(
        sa_type=String(32),
        description="What sort of post it is.",
        schema_extra={"examples": ["embassy"]},
    )
    city: str | None = Field(
        default=None, description="Where it is; null when the source does not say."
    )
    status: MissionStatus | None = Field(
        default=None,
        sa_type=String(16),
        description="Its current status (with `on`, its status that day); null when no source "
        "says (a mission known only from Wikidata).",
        schema_extra={"examples": ["operating"]},
    )
    status_since: Day | None = Field(
        default=None, description="When the current status took effect; null if unknown."
    )
    wikidata_id: str | None = Field(
        default=None,
        max_length=16,
        unique=True,
        regex=r"^Q[1-9][0-9]{0,14}$",
        description="Its Wikidata item, where a source names one.",
        schema_extra={"examples": ["Q722374"]},
    )
    latitude: Number | None = Field(
        default=None, ge=-90, le=90, description="Where it stands (WGS 84); null if unknown."
    )
    longitude: Number | None = Field(
        default=None, ge=-180, le=180, description="Where it stands (WGS 84); null if unknown."
    )


class Mission(MissionBase, table=True):
    __tablename__ = "mission"
    __table_args__ = (
        one_of("kind", MissionKind),
        one_of("status", MissionStatus),
        Index(None, "sending_country", "host_country"),
        Index(None, "host_country"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)
    # The post that heads a state's representation in another (its embassy, legation, …), to
    # which the data sets' statuses of that representation belong.
    principal: bool = Field(default=False)
    # What a data set adds (Wikidata, docs/datasets.md §6): served, not written through the API.
    designation: str | None = Field(default=None, max_length=200)
    inception: dt.date | None = None
    located_in: str | None = Field(default=None, foreign_key="country.code", sa_type=COUNTRY_CODE)
    # An interests section's protecting power, as its last status says (docs/datasets.md §4).
    protecting_power: str | None = Field(
        default=None, foreign_key="country.code", sa_type=COUNTRY_CODE
    )


class MissionJurisdiction(SQLModel, table=True):
    """A state a mission is accredited to (Wikidata's jurisdictions: its host, and the states it
    covers from there)."""

    __tablename__ = "mission_jurisdiction"

    mission_id: int = Field(foreign_key="mission.id", primary_key=True)
    country: str = Field(foreign_key="country.code", max_length=4, primary_key=True, index=True)


class StatusChangeBase(SQLModel):
    status: MissionStatus = Field(sa_type=String(16), description="The status it took.")
    effective_on: Day | None = Field(
        default=None, description="When it took effect; null if unknown."
    )
    date_precision: DatePrecision | None = Field(
        default=None, sa_type=String(8), description="How exactly that date is known."
    )
    kind: MissionKind | None = Field(
        default=None,
        sa_type=String(32),
        description="What sort of post it was then (a legation raised to an embassy); null: "
        "the mission's `kind`.",
    )
    valid_from: Day | None = Field(
        default=None,
        description="The first day the source says it was in force: `effective_on`, or, where "
        "the source does not say when it began, the first day it covers; null if unknown.",
    )
    valid_to: Day | None = Field(
        default=None,
        description="The last day the source says it was in force; null: until the next "
        "status, or still.",
    )
    protecting_power: CountryCode | None = Field(
        default=None,
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        description="For an interests section, the state it was part of the embassy of, where "
        "the source names it (the Swiss Embassy in Havana: CH); null otherwise. Served, not "
        "written through the API.",
        schema_extra={"examples": ["CH"]},
    )

    _first_day = model_validator(mode="after")(check_first_day("effective_on"))


class MissionStatusChange(StatusChangeBase, table=True):
    """One entry of a mission's status history."""

    __tablename__ = "mission_status"
    __table_args__ = (
        one_of("status", MissionStatus),
        one_of("kind", MissionKind),
        one_of("date_precision", DatePrecision),
        precision_needs_date("effective_on"),
        Index(None, "mission_id", "effective_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mission_id: int = Field(foreign_key="mission.id")


class MissionTimeline(SQLModel, table=True):
    """A mission's status through time, one row per stretch, worked out from its status
    history (the sources' claims) whenever that changes: what `?on=DAY` reads."""

    __tablename__ = "mission_timeline"
    __table_args__ = (Index(None, "mission_id", "valid_from"),)

    id: int | None = Field(default=None, primary_key=True)
    mission_id: int = Field(foreign_key="mission.id")
    valid_from: dt.date | None = None  # null: since before any date a source gives
    valid_to: dt.date | None = None  # null: still
    kind: str = Field(max_length=32)
    status: str = Field(max_length=16)
    status_since: dt.date | None = None
    protecting_power: str | None = Field(default=None, max_length=4)
    claim_id: int = Field(foreign_key="mission_status.id")


class StatusChangeRead(StatusChangeBase):
    """A status the mission took, and when."""

    id: int = Field(description="Status change id.")
    shown: bool = Field(
        default=True,
        description="Whether the mission shows this status on some day (`?on=`): where the "
        "sources' statuses overlap, the one of the source ranked first is shown (an API write "
        "or the article, then the Office of the Historian, then Kenkel); the others are kept.",
    )
    citations: list[CitationRead] = citations_field()


class MissionRead(MissionBase):
    model_config = read_config(READ_EXAMPLE)

    id: int = Field(description="Mission id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    designation: str | None = Field(
        default=None,
        description="What its source calls it (Wikidata's type, verbatim: 'British High "
        "Commission'); null if none says.",
    )
    inception: dt.date | None = Field(
        default=None, description="When it was set up, as Wikidata gives it; null if unknown."
    )
    located_in: str | None = Field(
        default=None,
        description="The state its building is in (the U.S. embassy to the Holy See: IT, its "
        "host VA); null if no source says.",
    )
    protecting_power: str | None = Field(
        default=None,
        description="An interests section's protecting power, as its current status (with "
        "`on`, that day's) names it: the state whose embassy it is part of; null otherwise or "
        "when no source names one.",
        schema_extra={"examples": ["CH"]},
    )
    jurisdictions: list[str] = Field(
        default_factory=list,
        description="The states it is accredited to, as Wikidata lists them (its host, and "
        "those it covers from there).",
    )
    status_history: list[StatusChangeRead] = Field(
        description="Every status it has had, newest first."
    )
    citations: list[CitationRead] = citations_field()


class MissionCreate(MissionBase):
    model_config = write_config(EXAMPLE, set_needs("status_precision", "status_since"))

    ref: str | None = ref_field()
    citations: list[CitationIn] = citations_in()
    status_citations: list[CitationIn] | None = Field(
        default=None,
        max_length=100,
        description="Sources for a change of `status` (required when `status` changes; on "
        "create, defaults to `citations`). The change is added to the status history.",
    )
    status_precision: DatePrecision | None = Field(
        default=None, description="How exactly `status_since` is known (default: day)."
    )

    _first_day = model_validator(mode="after")(check_first_day("status_since", "status_precision"))

    # A permanent mission to an organisation seated in its own state (the U.S. Mission to the
    # United Nations, in New York) is the one mission whose host is its sender.
    _two_states = model_validator(mode="after")(
        check_two_states(
            "sending_country",
            "host_country",
            "mission",
            unless=lambda m: m.kind == MissionKind.permanent_mission,
        )
    )


MissionUpdate = partial_model(MissionCreate, "MissionUpdate")
