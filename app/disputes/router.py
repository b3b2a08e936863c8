"""Visa disputes endpoints."""

from fastapi import APIRouter
from pydantic import Field

from app.countries.service import CountryCode
from app.disputes.models import DisputeIssue, DisputeRead, DisputeStatus, DisputeUpdate
from app.disputes.service import DISPUTE_LIST, DISPUTE_WRITE
from app.kit.query import CommaList, DatedQuery, SearchQuery
from app.kit.read_routes import add_read_routes
from app.kit.write_routes import add_write_routes

router = APIRouter(prefix="/v1/visa-disputes", tags=["visa-disputes"])


class DisputeQuery(DatedQuery, SearchQuery):
    country: CommaList[CountryCode] | None = Field(
        default=None, description="Either side (alpha-2 or alpha-3, comma-separated)."
    )
    country_a: CommaList[CountryCode] | None = Field(
        default=None, description="One side (alpha-2 or alpha-3, comma-separated)."
    )
    country_b: CommaList[CountryCode] | None = Field(
        default=None, description="The other side (alpha-2 or alpha-3, comma-separated)."
    )
    status: CommaList[DisputeStatus] | None = Field(default=None, description="Statuses.")
    issue: CommaList[DisputeIssue] | None = Field(
        default=None, description="Disputes covering any of these issues."
    )


add_read_routes(
    router,
    spec=DISPUTE_LIST,
    query_model=DisputeQuery,
    read_model=DisputeRead,
    list_doc="Bilateral disputes over visas, staffing levels and mission operations, with the "
    "next round of talks.",
    get_doc="One visa dispute, with its issues, next round and citations.",
)
add_write_routes(router, spec=DISPUTE_WRITE, read_model=DisputeRead, update_model=DisputeUpdate)
