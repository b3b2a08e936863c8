"""Common words ranked ahead (migration 0024, docs/search.md "Common words").

A search ranks by a score both engines compute for every entry that matches: 45,000 entries
hold `diplomatic` on the bench data, 41 ms on SQLite and 51 ms on PostgreSQL to score and
sort, where a rare word takes 2-5 ms. For a query of one such word the score of an entry is
made of what the entry alone holds, so it can be kept in the order it sorts in:

- PostgreSQL: `ts_rank_cd(document, word, 2)` of a single word is the sum of its weights in
  the entry over the entry's length, which no other entry changes: kept as it is,
  a page is the first rows of an index in that order.
- SQLite: bm25 of a single word is `idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * D / avgdl))`,
  where `f` (the word's weighted count) and `D` (the entry's length) are the entry's, and
  `idf` and `avgdl` the whole index's, which every write moves. For one `f` the score falls
  as `D` grows, so kept by `(f, D)` a page is the best of the first rows of each `f`, scored
  with today's `idf` and `avgdl`: exactly FTS5's scores (the same arithmetic, in its order).

Entries written since a word was kept (`search_index_changed`) are scored by the engine as
before and the kept ones of theirs left aside, so an answer is always today's; each worker
puts the changed entries right in the kept words' rows every few seconds (`refresh`), and a
word with too many changed entries is searched the usual way till then.

Prefixes (`charg*`) and pairs of words that must both hold (`united states`, kept as
`states united`) are kept the same way once searched (docs/search.md, "Pairs"): a prefix as
one word; a pair on PostgreSQL by its `ts_rank_cd`, on SQLite by each word's weighted count
in the entry, bm25 of two words being the sum of each word's."""

import functools
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Float,
    Integer,
    String,
    TextClause,
    column,
    table,
    text,
)
from sqlalchemy.exc import OperationalError

from app.db import write_transaction
from app.kit.search import (
    BM25,
    COLUMN_WEIGHTS,
    Search,
    Term,
    engine_query,
    folded,
    kinds_in,
    ts_rank,
)

log = logging.getLogger(__name__)

CHANGES_LOCK = 0x64707374
"""PostgreSQL: the advisory lock each entry's writer holds shared till it commits (0024)."""
KEEPER_LOCK = 0x64707375
"""PostgreSQL: held by the one server keeping the words at a time."""
DISCOVER_SECONDS = 600
"""How often a worker looks for words that have become common (reading every word of the
index: 0.2 s on SQLite, 2 s on PostgreSQL at 150,000 entries), besides after a load."""
LOADING_POLL_SECONDS = 2.0
"""How often a worker looks whether the data sets it waits for are in."""
MAX_CHANGED = 2_048
"""More changes logged since a word was kept than this and it is searched the usual way."""
SHOWN = 12
"""The server's log names this many of the words it kept afresh, then `…`."""
K1, B = 1.2, 0.75  # FTS5's bm25


POSTINGS = table(
    "search_index_postings",
    column("term", String),
    column("kind", String),
    column("rank", Float),
    column("size", Integer),
    column("record", BigInteger),
    column("entry", BigInteger),
    column("other", Float),
)
"""The kept rows (migrations 0024, 0025, 0031), for statements built with SQLAlchemy."""

Group = tuple[float, ...]
"""SQLite: the weighted count of a kept word in an entry (`rank`), or of each word of a kept
pair (`rank`, `other`): the kept rows of one group, ordered by length, are in the order of
their scores."""


def word_of(search: Search) -> str | None:
    """The word a query is, if it is one bare word, as both indexes hold it: lower case, the
    diacritics gone, letters and digits only (else the engines might cut it into two); or the
    prefix it is, so held, then `*` (`charg*`)."""
    if len(search.groups) != 1 or len(search.groups[0]) != 1:
        return None
    term = search.groups[0][0]
    if term.phrase or term.negated or not term.text.isalnum():
        return None  # (`unite̱d`: the engine reads `'unite' <-> 'd'` at its combining mark)
    if UNFOLDED & set(term.text):
        return None
    word = folded(term.text)
    if not (word.isascii() and word.isalnum()):
        return None
    return f"{word}{PREFIX}" if term.prefix else word


UNFOLDED = frozenset("\u01e0\u01e1")
"""Letters FTS5's `remove_diacritics 2` leaves as they are (SQLite 3.40: two marks), which
`folded` takes to ASCII (`ǡ`, `a`): the only ones of every letter and digit so folded (a
review). A word holding one is not read from kept rows (`diplomǡtic` found the 27,596 of
`diplomatic` so, FTS5 none)."""
PREFIX = "*"
"""What ends a kept prefix's term (`word_of`)."""
PAIR = " "
"""What joins the two words of a kept pair's term (`kept_pair`)."""
MAX_PREFIXES = MAX_PAIRS = 32
"""At most this many prefixes, and as many pairs, are kept, those searched last: each keeps a
row for every entry that holds it, and anyone may search one. Apart, so that two-word searches
(any two words are noted) do not crowd out the prefixes (a review)."""
SHORTEST_PREFIX = 3
"""A shorter prefix is not kept (`a*` holds nearly every entry; FTS5 keeps an index of every
word's first two and three letters)."""
PREFIX_SHARE = 4
"""A prefix searched is kept if a `1 / PREFIX_SHARE` share of the entries a word must be in
to be kept hold it: a prefix costs the engines about twice as much an entry (`charg*`, 4,197
entries, 2.1 µs each on both; `diplomatic` 1.1), and is kept only once asked for."""
_ASKED: dict[str, dict[str, None]] = {}
"""Of each database (its URL), the prefixes and pairs searched and not kept since the keeper
last looked at them (`_asked`), the first searched first."""
_SEARCHED: dict[str, dict[str, float]] = {}
"""Of each database, when each prefix or pair was last searched in this worker, kept or not
(at most `4 * MAX_PREFIXES` prefixes and `4 * MAX_PAIRS` pairs, the latest)."""
_ASKED_LOCK = threading.Lock()


def _plain(word: str) -> bool:
    """The word (of a prefix or a pair) is one PostgreSQL's parser reads whole: letters only,
    or digits only. It cuts some of letters and digits in two (`1e5x`: `'1e5' <-> 'x'`), which
    a kept row's update, matching the lexemes an entry holds, would never find (a review)."""
    return word.isalpha() or word.isdigit()


def _search_of(engine: Engine, term: str, held: bool) -> None:
    """A prefix or pair searched, kept (`held`) or not (then for the keeper to look at,
    `refresh`)."""
    pair = PAIR in term
    if not _searched_term(term) or (not pair and len(term) <= SHORTEST_PREFIX):
        return
    if not all(_plain(word.removesuffix(PREFIX)) for word in term.split(PAIR)):
        return
    most = MAX_PAIRS if pair else MAX_PREFIXES  # of the term's sort
    with _ASKED_LOCK:
        searched = _SEARCHED.setdefault(str(engine.url), {})
        searched.pop(term, None)
        searched[term] = time.monotonic()  # the latest last
        alike = [one for one in searched if (PAIR in one) == pair]
        for oldest in alike[: max(len(alike) - 4 * most, 0)]:
            del searched[oldest]
        asked = _ASKED.setdefault(str(engine.url), {})
        if not held and sum((PAIR in one) == pair for one in asked) < most:
            asked[term] = None


def _searched(engine: Engine) -> dict[str, float]:
    """When each prefix or pair was last searched (`_SEARCHED`)."""
    with _ASKED_LOCK:
        return dict(_SEARCHED.get(str(engine.url), {}))


def _asked(engine: Engine) -> list[str]:
    """The prefixes and pairs searched and not kept since the last call, which it forgets."""
    with _ASKED_LOCK:
        return list(_ASKED.pop(str(engine.url), {}))


def ids(values: Iterable[int]) -> str:
    """Entry ids, written into a statement as a list (ints: nothing else gets in)."""
    return ", ".join(str(int(value)) for value in values)


@dataclass(frozen=True)
class Kept:
    """A kept word as a search reads it: the entries that held it when kept, for each kind of
    entry each group (`Group`) with the shortest length of its entries (SQLite), the entries
    changed since (`changed`, which a search scores with the engine and leaves aside in the
    kept rows), and of a pair on SQLite how many entries held each word (`holding`)."""

    word: str
    entries: int
    kinds: dict[str, dict[Group, int]]
    changed: list[int]
    holding: tuple[int, ...] = ()

    def groups(self, kinds: Sequence[str] = ()) -> list[tuple[Group, int]]:
        """Each group of the entries of these kinds (of all, if none), with the shortest
        length of its entries."""
        shortest: dict[Group, int] = {}
        for kind, ranks in self.kinds.items():
            if not kinds or kind in kinds:
                for rank, size in ranks.items():
                    _shorter(shortest, rank, size)
        return sorted(shortest.items())


def kept(connection: Connection, word: str) -> Kept | None:
    """The word (or prefix, or pair) as kept; None if it is not, or too many of its entries
    changed since. A prefix or a pair is noted as searched (`_search_of`)."""
    held = word in _kept_words(connection)
    _search_of(connection.engine, word, held)
    if not held:
        return None
    # The changes in the order of the log's key, from the word's change on: PostgreSQL walked
    # its heap for a DISTINCT, 2.8 ms over the 150,000 rows a data set's load logged,
    # forgotten but not yet vacuumed. In the same statement as the word (one round trip:
    # `/v1/citations?q=diplomatic` 1.1 ms in two on PostgreSQL).
    postgres = connection.dialect.name == "postgresql"
    row = connection.execute(_KEPT_ROW[postgres], {"term": word, "most": MAX_CHANGED + 1}).first()
    if row is None:
        return None
    changes = list(row.changes) if postgres else json.loads(row.changes)
    if len(changes) > MAX_CHANGED:  # (changes, not entries: the log goes on past the limit)
        return None
    changed = sorted(set(changes))
    holding = tuple(json.loads(row.holding)) if row.holding else ()
    return Kept(word, int(row.entries), _ranks_read(row.ranks), changed, holding)


_SINCE = "SELECT entry FROM search_index_changed WHERE seq > c.seq ORDER BY seq LIMIT :most"
_KEPT_ROW = {
    postgres: text(
        f"SELECT seq, entries, ranks, holding, {changes} AS changes FROM search_index_common c "
        "WHERE term = :term"
    )
    for postgres, changes in (
        (True, f"ARRAY({_SINCE})"),
        (False, f"(SELECT json_group_array(entry) FROM ({_SINCE}))"),
    )
}
"""`kept`'s statement on PostgreSQL (True) and SQLite: the kept word's row, and the entries
changed since (an array; on SQLite a JSON list)."""


def _ranks(stored: str) -> dict[str, dict[Group, int]]:
    """`search_index_common.ranks`: for each kind, each group (its counts, then its shortest
    length: `[f, size]`, or `[f, other, size]` of a pair)."""
    return {
        kind: {tuple(float(f) for f in group[:-1]): int(group[-1]) for group in groups}
        for kind, groups in json.loads(stored).items()
    }


_ranks_read = functools.lru_cache(maxsize=256)(_ranks)
"""`_ranks` of a search (`kept`), which changes none: each stored text parsed once."""


def _ranks_text(kinds: dict[str, dict[Group, int]]) -> str:
    return json.dumps(
        {
            kind: [[*group, size] for group, size in sorted(groups.items())]
            for kind, groups in sorted(kinds.items())
        }
    )


def page(
    connection: Connection,
    words: Sequence[str],
    where: str,
    params: dict[str, Any],
    limit: int,
    after: tuple[float, int] | None,
    kinds: Sequence[str] = (),
) -> list[tuple[int, float]] | None:
    """The best `limit` entries holding `words` (one, or several that must all hold:
    `_page_of_all`) that meet `where` (SQL over the entry `e`, with `params`), of these
    `kinds` if given (which `where` says too), after the cursor's (score, entry id), as
    (entry id, score), best first; None if a word is not kept or too many of its entries
    changed (or the engine is quicker)."""
    if len(words) > 1:
        return _page_of_all(connection, words, where, params, limit, after, kinds)
    word = words[0]
    held = kept(connection, word)
    if held is None:
        return None
    params = params | {"term": word, "query": own_query(connection, word), "limit": limit}
    if after is not None:
        params |= {"after_score": after[0], "after_id": after[1]}
    paged = after is not None
    if connection.dialect.name == "postgresql":
        found = _postgres(connection, held.changed, where, params, paged, kinds)
    else:
        found = _sqlite(connection, held, where, params, paged, kinds)
    return in_order(found, limit)


MAX_WORDS = 4
"""A query of up to this many kept words, all of which must hold, is answered from their kept
rows (`_page_of_all`)."""
FIRST_DEPTH, DEEPER = 2, 4
"""`_page_of_all` reads each word's best `FIRST_DEPTH` times the page's length, then, if that
came near, `DEEPER` times as many."""
NEAR = 0.05
"""Near enough to read deeper: the page's last within this share of the bound. Farther, the
words are seldom found together and the engine is quicker (bench data: `mission consular`
took 50 ms read 1,632 deep, 15 ms by the engine)."""
DEEPEST = 512
"""`_page_of_all` reads at most this many of each word's best entries."""


def kept_term(connection: Connection, search: Search) -> str | None:
    """The one term a query may be read from the kept rows of: the word or prefix it is
    (`word_of`; kept or not, which `kept` says), or the kept pair (`kept_pair`)."""
    return word_of(search) or kept_pair(connection, search)


def kept_pair(connection: Connection, search: Search) -> str | None:
    """The kept pair a query of two words that must both hold is (`words_of`, no prefix), if
    kept as one term (docs/search.md, "Pairs"): the two words in order, `PAIR` between (the
    engines' score of two words is the same whichever comes first: `ts_rank_cd` of `a & b`,
    and bm25's sum of two). A pair not kept is noted as searched, for the keeper to keep if
    common."""
    words = words_of(search)
    if words is None or len(words) != 2:
        return None
    if any(word.endswith(PREFIX) for word in words):
        return None
    pair = PAIR.join(sorted(words))
    held = pair in _kept_words(connection)
    if not held:
        _search_of(connection.engine, pair, held)
    return pair if held else None


def words_of(search: Search) -> list[str] | None:
    """The words (or prefixes) a query is, each as `word_of` reads one, if it is two to
    `MAX_WORDS` different ones that must all hold: no phrase, no excluded word, no `or`."""
    if len(search.groups) != 1 or not 2 <= len(search.groups[0]) <= MAX_WORDS:
        return None
    words = [word_of(Search(((term,),))) for term in search.groups[0]]
    named = [word for word in words if word is not None]
    return named if len(set(named)) == len(words) else None


def _page_of_all(
    connection: Connection,
    words: Sequence[str],
    where: str,
    params: dict[str, Any],
    limit: int,
    after: tuple[float, int] | None,
    kinds: Sequence[str],
) -> list[tuple[int, float]] | None:
    """SQLite: `page` of the entries that hold every one of `words` (in the query's order),
    by Fagin's threshold algorithm. bm25 of several words is the sum of each word's own, in
    the query's order (fts5_aux.c), so each word's best entries are read (`_sqlite`), the
    entries read are scored in full (`_summed`), and the page stands once its last beats the
    sum of the last score read of each word, which no entry not read can reach (a tie might
    be an entry not read with a lower id: read deeper); or once a word's every entry is read.
    `united states` (14,476 entries on the bench's data): the engine scored them all, 18 ms;
    4 ms so. None where the engine answers: a word not kept or with entries changed since it
    was, the page not reached deep enough. PostgreSQL: `_page_of_all_postgres`."""
    postgres = connection.dialect.name == "postgresql"
    if postgres and (kinds or len(words) != 2):
        return None  # (`_page_of_all_postgres`: before the words' kept rows are looked up)
    held = [kept(connection, word) for word in words]
    kept_words = [word for word in held if word is not None and not word.changed]
    if len(kept_words) < len(words):
        return None
    if postgres:
        return _page_of_all_postgres(connection, words, where, params, limit, after)
    figures = [bm25_figures(connection, word) for word in kept_words]
    first = FIRST_DEPTH * limit
    for depth in (first, DEEPER * first):
        if depth > DEEPEST:
            return None
        tops = [
            _best_of(connection, word, figure, where, params, depth, kinds)
            for word, figure in zip(kept_words, figures, strict=True)
        ]
        found = _page_after(_summed(connection, words, figures, tops), after, limit)
        if any(len(top) < depth for top in tops):
            return found  # a word's every entry is read: no other entry holds it
        bound = 0.0
        for top in tops:
            bound += top[-1][1]
        if len(found) == limit and found[-1][1] > bound:
            return found
        if not found or found[-1][1] < bound * (1 - NEAR):
            return None
    return None


def _page_of_all_postgres(
    connection: Connection,
    words: Sequence[str],
    where: str,
    params: dict[str, Any],
    limit: int,
    after: tuple[float, int] | None,
) -> list[tuple[int, float]] | None:
    """PostgreSQL: `_page_of_all` of two words, of any kind (with `kinds`, the engine finds
    their few entries at once, and `_page_of_all` leaves them to it). `ts_rank_cd` of two
    words that must both hold is no sum of each word's own, but it is at most that sum
    (docs/search.md, "Several kept words"), each word's own kept (`ts_rank_cd(document, word,
    2)`). So each word's best `FIRST_DEPTH` times the page's length are scored by the engine,
    and the page's last score then says how deep to read: an entry neither of whose words
    scores half of it cannot reach the page; every entry read deeper is scored by the engine
    too (`_ranked_deeper`). `united states` (14,476 entries on the bench's data before
    migration 0030): 10 ms, 37 by the engine scoring them all."""
    query = " & ".join(own_query(connection, word) for word in words)
    first = FIRST_DEPTH * limit
    tops = [_kept_best(connection, word, first) for word in words]
    every = all(len(top) == first for top in tops)
    together = set.intersection(*({entry for entry, _ in top} for top in tops))
    if every and len(together) < limit * TOGETHER:
        return None  # best apart (`embassy united`: 0 of 102 each), the engine is quicker
    read = {entry for top in tops for entry, _ in top}
    scored = _ranked_of(connection, query, where, params, read)
    page = _page_after(scored, after, limit)
    if not every:
        return page  # a word's every entry is read: no other entry holds it
    bound = sum(top[-1][1] for top in tops)  # of an entry not read
    if len(page) < limit or page[-1][1] < bound * REACHED:
        return None  # the words seldom hold together, or best apart: the engine is quicker
    share = page[-1][1] / (1 + ROUNDING) / 2
    if _deeper_than(connection, words, share, DEEPEST_POSTGRES):
        return None
    scored |= _ranked_deeper(connection, words, share, query, where, params)
    return _page_after(scored, after, limit)


DEEPEST_POSTGRES = 4096
"""`_page_of_all_postgres` reads at most this many of each word's kept rows."""
TOGETHER = 0.25
"""`_page_of_all_postgres` scores the entries read only if at least this share of a page's
length is among both words' best (bench data: `united states` 49 of 102, `diplomatic
relations` 64; `embassy united`, `mission consular` and `diplomat* relations` none)."""
REACHED = 0.4
"""`_page_of_all_postgres` reads deeper only if the page's last reached this share of the
bound of an entry not read: lower, the depth to read is a large share of the words' entries
(bench data: `embassy united` of missions and events 0.13, 34 ms so and 8 by the engine;
`united states` 0.49, `diplomatic relations` 0.60)."""
ROUNDING = 1e-6
"""A margin for `ts_rank_cd`'s rounding (it sums in doubles and gives a `real`, as the kept
rows hold it): a bound is taken this much higher."""


def _kept_best(connection: Connection, word: str, limit: int) -> list[tuple[int, float]]:
    """PostgreSQL: the kept word's best `limit` entries, as (entry, its score), best first."""
    rows = connection.execute(
        text(
            "SELECT entry, rank FROM search_index_postings WHERE term = :term "
            "ORDER BY rank DESC, entry LIMIT :limit"
        ),
        {"term": word, "limit": limit},
    ).all()
    return [(int(entry), float(score)) for entry, score in rows]


def _ranked_of(
    connection: Connection, query: str, where: str, params: dict[str, Any], entries: set[int]
) -> dict[int, float]:
    """PostgreSQL: the engine's score of each of these entries that matches `query` (every
    word) and meets `where`. The entries are looked up by id first (`OFFSET 0`): asked in one
    with the words, PostgreSQL took them from the words' GIN index, reckoning 136 entries held
    both where 3,590 did, and tested each against the list (`united states` on the bench's
    data: 155 entries asked, 11-19 ms; 1 ms so)."""
    if not entries:
        return {}
    rows = connection.execute(
        text(
            f"SELECT i.id, {ts_rank()} FROM (SELECT id, document FROM search_index "
            "WHERE id = ANY(CAST(:entries AS BIGINT[])) OFFSET 0) i "
            "JOIN search_entry e ON e.id = i.id CROSS JOIN to_tsquery('diplo', :all_words) query "
            f"WHERE i.document @@ query{where}"
        ),
        params | {"all_words": query, "entries": sorted(entries)},
    ).all()
    return {int(entry): float(score) for entry, score in rows}


def _deeper_than(connection: Connection, words: Sequence[str], least: float, most: int) -> bool:
    """PostgreSQL: whether more than `most` of a kept word's entries score `least` or more."""
    counts = " AND ".join(
        f"(SELECT count(*) FROM (SELECT 1 FROM search_index_postings WHERE term = :term{n} "
        "AND rank >= :least LIMIT :over) deep) <= :most"
        for n in range(len(words))
    )
    terms = {f"term{n}": word for n, word in enumerate(words)}
    fits = connection.execute(
        text(f"SELECT {counts}"), terms | {"least": least, "over": most + 1, "most": most}
    ).scalar_one()
    return not fits


def _ranked_deeper(
    connection: Connection,
    words: Sequence[str],
    least: float,
    query: str,
    where: str,
    params: dict[str, Any],
) -> dict[int, float]:
    """PostgreSQL: `_ranked_of` the entries where a kept word scores `least` or more, picked
    out by the engine itself: fetched and sent back (`united states`: 1,997 kept rows of 1,388
    entries), they cost more than their scoring. Given as an array (`InitPlan`), their
    entries are looked up by id; as a semi-join, PostgreSQL planned a scan of every entry
    holding both words instead (20 ms, 4.7 so)."""
    rows = connection.execute(
        text(
            f"SELECT i.id, {ts_rank()} FROM search_index i JOIN search_entry e ON e.id = i.id "
            "CROSS JOIN to_tsquery('diplo', :all_words) query "
            "WHERE i.id = ANY(ARRAY(SELECT entry FROM search_index_postings "
            "WHERE term = ANY(CAST(:terms AS VARCHAR[])) AND rank >= :least)) "
            f"AND i.document @@ query{where}"
        ),
        params | {"all_words": query, "terms": list(words), "least": least},
    ).all()
    return {int(entry): float(score) for entry, score in rows}


def _page_after(
    scored: dict[int, float], after: tuple[float, int] | None, limit: int
) -> list[tuple[int, float]]:
    """The best `limit` of the entries scored (entry: score) that come after the cursor's
    (score, entry), `in_order`."""
    return in_order(
        [
            (entry, score)
            for entry, score in scored.items()
            if after is None or score < after[0] or (score == after[0] and entry > after[1])
        ],
        limit,
    )


def _best_of(
    connection: Connection,
    held: Kept,
    figures: dict[str, float],
    where: str,
    params: dict[str, Any],
    limit: int,
    kinds: Sequence[str],
) -> list[tuple[int, float]]:
    """SQLite: the best `limit` entries holding the kept word that meet `where`, best first
    (its `figures` read once for every depth)."""
    own = {"term": held.word, "query": own_query(connection, held.word), "limit": limit}
    found = _sqlite(connection, held, where, params | own, False, kinds, figures)
    return in_order(found, limit)


def _summed(
    connection: Connection,
    words: Sequence[str],
    figures: list[dict[str, float]],
    tops: list[list[tuple[int, float]]],
) -> dict[int, float]:
    """SQLite: the entries read (`tops`: each word's best, as (entry, score)) that hold every
    word, each with the sum of each word's bm25 in it, in FTS5's arithmetic and order: the same
    to the last bit. A word's score of an entry not among its best is made from its kept row
    (as `SCORE`)."""
    scores: dict[int, list[float | None]] = {}
    for n, top in enumerate(tops):
        for entry, score in top:
            scores.setdefault(entry, [None] * len(words))[n] = score
    missing = [entry for entry, found in scores.items() if None in found]
    if missing:
        rows = connection.execute(
            text(
                "SELECT entry, term, rank, size FROM search_index_postings "
                f"WHERE entry IN ({ids(missing)}) AND term IN ({_named(len(words))})"
            ),
            {f"w{n}": word for n, word in enumerate(words)},
        )
        place = {word: n for n, word in enumerate(words)}
        for entry, term, rank, size in rows:
            scores[int(entry)][place[term]] = bm25(figures[place[term]], (rank,), size)
    summed = {}
    for entry, found in scores.items():
        total = 0.0
        for part in found:
            if part is None:
                break
            total += part
        else:
            summed[entry] = total
    return summed


def _named(count: int) -> str:
    return ", ".join(f":w{n}" for n in range(count))


def count(
    connection: Connection,
    word: str,
    where: str,
    params: dict[str, Any],
    kinds: Sequence[str],
    kept_where: str | None,
) -> int | None:
    """How many entries hold `word` and meet `where` (SQL over the entry `e`, with `params`,
    the `kinds` too), counted from its kept rows (`kept_where`, SQL over the kept row `p`, if
    it says the same of them without their entries), the changed ones by the engine; None if
    the word is not kept or too many of its entries changed. (The engine reads every match:
    `diplomatic`, 45,000 entries, 35 ms on SQLite and 165 ms on PostgreSQL.)"""
    held = kept(connection, word)
    if held is None:
        return None
    params = params | {"term": word, "query": own_query(connection, word)}
    aside = f" AND p.entry NOT IN ({ids(held.changed)})" if held.changed else ""
    of_kinds = f" AND {kinds_in(kinds, 'p.kind')}" if kinds else ""
    joined, condition = (
        ("", kept_where)
        if kept_where is not None
        else (" JOIN search_entry e ON e.id = p.entry", where)
    )
    total = int(
        connection.execute(
            text(
                f"SELECT count(*) FROM search_index_postings p{joined} WHERE p.term = :term"
                f"{of_kinds}{aside}{condition}"
            ),
            params,
        ).scalar_one()
    )
    if held.changed:
        if connection.dialect.name == "postgresql":
            matches = (
                "FROM search_index i JOIN search_entry e ON e.id = i.id CROSS JOIN "
                f"to_tsquery('diplo', :query) query WHERE i.id IN ({ids(held.changed)}) "
                "AND i.document @@ query"
            )
        else:  # `+rowid`: as `_sqlite` asks
            matches = (
                "FROM search_index CROSS JOIN search_entry e ON e.id = search_index.rowid "
                f"WHERE search_index MATCH :query AND +search_index.rowid IN ({ids(held.changed)})"
            )
        changed = connection.execute(text(f"SELECT count(*) {matches}{where}"), params)
        total += int(changed.scalar_one())
    return total


def own_query(connection: Connection, word: str) -> str:
    """The engine's query for the word (or prefix, or the two words of a pair) alone, in its
    title and body."""
    terms = tuple(
        Term(one.removesuffix(PREFIX), False, one.endswith(PREFIX), False)
        for one in word.split(PAIR)
    )
    return engine_query(connection.dialect.name, Search((terms,)))


_KEPT: dict[int, tuple[float, frozenset[str]]] = {}
"""Each engine's kept words, as read at most `KEPT_SECONDS` ago."""
KEPT_SECONDS = 5.0


def _kept_words(connection: Connection) -> frozenset[str]:
    """The words kept, as read a few seconds ago at most: a search for any other word (most
    of them) then costs no statement more. A word kept since is searched the usual way for
    those seconds, and one forgotten since is looked up and not found: either way the
    answer is right."""
    key = id(connection.engine)
    now = time.monotonic()
    read, words = _KEPT.get(key, (-math.inf, frozenset()))
    if now - read > KEPT_SECONDS:
        found = connection.execute(text("SELECT term FROM search_index_common")).scalars()
        words = frozenset(str(word) for word in found)
        _KEPT[key] = (now, words)
    return words


def after(score: str, entry: str) -> str:
    """SQL: after the cursor's (`:after_score`, `:after_id`), best score first, ties by id."""
    return f"({score} < :after_score OR ({score} = :after_score AND {entry} > :after_id))"


def _later(score: str, entry: str, paged: bool) -> str:
    return f" AND {after(score, entry)}" if paged else ""


def _postgres(
    connection: Connection,
    changed: list[int],
    where: str,
    params: dict[str, Any],
    paged: bool,
    kinds: Sequence[str],
) -> list[tuple[int, float]]:
    aside = f" AND p.entry NOT IN ({ids(changed)})" if changed else ""
    kept = " UNION ALL ".join(
        "(SELECT p.entry, p.rank FROM search_index_postings p JOIN search_entry e "
        f"ON e.id = p.entry WHERE p.term = :term{of_kind}{aside}{where}"
        f"{_later('p.rank', 'p.entry', paged)} ORDER BY p.rank DESC, p.entry "
        "LIMIT :limit)"
        for of_kind in _of_kinds(kinds)
    )
    found = [
        (int(entry), float(score)) for entry, score in connection.execute(text(kept), params).all()
    ]
    if changed:
        score = ts_rank()
        scored = (
            f"SELECT i.id, {score} FROM search_index i JOIN search_entry e ON e.id = i.id "
            "CROSS JOIN to_tsquery('diplo', :query) query "
            f"WHERE i.id IN ({ids(changed)}) AND i.document @@ query{where}"
            f"{_later(score, 'i.id', paged)}"
        )
        found += [
            (int(entry), float(value))
            for entry, value in connection.execute(text(scored), params).all()
        ]
    return found


def _bm25_sql(idf: str, count: str) -> str:
    length = f"(1 - {B} + {B} * p.size / :avgdl)"
    return f"({idf} * (({count} * ({K1} + 1.0)) / ({count} + {K1} * {length})))"


SCORE = _bm25_sql(":idf", "p.rank")
"""SQLite: a kept row's bm25 (`p`: its weighted count `rank` and length `size`; `:idf` and
`:avgdl` from `bm25_figures`), in FTS5's own arithmetic and order (fts5_aux.c,
fts5Bm25Function), so that it is the same to the last bit as the score FTS5 gives the
entry."""
SCORE_PAIR = f"({SCORE} + {_bm25_sql(':idf_other', 'p.other')})"
"""SQLite: a kept pair's row's bm25, its first word's (`rank`, `:idf`) plus its second's
(`other`, `:idf_other`): FTS5 sums each word's from 0 (the same whichever comes first)."""


def score_of(word: str) -> str:
    """SQLite: the bm25 of the kept row `p` of the word (or pair), in SQL."""
    return SCORE_PAIR if PAIR in word else SCORE


def in_group(word: str) -> str:
    """SQLite: the condition that the kept row `p` of the word (or pair) is of one group
    (`:rank`, and a pair's `:other`: `of_group`)."""
    return "p.rank = :rank AND p.other = :other" if PAIR in word else "p.rank = :rank"


def of_group(group: Group) -> dict[str, float]:
    """The parameters of `in_group`."""
    return dict(zip(("rank", "other"), group, strict=False))


def bm25_figures(connection: Connection, held: Kept) -> dict[str, float]:
    """SQLite: today's `idf` of the word (of a pair's words, `idf` and `idf_other`) and
    `avgdl` of the index, as bm25 reads them, as the parameters of `SCORE` (`SCORE_PAIR`)."""
    rows, averages = _sizes(connection)
    words = held.word.split(PAIR)
    holding = list(held.holding) if PAIR in held.word else [held.entries]
    if held.changed:  # entries changed: count what holds each word now, as bm25 does
        holding = [_holding_now(connection, word) for word in words]
    figures = {"avgdl": averages}
    for name, holds in zip(("idf", "idf_other"), holding, strict=False):
        idf = math.log((rows - holds + 0.5) / (holds + 0.5))
        figures[name] = idf if idf > 0 else 1e-6
    return figures


def _holding_now(connection: Connection, word: str) -> int:
    """SQLite: how many entries hold the word, as bm25 counts them."""
    return int(
        connection.execute(
            text("SELECT count(*) FROM search_index WHERE search_index MATCH :query"),
            {"query": own_query(connection, word)},
        ).scalar_one()
    )


def bm25(figures: dict[str, float], group: Group, size: int) -> float:
    """SQLite: the bm25 of a word (or pair) with these `figures` (`bm25_figures`) in an entry
    where its weighted count is `group` (each word's, of a pair) and whose length is `size`:
    `SCORE` (`SCORE_PAIR`), in Python."""
    avgdl = figures["avgdl"]
    total = 0.0
    for f, idf in zip(group, (figures["idf"], figures.get("idf_other", 0.0)), strict=False):
        total += idf * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * size / avgdl)))
    return total


def best_first(
    held: Kept,
    figures: dict[str, float],
    limit: int,
    found: list[tuple[Any, float]],
    group: Callable[[Group], Iterable[tuple[Any, float]]],
    ids_descending: bool = False,
    kinds: Sequence[str] = (),
) -> list[tuple[Any, float]]:
    """SQLite: the best `limit` of `found` (hits as (id, score)) and of each group's kept rows
    of these kinds (of any, if none; `group(counts)`: its rows that count, best first, at
    most `limit`), read group by group, the group that could score best first, till no group
    left could beat the page: a group's first row is its best, and none scores above its
    counts at its shortest length. In order (`in_order`)."""
    groups = held.groups(kinds)
    for bound, counts in sorted(((bm25(figures, g, s), g) for g, s in groups), reverse=True):
        if len(found) >= limit:
            found = in_order(found, limit, ids_descending)
            if found[-1][1] > bound * (1 + 1e-9):
                break  # no entry left can beat the page's last (ties compare ids: go on)
        found += group(counts)
    return in_order(found, limit, ids_descending)


def in_order(
    found: list[tuple[Any, float]], limit: int, ids_descending: bool = False
) -> list[tuple[Any, float]]:
    """The first `limit` hits (id, score): best score first, ties by id (descending, as a
    list's page has them, if `ids_descending`)."""
    found = sorted(found, key=lambda row: row[0], reverse=ids_descending)
    found.sort(key=lambda row: -row[1])
    return found[:limit]


def _sqlite(
    connection: Connection,
    held: Kept,
    where: str,
    params: dict[str, Any],
    paged: bool,
    kinds: Sequence[str],
    figures: dict[str, float] | None = None,
) -> list[tuple[int, float]]:
    """The best entries holding the word (`best_first`, of each kind in turn if `kinds`);
    the changed ones scored by FTS5. With its `figures` if already read."""
    params = params | (figures or bm25_figures(connection, held))
    found: list[tuple[Any, float]] = []
    if held.changed:
        # `+rowid`: FTS5 reads the word's matches once and the changed ones are picked out.
        # Asked of FTS5 (`rowid IN`), it ran the query again for each: after 400 changed
        # entries (an import), `diplomat*` took 3.3 s to score them, 15 ms so; and counting
        # them (`count`), 1.1 s against 8 ms.
        scored = (
            "SELECT e.id, -search_index.rank FROM search_index CROSS JOIN search_entry e "
            "ON e.id = search_index.rowid WHERE search_index MATCH :query "
            f"AND search_index.rank MATCH '{BM25}' "
            f"AND +search_index.rowid IN ({ids(held.changed)}){where}"
            f"{_later('-search_index.rank', 'e.id', paged)}"
        )
        found += [
            (int(entry), float(value))
            for entry, value in connection.execute(text(scored), params).all()
        ]
    aside = f" AND p.entry NOT IN ({ids(held.changed)})" if held.changed else ""
    limit = int(params["limit"])
    walked: list[tuple[str, ...]] = [(kind,) for kind in kinds] or [()]
    score = score_of(held.word)
    for kind, of_kind in zip(walked, _of_kinds(kinds), strict=True):
        sql = text(
            f"SELECT p.entry, {score} AS score FROM search_index_postings p "
            f"JOIN search_entry e ON e.id = p.entry WHERE p.term = :term{of_kind} "
            f"AND {in_group(held.word)}{aside}{where}{_later(score, 'p.entry', paged)} "
            "ORDER BY p.size, p.entry LIMIT :limit"
        )

        def group(counts: Group, sql: TextClause = sql) -> list[tuple[Any, float]]:
            rows = connection.execute(sql, params | of_group(counts)).all()
            return [(int(entry), float(value)) for entry, value in rows]

        found = best_first(held, params, limit, found, group, kinds=kind)
    return found


def _of_kinds(kinds: Sequence[str]) -> list[str]:
    """SQL: the kept row `p` is of one kind, for each of `kinds` (the index's own names,
    never a user's); else of any."""
    return [f" AND p.kind = '{kind}'" for kind in kinds] or [""]


def _varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers, as FTS5 writes its sizes (fts5_varint.c)."""
    values, at = [], 0
    while at < len(blob):
        value = 0
        for n in range(9):
            byte = blob[at]
            at += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        values.append(value)
    return values


def _sizes(connection: Connection) -> tuple[int, float]:
    """SQLite: the index's entries and their average length in words, as bm25 reads them
    (FTS5's averages record: the number of rows, then each column's total of words)."""
    blob = connection.execute(
        text("SELECT block FROM search_index_data WHERE id = 1")
    ).scalar_one_or_none()
    counts = _varints(blob or b"")
    rows = counts[0] if counts else 0
    return rows, (sum(counts[1:]) / rows if rows else 1.0)


# Keeping the words.


def refresh(engine: Engine, common: int, discover: bool) -> list[str]:
    """Keeps the words of at least `common` entries current: the entries changed since are
    put right in the kept words' postings (`_apply`), in one transaction. With `discover`,
    or after more changes than a search would score itself (a data set's load), it also
    looks for words that have become common and keeps each anew in a transaction of its
    own. Forgets the changes every kept word reflects. Writes nothing when nothing has
    changed. The words kept anew."""
    with engine.connect() as connection:
        kept: dict[str, int] = {
            str(term): int(seq)
            for term, seq in connection.execute(text("SELECT term, seq FROM search_index_common"))
        }
        oldest = min(kept.values(), default=0)
        pending = _changed_since(connection, oldest, MAX_CHANGED)
        many = pending >= MAX_CHANGED
        words = (
            _common_words(connection, common)
            if discover or many
            else [word for word in kept if not _searched_term(word)]
        )
        words += _common_prefixes(connection, common, kept, discover or many)
    if gone := sorted(set(kept) - set(words)):
        with write_transaction(engine) as connection:
            for word in gone:
                _forget(connection, word)
    # The commonest first: searched the usual way till kept, they are the slowest (a load's
    # 95 words took 24 s to keep on PostgreSQL).
    anew = [word for word in words if many or word not in kept]
    for word in anew:
        if engine.dialect.name == "postgresql":
            _keep_postgres(engine, word)
        else:
            with write_transaction(engine) as connection:
                _keep_sqlite(connection, word)
    if pending and not many and set(words) & set(kept):
        _apply(engine)
    with engine.connect() as connection:
        reflected = connection.execute(text("SELECT min(seq) FROM search_index_common")).scalar()
        if reflected is None:
            reflected = _newest_logged(connection)
        forgettable = connection.execute(
            text("SELECT 1 FROM search_index_changed WHERE seq <= :seq LIMIT 1"),
            {"seq": reflected},
        ).first()
    forgotten = 0
    if forgettable is not None:
        with write_transaction(engine) as connection:
            forgotten = connection.execute(
                text("DELETE FROM search_index_changed WHERE seq <= :seq"), {"seq": reflected}
            ).rowcount
    if engine.dialect.name == "postgresql" and (anew or forgotten > MAX_CHANGED):
        _vacuum(engine)
    return anew


def _vacuum(engine: Engine) -> None:
    """PostgreSQL, after words kept anew or a load's changes forgotten: the rows they left
    dead taken out, and the planner's figures brought up to date, whether or not autovacuum
    runs. Left, the planner read the 150,000 dead rows of the log's index at every search to
    find its newest (1.4 ms of planning for 0.05 of work), and guessed 31 rows of
    `diplomatic` where 39,233 are."""
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("VACUUM (ANALYZE) search_index_changed, search_index_postings"))


def _newest_logged(connection: Connection) -> int:
    """The newest change logged, forgotten or not (the log's last number): a word kept as of
    0 had a search on PostgreSQL read the log's index from its start, past every row
    forgotten and not yet vacuumed (1.8 ms after a data set's load, autovacuum off)."""
    sql = (
        "SELECT max(coalesce((SELECT max(seq) FROM search_index_changed), 0), coalesce(("
        "SELECT seq FROM sqlite_sequence WHERE name = 'search_index_changed'), 0))"
    )
    if connection.dialect.name == "postgresql":
        sequence = "pg_get_serial_sequence('search_index_changed', 'seq')::regclass"
        sql = (
            "SELECT greatest(coalesce(max(seq), 0), "
            f"coalesce(pg_sequence_last_value({sequence}), 0)) FROM search_index_changed"
        )
    return int(connection.execute(text(sql)).scalar_one())


def _insert(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Postings (`term`, `rank`, `size`, `entry`, `kind`, and `record` as the entry has it:
    kept as a number, if it is one; and a pair's `other` on SQLite)."""
    for row in rows:
        record = row["record"]
        number = record.isascii() and record.isdigit() and len(record) <= 18  # a BIGINT
        row["record"] = int(record) if number else None
        row.setdefault("other", None)
    if rows:
        connection.execute(
            text(
                "INSERT INTO search_index_postings (term, rank, size, entry, kind, record, other) "
                "VALUES (:term, :rank, :size, :entry, :kind, :record, :other)"
            ),
            rows,
        )


def _shorter(shortest: dict[Group, int], group: Group, size: int) -> None:
    """`shortest` (each group's shortest length) with an entry of `group`, `size`."""
    shortest[group] = min(shortest.get(group, size), size)


def _group_of(row: dict[str, Any]) -> Group:
    """The group of a kept row: its `rank`, and a pair's `other` (on SQLite)."""
    return (row["rank"],) if row.get("other") is None else (row["rank"], row["other"])


def _newest(engine: Engine) -> int:
    """The newest change of which every one up to it has committed. On PostgreSQL, sequence
    numbers are handed out before commit, not in commit order: each writer holds the shared
    lock till it commits, so taking it alone for a moment says that none is still running."""
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": CHANGES_LOCK})
        return _newest_logged(connection)


def _apply(engine: Engine) -> None:
    """The entries changed since the oldest kept word's `seq`, put right in every kept word's
    postings: their rows taken out, those of the entries as they are now put in (a deleted
    entry's none), the counts, each group's shortest length and the entries holding each word
    of a pair (SQLite) brought up to date."""
    postgres = engine.dialect.name == "postgresql"
    newest = _newest(engine)
    with write_transaction(engine) as connection:
        oldest = connection.execute(text("SELECT min(seq) FROM search_index_common")).scalar()
        if oldest is None:
            return
        changed = list(
            connection.execute(
                text(
                    "SELECT DISTINCT entry FROM search_index_changed "
                    "WHERE seq > :oldest AND seq <= :newest"
                ),
                {"oldest": oldest, "newest": newest},
            ).scalars()
        )
        if changed:
            entries = ids(changed)
            counts: dict[str, int] = {
                str(term): -int(n)
                for term, n in connection.execute(
                    text(
                        "SELECT term, count(*) FROM search_index_postings "
                        f"WHERE entry IN ({entries}) GROUP BY term"
                    )
                )
            }
            connection.execute(
                text(f"DELETE FROM search_index_postings WHERE entry IN ({entries})")
            )
            rows = (
                _postings_postgres(connection, entries)
                if postgres
                else _postings_sqlite(connection, entries)
            )
            _insert(connection, rows)
            by_term: dict[str, list[dict[str, Any]]] = {}
            for row in rows:
                counts[row["term"]] = counts.get(row["term"], 0) + 1
                by_term.setdefault(row["term"], []).append(row)
            holding_now: dict[str, int] = {}  # each word of SQLite's pairs, counted once

            def holds(word: str) -> int:
                if word not in holding_now:
                    holding_now[word] = _holding_now(connection, word)
                return holding_now[word]

            for term, ranks in connection.execute(
                text("SELECT term, ranks FROM search_index_common")
            ):
                groups = _ranks(ranks)
                for row in by_term.get(term, []):
                    _shorter(groups.setdefault(row["kind"], {}), _group_of(row), row["size"])
                sqlite_pair = not postgres and PAIR in term
                holding = [holds(one) for one in term.split(PAIR)] if sqlite_pair else None
                connection.execute(
                    text(
                        "UPDATE search_index_common SET entries = entries + :more, "
                        "ranks = :ranks, holding = :holding WHERE term = :term"
                    ),
                    {
                        "term": term,
                        "more": counts.get(term, 0),
                        "ranks": "{}" if postgres else _ranks_text(groups),
                        "holding": None if holding is None else json.dumps(holding),
                    },
                )
        connection.execute(
            text("UPDATE search_index_common SET seq = :newest WHERE seq < :newest"),
            {"newest": newest},
        )


_LENGTHS = (
    "SELECT DISTINCT length(term) - 1 AS n FROM search_index_common "
    f"WHERE substr(term, length(term)) = '{PREFIX}'"
)
"""SQL: the lengths of the kept prefixes, for `_kept_terms`."""


def _kept_terms(places: str, word: str, columns: str, union: str) -> str:
    """SQL: for each of `places` (a word or lexeme `word` of an entry, with `columns`), the
    kept terms it is or starts: itself, and its first letters then `*` at each kept prefix's
    length (equalities, which the engines join by an index or a hash, where comparing every
    word with every prefix would not)."""
    return (
        f"SELECT c.term, {columns} FROM {places} JOIN search_index_common c ON c.term = {word} "
        f"{union} SELECT c.term, {columns} FROM {places} JOIN ({_LENGTHS}) l "
        f"ON l.n <= length({word}) "
        f"JOIN search_index_common c ON c.term = substr({word}, 1, l.n) || '{PREFIX}'"
    )


def _postings_postgres(connection: Connection, entries: str) -> list[dict[str, Any]]:
    """The kept words' rows of these entries as they are now: the kept terms each holds, by
    its lexemes (one row for a prefix however many of its words it holds; a pair's where it
    holds both words)."""
    pairs = (
        "SELECT c.term, a.id FROM search_index_common c "
        f"JOIN u a ON a.lexeme = split_part(c.term, '{PAIR}', 1) JOIN u b ON b.id = a.id "
        f"AND b.lexeme = split_part(c.term, '{PAIR}', 2) WHERE strpos(c.term, '{PAIR}') > 0"
    )
    held = f"{_kept_terms('u', 'u.lexeme', 'u.id', 'UNION')} UNION {pairs}"
    query = (
        f"CASE WHEN right(h.term, 1) = '{PREFIX}' THEN "
        f"quote_literal(rtrim(h.term, '{PREFIX}')) || ':*' "
        f"WHEN strpos(h.term, '{PAIR}') > 0 THEN quote_literal(split_part(h.term, '{PAIR}', 1)) "
        f"|| ' & ' || quote_literal(split_part(h.term, '{PAIR}', 2)) ELSE quote_literal(h.term) END"
    )
    rank = ts_rank(f"to_tsquery('diplo', {query})")
    found = connection.execute(
        text(
            "WITH u AS (SELECT i.id, w.lexeme FROM search_index i CROSS JOIN LATERAL "
            f"unnest(i.document) w WHERE i.id IN ({entries})), h (term, id) AS ({held}) "
            f"SELECT h.term, {rank} AS rank, 0 AS size, "
            "i.id AS entry, e.kind, e.record FROM h JOIN search_index i ON i.id = h.id "
            "JOIN search_entry e ON e.id = i.id"
        )
    )
    return [dict(row) for row in found.mappings()]


@contextmanager
def scratch(connection: Connection, entries: str) -> Iterator[str]:
    """SQLite: these entries alone (ids), in a scratch FTS5 table of the index's columns and
    tokenizer, `temp.search_scratch` (the name given; made when the connection is,
    `app.db.SCRATCH`), emptied after: what FTS5 says of one
    entry (its words' instances, its snippets) is said of it alone, without the index's
    other entries. (FTS5 reads a prefix's every match for each entry asked of the index:
    the snippets of `diplomat*`'s 50 best, `rowid IN (…)`, took 86 ms; 1 ms here.)"""
    connection.exec_driver_sql("DELETE FROM temp.search_scratch")
    connection.execute(
        text(
            "INSERT INTO temp.search_scratch (rowid, title, body, kind) "
            f"SELECT id, title, body, kind FROM search_entry WHERE id IN ({entries})"
        )
    )
    try:
        yield "search_scratch"
    finally:
        connection.exec_driver_sql("DELETE FROM temp.search_scratch")


def _postings_sqlite(connection: Connection, entries: str) -> list[dict[str, Any]]:
    """The kept words' rows of these entries as they are now: the entries tokenized again
    (`scratch`), whose instances give each word's count in each column and each entry's
    length (its words, all columns); a kept pair's where the entry holds both words."""
    weight = " ".join(f"WHEN '{column}' THEN {value}" for column, value in COLUMN_WEIGHTS.items())
    weighted = f"CASE p.col {weight} ELSE 0.0 END"
    held = _kept_terms("places p", "p.term", "p.doc, p.col", "UNION ALL")
    cut = "instr(term, :pair)"
    with scratch(connection, entries):
        found = connection.execute(
            text(
                "WITH places AS MATERIALIZED (SELECT term, doc, col FROM "
                "temp.search_scratch_places), "
                "sizes AS (SELECT doc, count(*) AS size FROM places GROUP BY doc), "
                f"held (term, doc, col) AS ({held}), "
                f"pairs (term, a, b) AS (SELECT term, substr(term, 1, {cut} - 1), "
                f"substr(term, {cut} + 1) FROM search_index_common WHERE {cut} > 0) "
                f"SELECT h.term, sum(CASE h.col {weight} ELSE 0.0 END) AS rank, NULL AS other, "
                "s.size, h.doc AS entry, e.kind, e.record FROM held h "
                "JOIN sizes s ON s.doc = h.doc JOIN search_entry e ON e.id = h.doc "
                "GROUP BY h.term, h.doc HAVING rank > 0 UNION ALL "
                f"SELECT q.term, sum(CASE WHEN p.term = q.a THEN {weighted} END) AS rank, "
                f"sum(CASE WHEN p.term = q.b THEN {weighted} END) AS other, s.size, "
                "p.doc AS entry, e.kind, e.record "
                "FROM pairs q JOIN places p ON p.term IN (q.a, q.b) "
                "JOIN sizes s ON s.doc = p.doc JOIN search_entry e ON e.id = p.doc "
                "GROUP BY q.term, p.doc HAVING rank > 0 AND other > 0"
            ),
            {"pair": PAIR},
        )
        return [dict(row) for row in found.mappings()]


def forget_all(engine: Engine) -> None:
    """No word kept (`SEARCH_COMMON_ENTRIES=0`): the kept ones forgotten, and the log of
    changed entries, which nothing reads then, emptied as it fills."""
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT 1 FROM search_index_common LIMIT 1")).first()
        logged = connection.execute(text("SELECT 1 FROM search_index_changed LIMIT 1")).first()
    if kept is None and logged is None:
        return
    with write_transaction(engine) as connection:
        for table in ("search_index_postings", "search_index_common", "search_index_changed"):
            connection.execute(text(f"DELETE FROM {table}"))


def _changed_since(connection: Connection, seq: int, most: int) -> int:
    return int(
        connection.execute(
            text(
                "SELECT count(*) FROM (SELECT 1 FROM search_index_changed WHERE seq > :seq "
                "LIMIT :most) c"
            ),
            {"seq": seq, "most": most},
        ).scalar_one()
    )


def _forget(connection: Connection, word: str) -> None:
    connection.execute(text("DELETE FROM search_index_postings WHERE term = :t"), {"t": word})
    connection.execute(text("DELETE FROM search_index_common WHERE term = :t"), {"t": word})


def _common_words(connection: Connection, common: int) -> list[str]:
    """The words (all letters and digits) of at least `common` entries' titles or bodies,
    the commonest first."""
    if connection.dialect.name == "postgresql":
        sql = (
            "SELECT word FROM ts_stat('SELECT document FROM search_index') "
            "WHERE ndoc >= :common AND word ~ '^[a-z0-9]+$' ORDER BY ndoc DESC, word"
        )
    else:
        connection.exec_driver_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_words "
            "USING fts5vocab(main, search_index, col)"
        )
        # An entry with the word in its title and its body counts twice: a word is kept a
        # little early, which costs nothing but its postings.
        sql = (
            "SELECT term FROM temp.search_words WHERE col IN ('title', 'body') "
            "GROUP BY term HAVING sum(doc) >= :common ORDER BY sum(doc) DESC, term"
        )
    words = connection.execute(text(sql), {"common": common}).scalars()
    return [word for word in words if word.isascii() and word.isalnum()]


def _searched_term(term: str) -> bool:
    """The term is a prefix or a pair, kept once searched, not a word."""
    return term.endswith(PREFIX) or PAIR in term


def _common_prefixes(
    connection: Connection, common: int, kept: dict[str, int], again: bool
) -> list[str]:
    """The prefixes and pairs to keep: those `kept` (looked at `again`, as the words are in
    `refresh`: those still held by at least `common / PREFIX_SHARE` entries) and those
    searched since the last look (`_asked`) so held; `MAX_PREFIXES` at most, those searched
    last in this worker (a kept one not searched since it started, first to give way), and as
    many pairs (`MAX_PAIRS`), so that no one fills them for good."""
    enough = max(common // PREFIX_SHARE, 1)
    held = [term for term in kept if _searched_term(term)]
    asked = [term for term in _asked(connection.engine) if term not in kept]
    looked = (held if again else []) + asked
    found = {
        term
        for term in looked
        if connection.execute(
            text(
                "SELECT count(*) FROM (SELECT 1 FROM search_index WHERE "
                f"{_holding(connection)} LIMIT :common) c"
            ),
            {"query": own_query(connection, term), "common": enough},
        ).scalar_one()
        >= enough
    }
    chosen = [term for term in held if term in found or not again]
    chosen += [term for term in asked if term in found]
    searched = _searched(connection.engine)
    chosen.sort(key=lambda term: searched.get(term, -math.inf), reverse=True)
    prefixes = [term for term in chosen if PAIR not in term]
    pairs = [term for term in chosen if PAIR in term]
    return prefixes[:MAX_PREFIXES] + pairs[:MAX_PAIRS]


def _holding(connection: Connection) -> str:
    """SQL: the index's entry holds the words of `:query`, in its title or body."""
    if connection.dialect.name == "postgresql":
        return "document @@ to_tsquery('diplo', :query)"
    return "search_index MATCH :query"


def _keep_postgres(engine: Engine, word: str) -> None:
    """The word's entries and their scores, as of every change up to the newest committed."""
    seq = _newest(engine)
    with write_transaction(engine) as connection:
        _forget(connection, word)
        connection.execute(
            text(
                "INSERT INTO search_index_postings (term, rank, size, entry, kind, record) "
                f"SELECT :term, {ts_rank()}, 0, i.id, e.kind, "
                "CASE WHEN e.record ~ '^[0-9]{1,18}$' THEN CAST(e.record AS BIGINT) END "
                "FROM search_index i JOIN search_entry e ON e.id = i.id "
                "CROSS JOIN to_tsquery('diplo', :query) query WHERE i.document @@ query"
            ),
            {"term": word, "query": own_query(connection, word)},
        )
        connection.execute(
            text(
                "INSERT INTO search_index_common (term, seq, entries, ranks) "
                "SELECT term, :seq, count(*), '{}' FROM search_index_postings WHERE term = :t "
                "GROUP BY term"
            ),
            {"t": word, "seq": seq},
        )


def _terms(word: str) -> str:
    """SQLite: the condition on an FTS5 vocabulary table's `term` that it is the word, or a
    word the prefix starts (bound by `_bounds`)."""
    return "term >= :low AND term < :high" if word.endswith(PREFIX) else "term = :low"


def _bounds(word: str) -> dict[str, str]:
    """The bounds of `_terms`: the word, or the words from the prefix up to the next prefix
    of its length (letters and digits: its last one's next character is not one)."""
    if not word.endswith(PREFIX):
        return {"low": word}
    prefix = word.removesuffix(PREFIX)
    return {"low": prefix, "high": prefix[:-1] + chr(ord(prefix[-1]) + 1)}


def _keep_sqlite(connection: Connection, word: str) -> None:
    """The word's entries with its weighted count in each and each one's length (of a pair,
    the entries holding both words, each word's count, and how many entries hold each), in a
    write transaction (BEGIN IMMEDIATE: SQLite's writer is alone, so what it reads is every
    change up to the newest)."""
    _forget(connection, word)
    seq = _newest_logged(connection)
    connection.exec_driver_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_places "
        "USING fts5vocab(main, search_index, instance)"
    )
    each: list[dict[int, float]] = []  # of each word of a pair; of the word or prefix
    for one in word.split(PAIR):
        counts: dict[int, float] = {}
        for entry, name in connection.execute(
            text(f"SELECT doc, col FROM temp.search_places WHERE {_terms(one)}"), _bounds(one)
        ):
            if weight := COLUMN_WEIGHTS[name]:  # not the kind's (0): it only filters
                counts[entry] = counts.get(entry, 0.0) + weight
        each.append(counts)
    counts, others = each[0], each[1] if len(each) > 1 else None
    entries = sorted(counts if others is None else counts.keys() & others.keys())
    sizes: dict[int, tuple[int, str, str]] = {}
    for start in range(0, len(entries), 500):
        chunk = ids(entries[start : start + 500])
        for entry, blob, kind, record in connection.execute(
            text(
                "SELECT d.id, d.sz, e.kind, e.record FROM search_index_docsize d "
                f"JOIN search_entry e ON e.id = d.id WHERE d.id IN ({chunk})"
            )
        ):
            sizes[entry] = (sum(_varints(blob)), kind, record)
    rows: list[dict[str, Any]] = [
        {
            "term": word,
            "rank": counts[entry],
            "other": None if others is None else others[entry],
            "size": sizes[entry][0],
            "entry": entry,
            "kind": sizes[entry][1],
            "record": sizes[entry][2],
        }
        for entry in entries
        if entry in sizes
    ]
    shortest: dict[str, dict[Group, int]] = {}
    for row in rows:
        _shorter(shortest.setdefault(row["kind"], {}), _group_of(row), row["size"])
    _insert(connection, rows)
    holding = None if others is None else json.dumps([len(one) for one in each])
    connection.execute(
        text(
            "INSERT INTO search_index_common (term, seq, entries, ranks, holding) "
            "VALUES (:t, :seq, :entries, :ranks, :holding)"
        ),
        {
            "t": word,
            "seq": seq,
            "entries": len(rows),
            "ranks": _ranks_text(shortest),
            "holding": holding,
        },
    )


class Keeper:
    """The server's keeping of common words: a thread that puts the changed entries right
    every `seconds` (and looks for new common words every `DISCOVER_SECONDS`, and after a
    load), till stopped; not while `loading` (the data sets the server loads as it starts are
    not all in), for up to `DISCOVER_SECONDS`."""

    def __init__(
        self,
        engine: Engine,
        common: int,
        seconds: float,
        loading: Callable[[], bool] = lambda: False,
    ) -> None:
        self.engine, self.common, self.seconds, self.loading = engine, common, seconds, loading
        self.looked_at = 0  # the newest change when it last looked for common words
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="search-common", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join(timeout=30)

    def _run(self) -> None:
        looked = -math.inf  # when it last looked for new common words
        said = False  # which words are kept, once
        waited = 0.0  # for a load, so far
        pause = self.seconds
        while not self.stopped.wait(pause):  # each turn `seconds` after the last
            pause = self.seconds
            try:
                if self.loading() and waited < DISCOVER_SECONDS:
                    # The server's data sets are loading: the words would be kept again
                    # after, and on SQLite the two writers queued on each other till the
                    # load failed ("database is locked"). Looked at again soon after.
                    pause = min(self.seconds, LOADING_POLL_SECONDS)
                    waited += pause
                    continue
                waited = 0.0
                started = time.monotonic()
                discover = started - looked >= DISCOVER_SECONDS
                anew = self._turn(discover)
                if discover:
                    looked = started
                if anew or not said:
                    self._say(anew, time.monotonic() - started)
                    said = True
            except OperationalError as error:  # busy (a data set loading), or gone: next turn
                log.warning("common words not kept this turn: %s", error.orig)
            except Exception:  # noqa: BLE001 - searched the usual way till the next turn
                log.exception("keeping common words failed")

    def _say(self, anew: list[str], seconds: float) -> None:
        """Logs the words kept (the `SHOWN` commonest first), and how many of them anew."""
        with self.engine.connect() as connection:
            kept = [
                str(word)
                for word in connection.execute(
                    text("SELECT term FROM search_index_common ORDER BY entries DESC, term")
                ).scalars()
            ]
        shown = ", ".join(kept[:SHOWN]) + (", …" if len(kept) > SHOWN else "") or "none"
        log.info(
            "%d common words ranked ahead (%d kept anew in %.1f s): %s",
            len(kept),
            len(anew),
            seconds,
            shown,
        )

    def _refresh(self, discover: bool) -> list[str]:
        """`refresh`, looking for common words also after more than `MAX_CHANGED` changes
        since it last looked: a look while a data set loaded (the server loads them as it
        starts) missed the words of what came after (71 of 95 words kept on the bench data,
        till the next look 10 minutes on)."""
        with self.engine.connect() as connection:
            newest = _newest_logged(connection)
        if discover or newest - self.looked_at > MAX_CHANGED:
            discover, self.looked_at = True, newest
        return refresh(self.engine, self.common, discover)

    def _turn(self, discover: bool) -> list[str]:
        """One refresh, by one server at a time on PostgreSQL (two would write the same
        word's postings at once); on SQLite each word's is one write transaction anyway."""
        if self.common <= 0:
            forget_all(self.engine)
            return []
        if self.engine.dialect.name != "postgresql":
            return self._refresh(discover)
        with self.engine.connect() as guard:
            guard.execution_options(isolation_level="AUTOCOMMIT")
            taken = guard.execute(
                text("SELECT pg_try_advisory_lock(:lock)"), {"lock": KEEPER_LOCK}
            ).scalar_one()
            if not taken:
                return []
            try:
                return self._refresh(discover)
            finally:
                guard.execute(text("SELECT pg_advisory_unlock(:lock)"), {"lock": KEEPER_LOCK})
