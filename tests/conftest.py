"""Fixtures: real databases (a SQLite file, and PostgreSQL when TEST_DATABASE_URL is set),
built by the real migrations and loaded by the real seed command."""

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.datasets.bundle import DATASETS_DIR
from app.datasets.load import LOADERS, LoadReport, load_dataset
from app.db import make_engine, upgrade, write_transaction
from app.kit.auth import Scope, create_key
from app.loaders.seed import load_seed
from app.main import create_app

BACKENDS = ["sqlite", "postgresql"]
# Apps made by the tests keep quiet; tests/test_access_log.py turns the access log on.
os.environ["ACCESS_LOG"] = "false"
# The tests' databases hold the article seed alone, unless a test loads a data set (its own
# database: tests/test_datasets.py); servers they start load none unless told to.
os.environ["DATASETS"] = "none"
# No server keeps common words in the background (a write every few seconds in any test);
# tests/test_search.py keeps them itself, when it means to.
os.environ["SEARCH_COMMON_ENTRIES"] = "0"


def pytest_report_header() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    where = make_url(url).render_as_string(hide_password=True) if url else "not set: skipped"
    return f"databases: sqlite (temporary files); postgresql {where}"


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql" and not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL is not set")
    return name


class NewDatabase(Protocol):
    def __call__(self, copy_of: str | None = None) -> str:
        """A new database on the backend under test: empty, or a copy of another."""


@pytest.fixture(scope="session")
def new_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewDatabase]:
    """Makes databases on the backend under test, empty or copies; drops them at the end."""
    created: list[str] = []
    admin_url = os.environ.get("TEST_DATABASE_URL", "")

    def make(copy_of: str | None = None) -> str:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("db") / "test.db"
            if copy_of:
                with (
                    closing(sqlite3.connect(make_url(copy_of).database or "")) as source,
                    closing(sqlite3.connect(path)) as target,
                ):
                    source.backup(target)
            return f"sqlite:///{path}"
        name = f"diplo_test_{uuid.uuid4().hex[:12]}"
        # A copy is PostgreSQL's own (CREATE DATABASE … TEMPLATE), of a database nobody is using.
        template = f' TEMPLATE "{make_url(copy_of).database}"' if copy_of else ""
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{template}'))
        admin.dispose()
        created.append(name)
        return make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    yield make

    if created:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seeded(new_database: NewDatabase) -> str:
    """A new database, migrated to head and loaded with the seed, as `diplo serve` makes it."""
    url = new_database()
    upgrade(url)
    engine = make_engine(Settings(database_url=url))
    load_seed(engine)
    engine.dispose()
    return url


@dataclass(frozen=True)
class Loaded:
    """A database holding the seed and every bundled data set, as `make run` serves it."""

    url: str
    reports: dict[str, LoadReport]


@pytest.fixture(scope="session")
def loaded_template(new_database: NewDatabase) -> Loaded:
    """The seed and every bundled data set, loaded once per database in `all`'s order; nobody
    connects to it, so tests get copies of it (`loaded_copy`)."""
    url = seeded(new_database)
    return Loaded(url, {name: load_data_set(url, name) for name in LOADERS})


@pytest.fixture(scope="session")
def loaded(new_database: NewDatabase, loaded_template: Loaded) -> Loaded:
    """The fully loaded database shared by read-only tests."""
    return Loaded(new_database(copy_of=loaded_template.url), loaded_template.reports)


@pytest.fixture(scope="session")
def loaded_copy(new_database: NewDatabase, loaded_template: Loaded) -> Callable[[], str]:
    """Makes a fully loaded database of a test's own, which it may change."""
    return lambda: new_database(copy_of=loaded_template.url)


@pytest.fixture(scope="session")
def seeded_url(new_database: NewDatabase) -> str:
    """The seeded database shared by read-only tests."""
    return seeded(new_database)


@pytest.fixture(scope="session")
def client(seeded_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=seeded_url))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def own_api(new_database: NewDatabase) -> Iterator[TestClient]:
    """A seeded database of the module's own, which its tests may change, with a write key."""
    url = seeded(new_database)
    with TestClient(
        create_app(Settings(database_url=url)), headers=make_key(url, "write")
    ) as test_client:
        yield test_client


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line per database, so the output shows what ran where."""
    counts: dict[str, dict[str, int]] = {name: {} for name in BACKENDS}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            for name in BACKENDS:
                if f"[{name}" in report.nodeid or f"-{name}" in report.nodeid:
                    counts[name][outcome] = counts[name].get(outcome, 0) + 1
    terminalreporter.write_sep("=", "per database")
    for name, outcomes in counts.items():
        summary = ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())) or "nothing ran"
        terminalreporter.write_line(f"{name}: {summary}")


STREAM = "/v1/changes/stream"
"""The one endpoint whose answer never ends: tests that read every GET's answer leave it to
tests/test_live.py, which reads it as a client does."""


def make_key(url: str, *scopes: str) -> dict[str, str]:
    """An API key made the way `diplo keys create` makes one; returns its request header."""
    engine = make_engine(Settings(database_url=url))
    with write_transaction(engine) as connection:
        created = create_key(connection, f"test-{'-'.join(scopes)}", [Scope(s) for s in scopes])
    engine.dispose()
    return {"Authorization": f"Bearer {created['key']}"}


@pytest.fixture(scope="session")
def admin(seeded_url: str) -> dict[str, str]:
    """Headers carrying an admin key for the shared seeded database."""
    return make_key(seeded_url, "admin")


def said(quotes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Quotes served (citations, statements) as they were sent: without where they stand in
    their source's text (`start`, `end`, `prefix`, `suffix`, `verified`: tests/test_quotes.py)."""
    worked_out = {"start", "end", "prefix", "suffix", "verified"}
    sent = [{k: v for k, v in quote.items() if k not in worked_out} for quote in quotes]
    # `supports` is null when a citation is about its whole record, as one sent without it is.
    return [{k: v for k, v in quote.items() if k != "supports" or v is not None} for quote in sent]


def every(api: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, page after page (by `next_cursor`, 1000 a page)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = api.get(path, params={**params, "limit": 1000, "cursor": cursor})
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def load_data_set(url: str, name: str, directory: Path = DATASETS_DIR) -> LoadReport:
    """Loads a bundled data set into a database, as `diplo datasets load NAME` does (or the
    same data set's fixture, from tests/fixtures/datasets)."""
    engine = make_engine(Settings(database_url=url))
    try:
        return load_dataset(engine, name, directory=directory)
    finally:
        engine.dispose()


def every_change(api: TestClient) -> list[dict[str, Any]]:
    """The whole change feed, page after page (by `since`)."""
    found: list[dict[str, Any]] = []
    since = "0"
    while True:
        page = api.get("/v1/changes", params={"since": since, "limit": 1000}).json()
        if not page["items"]:
            return found
        found += page["items"]
        since = page["last_id"]
