"""The Office of the Historian's chiefs of mission (hsg-office-historian, docs/datasets.md §5):
`pocom_chiefs_of_mission.csv`, one row per U.S. chief of mission, as officials with their posts.

| CSV column | field |
|---|---|
| `person_id` | `official.ref` = `pocom:{person_id}` (one official per person) |
| `person_name`, `birth`, `death`, `career_type` | `official.name`, `born`, `died`, `career` |
| latest post's `role_title` | `official.title` |
| `chief_id` | `official_post.ref` = `pocom:{chief_id}` (`…:2` for its second row) |
| `contemporary_territory_id`, else `territory_id` | `official_post.host_country` (below) |
| `role_title`, `role_title_id` | `title`, `title_id` |
| `appointed_date`, `appointed_note` | `appointed_on` (+ precision), `appointed_note` |
| `arrived_date` | `arrived_on` (+ precision) |
| `started_date`, `started_note` | `credentials_on` (+ precision), `started_note` |
| `ended_date`, `ended_note` | `left_on` (+ precision), `ended_note` |
| `note` | `note` |

A date `YYYY-MM` is the month's first day, precision `month`; `YYYY` the year's, `year`. The
sending state is the U.S.; the post's mission is the host's principal mission (Kenkel's) when
it had a status in force on the day of credentials (else of appointment): otherwise none, and
the row is reported. A territory is a country by its name (ISO 3166-1's, else a former
country's), a year suffix dropped (`czechoslovakia-1993`); `seed/datasets/countries.yaml` lists the
slugs whose words name no country, and the states no other list has (Texas, Hawaii: `XTEX`,
`XHAW`); china.xml's six chiefs "resident at Taipei" (1953–1979) are Taiwan's, as Kenkel codes
it. Every official cites its person's first row (`supports` name, born, died, career);
every post its own row (the fields it fills)."""

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from app.citations.anchoring import normalized
from app.citations.models import RecordType
from app.country_codes import _names, _words
from app.datasets.bundle import Bundle
from app.datasets.rdcr import FULL_DATE, WantedEvent, day_of, placed, sentences, slug_of
from app.datasets.wanted import Cite, Problem, WantedRecord
from app.datasets.writer import Writer
from app.historic_countries import historic_countries, listed_code
from app.officials.service import OFFICIAL_LIST
from app.posts.service import POST_LIST

PATH = "pocom_chiefs_of_mission.csv.gz"
MISSIONS = "pocom-missions-countries.zip"
# china.xml's chiefs whose note says "Commissioned to (the Republic of) China; resident at
# Taipei." were posted to Taiwan, which Kenkel codes apart (COW's TAW: TW).
TAIPEI = "resident at Taipei"
NOTE_SUPPORTS = ["summary", "date", "date_precision"]
SENDER = "US"
PREFIX = "pocom:"
OFFICIAL_SUPPORTS = ["name", "born", "died", "career"]
# Each date column, the post's fields it fills.
DATES = {
    "appointed_date": ("appointed_on", "appointed_precision"),
    "arrived_date": ("arrived_on", "arrived_precision"),
    "started_date": ("credentials_on", "credentials_precision"),
    "ended_date": ("left_on", "left_precision"),
}
TEXTS = {
    "role_title": "title",
    "role_title_id": "title_id",
    "appointed_note": "appointed_note",
    "started_note": "started_note",
    "ended_note": "ended_note",
    "note": "note",
}


@dataclass
class WantedPost:
    official_ref: str
    record: WantedRecord
    line: int
    text: str


@dataclass
class PocomWanted:
    files: list[str]
    officials: list[WantedRecord] = field(default_factory=list)
    posts: list[WantedPost] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[WantedEvent] = field(default_factory=list)


def country_of(slug: str) -> str | None:
    """A pocom territory's country code (None: it has none)."""
    if listed := listed_code("pocom", slug):
        return listed
    words = _words(re.sub(r"-\d{4}$", "", slug))
    whole, _ = _names()
    if words in whole:
        return whole[words]
    former = {_words(entry.name): code for code, entry in historic_countries().items()}
    return former.get(words)


def partial_date(text: str) -> tuple[dt.date, str] | None:
    """`YYYY-MM-DD`, `YYYY-MM` (its first day, `month`) or `YYYY` (`year`); None when empty.
    Raises ValueError for anything else."""
    if not text:
        return None
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), 1, 1), "year"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return dt.date.fromisoformat(f"{text}-01"), "month"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text), "day"
    raise ValueError(f"not a date: {text!r}")


def _year(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _post_values(record: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column, (day, precision) in DATES.items():
        found = partial_date(record[column])
        values[day], values[precision] = found if found else (None, None)
    for column, name in TEXTS.items():
        values[name] = record[column] or None
    return values


def _latest(post: WantedPost) -> tuple[dt.date, int]:
    v = post.record.values
    day = v["credentials_on"] or v["appointed_on"] or v["left_on"] or dt.date.min
    return day, post.line


def wanted(bundle: Bundle) -> PocomWanted:
    """What the chiefs file says, as officials and posts (their mission found at writing)."""
    result = PocomWanted(files=[PATH])
    notes(bundle, result)
    text = bundle.read(PATH).text
    lines = text.splitlines()
    offsets, position = [], 0
    for line in text.splitlines(keepends=True):
        offsets.append(position)
        position += len(line)
    people: dict[str, WantedRecord] = {}
    seen: dict[str, int] = {}  # three chief ids stand twice (a chargé, then ambassador)
    for number, record in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        row = lines[number - 1]
        slug = record["contemporary_territory_id"] or record["territory_id"]
        host = country_of(slug)
        if host == "CN" and TAIPEI in record["note"]:
            host = "TW"  # the ambassadors to the Republic of China, 1953–1979: Kenkel's Taiwan
        if host is None:
            result.problems.append(Problem(PATH, number, row, f"no country code for {slug!r}"))
            continue
        try:
            values = _post_values(record)
        except ValueError as error:
            result.problems.append(Problem(PATH, number, row, str(error)))
            continue
        official_ref = PREFIX + record["person_id"]
        if official_ref not in people:
            people[official_ref] = WantedRecord(
                ref=official_ref,
                values={
                    "name": record["person_name"],
                    "country": SENDER,
                    "title": None,
                    "born": _year(record["birth"]),
                    "died": _year(record["death"]),
                    "career": record["career_type"] or None,
                },
                citations=[Cite(PATH, row, offsets[number - 1], OFFICIAL_SUPPORTS)],
            )
        values = {"sending_country": SENDER, "host_country": host, **values}
        # The row names the chief and the host; sending_country is the data set's, not the row's.
        supports = ["official_id"] + [k for k, v in values.items() if v and k != "sending_country"]
        ref = PREFIX + record["chief_id"]
        seen[ref] = seen.get(ref, 0) + 1
        record_of_post = WantedRecord(
            ref=ref if seen[ref] == 1 else f"{ref}:{seen[ref]}",
            values=values,
            citations=[Cite(PATH, row, offsets[number - 1], supports)],
        )
        result.posts.append(WantedPost(official_ref, record_of_post, number, row))
    by_person: dict[str, list[WantedPost]] = {}
    for post in result.posts:
        by_person.setdefault(post.official_ref, []).append(post)
    for ref, official in people.items():
        official.values["title"] = max(by_person[ref], key=_latest).record.values["title"]
    result.officials = list(people.values())
    return result


def notes(bundle: Bundle, result: PocomWanted) -> None:
    """Each mission file's notes (`<mission-note><text>`, plain prose): an event between the
    U.S. and the file's country, dated by the note's first full date, summed up by its first
    sentence, cited by the whole note as it reads (the file is a source)."""
    for path in bundle.members(MISSIONS):
        file = bundle.read(path)
        result.files.append(path)
        slug = slug_of(path)
        root = ET.fromstring(file.text)
        texts = [note.find("text") for note in root.iter("mission-note")]
        if not texts:
            continue
        host = country_of(slug)
        document = bundle.document(path)
        starts = [m.start() for m in re.finditer(r"<mission-note>", file.text)]
        for number, (element, at) in enumerate(zip(texts, starts, strict=True), start=1):
            note = normalized("".join(element.itertext())) if element is not None else ""
            dates = FULL_DATE.findall(note)
            day = day_of(dates[0]) if dates else None
            start = placed(document, note, at) if note else None
            if host is None or day is None or start is None:
                why = (
                    f"no country code for {slug!r}"
                    if host is None
                    else "no full date in the note"
                    if day is None
                    else "its words are not found as read"
                )
                result.problems.append(Problem(path, 0, note, why))
                continue
            result.notes.append(
                WantedEvent(
                    ref=f"{PREFIX}{slug}:note:{number}",
                    date=day,
                    precision="day",
                    kind="mission_note",
                    summary=sentences(note)[0],
                    countries=sorted({SENDER, host}),
                    citations=[Cite(path, note, start, NOTE_SUPPORTS)],
                )
            )


def write(writer: Writer, wanted: PocomWanted) -> dict[str, int]:
    """The officials, then their posts, each post with its mission where one was in force;
    the missions' notes."""
    writer.events(wanted.notes, PREFIX)
    officials = writer.records(OFFICIAL_LIST, RecordType.official, PREFIX, wanted.officials)
    in_force = writer.principal_in_force(SENDER)
    posts: list[WantedRecord] = []
    for post in wanted.posts:
        v = post.record.values
        day = v["credentials_on"] or v["appointed_on"]
        mission_id = in_force(v["host_country"], day) if day else None
        if mission_id is None:
            when = f"on {day.isoformat()}" if day else "(no date of credentials or appointment)"
            wanted.problems.append(
                Problem(
                    PATH,
                    post.line,
                    post.text,
                    f"no principal U.S. mission in {v['host_country']} in force {when}: "
                    "loaded without a mission",
                    loaded=True,
                )
            )
        values = {"official_id": officials.ids[post.official_ref], "mission_id": mission_id}
        posts.append(WantedRecord(post.record.ref, values | v, post.record.citations))
    written = writer.records(POST_LIST, RecordType.official_post, PREFIX, posts)
    writer.remove(POST_LIST, RecordType.official_post, written.gone)
    writer.remove(OFFICIAL_LIST, RecordType.official, officials.gone)
    writer.log("posts", POST_LIST, written.before, written.ids.values(), gone=written.gone)
    writer.log(
        "officials", OFFICIAL_LIST, officials.before, officials.ids.values(), gone=officials.gone
    )
    return {"officials": len(wanted.officials), "posts": len(posts), "notes": len(wanted.notes)}
