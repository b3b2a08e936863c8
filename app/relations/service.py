"""The bilateral picture: a fixed number of queries, whatever the number of facts."""

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select

from app.countries.service import get_country
from app.disputes.models import DisputeStatus
from app.disputes.service import DISPUTE_LIST, dispute_table
from app.errors import Unprocessable
from app.events.service import EVENT_LIST, event_country_table, event_table
from app.headcounts.models import HeadcountKind, StaffCategory
from app.headcounts.service import HEADCOUNT_LIST, headcount_table
from app.kit.listing import fetch_many
from app.kit.spec import ListSpec, Row
from app.measures.models import MeasureStage
from app.measures.service import MEASURE_LIST, measure_table
from app.missions.service import MISSION_LIST, mission_table
from app.talks.service import TALKS_LIST, talks_table

LATEST_EVENTS = 10


def _between(one: Any, other: Any, a: str, b: str) -> Any:
    """`one`→`other` is a→b or b→a."""
    return or_(and_(one == a, other == b), and_(one == b, other == a))


def _records(connection: Connection, spec: ListSpec, ids_query: Select[Any]) -> list[Row]:
    """The records whose ids the query selects, in its order, with their embeds."""
    ids = list(connection.execute(ids_query).scalars())
    found = fetch_many(connection, spec, ids)
    return [found[i] for i in ids if i in found]


def _latest_counts(connection: Connection, a: str, b: str) -> list[Row]:
    """Per direction, category and kind, the newest headcount (a count for the whole pair
    wins a tie with one mission's)."""
    h = headcount_table.c
    rank = func.row_number().over(
        partition_by=[h.sending_country, h.category, h.kind],
        order_by=[h.as_of.desc(), h.mission_id.is_(None).desc(), h.id.desc()],
    )
    ranked = (
        select(h.id, rank.label("rank"))
        .where(_between(h.sending_country, h.host_country, a, b))
        .subquery()
    )
    return _records(connection, HEADCOUNT_LIST, select(ranked.c.id).where(ranked.c.rank == 1))


def _ratio(over: Row | None, under: Row | None) -> float | None:
    if over is None or under is None or under["count"] == 0:
        return None
    return float(over["count"] / under["count"])


def _staffing(counts: list[Row], a: str) -> list[Row]:
    latest = {(r["sending_country"] == a, r["category"], r["kind"]): r for r in counts}
    rows = []
    for category in StaffCategory:
        ways = {
            way: {kind.value: latest.get((from_a, category, kind)) for kind in HeadcountKind}
            for way, from_a in (("a_to_b", True), ("b_to_a", False))
        }
        parity = {
            kind.value: _ratio(ways["a_to_b"][kind.value], ways["b_to_a"][kind.value])
            for kind in HeadcountKind
        }
        rows.append({"category": category.value, **ways, "parity": parity})
    return rows


def _chains(measures: list[Row]) -> list[list[int]]:
    """Paths from each measure that answers none here to each last response; the longest
    chains first."""
    here = {m["id"] for m in measures}
    answers: dict[int, list[int]] = {}
    roots = []
    for measure in measures:
        if measure["in_response_to"] in here:
            answers.setdefault(measure["in_response_to"], []).append(measure["id"])
        else:
            roots.append(measure["id"])
    chains: list[list[int]] = []
    stack = [[root] for root in reversed(roots)]
    while stack:
        chain = stack.pop()
        following = [m for m in answers.get(chain[-1], []) if m not in chain]
        if not following:
            chains.append(chain)
        stack.extend([*chain, m] for m in reversed(following))
    return sorted(chains, key=len, reverse=True)  # stable: roots stay in order within a length


def _measures(connection: Connection, a: str, b: str) -> Row:
    m = measure_table.c
    ids = (
        select(m.id)
        .where(_between(m.actor_country, m.target_country, a, b))
        .order_by(m.date.asc().nulls_last(), m.id)
    )
    measures = _records(connection, MEASURE_LIST, ids)
    by_stage: dict[str, list[Row]] = {stage.value: [] for stage in MeasureStage}
    for measure in measures:
        by_stage[measure["stage"]].append(measure)
    return {"by_stage": by_stage, "chains": _chains(measures)}


def _disputes(connection: Connection, a: str, b: str, today: dt.date) -> list[Row]:
    d, t = dispute_table.c, talks_table.c
    disputes = _records(
        connection,
        DISPUTE_LIST,
        select(d.id)
        .where(_between(d.country_a, d.country_b, a, b), d.status != DisputeStatus.resolved.value)
        .order_by(d.id),
    )
    rounds = connection.execute(
        select(t.id, t.dispute_id, t.date)
        .where(t.dispute_id.in_([dispute["id"] for dispute in disputes]))
        .order_by(t.date, t.id)
    ).all()
    last: dict[int, int] = {}
    upcoming: dict[int, int] = {}
    for talks_id, dispute_id, date in rounds:
        if date <= today:
            last[dispute_id] = talks_id  # ordered by date: the latest comes last
        else:
            upcoming.setdefault(dispute_id, talks_id)  # and the soonest first
    talks = fetch_many(connection, TALKS_LIST, [*last.values(), *upcoming.values()])
    for dispute in disputes:
        dispute["last_talks"] = talks.get(last.get(dispute["id"]))
        dispute["next_talks"] = talks.get(upcoming.get(dispute["id"]))
    return disputes


def _events(connection: Connection, a: str, b: str) -> list[Row]:
    e, ec = event_table.c, event_country_table.c
    ids = (
        select(e.id)
        .where(
            e.id.in_(select(ec.event_id).where(ec.country == a)),
            e.id.in_(select(ec.event_id).where(ec.country == b)),
        )
        .order_by(e.date.desc(), e.id.desc())
        .limit(LATEST_EVENTS)
    )
    return _records(connection, EVENT_LIST, ids)


def countries_of(connection: Connection, a: str, b: str) -> tuple[Row, Row]:
    """Both countries by alpha-2 or alpha-3 code; 404 for an unknown one, 422 for the same
    one twice."""
    first, second = get_country(connection, a), get_country(connection, b)
    if first["code"] == second["code"]:
        raise Unprocessable(
            [
                {
                    "loc": ["path", "b"],
                    "msg": f"'{b}' is the same country as '{a}': a relation needs two",
                    "type": "same_country",
                    "input": b,
                }
            ]
        )
    return first, second


def get_relation(connection: Connection, first: Row, second: Row, today: dt.date) -> Row:
    a, b = first["code"], second["code"]
    m = mission_table.c
    missions = _records(
        connection,
        MISSION_LIST,
        select(m.id).where(_between(m.sending_country, m.host_country, a, b)).order_by(m.id),
    )
    return {
        "a": first,
        "b": second,
        "missions": {
            "a_to_b": [x for x in missions if x["sending_country"] == a],
            "b_to_a": [x for x in missions if x["sending_country"] == b],
        },
        "staffing": _staffing(_latest_counts(connection, a, b), a),
        "measures": _measures(connection, a, b),
        "disputes": _disputes(connection, a, b, today),
        "events": _events(connection, a, b),
        "links": {
            "timeline": f"/v1/timeline?countries={a},{b}",
            "series": f"/v1/headcounts/series?sending_country={a},{b}&host_country={a},{b}",
        },
    }
