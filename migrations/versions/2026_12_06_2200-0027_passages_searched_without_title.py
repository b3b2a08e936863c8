"""A passage of a source's text is searched by its own words, not its source's title
(docs/search.md): its entry's `title` is null (`/v1/search` shows the source's title).

Until now every passage held its source's title as its own, weighted above its body, so a
word of a long text's title found every passage of it: `q=diplomatic&kinds=texts` found 5,058
passages, most of them only for the Office of the Historian's titles ("… Diplomatic Papers
…"), and on SQLite a text's last, shortest passages (closing tags) ranked first. The source
itself is found by its title (its `sources` entry), as before.

Every kept common word is forgotten: its rows were scored with the titles (the server keeps
them anew).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 22:00:00
"""

from collections.abc import Sequence
from dataclasses import replace
from types import ModuleType

from alembic import context, op

from app.kit.row_triggers import Trigger, create_triggers, drop_triggers

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TITLED = "p.n + 1, s.title,"
UNTITLED = "p.n + 1, CAST(NULL AS TEXT),"


def _module(revision: str) -> ModuleType:
    module: ModuleType = context.script.get_revision(revision).module
    return module


def _texts(titled: bool) -> str:
    """The SELECT of the texts' passages as 0022 made it, with the source's title or none."""
    select: str = _module("0022")._texts(True)
    assert TITLED in select
    return select if titled else select.replace(TITLED, UNTITLED)


def _source_trigger(titled: bool) -> Trigger:
    search = _module("0016")
    kinds = dict(search.KINDS)
    kinds["texts"] = replace(kinds["texts"], select=_texts(titled))
    return Trigger(
        "search_source",
        "source",
        search._refresh("source", "NEW", False, kinds),
        search._refresh("source", "OLD", True, kinds),
    )


def _again(titled: bool) -> None:
    """Every passage made again (the engines' indexes follow), every kept word forgotten."""
    search = _module("0016")
    texts = replace(search.KINDS["texts"], select=_texts(titled))
    for table in ("search_index_postings", "search_index_common", "search_index_changed"):
        op.execute(f"DELETE FROM {table}")
    op.execute("DELETE FROM search_entry WHERE kind = 'texts'")
    op.execute(
        f"INSERT INTO search_entry ({search.COLUMNS}) {texts.entries('SELECT id FROM source')}"
    )
    op.execute("DELETE FROM search_index_changed")


def upgrade() -> None:
    drop_triggers([_source_trigger(True)])
    create_triggers([_source_trigger(False)], skip_unchanged=True)
    _again(False)


def downgrade() -> None:
    drop_triggers([_source_trigger(False)])
    create_triggers([_source_trigger(True)], skip_unchanged=True)
    _again(True)
