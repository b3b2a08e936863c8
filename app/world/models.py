"""The world view: one sender's representation in every country on a day, for a map."""

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.common import DatePrecision


class Basis(StrEnum):
    """What a country's status rests on, in the order one is preferred to another."""

    representation = "representation"  # a representation period in force (Kenkel's data)
    mission = "mission"  # a mission's status in force (its status history)
    listed = "listed"  # a mission a data set lists, with no status (Wikidata)


class Citation(BaseModel):
    source_id: int = Field(description="The source (`/v1/sources/{id}`).")
    quote: str = Field(description="Its verbatim words.")
    start: int | None = Field(description="Where the quote starts in the source's text.")
    end: int | None = Field(description="Where it ends.")


class CountryStatus(BaseModel):
    country: str = Field(description="The host (ISO alpha-2, or a former country's code).")
    name: str = Field(description="Its short English name.")
    numeric: str | None = Field(description="ISO 3166-1 numeric code: what maps key shapes by.")
    status: str = Field(
        description="The sender's representation there that day, as `/v1/representations` "
        "names its levels (`embassy`, `legation`, `consulate`, `liaison`, `interests`, "
        "`ambassador_nonresident`, `envoy_nonresident`, `consul_nonresident`, `none`); "
        "`unknown` when no source says; `sender` for the sender itself."
    )
    basis: Basis | None = Field(description="What the status rests on; null when unknown.")
    since: dt.date | None = Field(description="Since when, where the sources say.")
    since_precision: DatePrecision | None = Field(description="How exactly `since` is known.")
    until: dt.date | None = Field(
        description="The last day the status is known to hold (the end of its period, or the "
        "day the data set listed it); null: open."
    )
    record: str | None = Field(description="The record behind the status (its URL).")
    mission_id: int | None = Field(description="The post, where the status is one.")
    designation: str | None = Field(description="What the data set calls the post.")
    citation: Citation | None = Field(description="The first quote behind the status.")


EXAMPLE: dict[str, Any] = {
    "sender": "US",
    "on": "1950-12-31",
    "first_year": 1816,
    "last_year": 2026,
    "counts": {"embassy": 73, "legation": 12, "unknown": 160},
    "countries": [
        {
            "country": "FR",
            "name": "France",
            "numeric": "250",
            "status": "embassy",
            "basis": "representation",
            "since": "1893-03-31",
            "since_precision": "day",
            "until": None,
            "record": "/v1/representations/310",
            "mission_id": 88,
            "designation": None,
            "citation": {
                "source_id": 2,
                "quote": "FRN,220,France,France,1893-03-31,2024-12-31,Embassy",
                "start": 10233,
                "end": 10284,
            },
        }
    ],
}


class WorldView(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    sender: str = Field(description="The state whose representation is shown (ISO alpha-2).")
    on: dt.date = Field(description="The day shown.")
    first_year: int | None = Field(description="The first year the sender's data covers.")
    last_year: int | None = Field(description="The last year it covers.")
    counts: dict[str, int] = Field(description="Countries per status.")
    countries: list[CountryStatus] = Field(
        description="Every country ISO 3166-1 lists, and every former one with a status that "
        "day, by code."
    )
