"""The Office of the Historian's chronology as events: the kinds of entry it has
(`recognition`, `diplomatic_relations`, `consular_relations`, `treaty`, `key_event`), and room
for them (an event's kind takes up to 32 characters).

No stored row changes. The downgrade refuses while an event has one of the new kinds.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:40:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTOINCREMENT = {"sqlite_autoincrement": True}
OLD = ("incident", "visit", "statement", "strain", "other")
NEW = (
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


def _kinds(kinds: Sequence[str], length: int) -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":  # the timeline view reads the rebuilt table
        connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
    with op.batch_alter_table("event", table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(op.f("ck_event_kind"), type_="check")
        batch_op.alter_column("kind", existing_type=sa.String(48 - length), type_=sa.String(length))
        batch_op.create_check_constraint(
            op.f("ck_event_kind"), f"kind IN ({', '.join(repr(k) for k in kinds)})"
        )
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA legacy_alter_table=OFF")


def upgrade() -> None:
    op.execute("DROP VIEW timeline")
    _kinds(NEW, 32)
    op.execute(_timeline_view())


def downgrade() -> None:
    new = [k for k in NEW if k not in OLD]
    count = (
        op.get_bind()
        .exec_driver_sql(
            f"SELECT count(*) FROM event WHERE kind IN ({', '.join(repr(k) for k in new)})"  # noqa: S608
        )
        .scalar()
    )
    if count:
        raise RuntimeError(
            f"{count} events have a kind revision 0009 does not know ({', '.join(new)}): "
            "delete them (a database without the data sets) before downgrading."
        )
    op.execute("DROP VIEW timeline")
    _kinds(OLD, 16)
    op.execute(_timeline_view())


def _timeline_view() -> str:
    """The timeline view as revision 0009 made it (it reads `event.kind`): its own words."""
    [path] = Path(__file__).parent.glob("*-0009_datasets.py")
    spec = importlib.util.spec_from_file_location("revision_0009", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    view: str = module._timeline("VARCHAR(4)")
    return view
