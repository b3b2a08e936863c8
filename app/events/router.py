"""Events endpoints."""

from fastapi import APIRouter
from pydantic import Field

from app.events.models import EventKind, EventRead
from app.events.service import EVENT_LIST
from app.listing import CommaList, ListQuery
from app.routes import add_read_routes

router = APIRouter(prefix="/v1/events", tags=["events"])


class EventQuery(ListQuery):
    kind: CommaList[EventKind] | None = Field(default=None, description="Kinds of event.")


add_read_routes(
    router,
    spec=EVENT_LIST,
    query_model=EventQuery,
    read_model=EventRead,
    noun="event",
    list_doc="Dated context: incidents, visits, wider strains. Sorts: date (default), id.",
    get_doc="One event, with the countries involved and citations.",
)
