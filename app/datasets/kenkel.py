"""Kenkel's U.S. Diplomatic Mission Status Data as records (docs/datasets.md, §3): each range
row becomes part of a representation period of the U.S. in its state, and, for the levels that
are a post in the host, a status of the U.S. principal mission there. Every record cites the
rows it comes from, each quoted as it stands in its file.

| `us_mission_status` | representation `level` | principal mission: `kind`, `status` |
|---|---|---|
| Embassy | embassy | embassy, operating |
| Legation | legation | legation, operating |
| Consulate | consulate | consulate, operating |
| Liaison | liaison | liaison_office, operating |
| Interests | interests | interests_section, operating |
| Ambassador Nonresident | ambassador_nonresident | (no post in the host) |
| Envoy Nonresident | envoy_nonresident | (no post in the host) |
| Consul Nonresident | consul_nonresident | (no post in the host) |
| None | none | (no post in the host) |

COW and GWM rows of one state are merged: same-level rows that overlap or touch make one
period. A row's start is a change of level (`since`) only when the same file's previous row
for that state ends the day before with another level; otherwise it is where the state system
starts covering the state, and `since` is null.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.datasets.bundle import Bundle
from app.datasets.wanted import Cite, Problem, Wanted, WantedClaim, WantedMission, WantedPeriod
from app.datasets.writer import Writer
from app.historic_countries import KENKEL_FILES, SYSTEM_COLUMN, row_codes
from app.representations.models import RESIDENT, Level

NAME = "us-mission-status"
SENDER = "US"
LEVELS = {
    "Embassy": Level.embassy,
    "Legation": Level.legation,
    "Consulate": Level.consulate,
    "Liaison": Level.liaison,
    "Interests": Level.interests,
    "Ambassador Nonresident": Level.ambassador_nonresident,
    "Envoy Nonresident": Level.envoy_nonresident,
    "Consul Nonresident": Level.consul_nonresident,
    "None": Level.none,
}
MISSION_KINDS = {
    Level.embassy: "embassy",
    Level.legation: "legation",
    Level.consulate: "consulate",
    Level.liaison: "liaison_office",
    Level.interests: "interests_section",
}
DATA_ENDS = {"cow": dt.date(2024, 12, 31), "gwm": dt.date(2020, 12, 31)}
PERIOD_SUPPORTS = ["level", "valid_from", "valid_to", "since"]
CLAIM_SUPPORTS = ["kind", "status", "status_since"]


@dataclass
class Row:
    system: str
    path: str
    line: int
    start_offset: int
    text: str
    abbrev: str
    host: str
    level: Level
    start: dt.date
    end: dt.date
    change: bool = False


@dataclass
class Period:
    host: str
    level: Level
    start: dt.date
    end: dt.date
    rows: list[Row] = field(default_factory=list)
    since: dt.date | None = None
    open_end: bool = False


def _rows(bundle: Bundle, problems: list[Problem]) -> Iterator[Row]:
    codes = row_codes()
    for system, path in KENKEL_FILES.items():
        text = bundle.read(path).text
        suffix = SYSTEM_COLUMN[system]
        offsets, position = [], 0
        for line in text.splitlines(keepends=True):
            offsets.append(position)
            position += len(line)
        lines = text.splitlines()
        previous: Row | None = None
        for number, record in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
            status = record["us_mission_status"]
            if status not in LEVELS:
                problems.append(
                    Problem(path, number, lines[number - 1], f"unknown status {status!r}")
                )
                continue
            row = Row(
                system=system,
                path=path,
                line=number,
                start_offset=offsets[number - 1],
                text=lines[number - 1],
                abbrev=record[f"country_abbrev_{suffix}"],
                host=codes[(system, lines[number - 1])],
                level=LEVELS[status],
                start=dt.date.fromisoformat(record["date_start"]),
                end=dt.date.fromisoformat(record["date_end"]),
            )
            row.change = (
                previous is not None
                and previous.abbrev == row.abbrev
                and previous.end + dt.timedelta(days=1) == row.start
                and previous.level != row.level
            )
            previous = row
            yield row


def _periods(rows: list[Row], problems: list[Problem]) -> list[Period]:
    """One state's rows of both files as periods: same-level rows that overlap or touch are
    one period; a row of another level on days a period already covers is a problem. A period
    begins with a change (`since`) when a row starting it does; the last one stays open when a
    row of it reaches its file's end."""
    periods: list[Period] = []
    for row in sorted(rows, key=lambda r: (r.start, r.system)):
        last = periods[-1] if periods else None
        if last is not None and row.start <= last.end + dt.timedelta(days=1):
            if row.level == last.level:
                last.rows.append(row)
                last.end = max(last.end, row.end)
                continue
            if row.start <= last.end:
                problems.append(
                    Problem(
                        row.path,
                        row.line,
                        row.text,
                        f"level {row.level.value} on days the other file codes {last.level.value}",
                    )
                )
                continue
        periods.append(Period(row.host, row.level, row.start, row.end, rows=[row]))
    for period in periods:
        changes = [r for r in period.rows if r.change and r.start == period.start]
        period.since = period.start if changes else None
    if periods:
        last = periods[-1]
        last.open_end = any(r.end == DATA_ENDS[r.system] for r in last.rows)
    return periods


def _cites(rows: list[Row], supports: list[str]) -> list[Cite]:
    return [Cite(row.path, row.text, row.start_offset, supports) for row in rows]


def wanted(bundle: Bundle) -> Wanted:
    """What the data set says, as records."""
    result = Wanted(files=list(KENKEL_FILES.values()))
    by_host: dict[str, list[Row]] = {}
    for row in _rows(bundle, result.problems):
        by_host.setdefault(row.host, []).append(row)
    for host, rows in sorted(by_host.items()):
        periods = _periods(rows, result.problems)
        mission: WantedMission | None = None
        for period in periods:
            kind = MISSION_KINDS.get(period.level)
            if period.level in RESIDENT and kind is not None:
                if mission is None:
                    mission = WantedMission(sending=SENDER, host=host)
                    result.missions.append(mission)
                mission.claims.append(
                    WantedClaim(
                        status="operating",
                        kind=kind,
                        valid_from=period.start,
                        valid_to=None if period.open_end else period.end,
                        effective_on=period.since,
                        citations=_cites(period.rows, CLAIM_SUPPORTS),
                    )
                )
            result.periods.append(
                WantedPeriod(
                    ref=f"{NAME}:{SENDER}-{host}:{period.start.isoformat()}",
                    sending=SENDER,
                    host=host,
                    level=period.level.value,
                    valid_from=period.start,
                    valid_to=None if period.open_end else period.end,
                    since=period.since,
                    observed_until=period.end if period.open_end else None,
                    mission=(SENDER, host) if period.level in RESIDENT else None,
                    citations=_cites(period.rows, PERIOD_SUPPORTS),
                )
            )
    return result


def write(writer: Writer, wanted: Wanted) -> dict[str, int]:
    """The principal missions with their statuses, then the representation periods."""
    missions = writer.missions(wanted.missions)
    writer.periods(wanted.periods, missions)
    return {
        "missions": len(wanted.missions),
        "mission_statuses": sum(len(w.claims) for w in wanted.missions),
        "representations": len(wanted.periods),
    }
