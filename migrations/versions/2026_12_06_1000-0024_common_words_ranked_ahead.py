"""Common words ranked ahead (docs/search.md, "Common words"): for each word that many entries
hold, every entry holding it with what its score is made of, in the order of that score, so
that a search for the word reads its best entries first instead of scoring every one.

- `search_index_postings(term, rank, size, entry)`: on SQLite `rank` is the word's weighted
  count in the entry (bm25's frequency: 4 for each time in the title, 1 in the body) and
  `size` the entry's length in words, the two things of an entry bm25 reads; on PostgreSQL
  `rank` is the entry's `ts_rank_cd` for the word, which depends on the entry alone (`size`
  is 0). Indexed in the order a search reads them, and by entry.
- `search_index_common(term, seq, entries, ranks)`: the words kept, each as of which entry
  change (`seq`), with how many entries held it then, and on SQLite its distinct `rank`s with
  the shortest `size` of each (a JSON list).
- `search_index_changed(seq, entry)`: every entry written since, by trigger on `search_entry`
  in the same transaction, so that a search scores those with the engine as before and the
  postings are never trusted for an entry they do not reflect.

The tables are filled and kept by `app/kit/common_words.py` (the server, every
`SEARCH_REFRESH_SECONDS`), never here: until then a search scores with the engine.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

from alembic import op

from app.kit.row_triggers import Trigger, create_triggers, drop_triggers

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCK = 0x64707374  # app.kit.common_words.CHANGES_LOCK, as it was when this was written


def _changed(postgres: bool) -> Trigger:
    """Each entry written, logged. On PostgreSQL a writer holds a shared lock till it commits,
    so that the refresh, taking it alone for a moment, knows every change up to the newest it
    sees has committed (sequence numbers are handed out before commit, not in commit order)."""
    lock = [f"PERFORM pg_advisory_xact_lock_shared({LOCK})"] if postgres else []
    return Trigger(
        "search_changed",
        "search_entry",
        [*lock, "INSERT INTO search_index_changed (entry) VALUES (NEW.id)"],
        [*lock, "INSERT INTO search_index_changed (entry) VALUES (OLD.id)"],
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    seq = "BIGSERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
    op.execute(f"CREATE TABLE search_index_changed (seq {seq}, entry BIGINT NOT NULL)")
    op.execute(
        "CREATE TABLE search_index_common (term VARCHAR PRIMARY KEY, seq BIGINT NOT NULL, "
        "entries BIGINT NOT NULL, ranks VARCHAR NOT NULL)"
    )
    columns = (
        "term VARCHAR NOT NULL, rank FLOAT NOT NULL, size INTEGER NOT NULL, entry BIGINT NOT NULL"
    )
    if postgres:  # a key cannot be ordered DESC: a unique index is
        op.execute(f"CREATE TABLE search_index_postings ({columns})")
        op.execute(
            "CREATE UNIQUE INDEX ix_search_index_postings ON search_index_postings "
            "(term, rank DESC, entry)"
        )
    else:
        op.execute(
            f"CREATE TABLE search_index_postings ({columns}, "
            "PRIMARY KEY (term, rank, size, entry)) WITHOUT ROWID"
        )
    # An entry's rows, taken out when it changes (app/kit/common_words.py, `_apply`).
    op.execute("CREATE INDEX ix_search_index_postings_entry ON search_index_postings (entry)")
    create_triggers([_changed(postgres)], skip_unchanged=True)


def downgrade() -> None:
    drop_triggers([_changed(op.get_bind().dialect.name == "postgresql")])
    for table in ("search_index_postings", "search_index_common", "search_index_changed"):
        op.execute(f"DROP TABLE {table}")
