"""A measure may name no actor: `actor_country` is null when the source does not say which
state would take the measure (the seed's article: Moscow does not rule out "the work of Russian
and U.S. diplomatic missions being frozen", and names no one who would freeze the Russian
ones). No stored row changes.

The downgrade refuses to run while a measure has no actor, listing them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite changes a column by rebuilding the table: it must keep AUTOINCREMENT (ids are never
# reused) and its counter, which the copy would reset to the highest id left.
AUTOINCREMENT = {"sqlite_autoincrement": True}


@contextmanager
def _ids_kept() -> Iterator[None]:
    """Around a rebuild of `measure` on SQLite: the next id stays the one it was, and the
    views that read the table stay as they are."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        yield
        return
    counter = "SELECT seq FROM sqlite_sequence WHERE name = 'measure'"
    before = connection.exec_driver_sql(counter).scalar()
    # The `timeline` view reads `measure`: SQLite's check of views when the rebuilt table is
    # renamed into place would find the table missing midway. The legacy rename leaves views
    # alone, and the view reads the new table by its name.
    connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
    yield
    connection.exec_driver_sql("PRAGMA legacy_alter_table=OFF")
    if before is not None:
        connection.exec_driver_sql(
            "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'measure'", (before,)
        )


def _actor_nullable(nullable: bool) -> None:
    with (
        _ids_kept(),
        op.batch_alter_table("measure", schema=None, table_kwargs=AUTOINCREMENT) as batch_op,
    ):
        batch_op.alter_column("actor_country", existing_type=sa.String(length=2), nullable=nullable)


def upgrade() -> None:
    _actor_nullable(True)


def downgrade() -> None:
    measure = sa.table("measure", sa.column("id", sa.Integer()), sa.column("actor_country"))
    ids = op.get_bind().execute(
        sa.select(measure.c.id).where(measure.c.actor_country.is_(None)).order_by(measure.c.id)
    )
    unnamed = [str(i) for i in ids.scalars()]
    if unnamed:
        raise RuntimeError(
            f"{len(unnamed)} measures name no actor_country, which revision 0006 requires: "
            f"name one (or delete them) before downgrading: measure {', '.join(unnamed[:50])}"
        )
    _actor_nullable(False)
