"""The search syntax people type (docs/search.md), read once and written for each engine:
SQLite FTS5's query language and PostgreSQL's `to_tsquery`.

- words: all must match (`kabul embassy`);
- `"a quoted phrase"`: its words in that order (an unclosed quote runs to the end);
- `-word`, `-"a phrase"`: must not match;
- `or` between words: either side (`kabul or kandahar`); `a b or c` is `(a b) or c`;
- `kab*`: words starting with `kab`.

Anything else is a word's part: `(`, `NEAR(`, `AND`, `:` or `&` have no meaning here, so odd
input searches for its words rather than failing in the engine. Case and diacritics are
folded by the index (`chargé` finds `Charge`), on both databases alike.
"""

import re
from dataclasses import dataclass

MAX_TERMS = 32
_TOKEN = re.compile(r'(-*)"([^"]*)"?|(-*)([^\s"]+)')


@dataclass(frozen=True)
class Term:
    text: str  # a word, or a phrase's words, as typed
    phrase: bool
    prefix: bool
    negated: bool


Group = tuple[Term, ...]
"""Terms that must all hold."""


@dataclass(frozen=True)
class Search:
    """A query: groups, any of which may hold."""

    groups: tuple[Group, ...]

    def fts5(self) -> str:
        """As an FTS5 MATCH expression: every term a quoted string, so nothing in it is read
        as FTS5 syntax."""
        return " OR ".join(f"({_fts5_group(group)})" for group in self.groups)

    def tsquery(self) -> str:
        """As `to_tsquery` input: every term a quoted operand (a phrase's words become
        `<->`)."""
        return " | ".join(f"({_ts_group(group)})" for group in self.groups)


def _has_words(text: str) -> bool:
    return any(character.isalnum() for character in text)


def _fts5_term(term: Term) -> str:
    quoted = '"' + term.text.replace('"', '""') + '"'
    return f"{quoted} *" if term.prefix else quoted


def _fts5_group(group: Group) -> str:
    expression = " AND ".join(_fts5_term(term) for term in group if not term.negated)
    for term in group:
        if term.negated:
            expression = f"({expression}) NOT {_fts5_term(term)}"
    return expression


def _ts_term(term: Term) -> str:
    # Cut into words as the index was (migration 0016) and as SQLite's tokenizer does: every
    # run of characters other than letters and digits is a space.
    words = " ".join("".join(c if c.isalnum() else " " for c in term.text).split())
    quoted = f"'{words}'"
    quoted = f"{quoted}:*" if term.prefix else quoted
    return f"!{quoted}" if term.negated else quoted


def _ts_group(group: Group) -> str:
    return " & ".join(_ts_term(term) for term in group)


def parse(text: str) -> Search:
    """The query in `text`; ValueError, saying why, when it has nothing to search for."""
    groups: list[list[Term]] = [[]]
    count = 0
    for match in _TOKEN.finditer(text):
        minus_phrase, phrase, minus_word, word = match.groups()
        if phrase is None and word.lower() == "or":
            if groups[-1]:
                groups.append([])
            continue
        negated = bool(minus_phrase if phrase is not None else minus_word)
        value = phrase if phrase is not None else word
        prefix = phrase is None and value.endswith("*")
        value = value.rstrip("*") if prefix else value
        value = " ".join(value.split())
        if not _has_words(value):
            continue  # punctuation alone: nothing the index holds
        count += 1
        if count > MAX_TERMS:
            raise ValueError(f"at most {MAX_TERMS} words and phrases")
        groups[-1].append(Term(value, phrase is not None, prefix, negated))
    kept = [group for group in groups if group]
    if not kept:
        raise ValueError("has no words to search for (letters or digits)")
    if any(all(term.negated for term in group) for group in kept):
        raise ValueError(
            "needs a word to find beside the excluded ones (`-word` only leaves out what "
            "the other words find)"
        )
    return Search(tuple(tuple(group) for group in kept))
