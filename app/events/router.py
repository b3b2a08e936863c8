"""Events endpoints."""

from fastapi import APIRouter
from pydantic import Field

from app.countries.service import CountryCode
from app.events.models import EventKind, EventRead, EventUpdate
from app.events.service import EVENT_LIST, EVENT_WRITE
from app.kit.query import CommaList, DatedQuery, SearchQuery
from app.kit.read_routes import add_read_routes
from app.kit.write_routes import add_write_routes

router = APIRouter(prefix="/v1/events", tags=["events"])


class EventQuery(DatedQuery, SearchQuery):
    kind: CommaList[EventKind] | None = Field(default=None, description="Kinds of event.")
    country: CommaList[CountryCode] | None = Field(
        default=None, description="Events involving any of these states (alpha-2 or alpha-3)."
    )


add_read_routes(
    router,
    spec=EVENT_LIST,
    query_model=EventQuery,
    read_model=EventRead,
    list_doc="Dated context: incidents, visits, wider strains.",
    get_doc="One event, with the countries involved and citations.",
)
add_write_routes(router, spec=EVENT_WRITE, read_model=EventRead, update_model=EventUpdate)
