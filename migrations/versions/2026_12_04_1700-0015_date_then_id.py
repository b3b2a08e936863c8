"""Events and rounds of talks indexed by date, then id: the order their lists and the relation
view read them in (`sort=date` and `-date` break ties by id), so that a page is one index range
on PostgreSQL even when thousands of them share a date (a year-precision date is 1 January).
Measured on PostgreSQL with 3,849 events of one date: the newest 50 of a country in 8.4 ms with
the date alone (an incremental sort of the whole day), 0.2 ms with date and id. SQLite's index
on the date held the id already (as its rowid); it gets the same index, for one schema.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("event", "talks_round")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(op.f(f"ix_{table}_date_id"), table, ["date", "id"])
        op.drop_index(op.f(f"ix_{table}_date"), table_name=table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(op.f(f"ix_{table}_date"), table, ["date"])
        op.drop_index(op.f(f"ix_{table}_date_id"), table_name=table)
