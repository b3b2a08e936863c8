"""The timeline view: every dated fact of every kind in one relation, for /v1/timeline.

A view rather than a query built in the app, so that the list machine pages it like a table
(keyset on date and key). Columns common to all kinds; `subject`, `state`, `number` and
`label` hold what each kind's one-line title is made of (see app/timeline/service.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# key, kind, id, page_id, date, date_precision, country_a, country_b, subject, state, number,
# label. A round of talks is between its dispute's countries, or its host and the other side.
TIMELINE = """
CREATE VIEW timeline AS
SELECT 'talks:' || CAST(t.id AS VARCHAR(12)) AS key, 'talks' AS kind, t.id AS id,
       t.id AS page_id, t.date AS date, t.date_precision AS date_precision,
       COALESCE(d.country_a, t.host_country) AS country_a,
       COALESCE(d.country_b, (SELECT MIN(p.side) FROM talks_participant p
                              WHERE p.talks_id = t.id AND p.side <> t.host_country)) AS country_b,
       t.city AS subject, t.outcome AS state, CAST(NULL AS INTEGER) AS number,
       t.host_country AS label
FROM talks_round t LEFT JOIN visa_dispute d ON d.id = t.dispute_id
UNION ALL
SELECT 'measure:' || CAST(m.id AS VARCHAR(12)), 'measure', m.id, m.id, m.date,
       m.date_precision, m.actor_country, m.target_country, m.kind, m.stage,
       m.diplomats_count, m.actor_body
FROM measure m WHERE m.date IS NOT NULL
UNION ALL
SELECT 'mission_status:' || CAST(s.id AS VARCHAR(12)), 'mission_status', s.id, s.mission_id,
       s.effective_on, s.date_precision, mi.sending_country, mi.host_country, mi.kind, s.status,
       CAST(NULL AS INTEGER), mi.city
FROM mission_status s JOIN mission mi ON mi.id = s.mission_id WHERE s.effective_on IS NOT NULL
UNION ALL
SELECT 'headcount:' || CAST(h.id AS VARCHAR(12)), 'headcount', h.id, h.id, h.as_of,
       h.date_precision, h.sending_country, h.host_country, h.category, h.kind, h.count,
       CAST(NULL AS VARCHAR(12))
FROM headcount h
UNION ALL
SELECT 'event:' || CAST(e.id AS VARCHAR(12)), 'event', e.id, e.id, e.date, e.date_precision,
       CAST(NULL AS VARCHAR(2)), CAST(NULL AS VARCHAR(2)), e.kind, CAST(NULL AS VARCHAR(12)),
       CAST(NULL AS INTEGER), e.summary
FROM event e
UNION ALL
SELECT 'dispute:' || CAST(v.id AS VARCHAR(12)), 'dispute', v.id, v.id, v.opened_on, 'day',
       v.country_a, v.country_b, CAST(NULL AS VARCHAR(12)), v.status, CAST(NULL AS INTEGER),
       v.title
FROM visa_dispute v WHERE v.opened_on IS NOT NULL
"""


def upgrade() -> None:
    op.execute(TIMELINE)


def downgrade() -> None:
    op.execute("DROP VIEW timeline")
