"""Ranked search over the index of migration 0016 (docs/search.md), on either engine: which
entries match, in what order, and the words that matched marked in a snippet."""

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, text

from app.citations.anchoring import NOTHING
from app.citations.service import FACT_PATHS
from app.kit import common_words
from app.kit.search import BM25, Search, engine_query, kinds_in, matching, score_now
from app.search.models import PASSAGE, STEP, HitKind
from app.search.snippets import CLOSE, OPEN, SHORT, SNIPPET_WORDS, snippet
from app.sources.licences import OPEN_LICENCES

_NEIGHBOURS = re.compile(f"{CLOSE}([^\\w{OPEN}{CLOSE}]{{1,3}}){OPEN}")
"""Two marked words with only spaces or punctuation between them (up to three characters)."""
_CUT_RUN = re.compile(f"^…[-./:;,_#?=&%+~@][^\\s{OPEN}{CLOSE}<]{{0,23}}\\s+")
"""A snippet's start inside a run of text without a space, which SQLite's `snippet()` and a
passage's window gave ("…-10-13 2008-09-14 Declared", "…/entity/Q1792 …"): from a character
that joins such runs (not `(`, `"` or `$`, which begin words) up to the next space, where no
word is marked (`OPEN`, or `<mark>` once marked; `snippets._spaced` keeps PostgreSQL's own
from it)."""
_HEADLINE = (
    f'StartSel="{OPEN}", StopSel="{CLOSE}", MaxWords={SNIPPET_WORDS}, MinWords=8, '
    'MaxFragments=2, FragmentDelimiter=" … "'
)
_WHOLE = f'StartSel="{OPEN}", StopSel="{CLOSE}", HighlightAll=true'
_JOINERS = "+-./~<>&@:_#%?="
"""PostgreSQL: the punctuation that `ts_headline`'s parser reads inside a token (`U.S`,
`kabul.usembassy.gov/news`, `a@state.gov`, `<b>`, `&amp;`), where the index reads a space
(migration 0016), so no word in them was marked. While it reads a text, each stands in as a
control character (from U+000E), which its parser reads as a space; `_PUT_BACK` restores
them. (`translate()` of all punctuation cost 9 ms on a page of 46 passages; these `replace()`s
cost 0.5 ms. With these, every entry's words read as the index's: tested on every entry of
the bench's data.)"""
_STOOD_IN = "".join(chr(0x0E + n) for n in range(len(_JOINERS)))
_PUT_BACK = str.maketrans(_STOOD_IN, _JOINERS)
ENTRY = (
    "e.id, e.kind, e.record, e.part, CASE WHEN e.kind = 'texts' THEN (SELECT s.title FROM source "
    "s WHERE s.id = CAST(e.record AS INTEGER)) WHEN e.kind = 'citations' THEN (SELECT s.title "
    "FROM quotes q JOIN source s ON s.id = q.source_id WHERE q.id = CAST(e.record AS BIGINT)) "
    "ELSE e.title END AS title, e.date, length(e.body) AS size"
)
"""The columns of an entry `e` a hit is made of (`hit`): a passage's title and a quote's are
their source's, which they are not searched by (migrations 0027, 0030)."""
CONTENT_IN_BODY = frozenset({HitKind.citations, HitKind.texts})
"""The kinds whose body is what they are (a quote, a passage), not a label of the record the
title names (an event's kind, a mission's designation and city, a post's notes)."""
_MARKS = f"'{OPEN}', '{CLOSE}', '…', {SNIPPET_WORDS}"


def snippets(table: str = "search_index") -> str:
    """SQLite: the snippets of the title and of the body of the entries `e` of FTS5's
    `table`, for `_snippeted`: a text of up to `SHORT` characters whole, marked
    (`highlight()`), as on PostgreSQL; a longer one `snippet()`'s window. (`snippet()` cut
    short texts at its 24 words, and one whose word stood near its end to the few words from
    a window's middle to the end: "…targets and the jailing of Alexei <mark>Navalny</mark>"
    of a quote of 28 words.)"""
    return ", ".join(
        f"CASE WHEN length(e.{column}) <= {SHORT} "
        f"THEN highlight({table}, {n}, '{OPEN}', '{CLOSE}') "
        f"ELSE snippet({table}, {n}, {_MARKS}) END AS {column}_snippet"
        for n, column in enumerate(("title", "body"))
    )


SNIPPETS = snippets()


@dataclass(frozen=True)
class Filters:
    """`/v1/search`'s filters: kinds of hit, a country they involve, a range of their date."""

    kinds: Sequence[str] = ()
    country: str | None = None
    from_: dt.date | None = None
    to: dt.date | None = None


def public_texts(kind: str, source: str) -> str:
    """SQL: a passage of a text only where the text is served to anyone (its licence is
    open), of an entry whose kind is `kind` and whose source's id, if it is a text, `source`:
    a snippet must not show what `/v1/sources/{id}/text` would not."""
    licences = ", ".join(f"'{name}'" for name in sorted(OPEN_LICENCES))
    return (
        f"({kind} <> 'texts' OR EXISTS (SELECT 1 FROM source s WHERE s.licence IN ({licences}) "
        f"AND s.id = CASE WHEN {kind} = 'texts' THEN {source} END))"
    )


PUBLIC_TEXTS = public_texts("e.kind", "CAST(e.record AS INTEGER)")
"""Of the entry `e`: `/v1/search` adds it, and so does the sources list's `q`."""


def _conditions(filters: Filters) -> tuple[list[str], dict[str, Any]]:
    """The filters but the kinds (`matching` has those) as conditions on the entry `e`."""
    params: dict[str, Any] = {}
    conditions = []
    if not filters.kinds or HitKind.texts in filters.kinds:
        conditions.append(PUBLIC_TEXTS)
    if filters.country is not None:
        params["country"] = filters.country
        conditions.append(_INVOLVES)
    if filters.from_ is not None:
        params["from_"] = filters.from_
        conditions.append("e.date >= :from_")
    if filters.to is not None:
        params["to"] = filters.to
        conditions.append("e.date <= :to")
    return conditions, params


def _involves(entry: str) -> str:
    """SQL: the entry `entry` involves the country `:country`: its countries, an event's
    (`event_country`). One test by the entry's kind (`CASE`): each `EXISTS` is a lookup for
    every entry that matches."""
    return (
        f"(CASE WHEN {entry}.kind = 'events' THEN EXISTS (SELECT 1 FROM event_country x "
        f"WHERE x.country = :country AND x.event_id = CAST({entry}.record AS INTEGER)) "
        f"ELSE {entry}.country_a = :country OR {entry}.country_b = :country END)"
    )


def _quoted_for() -> str:
    """SQL: the quote of the entry `e` supports a record that involves `:country`: the entry of
    the record on whose page it stands (`cited_for`), or the representation's or headcount's
    countries. A quote's own entry has none (but a statement's: its talks' host), so without
    this `country=` left every quote out, the seed report's among them. One lookup by the
    quote's kind of record (`CASE`): joined to all three, a broad word under a country few
    records involve took twice as long on PostgreSQL (`staff&country=TV&count=true` on the
    bench's data)."""
    return (
        "EXISTS (SELECT 1 FROM quotes q WHERE q.id = CAST(e.record AS BIGINT) AND "
        "CASE q.record_type WHEN 'headcount' THEN EXISTS (SELECT 1 FROM headcount h "
        "WHERE h.id = q.page_id AND :country IN (h.sending_country, h.host_country)) "
        "WHEN 'representation' THEN EXISTS (SELECT 1 FROM representation rp "
        "WHERE rp.id = q.page_id AND :country IN (rp.sending_country, rp.host_country)) "
        f"ELSE EXISTS (SELECT 1 FROM search_entry r WHERE r.kind = {_SEARCHED_AS} "
        "AND r.record = CAST(q.page_id AS VARCHAR(20)) AND r.part = 0 "
        f"AND {_involves('r')}) END)"
    )


def _matches(dialect: str, filters: Filters) -> tuple[str, dict[str, Any]]:
    """The ids of the matching entries, unordered; binds `query`."""
    conditions, params = _conditions(filters)
    where = "".join(f" AND {condition}" for condition in conditions)
    sql = f"SELECT e.id {matching(dialect, 'query', filters.kinds)[1]}{where}"
    return sql, params


def ranked(
    connection: Connection,
    search: Search,
    filters: Filters,
    limit: int,
    after: tuple[float, int] | None,
) -> list[dict[str, Any]]:
    """Up to `limit` matching entries, best first (ties by entry id), after the cursor's
    (score, entry id), each with its `snippet`."""
    after = _anchored(connection, search, after)
    if (found := _ranked_common(connection, search, filters, limit, after)) is not None:
        return found
    if connection.dialect.name == "sqlite":
        return _ranked_sqlite(connection, search, filters, limit, after)
    conditions, params = _conditions(filters)
    params |= {"query": search.tsquery(), "limit": limit}
    if after is not None:
        params |= {"after_score": after[0], "after_id": after[1]}
        conditions.append(common_words.after("r.score", "r.id"))
    score, matches = matching("postgresql", "query", filters.kinds, entries=False)
    where = "".join(f" AND {condition}" for condition in conditions)
    # The matches are scored and sorted alone, then joined to their entries in that order
    # until the page is full. Scored in the join, PostgreSQL carried each match's document
    # through the sort (spilled to disk for a broad word) and computed its score twice:
    # `diplomatic` 148 ms against 59 ms, the same hits (docs/search.md).
    statement = (
        f"SELECT {ENTRY}, {BODY}, r.score FROM (SELECT i.id, {score} AS score {matches} "
        "ORDER BY score DESC, i.id OFFSET 0) r "
        f"JOIN search_entry e ON e.id = r.id WHERE TRUE{where} "
        "ORDER BY r.score DESC, r.id LIMIT :limit"
    )
    rows = [dict(row) for row in connection.execute(text(statement), params).mappings()]
    marked = _headlines(connection, search, rows)
    for row in rows:
        row["snippet"] = marked.get(row["id"], "")
    return rows


def _anchored(
    connection: Connection, search: Search, after: tuple[float, int] | None
) -> tuple[float, int] | None:
    """SQLite: the cursor's (score, entry) with the score its entry has now. bm25 reads the
    whole index's figures, which every write moves: the cursor's score, made before a write,
    no longer stood where its entry stands, and the next page repeated or skipped hits (92 of
    99 for `kabul`, 10 a page, an unrelated event posted after the first). An entry gone, or
    no longer matching, keeps the cursor's score. PostgreSQL's `ts_rank_cd` is the entry's
    own: the cursor stands."""
    if after is None or connection.dialect.name != "sqlite":
        return after
    now = score_now(connection, search.fts5(), after[1])
    return after if now is None else (now, after[1])


def _ranked_common(
    connection: Connection,
    search: Search,
    filters: Filters,
    limit: int,
    after: tuple[float, int] | None,
) -> list[dict[str, Any]] | None:
    """A query of one common word, or of a few that must all hold, from their entries kept in
    the order of their scores (`kit.common_words`): the same hits and scores, without scoring
    every entry that holds them. None when a word is not kept, or the engine is quicker."""
    word = common_words.kept_term(connection, search)
    words = [word] if word is not None else common_words.words_of(search)
    if not words or (len(words) > 1 and (filters.country or filters.from_ or filters.to)):
        return None  # (several words' best entries under a filter: slower than the engine)
    conditions, params = _conditions(filters)
    if filters.kinds:
        conditions.append(kinds_in(filters.kinds))
    where = "".join(f" AND {condition}" for condition in conditions)
    found = common_words.page(connection, words, where, params, limit, after, filters.kinds)
    if found is None:
        return None
    scores = dict(found)
    if not scores:
        return []
    wanted = common_words.ids(scores)
    if connection.dialect.name == "postgresql":
        rows = [
            dict(row)
            for row in connection.execute(
                text(f"SELECT {ENTRY}, {BODY} FROM search_entry e WHERE e.id IN ({wanted})")
            ).mappings()
        ]
        marked = _headlines(connection, search, rows)
        for row in rows:
            row["snippet"] = marked.get(row["id"], "")
    elif len(words) > 1 or words[0].endswith(common_words.PREFIX) or common_words.PAIR in words[0]:
        # The snippets of these entries alone: asked of the index, FTS5 read a prefix's every
        # match for each (`diplomat*`: 86 ms, 1 ms so), and several words' (`united states`:
        # 7 ms, 0.8 so). A word's are quicker asked of it (`diplomatic` under `wrk -c32`: 195
        # req/s, 119 so).
        with common_words.scratch(connection, wanted) as table:
            rows = _snippets_of(connection, search, table, "TRUE")
    else:
        rows = _snippets_of(connection, search, "search_index", f"search_index.rowid IN ({wanted})")
    for row in rows:
        row["score"] = scores[row["id"]]
    return sorted(rows, key=lambda row: (-row["score"], row["id"]))


def _snippets_of(
    connection: Connection, search: Search, table: str, condition: str
) -> list[dict[str, Any]]:
    """SQLite: the entries of FTS5's `table` that match, under `condition`, with their
    snippets (`_snippeted`)."""
    sql = (
        f"SELECT {ENTRY}, {snippets(table)} FROM {table} CROSS JOIN search_entry e "
        f"ON e.id = {table}.rowid WHERE {table} MATCH :query AND {condition}"
    )
    query = engine_query(connection.dialect.name, search)
    return [_snippeted(row) for row in connection.execute(text(sql), {"query": query})]


def _ranked_sqlite(
    connection: Connection,
    search: Search,
    filters: Filters,
    limit: int,
    after: tuple[float, int] | None,
) -> list[dict[str, Any]]:
    """One statement: FTS5 sorts its matches by `rank` itself (`ORDER BY rank` is consumed by
    the table, with the matches in entry id order among equal ranks, which the cursor's
    tie-break relies on: tests/test_search.py pages through ties), and makes snippets only for
    the rows the LIMIT takes. (Asking FTS5 for the snippets of chosen rows afterwards,
    `rowid IN (…)`, ran the whole query again for each row: three to four times slower.) The
    CROSS JOIN keeps FTS5 the outer loop, so that the sort stays its own."""
    conditions, params = _conditions(filters)
    where = "".join(f" AND {condition}" for condition in conditions)
    params |= {"query": search.fts5(), "limit": limit}
    if after is not None:
        # The rank is bm25's, lower is better: the score is its negation.
        params |= {"after_rank": -after[0], "after_id": after[1]}
        where += (
            " AND (search_index.rank > :after_rank OR "
            "(search_index.rank = :after_rank AND search_index.rowid > :after_id))"
        )
    sql = (
        f"SELECT {ENTRY}, -search_index.rank AS score, {SNIPPETS} "
        f"{matching('sqlite', 'query', filters.kinds)[1]} "
        f"AND search_index.rank MATCH '{BM25}'{where} "
        "ORDER BY search_index.rank LIMIT :limit"
    )
    return [_snippeted(row) for row in connection.execute(text(sql), params)]


def count(connection: Connection, search: Search, filters: Filters) -> int:
    word = common_words.kept_term(connection, search)
    if word is not None:  # of one common word (or pair): its kept rows counted
        conditions, params = _conditions(filters)
        where = "".join(f" AND {condition}" for condition in conditions)
        if filters.kinds:
            where += f" AND {kinds_in(filters.kinds)}"
        alone = conditions in ([], [PUBLIC_TEXTS])  # then said of the kept row itself
        public = f" AND {public_texts('p.kind', 'p.record')}" if conditions else ""
        found = common_words.count(
            connection, word, where, params, filters.kinds, public if alone else None
        )
        if found is not None:
            return found
    sql, params = _matches(connection.dialect.name, filters)
    params["query"] = engine_query(connection.dialect.name, search)
    return int(connection.execute(text(f"SELECT count(*) FROM ({sql}) m"), params).scalar_one())


def marked(snippet: str) -> str:
    """A snippet HTML-escaped, its matched words in `<mark>`, each run of white space one space
    (a text's line breaks and indentation), without what an XML text's markup reads as."""
    plain = _CUT_RUN.sub("…", " ".join(snippet.replace(NOTHING, "").split()))
    # Words next to each other are one mark, as SQLite marks a phrase (PostgreSQL marks words:
    # `<mark>U</mark>.<mark>S</mark>. <mark>diplomats</mark>` of `"U.S. diplomats"`).
    joined = _NEIGHBOURS.sub(r"\1", plain) if CLOSE in plain else plain
    return html.escape(joined, quote=False).replace(OPEN, "<mark>").replace(CLOSE, "</mark>")


BODY = "e.body AS body"
"""PostgreSQL: the body of an entry `e`, for `_headlines`."""


def _headlines(
    connection: Connection, search: Search, rows: list[dict[str, Any]]
) -> dict[int, str]:
    """PostgreSQL: each entry's snippet (`snippets.snippet` of a quote's or passage's body, of
    a record's title, else of its body), each row's `body` (`BODY`) taken out; `ts_headline`
    of the entries where no word was found so."""
    made: dict[int, str] = {}
    for row in rows:
        title, body = row["title"], row.pop("body", None)
        if row["kind"] in CONTENT_IN_BODY:  # the quote or passage itself (`_best`); its title
            shown = snippet(body, search)  # is its source's, not searched (0027, 0030)
        else:
            shown = snippet(title, search) or snippet(body, search)
        if shown is not None:
            made[row["id"]] = marked(shown)
    left = [row["id"] for row in rows if row["id"] not in made]
    return made | {
        entry: _best(kind, *texts)
        for entry, (kind, *texts) in _marks(connection, search, left).items()
    }


def _marks(
    connection: Connection, search: Search, ids: list[int]
) -> dict[int, tuple[str, str | None, str | None]]:
    """PostgreSQL: each entry's kind and its title and body with their words marked by
    `ts_headline`, where `snippets.snippet` found no word. The text a hit's kind shows first
    (a quote's body, a record's title) is marked first, and the other only where that found
    no word."""
    if not ids:
        return {}
    wanted = common_words.ids(ids)
    content = kinds_in(sorted(CONTENT_IN_BODY))
    first = f"CASE WHEN {content} THEN {_headline('e.body')} ELSE {_headline('e.title')} END"
    then = f"CASE WHEN {content} THEN {_headline('e.title')} ELSE {_headline('e.body')} END"
    # OFFSET 0: the subquery is not folded into the query, which would mark `first` twice.
    sql = (
        f"SELECT id, kind, first, CASE WHEN strpos(first, '{OPEN}') > 0 THEN NULL ELSE {then} "
        f"END FROM (SELECT e.id, e.kind, e.title, e.body, query, {first} AS first "
        "FROM search_entry e CROSS JOIN to_tsquery('diplo', :query) query "
        f"WHERE e.id IN ({wanted}) OFFSET 0) e"
    )
    params = {"query": search.tsquery()}
    marked: dict[int, tuple[str, str | None, str | None]] = {}
    for entry, kind, shown_first, shown_then in connection.execute(text(sql), params):
        shown, other = _put_back(shown_first), _put_back(shown_then)
        title, body = (other, shown) if kind in CONTENT_IN_BODY else (shown, other)
        marked[entry] = (kind, title, body)
    return marked


def _put_back(headline: str | None) -> str | None:
    return None if headline is None else headline.translate(_PUT_BACK)


def _headline(column: str) -> str:
    """A column's snippet: the whole of a short text (`SHORT`), else up to two fragments."""
    whole = f"COALESCE({column}, '')"
    text = whole
    for n, joiner in enumerate(_JOINERS):
        text = f"replace({text}, '{joiner}', chr({0x0E + n}))"
    return (
        f"CASE WHEN length({whole}) <= {SHORT} THEN ts_headline('diplo', {text}, query, "
        f"'{_WHOLE}') ELSE ts_headline('diplo', {text}, query, '{_HEADLINE}') END"
    )


def _snippeted(row: Row[Any]) -> dict[str, Any]:
    """SQLite: an entry read with its `SNIPPETS`, the best of the two as its `snippet`."""
    entry = dict(row._mapping)
    entry["snippet"] = _best(entry["kind"], entry.pop("title_snippet"), entry.pop("body_snippet"))
    return entry


def _best(kind: str, title: str | None, body: str | None) -> str:
    """The snippet of the title where it matched, else of the body, marked. (An event's body
    is its kind: `diplomatic` found its summary and showed
    "<mark>diplomatic</mark>_relations".) A quote or a passage shows itself, marked where the
    words are in it: a quote found by its source's title alone showed that title (the hit's
    `title` already), and six quotes of one article could not be told apart (a new user's
    trial)."""
    if kind in CONTENT_IN_BODY and body:
        return marked(body)
    best = title if OPEN in (title or "") or OPEN not in (body or "") else body
    return marked(best or title or "")


_FIRST_WORD, _LAST_WORD = re.compile(r"^[^\W_]+"), re.compile(r"[^\W_]+$")


def _uncut(snippet: str, part: int, size: int) -> str:
    """A passage's snippet without what its window cut of a word at either end, `…` there
    instead: a passage after a text's first starts `STEP` characters after the one before
    ("w.wikidata.org", "e sovereignty" of "Portuguese sovereignty"), and one of `PASSAGE`
    characters ends where the next goes on ("Belize City offi"). A word marked is whole."""
    if part > 1 and not snippet.startswith("…"):
        snippet = _CUT_RUN.sub("…", "…" + _FIRST_WORD.sub("", snippet).lstrip())
    if size >= PASSAGE and not snippet.endswith("…"):
        snippet = _LAST_WORD.sub("", snippet).rstrip() + "…"
    return snippet


def hit(row: dict[str, Any]) -> dict[str, Any]:
    """An entry as `/v1/search` serves it."""
    kind, record = row["kind"], row["record"]
    if kind == HitKind.texts:
        start = (row["part"] - 1) * STEP
        url = f"/v1/sources/{record}/text#char={start},{start + (row['size'] or 0)}"
    else:
        url = f"/v1/{kind}/{record}"
    snippet = row["snippet"]
    if kind == HitKind.texts:
        snippet = _uncut(snippet, row["part"], row["size"] or 0)
    return {
        "kind": kind,
        "id": record if kind == HitKind.countries else int(record),
        "url": url,
        "title": row["title"],
        "snippet": snippet,
        "score": row["score"],
        "date": row["date"],
        "cited_for": None,
    }


SEARCHED_AS: dict[str, HitKind] = {
    "official": HitKind.officials,
    "mission": HitKind.missions,
    "mission_status": HitKind.missions,
    "measure": HitKind.measures,
    "visa_dispute": HitKind.visa_disputes,
    "talks": HitKind.talks,
    "talks_statement": HitKind.talks,
    "event": HitKind.events,
    "official_post": HitKind.posts,
}
"""The kind of entry of the record each kind of quote supports, by the page it is on (a
status's mission, a statement's round of talks); headcounts and representations have none."""
_SEARCHED_AS = (
    "CASE q.record_type "
    + " ".join(f"WHEN '{fact}' THEN '{kind.value}'" for fact, kind in SEARCHED_AS.items())
    + " END"
)
_INVOLVES = f"(CASE WHEN e.kind = 'citations' THEN {_quoted_for()} ELSE {_involves('e')} END)"
"""SQL: the entry `e` involves the country `:country`, a quote by the record it supports alone
(a statement's entry holds its talks' host, which the talks' entry holds only without a
dispute: a statement and a citation of one round were told apart, a review)."""


LEVELS = {
    "interests": "interests section",
    "liaison": "liaison office",
    "ambassador_nonresident": "non-resident ambassador",
    "envoy_nonresident": "non-resident envoy",
    "consul_nonresident": "non-resident consul",
    "none": "no representation",
}
"""A representation's level as its label says it (the others as they are written)."""
STAFF = {"administrative_technical": "administrative and technical staff", "total": "staff"}
"""A headcount's category as its label says it (the others, then `staff`)."""
_UNSEARCHED = (
    "LEFT JOIN representation r ON q.record_type = 'representation' AND r.id = q.page_id "
    "LEFT JOIN headcount h ON q.record_type = 'headcount' AND h.id = q.page_id "
    "LEFT JOIN country cs ON cs.code = COALESCE(r.sending_country, h.sending_country) "
    "LEFT JOIN country ch ON ch.code = COALESCE(r.host_country, h.host_country)"
)


def cited_for(connection: Connection, quotes: list[int]) -> dict[int, dict[str, Any]]:
    """Of each quote (its id), the record it supports: its kind (the quote's `record_type`),
    its page, and a line naming it (its entry's title; a representation's or a headcount's,
    which are not searched, `_unsearched`). Two quotes of the same words in one source (the
    seed report's "in a row over the functioning of their embassies", for each country's
    embassy) were two hits alike in every word shown (`q=embassies row`: five hits, two pairs)."""
    if not quotes:
        return {}
    rows = connection.execute(
        text(
            "SELECT q.id, q.record_type, q.page_id, e.title FROM quotes q "
            f"LEFT JOIN search_entry e ON e.kind = {_SEARCHED_AS} "
            "AND e.record = CAST(q.page_id AS VARCHAR(20)) AND e.part = 0 "
            f"WHERE q.id IN ({common_words.ids(quotes)})"
        )
    )
    found = {}
    for quote, record_type, page, title in rows:
        path = FACT_PATHS.get(record_type)
        found[int(quote)] = {
            "record_type": record_type,
            "url": path.format(id=page) if path and page is not None else None,
            "title": title,
        }
    unsearched = [quote for quote, record in found.items() if record["record_type"] in UNSEARCHED]
    for quote, title in _unsearched(connection, unsearched).items():
        found[quote]["title"] = title
    return found


UNSEARCHED = ("representation", "headcount")
"""The kinds of record a quote supports that have no entry of their own."""


def _unsearched(connection: Connection, quotes: list[int]) -> dict[int, str]:
    """A line naming the representation or headcount each quote supports: its countries, and
    its level and start, or its count and date."""
    if not quotes:
        return {}
    rows = connection.execute(
        text(
            "SELECT q.id, cs.name, ch.name, r.level, r.valid_from, h.kind, h.category, "
            f"h.count, h.as_of FROM quotes q {_UNSEARCHED} "
            f"WHERE q.id IN ({common_words.ids(quotes)})"
        )
    )
    named = {}
    for quote, sending, host, level, since, kind, category, count, day in rows:
        if level is not None:
            named[int(quote)] = f"{LEVELS.get(level, level)} of {sending} in {host}, from {since}"
        elif kind is not None:
            staff = STAFF.get(category, f"{category} staff")
            cap = "a cap of " if kind == "cap" else ""
            named[int(quote)] = f"{cap}{count} {staff} of {sending} in {host}, as of {day}"
    return named


def hits(connection: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries as `/v1/search` serves them, each quote with the record it is cited for."""
    made = [hit(row) for row in rows]
    quotes = [one["id"] for one in made if one["kind"] == HitKind.citations]
    cited = cited_for(connection, quotes)
    for one in made:
        if one["kind"] == HitKind.citations:
            one["cited_for"] = cited.get(one["id"])
    return made
