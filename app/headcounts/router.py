"""Headcounts endpoints."""

from fastapi import APIRouter
from pydantic import Field

from app.countries.service import CountryCode
from app.headcounts.models import HeadcountKind, HeadcountRead, HeadcountUpdate, StaffCategory
from app.headcounts.service import HEADCOUNT_LIST, HEADCOUNT_WRITE
from app.listing import CommaList, DatedQuery
from app.routes import add_read_routes
from app.write_routes import add_write_routes

router = APIRouter(prefix="/v1/headcounts", tags=["headcounts"])


class HeadcountQuery(DatedQuery):
    sending_country: CommaList[CountryCode] | None = Field(
        default=None, description="Whose staff (alpha-2 or alpha-3, comma-separated)."
    )
    host_country: CommaList[CountryCode] | None = Field(
        default=None, description="Where posted (alpha-2 or alpha-3, comma-separated)."
    )
    mission_id: CommaList[int] | None = Field(default=None, description="Missions counted.")
    category: CommaList[StaffCategory] | None = Field(default=None, description="Staff categories.")
    kind: CommaList[HeadcountKind] | None = Field(default=None, description="`actual` or `cap`.")


add_read_routes(
    router,
    spec=HEADCOUNT_LIST,
    query_model=HeadcountQuery,
    read_model=HeadcountRead,
    noun="headcount",
    list_doc="Staff levels and caps of missions and country pairs by date. Sorts: as_of (default), "
    "id, count.",
    get_doc="One headcount, with citations.",
)
add_write_routes(
    router, spec=HEADCOUNT_WRITE, read_model=HeadcountRead, update_model=HeadcountUpdate
)
