"""PostgreSQL's snippets, made here (docs/search.md, "Snippets"): a text with the query's
words marked, whole if it is short, else the window of `SNIPPET_WORDS` words where the most of
them stand, as SQLite's `snippet()` gives it.

`ts_headline` parses and looks up every word of every text it is given: 2.5 ms of a 3.5 ms
search for the 38 quotes of `kabul`, 8 ms for the 46 passages of 2,000 characters on `charg*`'s
page. Here the words are looked for as written in the query, capitalized and in capitals
(`str.find`), else by a pattern that takes any case and any diacritic of a Latin letter
(`Gdańsk` for `gdansk`), and every form is marked within the window. A text in which no word
is found (a letter folded by the index's `unaccent` that is not a Latin letter with a
diacritic: `ß`, `ø`, `ﬁ`) is left to `ts_headline`."""

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from app.kit.search import Search

OPEN, CLOSE = "\ue000", "\ue001"
"""What the engines put around a matched word: private-use characters, which no text holds,
turned into `<mark>` once the rest is HTML-escaped."""
SNIPPET_WORDS = 24
SHORT = 10 * SNIPPET_WORDS
"""A text up to this many characters is its own snippet on PostgreSQL, whole."""
_WORD = re.compile(r"[^\W_]+")
"""A word as both indexes read one: a run of letters and digits."""
_JOINED = 24
"""The most characters a snippet reaches past its words to the next space."""
_REACH = 6 * SNIPPET_WORDS
"""About as many characters as a snippet's words take."""


def _variants() -> dict[str, str]:
    """Each lower-case letter of the Latin alphabet and the letters that are it with a
    diacritic (`e`: `èéêë…`), as the index folds them."""
    found: dict[str, str] = {}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        letter = chr(code)
        base = unicodedata.normalize("NFKD", letter)[0].lower()
        if base.isascii() and base.isalpha() and base != letter.lower():
            found[base] = found.get(base, "") + letter
    return found


_VARIANTS = _variants()


@dataclass(frozen=True)
class _Word:
    """A word of a query as it is looked for in a text."""

    letters: str  # lower case, without diacritics
    prefix: bool  # else only the whole word
    anyhow: re.Pattern[str]  # with or without diacritics, in any case


@lru_cache(maxsize=256)
def _words(search: Search) -> tuple[_Word, ...]:
    """The words of a query, each once; not the excluded ones, which SQLite does not mark
    either (`ts_headline` did)."""
    found: dict[str, bool] = {}
    for group in search.groups:
        for term in group:
            if term.negated:
                continue
            words = [word.lower() for word in term.words()]
            for n, word in enumerate(words):
                letters = _folded(word)
                prefix = term.prefix and n == len(words) - 1
                if letters:  # not a mark alone, as `²` is not
                    found[letters] = found.get(letters, False) or prefix
    return tuple(
        _Word(
            letters,
            prefix,
            re.compile(
                "".join(f"[{re.escape(c)}{_VARIANTS.get(c, '')}]" for c in letters),
                re.IGNORECASE,
            ),
        )
        for letters, prefix in found.items()
    )


@lru_cache(maxsize=256)
def _phrasing(search: Search) -> tuple[tuple[tuple[int, ...], ...], frozenset[int]]:
    """The query's phrases of two words or more, as their words' places in `_words`, and the
    words that stand in it alone (marked wherever they are; a phrase's, only where the phrase
    is, as SQLite marks them)."""
    index = {word.letters: n for n, word in enumerate(_words(search))}
    phrases: list[tuple[int, ...]] = []
    free: set[int] = set()
    for group in search.groups:
        for term in group:
            if term.negated:
                continue
            words = [word.lower() for word in term.words()]
            places = tuple(index[letters] for word in words if (letters := _folded(word)))
            if term.phrase and len(places) > 1:
                phrases.append(places)
            else:
                free.update(places)
    return tuple(phrases), frozenset(free)


def _folded(word: str) -> str:
    """A word without its diacritics."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _places(text: str, word: _Word, thorough: bool) -> list[tuple[int, int]]:
    """Where `word` is a word of `text` (start, end; of a prefix, the word it begins): as in the
    query, capitalized or in capitals (`str.find`, fast), else (or `thorough`ly) in any case
    and with any diacritics (ten times slower over a page of passages)."""
    found = []
    if not thorough:
        for form in {word.letters, word.letters.capitalize(), word.letters.upper()}:
            at = text.find(form)
            while at >= 0:
                found.append(at)
                at = text.find(form, at + 1)
    if not found:
        found = [match.start() for match in word.anyhow.finditer(text)]
    places = []
    for at in found:
        end = at + len(word.letters)
        if at > 0 and text[at - 1].isalnum():
            continue  # inside a word
        if end < len(text) and text[end].isalnum():
            if not word.prefix:
                continue  # a longer word
            whole = _WORD.match(text, at)  # a prefix's word
            end = whole.end() if whole else end
        places.append((at, end))
    return places


def snippet(text: str | None, search: Search) -> str | None:
    """The text's snippet with the query's words between `OPEN` and `CLOSE` (not yet escaped):
    the whole of a short text, else the `SNIPPET_WORDS` words around the first place where
    the most of the query's words stand within `_REACH`, `…` where the text goes on. None
    where no word of the query is found in it."""
    if not text:
        return None
    words = _words(search)
    if len(text) <= SHORT:
        return _marked(text, search)
    found = sorted(
        (at, n) for n, word in enumerate(words) for at, _ in _places(text, word, thorough=False)
    )[:200]
    if not found:
        return None
    best, last, most = found[0][0], found[0][0], 0
    for position, (at, _) in enumerate(found):
        near: dict[int, int] = {}  # each word's first place within reach
        for other, n in found[position:]:
            if other >= at + _REACH:
                break
            near.setdefault(n, other)
        if len(near) > most:
            best, last, most = at, max(near.values()), len(near)
        if most == len(words):
            break  # the first place with every word
    shown = _around(text, best, last, search)
    if shown is None:  # the words near, not the phrase they are in: around a phrase, if any
        spans = _spans(text, search)
        shown = _around(text, spans[0][0], spans[0][1], search) if spans else None
    return shown


def _around(text: str, best: int, last: int, search: Search) -> str | None:
    """The `SNIPPET_WORDS` words of `text` around `best` to `last`, marked, `…` where the text
    goes on; None if no word is marked there."""
    # The words around, from a stretch of the text (cutting a whole passage into words
    # took 0.1 ms).
    lo, hi = max(0, best - _REACH), min(len(text), last + _REACH)
    tokens = [match.span() for match in _WORD.finditer(text, lo, hi)]
    if lo > 0 and text[lo - 1].isalnum():
        tokens = tokens[1:]  # a word cut
    if hi < len(text) and text[hi].isalnum():
        tokens = tokens[:-1]
    if not tokens:  # one word longer than the stretch (a hash, a run of digits)
        return None
    starts = [at for at, _ in tokens]
    first = max(0, bisect_right(starts, best) - 1)
    final = max(first, bisect_right(starts, last) - 1)
    start = max(0, first - (SNIPPET_WORDS - (final - first + 1)) // 2)
    end = min(len(tokens), start + SNIPPET_WORDS)
    start = max(0, end - SNIPPET_WORDS)
    begin = 0 if start == 0 and lo == 0 else _spaced(text, starts[start], -1)
    stop = (
        len(text)
        if end == len(tokens) and hi == len(text)
        else _spaced(text, tokens[end - 1][1], 1)
    )
    shown = _marked(text[begin:stop], search)
    if shown is None:
        return None
    return ("…" if begin else "") + shown + ("…" if stop < len(text) else "")


def _spaced(text: str, at: int, way: int) -> int:
    """Where the run of text without a space that `at` is in begins (`way` -1) or ends (1),
    if within `_JOINED` characters: a snippet does not start at the `S` of `U.S.`, nor end
    inside an address."""
    edge = at
    while 0 < edge < len(text) and abs(edge - at) < _JOINED:
        if text[edge - 1 if way < 0 else edge].isspace():
            return edge
        edge += way
    return edge if edge in (0, len(text)) else at


def _spans(text: str, search: Search) -> list[tuple[int, int]]:
    """Where the query's words are in `text`, in any form, in order: a word that stands alone
    in the query wherever it is, a phrase's words where they follow each other as in it (with
    only what is not a letter or digit between them: `U.S. diplomats`)."""
    words = _words(search)
    phrases, free = _phrasing(search)
    places = [_places(text, word, thorough=True) for word in words]
    kept = [place for n in free for place in places[n]]
    ends = [dict(found) for found in places]
    for phrase in phrases:
        for at, end in places[phrase[0]]:
            run = [(at, end)]
            for n in phrase[1:]:
                following = _WORD.search(text, run[-1][1])
                if following is None or following.start() not in ends[n]:
                    break
                run.append((following.start(), ends[n][following.start()]))
            else:
                kept += run
    return sorted(kept)


def _marked(text: str, search: Search) -> str | None:
    """The text with the query's words in it marked (`_spans`); None if none is."""
    spans = _spans(text, search)
    if not spans:
        return None
    pieces, done = [], 0
    for at, end in spans:
        if at >= done:  # not inside the last
            pieces += [text[done:at], OPEN, text[at:end], CLOSE]
            done = end
    return "".join([*pieces, text[done:]])
