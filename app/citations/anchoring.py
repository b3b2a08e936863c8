"""Finding a quote in its source's text: where it stands (code-point offsets, as the W3C Web
Annotation TextPositionSelector gives them) and what surrounds it (TextQuoteSelector).

A quote matches the text when both read the same after normalization, the one comparison the
API makes everywhere (writes, imports, the seed, restores, a source's new text) and the README
states: every run of whitespace (`str.isspace`: spaces, tabs, line breaks, no-break spaces) is
one space, and leading and trailing whitespace is dropped; typographic quotation marks
(`“ ” „ ‟ « » ″`) are `"`, apostrophes and single quotation marks (`‘ ’ ‚ ‛ ′ ‹ ›`) are `'`, and
dashes and hyphens (`‐ ‑ ‒ – — ― −`) are `-`. Nothing else: case, accents, other punctuation
and ellipses (`…` is not `...`) must be as the text has them.

A text in XML (`application/xml`, `text/xml`, `*+xml`: the Office of the Historian's TEI files)
is compared as it reads: its markup (tags, comments, processing instructions, the declaration)
reads as nothing and its five named entities and character references as their characters, so
`The U.S. Embassy in <placeName>Kabul</placeName> suspended` reads "The U.S. Embassy in Kabul
suspended". Offsets still point into the text as stored.
"""

import bisect
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

CONTEXT = 32
"""How many characters of the text either side of a quote its `prefix` and `suffix` hold."""

# A text of INDEXED characters or more is searched through an index (`Document._positions`).
INDEXED = 65_536
GRAM, STEP = 8, 8
MAX_CANDIDATES = 256
HINTED = 100

_MARKS = str.maketrans(
    {
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033", '"'),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2039\u203a", "'"),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)
_SPACE = re.compile(r"\s+")


def normalized(text: str) -> str:
    """A quote as it is compared: see the module's docstring."""
    return _SPACE.sub(" ", text.translate(_MARKS)).strip()


def _context(text: str) -> str:
    """A prefix or suffix as it is compared: like a quote, but its edges keep their space."""
    return _SPACE.sub(" ", text.translate(_MARKS))


@dataclass(frozen=True)
class Anchor:
    """Where a quote stands in its source's text: `text[start:end]`, and up to `CONTEXT`
    characters of the text either side."""

    start: int
    end: int
    prefix: str
    suffix: str


# What XML markup is, and its references, as one alternation: a match with `ref` is a
# character reference or one of the five named entities; any other match is markup.
_XML = re.compile(
    r"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[|\]\]>|<![^>]*>|<[^>]*>"
    r"|&(?P<ref>#[0-9]+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);",
    re.DOTALL,
)


def is_xml(media_type: str | None) -> bool:
    """Whether a text of this media type is compared as XML reads."""
    kind = (media_type or "").split(";")[0].strip().lower()
    return kind in ("application/xml", "text/xml") or kind.endswith("+xml")


NOTHING = "\u200b"
"""What markup reads as in `xml_reading`: a zero-width space, which both engines' tokenizers
cut words at (neither a letter nor a digit) and a snippet drops."""

_BREAK = re.compile(r"</[^>]*>.*<[^/]|/>", re.DOTALL)
"""Markup that ends one element and starts another (`</p><p>`), or an empty one (`<lb/>`)."""


def xml_reading(original: str) -> str:
    """An XML text as it reads, of the same length: each character reference its character,
    each run of tags, comments and declarations `NOTHING`s (`Kabul</placeName>,` reads
    `Kabul,`, as quotes are compared) or, where it parts two elements or is an empty one
    (`</p><p>`, `<lb/>`), a space then `NOTHING`s. A position in it is the same position in the
    stored text, so the search index cuts a text's passages from it where it cuts the stored
    text (migration 0022): what is searched and shown is what the text says, and a hit points
    at the same characters of the text as stored."""
    pieces: list[str] = []
    at = 0
    run: list[str] = []

    def end_run() -> None:
        markup = "".join(run)
        first = " " if _BREAK.search(markup) else NOTHING
        pieces.append(first + NOTHING * (len(markup) - 1))
        run.clear()

    for match in _XML.finditer(original):
        reference = match.group("ref") is not None
        if run and (match.start() != at or reference):  # the run of markup ends
            end_run()
        if not run:
            pieces.append(original[at : match.start()])
        if reference:
            char = html.unescape(match.group(0))
            pieces.append(char + NOTHING * (len(match.group(0)) - len(char)))
        else:
            run.append(match.group(0))
        at = match.end()
    if run:
        end_run()
    pieces.append(original[at:])
    return "".join(pieces)


class Document:
    """A source's text, normalized once for finding quotes, with the way back from a position
    in the normalized text to one in the text as stored."""

    def __init__(self, original: str, xml: bool = False):
        self.original = original
        self._spans: list[tuple[int, int]] | None = None
        if xml:
            self._read_xml(original)
            return
        marked = original.translate(_MARKS)  # one character for one: positions unchanged
        pieces: list[str] = []
        # Where the normalized text has dropped characters: from normalized position
        # `breaks[k]` on, a position is `shifts[k]` less than in the original.
        self.breaks, self.shifts = [0], [0]
        at = dropped = 0
        for run in _SPACE.finditer(marked):
            pieces.append(marked[at : run.start()])
            pieces.append(" ")
            at = run.end()
            if run.end() - run.start() > 1:
                dropped += run.end() - run.start() - 1
                self.breaks.append(run.start() - dropped + (run.end() - run.start()))
                self.shifts.append(dropped)
        pieces.append(marked[at:])
        self.text = "".join(pieces)
        self._pieces: dict[str, list[int]] | None = None

    def _read_xml(self, original: str) -> None:
        """The text as XML reads, normalized: each character with the span of the stored text
        it stands for (a tag's neighbours, an entity's whole reference)."""
        out: list[str] = []
        spans: list[tuple[int, int]] = []

        def emit(text: str, at: int) -> None:
            for offset, char in enumerate(text.translate(_MARKS)):
                if char.isspace():
                    if out and out[-1] == " ":
                        continue
                    char = " "
                out.append(char)
                spans.append((at + offset, at + offset + 1))

        at = 0
        for match in _XML.finditer(original):
            emit(original[at : match.start()], at)
            reference = match.group("ref")
            if reference is not None:
                char = html.unescape(match.group(0))
                if char.isspace():
                    if not out or out[-1] != " ":
                        out.append(" ")
                        spans.append(match.span())
                else:
                    out.append(char.translate(_MARKS))
                    spans.append(match.span())
            at = match.end()
        emit(original[at:], at)
        self.text = "".join(out)
        self._spans = spans
        self.breaks, self.shifts = [0], [0]
        self._pieces = None

    def original_at(self, position: int) -> int:
        """The position in the stored text of the normalized text's character at `position`."""
        if self._spans is not None:
            return self._spans[position][0]
        return position + self.shifts[bisect.bisect_right(self.breaks, position) - 1]

    def original_end(self, position: int) -> int:
        """Where the normalized text's character at `position` ends in the stored text."""
        if self._spans is not None:
            return self._spans[position][1]
        return self.original_at(position) + 1

    def occurrences(self, quote: str) -> list[Anchor]:
        """Every place the (normalized) quote stands, in order."""
        found: list[Anchor] = []
        for at in self._positions(quote):
            start = self.original_at(at)
            end = self.original_end(at + len(quote) - 1)
            found.append(
                Anchor(
                    start,
                    end,
                    self.original[max(0, start - CONTEXT) : start],
                    self.original[end : end + CONTEXT],
                )
            )
        return found

    def _positions(self, quote: str) -> list[int]:
        """Where the quote starts in the normalized text. A long text is searched through a
        sparse index of its GRAM-character pieces at every STEP-th position, built on first
        use: each occurrence of a quote has one of its first STEP pieces indexed, so its
        candidates are a few dictionary lookups, not a scan of the whole text (which every
        quote would need, to know that it stands only once)."""
        index = self._index()
        if index is not None and len(quote) >= GRAM + STEP - 1:
            # Any STEP pieces in a row will do: the quote's first ones, else (words the text
            # repeats, such as the rows of a table that begin alike) its last, or others.
            last = len(quote) - GRAM - STEP + 1
            for first in dict.fromkeys((0, last, *(last * k // 8 for k in range(1, 8)))):
                candidates = _candidates(index, quote, first)
                if candidates is not None:
                    return sorted(
                        at for at in candidates if at >= 0 and self.text.startswith(quote, at)
                    )
        positions, at = [], self.text.find(quote)
        while at != -1:
            positions.append(at)
            at = self.text.find(quote, at + 1)
        return positions

    def _index(self) -> dict[str, list[int]] | None:
        if len(self.text) < INDEXED:
            return None
        if self._pieces is None:
            text, pieces = self.text, dict[str, list[int]]()
            for at in range(0, len(text) - GRAM + 1, STEP):
                pieces.setdefault(text[at : at + GRAM], []).append(at)
            self._pieces = pieces
        return self._pieces

    def closest(self, quote: str) -> str:
        """The passage of the text most like the quote's beginning (for a hint), as the text
        has it. Only the first HINTED characters are sought: the fuzzy search costs the
        quote's length times the text's."""
        match = fuzz.partial_ratio_alignment(quote[:HINTED], self.text)
        if match is None or match.dest_end <= match.dest_start:
            return ""
        start = self.original_at(match.dest_start)
        end = self.original_end(match.dest_end - 1)
        # Whole words: out to the whitespace either side (within a word's length).
        text = self.original
        for _ in range(30):
            if start == 0 or text[start - 1].isspace():
                break
            start -= 1
        for _ in range(30):
            if end == len(text) or text[end].isspace():
                break
            end += 1
        return text[start:end].strip()


def _candidates(index: dict[str, list[int]], quote: str, first: int) -> list[int] | None:
    """Where the quote may start, by its STEP pieces from `first` on (an occurrence has one
    of them indexed), or None where they stand too often to be worth checking one by one."""
    offsets = range(first, first + STEP)
    found = [index.get(quote[offset : offset + GRAM], ()) for offset in offsets]
    if sum(map(len, found)) > MAX_CANDIDATES:
        return None
    return [
        start - offset for offset, starts in zip(offsets, found, strict=True) for start in starts
    ]


class NotAnchored(ValueError):
    """Why a quote has no one place in a text: its `kind` is the 422's type."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _listed(anchors: Sequence[Anchor]) -> str:
    starts = [str(a.start) for a in anchors[:10]]
    more = f" and {len(anchors) - 10} more" if len(anchors) > 10 else ""
    return ", ".join(starts) + more


def anchor(
    text: Document,
    quote: str,
    *,
    start: int | None = None,
    prefix: str | None = None,
    suffix: str | None = None,
    hint: bool = True,
) -> Anchor:
    """The one place the quote stands: where it occurs once, there; where more than once,
    the occurrence `start` names, or the only one `prefix` and `suffix` fit."""
    wanted = normalized(quote)
    found = text.occurrences(wanted) if wanted else []
    if not found:
        closest = text.closest(wanted) if hint and wanted else ""
        said = f'; the closest passage is "{closest}"' if closest else ""
        raise NotAnchored("quote_not_found", f"is not in the source's text{said}")
    if len(found) == 1:
        return found[0]
    for candidate in found:
        if start is not None and candidate.start == start:
            return candidate
    fitting: list[Anchor] = []
    if prefix is not None or suffix is not None:
        fitting = [a for a in found if _fits(text, a, prefix, suffix)]
        if len(fitting) == 1:
            return fitting[0]
        if not fitting and prefix is not None and suffix is not None:
            # Words either side that no longer fit together (a text rewritten around the
            # quote): the one occurrence either fits, if only one does.
            before = [a for a in found if _fits(text, a, prefix, None)]
            after = [a for a in found if _fits(text, a, None, suffix)]
            either = {a.start: a for a in before + after}
            if len(either) == 1:
                return next(iter(either.values()))
    clues: list[str] = []
    if start is not None:
        clues.append(f"`start` {start} is not where it begins")
    if prefix is not None or suffix is not None:
        clues.append(f"`prefix`/`suffix` fit {'several' if fitting else 'none'} of them")
    why = f" ({'; '.join(clues)})" if clues else ""
    raise NotAnchored(
        "quote_ambiguous",
        f"occurs {len(found)} times in the source's text, starting at {_listed(found)}{why}: "
        "send `start` (one of those) or `prefix`/`suffix` (the words just before or after it) "
        "to say which",
    )


def _fits(text: Document, candidate: Anchor, prefix: str | None, suffix: str | None) -> bool:
    # Enough of the text either side for any run of whitespace the context may stand for.
    reach = 8 * max(len(prefix or ""), len(suffix or "")) + 256
    before = _context(text.original[max(0, candidate.start - reach) : candidate.start])
    after = _context(text.original[candidate.end : candidate.end + reach])
    return (prefix is None or before.endswith(_context(prefix).lstrip())) and (
        suffix is None or after.startswith(_context(suffix).rstrip())
    )
