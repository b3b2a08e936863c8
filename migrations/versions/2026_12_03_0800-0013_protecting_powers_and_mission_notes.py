"""Protecting powers (docs/datasets.md, §4): the state whose embassy an interests section was
part of, on the status that says so (`mission_status.protecting_power`), on the timeline's
stretches, and on the mission as its last status gives it. A new event kind, `mission_note`
(the chiefs of mission's notes on a mission, §5).

No stored row changes. The downgrade drops the columns; it refuses while a mission note is
stored.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:00:00
"""

import importlib.util
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTOINCREMENT = {"sqlite_autoincrement": True}
TABLES = ("mission", "mission_status")
NOTE = "mission_note"
OLD_KINDS = (
    "incident",
    "visit",
    "statement",
    "strain",
    "recognition",
    "diplomatic_relations",
    "consular_relations",
    "treaty",
    "key_event",
    "other",
)


def _revision(name: str) -> Any:
    """An earlier revision's module, to use its own helpers as they stand there."""
    [path] = Path(__file__).parent.glob(f"*-{name}.py")
    spec = importlib.util.spec_from_file_location(f"revision_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rebuilding() -> AbstractContextManager[None]:
    """Revision 0011's guard around SQLite's table rebuilds (ids and views kept)."""
    guard: AbstractContextManager[None] = _revision("0011_wikidata_missions")._rebuilding()
    return guard


def _event_kinds(kinds: Sequence[str]) -> None:
    """Revision 0010's change of the event kinds, the timeline view (which reads them) made
    again as it was."""
    chronology = _revision("0010_chronology_events")
    op.execute("DROP VIEW timeline")
    chronology._kinds(kinds, 32)
    op.execute(chronology._timeline_view())


def upgrade() -> None:
    _event_kinds((*OLD_KINDS, NOTE))
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
    count = (
        op.get_bind().exec_driver_sql(f"SELECT count(*) FROM event WHERE kind = '{NOTE}'").scalar()
    )
    if count:
        raise RuntimeError(
            f"{count} events are mission notes, a kind revision 0012 does not know: delete "
            "them (a database without the data sets) before downgrading."
        )
    _event_kinds(OLD_KINDS)
    with op.batch_alter_table("mission_timeline", table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_column("protecting_power")
    for table in reversed(TABLES):
        with _rebuilding(), op.batch_alter_table(table, table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.drop_constraint(
                op.f(f"fk_{table}_protecting_power_country"), type_="foreignkey"
            )
            batch_op.drop_column("protecting_power")
