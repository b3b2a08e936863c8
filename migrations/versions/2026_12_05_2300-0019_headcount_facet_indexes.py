"""Indexes on the headcounts' `kind` and `category`, the facets a dashboard asks of them most
(issue 15: one facet over 1,000,000 headcounts within 100 ms). A facet is a `GROUP BY` of the
rows the list's filters select; over every headcount, an index on the field gives its values
in order, read whole without the table (bench/README.md, "bench.facets").

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = ("kind", "category")


def upgrade() -> None:
    for field in FIELDS:
        op.create_index(op.f(f"ix_headcount_{field}"), "headcount", [field])


def downgrade() -> None:
    for field in FIELDS:
        op.drop_index(op.f(f"ix_headcount_{field}"), table_name="headcount")
