"""The timeline endpoint."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field

from app.countries.service import CountryCode
from app.db import read_connection, reads
from app.errors import problems
from app.kit.query import CommaList, DatedQuery, Page
from app.kit.read_routes import (
    list_response,
    parse_query,
    query_parameters,
    register_list,
    sorts_doc,
)
from app.kit.responses import list_content
from app.timeline.models import TimelineItem, TimelineKind
from app.timeline.service import TIMELINE_LIST, TIMELINE_SCOPED, scope_of

router = APIRouter(prefix="/v1/timeline", tags=["timeline"])


class TimelineFilters(DatedQuery):
    countries: CommaList[CountryCode] | None = Field(
        default=None,
        description="Facts involving every country named (alpha-2 or alpha-3, comma-separated): "
        "`RU,US` is what passed between the two, `RU` everything involving Russia.",
    )
    kinds: CommaList[TimelineKind] | None = Field(
        default=None, description="Kinds of fact, comma-separated: `talks,measure`."
    )


TimelineQuery = register_list(router.prefix, TIMELINE_LIST, TimelineFilters)


class ScopedQuery(TimelineQuery):  # type: ignore[valid-type,misc]
    """`countries=` as `TIMELINE_SCOPED` takes it (`scope_of`)."""

    scope: str
    also: list[str] | None = None


@router.get(
    "",
    summary="Timeline of dated facts",
    description="Every dated fact — talks, measures, mission status changes, headcounts, events, "
    "the opening of visa disputes — in date order (`sort=-date`: newest first), each with its "
    "kind, a one-line title, its record's URL and its citations. Facts with no known date are "
    "left out. A list like the others: keyset pages, `count`, CSV and NDJSON, ETag. "
    f"{sorts_doc(TIMELINE_LIST)} Facts of one date come in the order of their `key`.",
    operation_id="list_timeline",
    openapi_extra={"parameters": query_parameters(TimelineQuery)},
    responses={200: list_content(Page[TimelineItem]), **problems(400, 422, 503)},
)
@reads
def timeline(request: Request) -> Response:
    """Parsed and paged as every list is; the description above is its manual."""
    query = parse_query(TimelineQuery, request)
    spec = TIMELINE_LIST
    if query.countries:
        scope, also = scope_of(query.countries)
        query = ScopedQuery.model_construct(**dict(query), scope=scope, also=also or None)
        spec = TIMELINE_SCOPED
    with read_connection(request) as connection:
        return list_response(request, connection, spec, query, "timeline")
