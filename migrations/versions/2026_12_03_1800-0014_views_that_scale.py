"""Views that cost what a list page costs, whatever the number of rows (docs/live.md, "Views
that scale"), kept current by triggers, so that every write path — the API, imports, data-set
loads, the seed, a hand-written `INSERT` — keeps them in the same transaction:

- `timeline_entry`: the `timeline` view (revision 0009) stored, one row per dated fact, indexed
  by date;
- `timeline_scope`: each entry once per country it involves (`RU`) and once per pair of them
  (`RU|US`, the codes in order), so that `/v1/timeline?countries=RU,US` walks one index range
  in date order and stops at the page's end;
- `headcount_bucket`: per sending and host country, mission (0: the whole pair), category and
  kind, the last headcount of each month and of each year (`/v1/headcounts/series`);
- an index of headcounts by pair, category, kind and date: the relation view's latest counts
  are a few index probes.

The `timeline` view stays: it is what the entries are made from, and the tests compare the two.
SQLite drops a table's triggers when a migration rebuilds the table (`batch_alter_table`): a
later revision that rebuilds one of the tables below makes its triggers again (`_triggers`).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op

from app.kit.row_triggers import Trigger, create_triggers, drop_triggers

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY_COLUMNS = (
    "key, kind, id, page_id, date, date_precision, country_a, country_b, subject, state, "
    "number, label"
)


@dataclass(frozen=True)
class Kind:
    """How the `timeline` view makes one kind's entries: its SELECT, its conditions, and the
    expression of the record's id."""

    name: str
    select: str
    where: tuple[str, ...]
    id: str

    def entries(self, ids: str) -> str:
        """The entries of the records whose ids `ids` (an SQL list or subquery) gives."""
        conditions = " AND ".join((*self.where, f"{self.id} IN ({ids})"))
        return f"{self.select} WHERE {conditions}"


KINDS = {
    kind.name: kind
    for kind in (
        Kind(
            "talks",
            """SELECT 'talks:' || CAST(t.id AS VARCHAR(12)), 'talks', t.id, t.id, t.date,
       t.date_precision, COALESCE(d.country_a, t.host_country),
       COALESCE(d.country_b, (SELECT MIN(p.side) FROM talks_participant p
                              WHERE p.talks_id = t.id AND p.side <> t.host_country)),
       t.city, t.outcome, CAST(NULL AS INTEGER), t.host_country
FROM talks_round t LEFT JOIN visa_dispute d ON d.id = t.dispute_id""",
            (),
            "t.id",
        ),
        Kind(
            "measure",
            """SELECT 'measure:' || CAST(m.id AS VARCHAR(12)), 'measure', m.id, m.id, m.date,
       m.date_precision, m.actor_country, m.target_country, m.kind, m.stage,
       m.diplomats_count, m.actor_body
FROM measure m""",
            ("m.date IS NOT NULL",),
            "m.id",
        ),
        Kind(
            "mission_status",
            """SELECT 'mission_status:' || CAST(s.id AS VARCHAR(12)), 'mission_status', s.id,
       s.mission_id, s.effective_on, s.date_precision, mi.sending_country, mi.host_country,
       mi.kind, s.status, CAST(NULL AS INTEGER), mi.city
FROM mission_status s JOIN mission mi ON mi.id = s.mission_id""",
            ("s.effective_on IS NOT NULL",),
            "s.id",
        ),
        Kind(
            "headcount",
            """SELECT 'headcount:' || CAST(h.id AS VARCHAR(12)), 'headcount', h.id, h.id, h.as_of,
       h.date_precision, h.sending_country, h.host_country, h.category, h.kind, h.count,
       CAST(NULL AS VARCHAR(12))
FROM headcount h""",
            (),
            "h.id",
        ),
        Kind(
            "event",
            """SELECT 'event:' || CAST(e.id AS VARCHAR(12)), 'event', e.id, e.id, e.date,
       e.date_precision, CAST(NULL AS VARCHAR(4)), CAST(NULL AS VARCHAR(4)), e.kind,
       CAST(NULL AS VARCHAR(12)), CAST(NULL AS INTEGER), e.summary
FROM event e""",
            (),
            "e.id",
        ),
        Kind(
            "dispute",
            """SELECT 'dispute:' || CAST(v.id AS VARCHAR(12)), 'dispute', v.id, v.id, v.opened_on,
       'day', v.country_a, v.country_b, CAST(NULL AS VARCHAR(12)), v.status,
       CAST(NULL AS INTEGER), v.title
FROM visa_dispute v""",
            ("v.opened_on IS NOT NULL",),
            "v.id",
        ),
    )
}

# Which entries a row of each table makes or changes: (kind, the ids, from the row `{row}`).
SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "talks_round": (("talks", "{row}.id"),),
    "talks_participant": (("talks", "{row}.talks_id"),),
    "visa_dispute": (
        ("dispute", "{row}.id"),
        ("talks", "SELECT id FROM talks_round WHERE dispute_id = {row}.id"),
    ),
    "measure": (("measure", "{row}.id"),),
    "mission_status": (("mission_status", "{row}.id"),),
    "mission": (("mission_status", "SELECT id FROM mission_status WHERE mission_id = {row}.id"),),
    "headcount": (("headcount", "{row}.id"),),
    "event": (("event", "{row}.id"),),
}

INTERVALS = ("month", "year")
BUCKET_COLUMNS = (
    "span, sending_country, host_country, category, kind, mission_key, bucket, headcount_id"
)


def _refresh(table: str, row: str, remove: bool) -> list[str]:
    """The statements that take out (`remove`) or make again the entries a row of `table`
    makes."""
    statements = []
    for kind, ids in SOURCES[table]:
        wanted = ids.format(row=row)
        # Put in: made again (a participant's row changes its talks' entry, which is there).
        statements.append(f"DELETE FROM timeline_entry WHERE kind = '{kind}' AND id IN ({wanted})")
        if not remove:
            statements.append(
                f"INSERT INTO timeline_entry ({ENTRY_COLUMNS}) {KINDS[kind].entries(wanted)}"
            )
    return statements


def _event_scopes(event_id: str, less: str, entry_kind: str = "'event'") -> list[str]:
    """An event's scopes made again from its countries (`event_country`); none unless
    `entry_kind` (the kind of the entry `event_id` names) is 'event'."""
    return [
        f"DELETE FROM timeline_scope WHERE kind = 'event' AND id = {event_id}",
        f"""INSERT INTO timeline_scope (scope, date, key, kind, id)
SELECT x.country, t.date, t.key, t.kind, t.id
FROM timeline_entry t JOIN event_country x ON x.event_id = t.id
WHERE t.kind = 'event' AND {entry_kind} = 'event' AND t.id = {event_id}
UNION ALL
SELECT x.country || '|' || y.country, t.date, t.key, t.kind, t.id
FROM timeline_entry t JOIN event_country x ON x.event_id = t.id
JOIN event_country y ON y.event_id = t.id AND {less.format(a="x.country", b="y.country")}
WHERE t.kind = 'event' AND {entry_kind} = 'event' AND t.id = {event_id}""",
    ]


def _entry_scopes(less: str) -> list[str]:
    """A new entry's scopes: its countries and their pair (an event's: its countries')."""
    pair = """SELECT NEW.{a} || '|' || NEW.{b}, NEW.date, NEW.key, NEW.kind, NEW.id
WHERE NEW.kind <> 'event' AND {less}"""
    one_way = pair.format(
        a="country_a", b="country_b", less=less.format(a="NEW.country_a", b="NEW.country_b")
    )
    other_way = pair.format(
        a="country_b", b="country_a", less=less.format(a="NEW.country_b", b="NEW.country_a")
    )
    return [
        f"""INSERT INTO timeline_scope (scope, date, key, kind, id)
SELECT p.c, NEW.date, NEW.key, NEW.kind, NEW.id
FROM (SELECT NEW.country_a AS c UNION SELECT NEW.country_b) p
WHERE p.c IS NOT NULL AND NEW.kind <> 'event'
UNION ALL
{one_way}
UNION ALL
{other_way}""",
        *_event_scopes("NEW.id", less, "NEW.kind")[1:],
    ]


def _gone_scopes() -> list[str]:
    return [
        """DELETE FROM timeline_scope
WHERE scope IN (OLD.country_a, OLD.country_b, OLD.country_a || '|' || OLD.country_b,
                OLD.country_b || '|' || OLD.country_a)
  AND date = OLD.date AND key = OLD.key""",
        "DELETE FROM timeline_scope WHERE kind = 'event' AND id = OLD.id AND OLD.kind = 'event'",
    ]


def _bucket_start(interval: str, day: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"CAST(date_trunc('{interval}', CAST({day} AS TIMESTAMP)) AS DATE)"
    return f"date({day}, 'start of {interval}')"


def _bucket_end(interval: str, day: str, dialect: str) -> str:
    """The first day after the bucket."""
    if dialect == "postgresql":
        return f"CAST(date_trunc('{interval}', CAST({day} AS TIMESTAMP)) + INTERVAL '1 {interval}' AS DATE)"
    return f"date({day}, 'start of {interval}', '+1 {interval}')"


def _buckets(row: str, dialect: str) -> list[str]:
    """The month and the year of a headcount `row` (NEW or OLD) worked out again: each bucket's
    last headcount, if the bucket still has one."""
    statements = []
    key = (
        f"sending_country = {row}.sending_country AND host_country = {row}.host_country "
        f"AND category = {row}.category AND kind = {row}.kind"
    )
    for interval in INTERVALS:
        start = _bucket_start(interval, f"{row}.as_of", dialect)
        end = _bucket_end(interval, f"{row}.as_of", dialect)
        statements.append(
            f"DELETE FROM headcount_bucket WHERE span = '{interval}' AND {key} "
            f"AND mission_key = COALESCE({row}.mission_id, 0) AND bucket = {start}"
        )
        last = (
            f"SELECT id FROM headcount WHERE {key} "
            f"AND COALESCE(mission_id, 0) = COALESCE({row}.mission_id, 0) "
            f"AND as_of >= {start} AND as_of < {end} ORDER BY as_of DESC, id DESC LIMIT 1"
        )
        statements.append(
            f"""INSERT INTO headcount_bucket ({BUCKET_COLUMNS})
SELECT '{interval}', {row}.sending_country, {row}.host_country, {row}.category, {row}.kind,
       COALESCE({row}.mission_id, 0), {start}, newest.id FROM ({last}) newest"""
        )
    return statements


def _triggers(dialect: str) -> list[Trigger]:
    less = '{a} COLLATE "C" < {b}' if dialect == "postgresql" else "{a} < {b}"
    made = [
        (table, _refresh(table, "NEW", False), _refresh(table, "OLD", True)) for table in SOURCES
    ]
    made += [
        ("event_country", _event_scopes("NEW.event_id", less), []),
        ("timeline_entry", _entry_scopes(less), _gone_scopes()),
        ("headcount", _buckets("NEW", dialect), _buckets("OLD", dialect)),
    ]
    # event_country's deletions: the event's scopes made again without the row.
    made.append(("event_country", [], _event_scopes("OLD.event_id", less)))
    return [
        Trigger(f"scale_{table}_{number}", table, on_insert, on_delete)
        for number, (table, on_insert, on_delete) in enumerate(made)
    ]


def rebuild(dialect: str) -> list[str]:
    """Every entry, scope and bucket made anew from the tables, set by set (with the triggers
    off or not yet made: bench.generate runs it after its bulk load)."""
    less = '{a} COLLATE "C" < {b}' if dialect == "postgresql" else "{a} < {b}"
    pair = (
        "CASE WHEN {less} THEN country_a || '|' || country_b ELSE country_b || '|' || country_a END"
    )
    statements = [
        "DELETE FROM timeline_scope",
        "DELETE FROM timeline_entry",
        "DELETE FROM headcount_bucket",
        f"INSERT INTO timeline_entry ({ENTRY_COLUMNS}) SELECT {ENTRY_COLUMNS} FROM timeline",
        f"""INSERT INTO timeline_scope (scope, date, key, kind, id)
SELECT country_a, date, key, kind, id FROM timeline_entry
WHERE kind <> 'event' AND country_a IS NOT NULL
UNION ALL
SELECT country_b, date, key, kind, id FROM timeline_entry
WHERE kind <> 'event' AND country_b IS NOT NULL
  AND (country_a IS NULL OR country_b <> country_a)
UNION ALL
SELECT {pair.format(less=less.format(a="country_a", b="country_b"))}, date, key, kind, id
FROM timeline_entry
WHERE kind <> 'event' AND country_a IS NOT NULL AND country_b IS NOT NULL
  AND country_a <> country_b
UNION ALL
SELECT x.country, t.date, t.key, t.kind, t.id
FROM timeline_entry t JOIN event_country x ON x.event_id = t.id WHERE t.kind = 'event'
UNION ALL
SELECT x.country || '|' || y.country, t.date, t.key, t.kind, t.id
FROM timeline_entry t JOIN event_country x ON x.event_id = t.id
JOIN event_country y ON y.event_id = t.id AND {less.format(a="x.country", b="y.country")}
WHERE t.kind = 'event'""",
    ]
    for interval in INTERVALS:
        start = _bucket_start(interval, "as_of", dialect)
        statements.append(
            f"""INSERT INTO headcount_bucket ({BUCKET_COLUMNS})
SELECT '{interval}', sending_country, host_country, category, kind, mission_key, bucket, id
FROM (SELECT id, sending_country, host_country, category, kind,
             COALESCE(mission_id, 0) AS mission_key, {start} AS bucket,
             row_number() OVER (PARTITION BY sending_country, host_country, category, kind,
                                COALESCE(mission_id, 0), {start}
                                ORDER BY as_of DESC, id DESC) AS rank
      FROM headcount) ranked
WHERE rank = 1"""
        )
    return statements


def upgrade() -> None:
    op.create_table(
        "timeline_entry",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(8), nullable=True),
        sa.Column("country_a", sa.String(4), nullable=True),
        sa.Column("country_b", sa.String(4), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("kind", "id", name=op.f("pk_timeline_entry")),
    )
    op.create_index(op.f("ix_timeline_entry_date_key"), "timeline_entry", ["date", "key"])
    op.create_table(
        "timeline_scope",
        sa.Column("scope", sa.String(12), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "date", "key", name=op.f("pk_timeline_scope")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_timeline_scope_event"),
        "timeline_scope",
        ["id"],
        sqlite_where=sa.text("kind = 'event'"),
        postgresql_where=sa.text("kind = 'event'"),
    )
    op.create_table(
        "headcount_bucket",
        sa.Column("span", sa.String(8), nullable=False),
        sa.Column("sending_country", sa.String(4), nullable=False),
        sa.Column("host_country", sa.String(4), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("mission_key", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Date(), nullable=False),
        sa.Column("headcount_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "span",
            "sending_country",
            "host_country",
            "category",
            "kind",
            "mission_key",
            "bucket",
            name=op.f("pk_headcount_bucket"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_headcount_sending_country_host_country_category_kind_as_of"),
        "headcount",
        ["sending_country", "host_country", "category", "kind", "as_of"],
    )
    for statement in rebuild(op.get_bind().dialect.name):
        op.execute(statement)
    create_triggers(_triggers(op.get_bind().dialect.name))


def downgrade() -> None:
    drop_triggers(_triggers(op.get_bind().dialect.name))
    op.drop_index(
        op.f("ix_headcount_sending_country_host_country_category_kind_as_of"),
        table_name="headcount",
    )
    op.drop_table("headcount_bucket")
    op.drop_index(op.f("ix_timeline_scope_event"), table_name="timeline_scope")
    op.drop_table("timeline_scope")
    op.drop_index(op.f("ix_timeline_entry_date_key"), table_name="timeline_entry")
    op.drop_table("timeline_entry")
