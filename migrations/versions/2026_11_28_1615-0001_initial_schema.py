"""Initial schema: every table of the domain (README, "Reading"), and the ISO 3166-1 countries.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 16:15:14.164452
"""

from collections.abc import Sequence

import pycountry
import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "country",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("alpha3", sa.String(length=3), nullable=False),
        sa.Column("numeric", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("official_name", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_country")),
        sa.UniqueConstraint("alpha3", name=op.f("uq_country_alpha3")),
    )
    op.create_table(
        "event",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "date_precision IN ('day', 'week', 'month', 'year')",
            name=op.f("ck_event_date_precision"),
        ),
        sa.CheckConstraint(
            "kind IN ('incident', 'visit', 'statement', 'strain', 'other')",
            name=op.f("ck_event_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("ref", name=op.f("uq_event_ref")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_date"), ["date"], unique=False)

    op.create_table(
        "source",
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("publisher", sa.String(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("attribution", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
        sa.UniqueConstraint("ref", name=op.f("uq_source_ref")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "citation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "record_type IN ('official', 'mission', 'mission_status', 'headcount', 'measure', 'visa_dispute', 'talks', 'event')",
            name=op.f("ck_citation_record_type"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_citation_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citation")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citation_record_type_record_id"),
            ["record_type", "record_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_citation_source_id"), ["source_id"], unique=False)

    op.create_table(
        "event_country",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["country"], ["country.code"], name=op.f("fk_event_country_country_country")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_event_country_event_id_event")
        ),
        sa.PrimaryKeyConstraint("event_id", "country", name=op.f("pk_event_country")),
    )
    with op.batch_alter_table("event_country", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_country_country"), ["country"], unique=False)

    op.create_table(
        "measure",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("actor_country", sa.String(length=2), nullable=False),
        sa.Column("actor_body", sa.String(), nullable=True),
        sa.Column("target_country", sa.String(length=2), nullable=False),
        sa.Column("diplomats_count", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("date_precision", sa.String(length=8), nullable=True),
        sa.Column("condition", sa.String(), nullable=True),
        sa.Column("summary", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.Column("in_response_to", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "date_precision IN ('day', 'week', 'month', 'year')",
            name=op.f("ck_measure_date_precision"),
        ),
        sa.CheckConstraint(
            "kind IN ('expulsion', 'mission_closure', 'staff_cap', 'visa_restriction', 'freeze', 'other')",
            name=op.f("ck_measure_kind"),
        ),
        sa.CheckConstraint(
            "stage IN ('considered', 'threatened', 'proposed', 'ordered', 'implemented', 'withdrawn', 'lapsed')",
            name=op.f("ck_measure_stage"),
        ),
        sa.CheckConstraint(
            "date IS NOT NULL OR date_precision IS NULL",
            name=op.f("ck_measure_precision_needs_date"),
        ),
        sa.CheckConstraint(
            "diplomats_count >= 0", name=op.f("ck_measure_diplomats_count_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["actor_country"], ["country.code"], name=op.f("fk_measure_actor_country_country")
        ),
        sa.ForeignKeyConstraint(
            ["in_response_to"], ["measure.id"], name=op.f("fk_measure_in_response_to_measure")
        ),
        sa.ForeignKeyConstraint(
            ["target_country"], ["country.code"], name=op.f("fk_measure_target_country_country")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure")),
        sa.UniqueConstraint("ref", name=op.f("uq_measure_ref")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_actor_country_target_country_date"),
            ["actor_country", "target_country", "date"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_measure_date"), ["date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_measure_in_response_to"), ["in_response_to"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_measure_kind_stage"), ["kind", "stage"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_measure_target_country_date"), ["target_country", "date"], unique=False
        )

    op.create_table(
        "mission",
        sa.Column("sending_country", sa.String(length=2), nullable=False),
        sa.Column("host_country", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("city", sa.String(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_since", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "kind IN ('embassy', 'consulate_general', 'consulate', 'permanent_mission', 'interests_section', 'other')",
            name=op.f("ck_mission_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('operating', 'restricted', 'suspended', 'frozen', 'closed')",
            name=op.f("ck_mission_status"),
        ),
        sa.ForeignKeyConstraint(
            ["host_country"], ["country.code"], name=op.f("fk_mission_host_country_country")
        ),
        sa.ForeignKeyConstraint(
            ["sending_country"], ["country.code"], name=op.f("fk_mission_sending_country_country")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mission")),
        sa.UniqueConstraint("ref", name=op.f("uq_mission_ref")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("mission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mission_host_country"), ["host_country"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mission_sending_country_host_country"),
            ["sending_country", "host_country"],
            unique=False,
        )

    op.create_table(
        "official",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["country"], ["country.code"], name=op.f("fk_official_country_country")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official")),
        sa.UniqueConstraint("ref", name=op.f("uq_official_ref")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("official", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_official_country"), ["country"], unique=False)

    op.create_table(
        "visa_dispute",
        sa.Column("country_a", sa.String(length=2), nullable=False),
        sa.Column("country_b", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.Column("next_round_planned", sa.Boolean(), nullable=False),
        sa.Column("next_round_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'stalled', 'resolved')", name=op.f("ck_visa_dispute_status")
        ),
        sa.ForeignKeyConstraint(
            ["country_a"], ["country.code"], name=op.f("fk_visa_dispute_country_a_country")
        ),
        sa.ForeignKeyConstraint(
            ["country_b"], ["country.code"], name=op.f("fk_visa_dispute_country_b_country")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visa_dispute")),
        sa.UniqueConstraint("ref", name=op.f("uq_visa_dispute_ref")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("visa_dispute", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visa_dispute_country_a_country_b"),
            ["country_a", "country_b"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_visa_dispute_country_b"), ["country_b"], unique=False)

    op.create_table(
        "headcount",
        sa.Column("sending_country", sa.String(length=2), nullable=False),
        sa.Column("host_country", sa.String(length=2), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "category IN ('diplomatic', 'administrative_technical', 'local', 'total')",
            name=op.f("ck_headcount_category"),
        ),
        sa.CheckConstraint(
            "date_precision IN ('day', 'week', 'month', 'year')",
            name=op.f("ck_headcount_date_precision"),
        ),
        sa.CheckConstraint("kind IN ('actual', 'cap')", name=op.f("ck_headcount_kind")),
        sa.CheckConstraint("count >= 0", name=op.f("ck_headcount_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["host_country"], ["country.code"], name=op.f("fk_headcount_host_country_country")
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"], ["mission.id"], name=op.f("fk_headcount_mission_id_mission")
        ),
        sa.ForeignKeyConstraint(
            ["sending_country"], ["country.code"], name=op.f("fk_headcount_sending_country_country")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_headcount")),
        sa.UniqueConstraint("ref", name=op.f("uq_headcount_ref")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("headcount", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_headcount_as_of"), ["as_of"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_headcount_host_country_as_of"), ["host_country", "as_of"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_headcount_mission_id"), ["mission_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_headcount_sending_country_host_country_as_of"),
            ["sending_country", "host_country", "as_of"],
            unique=False,
        )

    op.create_table(
        "mission_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("date_precision", sa.String(length=8), nullable=True),
        sa.CheckConstraint(
            "date_precision IN ('day', 'week', 'month', 'year')",
            name=op.f("ck_mission_status_date_precision"),
        ),
        sa.CheckConstraint(
            "status IN ('operating', 'restricted', 'suspended', 'frozen', 'closed')",
            name=op.f("ck_mission_status_status"),
        ),
        sa.CheckConstraint(
            "effective_on IS NOT NULL OR date_precision IS NULL",
            name=op.f("ck_mission_status_precision_needs_date"),
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"], ["mission.id"], name=op.f("fk_mission_status_mission_id_mission")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mission_status")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("mission_status", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mission_status_mission_id_effective_on"),
            ["mission_id", "effective_on"],
            unique=False,
        )

    op.create_table(
        "talks_round",
        sa.Column("dispute_id", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(length=8), nullable=False),
        sa.Column("city", sa.String(), nullable=True),
        sa.Column("host_country", sa.String(length=2), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.String(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "date_precision IN ('day', 'week', 'month', 'year')",
            name=op.f("ck_talks_round_date_precision"),
        ),
        sa.CheckConstraint(
            "outcome IN ('no_progress', 'limited_progress', 'agreement', 'unknown')",
            name=op.f("ck_talks_round_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["visa_dispute.id"], name=op.f("fk_talks_round_dispute_id_visa_dispute")
        ),
        sa.ForeignKeyConstraint(
            ["host_country"], ["country.code"], name=op.f("fk_talks_round_host_country_country")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talks_round")),
        sa.UniqueConstraint("ref", name=op.f("uq_talks_round_ref")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("talks_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_talks_round_date"), ["date"], unique=False)
        batch_op.create_index(batch_op.f("ix_talks_round_dispute_id"), ["dispute_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_talks_round_host_country_date"), ["host_country", "date"], unique=False
        )

    op.create_table(
        "visa_dispute_issue",
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("issue", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "issue IN ('visas', 'staffing_levels', 'mission_operations', 'property', 'other')",
            name=op.f("ck_visa_dispute_issue_issue"),
        ),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["visa_dispute.id"],
            name=op.f("fk_visa_dispute_issue_dispute_id_visa_dispute"),
        ),
        sa.PrimaryKeyConstraint("dispute_id", "issue", name=op.f("pk_visa_dispute_issue")),
    )
    op.create_table(
        "talks_participant",
        sa.Column("talks_id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["official_id"], ["official.id"], name=op.f("fk_talks_participant_official_id_official")
        ),
        sa.ForeignKeyConstraint(
            ["side"], ["country.code"], name=op.f("fk_talks_participant_side_country")
        ),
        sa.ForeignKeyConstraint(
            ["talks_id"], ["talks_round.id"], name=op.f("fk_talks_participant_talks_id_talks_round")
        ),
        sa.PrimaryKeyConstraint("talks_id", "official_id", name=op.f("pk_talks_participant")),
    )
    with op.batch_alter_table("talks_participant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_talks_participant_official_id"), ["official_id"], unique=False
        )

    op.create_table(
        "talks_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("talks_id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('direct', 'reported')", name=op.f("ck_talks_statement_kind")),
        sa.ForeignKeyConstraint(
            ["official_id"], ["official.id"], name=op.f("fk_talks_statement_official_id_official")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_talks_statement_source_id_source")
        ),
        sa.ForeignKeyConstraint(
            ["talks_id"], ["talks_round.id"], name=op.f("fk_talks_statement_talks_id_talks_round")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talks_statement")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("talks_statement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_talks_statement_official_id"), ["official_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_talks_statement_source_id"), ["source_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_talks_statement_talks_id"), ["talks_id"], unique=False)

    # Facts reference countries by code, so the ISO list is there from the first revision on.
    # `diplo seed` refreshes it from newer pycountry releases.
    country = sa.table(
        "country",
        sa.column("code", sa.String),
        sa.column("alpha3", sa.String),
        sa.column("numeric", sa.String),
        sa.column("name", sa.String),
        sa.column("official_name", sa.String),
    )
    op.bulk_insert(
        country,
        [
            {
                "code": entry.alpha_2,
                "alpha3": entry.alpha_3,
                "numeric": entry.numeric,
                "name": entry.name,
                "official_name": getattr(entry, "official_name", None),
            }
            for entry in pycountry.countries
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("talks_statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talks_statement_talks_id"))
        batch_op.drop_index(batch_op.f("ix_talks_statement_source_id"))
        batch_op.drop_index(batch_op.f("ix_talks_statement_official_id"))

    op.drop_table("talks_statement")
    with op.batch_alter_table("talks_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talks_participant_official_id"))

    op.drop_table("talks_participant")
    op.drop_table("visa_dispute_issue")
    with op.batch_alter_table("talks_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talks_round_host_country_date"))
        batch_op.drop_index(batch_op.f("ix_talks_round_dispute_id"))
        batch_op.drop_index(batch_op.f("ix_talks_round_date"))

    op.drop_table("talks_round")
    with op.batch_alter_table("mission_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mission_status_mission_id_effective_on"))

    op.drop_table("mission_status")
    with op.batch_alter_table("headcount", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_headcount_sending_country_host_country_as_of"))
        batch_op.drop_index(batch_op.f("ix_headcount_mission_id"))
        batch_op.drop_index(batch_op.f("ix_headcount_host_country_as_of"))
        batch_op.drop_index(batch_op.f("ix_headcount_as_of"))

    op.drop_table("headcount")
    with op.batch_alter_table("visa_dispute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visa_dispute_country_b"))
        batch_op.drop_index(batch_op.f("ix_visa_dispute_country_a_country_b"))

    op.drop_table("visa_dispute")
    with op.batch_alter_table("official", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_official_country"))

    op.drop_table("official")
    with op.batch_alter_table("mission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mission_sending_country_host_country"))
        batch_op.drop_index(batch_op.f("ix_mission_host_country"))

    op.drop_table("mission")
    with op.batch_alter_table("measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_target_country_date"))
        batch_op.drop_index(batch_op.f("ix_measure_kind_stage"))
        batch_op.drop_index(batch_op.f("ix_measure_in_response_to"))
        batch_op.drop_index(batch_op.f("ix_measure_date"))
        batch_op.drop_index(batch_op.f("ix_measure_actor_country_target_country_date"))

    op.drop_table("measure")
    with op.batch_alter_table("event_country", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_country_country"))

    op.drop_table("event_country")
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citation_source_id"))
        batch_op.drop_index(batch_op.f("ix_citation_record_type_record_id"))

    op.drop_table("citation")
    op.drop_table("source")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_date"))

    op.drop_table("event")
    op.drop_table("country")
