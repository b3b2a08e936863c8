"""The quotes stored: the `quotes` view (0008, 0009) becomes a table of the same name and
columns, kept current by triggers on `citation`, `talks_statement` and `mission_status`, so
that every write path (the API, imports, data-set loads, the seed, hand-written SQL) keeps it
in the same transaction, as the stored timeline is (0014).

The view's ids are computed (twice a citation's id; twice a statement's, plus one) over a
UNION ALL, and neither engine reads such a union in id order from an index: `/v1/citations`
sorted all 124,000 quotes of the generated benchmark data for every page (60 ms on either
engine, bench/README.md), and a search of the quotes joined its hits to every quote (SQLite
materialized the whole view: 144 ms). Stored, a page is an index range and a hit an id lookup.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.kit.row_triggers import Trigger, create_triggers, drop_triggers

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    'id, source_id, quote, start, "end", prefix, suffix, verified, record_type, record_id, '
    "page_id, supports"
)

CITATIONS = """SELECT 2 * CAST(c.id AS BIGINT), c.source_id, c.quote, c.start_offset,
       c.end_offset, c.prefix, c.suffix, c.start_offset IS NOT NULL, c.record_type,
       c.record_id,
       CASE WHEN c.record_type = 'mission_status'
            THEN (SELECT s.mission_id FROM mission_status s WHERE s.id = c.record_id)
            ELSE c.record_id END,
       c.supports
FROM citation c"""
"""The quotes of citations, as the view made them (a status change's page is its mission's)."""

STATEMENTS = """SELECT 2 * CAST(t.id AS BIGINT) + 1, t.source_id, t.quote, t.start_offset,
       t.end_offset, t.prefix, t.suffix, t.start_offset IS NOT NULL, 'talks_statement',
       t.talks_id, t.talks_id, NULL
FROM talks_statement t"""
"""The quotes of the statements at talks, whose page is their round of talks'."""

VIEW = """
CREATE VIEW quotes AS
SELECT 2 * CAST(c.id AS BIGINT) AS id, c.source_id AS source_id, c.quote AS quote,
       c.start_offset AS start, c.end_offset AS "end", c.prefix AS prefix, c.suffix AS suffix,
       c.start_offset IS NOT NULL AS verified, c.record_type AS record_type,
       c.record_id AS record_id,
       CASE WHEN c.record_type = 'mission_status' THEN s.mission_id ELSE c.record_id END
           AS page_id, c.supports AS supports
FROM citation c
LEFT JOIN mission_status s ON c.record_type = 'mission_status' AND s.id = c.record_id
UNION ALL
SELECT 2 * CAST(t.id AS BIGINT) + 1, t.source_id, t.quote, t.start_offset, t.end_offset,
       t.prefix, t.suffix, t.start_offset IS NOT NULL, CAST('talks_statement' AS VARCHAR(32)),
       t.talks_id, t.talks_id, CAST(NULL AS JSON)
FROM talks_statement t
"""
"""Revision 0009's view, made again on the way down."""


def _triggers() -> list[Trigger]:
    return [
        Trigger(
            "quotes_citation",
            "citation",
            [f"INSERT INTO quotes ({COLUMNS}) {CITATIONS} WHERE c.id = NEW.id"],
            ["DELETE FROM quotes WHERE id = 2 * CAST(OLD.id AS BIGINT)"],
        ),
        Trigger(
            "quotes_talks_statement",
            "talks_statement",
            [f"INSERT INTO quotes ({COLUMNS}) {STATEMENTS} WHERE t.id = NEW.id"],
            ["DELETE FROM quotes WHERE id = 2 * CAST(OLD.id AS BIGINT) + 1"],
        ),
        # A status change's quotes are shown on its mission's page.
        Trigger(
            "quotes_mission_status",
            "mission_status",
            [
                "UPDATE quotes SET page_id = NEW.mission_id "
                "WHERE record_type = 'mission_status' AND record_id = NEW.id"
            ],
            [
                "UPDATE quotes SET page_id = NULL "
                "WHERE record_type = 'mission_status' AND record_id = OLD.id"
            ],
        ),
    ]


def upgrade() -> None:
    op.execute("DROP VIEW quotes")
    op.create_table(
        "quotes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=True),
        sa.Column("end", sa.Integer(), nullable=True),
        sa.Column("prefix", sa.Text(), nullable=True),
        sa.Column("suffix", sa.Text(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("record_type", sa.String(32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=True),
        sa.Column("supports", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    # A source's quotes in id order (the list's default) and in the order its text says them.
    op.create_index(op.f("ix_quotes_source_id_id"), "quotes", ["source_id", "id"])
    op.create_index(op.f("ix_quotes_source_id_start"), "quotes", ["source_id", "start"])
    op.create_index(op.f("ix_quotes_record_type_record_id"), "quotes", ["record_type", "record_id"])
    op.execute(f"INSERT INTO quotes ({COLUMNS}) {CITATIONS}")
    op.execute(f"INSERT INTO quotes ({COLUMNS}) {STATEMENTS}")
    create_triggers(_triggers())


def downgrade() -> None:
    drop_triggers(_triggers())
    op.drop_table("quotes")
    op.execute(VIEW)
