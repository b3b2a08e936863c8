"""The read endpoints every resource has, built from its ListSpec: a list and a get-by-id."""

from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Connection

from app.common import MAX_ID
from app.db import ConnectionDep, get_engine, write_transaction
from app.errors import problems
from app.export import export_response, wanted_format
from app.listing import (
    DatedQuery,
    ListQuery,
    ListSpec,
    Page,
    Row,
    SearchQuery,
    fetch_one,
    fetch_page,
    next_link,
)
from app.writing import WriteSpec, create_record, delete_record, update_record

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]


def json_response(
    content: Any, headers: dict[str, str] | None = None, status: int = 200
) -> Response:
    """Serializes with orjson: no response_model validation on the read path (SPEC §7)."""
    return Response(
        orjson.dumps(content), status_code=status, media_type="application/json", headers=headers
    )


def page_response(request: Request, page: Page[Row]) -> Response:
    link = next_link(request.url, page.next_cursor)
    return json_response(
        {"items": page.items, "next_cursor": page.next_cursor, "total": page.total},
        headers={"Link": link} if link else None,
    )


def list_response(
    request: Request, connection: Connection, spec: ListSpec, query: ListQuery, name: str
) -> Response:
    """The JSON page, or the whole list as CSV or NDJSON when asked for."""
    fmt = wanted_format(request, query)
    if fmt != "json":
        return export_response(request, spec, query, fmt, name)
    return page_response(request, fetch_page(connection, spec, query))


def list_content(page_model: type[BaseModel]) -> dict[str, Any]:
    """The documented 200 of a list: the JSON page, or the CSV / NDJSON export."""
    return {
        "model": page_model,
        "description": "A page of items; with `format=csv|ndjson`, every matching item.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }


def add_read_routes(
    router: APIRouter,
    *,
    spec: ListSpec,
    query_model: type[ListQuery],
    read_model: type[BaseModel],
    noun: str,
    list_doc: str,
    get_doc: str,
    get: Callable[[Connection, int], Row] | None = None,
    detail_model: type[BaseModel] | None = None,
) -> None:
    """Adds `GET ""` (the list) and `GET /{id}` (one record) to a resource's router."""
    plural = router.tags[0] if router.tags else noun
    # The query model offers `from`/`to` and `q` exactly when the spec can honour them.
    assert issubclass(query_model, DatedQuery) == (spec.date_column is not None), noun
    assert issubclass(query_model, SearchQuery) == bool(spec.search_columns), noun

    async def list_records(
        request: Request,
        connection: ConnectionDep,
        query: Annotated[query_model, Query()],  # type: ignore[valid-type]
    ) -> Response:
        return list_response(request, connection, spec, query, str(plural))

    async def get_record(record_id: RecordId, connection: ConnectionDep) -> Response:
        if get is not None:
            return json_response(get(connection, record_id))
        return json_response(fetch_one(connection, spec, record_id, noun))

    router.add_api_route(
        "",
        list_records,
        methods=["GET"],
        summary=f"List {plural}",
        description=list_doc,
        operation_id=f"list_{str(plural).replace('-', '_')}",
        responses={200: list_content(Page[read_model]), **problems(400, 422, 503)},  # type: ignore[valid-type]
    )
    router.add_api_route(
        "/{record_id}",
        get_record,
        methods=["GET"],
        summary=f"Get one {noun}",
        description=get_doc,
        operation_id=f"get_{noun.replace(' ', '_')}",
        responses={200: {"model": detail_model or read_model}, **problems(404, 422, 503)},
    )


def add_write_routes(
    router: APIRouter,
    *,
    spec: WriteSpec,
    read_model: type[BaseModel],
    update_model: type[BaseModel],
) -> None:
    """Adds `POST ""`, `PATCH /{id}` and `DELETE /{id}`; each write is one transaction."""
    noun = spec.noun
    create_model = spec.create_model
    prefix = router.prefix

    def create(request: Request, payload: create_model) -> Response:  # type: ignore[valid-type]
        with write_transaction(get_engine(request)) as connection:
            record_id = create_record(connection, spec, payload.model_dump())  # type: ignore[attr-defined]
            record = spec.read(connection, record_id)
        return json_response(record, status=201, headers={"Location": f"{prefix}/{record_id}"})

    def change(record_id: RecordId, request: Request, payload: update_model) -> Response:  # type: ignore[valid-type]
        with write_transaction(get_engine(request)) as connection:
            update_record(connection, spec, record_id, payload.model_dump(exclude_unset=True))  # type: ignore[attr-defined]
            record = spec.read(connection, record_id)
        return json_response(record)

    def delete(record_id: RecordId, request: Request) -> Response:
        with write_transaction(get_engine(request)) as connection:
            delete_record(connection, spec, record_id)
        return Response(status_code=204)

    operation = noun.replace(" ", "_")
    router.add_api_route(
        "",
        create,
        methods=["POST"],
        status_code=201,
        summary=f"Create a {noun}",
        operation_id=f"create_{operation}",
        description=f"Adds a {noun} with its citations. The answer is the stored record; "
        "`Location` gives its URL. Unknown fields, codes or referenced ids are a 422; a "
        "duplicate `ref` is a 409.",
        responses={201: {"model": read_model}, **problems(409, 422, 503)},
    )
    router.add_api_route(
        "/{record_id}",
        change,
        methods=["PATCH"],
        summary=f"Change a {noun}",
        operation_id=f"update_{operation}",
        description=f"Changes the fields given (the others stay). The changed {noun} must pass "
        "every check a new one does; `citations`, when given, replace the old ones.",
        responses={200: {"model": read_model}, **problems(404, 409, 422, 503)},
    )
    router.add_api_route(
        "/{record_id}",
        delete,
        methods=["DELETE"],
        status_code=204,
        summary=f"Delete a {noun}",
        operation_id=f"delete_{operation}",
        description=f"Deletes the {noun} with its citations and parts. While other records "
        "point at it, the answer is a 409 naming them, and nothing is deleted.",
        responses={204: {"description": "Deleted."}, **problems(404, 409, 422, 503)},
    )
