"""Sources endpoints."""

from fastapi import APIRouter, Request, Response
from pydantic import Field

from app.db import read_connection, reads
from app.errors import NotFound, problems
from app.kit.auth import Credentials, Scope, authorize
from app.kit.query import CommaList, DatedQuery, SearchQuery
from app.kit.read_routes import RecordId, add_read_routes
from app.kit.texts import text_response, text_responses
from app.kit.write_routes import add_write_routes
from app.sources.models import SourceDetail, SourceKind, SourceRead, SourceUpdate
from app.sources.service import SOURCE_LIST, SOURCE_WRITE, get_source, read_text, text_facts

router = APIRouter(prefix="/v1/sources", tags=["sources"])


class SourceQuery(DatedQuery, SearchQuery):
    publisher: str | None = Field(default=None, description="The publisher, exactly.")
    kind: CommaList[SourceKind] | None = Field(default=None, description="Kinds of document.")
    dataset: str | None = Field(
        default=None, max_length=64, description="The files of one bundled data set, by name."
    )


add_read_routes(
    router,
    spec=SOURCE_LIST,
    query_model=SourceQuery,
    read_model=SourceRead,
    list_doc="The documents facts come from. A source's text is never inline: `text_length` "
    "gives its size and `text_url` where it is served. `from`/`to` filter on `published_on` "
    "(sources without a date are left out).",
    get_doc="One source, with every fact it supports (record, quote and link).",
    get=get_source,
    detail_model=SourceDetail,
)
add_write_routes(router, spec=SOURCE_WRITE, read_model=SourceDetail, update_model=SourceUpdate)


@router.get(
    "/{record_id:int}/text",
    summary="Get a source's text",
    description="The source's text exactly as stored, with its media type and "
    "`charset=utf-8`; its `ETag` is the text's SHA-256 (the record's `sha256`), so "
    "`If-None-Match` gives 304. `Range: bytes=first-last` gives that part of the UTF-8 bytes "
    "(206; one range: several get the whole text), a range past the end a 416.\n\n"
    "A text under an open licence (`text_public`) is served to anyone; any other, including "
    "one whose licence is unknown, only to an API key with the `read` scope (or `write`, "
    "`admin`): without one, 401. A source without a text is a 404 that says so.",
    operation_id="get_source_text",
    response_class=Response,
    responses={
        **text_responses(["text/plain", "text/csv"]),
        **problems(401, 403, 404, 422, 503),
    },
    # The key is optional: public texts need none (`{}`), the others a `read` key.
    openapi_extra={"security": [{}]},
)
@reads
def get_source_text(record_id: RecordId, request: Request, credentials: Credentials) -> Response:
    with read_connection(request) as connection:
        stored = text_facts(connection, record_id)
    sha256, media_type = stored.sha256, stored.media_type
    if sha256 is None or media_type is None:
        raise NotFound(
            detail=f"Source {record_id} has no text: the API holds only its record (a "
            "paywalled page, say), so its quotes cannot be read in place."
        )
    if not stored.public:
        authorize(request, credentials, Scope.read)

    def load() -> str:
        # By its hash: a stored text never changes, so it is the one the ETag names.
        with read_connection(request) as connection:
            return read_text(connection, sha256)

    return text_response(request, load, media_type, f'"{sha256}"')
