"""Alembic owns the schema: it builds it, matches the models, and takes it down again."""

import pycountry
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from app.all_models import metadata
from app.config import Settings
from app.db import downgrade, make_engine, upgrade
from tests.conftest import NewDatabase


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_upgrade_builds_every_table_of_the_models(new_database: NewDatabase) -> None:
    url = new_database()
    assert _tables(url) == set()
    upgrade(url)
    assert _tables(url) == set(metadata.tables)


def test_models_and_migrations_agree(new_database: NewDatabase) -> None:
    url = new_database()
    upgrade(url)
    assert _differences(url) == []


def test_downgrade_to_base_and_up_again(new_database: NewDatabase) -> None:
    url = new_database()
    upgrade(url)
    downgrade(url, "base")
    assert _tables(url) == set()
    upgrade(url)
    assert _tables(url) == set(metadata.tables)
    assert _differences(url) == []


def test_first_revision_brings_the_iso_countries(new_database: NewDatabase) -> None:
    url = new_database()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM country")).scalar_one()
    engine.dispose()
    assert count == len(pycountry.countries)


def test_constraints_refuse_bad_rows(new_database: NewDatabase) -> None:
    """The database itself keeps enums, counts and references valid, not only the API."""
    url = new_database()
    upgrade(url)
    engine = make_engine(Settings(database_url=url))  # with SQLite's foreign_keys pragma
    good = (
        "INSERT INTO headcount (sending_country, host_country, as_of, date_precision, category,"
        " kind, count) VALUES ('RU', 'US', '2021-10-12', 'day', 'diplomatic', 'cap', {count})"
    )
    bad_statements = [
        good.format(count=-1),
        good.replace("'cap'", "'ceiling'").format(count=1),
        good.replace("'RU'", "'XX'").format(count=1),
        "INSERT INTO measure (kind, stage, actor_country, target_country, date_precision)"
        " VALUES ('expulsion', 'proposed', 'US', 'RU', 'week')",
    ]
    with engine.connect() as connection:
        connection.execute(text(good.format(count=0)))
        for statement in bad_statements:
            savepoint = connection.begin_nested()
            with pytest.raises(IntegrityError):
                connection.execute(text(statement))
            savepoint.rollback()
    engine.dispose()
