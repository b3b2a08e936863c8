"""Facets: how many of a list's items hold each value of a field, under the list's filters
(docs/design.md, "Facets").

`?facet=status&facet=host_country` adds to the page `"facets": {"status": [{"value":
"operating", "count": 123}, …, {"value": null, "count": 9}]}`: the `facet_size` (10) most
frequent values, the most frequent first (ties by value, null last), null counted as a value.
`facet_info` says, per facet, how many items hold a value past those (`other`), so that the
counts and `other` add up to the list's `total`, and whether the time limit cut it short.

A list offers a facet for each of its filters that matches one field (`status`, `kinds`), and
`year` and `month` of its date when it has one (values `"2021"`, `"2021-10"`). Each facet is one
`GROUP BY` over the rows the list's filters select, with a window sum for `other` (the date's,
one by day, added up by year or month here); it may run
for `FACET_TIME_LIMIT_MS` (PostgreSQL's `statement_timeout`, SQLite's progress handler), past
which it is answered as cut short rather than holding the request."""

from collections.abc import Sequence
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema, create_model
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    bindparam,
    func,
    select,
    type_coerce,
)
from sqlalchemy.exc import OperationalError

from app.db import time_limited, timed_out
from app.kit.filters import filter_conditions, filter_values
from app.kit.query import CommaList, ListQuery, Q
from app.kit.spec import ListSpec, Row

FACET_SIZE = 10
MAX_FACET_SIZE = 100
DATE_FACETS = {"year": 4, "month": 7}  # the facet, and the length of its value ("2021-10")
VALUE = "facet_value"


def facet_names(spec: ListSpec) -> tuple[str, ...]:
    """The facets a list offers: its filters that match one field, then its date's."""
    names = [name for name, target in spec.filters.items() if isinstance(target, Column)]
    if spec.date_column is not None:
        names += list(DATE_FACETS)
    return tuple(names)


@cache
def with_facets(model: type[Q], names: tuple[str, ...], date: str | None) -> type[Q]:
    """The list's query model with `facet` (one of `names`, repeated or comma-separated; any
    other is a 422 naming those it takes) and `facet_size`; `date` names the field `year` and
    `month` count by."""
    if not names:
        return model
    by_date = (
        f" `year` and `month` count by `{date}` (a date known only to its year counts in its "
        "January, as `from` and `to` see it)."
        if date
        else ""
    )
    # Built at run time, from one list's names (hence `Any`: no static type to check).
    allowed: Any = Literal[tuple(names)]
    commas: Any = CommaList
    facet: Any = Annotated[
        commas[allowed],  # null too: as if absent
        WithJsonSchema({"type": "array", "items": {"type": "string", "enum": list(names)}}),
    ]
    faceted: type[Q] = create_model(
        model.__name__,
        __base__=model,
        __module__=model.__module__,
        facet=(
            facet,
            Field(
                default=None,
                description="Count the matching items per value of these fields (repeat, or "
                "comma-separate): `facets` in the page, under all the list's filters (a "
                "facet's own included, so the counts and `facet_info`'s `other` add up to "
                f"`total`); null is a value too.{by_date} JSON pages only: an export leaves "
                "them out.",
            ),
        ),
        facet_size=(
            int,
            Field(
                default=FACET_SIZE,
                ge=1,
                le=MAX_FACET_SIZE,
                description="How many values each facet lists, the most frequent first "
                f"(default {FACET_SIZE}, at most {MAX_FACET_SIZE}); `facet_info` counts the rest.",
            ),
        ),
    )
    return faceted


def _rows(spec: ListSpec, value: ColumnElement[Any], shape: tuple[Any, ...], dialect: str) -> Any:
    """Exactly the rows the list selects (its own query, as a subquery), with `value` added."""
    return (
        spec.base_query()
        .add_columns(value.label(VALUE))
        .where(*filter_conditions(spec, shape, dialect))
        .subquery()
    )


def _statement(spec: ListSpec, name: str, shape: tuple[Any, ...], dialect: str) -> Select[Any]:
    """Counts per value of a field, the most frequent first, and the count of every row (a
    window over all groups, taken before the limit)."""
    key = ("facet", name, dialect, shape)
    statement = spec.statements.get(key)
    if statement is None:
        target = spec.filters[name]
        assert isinstance(target, Column)
        value = _rows(spec, target, shape, dialect).c[VALUE]
        count = func.count()
        statement = spec.statements[key] = (
            select(value, count.label("count"), func.sum(count).over().label("rows"))
            .group_by(value)
            .order_by(count.desc(), value.is_(None), value)
            .limit(bindparam("facet_size", type_=Integer))
        )
    return statement


def _days(spec: ListSpec, shape: tuple[Any, ...], dialect: str) -> Select[Any]:
    """Counts per day of the list's date: grouped by the column itself, which its index gives
    in order (a million headcounts: 60 ms on SQLite, where grouping by the year's text took
    300), then added up by year or month in Python (a few thousand days)."""
    key = ("facet days", dialect, shape)
    statement = spec.statements.get(key)
    if statement is None:
        assert spec.date_column is not None
        # As stored: ISO text on SQLite, not parsed into dates only to be cut.
        day = spec.date_column if dialect == "postgresql" else type_coerce(spec.date_column, String)
        value = _rows(spec, day, shape, dialect).c[VALUE]
        statement = spec.statements[key] = select(value, func.count()).group_by(value)
    return statement


def _by_period(days: Sequence[Any], length: int) -> list[tuple[Any, int, int]]:
    """Days' counts as years' (`length` 4) or months' (7), in the shape of `_statement`'s rows."""
    counts: dict[str | None, int] = {}
    for day, count in days:
        period = None if day is None else (day if isinstance(day, str) else day.isoformat())
        key = None if period is None else period[:length]
        counts[key] = counts.get(key, 0) + count
    every = sum(counts.values())
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))
    return [(period, count, every) for period, count in ordered]


def facet_counts(
    connection: Connection, spec: ListSpec, query: ListQuery, milliseconds: int
) -> tuple[dict[str, list[Row]], dict[str, Row]]:
    """The facets the query asks for, and their `facet_info`."""
    names: list[str] = getattr(query, "facet", None) or []
    size: int = getattr(query, "facet_size", FACET_SIZE)
    dialect = connection.dialect.name
    shape, params = filter_values(spec, query, connection)
    facets: dict[str, list[Row]] = {}
    info: dict[str, Row] = {}
    days: Sequence[Any] | None = None  # read once for `year` and `month`
    for name in dict.fromkeys(names):  # each once, in the order asked
        try:
            with time_limited(connection, milliseconds):
                if name in DATE_FACETS:
                    if days is None:
                        days = connection.execute(_days(spec, shape, dialect), params).all()
                    found: Sequence[Any] = _by_period(days, DATE_FACETS[name])[:size]
                else:
                    statement = _statement(spec, name, shape, dialect)
                    found = connection.execute(statement, {**params, "facet_size": size}).all()
        except OperationalError as error:
            if not timed_out(error):
                raise
            facets[name], info[name] = [], {"other": None, "cut_short": True}
            continue
        counts = [{"value": value, "count": count} for value, count, _ in found]
        every = int(found[0][2]) if found else 0
        facets[name] = counts
        info[name] = {"other": every - sum(c["count"] for c in counts), "cut_short": False}
    return facets, info
