"""Talks: how they are listed (with participants and verbatim statements) and written."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, column, delete, insert, or_, select, table

from app.citations.models import RecordType
from app.citations.quotes import anchor_columns, quotes_check
from app.citations.service import (
    anchored_columns,
    citation_table,
    citations_embed,
    citations_part,
)
from app.kit.spec import Embed, ListSpec
from app.kit.sql import group_by, is_in, prepared, related_rows
from app.kit.writing import Part, Reference, WriteSpec
from app.talks.models import Talks, TalksCreate, TalksParticipant, TalksStatement

talks_table = Talks.__table__  # type: ignore[attr-defined]
participant_table = TalksParticipant.__table__  # type: ignore[attr-defined]
statement_table = TalksStatement.__table__  # type: ignore[attr-defined]
t = talks_table.c
# Named by table, not imported: the officials package lists talks as what points at them.
official_table = table("official", column("id"), column("name"), column("title"))
o = official_table.c
cit = citation_table.c


p = participant_table.c
s = statement_table.c
_PARTICIPANTS = prepared(
    lambda dialect: (
        select(p.talks_id, p.official_id, o.name, o.title, p.side)
        .join(official_table, o.id == p.official_id)
        .where(is_in(p.talks_id, "ids", dialect))
        .order_by(p.talks_id, p.side, o.name)
    )
)
_STATEMENTS = prepared(
    lambda dialect: (
        select(s.talks_id, s.official_id, o.name.label("speaker"), s.kind, *anchored_columns(s))
        .outerjoin(official_table, o.id == s.official_id)
        .where(is_in(s.talks_id, "ids", dialect))
        .order_by(s.talks_id, s.id)
    )
)


def _without_talks_id(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "talks_id"}


def load_participants(connection: Connection, ids: list[Any]) -> Mapping[Any, list[dict[str, Any]]]:
    rows = related_rows(connection, _PARTICIPANTS, ids)
    return group_by(rows, "talks_id", _without_talks_id)


def load_statements(connection: Connection, ids: list[Any]) -> Mapping[Any, list[dict[str, Any]]]:
    rows = related_rows(connection, _STATEMENTS, ids)
    return group_by(rows, "talks_id", _without_talks_id)


TALKS_LIST = ListSpec(
    noun="round of talks",
    columns=[
        t.id,
        t.ref,
        t.dispute_id,
        t.date,
        t.date_precision,
        t.city,
        t.host_country,
        t.outcome,
        t.summary,
    ],
    id_column=t.id,
    sorts={"id": t.id, "date": t.date},
    default_sort="date",
    filters={
        "dispute_id": t.dispute_id,
        "host_country": t.host_country,
        "outcome": t.outcome,
        "city": t.city,
        "official_id": lambda isin: or_(
            t.id.in_(select(p.talks_id).where(isin(p.official_id))),
            t.id.in_(select(s.talks_id).where(isin(s.official_id))),
        ),
        "source_id": lambda isin: or_(
            t.id.in_(
                select(cit.record_id).where(
                    cit.record_type == RecordType.talks.value, isin(cit.source_id)
                )
            ),
            t.id.in_(select(s.talks_id).where(isin(s.source_id))),
        ),
    },
    embeds=[
        Embed("participants", load_participants),
        Embed("statements", load_statements),
        citations_embed(RecordType.talks),
    ],
    date_column=t.date,
    search_kinds=["talks"],
)


def _replace_rows(table: Table, columns: Any = dict) -> tuple[Any, Any]:
    """Writes and deletes the rows of `table` that belong to one round of talks; `columns`
    makes an item of the payload's list a row's values."""

    def remove(connection: Connection, talks_id: int) -> None:
        connection.execute(delete(table).where(table.c.talks_id == talks_id))

    def write(connection: Connection, talks_id: int, rows: list[dict[str, Any]]) -> None:
        remove(connection, talks_id)
        if rows:
            values = [{"talks_id": talks_id, **columns(row)} for row in rows]
            connection.execute(insert(table), values)

    return write, remove


def _statement_columns(item: dict[str, Any]) -> dict[str, Any]:
    """A checked statement as its row: who, how, the quote and where it stands."""
    said = {key: item[key] for key in ("official_id", "kind", "quote", "source_id")}
    return said | anchor_columns(item)


_dispute = table("visa_dispute", column("id"))
_source = table("source", column("id"))
_official = Reference("official_id", official_table, "official")

TALKS_WRITE = WriteSpec(
    checks=quotes_check,
    table=talks_table,
    resource="talks",
    create_model=TalksCreate,
    listing=TALKS_LIST,
    references=[Reference("dispute_id", _dispute, "visa dispute")],
    parts=[
        Part("participants", *_replace_rows(participant_table), references=[_official]),
        Part(
            "statements",
            *_replace_rows(statement_table, _statement_columns),
            references=[_official, Reference("source_id", _source, "source")],
        ),
        citations_part(RecordType.talks),
    ],
)
