"""Dialect helpers: one-parameter IN lists, statements built once per dialect, related rows,
INSERTs that may meet a unique index."""

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    Connection,
    Result,
    Select,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.expression import TableClause

from app.kit.spec import Row

T = TypeVar("T")


def insert_into(connection: Connection, table: TableClause) -> postgresql.Insert | sqlite.Insert:
    """The connection's dialect's INSERT into `table`, which takes `ON CONFLICT` (the same
    clauses on both databases)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def is_in(column: ColumnElement[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """`column` is one of the values bound to `name`, whatever their number: one parameter, so
    the statement is built and compiled once (an expanding IN is re-rendered on every run, which
    costs more than the query: docs/design.md, "Performance"). Bind the values with `bound_list`."""
    if dialect == "postgresql":
        return column == func.any(bindparam(name, type_=ARRAY(column.type)))
    values: Select[Any] = select(literal_column("value")).select_from(
        func.json_each(bindparam(name))
    )
    return column.in_(values)


def chunks(values: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """The values in runs of `size` at most: for an `IN (...)` of many values, or a batch of
    inserts, that no database's limit on parameters refuses."""
    return (values[start : start + size] for start in range(0, len(values), size))


def bound_list(connection: Connection, values: Sequence[Any]) -> Any:
    """The value of an `is_in` parameter: an array for PostgreSQL, JSON text for SQLite."""
    if connection.dialect.name == "postgresql":
        return list(values)
    return orjson.dumps(list(values), default=str).decode()


def prepared(build: Callable[[str], Select[Any]]) -> Callable[[Connection], Select[Any]]:
    """A statement built once per database dialect, then only executed."""
    built: dict[str, Select[Any]] = {}

    def get(connection: Connection) -> Select[Any]:
        dialect = connection.dialect.name
        if dialect not in built:
            built[dialect] = build(dialect)
        return built[dialect]

    return get


def like_pattern(text: str) -> str:
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def dict_rows(result: Result[Any]) -> list[Row]:
    """Result rows as plain dicts; much cheaper than `.mappings()` on the hot path."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.fetchall()]


def group_by(rows: Sequence[Any], key: str, value: Callable[[Any], Any]) -> dict[Any, list[Any]]:
    """Groups related rows by their parent id, keeping query order."""
    grouped: dict[Any, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(value(row))
    return grouped


def values_of(
    owner: Column[Any], value: Column[Any]
) -> Callable[[Connection, list[Any]], dict[Any, list[Any]]]:
    """An embed of plain values kept in a table of their own (an event's countries, a
    mission's jurisdictions), sorted: one query for a page's ids."""
    statement = prepared(
        lambda dialect: (
            select(owner, value).where(is_in(owner, "ids", dialect)).order_by(owner, value)
        )
    )

    def load(connection: Connection, ids: list[Any]) -> dict[Any, list[Any]]:
        rows = related_rows(connection, statement, ids)
        return group_by(rows, owner.key, lambda row: row[value.key])

    return load


def values_json(
    owner: Column[Any], value: Column[Any]
) -> Callable[[str, ColumnElement[Any]], ColumnElement[Any]]:
    """The inline form of `values_of` (an `Embed`'s `inline`): a record's values as a sorted
    JSON array, a correlated subquery of its list page's statement."""

    def inline(dialect: str, record_id: ColumnElement[Any]) -> ColumnElement[Any]:
        mine = owner == record_id
        if dialect == "postgresql":
            array = func.json_agg(aggregate_order_by(value, value))
            return (
                select(func.coalesce(array, literal_column("'[]'::json")))
                .where(mine)
                .scalar_subquery()
            )
        # SQLite 3.40 has no ORDER BY inside an aggregate: aggregate an ordered subquery.
        values = (
            select(value.label("v")).where(mine).order_by(value).correlate_except(owner.table)
        ).subquery()
        return select(func.json_group_array(values.c.v)).scalar_subquery()

    return inline


def related_rows(
    connection: Connection, statement: Callable[[Connection], Select[Any]], ids: Sequence[Any]
) -> list[Row]:
    """Runs a prepared embed query (`is_in(…, "ids", …)`) for a page's ids."""
    return dict_rows(
        connection.execute(statement(connection), {"ids": bound_list(connection, ids)})
    )
