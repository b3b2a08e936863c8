"""Missions: read queries, with status history newest first."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from app.listing import Embed, ListSpec, group_by
from app.missions.models import Mission, MissionStatusChange
from app.sources.models import RecordType
from app.sources.service import citations_embed, load_citations

mission_table = Mission.__table__  # type: ignore[attr-defined]
status_table = MissionStatusChange.__table__  # type: ignore[attr-defined]
m = mission_table.c


def load_status_history(
    connection: Connection, ids: list[Any]
) -> Mapping[Any, list[dict[str, Any]]]:
    """Status histories of many missions (newest first) with their citations: two queries."""
    h = status_table.c
    rows = [
        dict(row)
        for row in connection.execute(
            select(h.id, h.mission_id, h.status, h.effective_on, h.date_precision)
            .where(h.mission_id.in_(ids))
            .order_by(h.mission_id, h.effective_on.desc().nulls_last(), h.id.desc())
        ).mappings()
    ]
    citations = load_citations(connection, RecordType.mission_status, [r["id"] for r in rows])
    for row in rows:
        row["citations"] = citations.get(row["id"], [])
    return group_by(
        rows, "mission_id", lambda row: {k: v for k, v in row.items() if k != "mission_id"}
    )


MISSION_LIST = ListSpec(
    columns=[
        m.id,
        m.ref,
        m.sending_country,
        m.host_country,
        m.kind,
        m.city,
        m.status,
        m.status_since,
    ],
    id_column=m.id,
    sorts={
        "id": m.id,
        "status_since": m.status_since,
        "sending_country": m.sending_country,
        "host_country": m.host_country,
    },
    default_sort="id",
    filters={
        "sending_country": m.sending_country,
        "host_country": m.host_country,
        "kind": m.kind,
        "status": m.status,
        "city": m.city,
    },
    embeds=[Embed("status_history", load_status_history), citations_embed(RecordType.mission)],
    date_column=m.status_since,
    search_columns=[m.city],
)
