"""Protecting powers (docs/datasets.md, §4): the state whose embassy an interests section was
part of, on the status that says so (`mission_status.protecting_power`), on the timeline's
stretches, and on the mission as its last status gives it.

No stored row changes. The downgrade drops them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:00:00
"""

import importlib.util
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTOINCREMENT = {"sqlite_autoincrement": True}
TABLES = ("mission", "mission_status")


def _rebuilding() -> AbstractContextManager[None]:
    """Revision 0011's guard around SQLite's table rebuilds (ids and views kept): its own."""
    [path] = Path(__file__).parent.glob("*-0011_wikidata_missions.py")
    spec = importlib.util.spec_from_file_location("revision_0011", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    guard: AbstractContextManager[None] = module._rebuilding()
    return guard


def upgrade() -> None:
    for table in TABLES:
        with _rebuilding(), op.batch_alter_table(table, table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.add_column(sa.Column("protecting_power", sa.String(length=4), nullable=True))
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_protecting_power_country"),
                "country",
                ["protecting_power"],
                ["code"],
            )
    op.add_column("mission_timeline", sa.Column("protecting_power", sa.String(4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mission_timeline", table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_column("protecting_power")
    for table in reversed(TABLES):
        with _rebuilding(), op.batch_alter_table(table, table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.drop_constraint(
                op.f(f"fk_{table}_protecting_power_country"), type_="foreignkey"
            )
            batch_op.drop_column("protecting_power")
