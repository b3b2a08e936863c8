"""Citations read with their records (in the page query itself where it can) and written with
them; the facts a source supports."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from app.citations.models import Citation, RecordType
from app.kit.spec import Embed
from app.kit.sql import bound_list, group_by, is_in, prepared, related_rows
from app.kit.writing import FIRST_REFERRERS, Part, Reference, Referrers

citation_table = Citation.__table__  # type: ignore[attr-defined]
# The sources table, seen from here without importing the sources package (which uses this one).
_source = table("source", column("id"))


# Where each kind of record lives in the API, for links from a source to its facts.
RECORD_PATHS: dict[RecordType, str] = {
    RecordType.official: "/v1/officials/{id}",
    RecordType.mission: "/v1/missions/{id}",
    RecordType.mission_status: "/v1/missions/{id}",
    RecordType.headcount: "/v1/headcounts/{id}",
    RecordType.measure: "/v1/measures/{id}",
    RecordType.visa_dispute: "/v1/visa-disputes/{id}",
    RecordType.talks: "/v1/talks/{id}",
    RecordType.event: "/v1/events/{id}",
}


_CITATIONS = prepared(
    lambda dialect: (
        select(citation_table.c.record_id, citation_table.c.source_id, citation_table.c.quote)
        .where(
            citation_table.c.record_type == bindparam("record_type"),
            is_in(citation_table.c.record_id, "ids", dialect),
        )
        .order_by(citation_table.c.record_id, citation_table.c.id)
    )
)


def load_citations(
    connection: Connection, record_type: RecordType, ids: list[Any]
) -> Mapping[Any, list[dict[str, Any]]]:
    """Citations of many records of one type, in one query."""
    grouped: dict[Any, list[dict[str, Any]]] = {}
    # Plain tuples: this runs for every list page, for every kind of record.
    parameters = {"record_type": record_type.value, "ids": bound_list(connection, ids)}
    for record_id, source_id, quote in connection.execute(_CITATIONS(connection), parameters):
        grouped.setdefault(record_id, []).append({"source_id": source_id, "quote": quote})
    return grouped


def citations_json(
    record_type: RecordType, dialect: str, record_id: ColumnElement[Any]
) -> ColumnElement[Any]:
    """A record's citations as a JSON array, in the order they were written: a correlated
    subquery, so that a list page reads its citations with its rows."""
    c = citation_table.c
    fields: tuple[ColumnElement[Any], ...] = (
        literal_column("'source_id'"),
        c.source_id,
        literal_column("'quote'"),
        c.quote,
    )
    mine = (c.record_type == literal_column(f"'{record_type.value}'"), c.record_id == record_id)
    if dialect == "postgresql":
        ordered = aggregate_order_by(func.json_build_object(*fields), c.id)
        array = func.coalesce(func.json_agg(ordered), literal_column("'[]'::json"))
        return select(array).where(*mine).scalar_subquery()
    # SQLite 3.40 has no ORDER BY inside an aggregate: aggregate an ordered subquery.
    objects = (
        select(func.json_object(*fields).label("o"))
        .where(*mine)
        .order_by(c.id)
        .correlate_except(citation_table)
        .subquery()
    )
    return select(func.json_group_array(func.json(objects.c.o))).scalar_subquery()


def citations_embed(record_type: RecordType) -> Embed:
    return Embed(
        "citations",
        lambda connection, ids: load_citations(connection, record_type, ids),
        inline=lambda dialect, record_id: citations_json(record_type, dialect, record_id),
    )


# Status changes are shown on their mission's page; a lightweight table clause finds it
# without importing the missions package.
_status_change = table("mission_status", column("id"), column("mission_id"))


_c = citation_table.c


_FACTS = prepared(
    lambda dialect: (
        select(_c.source_id, _c.record_type, _c.record_id, _c.quote, _status_change.c.mission_id)
        .outerjoin(
            _status_change,
            and_(
                _c.record_type == RecordType.mission_status.value,
                _status_change.c.id == _c.record_id,
            ),
        )
        .where(is_in(_c.source_id, "ids", dialect))
        .order_by(_c.source_id, _c.id)
    )
)


def facts_of(connection: Connection, ids: list[Any]) -> Mapping[Any, list[dict[str, Any]]]:
    return group_by(related_rows(connection, _FACTS, ids), "source_id", _fact)


def _fact(row: Any) -> dict[str, Any]:
    record_type = RecordType(row["record_type"])
    page_id = row["mission_id"] if record_type is RecordType.mission_status else row["record_id"]
    return {
        "source_id": row["source_id"],
        "record_type": record_type.value,
        "record_id": row["record_id"],
        "quote": row["quote"],
        "url": RECORD_PATHS[record_type].format(id=page_id),
    }


def citations_part(record_type: RecordType) -> Part:
    """A record's citations, written with it and deleted with it."""
    c = citation_table.c

    def remove(connection: Connection, record_id: int) -> None:
        connection.execute(
            delete(citation_table).where(
                c.record_type == record_type.value, c.record_id == record_id
            )
        )

    def add_many(connection: Connection, values: list[tuple[int, list[dict[str, Any]]]]) -> None:
        rows = [
            {
                "record_type": record_type.value,
                "record_id": record_id,
                "source_id": citation["source_id"],
                "quote": citation["quote"],
            }
            for record_id, citations in values
            for citation in citations
        ]
        if rows:
            connection.execute(insert(citation_table), rows)

    def write(connection: Connection, record_id: int, citations: list[dict[str, Any]]) -> None:
        remove(connection, record_id)
        add_many(connection, [(record_id, citations)])

    source_exists = Reference("source_id", _source, "source")
    return Part("citations", write, remove, references=[source_exists], add_many=add_many)


def facts_citing(connection: Connection, source_id: int) -> Referrers | None:
    """The facts that cite a source, counted and named as the source's own page lists them
    (`facts`): one for each quote, so a record that quotes the source three times (or a
    mission whose status history does) is three, and the first few are named in that order."""
    facts = facts_of(connection, [source_id]).get(source_id, [])
    if not facts:
        return None
    first = [fact["url"] for fact in facts[:FIRST_REFERRERS]]
    return Referrers("facts", len(facts), first, f"/v1/sources/{source_id}")
