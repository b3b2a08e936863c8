"""Representation: the highest level at which one state was represented in another, period by
period, as a data set codes it (Kenkel's U.S. Diplomatic Mission Status Data): an embassy, a
legation, … an ambassador accredited from elsewhere, or none (docs/datasets.md, §3)."""

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from app.citations.models import CitationRead, citations_field
from app.common import COUNTRY_CODE, CountryCode, DatePrecision, one_of, read_config


class Level(StrEnum):
    embassy = "embassy"
    legation = "legation"
    consulate = "consulate"
    liaison = "liaison"
    interests = "interests"
    ambassador_nonresident = "ambassador_nonresident"
    envoy_nonresident = "envoy_nonresident"
    consul_nonresident = "consul_nonresident"
    none = "none"


RESIDENT = {Level.embassy, Level.legation, Level.consulate, Level.liaison, Level.interests}


class RepresentationBase(SQLModel):
    sending_country: CountryCode = Field(
        foreign_key="country.code", sa_type=COUNTRY_CODE, description="The state represented."
    )
    host_country: CountryCode = Field(
        foreign_key="country.code", sa_type=COUNTRY_CODE, description="Where."
    )
    level: Level = Field(
        sa_type=String(32),
        description="How: a post in the host (`embassy`, `legation`, `consulate`, `liaison`, "
        "`interests`), a head of mission accredited from elsewhere (`*_nonresident`), or "
        "`none`, no formal representation.",
    )
    valid_from: dt.date = Field(description="The first day the sources cover this period.")
    valid_to: dt.date | None = Field(
        default=None,
        description="Its last day; null when it runs to the end of the data (`observed_until`).",
    )
    since: dt.date | None = Field(
        default=None,
        description="When this level began: `valid_from` when that day is a change of level; "
        "null when the sources start the period at their own boundary (a state's entry into "
        "the state system), and so do not say when it began.",
    )
    since_precision: DatePrecision | None = Field(
        default=None, sa_type=String(8), description="How exactly `since` is known."
    )
    observed_until: dt.date | None = Field(
        default=None, description="The last day the sources cover, when the period runs to it."
    )
    mission_id: int | None = Field(
        default=None,
        foreign_key="mission.id",
        description="The post, for the levels that are one (`/v1/missions/{id}`).",
    )


class Representation(RepresentationBase, table=True):
    __tablename__ = "representation"
    __table_args__ = (
        one_of("level", Level),
        one_of("since_precision", DatePrecision),
        Index(None, "sending_country", "host_country", "valid_from"),
        Index(None, "host_country", "valid_from"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)


EXAMPLE: dict[str, Any] = {
    "id": 12,
    "ref": "us-mission-status:US-AF:2021-11-12",
    "sending_country": "US",
    "host_country": "AF",
    "level": "interests",
    "valid_from": "2021-11-12",
    "valid_to": None,
    "since": "2021-11-12",
    "since_precision": "day",
    "observed_until": "2024-12-31",
    "mission_id": 3,
    "citations": [
        {
            "source_id": 2,
            "quote": "AFG,700,Afghanistan,Afghanistan,2021-11-12,2024-12-31,Interests",
            "start": 446,
            "end": 509,
            "prefix": "Afghanistan,2021-08-31,2021-11-11,None\r\n",
            "suffix": "\r\nALB,339,Albania,Albania,1914-",
            "verified": True,
            "supports": ["level", "valid_from", "valid_to", "since"],
        }
    ],
}


class RepresentationRead(RepresentationBase):
    model_config = read_config(EXAMPLE)

    id: int = Field(description="Representation period id.")
    ref: str | None = Field(description="Stable external reference.")
    citations: list[CitationRead] = citations_field()
