"""The list machine's fetchers: a page with its embeds and next cursor, one record, many records.

Every list endpoint describes itself with a `ListSpec` (see `spec`) and a query model derived
from `ListQuery` (see `query`); `fetch_page` does the rest with one page query, one query per
embedded relation that is not inline and, when asked, one count.
"""

from collections.abc import Callable, Sequence
from typing import Any, Literal

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Float,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    type_coerce,
)
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlalchemy.sql.selectable import Select, Subquery

from app.errors import NotFound
from app.kit import common_words
from app.kit.cursor import after_cursor, by_relevance_to, decode_cursor, encode_cursor
from app.kit.filters import (
    KEPT,
    anchored,
    filter_conditions,
    filter_values,
    kept_of,
    ranking,
    resolve_sort,
)
from app.kit.json_rows import json_row
from app.kit.query import ListQuery, Page
from app.kit.spec import ListSpec, Row
from app.kit.sql import bound_list, dict_rows, is_in


def fetch_page(connection: Connection, spec: ListSpec, query: ListQuery) -> Page[Row]:
    """One page of items with their embeds, the cursor of the next page and, if asked, the total.

    Statements are cached by their shape (which filters, which sort, whether a cursor), so a
    request binds values to a statement built and compiled before; inline embeds come with the
    page's rows."""
    return fetch_page_and(connection, spec, query, None)[0]


Columns = Literal["page", "tuples", "json"]
"""What a page statement selects: the spec's columns and inline embeds, each row as a dict
("page"), the same as plain tuples ("tuples", for CSV), or each row as one JSON text
("json", for NDJSON; only for specs that `renders_in_sql`)."""


def fetch_page_and(
    connection: Connection,
    spec: ListSpec,
    query: ListQuery,
    extra: KeyedColumnElement[Any] | None,
) -> tuple[Page[Row], Any]:
    """`fetch_page`, and the value of `extra` (an uncorrelated scalar subquery, such as the
    list's version) read by the same statement; None when the page is empty."""
    keys, tuples, next_cursor = fetch_rows(connection, spec, query, "page", extra)
    rows = [dict(zip(keys, row, strict=True)) for row in tuples]
    extra_value = None
    if extra is not None and rows:
        extra_value = rows[0][extra.key]
        for row in rows:
            del row[extra.key]
    total = None
    if query.count:
        shape, params = filter_values(spec, query, connection)
        total = kept_count(connection, spec, shape, params)
        if total is None:
            dialect = connection.dialect.name
            count_key = ("count", dialect, shape)
            counter = spec.statements.get(count_key)
            if counter is None:
                filtered = spec.base_query().where(*filter_conditions(spec, shape, dialect))
                counter = spec.statements[count_key] = select(func.count()).select_from(
                    filtered.subquery()
                )
            total = connection.execute(counter, params).scalar_one()
    parse_inline(spec, rows)
    # model_construct: these rows come from our own query; validating them again is waste.
    page = Page[Row].model_construct(
        items=finish_rows(connection, spec, rows, inlined=True),
        next_cursor=next_cursor,
        total=total,
    )
    return page, extra_value


def fetch_rows(
    connection: Connection,
    spec: ListSpec,
    query: ListQuery,
    columns: Columns,
    extra: KeyedColumnElement[Any] | None = None,
) -> tuple[list[str], Sequence[Any], str | None]:
    """The keys and rows of one page, as the database returns them, and the next cursor.

    Statements are cached by their shape (which filters, which sort, whether a cursor), so a
    request binds values to a statement built and compiled before."""
    dialect = connection.dialect.name
    sort, column, descending, scores = resolve_sort(spec, query, dialect)
    shape, params = filter_values(spec, query, connection)
    after: tuple[Any, Any] | None = None
    # A cursor by relevance names the words searched too (the statement's key does not).
    cursor_sort = sort if scores is None else by_relevance_to(sort, getattr(query, "q", ""))
    if query.cursor:
        after = decode_cursor(query.cursor, cursor_sort, column, spec.id_column)
        if scores is not None:
            after = anchored(connection, spec, params, after)
        params["after_value"], params["after_id"] = after
    key = (
        columns,
        dialect,
        sort,
        shape,
        after is not None,
        after is not None and after[0] is None,
        None if extra is None else extra.key,
    )
    kept = None
    held = params.get(KEPT) if scores is not None and columns == "page" else None
    statement = spec.statements.get(key)
    if held is not None and dialect == "postgresql" and not held.changed:
        # The kept rows' order is the page's: one statement, as the engine's page is.
        statement = _kept_statement(spec, shape, after is not None, extra)
    elif held is not None:
        kept = _kept_page(connection, spec, query, shape, params, after)
        statement = _rows_of(spec, dialect, extra)
        params["page_ids"] = bound_list(connection, [record for record, _ in kept])
    elif statement is None:
        if columns == "json":
            # The sort value only makes the cursor: as stored (no date parsing), it encodes alike.
            plain_sort = type_coerce(column, String) if isinstance(column.type, Date) else column
            statement = select(plain_sort, spec.id_column, json_row(spec, dialect))
            statement = statement.where(*spec.where)
        elif columns == "tuples":
            # Dates as the database gives them (ISO text on SQLite), not parsed into objects
            # only to be written out again.
            plain = [
                type_coerce(c, String).label(c.key) if isinstance(c.type, Date) else c
                for c in spec.columns
            ]
            # Embeds as JSON text, NULL when empty (most rows): CSV writes both as they are.
            embeds = [
                func.nullif(cast(c, Text), literal_column("'[]'")).label(c.key)
                for c in inline_columns(spec, dialect)
            ]
            statement = select(*plain, *embeds).where(*spec.where)
        else:
            statement = spec.base_query().add_columns(*inline_columns(spec, dialect))
        if extra is not None:
            statement = statement.add_columns(extra)
        if scores is not None and columns == "page":
            statement = _ranked_page(spec, statement, shape, dialect, scores, after)
        else:
            if scores is not None and columns != "json":  # the score, last, for the cursor
                statement = statement.add_columns(column.label("_score"))
            statement = _ordered_page(
                spec, statement, shape, dialect, (column, descending), scores, after
            )
        spec.statements[key] = statement
    result = connection.execute(statement, {**params, "limit": query.limit + 1})
    keys = list(result.keys())
    if kept is not None:  # in the page's order, each with its score, last
        found = {row._mapping[spec.id_column.key]: row for row in result}
        keys.append("_score")
        rows: Sequence[Any] = [(*found[record], score) for record, score in kept]
    elif columns == "page":
        rows = result.fetchall()
    else:
        # The driver's own tuples: these statements select nothing SQLAlchemy must convert,
        # and skipping its row processing is a fifth of an export's time.
        rows = result.cursor.fetchall()
        result.close()
    next_cursor = None
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        last = rows[-1]
        if columns == "json":
            value, last_id = last[0], last[1]
        elif scores is not None:
            value, last_id = last[-1], last[keys.index(spec.id_column.key)]
        else:
            value, last_id = last[keys.index(column.key)], last[keys.index(spec.id_column.key)]
        next_cursor = encode_cursor(cursor_sort, value, last_id)
    if scores is not None and columns != "json":
        keys, rows = keys[:-1], [row[:-1] for row in rows]
    return keys, rows, next_cursor


def _walkable(spec: ListSpec, column: Any) -> bool:
    """Whether an index gives the list's rows in the order of `column`: its id, or the first
    column of an index of its table. A filter then asks of each row it reads, in that order,
    till the page is full (`filters._matching`)."""
    if column is spec.id_column:
        return True
    table = getattr(column, "table", None)
    indexes = getattr(table, "indexes", ())
    return any(next(iter(index.columns), None) is column for index in indexes)


def _ordered_page(
    spec: ListSpec,
    statement: Select[Any],
    shape: tuple[Any, ...],
    dialect: str,
    by: tuple[Any, bool],
    scores: Subquery | None,
    after: tuple[Any, Any] | None,
) -> Select[Any]:
    """The page: the filtered rows in the order of `by` (a column, whether it descends), then
    of the id, up to `:limit`."""
    column, descending = by
    walked = _walkable(spec, column)
    conditions = filter_conditions(spec, shape, dialect, scores is not None, walked)
    statement = statement.where(*conditions)
    if scores is not None:  # by relevance: the matching records, each with its score
        statement = statement.where(spec.id_column == scores.c.record)
    if after is not None:
        statement = statement.where(
            after_cursor(column, spec.id_column, descending, after[0] is None)
        )
    order = [column.desc() if descending else column.asc()]
    if column.nullable:
        order = [order[0].nulls_last()]
    if column is not spec.id_column:
        order.append(spec.id_column.desc() if descending else spec.id_column.asc())
    return statement.order_by(*order).limit(bindparam("limit", type_=Integer))


def _ranked_page(
    spec: ListSpec,
    statement: Select[Any],
    shape: tuple[Any, ...],
    dialect: str,
    scores: Subquery,
    after: tuple[Any, Any] | None,
) -> Select[Any]:
    """A page by relevance: the page's ids and scores found first, then its rows and inline
    embeds made for them alone, the score last (for the cursor). Made in one, SQLite made
    every match's embeds before sorting them by score (`/v1/events?q=embassy`: 279 events'
    countries and citations for a page of 50, 2.30 ms against 1.53 of SQL)."""
    score = scores.c.score
    found = _ordered_page(
        spec,
        select(spec.id_column.label("id"), score.label("score")).where(*spec.where),
        shape,
        dialect,
        (score, True),
        scores,
        after,
    ).subquery("page")
    return (
        statement.add_columns(found.c.score.label("_score"))
        .where(spec.id_column == found.c.id)
        .order_by(found.c.score.desc(), spec.id_column.desc())
    )


def _kept_page(
    connection: Connection,
    spec: ListSpec,
    query: ListQuery,
    shape: tuple[Any, ...],
    params: dict[str, Any],
    after: tuple[Any, Any] | None,
) -> list[tuple[Any, float]]:
    """A page by relevance for a `q` of one common word, prefix or pair (`kit.common_words`),
    from the word's entries kept in the order of their scores: the page's (record, score),
    best first and ties by id descending as the engine's page has them, up to `limit + 1`,
    without scoring every record that holds the word (`/v1/citations?q=diplomatic`: 39,000 quotes).
    The word is `params[KEPT]` (kit/filters.py says which lists read kept rows)."""
    held = params[KEPT]
    dialect = connection.dialect.name
    limit = query.limit + 1
    params = params | {"limit": limit}
    found: list[tuple[Any, float]] = []
    if held.changed:  # scored by the engine, under the same filters
        changed = _changed_page(spec, shape, dialect, after)
        found += [
            (record, float(score)) for record, score in connection.execute(changed, params).all()
        ]
    pair = common_words.PAIR in held.word
    walk = _kept_walk(spec, shape, dialect, after is not None, bool(held.changed), pair)
    if dialect == "postgresql":
        found += [
            (record, float(score)) for record, score in connection.execute(walk, params).all()
        ]
        return common_words.in_order(found, limit, ids_descending=True)
    params |= common_words.bm25_figures(connection, held)

    def group(counts: common_words.Group) -> list[tuple[Any, float]]:
        rows = connection.execute(walk, params | common_words.of_group(counts)).all()
        return [(record, float(score)) for record, score in rows]

    return common_words.best_first(
        held, params, limit, found, group, ids_descending=True, kinds=spec.search_kinds
    )


def kept_count(
    connection: Connection, spec: ListSpec, shape: tuple[Any, ...], params: dict[str, Any]
) -> int | None:
    """The total of a list whose `q` is one common word (or prefix, or pair), counted from the
    kept rows (and the changed entries by the engine), as `_kept_page` reads them; None when
    it reads none.
    (Counted by the engine, `/v1/citations?q=diplomatic&count=true` scored every quote that
    holds the word: 88 ms.)"""
    held = params.get(KEPT)
    if held is None:
        return None
    dialect = connection.dialect.name
    key = ("kept-count", dialect, shape)
    if (statement := spec.statements.get(key)) is None:
        conditions = _kept_rows(spec, shape, dialect, bool(held.changed), joined=False)[1]
        statement = spec.statements[key] = select(func.count()).where(*conditions)
    total = int(connection.execute(statement, params).scalar_one())
    if held.changed:
        changed_key = ("kept-count-changed", dialect, shape)
        if (counter := spec.statements.get(changed_key)) is None:
            matched = ranking(spec, dialect, scored=False, changed=True)  # counted, not scored
            # The changed records found first (`IN`), then each looked up: joined, SQLite
            # scanned the list's table for each (a minute for `/v1/citations?q=diplomatic`).
            counter = spec.statements[changed_key] = select(func.count()).where(
                *spec.where,
                *filter_conditions(spec, shape, dialect, ranked=True),
                spec.id_column.in_(select(matched.c.record)),
            )
        total += int(connection.execute(counter, params).scalar_one())
    return total


def _changed_page(
    spec: ListSpec, shape: tuple[Any, ...], dialect: str, after: tuple[Any, Any] | None
) -> Select[Any]:
    """`_kept_page`'s records whose entry changed since the word was kept
    (`:search_changed`), scored by the engine as the list's page by relevance scores them."""
    key = (
        "kept-changed",
        dialect,
        shape,
        after is not None,
        after is not None and after[0] is None,
    )
    if (statement := spec.statements.get(key)) is None:
        scores = ranking(spec, dialect, changed=True)
        statement = spec.statements[key] = _ordered_page(
            spec,
            select(spec.id_column, scores.c.score).where(*spec.where),
            shape,
            dialect,
            (scores.c.score, True),
            scores,
            after,
        )
    return statement


def _kept_walk(
    spec: ListSpec, shape: tuple[Any, ...], dialect: str, paged: bool, changed: bool, pair: bool
) -> Select[Any]:
    """The statement of `_kept_page`'s walk of the kept rows: the list's records whose entry
    holds `:search_word`, under its filters, after the cursor, best first and ties by id
    descending, up to `:limit`, in the order of an index (migration 0025); on SQLite those of
    one weighted count (`:rank`; of a `pair`'s words, `:rank` and `:other`), whose order by
    length is their order by score. The entries changed since the word was kept
    (`:search_changed`) left aside."""
    key = ("kept", dialect, shape, paged, changed, pair)
    if (statement := spec.statements.get(key)) is not None:
        return statement
    kept, conditions = _kept_rows(spec, shape, dialect, changed)
    last_id = bindparam("after_id", type_=spec.id_column.type)
    if dialect == "postgresql":
        score: Any = kept.c.rank
        if paged:
            value = bindparam("after_value", type_=Float)
            conditions += [
                kept.c.rank <= value,
                tuple_(kept.c.rank, kept.c.record) < tuple_(value, last_id),
            ]
        order = [kept.c.rank.desc(), kept.c.record.desc()]
    else:
        scored = common_words.SCORE_PAIR if pair else common_words.SCORE
        score = text(f"{scored} AS score")
        conditions.append(kept.c.rank == bindparam("rank", type_=Float))
        if pair:
            conditions.append(kept.c.other == bindparam("other", type_=Float))
        if paged:
            conditions.append(
                or_(
                    text(f"{scored} < :after_value"),
                    and_(text(f"{scored} = :after_value"), kept.c.record < last_id),
                )
            )
        order = [kept.c.size.asc(), kept.c.record.desc()]
    statement = (
        select(spec.id_column, score)
        .where(*conditions)
        .order_by(*order)
        .limit(bindparam("limit", type_=Integer))
    )
    spec.statements[key] = statement
    return statement


def _kept_rows(
    spec: ListSpec, shape: tuple[Any, ...], dialect: str, changed: bool, joined: bool = True
) -> tuple[Any, list[ColumnElement[bool]]]:
    """The kept rows `p` (migration 0025) of the list's records whose entry holds
    `:search_word`, and the conditions that join them to the records under the list's filters,
    the changed entries (`:search_changed`) left aside. Not `joined` and without filters, the
    rows alone: a kept row that no change has touched is of a record the list has (an entry
    is written with its record, and its removal logged as a change)."""
    kept, conditions = kept_of(spec, dialect, changed)
    filters = [*spec.where, *filter_conditions(spec, shape, dialect, ranked=True)]
    if filters or joined:
        conditions += [*filters, spec.id_column == kept.c.record]
    return kept, conditions


def _kept_statement(
    spec: ListSpec, shape: tuple[Any, ...], paged: bool, extra: KeyedColumnElement[Any] | None
) -> Select[Any]:
    """PostgreSQL, no entry changed since the word was kept: the page's rows and inline
    embeds in the order of `_kept_walk`, the score last (for the cursor), as the engine's
    page is one: apart, the walk and the rows were two statements, each planned for its
    values (`/v1/citations?q=diplomatic` in one, 3.0 ms against the list's 2.0)."""
    key = ("kept-page", shape, paged, None if extra is None else extra.key)
    if (statement := spec.statements.get(key)) is None:
        found = _kept_walk(spec, shape, "postgresql", paged, False, False).subquery("page")
        rank = found.c.rank
        statement = spec.base_query().add_columns(*inline_columns(spec, "postgresql"))
        if extra is not None:
            statement = statement.add_columns(extra)
        statement = spec.statements[key] = (
            statement.add_columns(rank.label("_score"))
            .where(spec.id_column == found.c[spec.id_column.key])
            .order_by(rank.desc(), spec.id_column.desc())
        )
    return statement


def _rows_of(spec: ListSpec, dialect: str, extra: KeyedColumnElement[Any] | None) -> Select[Any]:
    """A page's rows and inline embeds, by their ids (`:page_ids`), in no order."""
    key = ("page-of", dialect, None if extra is None else extra.key)
    if (statement := spec.statements.get(key)) is None:
        statement = spec.base_query().add_columns(*inline_columns(spec, dialect))
        if extra is not None:
            statement = statement.add_columns(extra)
        statement = spec.statements[key] = statement.where(
            is_in(spec.id_column, "page_ids", dialect)
        )
    return statement


def inline_columns(spec: ListSpec, dialect: str) -> list[ColumnElement[Any]]:
    """The inline embeds' subqueries, built once a spec and dialect (building them costs more
    than running a small statement)."""
    if dialect not in spec.inlined:
        spec.inlined[dialect] = [
            embed.inline(dialect, spec.id_column).label(embed.name)
            for embed in spec.embeds
            if embed.inline is not None
        ]
    return spec.inlined[dialect]


def parse_inline(spec: ListSpec, rows: list[Row]) -> None:
    """Inline embeds arrive as JSON text (SQLite) or already parsed (PostgreSQL)."""
    for embed in spec.embeds:
        if embed.inline is None:
            continue
        name = embed.name
        for row in rows:
            value = row[name]
            if value is None:
                row[name] = embed.default()
            elif isinstance(value, str | bytes):
                row[name] = orjson.loads(value)


def finish_rows(
    connection: Connection, spec: ListSpec, rows: list[Row], *, inlined: bool = False
) -> list[Row]:
    """Adds the embeds to rows (one query per embed for all of them; none for the embeds the
    page query brought inline) and shapes them."""
    if rows and spec.embeds:
        ids = [row[spec.id_column.key] for row in rows]
        for embed in spec.embeds:
            if inlined and embed.inline is not None:
                continue
            loaded = embed.load(connection, ids)
            for row in rows:
                row[embed.name] = loaded.get(row[spec.id_column.key], embed.default())
    if spec.shape is not None:
        rows = [spec.shape(row) for row in rows]
    return rows


def fetch_where(
    connection: Connection,
    spec: ListSpec,
    name: str,
    build: Callable[[], tuple[Sequence[ColumnElement[bool]], Sequence[Any], int | None]],
    **values: Any,
) -> list[Row]:
    """The records that match, in order, with their embeds: the rows and the inline embeds in
    one statement (as a page's), each other embed one query for all of them. `build` gives
    the conditions (with bind parameters for `values`), the order and the limit; the
    statement is built once a spec, name and dialect, then only executed."""
    key = ("where", name, connection.dialect.name)
    statement = spec.statements.get(key)
    if statement is None:
        where, order_by, limit = build()
        statement = spec.statements[key] = (
            spec.base_query()
            .add_columns(*inline_columns(spec, connection.dialect.name))
            .where(*where)
            .order_by(*order_by)
            .limit(limit)
        )
    rows = dict_rows(connection.execute(statement, values))
    parse_inline(spec, rows)
    return finish_rows(connection, spec, rows, inlined=True)


def fetch_one(connection: Connection, spec: ListSpec, record_id: Any) -> Row:
    """One record by id, with its embeds (those that are inline in the same statement); 404
    naming it when there is none."""
    key = ("one", connection.dialect.name)
    statement = spec.statements.get(key)
    if statement is None:
        statement = spec.statements[key] = (
            spec.base_query()
            .add_columns(*inline_columns(spec, connection.dialect.name))
            .where(spec.id_column == bindparam("record_id", type_=spec.id_column.type))
        )
    rows = dict_rows(connection.execute(statement, {"record_id": record_id}))
    if not rows:
        raise NotFound(detail=f"No {spec.noun} with id {record_id}.")
    parse_inline(spec, rows)
    return finish_rows(connection, spec, rows, inlined=True)[0]


def fetch_many(connection: Connection, spec: ListSpec, ids: Sequence[Any]) -> dict[Any, Row]:
    """Records by id, with their embeds: a few queries per thousand records."""
    found: dict[Any, Row] = {}
    for start in range(0, len(ids), 1000):
        batch = list(ids[start : start + 1000])
        statement = spec.statements.get(("many", connection.dialect.name))
        if statement is None:
            statement = spec.statements[("many", connection.dialect.name)] = (
                spec.base_query().where(is_in(spec.id_column, "ids", connection.dialect.name))
            )
        rows = dict_rows(connection.execute(statement, {"ids": bound_list(connection, batch)}))
        for row in finish_rows(connection, spec, rows):
            found[row[spec.id_column.key]] = row
    return found
