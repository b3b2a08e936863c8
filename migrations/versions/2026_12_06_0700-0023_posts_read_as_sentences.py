"""A post's search entry reads as its record does (docs/search.md): each note with the date it
is about, the parts apart.

Until now a post's notes were joined by spaces, and most of them are the label of a date the
record holds apart ("Left post on", with `left_on`), so snippets ran one into the next: "Left
post on Commissioned during a recess of the Senate; …". Now each note is followed by its date,
as precise as it is known (`1949`, `1949-03`, `1949-03-02`), and the notes are set apart by
" · ": "Left post on 1951-01-19 · Commissioned during a recess of the Senate; …". A note's
date is its part's: appointed (`appointed_on`), started (`credentials_on`, else `arrived_on`),
ended (`left_on`); the general `note` has none. A date without a note adds nothing: the entry's
own date is kept apart, as before.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 07:00:00
"""

from collections.abc import Sequence
from dataclasses import replace
from types import ModuleType
from typing import Any

from alembic import context, op

from app.kit.row_triggers import Trigger, create_triggers, drop_triggers

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APART = " · "
TABLES = ("official", "official_post")
"""The tables whose rows make posts' entries (0016's `SOURCES`)."""


def _search() -> ModuleType:
    module: ModuleType = context.script.get_revision("0016").module
    return module


def _date(column: str, precision: str) -> str:
    """A date as text, as precise as it is known (the same on both databases: SQLite stores a
    date as its ISO text, PostgreSQL writes it so)."""
    iso = f"CAST({column} AS VARCHAR(10))"
    return (
        f"CASE {precision} WHEN 'year' THEN substr({iso}, 1, 4) "
        f"WHEN 'month' THEN substr({iso}, 1, 7) ELSE {iso} END"
    )


def _noted(note: str, date: str | None) -> str:
    """A note and its date (when it has one), or null without a note."""
    if date is None:
        return f"NULLIF(trim({note}), '')"
    return f"NULLIF(trim({note} || COALESCE(' ' || {date}, '')), '')"


def _apart(*parts: str) -> str:
    """The parts that are not null, set apart by `APART` ('' when none is)."""
    joined = " || ".join(f"COALESCE('{APART}' || {part}, '')" for part in parts)
    return f"substr({joined}, {len(APART) + 1})"


BODY = _apart(
    _noted("p.appointed_note", _date("p.appointed_on", "p.appointed_precision")),
    _noted(
        "p.started_note",
        "CASE WHEN p.credentials_on IS NOT NULL THEN "
        f"{_date('p.credentials_on', 'p.credentials_precision')} "
        f"ELSE {_date('p.arrived_on', 'p.arrived_precision')} END",
    ),
    _noted("p.ended_note", _date("p.left_on", "p.left_precision")),
    _noted("p.note", None),
)


def _kinds(sentences: bool) -> dict[str, Any]:
    """0016's kinds, the posts' body made of sentences (`sentences`) or as 0016 made it."""
    search = _search()
    kinds = dict(search.KINDS)
    if sentences:
        old = search._joined("p.appointed_note", "p.started_note", "p.ended_note", "p.note")
        assert old in kinds["posts"].select
        kinds["posts"] = replace(kinds["posts"], select=kinds["posts"].select.replace(old, BODY))
    return kinds


def _triggers(sentences: bool) -> list[Trigger]:
    search, kinds = _search(), _kinds(sentences)
    return [
        Trigger(
            f"search_{table}",
            table,
            search._refresh(table, "NEW", False, kinds),
            search._refresh(table, "OLD", True, kinds),
        )
        for table in TABLES
    ]


def _entries_again(sentences: bool) -> None:
    posts = _kinds(sentences)["posts"]
    op.execute("DELETE FROM search_entry WHERE kind = 'posts'")
    op.execute(f"INSERT INTO search_entry ({_search().COLUMNS}) {posts.select} WHERE {posts.where}")


def upgrade() -> None:
    drop_triggers(_triggers(False))
    create_triggers(_triggers(True), skip_unchanged=True)
    _entries_again(True)


def downgrade() -> None:
    drop_triggers(_triggers(True))
    create_triggers(_triggers(False), skip_unchanged=True)
    _entries_again(False)
