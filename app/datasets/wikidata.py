"""database-of-embassies, a Wikidata export of missions (docs/datasets.md, §6), as missions:
each row is one mission, with its Wikidata item, sender, host, kind, city, coordinates,
inception and the states it is accredited to, cited by the row as it stands in the file. A row
merges into a mission already held (the seed's, Kenkel's principal missions) when one matches
(§8); otherwise it is a mission known only from Wikidata, with no status (the export lists
items without an end date, which does not say they operate; Wikidata lags).

| Wikidata column | mission field |
|---|---|
| `QID` | `wikidata_id` (`Q722374`) |
| `operator` | `sending_country` (a state's ministry or government: that state) |
| `country` | `located_in`; and `host_country`, unless the state `jurisdictions` leave it out |
| `jurisdictions` | `jurisdictions` (the states among them) |
| `city` | `city` |
| `latitude`, `longitude` | `latitude`, `longitude` |
| `type` | `kind` (`KINDS`) and `designation` (verbatim) |
| `creation` | `inception` (its date) |

A row's host is its country unless its jurisdictions name states and not that one: then the
one state they name (the U.S. embassy in Rome to the Holy See: host VA, located in IT).

Reported, not loaded: rows whose operator or location is not a state the API holds (Quebec,
the Order of Malta, the European Parliament, Somaliland, …), whose state jurisdictions leave
out the country and name several states (no host to choose), whose host is their operator,
whose type is unknown, and both rows of a QID listed twice (Q106686567: Iraq and Nepal).
"""

import csv
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from app.country_codes import _names, _words
from app.datasets.bundle import Bundle
from app.datasets.wanted import Cite, Problem, WantedPost
from app.datasets.writer import Writer

NAME = "database-of-embassies"
FILE = "database_of_embassies_2022-11-16.csv.gz"
ENTITY = "http://www.wikidata.org/entity/"

KINDS = {
    "embassy": "embassy",
    "Embassy of the United States": "embassy",
    "high commission": "high_commission",
    "British High Commission": "high_commission",
    "Australian High Commission": "high_commission",
    "consulate general": "consulate_general",
    "Consulate General of Sweden": "consulate_general",
    "Consulate General of Belgium": "consulate_general",
    "consulate": "consulate",
    "consular office": "consulate",
    "Consular Agency": "consulate",
    "consulates of Sweden": "consulate",
    "assistant high commission": "consulate",
    "honorary consulate": "honorary_consulate",
    "apostolic nunciature": "nunciature",
    "de facto embassy": "representative_office",
    "de facto consulate": "representative_office",
    "representative office": "representative_office",
    "Taipei Representative Office": "representative_office",
    "trade office": "representative_office",
    "Quebec Government Office": "representative_office",
    "liaison office": "liaison_office",
    "Interests Section": "interests_section",
    "permanent mission": "permanent_mission",
    "Apostolic delegation": "other",
    "diplomatic mission": "other",
    "diplomatic mission of El Salvador": "other",
}
"""Wikidata's `type` label → the mission's kind (§6's table)."""

ALIASES = {
    "republic of ireland": "IE",
    "vatican city": "VA",  # pycountry: "Holy See (Vatican City State)"
    "holy see": "VA",
    "palestine": "PS",  # "Palestine, State of"
    "state of palestine": "PS",
    "the bahamas": "BS",
    "the gambia": "GM",
    "macau": "MO",  # "Macao"
    "kosovo": "XKOS",  # the API's code for Kosovo (app/historic_countries.py)
}
"""Wikidata's names of states that the API's name table (pycountry's names) spells otherwise.
Other non-ISO entities (Somaliland, Abkhazia, the Sahrawi Republic, Northern Cyprus) are not
given codes: their rows are reported (docs/datasets.md, Q 19)."""

# "Ministry of Foreign Affairs of the People's Republic of China", "Government of Sweden"
ORGAN_OF = re.compile(
    r"^(?:ministry of foreign affairs(?: and cooperation)?|government) of (?:the )?"
)

DIPLOMATIC = ("embassy", "legation", "liaison_office", "interests_section")
"""The kinds that may be a state's principal mission in another (§8)."""


@dataclass
class Wanted:
    files: list[str]
    posts: list[WantedPost] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def state(name: str) -> str | None:
    """The code of the state a Wikidata label names (or whose ministry or government it
    names), or None: not a state the API holds."""
    words = ORGAN_OF.sub("", _words(name))
    return ALIASES.get(words) or _names()[0].get(words)


def _qid(uri: str) -> str:
    return uri.removeprefix(ENTITY)


def _number(value: str) -> float | None:
    return float(value) if value else None


def _post(path: str, start: int, text: str, row: dict[str, str]) -> WantedPost | str:
    """A row as a mission, or why it is not one."""
    sending = state(row["operator"])
    if sending is None:
        return f"its operator {row['operator']!r} is not a state"
    located = state(row["country"])
    if located is None:
        return f"its country {row['country']!r} is not a state"
    kind = KINDS.get(row["type"])
    if kind is None:
        return f"unknown type {row['type']!r}"
    named = [state(name) for name in row["jurisdictions"].split("|") if name]
    jurisdictions = sorted({code for code in named if code is not None})
    host = located
    if jurisdictions and located not in jurisdictions:
        if len(jurisdictions) > 1:
            return (
                f"its jurisdictions ({row['jurisdictions']}) leave out its country "
                f"{row['country']!r} and name several states: no host"
            )
        host = jurisdictions[0]
    if host == sending and kind != "permanent_mission":
        return f"its host {row['country']!r} is its operator"
    latitude, longitude = _number(row["latitude"]), _number(row["longitude"])
    inception = dt.date.fromisoformat(row["creation"][:10]) if row["creation"] else None
    post = WantedPost(
        wikidata_id=_qid(row["QID"]),
        sending=sending,
        host=host,
        kind=kind,
        designation=row["type"],
        city=row["city"] or None,
        latitude=latitude,
        longitude=longitude,
        inception=inception,
        located_in=located,
        jurisdictions=jurisdictions,
        citation=Cite(path, text, start),
    )
    filled = {
        "wikidata_id": True,
        "sending_country": True,
        "host_country": True,
        "located_in": True,
        "kind": True,
        "designation": True,
        "city": post.city is not None,
        "latitude": latitude is not None,
        "longitude": longitude is not None,
        "inception": inception is not None,
        "jurisdictions": bool(jurisdictions),
    }
    supports = [name for name, filled_in in filled.items() if filled_in]
    post.citation = Cite(path, text, start, supports)
    return post


def wanted(bundle: Bundle) -> Wanted:
    """Every row of the file as a mission, or as a reported problem."""
    result = Wanted(files=["SOURCE.md", FILE])
    lines = bundle.read(FILE).text.split("\n")  # LF only; no field spans lines
    header = next(csv.reader([lines[0]], delimiter=";"))[:-1]  # the header ends with ";"
    offsets, position = [], 0
    for line in lines:
        offsets.append(position)
        position += len(line) + 1
    posts: list[tuple[int, str, WantedPost | str]] = []
    for number, text in enumerate(lines[1:], start=2):
        if not text:
            continue
        values = next(csv.reader([text], delimiter=";"))
        if len(values) != len(header):
            posts.append((number, text, f"{len(values)} fields, not {len(header)}"))
            continue
        row = dict(zip(header, values, strict=True))
        posts.append((number, text, _post(FILE, offsets[number - 1], text, row)))
    listed = Counter(post.wikidata_id for _, _, post in posts if not isinstance(post, str))
    for number, text, post in posts:
        if not isinstance(post, str) and listed[post.wikidata_id] > 1:
            post = f"its item {post.wikidata_id} is listed {listed[post.wikidata_id]} times"
        if isinstance(post, str):
            result.problems.append(Problem(FILE, number, text, post))
        else:
            result.posts.append(post)
    return result


def write(writer: Writer, wanted: Wanted) -> dict[str, int]:
    """Each listed mission, merged into the one held where one matches."""
    merged = writer.posts(wanted.posts, DIPLOMATIC)
    return {
        "missions": len(wanted.posts),
        "merged": merged,
        "jurisdictions": sum(len(post.jurisdictions) for post in wanted.posts),
    }
