"""Missions: how they are listed (with their status history, newest first) and written; a
change of status adds to the history."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    delete,
    exists,
    insert,
    or_,
    select,
    type_coerce,
    update,
)

from app.citations.models import RecordType
from app.citations.quotes import anchored, quotes_check
from app.citations.service import citations_embed, citations_part, load_citations
from app.errors import Unprocessable, field_error
from app.headcounts.service import HEADCOUNT_LIST
from app.kit.spec import Embed, ListSpec
from app.kit.sql import group_by, is_in, prepared, related_rows, values_json, values_of
from app.kit.writing import WriteSpec, listed_by
from app.missions import timeline
from app.missions.models import (
    Mission,
    MissionCreate,
    MissionJurisdiction,
    MissionStatusChange,
    MissionTimeline,
)

mission_table = Mission.__table__  # type: ignore[attr-defined]
status_table = MissionStatusChange.__table__  # type: ignore[attr-defined]
timeline_table = MissionTimeline.__table__  # type: ignore[attr-defined]
jurisdiction_table = MissionJurisdiction.__table__  # type: ignore[attr-defined]
m = mission_table.c


h = status_table.c
_HISTORY = prepared(
    lambda dialect: (
        select(
            h.id,
            h.mission_id,
            h.status,
            h.effective_on,
            h.date_precision,
            h.kind,
            h.valid_from,
            h.valid_to,
            h.protecting_power,
            # A boolean to the driver's reader too (SQLite answers 0 or 1).
            type_coerce(exists().where(timeline_table.c.claim_id == h.id), Boolean).label("shown"),
        )
        .where(is_in(h.mission_id, "ids", dialect))
        .order_by(h.mission_id, h.valid_from.desc().nulls_last(), h.id.desc())
    )
)


def load_status_history(
    connection: Connection, ids: list[Any]
) -> Mapping[Any, list[dict[str, Any]]]:
    """Status histories of many missions (newest first) with their citations: two queries."""
    rows = related_rows(connection, _HISTORY, ids)
    citations = load_citations(connection, RecordType.mission_status, [r["id"] for r in rows])
    for row in rows:
        row["citations"] = citations.get(row["id"], [])
    return group_by(
        rows, "mission_id", lambda row: {k: v for k, v in row.items() if k != "mission_id"}
    )


j = jurisdiction_table.c
load_jurisdictions = values_of(j.mission_id, j.country)


MISSION_LIST = ListSpec(
    noun="mission",
    columns=[
        m.id,
        m.ref,
        m.sending_country,
        m.host_country,
        m.kind,
        m.city,
        m.status,
        m.status_since,
        m.wikidata_id,
        m.latitude,
        m.longitude,
        m.designation,
        m.inception,
        m.located_in,
        m.protecting_power,
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
        "wikidata_id": m.wikidata_id,
    },
    embeds=[
        Embed("jurisdictions", load_jurisdictions, inline=values_json(j.mission_id, j.country)),
        Embed("status_history", load_status_history),
        citations_embed(RecordType.mission),
    ],
    date_column=m.status_since,
    search_kinds=["missions"],
)


@lru_cache(maxsize=512)
def missions_on(day: dt.date) -> ListSpec:
    """The missions as they stood on a day: each with the kind, status and status_since of its
    timeline's stretch that covers the day; those with none left out. One indexed join."""
    t = timeline_table.c
    served = {
        "kind": t.kind,
        "status": t.status,
        "status_since": t.status_since,
        "protecting_power": t.protecting_power,
    }
    return replace(
        MISSION_LIST,
        columns=[
            served.get(column.key, column).label(column.key) for column in MISSION_LIST.columns
        ],
        where=[
            t.mission_id == m.id,
            or_(t.valid_from.is_(None), t.valid_from <= day),
            or_(t.valid_to.is_(None), t.valid_to >= day),
        ],
        sorts={**MISSION_LIST.sorts, "status_since": t.status_since},
        filters={**MISSION_LIST.filters, "kind": t.kind, "status": t.status},
        date_column=t.status_since,
    )


def _record_status(
    connection: Connection, mission_id: int, data: dict[str, Any], before: dict[str, Any] | None
) -> None:
    """A new mission, or a change of status, adds an entry to the status history (and works
    out the mission's timeline again). A status once known is not unset."""
    if data["status"] is None:
        if before is not None and before["status"] is not None:
            raise Unprocessable(
                [
                    field_error(
                        "status",
                        "a known status is not removed: send the status it took instead",
                        "status_unset",
                    )
                ]
            )
        if data.get("status_citations"):
            raise Unprocessable(
                [field_error("status_citations", "status did not change", "status_unchanged")]
            )
        return
    changed = before is None or (data["status"], data["status_since"]) != (
        before["status"],
        before["status_since"],
    )
    if not changed:
        if data.get("status_citations"):
            raise Unprocessable(
                [field_error("status_citations", "status did not change", "status_unchanged")]
            )
        return
    citations = data.get("status_citations") or (data["citations"] if before is None else None)
    if not citations:
        raise Unprocessable(
            [
                field_error(
                    "status_citations",
                    "a status change needs its source and quote",
                    "status_uncited",
                )
            ]
        )
    precision = data.get("status_precision") or ("day" if data["status_since"] else None)
    if data["status_since"] is None and data.get("status_precision"):
        raise Unprocessable(
            [field_error("status_precision", "status_since is null", "precision_without_date")]
        )
    change_id = connection.execute(
        insert(status_table)
        .values(
            mission_id=mission_id,
            status=data["status"],
            effective_on=data["status_since"],
            valid_from=data["status_since"],
            date_precision=precision,
        )
        .returning(status_table.c.id)
    ).scalar_one()
    _status_citations.write(connection, change_id, citations)
    timeline.rebuild(connection, [mission_id])


def _delete_history(connection: Connection, mission_id: int) -> None:
    timeline.forget(connection, mission_id)
    h = status_table.c
    ids = list(connection.execute(select(h.id).where(h.mission_id == mission_id)).scalars())
    for change_id in ids:
        _status_citations.delete(connection, change_id)
    connection.execute(delete(status_table).where(h.mission_id == mission_id))
    connection.execute(delete(jurisdiction_table).where(j.mission_id == mission_id))


_status_citations = citations_part(RecordType.mission_status)


def _restore_history(connection: Connection, mission_id: int, snapshot: dict[str, Any]) -> None:
    """The status history as it was served when the mission was deleted: the same entries,
    ids and quotes (a restore must not start it anew from the mission's own citations)."""
    for entry in reversed(snapshot["status_history"]):  # served newest first
        connection.execute(
            insert(status_table).values(
                id=entry["id"],
                mission_id=mission_id,
                status=entry["status"],
                effective_on=_day(entry["effective_on"]),
                date_precision=entry["date_precision"],
                kind=entry.get("kind"),
                valid_from=_day(entry.get("valid_from")),
                valid_to=_day(entry.get("valid_to")),
                protecting_power=entry.get("protecting_power"),
            )
        )
        citations = [dict(citation) for citation in entry["citations"]]
        anchored(connection, {"citations": citations})  # the source's text may have changed
        _status_citations.write(connection, entry["id"], citations)
    # What a data set added, which the API does not write: as it was.
    connection.execute(
        update(mission_table)
        .where(m.id == mission_id)
        .values(
            designation=snapshot.get("designation"),
            inception=_day(snapshot.get("inception")),
            located_in=snapshot.get("located_in"),
            protecting_power=snapshot.get("protecting_power"),
        )
    )
    if snapshot.get("jurisdictions"):
        connection.execute(
            insert(jurisdiction_table),
            [{"mission_id": mission_id, "country": c} for c in snapshot["jurisdictions"]],
        )
    timeline.rebuild(connection, [mission_id])


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


MISSION_WRITE = WriteSpec(
    checks=quotes_check,
    table=mission_table,
    resource="missions",
    create_model=MissionCreate,
    listing=MISSION_LIST,
    parts=[citations_part(RecordType.mission)],
    dependents=[listed_by("headcounts", HEADCOUNT_LIST, "mission_id")],
    after_write=_record_status,
    on_delete=_delete_history,
    on_restore=_restore_history,
)
