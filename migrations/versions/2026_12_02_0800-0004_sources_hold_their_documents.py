"""Sources hold their documents: a kind, a licence, the date they were retrieved, and the text
(stored once under its SHA-256, in `source_text`) with its media type and length;
`published_on` may be null, with a `date_precision` like every other date.

Existing sources become of kind `other`, their date precise to the `day` (it was a full date),
with no text and no licence. The seed's Reuters report, where the database has it, gets the
article's text from seed/sources/ and the kind `news_report`, as `diplo seed` gives them to a new
database (its licence stays unknown: null).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 08:00:00
"""

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_REF = "reuters-2021-10-12-embassy-rows"
SEED_TEXT = Path(__file__).resolve().parents[2] / "seed" / "sources" / f"{SEED_REF}.txt"

source = sa.table(
    "source",
    sa.column("id", sa.Integer()),
    sa.column("ref", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("published_on", sa.Date()),
    sa.column("date_precision", sa.String()),
    sa.column("media_type", sa.String()),
    sa.column("sha256", sa.String()),
    sa.column("text_length", sa.Integer()),
)
source_text = sa.table(
    "source_text", sa.column("sha256", sa.String()), sa.column("text", sa.Text())
)
# SQLite changes a column by rebuilding the table: it must keep AUTOINCREMENT (ids are never
# reused) and its counter, which the copy would reset to the highest id left.
AUTOINCREMENT = {"sqlite_autoincrement": True}


@contextmanager
def _ids_kept() -> Iterator[None]:
    """Around a rebuild of `source` on SQLite: the next id stays the one it was."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        yield
        return
    counter = "SELECT seq FROM sqlite_sequence WHERE name = 'source'"
    before = connection.exec_driver_sql(counter).scalar()
    yield
    if before is not None:
        connection.exec_driver_sql(
            "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'source'", (before,)
        )


def upgrade() -> None:
    with _ids_kept():
        _add_columns()
    op.execute(
        source.update().where(source.c.published_on.is_not(None)).values(date_precision="day")
    )
    _seed_text()


def _add_columns() -> None:
    op.create_table(
        "source_text",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_source_text")),
    )
    with op.batch_alter_table("source", schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="other")
        )
        batch_op.add_column(sa.Column("date_precision", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("retrieved_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("licence", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("media_type", sa.String(length=127), nullable=True))
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("text_length", sa.Integer(), nullable=True))
        batch_op.alter_column("published_on", existing_type=sa.Date(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_source_sha256_source_text"), "source_text", ["sha256"], ["sha256"]
        )
        batch_op.create_check_constraint(
            op.f("ck_source_kind"),
            "kind IN ('news_report', 'official_record', 'dataset', 'book', 'web_page', 'other')",
        )
        batch_op.create_check_constraint(
            op.f("ck_source_date_precision"),
            "date_precision IN ('day', 'week', 'month', 'year')",
        )
        batch_op.create_check_constraint(
            op.f("ck_source_precision_needs_date"),
            "published_on IS NOT NULL OR date_precision IS NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_source_media_type_needs_text"), "sha256 IS NOT NULL OR media_type IS NULL"
        )
    # The default only filled the existing rows: the app always says which kind.
    with op.batch_alter_table("source", schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=16), existing_nullable=False, server_default=None
        )


def _seed_text() -> None:
    """The seed's report gets the article's text, if the database holds the report."""
    connection = op.get_bind()
    seeded = connection.execute(sa.select(source.c.id).where(source.c.ref == SEED_REF)).first()
    if seeded is None or not SEED_TEXT.exists():
        return
    text = SEED_TEXT.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    connection.execute(source_text.insert().values(sha256=digest, text=text))
    connection.execute(
        source.update()
        .where(source.c.id == seeded.id)
        .values(kind="news_report", media_type="text/plain", sha256=digest, text_length=len(text))
    )


def downgrade() -> None:
    connection = op.get_bind()
    undated = connection.execute(
        sa.select(sa.func.count()).select_from(source).where(source.c.published_on.is_(None))
    ).scalar_one()
    if undated:
        raise RuntimeError(
            f"{undated} sources have no published_on, which revision 0003 requires: give each "
            "a date (or delete them) before downgrading."
        )
    with (
        _ids_kept(),
        op.batch_alter_table("source", schema=None, table_kwargs=AUTOINCREMENT) as batch_op,
    ):
        batch_op.drop_constraint(op.f("ck_source_media_type_needs_text"), type_="check")
        batch_op.drop_constraint(op.f("ck_source_precision_needs_date"), type_="check")
        batch_op.drop_constraint(op.f("ck_source_date_precision"), type_="check")
        batch_op.drop_constraint(op.f("ck_source_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_source_sha256_source_text"), type_="foreignkey")
        batch_op.alter_column("published_on", existing_type=sa.Date(), nullable=False)
        batch_op.drop_column("text_length")
        batch_op.drop_column("sha256")
        batch_op.drop_column("media_type")
        batch_op.drop_column("licence")
        batch_op.drop_column("retrieved_on")
        batch_op.drop_column("date_precision")
        batch_op.drop_column("kind")
    op.drop_table("source_text")
