"""The world view's endpoint: one request per sender and year, for a map."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.common import Day
from app.countries.service import CountryCode
from app.db import read_connection, reads
from app.errors import problems
from app.kit.etags import conditional_list
from app.kit.responses import json_response
from app.world.models import WorldView
from app.world.service import world as world_view

router = APIRouter(prefix="/v1/world", tags=["world"])


class WorldQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender: CountryCode = Field(
        description="The state whose representation is shown (alpha-2 or alpha-3).",
        examples=["US"],
    )
    year: int | None = Field(
        default=None,
        ge=1,
        le=9999,
        description="The year shown, as of its last day (or, when one of the sender's data "
        "sets ends within it, the last day that data set covers).",
        examples=[1950],
    )
    on: Day | None = Field(default=None, description="The day shown (YYYY-MM-DD); default: today.")

    @model_validator(mode="after")
    def _one_day(self) -> "WorldQuery":
        if self.year is not None and self.on is not None:
            raise PydanticCustomError("one_of", "give 'year' or 'on', not both")
        return self


@router.get(
    "",
    summary="One sender's representation in every country",
    operation_id="get_world",
    responses={200: {"model": WorldView}, **problems(422, 503)},
)
@reads
def world(request: Request, query: Annotated[WorldQuery, Query()]) -> Response:
    """What a world map colours: for every country, how `sender` was represented there on a
    day — the level of its representation period in force (the U.S., from Kenkel's data), or
    else the kind of its mission whose status was in force, or else, on the day of the
    Wikidata export (2022-11-16), of a mission it lists —
    with since when, until when, the record and its first quote; `unknown` where no source
    says. `first_year` and `last_year` bound the sender's data, for a slider. Former
    countries are listed when they have a status that day (maps of today's borders have no
    shape for them). Kept until a representation or a mission changes; ETag."""
    today = dt.datetime.now(dt.UTC).date()
    with read_connection(request) as connection:
        return conditional_list(
            connection,
            request,
            f"world-{query.sender}-{query.year}-{query.on}-{today}",
            lambda: json_response(
                world_view(connection, query.sender, today, year=query.year, on=query.on)
            ),
        )
