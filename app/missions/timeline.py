"""A mission's status through time, worked out from its status history: what `?on=DAY` reads
(docs/datasets.md, §10).

Each entry of the history is a source's claim: a status (and the kind of post) in force from
`valid_from` to `valid_to`. A claim without `valid_to` runs until the next claim of any source
begins; one without any date runs from its source's publication (the article says the
embassies operate "as of" its day). Where claims overlap, the one whose source ranks higher
is shown: an API write or the article, then the Office of the Historian (a dated sentence),
then Kenkel's coding (`PRECEDENCE`). A data set's claim that a post began operating, with no
end, ends with the other sources' post in force on its first day, if that ends sooner. Days
no claim covers have no status: `?on=` leaves the mission out of them.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

from sqlalchemy import Connection, case, delete, exists, func, insert, select

from app.citations.models import Citation, RecordType
from app.kit.sql import chunks
from app.missions.models import Mission, MissionStatusChange, MissionTimeline
from app.sources.models import Source

mission_table = Mission.__table__  # type: ignore[attr-defined]
status_table = MissionStatusChange.__table__  # type: ignore[attr-defined]
timeline_table = MissionTimeline.__table__  # type: ignore[attr-defined]
citation_table = Citation.__table__  # type: ignore[attr-defined]
source_table = Source.__table__  # type: ignore[attr-defined]

# Whose word is shown where claims overlap, by the data set of the claim's source (a source
# that is no data set's file: an API write or the article seed).
PRECEDENCE = {"hsg-office-historian": 2, "us-mission-status": 1}
OWN_WORD = 3

BEFORE_ALL = dt.date.min


@dataclass
class Claim:
    id: int
    status: str
    kind: str
    start: dt.date  # BEFORE_ALL: from before any date
    end: dt.date | None  # None: until the next claim, or still
    effective_on: dt.date | None
    precedence: int
    protecting_power: str | None = None


@dataclass
class Stretch:
    valid_from: dt.date | None
    valid_to: dt.date | None
    kind: str
    status: str
    status_since: dt.date | None
    claim_id: int
    protecting_power: str | None = None


def _claims(connection: Connection, mission_ids: list[int]) -> dict[int, list[Claim]]:
    h, m, c, s = status_table.c, mission_table.c, citation_table.c, source_table.c
    rank = case(*((s.dataset == name, value) for name, value in PRECEDENCE.items()), else_=OWN_WORD)
    cited = (
        select(c.record_id, func.max(rank).label("rank"), func.min(s.published_on).label("day"))
        .join(source_table, s.id == c.source_id)
        .where(c.record_type == RecordType.mission_status.value)
        .group_by(c.record_id)
        .subquery()
    )
    query = (
        select(
            h.id,
            h.mission_id,
            h.status,
            func.coalesce(h.kind, m.kind).label("kind"),
            h.valid_from,
            h.valid_to,
            h.effective_on,
            h.protecting_power,
            cited.c.rank,
            cited.c.day,
        )
        .join(mission_table, m.id == h.mission_id)
        .outerjoin(cited, cited.c.record_id == h.id)
        .where(h.mission_id.in_(mission_ids))
    )
    found: dict[int, list[Claim]] = {mission_id: [] for mission_id in mission_ids}
    for row in connection.execute(query).mappings():
        start = row["valid_from"] or row["effective_on"] or row["day"] or BEFORE_ALL
        found[row["mission_id"]].append(
            Claim(
                id=row["id"],
                status=row["status"],
                kind=row["kind"],
                start=start,
                end=row["valid_to"],
                effective_on=row["effective_on"],
                precedence=row["rank"] if row["rank"] is not None else OWN_WORD,
                protecting_power=row["protecting_power"],
            )
        )
    return found


def _runs_to(end: dt.date | None, day: dt.date) -> bool:
    return end is None or end >= day


def _with_the_post(claim: Claim, claims: list[Claim], end: dt.date | None) -> dt.date | None:
    """A data set's word that a post began operating (established, raised to an embassy)
    says nothing of its end: it lasts as long as the other sources' post in force that day,
    when that ends before the next claim begins (not on into days they give no post)."""
    covering = [
        other.end
        for other in claims
        if other.precedence != claim.precedence
        and other.start <= claim.start
        and (other.end is None or other.end >= claim.start)
    ]
    if not covering or None in covering:
        return end
    last = max(day for day in covering if day is not None)
    return last if end is None or last < end else end


def stretches(claims: Iterable[Claim]) -> list[Stretch]:
    """The shown status on every day some claim covers, as maximal stretches, oldest first."""
    ordered = sorted(claims, key=lambda claim: (claim.start, claim.id))
    starts = sorted({claim.start for claim in ordered})
    ends: dict[int, dt.date | None] = {}
    for claim in ordered:
        if claim.end is not None:
            ends[claim.id] = claim.end
            continue
        later = [start for start in starts if start > claim.start]
        ends[claim.id] = later[0] - dt.timedelta(days=1) if later else None
        if claim.status == "operating" and claim.precedence < OWN_WORD:
            ends[claim.id] = _with_the_post(claim, ordered, ends[claim.id])
    cuts = sorted(
        {claim.start for claim in ordered}
        | {end + dt.timedelta(days=1) for end in ends.values() if end is not None}
    )
    found: list[Stretch] = []
    for index, cut in enumerate(cuts):
        last = cuts[index + 1] - dt.timedelta(days=1) if index + 1 < len(cuts) else None
        covering = [
            claim for claim in ordered if claim.start <= cut and _runs_to(ends[claim.id], cut)
        ]
        if not covering:
            continue
        shown = max(covering, key=lambda claim: (claim.precedence, claim.start, claim.id))
        previous = found[-1] if found else None
        touching = (
            previous is not None
            and previous.valid_to is not None
            and previous.valid_to + dt.timedelta(days=1) == cut
        )
        # The status's start: when the shown source says it took effect (null if it does not
        # say), or, where the same post goes on in the same status from the day before (a
        # source that takes over, a period the systems' coverage splits), the run's start. A
        # new kind of post (a legation raised to an embassy) is a new start, as its source
        # says. A stretch is one claim's: each claim shown on some day is the timeline's.
        since = shown.effective_on
        if previous is not None and touching and previous.status == shown.status:
            same_post = (previous.kind, previous.protecting_power) == (
                shown.kind,
                shown.protecting_power,
            )
            if same_post and previous.claim_id == shown.id:
                previous.valid_to = last
                continue
            if same_post:
                since = previous.status_since
        found.append(
            Stretch(
                valid_from=None if cut == BEFORE_ALL else cut,
                valid_to=last,
                kind=shown.kind,
                status=shown.status,
                status_since=since,
                claim_id=shown.id,
                protecting_power=shown.protecting_power,
            )
        )
    return found


def rebuild(connection: Connection, mission_ids: list[int]) -> dict[int, list[Stretch]]:
    """Works out the timelines of these missions again from their status histories, in the
    caller's transaction; returns them."""
    if not mission_ids:
        return {}
    t = timeline_table.c
    by_mission = {
        mission_id: stretches(claims)
        for mission_id, claims in _claims(connection, mission_ids).items()
    }
    stored: dict[int, list[tuple[Any, ...]]] = {mission_id: [] for mission_id in mission_ids}
    fields = tuple(field.name for field in dataclass_fields(Stretch))
    for chunk in chunks(mission_ids):
        rows = connection.execute(
            select(t.mission_id, *(t[name] for name in fields))
            .where(t.mission_id.in_(chunk))
            .order_by(t.mission_id, t.id)
        )
        for mission_id, *values in rows:
            stored[mission_id].append(tuple(values))
    # Only the timelines that changed are written again (a second load writes nothing).
    changed = [
        mission_id
        for mission_id, found in by_mission.items()
        if [tuple(getattr(s, name) for name in fields) for s in found] != stored[mission_id]
    ]
    for chunk in chunks(changed):
        connection.execute(delete(timeline_table).where(t.mission_id.in_(chunk)))
    rows_in: list[dict[str, Any]] = [
        {"mission_id": mission_id, **vars(stretch)}
        for mission_id in changed
        for stretch in by_mission[mission_id]
    ]
    if rows_in:
        connection.execute(insert(timeline_table), rows_in)
    return by_mission


def forget(connection: Connection, mission_id: int) -> None:
    """A deleted mission's timeline goes with it."""
    connection.execute(delete(timeline_table).where(timeline_table.c.mission_id == mission_id))


def rebuild_missing(connection: Connection) -> int:
    """The timelines of missions that have a status history but no timeline (a database
    upgraded from before revision 0009, whose statuses were written before timelines were
    kept); returns how many were worked out."""
    h, t = status_table.c, timeline_table.c
    missing = list(
        connection.execute(
            select(h.mission_id)
            .distinct()
            .where(~exists().where(t.mission_id == h.mission_id))
            .order_by(h.mission_id)
        ).scalars()
    )
    rebuild(connection, missing)
    return len(missing)
