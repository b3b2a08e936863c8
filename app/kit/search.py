"""Full-text search's shared machinery (docs/search.md): the syntax people type, read once and
written for each engine (SQLite FTS5's query language, PostgreSQL's `to_tsquery`), and the
scores of a list's records for its `q`.

- words: all must match (`kabul embassy`);
- `"a quoted phrase"`: its words in that order (an unclosed quote runs to the end);
- `-word`, `-"a phrase"`: must not match;
- `or` between words: either side (`kabul or kandahar`); `a b or c` is `(a b) or c`, and a
  `-word` belongs to its side (as in PostgreSQL's `websearch_to_tsquery`); `or` first or last
  is the word `or`;
- `“curly quotes”` are quotes;
- `kab*`: words starting with `kab`.

Nothing else has a meaning: `AND` and `NEAR` are words, and `(`, `:` or `&` separate words as
any character but a letter or digit does, so odd input searches for its words rather than
failing in the engine. Case and diacritics are
folded by the index (`chargé` finds `Charge`), on both databases alike.
"""

import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from pydantic_core import PydanticCustomError
from sqlalchemy import BigInteger, Column, Connection, Float, String, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.selectable import TextualSelect
from starlette.requests import Request

from app.country_codes import other_names, words_of
from app.db import time_limited, timed_out
from app.errors import Unprocessable

SYNTAX = (
    "Words as people type them into a search engine: `kabul embassy` (every word), "
    '`"persona non grata"` (a phrase), `-consulate` (not this word), `kabul or kandahar` '
    "(either; `a b or c` is `(a b) or c`, a `-word` belongs to its side), `kab*` (words "
    "starting with `kab`). Case and diacritics do not matter "
    "(`charge` finds `Chargé`, `gdansk` finds `Gdańsk`); words are matched whole, not "
    "stemmed (`expel*` finds `expelled`). Nothing else has a meaning: `AND` and `NEAR` are "
    "words, and any other character but a letter or digit (`(`, `.`, `-`) separates words, "
    'in the query as in the texts (`U.S.` is the phrase `"u s"`). A country\'s everyday '
    "name also finds its ISO 3166-1 name, which the records' titles use (`russia` finds "
    "`Russian Federation`, `ivory coast` `Côte d'Ivoire`, `-russia` leaves both out)."
)
COLUMN_WEIGHTS = {"title": 4.0, "body": 1.0, "kind": 0.0}
"""SQLite's ranking: a word in an entry's title counts four times one in its body (and its
`kind` column, which only filters, nothing)."""
BM25_WEIGHTS = ", ".join(str(weight) for weight in COLUMN_WEIGHTS.values())
BM25 = f"bm25({BM25_WEIGHTS})"


def ts_rank(query: str = "query") -> str:
    """PostgreSQL's ranking of an entry `i` for the `tsquery` `query`: `ts_rank_cd` over the
    entry's length (normalization 2; a word in its title weighs 1, in its body 0.4). Over
    1 + log of it (normalization 1, migration 0029), a 2,000-character passage of a data
    set's CSV that held `consul` in every row came before every record whose title held it:
    of the top 10 of 20 searches, 98 were passages (SQLite, 24), and 98 of 200 hits were
    SQLite's; 18 and 158 so. The score is the entry's own still, so a word's can be kept
    (`common_words`)."""
    return f"CAST(ts_rank_cd(i.document, {query}, 2) AS FLOAT)"


MAX_TERMS = 32
NO_WORDS = "no_words_to_find"
"""The 422 type of a query with nothing to find: no letter or digit, or only excluded words."""
UNREADABLE = "\ufffd"
"""What a query string's bytes that are not UTF-8 are read as (U+FFFD)."""
TOO_LONG = "search_took_too_long"
"""The 422 type of a search stopped at `SEARCH_TIME_LIMIT_MS` (`time_bound`)."""
QUOTES = str.maketrans(dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\uff02", '"'))
"""Typographic double quotes (“…”, „…“, «…», as phones and word processors type them) are
a phrase's quotes too."""
_TOKEN = re.compile(r'(-*)"([^"]*)"?|(-*)([^\s"]+)')


@dataclass(frozen=True)
class Term:
    text: str  # a word, or a phrase's words, as typed
    phrase: bool
    prefix: bool
    negated: bool

    def words(self) -> list[str]:
        """Its words as the index cuts them (migration 0016) and SQLite's tokenizer does: every
        run of characters other than letters and digits is a space."""
        return "".join(c if c.isalnum() else " " for c in self.text).split()


def folded(text: str) -> str:
    """Lower case, diacritics gone, as both indexes fold a word (NFD, not NFKD: "ﬁ" is not "fi"
    to FTS5)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


Group = tuple[Term, ...]
"""Terms that must all hold."""


@dataclass(frozen=True)
class Search:
    """A query: groups, any of which may hold."""

    groups: tuple[Group, ...]

    def fts5(self, kinds: Sequence[str] = ()) -> str:
        """As an FTS5 MATCH expression over the entries' title and body: every term a quoted
        string, so nothing in it is read as FTS5 syntax. With `kinds`, only entries of those
        kinds (the index's `kind` column: FTS5 intersects the two lists of matches itself).

        That is what a list's `q` does, but the quotes': broad words and a small kind
        (`q=embassy` on events: 21,000 entries match, a thousand are events) cost a seventh of
        reading every match's entry to look at its kind. But bm25 counts the entries that hold
        each term of the query, the kind's too: a pass over every entry of the kind. For the
        quotes (124,000 entries) that is 3 ms, more than a rare word's matches cost to read,
        so the quotes' list and `/v1/search`'s `kinds=` look at the entries instead
        (docs/search.md)."""
        words = " OR ".join(f"({_fts5_group(group)})" for group in self.groups)
        expression = f"{{title body}} : ({words})"
        if kinds:
            wanted = " OR ".join(f'"{kind}"' for kind in kinds)
            expression = f"{expression} AND kind : ({wanted})"
        return expression

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
    words = " ".join(term.words())
    quoted = f"'{words}'"
    quoted = f"{quoted}:*" if term.prefix else quoted
    return f"!{quoted}" if term.negated else quoted


def _ts_group(group: Group) -> str:
    return " & ".join(_ts_term(term) for term in group)


@lru_cache(maxsize=1024)  # a request's query is read by its validator, then searched for
def parse(text: str) -> Search:
    """The query in `text`; a PydanticCustomError (a ValueError), saying why, when it has
    nothing to search for or too many terms.

    Compatibility forms are read as what they stand for (`２０２１`, `ＫＡＢＵＬ`, `ﬁnland`:
    NFKC), as PostgreSQL's `unaccent` reads them and FTS5's tokenizer does not; and as
    written too, `or`ed, where that changes no excluded word and stays within `MAX_TERMS`: a
    text that holds such a form is indexed as written (one word of the data sets,
    `円周率３パーセント`)."""
    plain = unicodedata.normalize("NFKC", text)
    search = _countries_named(_parsed(plain))
    if plain == text:
        return search
    try:
        written = _countries_named(_parsed(text))
    except PydanticCustomError:
        return search
    excluded = {term for group in search.groups for term in group if term.negated}
    if excluded != {term for group in written.groups for term in group if term.negated}:
        return search
    return _within_limit(search.groups + written.groups) or search


def _within_limit(groups: Sequence[Group]) -> Search | None:
    """The groups, each once, if their terms are at most `MAX_TERMS`."""
    once = tuple(dict.fromkeys(groups))
    return Search(once) if sum(len(group) for group in once) <= MAX_TERMS else None


LONGEST_NAME = 6
"""The most words of a country's name read as one (`_countries_named`)."""


def _countries_named(search: Search) -> Search:
    """A country's everyday name (`russia`, `ivory coast`, `Turkey`) found by its ISO 3166-1
    name too, which the records' titles say (`embassy of Austria in Moscow, Russian
    Federation`): `or`ed as a phrase (`app.country_codes.other_names`), and excluded with it
    where it is excluded. Not past `MAX_TERMS`. (`russia` found no country, mission or
    talks: a new user's trial.)"""
    names = other_names()
    groups: list[Group] = []
    for group in search.groups:
        variants: list[list[Term]] = [[]]
        at = 0
        while at < len(group):
            found = _country_at(group, at, names)
            if found is None:
                variants = [[*variant, group[at]] for variant in variants]
                at += 1
                continue
            length, name = found
            span = list(group[at : at + length])
            other = Term(name, True, False, group[at].negated)
            if other.negated:
                variants = [[*variant, *span, other] for variant in variants]
            else:
                variants = [
                    [*variant, *alternative]
                    for variant in variants
                    for alternative in (span, [other])
                ]
            at += length
            # Each name doubles the variants: past `MAX_TERMS` already, the query is read as
            # typed (`russia russia …`, 32 times, made 2^32 of them).
            if sum(map(len, variants)) + sum(map(len, groups)) > MAX_TERMS:
                return search
        groups += [tuple(variant) for variant in variants]
    return _within_limit(groups) or search


def _country_at(group: Group, at: int, names: dict[str, str]) -> tuple[int, str] | None:
    """The longest run of the group's terms from `at` that is a country's other name (a
    phrase, an excluded word or phrase, or words, none a prefix): its length, and the name.
    (`-ivory -coast` leaves out each word, not `Côte d'Ivoire`.)"""
    for length in range(min(LONGEST_NAME, len(group) - at), 0, -1):
        span = group[at : at + length]
        if any(term.prefix for term in span) or (length > 1 and any(t.negated for t in span)):
            continue
        if length > 1 and any(term.phrase for term in span):
            continue
        name = names.get(words_of(" ".join(term.text for term in span)))
        if name is not None:
            return length, name
    return None


def _parsed(text: str) -> Search:
    groups: list[list[Term]] = [[]]
    count = 0
    tokens = list(_TOKEN.finditer(text.translate(QUOTES)))
    for n, match in enumerate(tokens):
        minus_phrase, phrase, minus_word, word = match.groups()
        if phrase is None and word.lower() == "or" and groups[-1] and n + 1 < len(tokens):
            groups.append([])  # between two terms: either side; else the word `or`
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
            raise PydanticCustomError("too_many_terms", f"at most {MAX_TERMS} words and phrases")
        groups[-1].append(Term(value, phrase is not None, prefix, negated))
    kept = [group for group in groups if group]
    if not kept:
        unreadable = (
            ": '\ufffd' stands for bytes that are not UTF-8 (`%FF`); percent-encode the "
            "text's UTF-8 bytes (`chargé` is `charg%C3%A9`)"
        )
        said = "has no words to search for (letters or digits)"
        raise PydanticCustomError(NO_WORDS, said + (unreadable if UNREADABLE in text else ""))
    if any(all(term.negated for term in group) for group in kept):
        raise PydanticCustomError(
            NO_WORDS,
            "needs a word to find beside the excluded ones (`-word` only leaves out what "
            "the other words find)",
        )
    return Search(tuple(tuple(group) for group in kept))


def readable(value: str | None) -> str | None:
    """A query parameter's validator: the query, if it has one, can be searched for (its
    ValueError is the 422's message)."""
    if value:
        parse(value)
    return value


def engine_query(dialect: str, search: Search, kinds: Sequence[str] = ()) -> str:
    """The query in the engine's own language (on SQLite, of entries of these `kinds` only;
    PostgreSQL's query leaves that to a condition on the entry)."""
    return search.tsquery() if dialect == "postgresql" else search.fts5(kinds)


def kinds_tsquery(kinds: Sequence[str]) -> str:
    """PostgreSQL: an SQL `tsquery` that matches the entries of these kinds, by the lexeme each
    entry's document holds for its kind (`#events`, migrations 0021 and 0028). The kinds are
    the index's own names."""
    operands = " | ".join(f"'#{kind}'" for kind in kinds)
    return "CAST('" + operands.replace("'", "''") + "' AS tsquery)"


def matching(
    dialect: str, parameter: str, kinds: Sequence[str] = (), entries: bool = True
) -> tuple[str, str]:
    """The engine's score of an entry `e` (higher is better), and the FROM and WHERE that
    give the entries whose words match the query bound to `:parameter`, of these `kinds` only
    if given. FTS5 is kept the outer loop (CROSS JOIN): without statistics SQLite would walk
    the entries and ask FTS5 once for each, seconds for a common word.

    PostgreSQL finds the words and the kinds in one GIN lookup: asked of the entry instead,
    it planned badly both ways (docs/search.md). SQLite looks at the entry's kind (a list's
    query may also name them to FTS5, `Search.fts5`). Without `entries`, PostgreSQL's
    matches are not joined to their entries (`i.id` is the entry's id). The kinds are the
    index's own names (`HitKind`), never a user's text."""
    if dialect == "postgresql":
        found = f"(query && {kinds_tsquery(kinds)})" if kinds else "query"
        joined = " JOIN search_entry e ON e.id = i.id" if entries else ""
        return (
            ts_rank(),
            f"FROM search_index i{joined} "
            f"CROSS JOIN to_tsquery('diplo', :{parameter}) query WHERE i.document @@ {found}",
        )
    return (
        f"-bm25(search_index, {BM25_WEIGHTS})",
        "FROM search_index CROSS JOIN search_entry e ON e.id = search_index.rowid "
        f"WHERE search_index MATCH :{parameter}" + (f" AND {kinds_in(kinds)}" if kinds else ""),
    )


def kinds_in(kinds: Sequence[str], column: str = "e.kind") -> str:
    """SQL: the entry `e` (or what `column` is the kind of) is of one of these kinds (the
    index's own names, never a user's)."""
    return f"{column} IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def score_now(
    connection: Connection,
    query: str,
    entry: int,
    kinds: Sequence[str] = (),
    where: str | None = None,
) -> float | None:
    """SQLite: the score the entry `entry` has now for the FTS5 `query` (of these `kinds`,
    under `where`), as `/v1/search` and `record_scores` score it; None if it does not match.
    What a relevance cursor's hit is scored again with after a write (bm25 reads the whole
    index's figures, which every write moves). One entry: FTS5 reads `rowid = ?` alone, and a
    `rowid IN` it filters only after reading every match (1.2 ms for `diplomatic`, 0.1 so)."""
    score, matches = matching("sqlite", "search_query", kinds)
    condition = f" AND ({where})" if where else ""
    sql = f"SELECT {score} {matches} AND search_index.rowid = :entry{condition}"
    found = connection.execute(text(sql), {"search_query": query, "entry": entry}).scalar()
    return None if found is None else float(found)


def record_entries(kinds: Sequence[str]) -> str:
    """SQL: the ids of the entries, of these kinds, of the record `:record`."""
    return f"SELECT e.id FROM search_entry e WHERE {kinds_in(kinds)} AND e.record = :record"


def record_scores(
    kinds: Sequence[str], dialect: str, key_is_text: bool, where: str | None, scored: bool = True
) -> TextualSelect:
    """`(record, score)` of each record of these kinds whose words match `:search_query` (a
    list's `q`, kit/filters.py) and `where` (SQL over the entry `e`), if given: its best
    entry's score, the record as its list's key. Not `scored`, only `record`, as often as its
    entries match (what a filter needs: scoring them all cost `/v1/citations?q=diplomatic
    &sort=-id` 105 ms against 25 on SQLite)."""
    condition = where or "1 = 1"
    record = "e.record" if key_is_text else "CAST(e.record AS BIGINT)"
    score, matches = matching(dialect, "search_query", kinds)
    key = Column("record", String if key_is_text else BigInteger, nullable=False)
    if not scored:
        # OFFSET 0 keeps PostgreSQL from casting a record of another kind (a country's code)
        # before the kinds are kept, as it did when the filter was pulled into the list's scan.
        fence = " OFFSET 0" if dialect == "postgresql" else ""
        return text(f"SELECT {record} AS record {matches} AND {condition}{fence}").columns(key)
    scored_sql = f"SELECT {record} AS record, {score} AS score {matches} AND {condition}"
    if dialect == "postgresql":
        sql = f"SELECT record, max(score) AS score FROM ({scored_sql}) scored GROUP BY record"
    else:
        # bm25 works only while FTS5 reads its matches: the scores are made first (a
        # MATERIALIZED table), then grouped and joined (else "unable to use function bm25 in
        # the requested context").
        sql = (
            f"WITH scored AS MATERIALIZED ({scored_sql}) "
            "SELECT record, max(score) AS score FROM scored GROUP BY record"
        )
    return text(sql).columns(key, Column("score", Float, nullable=False))


@contextmanager
def time_bound(
    request: Request, connection: Connection, q: str, kept: bool = True
) -> Iterator[None]:
    """The search of `q` on `connection` within `SEARCH_TIME_LIMIT_MS`, else a 422 that says
    so and how to narrow it: on SQLite a search holds its worker's event loop (`db.reads`),
    and 32 one-letter prefixes `or`ed took seconds (docs/search.md). The connection `kept`
    limited for the next search, or not (`db.time_limited`)."""
    milliseconds: int = request.app.state.settings.search_time_limit_ms
    try:
        with time_limited(connection, milliseconds, kept=kept):
            yield
    except OperationalError as error:
        if not timed_out(error):
            raise
        message = (
            f"took longer than the {milliseconds:,} ms a search may take "
            "(`SEARCH_TIME_LIMIT_MS`): fewer `or`s, longer prefixes, a phrase, or `kinds=` "
            "narrow it"
        )
        loc = ["query", "q"]
        raise Unprocessable([{"loc": loc, "msg": message, "type": TOO_LONG, "input": q}]) from None
