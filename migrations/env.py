"""Alembic environment: the URL comes from the caller (app.schema) or from the settings."""

from typing import Any

from alembic import context
from sqlalchemy import Connection, event, text

from app.all_models import metadata
from app.config import get_settings
from app.db import make_engine
from app.search.models import in_models

config = context.config
# Any number for the lock, as long as it is the same across processes.
MIGRATION_LOCK = 7_311_2021


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # The search engines' own tables (migration 0016) are not in the models.
        include_name=in_models,
        # One transaction for the whole run on SQLite too (Alembic commits each step there by
        # default): a migration that refuses to run, or fails, leaves the schema as it was.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several containers starting at once must not migrate concurrently.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            # Foreign keys are off while SQLite migrates (below): check them all before the
            # commit, as SQLite's own procedure for rebuilding a table does.
            broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
            if broken:
                raise RuntimeError(f"The migration leaves rows pointing at nothing: {broken[:5]}")


def _foreign_keys_off(dbapi_connection: Any, _record: Any) -> None:
    # SQLite changes a column by rebuilding its table (Alembic's batch mode): a new table, the
    # rows copied, the old one dropped. With foreign keys on, dropping a table other rows point
    # at fails (a source that citations cite). The pragma is ignored inside a transaction, so
    # it is set when the connection opens.
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    settings = get_settings()
    url = config.attributes.get("database_url") or settings.database_url
    engine = make_engine(settings.model_copy(update={"database_url": url}))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _foreign_keys_off)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run against a database.")
run_migrations_online()
