"""Sources: the documents facts come from, each with the facts it supports."""

from sqlalchemy import Connection

from app.citations.service import facts_citing, facts_of
from app.errors import NotFound
from app.kit.spec import ListSpec, Row
from app.kit.writing import WriteSpec, listed_by
from app.sources.models import Source, SourceCreate
from app.talks.service import TALKS_LIST

source_table = Source.__table__  # type: ignore[attr-defined]


s = source_table.c
SOURCE_LIST = ListSpec(
    noun="source",
    columns=[s.id, s.ref, s.title, s.publisher, s.published_on, s.url, s.attribution],
    id_column=s.id,
    sorts={"id": s.id, "published_on": s.published_on, "title": s.title},
    default_sort="id",
    filters={"publisher": s.publisher},
    date_column=s.published_on,
    search_columns=[s.title, s.publisher, s.attribution],
)


def get_source(connection: Connection, source_id: int) -> Row:
    row = connection.execute(SOURCE_LIST.base_query().where(s.id == source_id)).mappings().first()
    if row is None:
        raise NotFound(detail=f"No source with id {source_id}.")
    source = dict(row)
    source["facts"] = facts_of(connection, [source_id]).get(source_id, [])
    return source


SOURCE_WRITE = WriteSpec(
    table=source_table,
    resource="sources",
    create_model=SourceCreate,
    listing=SOURCE_LIST,
    get=get_source,
    # Facts cite sources; talks also quote statements from them, which are not facts.
    dependents=[facts_citing, listed_by("talks", TALKS_LIST, "source_id")],
)
