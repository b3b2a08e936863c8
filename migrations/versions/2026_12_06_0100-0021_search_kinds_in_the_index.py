"""PostgreSQL's search index knows each entry's kind (docs/search.md): every `tsvector` holds
one more lexeme, `kind#` and the kind (`kind#events`), which no text can make (words are cut
at every character but letters and digits), so that a search of some kinds is one GIN lookup
of the words and the kinds together (`document @@ (query && 'kind#events')`), as SQLite's
FTS5 finds them with its `kind` column.

Before, the entries' kind was read from `search_entry`, and PostgreSQL planned that badly
either way on the benchmark's data (bench/README.md): `/v1/events?q=embassy` read the 21,000
entries holding the word to keep the 279 events (13 ms against 4.5 ms without `q`), and
`/v1/search?q=legation&kinds=citations` read all 124,000 quotes' entries to join them with
913 matches (45 ms without parallel workers). With the kinds in the index: 1.1 ms and 4 ms.

The lexeme has no position, so it takes no part in a phrase and adds one to a document's length
(the rank's normalization). SQLite is unchanged.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 01:00:00
"""

from collections.abc import Sequence
from types import ModuleType

from alembic import context, op

from app.kit.row_triggers import Trigger, create_triggers, drop_triggers

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND = "array_to_tsvector(ARRAY['kind#' || {row}.kind])"
"""An entry's kind as a lexeme of its own (`app/kit/search.py`, `kinds_tsquery`)."""


def _search() -> ModuleType:
    module: ModuleType = context.script.get_revision("0016").module
    return module


def _trigger(with_kind: bool) -> Trigger:
    document = _search()._document("NEW")
    if with_kind:
        document = f"{document} || {KIND.format(row='NEW')}"
    return Trigger(
        "search_search_entry",
        "search_entry",
        [f"INSERT INTO search_index (id, document) VALUES (NEW.id, {document})"],
        ["DELETE FROM search_index WHERE id = OLD.id"],
    )


def _rewrite(document: str) -> None:
    """Every entry's document rewritten, the GIN index made again after (one build, instead of
    each row's words put in again)."""
    op.execute("DROP INDEX ix_search_index_document")
    op.execute(
        f"UPDATE search_index i SET document = {document} FROM search_entry e WHERE e.id = i.id"
    )
    op.execute(
        "CREATE INDEX ix_search_index_document ON search_index USING gin (document) "
        "WITH (fastupdate = on, gin_pending_list_limit = 256)"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    drop_triggers([_trigger(False)])
    create_triggers([_trigger(True)], skip_unchanged=True)
    _rewrite(f"i.document || {KIND.format(row='e')}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    drop_triggers([_trigger(True)])
    create_triggers([_trigger(False)], skip_unchanged=True)
    _rewrite("ts_delete(i.document, 'kind#' || e.kind)")
