"""Common words by kind (docs/search.md, "Common words"): each kept row says its entry's kind
and record (the record's id in its list, when it is a number; NULL else), and is indexed by
word and kind in the order of its score, ties by record, newest first, so that a list's `q`
reads its page in the list's own order, and a search of a few kinds the best entries of
those first. Walking every entry that holds the word to keep those of one kind,
`/v1/countries?q=embassy` read 21,000 rows to find none (24 ms, where FTS5 answers in 2); and
24,904 quotes hold `diplomatic` once in 9 words, a tie a list's page sorted by record (26
ms).

`search_index_common.ranks` (SQLite) says each weighted count's shortest length for each kind
(a JSON object of kind to list), so that a walk of one kind reads only the counts its entries
have: `events` hold `embassy` at one count of the word's 15.

The kept words are forgotten here: the server keeps them anew, with their kinds, within
`SEARCH_REFRESH_SECONDS` (a search scores with the engine till then).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _forget() -> None:
    op.execute("DELETE FROM search_index_postings")
    op.execute("DELETE FROM search_index_common")


def upgrade() -> None:
    _forget()
    op.execute("ALTER TABLE search_index_postings ADD COLUMN kind VARCHAR NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE search_index_postings ADD COLUMN record BIGINT")
    postgres = op.get_bind().dialect.name == "postgresql"
    order = "rank DESC, record DESC" if postgres else "rank, size, record DESC"
    op.execute(
        f"CREATE INDEX ix_search_index_postings_kind ON search_index_postings (term, kind, {order})"
    )


def downgrade() -> None:
    _forget()
    op.execute("DROP INDEX ix_search_index_postings_kind")
    op.execute("ALTER TABLE search_index_postings DROP COLUMN record")
    op.execute("ALTER TABLE search_index_postings DROP COLUMN kind")
