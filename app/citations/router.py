"""Citations endpoints: every quote the API holds, each with a link to the record it supports."""

from fastapi import APIRouter
from pydantic import Field

from app.citations.models import FactType, Quote
from app.citations.service import QUOTE_LIST
from app.kit.query import CommaList, IdList, ListQuery, SearchQuery
from app.kit.read_routes import add_read_routes

router = APIRouter(prefix="/v1/citations", tags=["citations"])


class CitationQuery(ListQuery, SearchQuery):
    source_id: IdList | None = Field(
        default=None,
        description="Quotes of these sources (comma-separated ids): `source_id=1` is every "
        "quote from that document.",
    )
    record_type: CommaList[FactType] | None = Field(
        default=None,
        description="Quotes supporting these kinds of record (comma-separated); "
        "`talks_statement` for words said at talks.",
    )
    verified: bool | None = Field(
        default=None,
        description="`true`: only the quotes found in their source's text; `false`: only the "
        "quotes of sources without a text, which could not be checked.",
    )


add_read_routes(
    router,
    spec=QUOTE_LIST,
    query_model=CitationQuery,
    read_model=Quote,
    list_doc="Every quote the API holds — each record's citations and the statements quoted at "
    "talks — with where it stands in its source's text (`start`/`end`, code points into "
    "`/v1/sources/{id}/text`; `prefix`/`suffix`) and a link to the record it supports (`url`: "
    "a mission status change links to its mission, a talks statement to its round of talks). "
    "`source_id=N` lists every quote from one document, `sort=start` in the order the text "
    "says them; `q` searches the quotes' words (case-insensitive). A list like the others: "
    "keyset pages, `count`, CSV and NDJSON, ETag.",
    get_doc="One quote by its id in this list, with the record it supports.",
)
