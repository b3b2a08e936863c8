"""The bundled data sets (docs/datasets.md, §9): countries that no longer exist, data sets as
sources, what a citation supports, missions through time, representation periods.

- country codes widen from two letters to four everywhere (ISO 3166-3's alpha-4 `YUCS`, the
  scheme's `XBAV`); a country has a `kind`, and no alpha-3 or numeric code when ISO gives none;
- `dataset`: each bundled data set, its licence and attribution, and what its last load did;
  a source may be one of its files (`dataset`, `path`);
- a citation may name the fields it `supports`;
- a mission: the kinds the data sets name (legation, high commission, …), a status that may
  be unknown (null), the `principal` post of a representation, its Wikidata item and
  coordinates; a status it took: the kind of post it was then, and the days it was in force;
- `mission_timeline`: each mission's status through time, worked out from those;
- `representation`: one state's level of representation in another, period by period;
- a change may name its `actor` (`datasets:NAME`).

No stored row changes, but for `valid_from` of the statuses already held (their
`effective_on`); the missions' timelines are worked out from them by `app.db.upgrade` once at
the head. The downgrade refuses while a four-letter country code is in use.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from app.historic_countries import historic_countries

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUTOINCREMENT = {"sqlite_autoincrement": True}

# Every column that holds a country code, by table.
COUNTRY_COLUMNS: dict[str, list[str]] = {
    "mission": ["sending_country", "host_country"],
    "official": ["country"],
    "headcount": ["sending_country", "host_country"],
    "measure": ["actor_country", "target_country"],
    "visa_dispute": ["country_a", "country_b"],
    "talks_round": ["host_country"],
    "talks_participant": ["side"],
    "event_country": ["country"],
}
NULLABLE = {("measure", "actor_country"), ("talks_round", "host_country")}

OLD_KINDS = (
    "embassy",
    "consulate_general",
    "consulate",
    "permanent_mission",
    "interests_section",
    "other",
)
NEW_KINDS = (
    "embassy",
    "legation",
    "high_commission",
    "consulate_general",
    "consulate",
    "honorary_consulate",
    "nunciature",
    "liaison_office",
    "interests_section",
    "representative_office",
    "permanent_mission",
    "other",
)
OLD_RECORD_TYPES = (
    "official",
    "mission",
    "mission_status",
    "headcount",
    "measure",
    "visa_dispute",
    "talks",
    "event",
)
NEW_RECORD_TYPES = (*OLD_RECORD_TYPES, "representation")
LEVELS = (
    "embassy",
    "legation",
    "consulate",
    "liaison",
    "interests",
    "ambassador_nonresident",
    "envoy_nonresident",
    "consul_nonresident",
    "none",
)
PRECISIONS = ("day", "week", "month", "year")
STATUSES = ("operating", "restricted", "suspended", "frozen", "closed")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _timeline(code_type: str) -> str:
    """The timeline view of revision 0003, its null country columns cast to `code_type`."""
    return f"""
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
       CAST(NULL AS {code_type}), CAST(NULL AS {code_type}), e.kind, CAST(NULL AS VARCHAR(12)),
       CAST(NULL AS INTEGER), e.summary
FROM event e
UNION ALL
SELECT 'dispute:' || CAST(v.id AS VARCHAR(12)), 'dispute', v.id, v.id, v.opened_on, 'day',
       v.country_a, v.country_b, CAST(NULL AS VARCHAR(12)), v.status, CAST(NULL AS INTEGER),
       v.title
FROM visa_dispute v WHERE v.opened_on IS NOT NULL
"""


def _quotes(supports: bool) -> str:
    """The quotes view of revision 0008, with each citation's `supports` when asked."""
    citation = ", c.supports AS supports" if supports else ""
    statement = ", CAST(NULL AS JSON)" if supports else ""
    return f"""
CREATE VIEW quotes AS
SELECT 2 * CAST(c.id AS BIGINT) AS id, c.source_id AS source_id, c.quote AS quote,
       c.start_offset AS start, c.end_offset AS "end", c.prefix AS prefix, c.suffix AS suffix,
       c.start_offset IS NOT NULL AS verified, c.record_type AS record_type,
       c.record_id AS record_id,
       CASE WHEN c.record_type = 'mission_status' THEN s.mission_id ELSE c.record_id END
           AS page_id{citation}
FROM citation c
LEFT JOIN mission_status s ON c.record_type = 'mission_status' AND s.id = c.record_id
UNION ALL
SELECT 2 * CAST(t.id AS BIGINT) + 1, t.source_id, t.quote, t.start_offset, t.end_offset,
       t.prefix, t.suffix, t.start_offset IS NOT NULL, CAST('talks_statement' AS VARCHAR(32)),
       t.talks_id, t.talks_id{statement}
FROM talks_statement t
"""


@contextmanager
def _rebuilding() -> Iterator[None]:
    """Around SQLite's table rebuilds: each table's next id stays the one it was, and the
    views (and other tables' foreign keys) that name a rebuilt table keep naming it."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        yield
        return
    counters: dict[str, int] = dict(
        connection.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").all()
    )
    connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
    yield
    connection.exec_driver_sql("PRAGMA legacy_alter_table=OFF")
    for name, seq in counters.items():
        connection.exec_driver_sql(
            "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (seq, name)
        )


def _codes(length: int) -> None:
    with op.batch_alter_table("country") as batch_op:
        batch_op.alter_column("code", existing_type=sa.String(6 - length), type_=sa.String(length))
    for table, columns in COUNTRY_COLUMNS.items():
        with op.batch_alter_table(table, table_kwargs=AUTOINCREMENT) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.String(6 - length),
                    type_=sa.String(length),
                    existing_nullable=(table, column) in NULLABLE,
                )


def upgrade() -> None:
    op.execute("DROP VIEW timeline")
    op.execute("DROP VIEW quotes")
    op.create_table(
        "dataset",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=True),
        sa.Column("publisher", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("licence", sa.String(length=64), nullable=False),
        sa.Column("attribution", sa.String(), nullable=False),
        sa.Column("caveat", sa.String(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("retrieved_on", sa.Date(), nullable=True),
        sa.Column("bundle_sha256", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_dataset")),
    )
    with _rebuilding():
        _codes(4)
        with op.batch_alter_table("country") as batch_op:
            batch_op.alter_column("alpha3", existing_type=sa.String(3), nullable=True)
            batch_op.alter_column("numeric", existing_type=sa.String(3), nullable=True)
            batch_op.add_column(
                sa.Column("kind", sa.String(16), nullable=False, server_default="iso3166-1")
            )
            batch_op.create_check_constraint(
                op.f("ck_country_kind"), _one_of("kind", ("iso3166-1", "iso3166-3", "scheme"))
            )
        with op.batch_alter_table("country") as batch_op:
            batch_op.alter_column("kind", existing_type=sa.String(16), server_default=None)
        with op.batch_alter_table("source", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.add_column(sa.Column("dataset", sa.String(64), nullable=True))
            batch_op.add_column(sa.Column("path", sa.String(300), nullable=True))
            batch_op.create_foreign_key(
                op.f("fk_source_dataset_dataset"), "dataset", ["dataset"], ["name"]
            )
        with op.batch_alter_table("citation", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.add_column(sa.Column("supports", sa.JSON(), nullable=True))
            batch_op.drop_constraint(op.f("ck_citation_record_type"), type_="check")
            batch_op.create_check_constraint(
                op.f("ck_citation_record_type"), _one_of("record_type", NEW_RECORD_TYPES)
            )
        with op.batch_alter_table("mission", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.alter_column("status", existing_type=sa.String(16), nullable=True)
            batch_op.drop_constraint(op.f("ck_mission_kind"), type_="check")
            batch_op.create_check_constraint(op.f("ck_mission_kind"), _one_of("kind", NEW_KINDS))
            batch_op.add_column(sa.Column("wikidata_id", sa.String(16), nullable=True))
            batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
            batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
            batch_op.add_column(
                sa.Column("principal", sa.Boolean(), nullable=False, server_default=sa.false())
            )
            batch_op.create_unique_constraint(op.f("uq_mission_wikidata_id"), ["wikidata_id"])
        with op.batch_alter_table("mission", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.alter_column("principal", existing_type=sa.Boolean(), server_default=None)
        with op.batch_alter_table("mission_status", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.add_column(sa.Column("kind", sa.String(32), nullable=True))
            batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
            batch_op.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
            batch_op.create_check_constraint(
                op.f("ck_mission_status_kind"), _one_of("kind", NEW_KINDS)
            )
        with op.batch_alter_table("change", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.add_column(sa.Column("actor", sa.String(64), nullable=True))
    op.execute("UPDATE mission_status SET valid_from = effective_on")
    op.create_table(
        "mission_timeline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=True),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["mission_status.id"],
            name=op.f("fk_mission_timeline_claim_id_mission_status"),
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"], ["mission.id"], name=op.f("fk_mission_timeline_mission_id_mission")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mission_timeline")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_mission_timeline_mission_id_valid_from"),
        "mission_timeline",
        ["mission_id", "valid_from"],
    )
    op.create_table(
        "representation",
        sa.Column("sending_country", sa.String(length=4), nullable=False),
        sa.Column("host_country", sa.String(length=4), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("since_precision", sa.String(length=8), nullable=True),
        sa.Column("observed_until", sa.Date(), nullable=True),
        sa.Column("mission_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.CheckConstraint(_one_of("level", LEVELS), name=op.f("ck_representation_level")),
        sa.CheckConstraint(
            _one_of("since_precision", PRECISIONS), name=op.f("ck_representation_since_precision")
        ),
        sa.ForeignKeyConstraint(
            ["host_country"], ["country.code"], name=op.f("fk_representation_host_country_country")
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"], ["mission.id"], name=op.f("fk_representation_mission_id_mission")
        ),
        sa.ForeignKeyConstraint(
            ["sending_country"],
            ["country.code"],
            name=op.f("fk_representation_sending_country_country"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representation")),
        sa.UniqueConstraint("ref", name=op.f("uq_representation_ref")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_representation_sending_country_host_country_valid_from"),
        "representation",
        ["sending_country", "host_country", "valid_from"],
    )
    op.create_index(
        op.f("ix_representation_host_country_valid_from"),
        "representation",
        ["host_country", "valid_from"],
    )
    op.execute(_timeline("VARCHAR(4)"))
    op.execute(_quotes(supports=True))
    # The missions' statuses held already, through time (`?on=DAY` reads them there), are
    # worked out by `app.db.upgrade` at the head: the app's rule reads the head's columns.
    # The former countries the bundled data sets name, as revision 0001 brought ISO's.
    country = sa.table(
        "country",
        *(sa.column(name) for name in ("code", "alpha3", "name", "official_name", "kind")),
    )
    op.bulk_insert(
        country,
        [
            {
                "code": entry.code,
                "alpha3": entry.alpha3,
                "name": entry.name,
                "official_name": entry.official_name,
                "kind": entry.kind,
            }
            for entry in historic_countries().values()
        ],
    )


def _refuse_if_used() -> None:
    """The downgrade narrows codes back to two letters: not while a longer one is in use,
    nor while a record holds what revision 0008 cannot (a data set's, a new kind)."""
    connection = op.get_bind()
    found: list[str] = []
    for table, columns in COUNTRY_COLUMNS.items():
        for column in columns:
            count = connection.exec_driver_sql(
                f"SELECT count(*) FROM {table} WHERE length({column}) > 2"  # noqa: S608
            ).scalar()
            if count:
                found.append(f"{count} {table}.{column}")
    checks = {
        "mission rows of the new kinds": f"SELECT count(*) FROM mission WHERE NOT "
        f"({_one_of('kind', OLD_KINDS)})",
        "missions with no status": "SELECT count(*) FROM mission WHERE status IS NULL",
        "representation citations": "SELECT count(*) FROM citation "
        "WHERE record_type = 'representation'",
        "data sets' sources": "SELECT count(*) FROM source WHERE dataset IS NOT NULL",
    }
    for what, query in checks.items():
        count = connection.exec_driver_sql(query).scalar()
        if count:
            found.append(f"{count} {what}")
    if found:
        raise RuntimeError(
            "The database holds what revision 0008 cannot (four-letter country codes, the data "
            f"sets' records): {', '.join(found)}. Remove them (a database without the data "
            "sets: DATASETS=none) before downgrading."
        )


def downgrade() -> None:
    _refuse_if_used()
    op.execute("DROP VIEW timeline")
    op.execute("DROP VIEW quotes")
    op.drop_index(op.f("ix_representation_host_country_valid_from"), table_name="representation")
    op.drop_index(
        op.f("ix_representation_sending_country_host_country_valid_from"),
        table_name="representation",
    )
    op.drop_table("representation")
    op.drop_index(op.f("ix_mission_timeline_mission_id_valid_from"), table_name="mission_timeline")
    op.drop_table("mission_timeline")
    op.execute("DELETE FROM country WHERE kind <> 'iso3166-1'")
    with _rebuilding():
        with op.batch_alter_table("change", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.drop_column("actor")
        with op.batch_alter_table("mission_status", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.drop_constraint(op.f("ck_mission_status_kind"), type_="check")
            batch_op.drop_column("valid_to")
            batch_op.drop_column("valid_from")
            batch_op.drop_column("kind")
        with op.batch_alter_table("mission", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.drop_constraint(op.f("uq_mission_wikidata_id"), type_="unique")
            batch_op.drop_column("principal")
            batch_op.drop_column("longitude")
            batch_op.drop_column("latitude")
            batch_op.drop_column("wikidata_id")
            batch_op.drop_constraint(op.f("ck_mission_kind"), type_="check")
            batch_op.create_check_constraint(op.f("ck_mission_kind"), _one_of("kind", OLD_KINDS))
            batch_op.alter_column("status", existing_type=sa.String(16), nullable=False)
        with op.batch_alter_table("citation", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.drop_constraint(op.f("ck_citation_record_type"), type_="check")
            batch_op.create_check_constraint(
                op.f("ck_citation_record_type"), _one_of("record_type", OLD_RECORD_TYPES)
            )
            batch_op.drop_column("supports")
        with op.batch_alter_table("source", table_kwargs=AUTOINCREMENT) as batch_op:
            batch_op.drop_constraint(op.f("fk_source_dataset_dataset"), type_="foreignkey")
            batch_op.drop_column("path")
            batch_op.drop_column("dataset")
        with op.batch_alter_table("country") as batch_op:
            batch_op.drop_constraint(op.f("ck_country_kind"), type_="check")
            batch_op.drop_column("kind")
            batch_op.alter_column("numeric", existing_type=sa.String(3), nullable=False)
            batch_op.alter_column("alpha3", existing_type=sa.String(3), nullable=False)
        _codes(2)
    op.drop_table("dataset")
    op.execute(_timeline("VARCHAR(2)"))
    op.execute(_quotes(supports=False))
