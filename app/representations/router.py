"""Representation endpoints (read only: the data sets write them)."""

from fastapi import APIRouter
from pydantic import Field

from app.countries.service import CountryCode
from app.kit.query import CommaList, DatedQuery, IdList, OnDayQuery
from app.kit.read_routes import add_read_routes
from app.representations.models import Level, RepresentationRead
from app.representations.service import REPRESENTATION_LIST, representations_on

router = APIRouter(prefix="/v1/representations", tags=["representations"])


class RepresentationQuery(DatedQuery, OnDayQuery):
    sending_country: CommaList[CountryCode] | None = Field(
        default=None, description="The states represented (comma-separated codes)."
    )
    host_country: CommaList[CountryCode] | None = Field(
        default=None, description="Where (comma-separated codes)."
    )
    level: CommaList[Level] | None = Field(default=None, description="Levels of representation.")
    mission_id: IdList | None = Field(default=None, description="The posts, by id.")


add_read_routes(
    router,
    spec=REPRESENTATION_LIST,
    query_model=RepresentationQuery,
    read_model=RepresentationRead,
    list_doc="How one state was represented in another, period by period, as the bundled "
    "data sets code it (Kenkel's U.S. Diplomatic Mission Status Data): a post (`embassy`, "
    "`legation`, `consulate`, `liaison`, `interests`), a head of mission accredited from "
    "elsewhere (`*_nonresident`), or `none`; each period cites the rows it comes from. "
    "`from`/`to` select by `valid_from`; `on=DAY` gives the periods in force that day.",
    get_doc="One representation period, with the rows it comes from.",
    on_day=representations_on,
)
