"""Pairs of words kept on SQLite too (docs/search.md, "Pairs"): bm25 of two words in an entry
is made of each word's weighted count there, the entry's length, and how many entries hold
each word. A kept pair's row (`search_index_postings`) says its first word's count in `rank`,
as a word's does, and its second word's in `other` (NULL for a word, and on PostgreSQL, where
a pair's `rank` is its `ts_rank_cd`); the pair (`search_index_common.holding`) says how many
entries hold each of its words, as bm25 counts them (a JSON list; NULL else).

Nothing kept is forgotten: a word's rows and PostgreSQL's pairs are as they were.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-08 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE search_index_postings ADD COLUMN other FLOAT")
    op.execute("ALTER TABLE search_index_common ADD COLUMN holding VARCHAR")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # its pairs need what goes: forgotten
        op.execute("DELETE FROM search_index_postings WHERE instr(term, ' ') > 0")
        op.execute("DELETE FROM search_index_common WHERE instr(term, ' ') > 0")
    op.execute("ALTER TABLE search_index_common DROP COLUMN holding")
    op.execute("ALTER TABLE search_index_postings DROP COLUMN other")
