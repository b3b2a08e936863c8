"""Headcount time series, ready to plot: one series per direction, mission, category and kind,
optionally bucketed to the last value of each month or year."""

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Connection, extract, func, select

from app.common import CountryCode, DatePrecision, Day
from app.errors import BadRequest
from app.headcounts.models import HeadcountKind, StaffCategory, headcount_bucket
from app.headcounts.service import headcount_table
from app.kit.query import CommaList, IdList, in_order
from app.kit.spec import Row

MAX_POINTS = 100_000


class HeadcountFilters(BaseModel):
    """The filters of the headcount list and of its series."""

    sending_country: CommaList[CountryCode] | None = Field(
        default=None, description="Whose staff (alpha-2 or alpha-3, comma-separated)."
    )
    host_country: CommaList[CountryCode] | None = Field(
        default=None, description="Where posted (alpha-2 or alpha-3, comma-separated)."
    )
    mission_id: IdList | None = Field(default=None, description="Missions counted.")
    category: CommaList[StaffCategory] | None = Field(default=None, description="Staff categories.")
    kind: CommaList[HeadcountKind] | None = Field(default=None, description="`actual` or `cap`.")


class Interval(StrEnum):
    day = "day"
    month = "month"
    year = "year"


class SeriesQuery(HeadcountFilters):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: Day | None = Field(
        default=None, alias="from", description="Only counts as of this day or later."
    )
    to: Day | None = Field(default=None, description="Only counts as of this day or earlier.")
    interval: Interval = Field(
        default=Interval.day,
        description="`day`: every count (the last of a day); `month` or `year`: the last count "
        "of each month or year, dated the first day of it.",
    )

    _range_in_order = field_validator("to")(in_order)


class Point(BaseModel):
    date: dt.date = Field(description="The day, or the first day of the bucket.")
    count: int = Field(description="Number of people.")
    date_precision: DatePrecision = Field(
        description="How exactly `date` is known: the interval, or the count's own precision "
        "when that is coarser."
    )
    id: int = Field(description="The headcount the value comes from (`/v1/headcounts/{id}`).")


class Series(BaseModel):
    sending_country: str = Field(description="Whose staff (ISO alpha-2).")
    host_country: str = Field(description="Where posted (ISO alpha-2).")
    mission_id: int | None = Field(description="The mission counted; null for the whole pair.")
    category: StaffCategory = Field(description="Which staff.")
    kind: HeadcountKind = Field(description="`actual` or `cap`.")
    points: list[Point] = Field(description="The values, in date order.")


EXAMPLE: dict[str, Any] = {
    "interval": "year",
    "series": [
        {
            "sending_country": "RU",
            "host_country": "US",
            "mission_id": None,
            "category": "diplomatic",
            "kind": "cap",
            "points": [
                {"date": "2020-01-01", "count": 455, "date_precision": "year", "id": 3},
                {"date": "2021-01-01", "count": 400, "date_precision": "year", "id": 7},
            ],
        }
    ],
}


class SeriesView(BaseModel):
    """Time series of headcounts, one per direction, mission, category and kind."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    interval: Interval = Field(description="The bucket size asked for.")
    series: list[Series] = Field(
        description="Ordered by sending and host country, category, kind, then mission "
        "(the whole pair first)."
    )


COARSENESS = [DatePrecision.day, DatePrecision.week, DatePrecision.month, DatePrecision.year]
h = headcount_table.c
FILTERED = ("sending_country", "host_country", "mission_id", "category", "kind")


def _bucket_start(day: dt.date, precision: DatePrecision) -> dt.date:
    if precision is DatePrecision.year:
        return day.replace(month=1, day=1)
    if precision is DatePrecision.month:
        return day.replace(day=1)
    return day


COARSER = {precision.value: rank for rank, precision in enumerate(COARSENESS)}


def _point(row: Any, interval: Interval) -> Row:
    """The bucket's value: dated by the bucket, unless the count itself is known less exactly
    (a count dated only to a year stays a year in a month's bucket). `row` is a tuple of
    `COLUMNS`."""
    record_id, as_of, own, count = row[0], row[6], row[7], row[8]
    if COARSER[own] >= COARSER[interval.value]:
        return {"date": as_of, "count": count, "date_precision": own, "id": record_id}
    wanted = DatePrecision(interval.value)
    return {
        "date": _bucket_start(as_of, wanted),
        "count": count,
        "date_precision": wanted.value,
        "id": record_id,
    }


COLUMNS = (
    "id",
    "sending_country",
    "host_country",
    "mission_id",
    "category",
    "kind",
    "as_of",
    "date_precision",
    "count",
)


def _in_order(row: Any) -> tuple[Any, ...]:
    """Sending and host country, category, kind, the whole pair before each mission, date."""
    return (row[1], row[2], row[4], row[5], row[3] is not None, row[3] or 0, row[6])


def _conditions(query: SeriesQuery, columns: dict[str, Any]) -> list[Any]:
    """The filters asked for, on `columns` (by filter name)."""
    return [
        columns[name].in_(getattr(query, name))
        for name in FILTERED
        if getattr(query, name) is not None
    ]


def _last_of_each(query: SeriesQuery, from_: dt.date | None, to: dt.date | None) -> Any:
    """The last headcount of each day (or bucket) of each series from the headcounts
    themselves: what the stored buckets cannot give (days, and the part of a bucket up to `to`)."""
    key = [h.sending_country, h.host_country, h.mission_id, h.category, h.kind]
    bucket = {
        Interval.day: [h.as_of],
        Interval.month: [extract("year", h.as_of), extract("month", h.as_of)],
        Interval.year: [extract("year", h.as_of)],
    }[query.interval]
    last_first = func.row_number().over(
        partition_by=[*key, *bucket], order_by=[h.as_of.desc(), h.id.desc()]
    )
    conditions = _conditions(query, {name: h[name] for name in FILTERED})
    if from_ is not None:
        conditions.append(h.as_of >= from_)
    if to is not None:
        conditions.append(h.as_of <= to)
    ranked = (
        select(h.id, *key, h.as_of, h.date_precision, h.count, last_first.label("rank"))
        .where(*conditions)
        .subquery()
    )
    r = ranked.c
    return select(*(r[name] for name in COLUMNS)).where(r.rank == 1)


def _stored(query: SeriesQuery, before: dt.date | None) -> Any:
    """The last headcount of each month or year, as the triggers keep them
    (`headcount_bucket`, migration 0014): one index range, whatever the number of headcounts."""
    b = headcount_bucket.c
    columns = {name: b[name] for name in FILTERED if name != "mission_id"}
    columns["mission_id"] = b.mission_key  # a mission's own; 0 (the whole pair) is no id
    conditions = [b.span == query.interval.value, *_conditions(query, columns)]
    if query.from_ is not None:
        # A bucket's last count is on or after `from` exactly when one of its counts is.
        conditions.append(h.as_of >= query.from_)
    if before is not None:
        conditions.append(b.bucket < before)
    return (
        select(*(h[name] for name in COLUMNS))
        .select_from(headcount_bucket.join(headcount_table, h.id == b.headcount_id))
        .where(*conditions)
    )


def headcount_series(connection: Connection, query: SeriesQuery) -> Row:
    if query.interval is Interval.day:
        statements = [_last_of_each(query, query.from_, query.to)]
    else:
        # The stored buckets, but for the bucket `to` falls in, which holds counts after it.
        last = None if query.to is None else _bucket_start(query.to, DatePrecision(query.interval))
        statements = [_stored(query, last)]
        if query.to is not None and last is not None:
            start = last if query.from_ is None else max(last, query.from_)
            statements.append(_last_of_each(query, start, query.to))
    rows = [
        row
        for statement in statements
        for row in connection.execute(statement.limit(MAX_POINTS + 1)).all()
    ]
    if len(rows) > MAX_POINTS:
        raise BadRequest(
            "Too many points",
            f"More than {MAX_POINTS} points match: narrow the filters or use interval=month "
            "or interval=year.",
            status=422,
        )
    rows.sort(key=_in_order)
    series: list[Row] = []
    for row in rows:
        ident = row[1:6]
        if not series or series[-1]["_ident"] != ident:
            series.append({"_ident": ident, **dict(zip(COLUMNS[1:6], ident, strict=True))})
            series[-1]["points"] = []
        series[-1]["points"].append(_point(row, query.interval))
    for one in series:
        del one["_ident"]
    return {"interval": query.interval.value, "series": series}
