"""The read endpoints every resource has, built from its ListSpec: a list and a get-by-id,
both answering conditional requests (ETag / If-None-Match)."""

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection

from app.common import MAX_ID, with_article, without_nul
from app.db import read_connection, reads, single_statement
from app.errors import problems
from app.kit.changelog import VERSION, version
from app.kit.etags import conditional_list, list_etag, tag_list
from app.kit.export import export_response, wanted_format
from app.kit.facets import facet_counts, facet_names, with_facets
from app.kit.listing import fetch_one, fetch_page, fetch_page_and
from app.kit.parameters import EMPTIED
from app.kit.query import DatedQuery, ListQuery, OnDayQuery, Page, Q, SearchQuery, with_sorts
from app.kit.responses import list_content, page_response, record_response
from app.kit.search import time_bound
from app.kit.spec import ListSpec, Row

M = TypeVar("M", bound=BaseModel)

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]


def list_response(
    request: Request, connection: Connection, spec: ListSpec, query: ListQuery, name: str
) -> Response:
    """The JSON page, or the whole list as CSV or NDJSON when asked for; 304 if unchanged."""
    fmt = wanted_format(request, query)
    # Facets belong to the JSON page's envelope: an export, which has none, leaves them out
    # (as it leaves out `total`).
    faceted = fmt == "json" and bool(getattr(query, "facet", None))
    limit = request.app.state.settings.facet_time_limit_ms

    def page_with_facets(page: Page[Row]) -> Response:
        if not faceted:
            return page_response(request, page)
        return page_response(request, page, facet_counts(connection, spec, query, limit))

    if fmt == "json" and "if-none-match" not in request.headers:
        # The usual request: one statement reads the page, its citations and the list's
        # version (for the ETag) at once.
        if not query.count and not faceted and all(embed.inline for embed in spec.embeds):
            single_statement(connection)
        with _searching(request, connection, query):
            page, newest = fetch_page_and(connection, spec, query, VERSION)
        if newest is None:  # an empty page has no row to carry it
            newest = version(connection)
        return tag_list(page_with_facets(page), list_etag(newest, fmt))

    def build() -> Response:
        if fmt != "json":
            return export_response(request, spec, query, fmt, name)
        with _searching(request, connection, query):
            page = fetch_page(connection, spec, query)
        return page_with_facets(page)

    return conditional_list(connection, request, fmt, build)


def _searching(
    request: Request, connection: Connection, query: ListQuery
) -> AbstractContextManager[None]:
    """A page of a list with `q` is found within `SEARCH_TIME_LIMIT_MS` (`time_bound`)."""
    q = getattr(query, "q", None)
    if not q:
        return nullcontext()
    return time_bound(request, connection, q)


def parse_query(model: type[M], request: Request) -> M:
    """The list's query parameters, checked by its model. Done here rather than by FastAPI's
    query-model dependency, which costs more per request than the page query (docs/design.md,
    "Performance"); the errors are the same 422s."""
    data: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in data:
            before = data[key]
            data[key] = [*before, value] if isinstance(before, list) else [before, value]
        else:
            data[key] = value
    try:
        return model.model_validate(data)
    except ValidationError as error:
        emptied: frozenset[str] = request.scope.get(EMPTIED, frozenset())
        raise RequestValidationError(
            [_repeated(e, data, emptied) for e in error.errors(include_context=False)]
        ) from error


def _repeated(error: Any, data: dict[str, Any], emptied: frozenset[str]) -> Any:
    """A parameter's error as a 422 reports it; a parameter that takes one value and was given
    several is said so (its own error read "Input should be a valid string" of `q=a&q=b`), and
    a required one given empty (`emptied`), which is the same as none, too."""
    loc = error["loc"]
    given = data.get(loc[0]) if len(loc) == 1 else None
    if isinstance(given, list):
        return {
            **error,
            "loc": ("query", *loc),
            "type": "repeated_parameter",
            "msg": f"is given {len(given)} times; it takes one value",
            "input": given,
        }
    if error["type"] == "missing" and len(loc) == 1 and loc[0] in emptied:
        # `q=` was answered "Field required" (a new user's trial).
        return {**error, "loc": ("query", *loc), "msg": "is required, and was given empty"}
    return {**error, "loc": ("query", *loc)}


@cache
def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The OpenAPI description of a query model's parameters, as FastAPI would write it."""
    probe = FastAPI()

    @probe.get("/")
    def endpoint(query: Annotated[model, Query()]) -> None:  # type: ignore[valid-type]
        """A probe: never served."""

    parameters: list[dict[str, Any]] = probe.openapi()["paths"]["/"]["get"]["parameters"]
    for parameter in parameters:
        without_nul(parameter["schema"], {})  # `ListQuery` refuses NUL in every value
    return parameters


LISTS: dict[str, tuple[ListSpec, type[ListQuery]]] = {}
"""Every list served by `add_read_routes`, by path: its spec and its query model."""


def register_list(path: str, spec: ListSpec, query_model: type[Q]) -> type[Q]:
    """Records a list endpoint (`tests/test_layout.py` checks its query model against its
    spec: the filters a client may send are exactly those the spec applies). Returns the query
    model to serve it with: the given one, with the spec's sorts and facets."""
    sorted_model: type[Q] = with_sorts(query_model, tuple(spec.sorts), spec.default_sort)
    date = spec.date_column.key if spec.date_column is not None else None
    served: type[Q] = with_facets(sorted_model, facet_names(spec), date)
    LISTS[path] = (spec, served)
    return served


def sorts_doc(spec: ListSpec) -> str:
    """The sorts a list allows, for its description: "Sorts: date (default), id."."""
    names = [f"{n} (default)" if n == spec.default_sort.lstrip("-") else n for n in spec.sorts]
    return f"Sorts: {', '.join(names)}; `-field` for descending."


def add_read_routes(
    router: APIRouter,
    *,
    spec: ListSpec,
    query_model: type[ListQuery],
    read_model: type[BaseModel],
    list_doc: str,
    get_doc: str,
    get: Callable[[Connection, int], Row] | None = None,
    detail_model: type[BaseModel] | None = None,
    on_day: Callable[[dt.date], ListSpec] | None = None,
) -> None:
    """Adds `GET ""` (the list) and `GET /{id}` (one record) to a resource's router. The
    list's description ends with the sorts its spec allows. With `on_day`, the query model
    takes `on`, and a list asked for a day is served by the spec `on_day` gives for it."""
    noun = spec.noun
    plural = router.tags[0] if router.tags else noun
    # The query model offers `from`/`to` and `q` exactly when the spec can honour them.
    assert issubclass(query_model, DatedQuery) == (spec.date_column is not None), noun
    assert issubclass(query_model, SearchQuery) == bool(spec.search_kinds), noun
    assert issubclass(query_model, OnDayQuery) == (on_day is not None), noun
    query_model = register_list(router.prefix, spec, query_model)

    @reads
    def list_records(request: Request) -> Response:
        query = parse_query(query_model, request)
        day = getattr(query, "on", None)
        served = spec if day is None or on_day is None else on_day(day)
        with read_connection(request) as connection:
            return list_response(request, connection, served, query, str(plural))

    @reads
    def get_record(request: Request, record_id: RecordId) -> Response:
        with read_connection(request) as connection:
            if get is not None:
                record = get(connection, record_id)
            else:
                record = fetch_one(connection, spec, record_id)
        return record_response(request, record)

    router.add_api_route(
        "",
        list_records,
        methods=["GET"],
        summary=f"List {plural}",
        description=f"{list_doc} {sorts_doc(spec)}",
        operation_id=f"list_{str(plural).replace('-', '_')}",
        openapi_extra={"parameters": query_parameters(query_model)},
        responses={200: list_content(Page[read_model]), **problems(400, 422, 503)},  # type: ignore[valid-type]
    )
    router.add_api_route(
        "/{record_id:int}",
        get_record,
        methods=["GET"],
        summary=f"Get {with_article(noun)}",
        description=get_doc,
        operation_id=f"get_{noun.replace(' ', '_')}",
        responses={200: {"model": detail_model or read_model}, **problems(404, 422, 503)},
    )
