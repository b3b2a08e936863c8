"""Each data set's loader on small fixtures cut from the real files (tests/fixtures/datasets, by
tests/fixtures/cut_datasets.py): Afghanistan, Cuba, Russia and Bavaria in Kenkel's range files
and the Office of the Historian's files, and the U.S. and Russian missions among them in
Wikidata's. Loaded in `all`'s order into a seeded database, record by record against the rows
they come from. Every test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

import csv
import gzip
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text as sql

from app.config import Settings
from app.datasets.bundle import BundleError, bundles
from app.datasets.load import LOADERS, LoadReport
from app.db import make_engine
from app.main import create_app
from tests.conftest import NewDatabase, every, every_change, load_data_set, seeded

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"
KENKEL, HSG, WIKIDATA = LOADERS


@pytest.fixture(scope="module")
def loaded(new_database: NewDatabase) -> tuple[str, dict[str, LoadReport]]:
    url = seeded(new_database)
    return url, {name: load_data_set(url, name, FIXTURES) for name in LOADERS}


@pytest.fixture(scope="module")
def api(loaded: tuple[str, dict[str, LoadReport]]) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=loaded[0]))) as client:
        yield client


def _fixture_text(name: str, path: str) -> str:
    return bundles(FIXTURES)[name].read(path).text


def _rows(name: str, path: str, delimiter: str = ",") -> list[dict[str, str]]:
    text = _fixture_text(name, path)
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_the_fixtures_are_cut_from_the_bundled_files() -> None:
    """Every line of a fixture's table is a line of the bundled file, every article a member."""
    for name, fixture in bundles(FIXTURES).items():
        real = bundles()[name]
        for container, entry in fixture.entries():
            zipped = container.endswith(".zip")
            path = f"{container}/{entry['path']}" if zipped else entry["path"]
            cut, whole = fixture.read(path).text, real.read(path).text
            if path.endswith((".csv", ".csv.gz")):
                assert set(cut.splitlines()) <= set(whole.splitlines()), path
            else:
                assert cut == whole, path


def test_kenkel_rows_become_periods_and_a_principal_mission(api: TestClient) -> None:
    """Both range files' rows for Afghanistan, merged into periods: each row is quoted by the
    one period that covers its span at its level; the resident ones are the principal
    mission's."""
    rows = [
        row
        for path in ("mission_status_range_cow_v0.1.csv", "mission_status_range_gwm_v0.1.csv")
        for row in _rows(KENKEL, path)
        if row["country_name_usdos"] == "Afghanistan"
    ]
    periods = every(api, "/v1/representations", sending_country="US", host_country="AF")
    for before, after in zip(periods, periods[1:], strict=False):
        assert before["valid_to"] is not None
        assert before["valid_to"] < after["valid_from"]
    levels = {"Envoy Nonresident": "envoy_nonresident"}
    for row in rows:
        line = ",".join(row.values())
        [period] = [p for p in periods if line in {c["quote"] for c in p["citations"]}]
        level = row["us_mission_status"]
        assert period["level"] == levels.get(level, level.lower())
        assert period["valid_from"] <= row["date_start"]
        assert (period["valid_to"] or "2024-12-31") >= row["date_end"]
    [mission] = every(api, "/v1/missions", sending_country="US", host_country="AF")
    resident = {"legation", "embassy", "liaison", "interests"}
    for period in periods:
        expected = mission["id"] if period["level"] in resident else None
        assert period["mission_id"] == expected
    assert {p["level"] for p in periods} == {"none", "envoy_nonresident"} | resident


def test_a_country_that_no_longer_exists_keeps_its_rows(api: TestClient) -> None:
    bavaria = api.get("/v1/countries/XBAV").json()
    assert bavaria["name"] == "Bavaria"
    rows = [
        r
        for r in _rows(KENKEL, "mission_status_range_cow_v0.1.csv")
        if r["country_abbrev_cow"] == "BAV"
    ]
    periods = every(api, "/v1/representations", host_country="XBAV")
    assert [p["valid_from"] for p in periods] == [r["date_start"] for r in rows]
    # Bavaria ended in 1871: the last period ends with it, nothing is said after.
    assert periods[-1]["valid_to"] == rows[-1]["date_end"]
    [consulate] = every(api, "/v1/missions", host_country="XBAV")
    assert consulate["kind"] == "consulate"
    assert every(api, "/v1/missions", host_country="XBAV", on="1900-01-01") == []


def test_the_chronology_gives_events_and_the_suspension_in_kabul(api: TestClient) -> None:
    events = every(api, "/v1/events", country="AF", kind="diplomatic_relations")
    assert events
    for event in events:
        [head, *_] = event["citations"]
        assert head["quote"] == event["summary"]  # the entry's heading, as it reads
        assert all(citation["verified"] for citation in event["citations"])
    [kabul] = every(api, "/v1/missions", sending_country="US", host_country="AF", on="2021-09-15")
    assert (kabul["status"], kabul["status_since"]) == ("suspended", "2021-08-31")
    detail = api.get(f"/v1/missions/{kabul['id']}").json()
    [suspended] = [e for e in detail["status_history"] if e["status"] == "suspended"]
    [citation] = suspended["citations"]
    assert citation["quote"].startswith("The U.S. Embassy in Kabul suspended operations")
    assert citation["supports"] == ["status", "status_since"]


def test_the_chiefs_of_a_post_are_the_rows_of_its_country_in_order(api: TestClient) -> None:
    rows = [
        r
        for r in _rows(HSG, "pocom_chiefs_of_mission.csv.gz")
        if r["territory_id"] == "afghanistan"
    ]
    posts = every(api, "/v1/posts", host_country="AF", sort="credentials_on")
    assert sorted(p["ref"] for p in posts) == sorted(f"pocom:{r['chief_id']}" for r in rows)
    days = [p["credentials_on"] for p in posts if p["credentials_on"]]
    assert days == sorted(days)
    by_ref = {f"pocom:{r['chief_id']}": r for r in rows}
    for post in posts:
        row = by_ref[post["ref"]]
        official = api.get(f"/v1/officials/{post['official_id']}").json()
        assert official["name"] == row["person_name"]
        assert post["title"] == row["role_title"]
        [citation] = post["citations"]
        assert citation["quote"].startswith(row["chief_id"] + ",")
        assert len(set(citation["supports"])) == len(citation["supports"])


def test_one_mission_many_sources(api: TestClient) -> None:
    """The U.S. embassy in Moscow: the seed's record, cited by the article, Kenkel's rows and
    Wikidata's row, each for the fields it states."""
    [moscow] = every(api, "/v1/missions", sending_country="US", host_country="RU", kind="embassy")
    assert moscow["ref"] == "us-embassy-in-russia"
    sources = {s["id"]: s for s in every(api, "/v1/sources")}
    by_kind: dict[str | None, list[dict[str, Any]]] = {}
    for citation in moscow["citations"]:
        by_kind.setdefault(sources[citation["source_id"]]["dataset"], []).append(citation)
    assert set(by_kind) == {None, KENKEL, WIKIDATA}
    assert all(c["supports"] is None for c in by_kind[None])  # the article: the whole record
    assert {"status", "status_since"} <= set(by_kind[KENKEL][0]["supports"])
    [wikidata] = by_kind[WIKIDATA]
    assert {"city", "latitude", "longitude", "wikidata_id"} <= set(wikidata["supports"])
    [row] = [
        r
        for r in _rows(WIKIDATA, "database_of_embassies_2022-11-16.csv.gz", ";")
        if r["city"] == "Moscow"
    ]
    assert moscow["wikidata_id"] == row["QID"].rsplit("/", 1)[-1]
    assert (moscow["latitude"], moscow["longitude"]) == (
        float(row["latitude"]),
        float(row["longitude"]),
    )
    assert moscow["city"] == "Moscow"


def test_a_wikidata_only_mission_says_no_more_than_wikidata(api: TestClient) -> None:
    consulates = every(api, "/v1/missions", sending_country="RU", host_country="US")
    made = [m for m in consulates if m["ref"].startswith(f"{WIKIDATA}:")]
    assert {m["city"] for m in made} == {"New York", "Seattle", "Texas"}
    for mission in made:
        assert (mission["status"], mission["status_since"], mission["status_history"]) == (
            None,
            None,
            [],
        )
        [citation] = mission["citations"]
        assert "status" not in citation["supports"]


def test_every_loaded_quote_is_where_it_says_in_its_source(
    api: TestClient, loaded: tuple[str, dict[str, LoadReport]]
) -> None:
    checked = 0
    for source in every(api, "/v1/sources"):
        if source["dataset"] is None:
            continue
        text = api.get(f"/v1/sources/{source['id']}/text").content.decode("utf-8")
        for citation in every(api, "/v1/citations", source_id=source["id"]):
            assert citation["verified"] is True
            assert citation["end"] > citation["start"]
            checked += 1
        assert source["sha256"] == bundles(FIXTURES)[source["dataset"]].read(source["path"]).sha256
        assert text == bundles(FIXTURES)[source["dataset"]].read(source["path"]).text
    assert checked > 300


def test_a_second_load_of_each_writes_nothing(
    api: TestClient, loaded: tuple[str, dict[str, LoadReport]]
) -> None:
    changes = every_change(api)
    for name in LOADERS:
        again = load_data_set(loaded[0], name, FIXTURES)
        assert (again.created, again.updated, again.deleted) == (0, 0, 0), name
        assert again.problems == loaded[1][name].problems
    assert every_change(api) == changes


def test_a_file_that_is_not_its_manifests_loads_nothing(
    api: TestClient, loaded: tuple[str, dict[str, LoadReport]], tmp_path: Path
) -> None:
    """All or nothing: a changed file (a row added to the chiefs' table, read after the
    chronology) is refused, and nothing is written."""
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    table = tmp_path / HSG / "pocom_chiefs_of_mission.csv.gz"
    table.write_bytes(gzip.compress(gzip.decompress(table.read_bytes()) + b"x,y\r\n"))
    changes = every_change(api)
    with pytest.raises(BundleError, match="is not the file the manifest names"):
        load_data_set(loaded[0], HSG, tmp_path)
    assert every_change(api) == changes


def test_an_interests_section_names_its_protecting_power(api: TestClient) -> None:
    """Cuba, 1977: "A U.S. Interests Section was established in Havana under the protection
    of the Swiss Government on September 1, 1977." Kenkel codes the section; the Office of
    the Historian names Switzerland, and is shown."""

    def on(day: str) -> dict[str, Any]:
        params = {"sending_country": "US", "host_country": "CU", "on": day}
        [mission] = every(api, "/v1/missions", **params)
        return mission

    havana = on("1980-01-01")
    assert (havana["kind"], havana["status"], havana["status_since"]) == (
        "interests_section",
        "operating",
        "1977-09-01",
    )
    assert havana["protecting_power"] == "CH"
    assert api.get("/v1/countries/CH").json()["name"] == "Switzerland"
    # Raised to an embassy in 2015: no protecting power since.
    assert (on("2016-01-01")["kind"], on("2016-01-01")["protecting_power"]) == ("embassy", None)
    history = api.get(f"/v1/missions/{havana['id']}").json()["status_history"]
    [named] = [entry for entry in history if entry["protecting_power"]]
    assert named["shown"] is True
    [citation] = named["citations"]
    assert "under the protection of the Swiss Government" in citation["quote"]
    assert citation["supports"] == ["kind", "status", "status_since", "protecting_power"]


def test_a_post_established_or_raised_is_dated_by_its_sentence(api: TestClient) -> None:
    """Russia: Kenkel's legation is coded from 1816-01-01, the systems' first day (since when,
    it cannot say); the chronology says it was established on November 5, 1809, and raised
    to an embassy on February 11, 1898."""
    params = {"sending_country": "US", "host_country": "RU"}
    [legation] = every(api, "/v1/missions", **params, on="1850-01-01")
    assert (legation["kind"], legation["status_since"]) == ("legation", "1809-11-05")
    [embassy] = every(api, "/v1/missions", **params, on="1900-01-01")
    assert (embassy["kind"], embassy["status_since"]) == ("embassy", "1898-02-11")
    history = api.get(f"/v1/missions/{embassy['id']}").json()["status_history"]
    quotes = [entry["citations"][0]["quote"] for entry in history]
    assert any(
        q.startswith("The American Legation in St. Petersburg was established") for q in quotes
    )
    assert any("was raised to an Embassy on February 11, 1898" in q for q in quotes)
    # Before Kenkel's first day the chronology's word alone: the legation, since 1809.
    [early] = every(api, "/v1/missions", **params, on="1810-01-01")
    assert (early["kind"], early["status"]) == ("legation", "operating")


def test_a_mission_files_notes_are_its_countrys_events(api: TestClient) -> None:
    text = _fixture_text(HSG, "pocom-missions-countries.zip/afghanistan.xml")
    notes = every(api, "/v1/events", kind="mission_note", country="AF")
    assert len(notes) == text.count("<mission-note>")
    assert [note["ref"] for note in notes] == [
        f"pocom:afghanistan:note:{n}" for n in range(1, len(notes) + 1)
    ]
    [opened] = [note for note in notes if note["date"] == "1942-06-06"]
    assert opened["citations"][0]["quote"].endswith("Legation Kabul was opened on June 6, 1942.")


def _planned_quotes(url: str) -> int | None:
    """How many quotes the database's planner believes there are: SQLite's statistics, where
    it keeps some (`ANALYZE`), PostgreSQL's `reltuples`."""
    engine = make_engine(Settings(database_url=url))
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            believed = "SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE relname = 'quotes'"
        else:
            believed = (
                "SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = 'quotes' "
                "AND idx = 'ix_quotes_source_id_id'"
            )
        found = connection.execute(sql(believed)).scalar()
    engine.dispose()
    return None if found is None else int(found)


def test_a_load_leaves_the_planners_statistics_current(new_database: NewDatabase) -> None:
    """Statistics made before a load (the bench's database is analyzed once generated) are
    made again by it: stale, they led SQLite to a plan a hundred times slower (app/datasets/
    load.py, `analyze_again`)."""
    url = seeded(new_database)
    engine = make_engine(Settings(database_url=url))
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
        before = connection.execute(sql("SELECT count(*) FROM quotes")).scalar_one()
    assert _planned_quotes(url) == before
    report = load_data_set(url, HSG, FIXTURES)
    assert report.created > 0
    with engine.connect() as connection:
        after = connection.execute(sql("SELECT count(*) FROM quotes")).scalar_one()
    engine.dispose()
    assert after > before
    assert _planned_quotes(url) == after
