"""The write endpoints every resource has, built from its WriteSpec: create, change, delete,
history and restore. Writes need an API key with the `write` scope; each is one transaction,
logged in the change history; `If-Match` guards against lost updates."""

from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field, create_model

from app.common import Id, with_article, without_nul
from app.db import read_connection, request_write
from app.errors import NotFound, PreconditionRequired, problems
from app.kit.auth import AdminPrincipal, Credentials, Scope, WritePrincipal, authorize
from app.kit.changelog import ChangeRead, ch, change_table, present
from app.kit.importing import ImportReport, export_only, format_of, import_rows, parse
from app.kit.listing import fetch_page
from app.kit.media_types import JsonBody, PatchBody
from app.kit.query import ListQuery, Page, with_sorts
from app.kit.read_routes import RecordId
from app.kit.responses import json_response, page_response, record_response
from app.kit.spec import ListSpec
from app.kit.writing import WriteSpec, create_record, delete_record, restore_record, update_record

IfMatch = Annotated[
    str | None,
    Header(
        description="The ETag you read; if the record changed since, the answer is 412. "
        "Required where the server sets `REQUIRE_IF_MATCH` (without it: 428)."
    ),
]

HISTORY = ListSpec(
    noun="change",
    columns=list(change_table.c),
    id_column=ch.id,
    sorts={"id": ch.id},
    default_sort="-id",
    shape=present,
)


class HistoryFilters(ListQuery):
    pass


if TYPE_CHECKING:  # what the type checker may know of the model made below
    HistoryQuery = HistoryFilters
else:
    HistoryQuery = with_sorts(HistoryFilters, tuple(HISTORY.sorts), HISTORY.default_sort)


class ImportResult(BaseModel):
    """What an import did (or, with `dry_run`, would do)."""

    model_config = {
        "json_schema_extra": {
            "examples": [{"dry_run": False, "rows": 3, "created": 2, "updated": 1, "unchanged": 0}]
        }
    }

    dry_run: bool = Field(description="True when nothing was written.")
    rows: int = Field(description="Records in the file.")
    created: int = Field(description="New records.")
    updated: int = Field(
        description="Existing records (matched by `id`, else by `ref`) that the file changed."
    )
    unchanged: int = Field(description="Existing records the file left as they were.")


def import_body(spec: WriteSpec, path: str) -> dict[str, Any]:
    """The documented body of an import, in each format it takes: a JSON array of records
    (each the create body, with the `id` of the record it is about, if any, and the columns
    an export writes that an import does not take), or NDJSON or CSV text, which a schema
    cannot look into. Documentation only: the route reads the body itself (`parse`)."""
    extras: dict[str, Any] = {
        name: (Any, Field(default=None, description="Written by the export; ignored."))
        for name in sorted(export_only(spec) - {"id"})
    }
    row = create_model(
        f"{spec.create_model.__name__.removesuffix('Create')}ImportRow",
        __base__=spec.create_model,
        id=(
            Id | None,
            Field(
                default=None,
                description=f"The {spec.noun} this row is about (as the export writes it); "
                f"leave it out, or null, for a new {spec.noun}.",
            ),
        ),
        **extras,
    )
    schema = row.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)  # the nested models are the create body's: in `components`
    export = f"`GET {path}?format={{}}`"
    return {
        "required": True,
        "content": {
            "application/json": {
                # A file of one record, the create body's example.
                "schema": {
                    "type": "array",
                    "minItems": 1,
                    "items": schema,
                    "examples": [schema.get("examples", [])[:1]],
                },
            },
            "application/x-ndjson": {
                "schema": {
                    "type": "string",
                    "description": "One JSON record a line, as in the JSON array; as "
                    + export.format("ndjson")
                    + " writes them.",
                },
            },
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": "A header of column names, then a record a row: the "
                    "columns " + export.format("csv") + " writes.",
                },
            },
        },
    }


def storable_text_openapi(app: FastAPI) -> None:
    """Every string a request body carries is refused with a NUL character in it, which
    PostgreSQL cannot store (`validated`, `StorableText`, an import's rows); the OpenAPI
    document says so, with the `NO_NUL` pattern, on every string that needs it."""
    served = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = served()
        if fresh:
            components = schema.get("components", {}).get("schemas", {})
            for methods in schema.get("paths", {}).values():
                for operation in methods.values():
                    for media in operation.get("requestBody", {}).get("content", {}).values():
                        without_nul(media.get("schema"), components)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _require_if_match(request: Request, if_match: str | None, path: str) -> None:
    """With `REQUIRE_IF_MATCH`, a change or deletion must name the version it was made from.
    `*` names none (it matches any), so it does not do."""
    if request.app.state.settings.require_if_match and (if_match or "*").strip() == "*":
        raise PreconditionRequired(
            detail=f"This server requires `If-Match` to change or delete a record: GET {path}, "
            "then send its `ETag` in `If-Match` (if it changed in between, the answer is 412)."
        )


def add_write_routes(
    router: APIRouter,
    *,
    spec: WriteSpec,
    read_model: type[BaseModel],
    update_model: type[BaseModel],
) -> None:
    """Adds `POST ""`, `PATCH /{id}`, `DELETE /{id}`, `GET /{id}/history` and
    `POST /{id}/restore` to a resource's router."""
    noun, prefix, create_model = spec.noun, router.prefix, spec.create_model
    a_noun = with_article(noun)
    plural = prefix.rsplit("/", 1)[-1]

    def create(
        request: Request,
        payload: create_model,  # type: ignore[valid-type]
        who: WritePrincipal,
        _: JsonBody,  # after the key: no key is a 401, whatever the body
    ) -> Response:
        data = payload.model_dump()  # type: ignore[attr-defined]
        with request_write(request) as connection:
            record = create_record(connection, spec, data, actor=who.key_id)
        return record_response(request, record, 201, Location=f"{prefix}/{record['id']}")

    def change(
        record_id: RecordId,
        request: Request,
        payload: update_model,  # type: ignore[valid-type]
        who: WritePrincipal,
        _: PatchBody,
        if_match: IfMatch = None,
    ) -> Response:
        _require_if_match(request, if_match, f"{prefix}/{record_id}")
        patch = payload.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        with request_write(request) as connection:
            record = update_record(
                connection, spec, record_id, patch, actor=who.key_id, if_match=if_match
            )
        return record_response(request, record)

    def delete(
        record_id: RecordId, request: Request, who: WritePrincipal, if_match: IfMatch = None
    ) -> Response:
        _require_if_match(request, if_match, f"{prefix}/{record_id}")
        with request_write(request) as connection:
            delete_record(connection, spec, record_id, actor=who.key_id, if_match=if_match)
        return Response(status_code=204)

    def history(
        record_id: RecordId,
        request: Request,
        query: Annotated[HistoryQuery, Query()],
        credentials: Credentials,
    ) -> Response:
        with read_connection(request) as connection:
            try:
                spec.read(connection, record_id)
            except NotFound:
                # A deleted record's history (and the values it had) is for admins only.
                authorize(request, credentials, Scope.admin)
            where = [ch.resource == spec.resource, ch.record_id == record_id]
            page = fetch_page(connection, replace(HISTORY, where=where), query)
        if not page.items and query.cursor is None:
            raise NotFound(detail=f"No {noun} with id {record_id} was ever recorded.")
        return page_response(request, page)

    async def import_file(
        request: Request,
        who: WritePrincipal,
        dry_run: Annotated[
            bool, Query(description="Check every row and report what would change; write nothing.")
        ] = False,
    ) -> Response:
        fmt = format_of(request.headers.get("content-type", ""))
        content = await request.body()

        def run() -> ImportReport:
            rows = parse(content, fmt, spec.create_model)
            with request_write(request) as connection:
                return import_rows(
                    connection, spec, rows, actor=who.key_id, dry_run=dry_run, fmt=fmt
                )

        report = await run_in_threadpool(run)
        return json_response(asdict(report))

    def restore(record_id: RecordId, request: Request, who: AdminPrincipal) -> Response:
        with request_write(request) as connection:
            record = restore_record(connection, spec, record_id, actor=who.key_id)
        return record_response(request, record, 201, Location=f"{prefix}/{record_id}")

    operation = noun.replace(" ", "_")
    routes: list[tuple[str, Any, str, int, str, str, dict[int | str, Any]]] = [
        (
            "",
            create,
            "POST",
            201,
            f"Create {a_noun}",
            f"Adds {a_noun} with its citations (`write` scope). The answer is the stored record "
            "with its `ETag`; `Location` gives its URL. Unknown fields, codes or referenced ids "
            "are a 422; a duplicate `ref` is a 409.",
            {201: {"model": read_model}, **problems(401, 403, 409, 415, 422, 503)},
        ),
        (
            "/{record_id:int}",
            change,
            "PATCH",
            200,
            f"Change {a_noun}",
            f"Changes the fields given (`write` scope); the others stay. The changed {noun} must "
            "pass every check a new one does; `citations`, when given, replace the old ones. "
            "Send `If-Match` with the ETag you read: if someone changed it since, 412. A server "
            "that sets `REQUIRE_IF_MATCH` refuses a change without it: 428. The body is sent as "
            "`application/json` or `application/merge-patch+json`; any other `Content-Type`, or "
            "none, is a 415.",
            {200: {"model": read_model}, **problems(401, 403, 404, 409, 412, 415, 422, 428, 503)},
        ),
        (
            "/{record_id:int}",
            delete,
            "DELETE",
            204,
            f"Delete {a_noun}",
            f"Deletes the {noun} with its citations and parts (`write` scope). While other "
            "records point at it, the answer is a 409 whose `referrers` counts them by kind, "
            "names the first few, and gives the URL that lists them all. `If-Match` as for "
            "PATCH.",
            {
                204: {"description": "Deleted."},
                **problems(401, 403, 404, 409, 412, 422, 428, 503),
            },
        ),
        (
            "/import",
            import_file,
            "POST",
            200,
            f"Import {plural}",
            f"Takes a whole file of {noun} records (`write` scope): a JSON array, NDJSON or CSV "
            "(the columns the CSV export writes), by `Content-Type`. All or nothing: one bad "
            "row rejects the file with a 422 listing every bad row (row number, field, reason)."
            "\n\nEach row is a whole record (a field it leaves out gets its default, as in a new "
            f"record), matched to an existing {noun} by its `id` when it has one, else by its "
            "`ref`; a matched record is updated, or left alone if equal, and a row with neither "
            "is a new record. So an export imported back, or a file imported twice, changes "
            f"nothing. A row whose `id` names no {noun} is a 422 (remove the id to create a new "
            "one), as is a row whose `ref` belongs to another record than its `id`, or two rows "
            "about one record. With an `id`, a `ref` no record has is the record's new `ref`."
            "\n\nCSV cells that begin with `'` and then `=`, `+`, `-`, `@`, tab or carriage "
            "return lose that first `'`, which the CSV export adds against spreadsheet "
            "formulas. A file with no records (empty, blank, `[]`, a CSV header alone) is a "
            "422: nothing was imported.",
            {200: {"model": ImportResult}, **problems(400, 401, 403, 409, 415, 422, 503)},
        ),
        (
            "/{record_id:int}/history",
            history,
            "GET",
            200,
            f"History of {a_noun}",
            f"Every change of the {noun}, newest first: who (key id), when, and the changed "
            "fields before and after. A deleted record's history needs the `admin` scope.",
            {200: {"model": Page[ChangeRead]}, **problems(400, 401, 403, 404, 422, 503)},
        ),
        (
            "/{record_id:int}/restore",
            restore,
            "POST",
            201,
            f"Restore a deleted {noun}",
            f"Brings a deleted {noun} back, with its id, from its history (`admin` scope).",
            {201: {"model": read_model}, **problems(401, 403, 404, 409, 422, 503)},
        ),
    ]
    extras: dict[str, dict[str, Any]] = {
        # A history is public while its record exists: the key is optional (`{}`).
        "history": {"security": [{}]},
        "import_file": {"requestBody": import_body(spec, prefix)},
    }
    for path, endpoint, method, status, summary, description, responses in routes:
        verb = {"change": "update", "import_file": "import"}.get(
            endpoint.__name__, endpoint.__name__
        )
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            status_code=status,
            summary=summary,
            description=description,
            responses=responses,
            operation_id=f"{verb}_{operation}",
            openapi_extra=extras.get(endpoint.__name__),
        )
