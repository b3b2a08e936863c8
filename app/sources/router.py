"""Sources endpoints."""

from fastapi import APIRouter
from pydantic import Field

from app.kit.query import DatedQuery, SearchQuery
from app.kit.read_routes import add_read_routes
from app.kit.write_routes import add_write_routes
from app.sources.models import SourceDetail, SourceRead, SourceUpdate
from app.sources.service import SOURCE_LIST, SOURCE_WRITE, get_source

router = APIRouter(prefix="/v1/sources", tags=["sources"])


class SourceQuery(DatedQuery, SearchQuery):
    publisher: str | None = Field(default=None, description="The publisher, exactly.")


add_read_routes(
    router,
    spec=SOURCE_LIST,
    query_model=SourceQuery,
    read_model=SourceRead,
    list_doc="The documents facts come from.",
    get_doc="One source, with every fact it supports (record, quote and link).",
    get=get_source,
    detail_model=SourceDetail,
)
add_write_routes(router, spec=SOURCE_WRITE, read_model=SourceDetail, update_model=SourceUpdate)
