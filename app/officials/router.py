"""Officials endpoints."""

from fastapi import APIRouter
from pydantic import Field

from app.countries.service import CountryCode
from app.listing import CommaList, ListQuery, SearchQuery
from app.officials.models import OfficialRead, OfficialUpdate
from app.officials.service import OFFICIAL_LIST, OFFICIAL_WRITE
from app.routes import add_read_routes
from app.write_routes import add_write_routes

router = APIRouter(prefix="/v1/officials", tags=["officials"])


class OfficialQuery(ListQuery, SearchQuery):
    country: CommaList[CountryCode] | None = Field(
        default=None, description="The state they act for (alpha-2 or alpha-3, comma-separated)."
    )


add_read_routes(
    router,
    spec=OFFICIAL_LIST,
    query_model=OfficialQuery,
    read_model=OfficialRead,
    noun="official",
    list_doc="People acting for a state, with the title the source gives them. "
    "Sorts: id, name, country.",
    get_doc="One official, with citations.",
)
add_write_routes(router, spec=OFFICIAL_WRITE, read_model=OfficialRead, update_model=OfficialUpdate)
