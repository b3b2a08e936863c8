"""Alembic owns the schema: it builds it, matches the models, and takes it down again."""

import hashlib
import re
from typing import Any

import pycountry
import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from app.all_models import metadata
from app.config import Settings
from app.db import downgrade, make_engine, upgrade
from app.historic_countries import historic_countries
from app.loaders.seed import SEED_DIR, load_seed
from app.main import create_app
from app.search.models import in_models, is_engine_table
from tests.conftest import NewDatabase, make_key, seeded


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        names = set(inspect(engine).get_table_names()) - {"alembic_version"}
        return {name for name in names if not is_engine_table(name)}
    finally:
        engine.dispose()


def _differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_name": in_models},
            )
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


def test_the_migrations_bring_the_iso_and_the_former_countries(
    new_database: NewDatabase,
) -> None:
    url = new_database()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        kinds: dict[str, int] = dict(
            connection.execute(text("SELECT kind, count(*) FROM country GROUP BY kind")).all()
        )
    engine.dispose()
    assert kinds["iso3166-1"] == len(pycountry.countries)
    assert kinds["iso3166-3"] + kinds["scheme"] == len(historic_countries())
    assert {"YUCS", "CSHH", "DDDE", "XBAV", "XPAP"} <= set(historic_countries())


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


SEED_ARTICLE = SEED_DIR / "sources" / "reuters-2021-10-12-embassy-rows.txt"
SOURCE_0003_COLUMNS = ("ref", "title", "publisher", "published_on", "url", "attribution")


def _as_0003_seeded_it(url: str) -> None:
    """The rows revision 0003's seed made of the article's source (no text then), one fact
    citing it, a source of a user's, and one deleted (its id, 3, is never to be used again)."""
    document = yaml.safe_load((SEED_DIR / "reuters-2021-10-12-embassy-rows.yaml").read_text())
    source = {key: document["source"][key] for key in SOURCE_0003_COLUMNS}
    engine = make_engine(Settings(database_url=url))
    with engine.begin() as connection:
        columns = ", ".join(SOURCE_0003_COLUMNS)
        values = ", ".join(f":{name}" for name in SOURCE_0003_COLUMNS)
        insert_source = text(f"INSERT INTO source ({columns}) VALUES ({values})")
        connection.execute(insert_source, source)
        for title in ("A user's source", "Deleted"):
            connection.execute(insert_source, {**source, "ref": None, "title": title})
        connection.execute(text("DELETE FROM source WHERE id = 3"))
        connection.execute(
            text("INSERT INTO official (name, country, title) VALUES ('S. R.', 'RU', 'Minister')")
        )
        connection.execute(
            text(
                "INSERT INTO citation (source_id, record_type, record_id, quote)"
                " VALUES (1, 'official', 1, 'Sergei Ryabkov said')"
            )
        )
    engine.dispose()


def test_0004_gives_the_seeded_report_its_text(new_database: NewDatabase) -> None:
    """A database made at 0003, seeded and in use, upgraded: every row and reference stays, the
    seed's report gets the article's text as `diplo seed` gives it, and ids are not reused."""
    url = new_database()
    upgrade(url, "0003")
    _as_0003_seeded_it(url)
    upgrade(url)
    article = SEED_ARTICLE.read_bytes()
    with TestClient(create_app(Settings(database_url=url))) as client:
        read, write = make_key(url, "read"), make_key(url, "write")
        report = client.get("/v1/sources/1").json()
        assert report["kind"] == "news_report"
        assert report["licence"] is None
        assert report["sha256"] == hashlib.sha256(article).hexdigest()
        assert report["text_length"] == len(article.decode("utf-8"))
        assert (report["published_on"], report["date_precision"]) == ("2021-10-12", "day")
        assert [fact["url"] for fact in report["facts"]] == ["/v1/officials/1"]
        assert client.get("/v1/sources/1/text", headers=read).content == article
        assert client.get("/v1/sources/1/text").status_code == 401

        users = client.get("/v1/sources/2").json()
        assert (users["kind"], users["date_precision"], users["sha256"]) == ("other", "day", None)
        assert client.get("/v1/sources/3").status_code == 404
        new = client.post("/v1/sources", json={"title": "New", "publisher": "Wire"}, headers=write)
        assert new.status_code == 201, new.text
        assert new.json()["id"] == 4

        # The seed loaded now finds its report as it would make it: nothing to change.
        engine = make_engine(Settings(database_url=url))
        loaded = load_seed(engine)
        engine.dispose()
        assert loaded.updated == 0
        assert client.get("/v1/sources/1").json() | {"facts": []} == report | {"facts": []}


def test_a_seeded_database_goes_down_to_0003_and_back(new_database: NewDatabase) -> None:
    url = seeded(new_database)
    paths = ["/v1/sources", "/v1/sources/1", "/v1/missions", "/v1/talks/1", "/v1/officials"]

    def served() -> list[Any]:
        with TestClient(create_app(Settings(database_url=url))) as client:
            return [client.get(path).json() for path in paths]

    before = served()
    # Below 0007 every measure names an actor: the seed's freeze of the Russian missions names
    # none, so the downgrade refuses, naming it, and changes nothing.
    with TestClient(create_app(Settings(database_url=url))) as client:
        unnamed = client.get("/v1/measures", params={"target_country": "RU", "kind": "freeze"})
    [freeze] = unnamed.json()["items"]
    assert freeze["actor_country"] is None
    head = _revision(url)
    with pytest.raises(RuntimeError, match=f"name no actor_country.*: measure {freeze['id']}$"):
        downgrade(url, "0003")
    assert _revision(url) == head
    engine = make_engine(Settings(database_url=url))
    with engine.begin() as connection:
        named = "UPDATE measure SET actor_country = 'US' WHERE id = :id"
        connection.execute(text(named), {"id": freeze["id"]})
    engine.dispose()
    downgrade(url, "0003")
    upgrade(url)
    assert served() == before


def test_0004_downgrades_only_when_every_source_has_a_date(new_database: NewDatabase) -> None:
    url = new_database()
    upgrade(url)
    engine = make_engine(Settings(database_url=url))
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO source (kind, title, publisher) VALUES ('web_page', 'Undated', 'W')")
        )
    engine.dispose()
    with pytest.raises(RuntimeError, match="no published_on"):
        downgrade(url, "0003")
    assert _differences(url) == []  # still at the head, unchanged


def _revision(url: str) -> str:
    engine = make_engine(Settings(database_url=url))
    with engine.connect() as connection:
        revision: str = connection.execute(
            text("SELECT version_num FROM alembic_version")
        ).scalar_one()
    engine.dispose()
    return revision


def test_0005_refuses_dates_that_are_not_their_spans_first_day(
    new_database: NewDatabase,
) -> None:
    """Stored dates of a week, month or year that are not its first day are listed, and the
    upgrade waits for an operator to correct them: it moves no date itself."""
    url = new_database()
    upgrade(url, "0004")
    engine = make_engine(Settings(database_url=url))
    event = "INSERT INTO event (date, date_precision, kind, summary) VALUES (:d, :p, 'other', 'E')"
    with engine.begin() as connection:
        for day, precision in [
            ("2021-10-11", "week"),  # a Monday: fine
            ("2021-10-13", "week"),
            ("2021-10-13", "day"),  # any day is a day
            ("2021-10-13", "month"),
        ]:
            connection.execute(text(event), {"d": day, "p": precision})
        connection.execute(
            text(
                "INSERT INTO source (kind, title, publisher, published_on, date_precision)"
                " VALUES ('other', 'Yearly', 'W', '2021-06-01', 'year')"
            )
        )
    listed = (
        "3 stored dates are not the first day of the span their date_precision names "
        "(a week's Monday, a month's 1st, a year's 1 January). Set each to that day, or to the "
        "precision the date is known to, then upgrade again:\n"
        "event 2: date 2021-10-13 with date_precision week (its first day is 2021-10-11)\n"
        "event 4: date 2021-10-13 with date_precision month (its first day is 2021-10-01)\n"
        "source 1: published_on 2021-06-01 with date_precision year (its first day is 2021-01-01)"
    )
    with pytest.raises(RuntimeError) as refused:
        upgrade(url)
    assert str(refused.value) == listed
    assert _revision(url) == "0004"
    with engine.begin() as connection:
        stored = connection.execute(text("SELECT date FROM event ORDER BY id")).scalars()
        assert [str(day) for day in stored] == [
            "2021-10-11",
            "2021-10-13",
            "2021-10-13",
            "2021-10-13",
        ]
        connection.execute(text("UPDATE event SET date = '2021-10-11' WHERE id = 2"))
        connection.execute(text("UPDATE event SET date_precision = 'day' WHERE id = 4"))
        connection.execute(text("UPDATE source SET published_on = '2021-01-01' WHERE id = 1"))
    engine.dispose()
    upgrade(url)
    assert _differences(url) == []


def test_0006_anchors_stored_quotes_or_lists_those_it_cannot(new_database: NewDatabase) -> None:
    """Quotes stored before 0006 are anchored where they stand in their source's text; a quote
    that is not there, or is there twice, stops the upgrade, listed, with nothing changed."""
    url = new_database()
    upgrade(url, "0003")
    _as_0003_seeded_it(url)  # citation 1: 'Sergei Ryabkov said', once in the article
    upgrade(url, "0005")
    engine = make_engine(Settings(database_url=url))
    cite = (
        "INSERT INTO citation (source_id, record_type, record_id, quote)"
        " VALUES (:s, 'official', 1, :q)"
    )
    with engine.begin() as connection:
        for source_id, quote in [
            (1, "Not in the article"),
            (1, "Ryabkov said"),  # twice
            (2, "A source without a text: unverified"),
        ]:
            connection.execute(text(cite), {"s": source_id, "q": quote})
    article = SEED_ARTICLE.read_text(encoding="utf-8")
    twice = ", ".join(str(m.start()) for m in re.finditer("Ryabkov said", article))
    listed = (
        "2 stored quotes do not stand in one place of their source's text. Correct each quote "
        "(or the source's text) so that it is found once, then upgrade again:\n"
        "citation 2 (source 1): 'Not in the article' is not in the source's text\n"
        "citation 3 (source 1): 'Ryabkov said' occurs 2 times in the source's text, starting "
        f"at {twice}: send `start` (one of those) or `prefix`/`suffix` (the words just before "
        "or after it) to say which"
    )
    with pytest.raises(RuntimeError) as refused:
        upgrade(url)
    assert str(refused.value) == listed
    assert _revision(url) == "0005"
    assert "start_offset" not in {c["name"] for c in inspect(engine).get_columns("citation")}
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM citation WHERE id IN (2, 3)"))
    engine.dispose()
    upgrade(url)
    assert _differences(url) == []
    with TestClient(create_app(Settings(database_url=url))) as client:
        [first, unverified] = client.get("/v1/officials/1").json()["citations"]
    start = article.index("Sergei Ryabkov said")
    assert first == {
        "source_id": 1,
        "quote": "Sergei Ryabkov said",
        "start": start,
        "end": start + len("Sergei Ryabkov said"),
        "prefix": article[start - 32 : start],
        "suffix": article[start + 19 : start + 51],
        "verified": True,
        "supports": None,  # the whole record, as every citation written before revision 0009
    }
    assert unverified["verified"] is False
    assert unverified["start"] is None
