"""One sender's representation in every country on a day: what the world map colours.

A country's status rests on the first of these that says anything that day (docs/world.md):

1. a representation period in force (`/v1/representations?on=`: Kenkel's data, the U.S.);
2. a mission's status in force (`/v1/missions?on=`: its status history), by its kind;
3. a mission a data set lists without a status (Wikidata's), on the day the data set was
   exported, and on no other: the export leaves out what has an end date, but an item without
   one is no proof that the post stood from its inception (Wikidata's U.S. consulate in Odesa,
   opened in 1830, was not there through the Soviet years); a state it is accredited to from
   elsewhere (its jurisdictions) is a non-resident one.

Within one basis, the highest level wins (an embassy over a consulate). Six queries, whatever
the day; the answer is kept until a representation or a mission changes."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, exists, func, or_, select

from app.citations.models import RecordType
from app.citations.service import citation_table, load_citations_of_kinds
from app.countries.service import country_table
from app.missions.service import jurisdiction_table, mission_table, timeline_table
from app.representations.models import Level
from app.representations.service import representation_table
from app.sources.service import source_table
from app.world.models import Basis

# Highest first: where one basis gives several, the first of these is shown.
RANK = [
    Level.embassy,
    Level.legation,
    Level.liaison,
    Level.interests,
    Level.consulate,
    Level.ambassador_nonresident,
    Level.envoy_nonresident,
    Level.consul_nonresident,
    Level.none,
]
# A mission's kind → the level of representation it is (permanent missions, to international
# organisations, and `other` are none of them).
KIND_LEVEL = {
    "embassy": Level.embassy,
    "high_commission": Level.embassy,
    "nunciature": Level.embassy,
    "legation": Level.legation,
    "liaison_office": Level.liaison,
    "representative_office": Level.liaison,
    "interests_section": Level.interests,
    "consulate_general": Level.consulate,
    "consulate": Level.consulate,
    "honorary_consulate": Level.consulate,
}
# Accredited from elsewhere: a post of this level → the non-resident level in the other states.
NONRESIDENT = {
    Level.embassy: Level.ambassador_nonresident,
    Level.legation: Level.envoy_nonresident,
    Level.consulate: Level.consul_nonresident,
}
# Statuses of a mission in which it still represents its state (a closed one says nothing of
# how the state is represented there now).
STANDING = {"operating", "restricted", "suspended", "frozen"}
UNKNOWN = "unknown"
SENDER = "sender"

r, m, t, j = representation_table.c, mission_table.c, timeline_table.c, jurisdiction_table.c


@dataclass
class Found:
    host: str
    level: Level
    basis: Basis
    record: str
    record_type: RecordType
    record_id: int
    since: dt.date | None = None
    since_precision: str | None = None
    until: dt.date | None = None
    mission_id: int | None = None
    designation: str | None = None

    def key(self) -> tuple[int, int]:
        return list(Basis).index(self.basis), RANK.index(self.level)


@dataclass
class Listed:
    """A sender's missions that have no status, with the day their data set listed them."""

    rows: list[Any]  # each with its `listed_on` day
    jurisdictions: dict[int, list[str]] = field(default_factory=dict)


def _periods(connection: Connection, sender: str, day: dt.date) -> Iterable[Found]:
    rows = connection.execute(
        select(
            r.id,
            r.host_country,
            r.level,
            r.since,
            r.since_precision,
            r.valid_to,
            r.observed_until,
            r.mission_id,
        ).where(
            r.sending_country == sender,
            r.valid_from <= day,
            or_(r.valid_to.is_(None), r.valid_to >= day),
        )
    )
    for row in rows:
        yield Found(
            host=row.host_country,
            level=Level(row.level),
            basis=Basis.representation,
            record=f"/v1/representations/{row.id}",
            record_type=RecordType.representation,
            record_id=row.id,
            since=row.since,
            since_precision=row.since_precision,
            until=row.valid_to or row.observed_until,
            mission_id=row.mission_id,
        )


def _stretches(connection: Connection, sender: str, day: dt.date) -> Iterable[Found]:
    rows = connection.execute(
        select(
            m.id,
            m.host_country,
            m.designation,
            t.kind,
            t.status,
            t.status_since,
            t.valid_to,
            t.claim_id,
        ).where(
            t.mission_id == m.id,
            m.sending_country == sender,
            or_(t.valid_from.is_(None), t.valid_from <= day),
            or_(t.valid_to.is_(None), t.valid_to >= day),
        )
    )
    for row in rows:
        level = KIND_LEVEL.get(row.kind)
        if level is None or row.status not in STANDING:
            continue
        yield Found(
            host=row.host_country,
            level=level,
            basis=Basis.mission,
            record=f"/v1/missions/{row.id}",
            record_type=RecordType.mission_status,
            record_id=row.claim_id,
            since=row.status_since,
            since_precision="day" if row.status_since else None,
            until=row.valid_to,
            mission_id=row.id,
            designation=row.designation,
        )


def _listed(connection: Connection, sender: str) -> Listed:
    """Every mission of the sender with no status history, and when its data set listed it:
    the newest publication day of the sources it cites (one query), and its jurisdictions."""
    c, s = citation_table.c, source_table.c
    listed_on = (
        select(func.max(s.published_on))
        .where(
            c.record_type == RecordType.mission.value,
            c.record_id == m.id,
            s.id == c.source_id,
        )
        .scalar_subquery()
    )
    rows = [
        row
        for row in connection.execute(
            select(m.id, m.host_country, m.kind, m.designation, listed_on.label("listed_on")).where(
                m.sending_country == sender, ~exists().where(t.mission_id == m.id)
            )
        )
        if row.listed_on is not None
    ]
    ids = [row.id for row in rows]
    jurisdictions: dict[int, list[str]] = {}
    if ids:
        for mission_id, country in connection.execute(
            select(j.mission_id, j.country).where(j.mission_id.in_(ids))
        ):
            jurisdictions.setdefault(mission_id, []).append(country)
    return Listed(rows, jurisdictions)


def _listed_on(listed: Listed, day: dt.date) -> Iterable[Found]:
    for row in listed.rows:
        level = KIND_LEVEL.get(row.kind)
        until = row.listed_on
        if level is None or until != day:
            continue
        found = Found(
            host=row.host_country,
            level=level,
            basis=Basis.listed,
            record=f"/v1/missions/{row.id}",
            record_type=RecordType.mission,
            record_id=row.id,
            until=until,
            mission_id=row.id,
            designation=row.designation,
        )
        yield found
        elsewhere = NONRESIDENT.get(level)
        for country in listed.jurisdictions.get(row.id, []):
            if elsewhere is not None and country != row.host_country:
                yield replace(found, host=country, level=elsewhere)


def _period_ends(connection: Connection, sender: str) -> list[dt.date]:
    """The last days the sender's representation periods' sources cover."""
    query = select(r.observed_until).where(
        r.sending_country == sender, r.observed_until.is_not(None)
    )
    return list(connection.execute(query.distinct()).scalars())


def _span(connection: Connection, sender: str, listed: Listed, today: dt.date) -> list[dt.date]:
    """The first and last day the sender's data covers (a status still in force: today)."""
    periods = connection.execute(
        select(
            func.min(r.valid_from),
            func.max(func.coalesce(r.observed_until, r.valid_to)),
        ).where(r.sending_country == sender)
    ).one()
    stretches = connection.execute(
        select(
            func.min(t.valid_from),
            func.max(t.valid_to),
            func.count().filter(t.valid_to.is_(None)),
        ).where(t.mission_id == m.id, m.sending_country == sender)
    ).one()
    days = [*periods, stretches[0], stretches[1], *(row.listed_on for row in listed.rows)]
    if stretches[2]:
        days.append(today)
    return sorted(day for day in days if day is not None)


def day_of_year(ends: list[dt.date], year: int) -> dt.date:
    """The day a year is shown as: its last, or, when the sender's data sets end within it,
    the last day one of them covers (a data set exported on 2022-11-16 says nothing of 31
    December)."""
    within = [day for day in ends if day.year == year]
    return max(within) if within else dt.date(year, 12, 31)


def world(
    connection: Connection,
    sender: str,
    today: dt.date,
    *,
    year: int | None = None,
    on: dt.date | None = None,
) -> dict[str, Any]:
    """The view on the day `on`, or the day `year` is shown as, or today."""
    listed = _listed(connection, sender)
    span = _span(connection, sender, listed, today)
    ends = [*(row.listed_on for row in listed.rows), *_period_ends(connection, sender)]
    day = on or (day_of_year(ends, year) if year is not None else today)
    shown: dict[str, Found] = {}
    for found in [
        *_periods(connection, sender, day),
        *_stretches(connection, sender, day),
        *_listed_on(listed, day),
    ]:
        host = found.host
        if host != sender and (host not in shown or found.key() < shown[host].key()):
            shown[host] = found
    wanted: dict[RecordType, list[int]] = {}
    for found in shown.values():
        wanted.setdefault(found.record_type, []).append(found.record_id)
    cited = load_citations_of_kinds(connection, wanted) if wanted else {}
    countries = []
    counts: dict[str, int] = {}
    for code, name, numeric, kind in connection.execute(
        select(
            country_table.c.code,
            country_table.c.name,
            country_table.c.numeric,
            country_table.c.kind,
        ).order_by(country_table.c.code)
    ):
        status = shown.get(code)
        if status is None and kind != "iso3166-1":
            continue  # a former country, with nothing to show that day
        entry = _entry(code, name, numeric, status, cited)
        if code == sender:
            entry["status"] = SENDER
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        countries.append(entry)
    return {
        "sender": sender,
        "on": day,
        "first_year": span[0].year if span else None,
        "last_year": span[-1].year if span else None,
        "counts": counts,
        "countries": countries,
    }


def _entry(
    code: str,
    name: str,
    numeric: str | None,
    found: Found | None,
    cited: Any,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"country": code, "name": name, "numeric": numeric}
    if found is None:
        return entry | {
            "status": UNKNOWN,
            "basis": None,
            "since": None,
            "since_precision": None,
            "until": None,
            "record": None,
            "mission_id": None,
            "designation": None,
            "citation": None,
        }
    citations = cited.get((found.record_type, found.record_id)) or [None]
    first = citations[0]
    return entry | {
        "status": found.level.value,
        "basis": found.basis.value,
        "since": found.since,
        "since_precision": found.since_precision,
        "until": found.until,
        "record": found.record,
        "mission_id": found.mission_id,
        "designation": found.designation,
        "citation": first and {key: first[key] for key in ("source_id", "quote", "start", "end")},
    }
