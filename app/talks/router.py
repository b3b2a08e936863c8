"""Talks endpoints."""

from fastapi import APIRouter
from pydantic import Field

from app.countries.service import CountryCode
from app.kit.query import CommaList, DatedQuery, IdList, SearchQuery
from app.kit.read_routes import add_read_routes
from app.kit.write_routes import add_write_routes
from app.talks.models import TalksOutcome, TalksRead, TalksUpdate
from app.talks.service import TALKS_LIST, TALKS_WRITE

router = APIRouter(prefix="/v1/talks", tags=["talks"])


class TalksQuery(DatedQuery, SearchQuery):
    dispute_id: IdList | None = Field(default=None, description="Disputes discussed.")
    host_country: CommaList[CountryCode] | None = Field(
        default=None, description="Hosting state (alpha-2 or alpha-3, comma-separated)."
    )
    outcome: CommaList[TalksOutcome] | None = Field(default=None, description="Outcomes.")
    city: str | None = Field(default=None, description="The city, exactly.")
    official_id: IdList | None = Field(
        default=None, description="Talks these officials took part in or are quoted at."
    )
    source_id: IdList | None = Field(
        default=None, description="Talks that cite these sources or quote statements from them."
    )


add_read_routes(
    router,
    spec=TALKS_LIST,
    query_model=TalksQuery,
    read_model=TalksRead,
    list_doc="Rounds of talks and consultations: who took part, what they said verbatim, what "
    "came of it.",
    get_doc="One round of talks, with participants, statements and citations.",
)
add_write_routes(router, spec=TALKS_WRITE, read_model=TalksRead, update_model=TalksUpdate)
