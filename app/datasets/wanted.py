"""What a data set says, as the records the API holds: built by each data set's reader,
written by `app.datasets.load`, which compares it with what is stored."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Cite:
    """A quote of one of the data set's files: where it stands, and which fields it states."""

    path: str
    quote: str
    start: int
    supports: list[str] | None = None


@dataclass(frozen=True)
class Problem:
    """A row the load could not take, and why (or, `loaded`, took with something missing)."""

    path: str
    line: int
    text: str
    reason: str
    loaded: bool = False

    def as_json(self) -> dict[str, object]:
        found: dict[str, object] = {"file": self.path, "line": self.line}
        found |= {"row": self.text[:100], "reason": self.reason}
        return found | ({"loaded": True} if self.loaded else {})


@dataclass
class WantedClaim:
    """A status of a mission in force over a span of days."""

    status: str
    kind: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    effective_on: dt.date | None
    citations: list[Cite]
    protecting_power: str | None = None  # an interests section's, where the source names it
    # The kind of post the sentence names as closed or suspended ("the Embassy … was closed"),
    # which the post in force the day before must be; not stored.
    named: str | None = None


@dataclass
class WantedMission:
    """The principal mission of one state in another (an embassy, legation, …)."""

    sending: str
    host: str
    claims: list[WantedClaim] = field(default_factory=list)


@dataclass
class WantedPost:
    """A mission as a list of missions gives it (Wikidata): no status, no dates of one."""

    wikidata_id: str
    sending: str
    host: str
    kind: str
    designation: str
    city: str | None
    latitude: float | None
    longitude: float | None
    inception: dt.date | None
    located_in: str
    jurisdictions: list[str]
    citation: Cite


@dataclass
class WantedPeriod:
    """A period of one state's representation in another."""

    ref: str
    sending: str
    host: str
    level: str
    valid_from: dt.date
    valid_to: dt.date | None
    since: dt.date | None
    observed_until: dt.date | None
    mission: tuple[str, str] | None
    citations: list[Cite]


@dataclass
class WantedRecord:
    """A record of one table, by its stable `ref`: its column values and citations."""

    ref: str
    values: dict[str, Any]
    citations: list[Cite]


@dataclass
class Wanted:
    files: list[str]
    missions: list[WantedMission] = field(default_factory=list)
    periods: list[WantedPeriod] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
