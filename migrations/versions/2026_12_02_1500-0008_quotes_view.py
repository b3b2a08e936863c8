"""The quotes view: every stored quote, the citations of every record and the statements of
every round of talks, in one relation, for /v1/citations and a source's list of facts.

A view rather than a query built in the app, as the timeline is (0003): the list machine pages
it like a table. Citations and statements live in two tables whose ids overlap, so the view
gives each quote an id of its own, unique across both and worked out from the row's own id:
twice a citation's id, twice a statement's id plus one (64-bit, so no id overflows). The rest:
the anchored quote as the API serves it (`start`, `end`, `verified` false only for a source
without text), the kind and id of the record it supports (a statement: `talks_statement` and
its round of talks) and `page_id`, the record whose page shows it (a status change: its
mission).

SQLite checks a view's tables when one of them is renamed, which a batch rebuild does: a later
migration that rebuilds `citation`, `talks_statement` or `mission_status` on SQLite drops this
view first and creates it again after.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUOTES = """
CREATE VIEW quotes AS
SELECT 2 * CAST(c.id AS BIGINT) AS id, c.source_id AS source_id, c.quote AS quote,
       c.start_offset AS start, c.end_offset AS "end", c.prefix AS prefix, c.suffix AS suffix,
       c.start_offset IS NOT NULL AS verified, c.record_type AS record_type,
       c.record_id AS record_id,
       CASE WHEN c.record_type = 'mission_status' THEN s.mission_id ELSE c.record_id END
           AS page_id
FROM citation c
LEFT JOIN mission_status s ON c.record_type = 'mission_status' AND s.id = c.record_id
UNION ALL
SELECT 2 * CAST(t.id AS BIGINT) + 1, t.source_id, t.quote, t.start_offset, t.end_offset,
       t.prefix, t.suffix, t.start_offset IS NOT NULL, CAST('talks_statement' AS VARCHAR(32)),
       t.talks_id, t.talks_id
FROM talks_statement t
"""


def upgrade() -> None:
    op.execute(QUOTES)


def downgrade() -> None:
    op.execute("DROP VIEW quotes")
