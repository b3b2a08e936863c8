"""XML texts are searched as they read (docs/search.md): `source_text.reading` holds an XML
text with its markup made zero-width spaces and its character references resolved, of the
same length (`app.citations.anchoring.xml_reading`), and a source's passages are cut from it
where they were cut from the text.

Until now the Office of the Historian's texts were indexed as stored: tag and attribute names
were words (`placename` was in 473 of the 7,362 passages), a phrase broken by inline markup
(`Legation at <placeName key="kabul">Kabul</placeName>`) was not found as a phrase, and
snippets were mostly escaped tags. A passage's `#char=` range is unchanged: the reading has the
text's positions.

The reading is stored by the API when it stores an XML source's text; a text stored by other
means has none and is indexed as stored.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence
from dataclasses import replace
from types import ModuleType

import sqlalchemy as sa
from alembic import context, op

from app.citations.anchoring import is_xml, xml_reading
from app.kit.row_triggers import Trigger, create_triggers, drop_triggers

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READ = "COALESCE(x.reading, x.text)"


def _module(revision: str) -> ModuleType:
    module: ModuleType = context.script.get_revision(revision).module
    return module


def _texts(reading: bool) -> str:
    """The SELECT of the texts' passages as 0016 (SQLite) or 0017 (PostgreSQL) made it, cut
    from the reading where there is one (`reading`)."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    select: str = _module("0017").TEXTS if postgresql else _module("0016").KINDS["texts"].select
    if not reading:
        return select
    cut = "search_passages(x.text)" if postgresql else "substr(x.text,"
    read = f"search_passages({READ})" if postgresql else f"substr({READ},"
    assert cut in select
    return select.replace(cut, read)


def _source_trigger(reading: bool) -> Trigger:
    search = _module("0016")
    kinds = dict(search.KINDS)
    kinds["texts"] = replace(kinds["texts"], select=_texts(reading))
    return Trigger(
        "search_source",
        "source",
        search._refresh("source", "NEW", False, kinds),
        search._refresh("source", "OLD", True, kinds),
    )


def _passages_again(reading: bool) -> None:
    """Every passage of every source's text made again (the engines' indexes follow)."""
    search = _module("0016")
    texts = replace(search.KINDS["texts"], select=_texts(reading))
    op.execute("DELETE FROM search_entry WHERE kind = 'texts'")
    op.execute(
        f"INSERT INTO search_entry ({search.COLUMNS}) {texts.entries('SELECT id FROM source')}"
    )


def upgrade() -> None:
    op.add_column("source_text", sa.Column("reading", sa.Text(), nullable=True))
    connection = op.get_bind()
    xml = [
        sha256
        for sha256, media_type in connection.execute(
            sa.text("SELECT DISTINCT sha256, media_type FROM source WHERE sha256 IS NOT NULL")
        )
        if is_xml(media_type)
    ]
    for sha256 in xml:
        text = connection.execute(
            sa.text("SELECT text FROM source_text WHERE sha256 = :sha256"), {"sha256": sha256}
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE source_text SET reading = :reading WHERE sha256 = :sha256"),
            {"reading": xml_reading(text), "sha256": sha256},
        )
    drop_triggers([_source_trigger(False)])
    create_triggers([_source_trigger(True)], skip_unchanged=True)
    _passages_again(True)


def downgrade() -> None:
    drop_triggers([_source_trigger(True)])
    create_triggers([_source_trigger(False)], skip_unchanged=True)
    _passages_again(False)
    # Not a batch rebuild on SQLite: renaming the rebuilt table fails on the triggers of
    # `source` that read `source_text` (SQLite 3.35 drops a column in place).
    op.execute("ALTER TABLE source_text DROP COLUMN reading")
