"""Headcounts endpoints."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.db import read_connection, reads
from app.errors import problems
from app.headcounts.models import HeadcountRead, HeadcountUpdate
from app.headcounts.series import HeadcountFilters, SeriesQuery, SeriesView, headcount_series
from app.headcounts.service import HEADCOUNT_LIST, HEADCOUNT_WRITE
from app.kit.etags import conditional_list
from app.kit.query import DatedQuery
from app.kit.read_routes import add_read_routes
from app.kit.responses import json_response
from app.kit.write_routes import add_write_routes

router = APIRouter(prefix="/v1/headcounts", tags=["headcounts"])


class HeadcountQuery(DatedQuery, HeadcountFilters):
    pass


# Before the record routes: `/{record_id}` would take "series" for an id.
@router.get(
    "/series",
    summary="Headcount time series",
    operation_id="headcount_series",
    responses={200: {"model": SeriesView}, **problems(422, 503)},
)
@reads
def series(request: Request, query: Annotated[SeriesQuery, Query()]) -> Response:
    """Headcounts as time series ready to plot: one series per direction (sending → host),
    mission (null: the whole pair), category and kind (`actual` and `cap` apart), each a list
    of `{date, count, date_precision}` in date order. The headcount list's filters apply;
    `interval=month|year` keeps the last count of each month or year."""
    with read_connection(request) as connection:
        return conditional_list(
            connection,
            request,
            "series",
            lambda: json_response(headcount_series(connection, query)),
        )


add_read_routes(
    router,
    spec=HEADCOUNT_LIST,
    query_model=HeadcountQuery,
    read_model=HeadcountRead,
    list_doc="Staff levels and caps of missions and country pairs by date.",
    get_doc="One headcount, with citations.",
)
add_write_routes(
    router, spec=HEADCOUNT_WRITE, read_model=HeadcountRead, update_model=HeadcountUpdate
)
