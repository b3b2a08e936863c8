"""What a list query's filters and sort become in SQL: the shape of the filters (the statement
cache key), the values to bind, and the conditions."""

from functools import partial
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    String,
    bindparam,
    exists,
    or_,
    select,
    text,
)
from sqlalchemy.sql.selectable import Subquery

from app.kit import common_words
from app.kit.query import ListQuery
from app.kit.search import (
    Search,
    engine_query,
    parse,
    record_entries,
    record_scores,
    score_now,
)
from app.kit.spec import ListSpec
from app.kit.sql import bound_list, is_in


def filter_values(
    spec: ListSpec, query: ListQuery, connection: Connection
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The shape of the query's filters (the statement cache key; `filter_conditions` builds the
    conditions from it) and the values to bind. Only values are worked out per request: building
    SQL expressions costs more than running the cached statement (docs/design.md, "Performance")."""
    shape: list[Any] = []
    params: dict[str, Any] = {}
    for name, column in spec.filters.items():
        value = getattr(query, name, None)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if isinstance(column, Column) and len(values) == 1:
            # One value, the usual case: a plain equality, which every index serves.
            shape.append((name, 1))
            params[name] = values[0]
        else:
            shape.append((name, "many"))
            params[name] = bound_list(connection, values)
    if spec.date_column is not None:
        for name in ("from_", "to"):
            if getattr(query, name, None) is not None:
                shape.append((name, 1))
                params[name] = getattr(query, name)
    text = getattr(query, "q", None)
    if text:
        kinds = spec.search_kinds if spec.search_kinds_in_match else ()
        search = parse(text)
        params["search_query"] = engine_query(connection.dialect.name, search, kinds)
        held = _kept(connection, spec, search)
        if held is None:
            shape.append(("q", 1))
        else:  # one common word, read from its kept rows (kit/common_words.py)
            shape.append(("q", "kept, changed" if held.changed else "kept"))
            params |= {KEPT: held, "search_word": held.word}
            if held.changed:
                params["search_changed"] = bound_list(connection, held.changed)
    return tuple(shape), params


KEPT = "search_kept"
"""The parameter that holds the kept word a list's `q` is (`common_words.Kept`), when it is
one: `kit.listing` reads its page and total from its kept rows."""


def _kept(connection: Connection, spec: ListSpec, search: Search) -> common_words.Kept | None:
    """The kept word (or prefix, or pair) the query is, if it is one and the list's records
    have one entry each of one kind and numbers for ids (the kept rows' `record`): not
    `sources`, whose texts are windows, nor `countries`, whose ids are codes (292: the engine
    is quick)."""
    word = common_words.kept_term(connection, search)
    one_each = len(spec.search_kinds) == 1 and spec.search_kinds[0] != "texts"
    if word is None or not one_each or not isinstance(spec.id_column.type, Integer):
        return None
    return common_words.kept(connection, word)


def kept_of(spec: ListSpec, dialect: str, changed: bool) -> tuple[Any, list[ColumnElement[bool]]]:
    """The kept rows `p` of the list's kind that hold `:search_word` (migration 0025), and the
    conditions that say so, the changed entries (`:search_changed`) left aside."""
    kept = common_words.POSTINGS.alias("p")
    conditions = [
        kept.c.term == bindparam("search_word", type_=String),
        kept.c.kind == spec.search_kinds[0],
    ]
    if changed:
        conditions.append(~is_in(kept.c.entry, "search_changed", dialect))
    return kept, conditions


def filter_conditions(
    spec: ListSpec,
    shape: tuple[Any, ...],
    dialect: str,
    ranked: bool = False,
    walked: bool = False,
) -> list[ColumnElement[bool]]:
    """The filter conditions of a shape made by `filter_values`, with bound parameters (but
    `q`'s when the statement is `ranked`: its join with the scores does that). `walked`: the
    statement reads the list in its order till a page is full (`_matching`)."""
    conditions: list[ColumnElement[bool]] = []
    for name, many in shape:
        if name in ("from_", "to"):
            assert spec.date_column is not None
            column = spec.date_column
            compare = column.__ge__ if name == "from_" else column.__le__
            conditions.append(compare(bindparam(name, type_=column.type)))
        elif name == "q":
            if not ranked:
                conditions.append(_matching(spec, dialect, many, walked))
        else:
            target = spec.filters[name]
            if many == 1 and isinstance(target, Column):
                conditions.append(target == bindparam(name, type_=target.type))
            elif isinstance(target, Column):
                conditions.append(_is_among(target, name, dialect))
            else:
                conditions.append(target(partial(_is_among, name=name, dialect=dialect)))
    return conditions


def _matching(spec: ListSpec, dialect: str, how: Any, walked: bool) -> ColumnElement[bool]:
    """The record matches `q`: as the engine finds it, or as the kept rows of its word say
    (and the engine of the entries changed since). The engine reads every match, a common
    word's too: `/v1/citations?q=diplomatic&sort=-id` 25 ms against 17.5 from the kept rows on
    SQLite (docs/search.md, "Common words"). A `walked` statement asks the kept rows of each
    record it reads (migration 0026): 0.2 ms. A count or a facet reads them all instead,
    which SQLite does faster than it asks of each of the list's records (19 ms against 47)."""
    if how == 1:
        return spec.id_column.in_(select(ranking(spec, dialect, False).c.record))
    kept, conditions = kept_of(spec, dialect, how == "kept, changed")
    found: ColumnElement[bool]
    if walked:
        found = exists().where(*conditions, kept.c.record == spec.id_column)
    else:
        found = spec.id_column.in_(select(kept.c.record).where(*conditions))
    if how == "kept":
        return found
    changed = ranking(spec, dialect, scored=False, changed=True)
    return or_(found, spec.id_column.in_(select(changed.c.record)))


def _is_among(column: ColumnElement[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """`column` is one of the values of the filter `name`, bound as one parameter (`is_in`).
    On PostgreSQL each run is planned for the values (`app.db.PLANS`): a plan made once for any
    values guessed a hundred rows for `/v1/events?country=RU&sort=-date` and read every event
    newest first to find the 14 it keeps (10.5 ms against 1.4 ms)."""
    return is_in(column, name, dialect)


RELEVANCE = "-relevance"
"""The sort of a list searched with `q` and no `sort`: best match first (its cursors say so)."""


def ranking(spec: ListSpec, dialect: str, scored: bool = True, changed: bool = False) -> Subquery:
    """The list's records that match `q`, each with its score (`record`, `score`; only
    `record` if not `scored`): built once a list and database. With `changed`, only those
    whose entry is one of `:search_changed` (`kit.listing._kept_page`)."""
    key = f"{dialect}:{'scored' if scored else 'matched'}:{'changed' if changed else 'all'}"
    if key not in spec.rankings:
        text_key = not isinstance(spec.id_column.type, Integer)  # a country's code
        where = spec.search_where
        if changed:
            entries = (
                "e.id = ANY(CAST(:search_changed AS BIGINT[]))"
                if dialect == "postgresql"
                # (`+rowid`: as `common_words._sqlite` asks)
                else "+search_index.rowid IN (SELECT value FROM json_each(:search_changed))"
            )  # as `is_in` binds them
            where = f"({where}) AND {entries}" if where else entries
        scores = record_scores(spec.search_kinds, dialect, text_key, where, scored).subquery(
            "ranked"
        )
        spec.rankings[key] = scores
    return spec.rankings[key]


def anchored(
    connection: Connection, spec: ListSpec, params: dict[str, Any], after: tuple[Any, Any]
) -> tuple[Any, Any]:
    """SQLite: a relevance cursor's (score, record) with the score its record has now. bm25
    reads the whole index's figures, which every write moves: the cursor's score, made before
    a write, no longer stood where its record stands, and the next page repeated or skipped
    records. A record gone, or no longer matching, keeps the cursor's score."""
    if connection.dialect.name != "sqlite":
        return after
    query = params["search_query"]
    entries = connection.execute(
        text(record_entries(spec.search_kinds)), {"record": str(after[1])}
    ).scalars()
    found = [score_now(connection, query, e, spec.search_kinds, spec.search_where) for e in entries]
    now = max((value for value in found if value is not None), default=None)
    return after if now is None else (now, after[1])


def resolve_sort(
    spec: ListSpec, query: Any, dialect: str
) -> tuple[str, Column[Any], bool, Subquery | None]:
    """The sort asked for, or the list's default; its column, whether it descends, and the
    scores it is by when it is by relevance (`q` and no `sort`). The query model lets only the
    spec's sorts through (kit/query.py, `with_sorts`)."""
    if query.sort is None and getattr(query, "q", None):
        scores = ranking(spec, dialect)
        score = cast(Column[Any], scores.c.score)  # a Column (`record_scores`)
        return RELEVANCE, score, True, scores
    sort = query.sort or spec.default_sort
    return sort, spec.sorts[sort.removeprefix("-")], sort.startswith("-"), None
