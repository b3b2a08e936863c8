"""Missions endpoints."""

from fastapi import APIRouter
from pydantic import Field

from app.countries.service import CountryCode
from app.kit.query import CommaList, DatedQuery, OnDayQuery, SearchQuery
from app.kit.read_routes import add_read_routes
from app.kit.write_routes import add_write_routes
from app.missions.models import MissionKind, MissionRead, MissionStatus, MissionUpdate
from app.missions.service import MISSION_LIST, MISSION_WRITE, missions_on

router = APIRouter(prefix="/v1/missions", tags=["missions"])


class MissionQuery(DatedQuery, SearchQuery, OnDayQuery):
    sending_country: CommaList[CountryCode] | None = Field(
        default=None, description="Whose missions (alpha-2 or alpha-3, comma-separated)."
    )
    host_country: CommaList[CountryCode] | None = Field(
        default=None, description="Where they are posted (alpha-2 or alpha-3, comma-separated)."
    )
    kind: CommaList[MissionKind] | None = Field(default=None, description="Kinds of post.")
    status: CommaList[MissionStatus] | None = Field(
        default=None, description="Current statuses (with `on`, that day's)."
    )
    city: str | None = Field(default=None, description="The city, exactly.")
    wikidata_id: CommaList[str] | None = Field(
        default=None, description="Wikidata items (`Q722374`, comma-separated)."
    )


add_read_routes(
    router,
    spec=MISSION_LIST,
    query_model=MissionQuery,
    read_model=MissionRead,
    list_doc="Diplomatic posts of one state in another, with status history and citations. "
    "With `on=DAY`, as they stood that day: `kind`, `status` and `status_since` are those in "
    "force then (`kind` and `status` filter on them), and missions with no status that day "
    "are left out.",
    on_day=missions_on,
    get_doc="One mission, with its status history (newest first) and citations.",
)
add_write_routes(router, spec=MISSION_WRITE, read_model=MissionRead, update_model=MissionUpdate)
