"""PostgreSQL: the lexeme that notes an entry's kind in its `tsvector` (0021) is `#events`,
not `kind#events`, which a prefix reached: `kind*`, `kin*` and `k*` matched every entry by
its `kind#…` lexeme, so `q=kin*` found all 152,336 entries of the benchmark's data (SQLite
those whose words start with `kin`). A query's words are letters and digits only (0016), so
no prefix reaches a lexeme that starts with `#`.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence
from types import ModuleType

from alembic import context, op

from app.kit.row_triggers import Trigger, create_triggers, drop_triggers

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND = "array_to_tsvector(ARRAY['#' || {row}.kind])"
"""An entry's kind as a lexeme of its own (`app/kit/search.py`, `kinds_tsquery`)."""


def _module(revision: str) -> ModuleType:
    module: ModuleType = context.script.get_revision(revision).module
    return module


def _trigger(kind: str) -> Trigger:
    document = f"{_module('0016')._document('NEW')} || {kind.format(row='NEW')}"
    return Trigger(
        "search_search_entry",
        "search_entry",
        [f"INSERT INTO search_index (id, document) VALUES (NEW.id, {document})"],
        ["DELETE FROM search_index WHERE id = OLD.id"],
    )


def _swap(old: str, new: str) -> None:
    """The trigger and every entry's document from the `old` lexeme of its kind to `new`."""
    drop_triggers([_trigger(old)])
    create_triggers([_trigger(new)], skip_unchanged=True)
    _module("0021")._rewrite(
        f"ts_delete(i.document, {old.format(row='e')[len('array_to_tsvector(') : -1]}) "
        f"|| {new.format(row='e')}"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _swap(_module("0021").KIND, KIND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _swap(KIND, _module("0021").KIND)
