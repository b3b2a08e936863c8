"""Dates tell the truth: a date known to the week, month or year is the first day of that span
(the ISO week's Monday, the month's 1st, 1 January), as the API now requires of every write.

No schema change: the rule is checked by the API (a weekday is not a CHECK that SQLite and
PostgreSQL can share). The upgrade checks the rows already stored and refuses to run while any
breaks the rule, listing them (table, id, date, precision, the first day of its span): which
day was meant (the span's first day, or the date with a finer precision) only the source can
say, so an operator corrects each row; no date is moved here. The downgrade changes nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00
"""

import datetime as dt
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every stored date with a precision: (table, date column).
DATED = (
    ("event", "date"),
    ("talks_round", "date"),
    ("headcount", "as_of"),
    ("measure", "date"),
    ("source", "published_on"),
    ("mission_status", "effective_on"),
)
SHOWN = 50  # offending rows the message lists; it gives the count of all


def _first_day(day: dt.date, precision: str) -> dt.date:
    if precision == "week":
        return day - dt.timedelta(days=day.weekday())
    if precision == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def _offending() -> Iterator[str]:
    connection = op.get_bind()
    for table_name, column in DATED:
        table = sa.table(
            table_name,
            sa.column("id", sa.Integer()),
            sa.column(column, sa.Date()),
            sa.column("date_precision", sa.String()),
        )
        date, precision = table.c[column], table.c.date_precision
        rows = connection.execute(
            sa.select(table.c.id, date, precision)
            .where(date.is_not(None), precision.in_(("week", "month", "year")))
            .order_by(table.c.id)
        )
        for record_id, day, known_to in rows:
            expected = _first_day(day, known_to)
            if day != expected:
                yield (
                    f"{table_name} {record_id}: {column} {day} with date_precision {known_to} "
                    f"(its first day is {expected})"
                )


def upgrade() -> None:
    offending = list(_offending())
    if offending:
        listed = "\n".join(offending[:SHOWN])
        more = f"\n… and {len(offending) - SHOWN} more" if len(offending) > SHOWN else ""
        raise RuntimeError(
            f"{len(offending)} stored dates are not the first day of the span their "
            "date_precision names (a week's Monday, a month's 1st, a year's 1 January). Set each "
            "to that day, or to the precision the date is known to, then upgrade again:\n"
            f"{listed}{more}"
        )


def downgrade() -> None:
    pass  # nothing was changed
