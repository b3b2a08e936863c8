"""A quote is searched by its own words, not its source's title, as a passage is since 0027
(docs/search.md): its entry's `title` is null (`/v1/search` shows the source's title).

Until now every quote held its source's title as its own, weighted above its body, so a word
of a title found every quote of that source, none of them with the word marked in its
snippet: `q=officers` found 12,156 hits, of which 996 of the first 998 quotes matched only
"Principal Officers & Chiefs of Mission" in the Office of the Historian's titles (a new
user's trial), and `q=diplomatic` 637 of its first 670. The source itself is found by its
title (its `sources` entry), as before.

Every kept common word is forgotten: its rows were scored with the titles (the server keeps
them anew).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence
from dataclasses import replace
from types import ModuleType
from typing import Any

from alembic import context, op

from app.kit.row_triggers import Trigger, create_triggers, drop_triggers

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TITLES = {
    "citations": "(SELECT title FROM source WHERE id = c.source_id)",
    "statements": "(SELECT title FROM source WHERE id = t.source_id)",
}
"""The quotes' titles as 0016 made them: their source's."""
UNTITLED = "CAST(NULL AS TEXT)"
TABLES = ("source", "citation", "talks_statement", "talks_round")
"""The tables whose triggers make quotes' entries (0016's `SOURCES`); `source`'s as 0027 left
it, the others as 0016 made them."""


def _module(revision: str) -> ModuleType:
    module: ModuleType = context.script.get_revision(revision).module
    return module


def _kinds(titled: bool) -> dict[str, Any]:
    """0016's kinds, the texts' as 0027 made them, the quotes' with their titles or none."""
    kinds = dict(_module("0016").KINDS)
    kinds["texts"] = replace(kinds["texts"], select=_module("0027")._texts(False))
    if not titled:
        for name, title in TITLES.items():
            assert title in kinds[name].select
            kinds[name] = replace(kinds[name], select=kinds[name].select.replace(title, UNTITLED))
    return kinds


def _triggers(titled: bool) -> list[Trigger]:
    search, kinds = _module("0016"), _kinds(titled)
    return [
        Trigger(
            f"search_{table}",
            table,
            search._refresh(table, "NEW", False, kinds),
            search._refresh(table, "OLD", True, kinds),
        )
        for table in TABLES
    ]


def _again(titled: bool) -> None:
    """Every quote's entry made again (the engines' indexes follow), every kept word
    forgotten."""
    search, kinds = _module("0016"), _kinds(titled)
    for table in ("search_index_postings", "search_index_common", "search_index_changed"):
        op.execute(f"DELETE FROM {table}")
    op.execute("DELETE FROM search_entry WHERE kind = 'citations'")
    for name in TITLES:
        kind = kinds[name]
        op.execute(f"INSERT INTO search_entry ({search.COLUMNS}) {kind.select} WHERE {kind.where}")
    op.execute("DELETE FROM search_index_changed")


def upgrade() -> None:
    drop_triggers(_triggers(True))
    create_triggers(_triggers(False), skip_unchanged=True)
    _again(False)


def downgrade() -> None:
    drop_triggers(_triggers(False))
    create_triggers(_triggers(True), skip_unchanged=True)
    _again(True)
