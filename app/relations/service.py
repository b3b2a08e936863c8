"""The bilateral picture: a fixed number of queries, whatever the number of facts (each kind of
record with its inline embeds in one statement)."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, String, and_, bindparam, func, or_, select, union_all

from app.countries.service import get_countries
from app.disputes.models import DisputeStatus
from app.disputes.service import DISPUTE_LIST, dispute_table
from app.errors import Unprocessable
from app.events.service import EVENT_LIST, event_country_table, event_table
from app.headcounts.models import HeadcountKind, StaffCategory
from app.headcounts.service import HEADCOUNT_LIST, headcount_table
from app.kit.listing import fetch_many, fetch_where
from app.kit.spec import Row
from app.measures.models import MeasureStage
from app.measures.service import MEASURE_LIST, measure_table
from app.missions.service import MISSION_LIST, mission_table
from app.talks.service import TALKS_LIST, talks_table

LATEST_EVENTS = 10


A, B = bindparam("a", type_=String), bindparam("b", type_=String)


def _between(one: Any, other: Any) -> Any:
    """`one`→`other` is a→b or b→a (the bound countries)."""
    return or_(and_(one == A, other == B), and_(one == B, other == A))


def _same(headcounts: Any, key: tuple[Any, ...]) -> list[Any]:
    c = headcounts.c
    return [
        column == value
        for column, value in zip(
            (c.sending_country, c.host_country, c.category, c.kind), key, strict=True
        )
    ]


def _latest_where() -> tuple[list[Any], list[Any], None]:
    """The newest headcount of each direction, category and kind: two index probes each (the
    newest date, then the row), whatever the number of headcounts."""
    probes = []
    for sending, host in ((A, B), (B, A)):
        for category in StaffCategory:
            for kind in HeadcountKind:
                key = (sending, host, category.value, kind.value)
                row, newest = headcount_table.alias(), headcount_table.alias()
                last_day = select(func.max(newest.c.as_of)).where(*_same(newest, key))
                probes.append(
                    select(row.c.id)
                    .where(*_same(row, key), row.c.as_of == last_day.scalar_subquery())
                    .order_by(row.c.mission_id.is_(None).desc(), row.c.id.desc())
                    .limit(1)
                    .subquery()
                    .select()
                )
    h = headcount_table.c
    return [h.id.in_(union_all(*probes))], [h.id], None


def _latest_counts(connection: Connection, a: str, b: str) -> list[Row]:
    """Per direction, category and kind, the newest headcount (a count for the whole pair
    wins a tie with one mission's)."""
    return fetch_where(connection, HEADCOUNT_LIST, "latest", _latest_where, a=a, b=b)


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
    measures = fetch_where(
        connection,
        MEASURE_LIST,
        "between",
        lambda: (
            [_between(m.actor_country, m.target_country)],
            [m.date.asc().nulls_last(), m.id],
            None,
        ),
        a=a,
        b=b,
    )
    by_stage: dict[str, list[Row]] = {stage.value: [] for stage in MeasureStage}
    for measure in measures:
        by_stage[measure["stage"]].append(measure)
    return {"by_stage": by_stage, "chains": _chains(measures)}


def _disputes(connection: Connection, a: str, b: str, today: dt.date) -> list[Row]:
    d, t = dispute_table.c, talks_table.c
    disputes = fetch_where(
        connection,
        DISPUTE_LIST,
        "open between",
        lambda: (
            [_between(d.country_a, d.country_b), d.status != DisputeStatus.resolved.value],
            [d.id],
            None,
        ),
        a=a,
        b=b,
    )
    if not disputes:
        return []
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
    return fetch_where(
        connection,
        EVENT_LIST,
        "latest between",
        lambda: (
            [
                e.id.in_(select(ec.event_id).where(ec.country == A)),
                e.id.in_(select(ec.event_id).where(ec.country == B)),
            ],
            [e.date.desc(), e.id.desc()],
            LATEST_EVENTS,
        ),
        a=a,
        b=b,
    )


def countries_of(connection: Connection, a: str, b: str) -> tuple[Row, Row]:
    """Both countries by alpha-2 or alpha-3 code; 404 for an unknown one, 422 for the same
    one twice."""
    first, second = get_countries(connection, [a, b])
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


Keep = Callable[[str, frozenset[str], Callable[[], Any]], Any]
"""Given a part's name, the resources it shows and how to make it: the part, made now or kept
from before (`app.changes.kept`)."""


def _made(name: str, shows: frozenset[str], make: Callable[[], Any]) -> Any:
    return make()


def get_relation(
    connection: Connection, first: Row, second: Row, today: dt.date, keep: Keep = _made
) -> Row:
    """The picture in five parts, each made (or kept) on its own: a new event remakes the
    events, not the missions."""
    a, b = first["code"], second["code"]
    m = mission_table.c

    def missions() -> Row:
        found = fetch_where(
            connection,
            MISSION_LIST,
            "between",
            lambda: ([_between(m.sending_country, m.host_country)], [m.id], None),
            a=a,
            b=b,
        )
        return {
            "a_to_b": [x for x in found if x["sending_country"] == a],
            "b_to_a": [x for x in found if x["sending_country"] == b],
        }

    return {
        "a": first,
        "b": second,
        "missions": keep("missions", frozenset({"missions"}), missions),
        "staffing": keep(
            "staffing",
            frozenset({"headcounts"}),
            lambda: _staffing(_latest_counts(connection, a, b), a),
        ),
        "measures": keep("measures", frozenset({"measures"}), lambda: _measures(connection, a, b)),
        "disputes": keep(
            "disputes",
            frozenset({"visa-disputes", "talks", "officials"}),
            lambda: _disputes(connection, a, b, today),
        ),
        "events": keep("events", frozenset({"events"}), lambda: _events(connection, a, b)),
        "links": {
            "timeline": f"/v1/timeline?countries={a},{b}",
            "series": f"/v1/headcounts/series?sending_country={a},{b}&host_country={a},{b}",
        },
    }
