"""Chiefs of mission (docs/datasets.md, §5): an official's years of birth and death and the kind
of appointment (`born`, `died`, `career`), and `official_post`, each tenure as the chief of a
mission with its dates; a citation may support a post.

No stored row changes. The downgrade refuses while the database holds what it would drop.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 18:00:00
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTOINCREMENT = {"sqlite_autoincrement": True}
OLD_RECORD_TYPES = (
    "official",
    "mission",
    "mission_status",
    "headcount",
    "measure",
    "visa_dispute",
    "talks",
    "event",
    "representation",
)
NEW_RECORD_TYPES = (*OLD_RECORD_TYPES, "official_post")
CAREERS = ("career", "non-career", "pre-1915", "both")
PRECISIONS = ("day", "week", "month", "year")
DATES = ("appointed", "arrived", "credentials", "left")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


@contextmanager
def _rebuilding() -> Iterator[None]:
    """Around SQLite's table rebuilds: each table's next id stays the one it was, and the views
    that name a rebuilt table keep naming it (as revision 0009)."""
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


def _record_types(values: Sequence[str]) -> None:
    with op.batch_alter_table("citation", table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(op.f("ck_citation_record_type"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_citation_record_type"), _one_of("record_type", values)
        )


def upgrade() -> None:
    with _rebuilding():
        with op.batch_alter_table("official", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.add_column(sa.Column("born", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("died", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("career", sa.String(16), nullable=True))
            batch_op.create_check_constraint(op.f("ck_official_career"), _one_of("career", CAREERS))
        _record_types(NEW_RECORD_TYPES)
    op.create_table(
        "official_post",
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("sending_country", sa.String(length=4), nullable=False),
        sa.Column("host_country", sa.String(length=4), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("title_id", sa.String(length=80), nullable=True),
        sa.Column("appointed_on", sa.Date(), nullable=True),
        sa.Column("appointed_precision", sa.String(length=8), nullable=True),
        sa.Column("appointed_note", sa.String(), nullable=True),
        sa.Column("arrived_on", sa.Date(), nullable=True),
        sa.Column("arrived_precision", sa.String(length=8), nullable=True),
        sa.Column("credentials_on", sa.Date(), nullable=True),
        sa.Column("credentials_precision", sa.String(length=8), nullable=True),
        sa.Column("started_note", sa.String(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("left_precision", sa.String(length=8), nullable=True),
        sa.Column("ended_note", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        *(
            sa.CheckConstraint(
                _one_of(f"{name}_precision", PRECISIONS),
                name=op.f(f"ck_official_post_{name}_precision"),
            )
            for name in DATES
        ),
        sa.ForeignKeyConstraint(
            ["official_id"], ["official.id"], name=op.f("fk_official_post_official_id_official")
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"], ["mission.id"], name=op.f("fk_official_post_mission_id_mission")
        ),
        sa.ForeignKeyConstraint(
            ["sending_country"],
            ["country.code"],
            name=op.f("fk_official_post_sending_country_country"),
        ),
        sa.ForeignKeyConstraint(
            ["host_country"], ["country.code"], name=op.f("fk_official_post_host_country_country")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_post")),
        sa.UniqueConstraint("ref", name=op.f("uq_official_post_ref")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_official_post_official_id"), "official_post", ["official_id"])
    op.create_index(
        op.f("ix_official_post_mission_id_credentials_on"),
        "official_post",
        ["mission_id", "credentials_on"],
    )
    op.create_index(
        op.f("ix_official_post_host_country_credentials_on"),
        "official_post",
        ["host_country", "credentials_on"],
    )


def _refuse_if_used() -> None:
    """Not while the database holds what the downgrade would drop: posts, their citations, an
    official's years or kind of appointment (a data set's; remove them first)."""
    connection = op.get_bind()
    checks = {
        "posts": "SELECT count(*) FROM official_post",
        "post citations": "SELECT count(*) FROM citation WHERE record_type = 'official_post'",
        "officials with years or a career": "SELECT count(*) FROM official WHERE born IS NOT "
        "NULL OR died IS NOT NULL OR career IS NOT NULL",
    }
    found = []
    for what, query in checks.items():
        count = connection.exec_driver_sql(query).scalar()
        if count:
            found.append(f"{count} {what}")
    if found:
        raise RuntimeError(
            "The database holds what revision 0009 cannot (the chiefs of mission): "
            f"{', '.join(found)}. Remove them (a database without the data sets: "
            "DATASETS=none) before downgrading."
        )


def downgrade() -> None:
    _refuse_if_used()
    op.drop_index(op.f("ix_official_post_host_country_credentials_on"), table_name="official_post")
    op.drop_index(op.f("ix_official_post_mission_id_credentials_on"), table_name="official_post")
    op.drop_index(op.f("ix_official_post_official_id"), table_name="official_post")
    op.drop_table("official_post")
    with _rebuilding():
        _record_types(OLD_RECORD_TYPES)
        with op.batch_alter_table("official", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.drop_constraint(op.f("ck_official_career"), type_="check")
            batch_op.drop_column("career")
            batch_op.drop_column("died")
            batch_op.drop_column("born")
