"""PostgreSQL ranks an entry by `ts_rank_cd` over its length (normalization 2), not over
1 + log of it (1): the long passages of a data set's CSV, which hold a word in row after row,
came before the records whose titles hold it (`app/kit/search.py`, `ts_rank`). The words
kept ranked ahead (0024) hold their entries' scores as they were: they are forgotten, and the
server's keeper keeps them anew, in the new order, on its first turn (docs/search.md, "Common
words"); searches are answered by the engine till then.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _forget_kept_words() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DELETE FROM search_index_postings")
        op.execute("DELETE FROM search_index_common")


def upgrade() -> None:
    _forget_kept_words()


def downgrade() -> None:
    _forget_kept_words()
