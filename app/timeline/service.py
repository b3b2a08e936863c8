"""The timeline: the `timeline` view paged by the list machine, each row given a title, its
record's URL and its citations."""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from app.citations.models import RecordType
from app.citations.service import RECORD_PATHS, load_citations_of_kinds
from app.countries.service import country_table
from app.kit.spec import Embed, FilterFn, ListSpec, Row
from app.timeline.models import TimelineKind, timeline_entry, timeline_scope

tl = timeline_entry.c
ts = timeline_scope.c

RECORD_TYPES: dict[str, RecordType] = {
    TimelineKind.talks: RecordType.talks,
    TimelineKind.measure: RecordType.measure,
    TimelineKind.mission_status: RecordType.mission_status,
    TimelineKind.headcount: RecordType.headcount,
    TimelineKind.event: RecordType.event,
    TimelineKind.dispute: RecordType.visa_dispute,
}
KINDS_OF = {record_type: kind for kind, record_type in RECORD_TYPES.items()}


def _load_citations(connection: Connection, keys: list[Any]) -> Mapping[Any, list[Any]]:
    """Citations of a page of items, of every kind on the page in one query."""
    ids: dict[RecordType, list[int]] = {}
    for key in keys:
        kind, _, record_id = key.partition(":")
        ids.setdefault(RECORD_TYPES[kind], []).append(int(record_id))
    return {
        f"{KINDS_OF[record_type]}:{record_id}": citations
        for (record_type, record_id), citations in load_citations_of_kinds(connection, ids).items()
    }


def _involving(entry: Any) -> FilterFn:
    """Entries (of `entry`'s columns `kind` and `id`) that involve every country named: their
    scopes include each as a country. The number of wanted countries is counted in the country
    table, where each ISO code is once."""

    def involving(isin: Any) -> ColumnElement[bool]:
        wanted = select(func.count()).select_from(country_table).where(isin(country_table.c.code))
        scope = timeline_scope.alias("involved")
        found = (
            select(func.count())
            .select_from(scope)
            .where(scope.c.kind == entry.kind, scope.c.id == entry.id, isin(scope.c.scope))
        )
        return found.scalar_subquery() == wanted.scalar_subquery()

    return involving


def scope_of(countries: list[str]) -> tuple[str, list[str]]:
    """The scope `countries=` walks (one country, or the first two in order: `RU|US`) and the
    countries past those two, each also involved."""
    codes = list(dict.fromkeys(countries))
    first = sorted(codes[:2])
    return "|".join(first), codes[2:]


def _words(value: str | None) -> str:
    return (value or "").replace("_", " ")


def _pair(row: Row) -> str:
    return "–".join(c for c in (row["country_a"], row["country_b"]) if c)


def _title(row: Row) -> str:
    """One line from the columns the view gives each kind (see migration 0003)."""
    kind, a, b = row["kind"], row["country_a"], row["country_b"]
    subject, state, number, label = row["subject"], row["state"], row["number"], row["label"]
    if kind == TimelineKind.talks:
        place = f"Talks in {subject}" if subject else "Talks"
        pair = f" ({_pair(row)})" if a else ""
        return f"{place}{pair}: {_words(state)}"
    if kind == TimelineKind.measure:
        what = f"{_words(subject).capitalize()} {state}: {a} → {b}"
        count = f", {number} diplomats" if number is not None else ""
        return f"{what}{count}" + (f" ({label})" if label else "")
    if kind == TimelineKind.mission_status:
        where = f"{label} ({b})" if label else b
        return f"{a} {_words(subject)} in {where}: {state}"
    if kind == TimelineKind.headcount:
        return f"{a} → {b} {_words(subject)} staff: {number} ({state})"
    if kind == TimelineKind.dispute:
        return f"Visa dispute opened ({_pair(row)}): {label}"
    return str(label or "")


def _shape(row: Row) -> Row:
    kind = row["kind"]
    path = RECORD_PATHS[RECORD_TYPES[kind]] if kind in RECORD_TYPES else None
    return {
        "key": row["key"],
        "kind": kind,
        "id": row["id"],
        "date": row["date"],
        "date_precision": row["date_precision"],
        "title": _title(row) if kind else None,
        "url": path.format(id=row["page_id"]) if path else None,
        "citations": row["citations"],
    }


TIMELINE_LIST = ListSpec(
    noun="timeline item",
    columns=list(timeline_entry.c),
    id_column=tl.key,
    sorts={"date": tl.date},
    default_sort="date",
    filters={"countries": _involving(tl), "kinds": tl.kind},
    date_column=tl.date,
    embeds=[Embed("citations", _load_citations)],
    shape=_shape,
)

# `countries=` as the endpoint serves it: the entries of one scope (`scope_of`), in the scope's
# own date order (TIMELINE_LIST's `countries` gives the same, walking every entry).
TIMELINE_SCOPED = replace(
    TIMELINE_LIST,
    columns=[ts[c.key] if c.key in ("key", "date") else c for c in timeline_entry.c],
    id_column=ts.key,
    sorts={"date": ts.date},
    filters={"scope": ts.scope, "also": _involving(ts), "kinds": ts.kind},
    where=[tl.kind == ts.kind, tl.id == ts.id],
    date_column=ts.date,
)
