"""What a list query's filters and sort become in SQL: the shape of the filters (the statement
cache key), the values to bind, and the conditions."""

from functools import partial
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    bindparam,
    or_,
)
from sqlalchemy.sql.elements import BindParameter

from app.kit.query import ListQuery
from app.kit.spec import ListSpec
from app.kit.sql import bound_list, is_in, like_pattern


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
        shape.append(("q", 1))
        params["q"] = like_pattern(text)
    return tuple(shape), params


def filter_conditions(
    spec: ListSpec, shape: tuple[Any, ...], dialect: str
) -> list[ColumnElement[bool]]:
    """The filter conditions of a shape made by `filter_values`, with bound parameters."""
    conditions: list[ColumnElement[bool]] = []
    for name, many in shape:
        if name in ("from_", "to"):
            assert spec.date_column is not None
            column = spec.date_column
            compare = column.__ge__ if name == "from_" else column.__le__
            conditions.append(compare(bindparam(name, type_=column.type)))
        elif name == "q":
            pattern: BindParameter[str] = bindparam("q")
            conditions.append(or_(*(c.ilike(pattern, escape="/") for c in spec.search_columns)))
        else:
            target = spec.filters[name]
            if many == 1 and isinstance(target, Column):
                conditions.append(target == bindparam(name, type_=target.type))
            elif isinstance(target, Column):
                conditions.append(is_in(target, name, dialect))
            else:
                conditions.append(target(partial(is_in, name=name, dialect=dialect)))
    return conditions


def resolve_sort(spec: ListSpec, sort: str | None) -> tuple[str, Column[Any], bool]:
    """The sort asked for, or the list's default; its column, and whether it descends. The
    query model lets only the spec's sorts through (kit/query.py, `with_sorts`)."""
    sort = sort or spec.default_sort
    return sort, spec.sorts[sort.removeprefix("-")], sort.startswith("-")
