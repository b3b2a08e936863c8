"""Citations read with their records (in the page query itself where it can) and written with
them; the facts a source supports."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    and_,
    bindparam,
    case,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from app.citations.anchoring import Document, NotAnchored, anchor
from app.citations.models import Citation, RecordType, quotes_table
from app.citations.quotes import ANCHOR_COLUMNS, anchor_columns, stored_anchor
from app.errors import Conflict, echoed
from app.kit.spec import Embed, ListSpec, Row
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
    RecordType.representation: "/v1/representations/{id}",
    RecordType.official_post: "/v1/posts/{id}",
}


def anchored_columns(columns: Any) -> list[ColumnElement[Any]]:
    """A stored quote as the API serves it, from the columns of a table that holds quotes
    (citations, talks statements): source, quote and where it stands in the source's text."""
    return [
        columns.source_id,
        columns.quote,
        columns.start_offset.label("start"),
        columns.end_offset.label("end"),
        columns.prefix,
        columns.suffix,
        # A boolean to the driver's reader too (SQLite answers 0 or 1).
        type_coerce(columns.start_offset.is_not(None), Boolean).label("verified"),
    ]


ANCHOR_KEYS = ("source_id", "quote", "start", "end", "prefix", "suffix", "verified")
CITATION_KEYS = (*ANCHOR_KEYS, "supports")  # a citation's: its quote, and what it supports


def anchored_json(columns: Any, dialect: str) -> list[ColumnElement[Any]]:
    """The same as key/value pairs for a JSON object the database builds."""
    verified: ColumnElement[Any] = columns.start_offset.is_not(None)
    if dialect != "postgresql":  # SQLite has no boolean: JSON's true and false, as JSON
        verified = case((verified, func.json("true")), else_=func.json("false"))
    values = [
        columns.source_id,
        columns.quote,
        columns.start_offset,
        columns.end_offset,
        columns.prefix,
        columns.suffix,
        verified,
    ]
    pairs: list[ColumnElement[Any]] = []
    for key, value in zip(ANCHOR_KEYS, values, strict=True):
        pairs += [literal_column(f"'{key}'"), value]
    return pairs


_CITATIONS = prepared(
    lambda dialect: (
        select(
            citation_table.c.record_type,
            citation_table.c.record_id,
            *anchored_columns(citation_table.c),
            citation_table.c.supports,
        )
        .where(
            is_in(citation_table.c.record_type, "record_types", dialect),
            is_in(citation_table.c.record_id, "ids", dialect),
        )
        .order_by(citation_table.c.record_id, citation_table.c.id)
    )
)


def load_citations_of_kinds(
    connection: Connection, ids: Mapping[RecordType, list[int]]
) -> Mapping[tuple[RecordType, int], list[dict[str, Any]]]:
    """Citations of records of one or several types, in one query (a page of the timeline
    holds several): every type's citations of every id are read, those of the records asked
    for are kept."""
    wanted = {
        (kind.value, record_id) for kind, record_ids in ids.items() for record_id in record_ids
    }
    parameters = {
        "record_types": bound_list(connection, sorted(kind.value for kind in ids)),
        "ids": bound_list(connection, sorted({record_id for _, record_id in wanted})),
    }
    grouped: dict[tuple[RecordType, int], list[dict[str, Any]]] = {}
    # Plain tuples: this runs for every list page, for every kind of record.
    for record_type, record_id, *values in connection.execute(_CITATIONS(connection), parameters):
        if (record_type, record_id) in wanted:
            citation = dict(zip(CITATION_KEYS, values, strict=True))
            grouped.setdefault((RecordType(record_type), record_id), []).append(citation)
    return grouped


def load_citations(
    connection: Connection, record_type: RecordType, ids: list[Any]
) -> Mapping[Any, list[dict[str, Any]]]:
    """Citations of many records of one type, by record id."""
    found = load_citations_of_kinds(connection, {record_type: ids})
    return {record_id: citations for (_, record_id), citations in found.items()}


def citations_json(
    record_type: RecordType, dialect: str, record_id: ColumnElement[Any]
) -> ColumnElement[Any]:
    """A record's citations as a JSON array, in the order they were written: a correlated
    subquery, so that a list page reads its citations with its rows."""
    c = citation_table.c
    # SQLite holds JSON as text: `json()` makes it JSON again inside the object.
    supports = c.supports if dialect == "postgresql" else func.json(c.supports)
    fields = [*anchored_json(c, dialect), literal_column("'supports'"), supports]
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
q = quotes_table.c

# Where each kind of record a quote supports is in the API: a talks statement is on its round
# of talks' page.
FACT_PATHS: dict[str, str] = {kind.value: path for kind, path in RECORD_PATHS.items()} | {
    "talks_statement": "/v1/talks/{id}"
}


def _quote(row: Row) -> Row:
    """A row of the `quotes` table as the API serves it: the quote, where it stands, and the
    record it supports with that record's page."""
    path = FACT_PATHS.get(row["record_type"])
    return {
        "id": row["id"],
        **{key: row[key] for key in ANCHOR_KEYS},
        "supports": row["supports"],
        "record_type": row["record_type"],
        "record_id": row["record_id"],
        "url": path.format(id=row["page_id"]) if path else None,
    }


QUOTE_LIST = ListSpec(
    noun="citation",
    columns=list(quotes_table.c),
    id_column=q.id,
    sorts={"id": q.id, "source_id": q.source_id, "start": q.start},
    default_sort="id",
    filters={"source_id": q.source_id, "record_type": q.record_type, "verified": q.verified},
    search_kinds=["citations"],
    # The quotes are the most numerous entries (124,000 of 152,000 in bench.search's data):
    # bm25 would count them all for each query (docs/search.md).
    search_kinds_in_match=False,
    shape=_quote,
)
"""Every quote the API holds, the citations of every record and the statements of every round
of talks: the `quotes` table (migration 0020), which triggers keep from the two.

The two kinds live in two tables whose ids overlap, and a keyset cursor needs one unique
column. Each quote has an id unique across both, worked out from its row's own id (twice a
citation's, twice a statement's plus one): an integer, so `/v1/citations/{id}` takes an id as
every record's path does. Until 0020 `quotes` was a view (0008) over the union of the two,
which neither engine could read in id order from an index: every page sorted every quote.
The id order is the order the quotes were written within each kind, interleaved between the
kinds; a quote keeps its id while it stands (writing a record writes its quotes anew)."""


_FACTS = prepared(
    lambda dialect: (
        QUOTE_LIST.base_query()
        .where(is_in(q.source_id, "ids", dialect))
        .order_by(q.source_id, q.start.asc().nulls_last(), q.id)
    )
)


def facts_of(connection: Connection, ids: list[Any]) -> Mapping[Any, list[dict[str, Any]]]:
    """Every fact each source supports, as its page lists it: each quote of it (citations and
    talks statements) in the order the text says them, as `/v1/citations?source_id=…&sort=start`
    lists them (quotes that could not be anchored, of a source without text, last, by id)."""
    return group_by(related_rows(connection, _FACTS, ids), "source_id", _fact)


def _fact(row: Row) -> Row:
    fact = _quote(row)
    del fact["id"]
    return fact


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
                **anchor_columns(citation),
                "supports": citation.get("supports"),
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


# Talks statements quote sources too; named by table here, as the talks package uses this one.
_statement = table(
    "talks_statement",
    column("id"),
    column("talks_id"),
    column("source_id"),
    column("quote"),
    column("start_offset"),
    column("end_offset"),
    column("prefix"),
    column("suffix"),
)


@dataclass(frozen=True)
class StoredQuote:
    """A stored quote of a source: its table (citations, talks statements), its row (id,
    quote, prefix, suffix), and the record it is on, as (table, id) and as the record's path
    (a status change is on its mission, a statement on its round of talks)."""

    table: Any
    row: Any
    record: tuple[str, int]
    path: str


# The table of the record a quote is on, by the kind of record.
RECORD_TABLES: dict[RecordType, str] = {
    RecordType.official: "official",
    RecordType.mission: "mission",
    RecordType.mission_status: "mission",
    RecordType.headcount: "headcount",
    RecordType.measure: "measure",
    RecordType.visa_dispute: "visa_dispute",
    RecordType.talks: "talks_round",
    RecordType.event: "event",
}


def quotes_of_source(connection: Connection, source_id: int) -> list[StoredQuote]:
    """Every stored quote of a source, citations and talks statements, each with its record."""
    found: list[StoredQuote] = []
    citations = (
        select(_c.id, _c.quote, _c.prefix, _c.suffix, _c.record_type, _c.record_id)
        .add_columns(_status_change.c.mission_id)
        .outerjoin(
            _status_change,
            and_(
                _c.record_type == RecordType.mission_status.value,
                _status_change.c.id == _c.record_id,
            ),
        )
        .where(_c.source_id == source_id)
        .order_by(_c.id)
    )
    for row in connection.execute(citations):
        kind = RecordType(row.record_type)
        page = row.mission_id if kind is RecordType.mission_status else row.record_id
        record = (RECORD_TABLES[kind], page)
        found.append(StoredQuote(citation_table, row, record, RECORD_PATHS[kind].format(id=page)))
    st = _statement.c
    statements = select(st.id, st.quote, st.prefix, st.suffix, st.talks_id).where(
        st.source_id == source_id
    )
    for said in connection.execute(statements.order_by(st.id)):
        record = (RECORD_TABLES[RecordType.talks], said.talks_id)
        path = RECORD_PATHS[RecordType.talks].format(id=said.talks_id)
        found.append(StoredQuote(_statement, said, record, path))
    return found


def reanchor_source(
    connection: Connection,
    source_id: int,
    text: str | None,
    quotes: list[StoredQuote],
    xml: bool = False,
) -> None:
    """After a source's text changed: its quotes (`quotes_of_source`) anchored anew in the new
    text (found by their words, and their old `prefix`/`suffix` where they stand more than
    once), or, with no text now, left unverified. A 409 naming each quote the new text would
    orphan."""
    new = Document(text, xml=xml) if text is not None else None
    orphaned: list[dict[str, Any]] = []
    updates: dict[Any, list[dict[str, Any]]] = {}
    for quote in quotes:
        row, found = quote.row, None
        if new is not None:
            try:
                found = anchor(new, row.quote, prefix=row.prefix, suffix=row.suffix, hint=False)
            except NotAnchored as error:
                orphaned.append({"url": quote.path, "quote": row.quote, "why": str(error)})
                continue
        anchored = {f"new_{name}": value for name, value in stored_anchor(found).items()}
        updates.setdefault(quote.table, []).append({"row_id": row.id, **anchored})
    if orphaned:
        named = "; ".join(f"{o['url']}: {echoed(o['quote'])}" for o in orphaned[:FIRST_REFERRERS])
        more = len(orphaned) - FIRST_REFERRERS
        raise Conflict(
            detail=f"In source {source_id}'s new text, {len(orphaned)} of its quotes would not "
            f"stand in one place: not there, or there more than once with nothing to say which "
            f"({named}{f' and {more} more' if more > 0 else ''}; `quotes` says which and why). "
            "Keep those words in the text (once, or say which with the quote's prefix and "
            "suffix), or change or remove those quotes first; nothing was changed.",
            extensions={"quotes": orphaned},
        )
    for quoting, rows in updates.items():
        statement = (
            update(quoting)
            .where(quoting.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in ANCHOR_COLUMNS})
        )
        connection.execute(statement, rows)
