"""The Office of the Historian's chronology of U.S. relations with each country (rdcr, TEI) as
records (docs/datasets.md, §4): every dated entry an event between the U.S. and the article's
country, cited by its heading and its paragraph as they read in the file; an entry that says a
U.S. embassy or legation suspended operations or was closed on a day also gives that mission's
status from that day, cited by the sentence that says so.

- `countries`: US and the article's country (its `<title type="short">`; "Bavaria*", with an
  asterisk, is a state that no longer exists);
- `kind`: from the `xml:id` of the section the entry stands in (recognition,
  diplomatic_relations, consular_relations, treaty, key_event, other);
- `summary`: the `<head>` as it reads;
- `date`, `date_precision`: the head's year, made exact by the paragraph's first date of that
  year ("August 31, 2021": day; "May 1801": month; else the year).

Entries with no year in their heading nor a full date in their paragraph are not loaded
(reported). The `when` attributes are not read: 32 of them contradict the words.
"""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache

from app.citations.anchoring import Document, normalized
from app.country_codes import _names, _words
from app.datasets.bundle import Bundle
from app.datasets.wanted import Cite, Problem, WantedClaim, WantedMission
from app.datasets.writer import Writer
from app.historic_countries import (
    KENKEL_FILES,
    _variants,
    historic_countries,
    listed_code,
    read_rows,
    row_codes,
)

NAME = "hsg-office-historian"
CONTAINER = "rdcr-articles.zip"
SENDER = "US"
MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}
_MONTH = "|".join(MONTHS)
FULL_DATE = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}}),\s+(\d{{4}})\b")
MONTH_YEAR = re.compile(rf"\b({_MONTH})\s+(?:of\s+)?(\d{{4}})\b")
YEAR = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b")
# A sentence ends at a full stop before a capital, unless the stop ends an initial ("H."), an
# abbreviation of initials ("U.S.") or a title ("St.", "Mr.").
SENTENCE_END = re.compile(
    r"(?<![A-Z]\.[A-Z])(?<!\b[A-Z])(?<!\bSt)(?<!\bMr)(?<!\bDr)(?<!\bJr)(?<!\bNo)\.\s+(?=[A-Z])"
)
KINDS = [
    (re.compile(r"^reco"), "recognition"),
    (re.compile(r"^diplomatic"), "diplomatic_relations"),
    (re.compile(r"^consular"), "consular_relations"),
    (re.compile(r"^treat"), "treaty"),
    (re.compile(r"^key"), "key_event"),
]
# What a sentence must say for an entry to give a status of the U.S. principal mission: the
# status, and the day (a full date in the same sentence).
STATUS_WORDS = [
    (re.compile(r"\bsuspended\s+(?:its\s+)?(?:embassy\s+)?operations\b", re.I), "suspended"),
    (
        re.compile(
            r"\b(?:Embassy|Legation)\b[^.]*?\b(?:was|were)\s+closed\b"
            r"|\bclosed\s+(?:its|the)\s+(?:Embassy|Legation)\b",
            re.I,
        ),
        "closed",
    ),
]
# Entries whose heading says a U.S. post was established, raised to an embassy, or an
# interests section set up (docs/datasets.md, §4): the sentence with the day gives the post's
# kind and status from that day, and an interests section's protecting power where it names it.
ESTABLISHED_HEAD = re.compile(
    r"Establishment of (?:the )?(?:U\.S\.|American) "
    r"(Embassy|Legation|Liaison Office|Interests? Section)",
    re.I,
)
ESTABLISHED = re.compile(r"\b(?:established|opened)\b", re.I)
RAISED_HEAD = re.compile(r"\b(?:Elevation|Raised)\b.*\bEmbassy\b", re.I)
RAISED = re.compile(r"\b(?:elevat|rais)\w*\b[^.]*?\bEmbassy\b", re.I)
INTERESTS_HEAD = re.compile(r"\b(?:U\.S\.|United States) Interests? Section\b", re.I)
# ("U.S." ends in a stop: no word boundary after it.)
INTERESTS = re.compile(
    r"\b(?:U\.S\.|United States\b)[^.]*?\b(?:Interests? Sections?\b[^.]*?\bestablished"
    r"|established an Interests Section)\b",
    re.I,
)
PROTECTOR = re.compile(
    r"\b(?:in|at) the (\w+) Embassy\b|\bunder the protection of the (\w+) Government\b"
)
# The adjectives the chronology names protecting powers by, as ISO codes: the only words here
# typed by hand (docs/datasets.md, §4 and Q 8).
PROTECTORS = {"Swiss": "CH", "Spanish": "ES", "Belgian": "BE", "Netherlands": "NL", "Italian": "IT"}
POST_KINDS = {
    "embassy": "embassy",
    "legation": "legation",
    "liaison office": "liaison_office",
    "interests section": "interests_section",
    "interest section": "interests_section",
}
NAMED_POST = re.compile(r"\b(Embassy|Legation)\b", re.I)
EVENT_SUPPORTS_HEAD = ["summary"]
CLAIM_SUPPORTS = ["status", "status_since"]
POST_SUPPORTS = ["kind", "status", "status_since"]


@dataclass
class WantedEvent:
    ref: str
    date: dt.date
    precision: str
    kind: str
    summary: str
    countries: list[str]
    citations: list[Cite]


@dataclass
class Chronology:
    files: list[str] = field(default_factory=list)
    events: list[WantedEvent] = field(default_factory=list)
    claims: list[WantedMission] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _reading(element: ET.Element) -> str:
    return normalized("".join(element.itertext()))


def _country(title: str) -> str | None:
    """The article's country, by its short title (`Benin (Dahomey)`, `Bavaria*`): the State
    Department's name Kenkel's rows give a state, else ISO 3166-1 through the API's name table,
    else a former country of that name."""
    name = title.rstrip("*").strip().removeprefix("The ")
    by_usdos = _usdos_names()
    whole, _ = _names()
    for variant in _variants(name):
        if variant in by_usdos:
            return by_usdos[variant]
        code = whole.get(_words(variant))
        if code is not None:
            return code
        for historic in historic_countries().values():
            if _words(historic.name) == _words(variant):
                return historic.code
    return None


@cache
def _usdos_names() -> dict[str, str]:
    """Kenkel's State Department names, each with the one country its rows give it (a name
    two countries share, "Vietnam", is left out)."""
    codes = row_codes()
    found: dict[str, set[str]] = {}
    for system in KENKEL_FILES:
        for row in read_rows(system):
            if row["country_name_usdos"]:
                code = codes[(system, row["_text"])]
                found.setdefault(row["country_name_usdos"], set()).add(code)
    return {name: next(iter(codes)) for name, codes in found.items() if len(codes) == 1}


def _kind(section: str) -> str:
    for pattern, kind in KINDS:
        if pattern.search(section.lower()):
            return kind
    return "other"


def _date(head: str, paragraph: str) -> tuple[dt.date, str, bool] | None:
    """The entry's date, its precision, and whether the paragraph gave it (else the head)."""
    years = YEAR.findall(head)
    if years:
        year = int(years[0])
        for month, day, in_year in FULL_DATE.findall(paragraph):
            if int(in_year) == year:
                try:
                    return dt.date(year, MONTHS[month], int(day)), "day", True
                except ValueError:
                    continue
        for month, in_year in MONTH_YEAR.findall(paragraph):
            if int(in_year) == year:
                return dt.date(year, MONTHS[month], 1), "month", True
        return dt.date(year, 1, 1), "year", False
    for month, day, year_text in FULL_DATE.findall(paragraph):
        try:
            return dt.date(int(year_text), MONTHS[month], int(day)), "day", True
        except ValueError:
            continue
    return None


def slug_of(path: str) -> str:
    """An XML member's name without its folder and extension (`afghanistan`)."""
    return path.rsplit("/", 1)[-1].removesuffix(".xml")


def sentences(paragraph: str) -> list[str]:
    return [part.strip() for part in SENTENCE_END.split(paragraph) if part.strip()]


def placed(document: Document, quote: str, after: int) -> int | None:
    """Where the quote stands at or after a point of the file (its entry), if it does."""
    for found in document.occurrences(normalized(quote)):
        if found.start >= after:
            return found.start
    return None


def wanted(bundle: Bundle) -> Chronology:
    result = Chronology()
    for path in bundle.members(CONTAINER):
        file = bundle.read(path)
        result.files.append(path)
        document = bundle.document(path)
        root = ET.fromstring(file.text)
        title = root.find(".//{*}title[@type='short']")
        slug = slug_of(path)
        host = listed_code("rdcr", slug) or (
            _country("".join(title.itertext())) if title is not None else None
        )
        if host is None:
            name = "".join(title.itertext()) if title is not None else "?"
            problems = result.problems
            problems.append(Problem(path, 0, name, "its country is not one the API knows"))
            continue
        starts = [m.start() for m in re.finditer(r'<div\s+type="timeline"', file.text)]
        entries = [
            (section.get("{http://www.w3.org/XML/1998/namespace}id") or "", entry)
            for section in root.findall(".//{*}div")
            if section.get("type") == "section"
            for entry in section.findall("{*}div")
            if entry.get("type") == "timeline"
        ]
        for number, ((section, entry), at) in enumerate(zip(entries, starts, strict=False), 1):
            head_element = entry.find("{*}head")
            paragraph_element = entry.find("{*}p")
            if head_element is None or paragraph_element is None:
                continue
            head, paragraph = _reading(head_element), _reading(paragraph_element)
            found = _date(head, paragraph)
            if found is None:
                result.problems.append(Problem(path, 0, head, "no date in its heading or text"))
                continue
            day, precision, from_paragraph = found
            head_at = placed(document, head, at)
            paragraph_at = placed(document, paragraph, at)
            if head_at is None or paragraph_at is None:
                result.problems.append(Problem(path, 0, head, "its words are not found as read"))
                continue
            dated = ["date", "date_precision"]
            citations = [
                Cite(path, head, head_at, EVENT_SUPPORTS_HEAD + ([] if from_paragraph else dated)),
                Cite(path, paragraph, paragraph_at, dated if from_paragraph else None),
            ]
            result.events.append(
                WantedEvent(
                    ref=f"rdcr:{slug}:{number}",
                    date=day,
                    precision=precision,
                    kind=_kind(section),
                    summary=head,
                    countries=sorted({SENDER, host}),
                    citations=citations,
                )
            )
            _claims(result, path, document, host, paragraph, paragraph_at)
            _posts(result, path, document, host, head, paragraph, paragraph_at)
    return result


def _posts(
    result: Chronology,
    path: str,
    document: Document,
    host: str,
    head: str,
    paragraph: str,
    at: int,
) -> None:
    """A U.S. post that began operating on a day, where the heading says it was established,
    raised to an embassy or set up as an interests section, and one sentence gives the day
    (the first such sentence of the entry)."""
    established = ESTABLISHED_HEAD.search(head)
    interests = INTERESTS_HEAD.search(head) or (
        established and established.group(1).lower().startswith("interest")
    )
    raised = RAISED_HEAD.search(head)
    if not (established or interests or raised):
        return
    for sentence in sentences(paragraph):
        dates = FULL_DATE.findall(sentence)
        if len(dates) != 1:
            continue
        protector: str | None = None
        if interests and INTERESTS.search(sentence):
            kind = "interests_section"
            named = PROTECTOR.search(sentence)
            word = (named.group(1) or named.group(2)) if named else None
            protector = PROTECTORS.get(word) if word else None
            if word and protector is None:
                why = f"a protecting power the API cannot name: {word!r}"
                result.problems.append(Problem(path, 0, sentence, why))
        elif established and not interests and ESTABLISHED.search(sentence):
            kind = POST_KINDS[established.group(1).lower()]
        elif raised and RAISED.search(sentence):
            kind = "embassy"
        else:
            continue
        day = day_of(dates[0])
        start = placed(document, sentence, at)
        if day is None or start is None:
            continue
        supports = POST_SUPPORTS + (["protecting_power"] if protector else [])
        _mission(result, host).claims.append(
            WantedClaim(
                status="operating",
                kind=kind,
                valid_from=day,
                valid_to=None,
                effective_on=day,
                citations=[Cite(path, sentence, start, supports)],
                protecting_power=protector,
            )
        )
        return


def day_of(found: tuple[str, str, str]) -> dt.date | None:
    month, day, year = found
    try:
        return dt.date(int(year), MONTHS[month], int(day))
    except ValueError:
        return None


def _mission(result: Chronology, host: str) -> WantedMission:
    """The claims on the U.S. principal mission in a country."""
    mission = next((m for m in result.claims if m.host == host), None)
    if mission is None:
        mission = WantedMission(sending=SENDER, host=host)
        result.claims.append(mission)
    return mission


def _claims(
    result: Chronology, path: str, document: Document, host: str, paragraph: str, at: int
) -> None:
    """A status of the principal mission, where a sentence says one and its day."""
    for sentence in sentences(paragraph):
        for pattern, status in STATUS_WORDS:
            dates = FULL_DATE.findall(sentence)
            if not pattern.search(sentence) or len(dates) != 1:
                continue
            day = day_of(dates[0])
            start = placed(document, sentence, at)
            if day is None or start is None:
                continue
            post = NAMED_POST.search(sentence)
            _mission(result, host).claims.append(
                WantedClaim(
                    status=status,
                    kind=None,
                    valid_from=day,
                    valid_to=None,
                    effective_on=day,
                    citations=[Cite(path, sentence, start, CLAIM_SUPPORTS)],
                    named=post.group(1).lower() if post else None,
                )
            )
            break


def write(writer: Writer, wanted: Chronology) -> dict[str, int]:
    """The events, then the statuses of the principal missions they name."""
    writer.events(wanted.events, "rdcr:")
    written = writer.add_claims(wanted.claims, wanted.problems)
    return {"events": len(wanted.events), "mission_statuses": written}
