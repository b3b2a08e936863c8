"""Officials endpoints."""

from fastapi import APIRouter
from pydantic import Field

from app.countries.service import CountryCode
from app.kit.query import CommaList, ListQuery, SearchQuery
from app.kit.read_routes import add_read_routes
from app.kit.write_routes import add_write_routes
from app.officials.models import OfficialRead, OfficialUpdate
from app.officials.service import OFFICIAL_LIST, OFFICIAL_WRITE

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
    list_doc="People acting for a state, with the title the source gives them.",
    get_doc="One official, with citations.",
)
add_write_routes(router, spec=OFFICIAL_WRITE, read_model=OfficialRead, update_model=OfficialUpdate)
