"""Every quote is anchored in its source's text: citations and talks statements gain where the
quote starts and ends in the text (code points) and up to 32 characters either side, as the API
now works out for every quote written (`app/citations/anchoring.py`).

The upgrade anchors the quotes already stored whose source has a text, compared as the API
compares them. It refuses to run while any such quote is not in its source's text, or stands in
it more than once (which occurrence was meant only the source's reader can say), listing them;
quotes of sources without a text stay unanchored (`verified: false`). The seed's quotes each
stand once in the article. The downgrade drops the new columns.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:00:00
"""

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

from app.citations.anchoring import Document, NotAnchored, anchor

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUOTING = ("citation", "talks_statement")
SHOWN = 50  # quotes the message lists; it gives the count of all
AUTOINCREMENT = {"sqlite_autoincrement": True}


def _table(name: str) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("id", sa.Integer()),
        sa.column("source_id", sa.Integer()),
        sa.column("quote", sa.Text()),
        sa.column("start_offset", sa.Integer()),
        sa.column("end_offset", sa.Integer()),
        sa.column("prefix", sa.Text()),
        sa.column("suffix", sa.Text()),
    )


def _anchor_all() -> Iterator[str]:
    """Anchors every stored quote whose source has a text; says which could not be."""
    connection = op.get_bind()
    source = sa.table("source", sa.column("id"), sa.column("sha256"))
    source_text = sa.table("source_text", sa.column("sha256"), sa.column("text"))
    texts = {
        source_id: Document(text)
        for source_id, text in connection.execute(
            sa.select(source.c.id, source_text.c.text).join(
                source_text, source_text.c.sha256 == source.c.sha256
            )
        )
    }
    for name in QUOTING:
        table = _table(name)
        rows = connection.execute(
            sa.select(table.c.id, table.c.source_id, table.c.quote).order_by(table.c.id)
        ).all()
        for row_id, source_id, quote in rows:
            text = texts.get(source_id)
            if text is None:
                continue
            try:
                found = anchor(text, quote, hint=False)
            except NotAnchored as error:
                yield f"{name} {row_id} (source {source_id}): {quote[:100]!r} {error}"
                continue
            connection.execute(
                sa.update(table)
                .where(table.c.id == row_id)
                .values(
                    start_offset=found.start,
                    end_offset=found.end,
                    prefix=found.prefix,
                    suffix=found.suffix,
                )
            )


def upgrade() -> None:
    for name in QUOTING:
        op.add_column(name, sa.Column("start_offset", sa.Integer(), nullable=True))
        op.add_column(name, sa.Column("end_offset", sa.Integer(), nullable=True))
        op.add_column(name, sa.Column("prefix", sa.Text(), nullable=True))
        op.add_column(name, sa.Column("suffix", sa.Text(), nullable=True))
    unanchored = list(_anchor_all())
    if unanchored:
        listed = "\n".join(unanchored[:SHOWN])
        more = f"\n… and {len(unanchored) - SHOWN} more" if len(unanchored) > SHOWN else ""
        raise RuntimeError(
            f"{len(unanchored)} stored quotes do not stand in one place of their source's "
            "text. Correct each quote (or the source's text) so that it is found once, then "
            f"upgrade again:\n{listed}{more}"
        )


def downgrade() -> None:
    for name in QUOTING:
        with op.batch_alter_table(name, schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
            for column in ("suffix", "prefix", "end_offset", "start_offset"):
                batch_op.drop_column(column)
