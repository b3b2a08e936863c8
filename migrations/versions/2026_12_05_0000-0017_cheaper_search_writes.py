"""Cheaper writes to PostgreSQL's search index (0016), measured on a load of the Office of the
Historian's data set (docs/search.md, "Cost of writing"):

- A source's text is cut into its passages in one pass (`search_passages`: the text split
  into runs of 200 characters by one regular expression, each passage ten runs from the
  ninth of the last), not by one `substr` per passage: PostgreSQL decompresses a stored text
  from its start up to where each `substr` reads, so the passages of a text of 1.5 million
  characters read 600 MB. The 5,000 passages of the data set: 14.0 s before, 0.6 s after;
  the same passages, character for character.
- The GIN index keeps a pending list again, bounded to 256 kB: an entry is appended to it
  and merged into the index with others, when the list is full or by autovacuum, instead of
  updating the index's pages for each of its words. 27,786 entries written one at a time:
  16.5 s without the list, 3.1 s with it. A search reads the pending list whole: 32 pages
  at most, measured at 0.3 ms (a list of 4 MB, the default, read 296 pages).

SQLite's passages and index are unchanged.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence
from dataclasses import replace
from types import ModuleType

from alembic import context, op

from app.kit.row_triggers import Trigger, create_triggers, drop_triggers

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUN = 200  # characters: a passage (2,000) and its step (1,800) are whole numbers of runs


def _passages(step: int, passage: int) -> str:
    """`search_passages(text)`: a text's passages, numbered from 0, as 0016 cuts them."""
    return f"""CREATE FUNCTION search_passages(whole TEXT)
RETURNS TABLE (n INTEGER, passage TEXT) LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  runs TEXT[] := ARRAY(
    SELECT m.run[1] FROM regexp_matches(whole, '.{{1,{RUN}}}', 'g') WITH ORDINALITY AS m(run, i)
    ORDER BY m.i);
  passages INTEGER := GREATEST(1, (length(whole) - {passage - step} + {step - 1}) / {step});
BEGIN
  FOR i IN 0 .. passages - 1 LOOP
    n := i;
    passage := array_to_string(runs[i * {step // RUN} + 1 : i * {step // RUN} + {passage // RUN}], '');
    RETURN NEXT;
  END LOOP;
END $$"""


def _search() -> ModuleType:
    module: ModuleType = context.script.get_revision("0016").module
    return module


def _source_trigger(texts: str | None) -> Trigger:
    """The trigger that keeps a source's entries, with the texts' SELECT given (0016's if None)."""
    search = _search()
    kinds = dict(search.KINDS)
    if texts is not None:
        kinds["texts"] = replace(kinds["texts"], select=texts)
    return Trigger(
        "search_source",
        "source",
        search._refresh("source", "NEW", False, kinds),
        search._refresh("source", "OLD", True, kinds),
    )


TEXTS = """SELECT 'texts', CAST(s.id AS VARCHAR(20)), p.n + 1, s.title, p.passage,
       s.published_on, CAST(NULL AS VARCHAR(4)), CAST(NULL AS VARCHAR(4))
FROM source s JOIN source_text x ON x.sha256 = s.sha256
CROSS JOIN LATERAL search_passages(x.text) p"""
"""A source's passages, made by `search_passages` (0016's made by `substr`)."""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    search = _search()
    op.execute(_passages(search.STEP, search.PASSAGE))
    drop_triggers([_source_trigger(None)])
    create_triggers([_source_trigger(TEXTS)], skip_unchanged=True)
    op.execute(
        "ALTER INDEX ix_search_index_document SET (fastupdate = on, gin_pending_list_limit = 256)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("SELECT gin_clean_pending_list('ix_search_index_document')")
    op.execute("ALTER INDEX ix_search_index_document SET (fastupdate = off)")
    op.execute("ALTER INDEX ix_search_index_document RESET (gin_pending_list_limit)")
    drop_triggers([_source_trigger(TEXTS)])
    create_triggers([_source_trigger(None)], skip_unchanged=True)
    op.execute("DROP FUNCTION search_passages(TEXT)")
