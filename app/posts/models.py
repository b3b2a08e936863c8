"""Posts: an official's tenure as the chief of one state's mission in another, as the Office of
the Historian records it (appointed, arrived, credentials presented, left), each date with how
exactly it is known (docs/datasets.md, §5)."""

import datetime as dt
from typing import Any

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from app.citations.models import CitationRead, citations_field
from app.common import COUNTRY_CODE, CountryCode, DatePrecision, one_of, read_config

PRECISION = "How exactly the date before is known (the date is that span's first day)."


class OfficialPostBase(SQLModel):
    official_id: int = Field(
        foreign_key="official.id", description="Who held it (`/v1/officials/{id}`)."
    )
    sending_country: CountryCode = Field(
        foreign_key="country.code", sa_type=COUNTRY_CODE, description="The state represented."
    )
    host_country: CountryCode = Field(
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        description="Where: the state as it was then (Czechoslovakia, not Slovakia).",
    )
    mission_id: int | None = Field(
        default=None,
        foreign_key="mission.id",
        description="The mission headed: the host's principal mission, when it had a status "
        "on the day of credentials (else of appointment); null when none is known.",
    )
    title: str = Field(description="The title, as the source gives it.")
    title_id: str | None = Field(
        default=None, max_length=80, description="The source's code for the title."
    )
    appointed_on: dt.date | None = Field(default=None, description="Appointed (commissioned).")
    appointed_precision: DatePrecision | None = Field(
        default=None, sa_type=String(8), description=PRECISION
    )
    appointed_note: str | None = Field(default=None, description="The source's note on it.")
    arrived_on: dt.date | None = Field(default=None, description="Arrived at post.")
    arrived_precision: DatePrecision | None = Field(
        default=None, sa_type=String(8), description=PRECISION
    )
    credentials_on: dt.date | None = Field(
        default=None,
        description="Presented credentials (the tenure's start; `started_note` says when the "
        "source qualifies it: 'Officially recognized on', 'Entered on duty', …).",
    )
    credentials_precision: DatePrecision | None = Field(
        default=None, sa_type=String(8), description=PRECISION
    )
    started_note: str | None = Field(default=None, description="The source's note on the start.")
    left_on: dt.date | None = Field(default=None, description="Left the post (the tenure's end).")
    left_precision: DatePrecision | None = Field(
        default=None, sa_type=String(8), description=PRECISION
    )
    ended_note: str | None = Field(
        default=None,
        description="How it ended, verbatim ('Left post on', 'Presented recall on', 'Died at "
        "post on', …).",
    )
    note: str | None = Field(
        default=None, description="The source's note ('Declined appointment.', …)."
    )


class OfficialPost(OfficialPostBase, table=True):
    __tablename__ = "official_post"
    __table_args__ = (
        one_of("appointed_precision", DatePrecision),
        one_of("arrived_precision", DatePrecision),
        one_of("credentials_precision", DatePrecision),
        one_of("left_precision", DatePrecision),
        Index(None, "official_id"),
        Index(None, "mission_id", "credentials_on"),
        Index(None, "host_country", "credentials_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)


EXAMPLE: dict[str, Any] = {
    "id": 7,
    "ref": "pocom:af-1942-enge-01",
    "official_id": 4,
    "sending_country": "US",
    "host_country": "AF",
    "mission_id": 3,
    "title": "Envoy Extraordinary and Minister Plenipotentiary",
    "title_id": "envoy-extraordinary-minister-plenipotentiary",
    "appointed_on": "1942-05-02",
    "appointed_precision": "day",
    "appointed_note": None,
    "arrived_on": None,
    "arrived_precision": None,
    "credentials_on": "1942-07-02",
    "credentials_precision": "day",
    "started_note": None,
    "left_on": "1945-08-17",
    "left_precision": "day",
    "ended_note": "Left post on",
    "note": None,
    "citations": [
        {
            "source_id": 9,
            "quote": "af-1942-enge-01,afghanistan,afghanistan,engert-cornelius-van-hemert,"
            "Cornelius Van Hemert Engert,1887,1985,career,envoy-extraordinary-minister-"
            "plenipotentiary,Envoy Extraordinary and Minister Plenipotentiary,1942-05-02,,,,"
            "1942-07-02,,1945-08-17,Left post on,,pocom/missions-countries/afghanistan.xml",
            "start": 1021,
            "end": 1281,
            "prefix": None,
            "suffix": None,
            "verified": True,
            "supports": ["official_id", "host_country", "title", "title_id", "appointed_on"],
        }
    ],
}


class OfficialPostRead(OfficialPostBase):
    model_config = read_config(EXAMPLE)

    id: int = Field(description="Post id.")
    ref: str | None = Field(description="Stable external reference.")
    citations: list[CitationRead] = citations_field()
