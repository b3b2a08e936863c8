"""What Wikidata adds to a mission (docs/datasets.md, §6): the `designation` its source gives
(Wikidata's type, verbatim), its `inception`, the state it is `located_in` where that is not
its host, and the states it is accredited to (`mission_jurisdiction`).

No stored row changes. The downgrade drops them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 19:00:00
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTOINCREMENT = {"sqlite_autoincrement": True}


@contextmanager
def _rebuilding() -> Iterator[None]:
    """Around SQLite's rebuild of the mission table: its next id stays the one it was, and the
    views and other tables' foreign keys that name it keep naming it (as in 0009)."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        yield
        return
    counters: dict[str, int] = dict(
        connection.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").all()
    )
    connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
    yield
    connection.exec_driver_sql("PRAGMA legacy_alter_table=OFF")
    for name, seq in counters.items():
        connection.exec_driver_sql(
            "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (seq, name)
        )


def upgrade() -> None:
    with _rebuilding(), op.batch_alter_table("mission", table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column("designation", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("inception", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("located_in", sa.String(length=4), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_mission_located_in_country"), "country", ["located_in"], ["code"]
        )
    op.create_table(
        "mission_jurisdiction",
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["country"], ["country.code"], name=op.f("fk_mission_jurisdiction_country_country")
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["mission.id"],
            name=op.f("fk_mission_jurisdiction_mission_id_mission"),
        ),
        sa.PrimaryKeyConstraint("mission_id", "country", name=op.f("pk_mission_jurisdiction")),
    )
    op.create_index(
        op.f("ix_mission_jurisdiction_country"), "mission_jurisdiction", ["country"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_mission_jurisdiction_country"), table_name="mission_jurisdiction")
    op.drop_table("mission_jurisdiction")
    with _rebuilding(), op.batch_alter_table("mission", table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(op.f("fk_mission_located_in_country"), type_="foreignkey")
        batch_op.drop_column("located_in")
        batch_op.drop_column("inception")
        batch_op.drop_column("designation")
