"""Talks: read queries, with participants and verbatim statements."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from app.listing import Embed, ListSpec, group_by
from app.officials.service import official_table
from app.sources.models import RecordType
from app.sources.service import citations_embed
from app.talks.models import Talks, TalksParticipant, TalksStatement

talks_table = Talks.__table__  # type: ignore[attr-defined]
participant_table = TalksParticipant.__table__  # type: ignore[attr-defined]
statement_table = TalksStatement.__table__  # type: ignore[attr-defined]
t = talks_table.c
o = official_table.c


def load_participants(connection: Connection, ids: list[Any]) -> Mapping[Any, list[dict[str, Any]]]:
    p = participant_table.c
    rows = connection.execute(
        select(p.talks_id, p.official_id, o.name, o.title, p.side)
        .join(official_table, o.id == p.official_id)
        .where(p.talks_id.in_(ids))
        .order_by(p.talks_id, p.side, o.name)
    ).mappings()
    return group_by(
        list(rows), "talks_id", lambda row: {k: v for k, v in row.items() if k != "talks_id"}
    )


def load_statements(connection: Connection, ids: list[Any]) -> Mapping[Any, list[dict[str, Any]]]:
    s = statement_table.c
    rows = connection.execute(
        select(s.talks_id, s.official_id, o.name.label("speaker"), s.kind, s.quote, s.source_id)
        .outerjoin(official_table, o.id == s.official_id)
        .where(s.talks_id.in_(ids))
        .order_by(s.talks_id, s.id)
    ).mappings()
    return group_by(
        list(rows), "talks_id", lambda row: {k: v for k, v in row.items() if k != "talks_id"}
    )


TALKS_LIST = ListSpec(
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
    },
    embeds=[
        Embed("participants", load_participants),
        Embed("statements", load_statements),
        citations_embed(RecordType.talks),
    ],
    date_column=t.date,
    search_columns=[t.city, t.summary],
)
