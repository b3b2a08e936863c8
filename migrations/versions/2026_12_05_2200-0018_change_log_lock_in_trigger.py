"""The change log's commit-order lock taken by the database, not by a statement of its own: a
statement-level trigger before any insert into `change` takes the transaction-scoped advisory
lock and queues the notification (app/kit/changelog.py, docs/live.md). The rows' ids are drawn
after it has run (a row's default is evaluated when the row is made), so they stay in commit
order; a write makes one round trip to the database fewer.

SQLite has one writer at a time: nothing changes there.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCK = 0x64706C6F  # app.kit.changelog.CHANGE_LOG_LOCK, as it was when this was written
CHANNEL = "diplo_changes"  # app.kit.changelog.CHANNEL, likewise


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION change_log_in_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock({LOCK});
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER change_in_commit_order BEFORE INSERT ON change "
        "FOR EACH STATEMENT EXECUTE FUNCTION change_log_in_commit_order()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER change_in_commit_order ON change")
    op.execute("DROP FUNCTION change_log_in_commit_order()")
