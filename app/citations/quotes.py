"""Every quote written is checked against its source's text and anchored there, whichever way
it comes in (a POST, a PATCH, an import, a restore, the seed, a source's new text): the
fields of a record that hold quotes, the texts they are checked against, and the anchors
written with them."""

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Integer, String, Text, column, select, table

from app.citations.anchoring import Anchor, Document, NotAnchored, anchor, is_xml
from app.errors import Unprocessable, field_error
from app.kit.writing import KnownIds, Problem, RecordCheck

QUOTED_FIELDS = ("citations", "status_citations", "statements")
"""The fields of a record whose items each quote a source: `{source_id, quote, …}`."""

HINTS, HINT_SECONDS = 20, 1.0
"""How many quotes not found, in one request, get the closest passage of the text as a hint,
and for how long hints are sought: each costs a fuzzy search of the whole text (some 0.02 s
in a megabyte)."""

# The tables, seen from here without importing the sources package (which uses this one).
_source = table(
    "source", column("id", Integer), column("sha256", String), column("media_type", String)
)
_text = table("source_text", column("sha256", String), column("text", Text))

# Texts kept ready in each process: at most this many, and this many characters in all (a
# text kept costs a few times its size: the normalized copy and its index).
_CACHED, _CACHED_CHARACTERS = 16, 40_000_000
_cache: OrderedDict[tuple[str, bool], Document] = OrderedDict()
_lock = threading.Lock()


def _cached(key: tuple[str, bool]) -> Document | None:
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
        return found


def _keep(key: tuple[str, bool], text: Document) -> None:
    with _lock:
        _cache[key] = text
        while len(_cache) > 1 and (
            len(_cache) > _CACHED
            or sum(len(kept.original) for kept in _cache.values()) > _CACHED_CHARACTERS
        ):
            _cache.popitem(last=False)


def prepared_text(sha256: str, original: str, xml: bool = False) -> Document:
    """A text made ready for finding quotes (as XML reads, for an XML one), once per process:
    a text never changes under its hash."""
    found = _cached((sha256, xml))
    if found is None:
        found = Document(original, xml=xml)
        _keep((sha256, xml), found)
    return found


@dataclass
class Texts:
    """The texts of the sources one request quotes, read once each; None for a source without
    a text (its quotes are stored unverified)."""

    connection: Connection
    by_source: dict[int, Document | None] = field(default_factory=dict)
    hints_left: int = HINTS
    hint_deadline: float = field(default_factory=lambda: time.monotonic() + HINT_SECONDS)

    def load(self, source_ids: Iterable[int]) -> None:
        wanted = sorted({i for i in source_ids if i not in self.by_source})
        keys: dict[int, tuple[str, bool] | None] = {}
        for at in range(0, len(wanted), 1000):
            batch = wanted[at : at + 1000]
            c = _source.c
            query = select(c.id, c.sha256, c.media_type).where(c.id.in_(batch))
            keys |= {
                row.id: (row.sha256, is_xml(row.media_type)) if row.sha256 else None
                for row in self.connection.execute(query)
            }
        ready = {key: _cached(key) for key in set(keys.values()) if key is not None}
        unread = sorted({key for key, document in ready.items() if document is None})
        if unread:
            hashes = sorted({sha256 for sha256, _ in unread})
            query = select(_text.c.sha256, _text.c.text).where(_text.c.sha256.in_(hashes))
            texts: dict[str, str] = {row.sha256: row.text for row in self.connection.execute(query)}
            for sha256, xml in unread:
                ready[(sha256, xml)] = prepared_text(sha256, texts[sha256], xml)
        for source_id, key in keys.items():
            # Held here for the request, whatever the process's cache keeps.
            self.by_source[source_id] = None if key is None else ready[key]

    def of(self, source_id: int) -> Document | None:
        if source_id not in self.by_source:
            self.load([source_id])
        return self.by_source.get(source_id)


def quoted_items(data: dict[str, Any]) -> Iterator[tuple[list[str | int], dict[str, Any]]]:
    """Every quote a record holds, with where it is in the record."""
    for name in QUOTED_FIELDS:
        for index, item in enumerate(data.get(name) or []):
            yield [name, index], item


def anchor_item(texts: Texts, item: dict[str, Any]) -> None:
    """Sets the item's `start`, `end`, `prefix`, `suffix` and `verified` to where its quote
    stands in its source's text (all null, and `verified` false, for a source without one);
    `NotAnchored` if it stands nowhere, or in several places and the item does not say which."""
    text = texts.of(item["source_id"])
    if text is None:
        item.update(start=None, end=None, prefix=None, suffix=None, verified=False)
        return
    hint = texts.hints_left > 0 and time.monotonic() < texts.hint_deadline
    try:
        found = anchor(
            text,
            item["quote"],
            start=item.get("start"),
            prefix=item.get("prefix"),
            suffix=item.get("suffix"),
            hint=hint,
        )
    except NotAnchored as error:
        if error.kind == "quote_not_found" and hint:
            texts.hints_left -= 1
        raise
    item.update(
        start=found.start, end=found.end, prefix=found.prefix, suffix=found.suffix, verified=True
    )


def anchor_quotes(texts: Texts, data: dict[str, Any]) -> list[Problem]:
    """Anchors every quote of a record (see `anchor_item`); those that could not be."""
    items = list(quoted_items(data))
    texts.load(item["source_id"] for _, item in items)
    problems: list[Problem] = []
    for loc, item in items:
        try:
            anchor_item(texts, item)
        except NotAnchored as error:
            said = str(error).replace(
                "the source's text", f"the text of source {item['source_id']}"
            )
            problems.append(([*loc, "quote"], said, error.kind, item["quote"]))
    return problems


@dataclass
class QuotesCheck:
    """The `RecordCheck` of a record that quotes sources: each quote anchored in its source's
    text, each text read once a request."""

    texts: Texts

    def __call__(self, data: dict[str, Any]) -> list[Problem]:
        return anchor_quotes(self.texts, data)

    @property
    def found(self) -> KnownIds:
        """The sources its reads found (with a text or without): their reference check needs
        no query of its own."""
        return {(_source.name, "id"): set(self.texts.by_source)}


def quotes_check(connection: Connection) -> RecordCheck:
    """`WriteSpec.checks` for a record that quotes sources (`QuotesCheck`)."""
    return QuotesCheck(Texts(connection))


def anchored(connection: Connection, data: dict[str, Any]) -> None:
    """Anchors the quotes of a record's part written apart from it (a mission's restored status
    history); a 422 on each that cannot be."""
    problems = anchor_quotes(Texts(connection), data)
    if problems:
        raise Unprocessable([field_error(*problem) for problem in problems])


ANCHOR_COLUMNS = ("start_offset", "end_offset", "prefix", "suffix")
"""Where a stored quote (a citation, a talks statement) stands in its source's text."""


def stored_anchor(found: Anchor | None) -> dict[str, Any]:
    """An anchor as the columns that store it; all null for a quote of a source without text."""
    if found is None:
        return dict.fromkeys(ANCHOR_COLUMNS)
    values = (found.start, found.end, found.prefix, found.suffix)
    return dict(zip(ANCHOR_COLUMNS, values, strict=True))


def anchor_columns(item: dict[str, Any]) -> dict[str, Any]:
    """A checked quote's anchor as the columns that store it; a quote that was not anchored is
    a bug, not something to store."""
    if not isinstance(item.get("verified"), bool):
        raise RuntimeError(f"quote stored without being checked against its source: {item!r}")
    found = Anchor(item["start"], item["end"], item["prefix"], item["suffix"])
    return stored_anchor(found if item["verified"] else None)
