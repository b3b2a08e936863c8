"""`GET /v1/search`: one ranked list of every record, quote and passage of a source's text that
matches (docs/search.md)."""

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field, field_validator

from app.countries.service import CountryCode
from app.db import read_connection, reads
from app.errors import problems
from app.kit.cursor import by_relevance_to, decode_values, encode_cursor
from app.kit.etags import conditional_list
from app.kit.query import CommaList, DateRange, Page, PagingQuery
from app.kit.read_routes import parse_query, query_parameters
from app.kit.responses import page_response
from app.kit.search import SYNTAX, Search, parse, readable, time_bound
from app.search import service
from app.search.models import Hit, HitKind

router = APIRouter(prefix="/v1/search", tags=["search"])


class SearchParameters(PagingQuery, DateRange):
    q: str = Field(
        min_length=1,
        max_length=500,
        description=SYNTAX,
        json_schema_extra={"examples": ['"persona non grata"', "kabul embassy", "expel*"]},
    )
    kinds: CommaList[HitKind] | None = Field(
        default=None,
        description="Only these kinds of hit (comma-separated): a list's name (`missions`, "
        "`events`…), `citations` for quotes, `texts` for passages of sources' texts.",
    )
    country: CountryCode | None = Field(
        default=None,
        description="Only hits involving this country (alpha-2 or alpha-3): a mission's sending "
        "or host country, a measure's actor or target, an event's countries, …; a quote by "
        "the record it supports (its `cited_for`). Passages of texts have none: they are left "
        "out.",
    )

    _readable = field_validator("q")(readable)


@router.get(
    "",
    summary="Search everything",
    description="One ranked list of every record, every quote (`citations`) and every passage "
    "of a source's text (`texts`) whose words match `q`, best first. Each hit has its kind, "
    "id, URL, a title, a snippet with the matched words in `<mark>…</mark>` (the rest "
    "HTML-escaped), a score (higher is better) and a date where it has one. A list like the "
    "others: keyset pages (`cursor`, `Link`), `limit`, `count`, ETag. " + SYNTAX,
    operation_id="search",
    openapi_extra={"parameters": query_parameters(SearchParameters)},
    responses={200: {"model": Page[Hit]}, **problems(400, 422, 503)},
)
@reads
def search(request: Request) -> Response:
    """Parsed and paged as every list is; the description above is its manual."""
    query = parse_query(SearchParameters, request)
    wanted = parse(query.q)
    filters = service.Filters(
        kinds=[kind.value for kind in query.kinds or ()],
        country=query.country,
        from_=query.from_,
        to=query.to,
    )
    sort = by_relevance_to("score", query.q)
    after = None if query.cursor is None else decode_values(query.cursor, sort, _position)

    def build() -> Response:
        with time_bound(request, connection, query.q):
            page = _page(connection, wanted, filters, query, sort, after)
        return page_response(request, page)

    with read_connection(request) as connection:
        return conditional_list(connection, request, "json", build)


def _position(score: Any, entry: Any) -> tuple[float, int]:
    """A cursor's (score, entry id), checked."""
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise ValueError("not a score")
    if isinstance(entry, bool) or not isinstance(entry, int):
        raise ValueError("not an id")
    return float(score), entry


def _page(
    connection: Any,
    wanted: Search,
    filters: service.Filters,
    query: SearchParameters,
    sort: str,
    after: tuple[float, int] | None,
) -> Page[Any]:
    rows = service.ranked(connection, wanted, filters, query.limit + 1, after)
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    items = service.hits(connection, rows)
    last = rows[-1] if rows else None
    next_cursor = encode_cursor(sort, last["score"], last["id"]) if more and last else None
    total = service.count(connection, wanted, filters) if query.count else None
    return Page[Any](items=items, next_cursor=next_cursor, total=total)
