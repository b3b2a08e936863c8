"""The bundled data sets, loaded (docs/datasets.md): Kenkel's U.S. Diplomatic Mission Status
Data as representation periods and principal missions through time, cited row by row; the
countries that no longer exist; `?on=DAY`; idempotent loads; `/readyz` until they are in.
Every test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text as sql

from app.config import Settings
from app.datasets.bundle import bundles
from app.datasets.load import LOADERS
from app.db import make_engine
from app.historic_countries import KENKEL_FILES, SYSTEM_COLUMN, read_rows, row_codes
from app.main import create_app
from tests.conftest import Loaded, NewDatabase, every, every_change, load_data_set, seeded
from tests.test_faults import serving

KENKEL = "us-mission-status"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def loaded_url(loaded: Loaded) -> str:
    assert loaded.reports[KENKEL].problems == []
    return loaded.url


@pytest.fixture(scope="module")
def api(loaded_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=loaded_url))) as client:
        yield client


def _text(api: TestClient, source_id: int) -> str:
    response = api.get(f"/v1/sources/{source_id}/text")
    assert response.status_code == 200
    text: str = response.content.decode("utf-8")  # as published: CRLF kept
    return text


def _sources(api: TestClient) -> dict[str, dict[str, Any]]:
    return {s["path"]: s for s in every(api, "/v1/sources", dataset=KENKEL)}


def test_each_file_is_a_source_whose_text_is_the_file_as_published(api: TestClient) -> None:
    sources = _sources(api)
    assert set(sources) == set(KENKEL_FILES.values())
    bundle = bundles()[KENKEL]
    for path, source in sources.items():
        file = bundle.read(path)
        assert source["sha256"] == file.sha256  # the published file's own hash
        assert _text(api, source["id"]) == file.text
        assert source["kind"] == "dataset"
        assert source["licence"] == "CC-BY-4.0"
        assert source["text_public"] is True
        assert source["attribution"].startswith("Kenkel, Brenton. 2026.")
        assert source["retrieved_on"] == "2026-03-15"
    listed = api.get("/v1/datasets").json()["items"]
    assert sorted(d["name"] for d in listed) == sorted(LOADERS)
    [described] = [d for d in listed if d["name"] == KENKEL]
    assert described["version"] == "0.1"
    assert described["caveat"].startswith("Codes the highest level")
    assert sorted(described["sources"]) == sorted(s["id"] for s in sources.values())
    assert described["problems"] == []


def test_every_loaded_citation_is_a_row_of_its_file_where_it_says(api: TestClient) -> None:
    texts = {s["id"]: _text(api, s["id"]) for s in _sources(api).values()}
    checked = 0
    for source_id, text in texts.items():
        rows = set(text.split("\r\n")[1:])
        for quote in every(api, "/v1/citations", source_id=source_id):
            assert quote["verified"] is True
            assert text[quote["start"] : quote["end"]] == quote["quote"]
            assert quote["quote"] in rows  # a whole row, as it stands
            assert text[quote["end"] : quote["end"] + 2] == "\r\n"
            checked += 1
    assert checked > 2000


def _rows_of(abbrev: str, system: str = "cow") -> list[dict[str, str]]:
    suffix = SYSTEM_COLUMN[system]
    return [row for row in read_rows(system) if row[f"country_abbrev_{suffix}"] == abbrev]


def test_afghanistan_through_time(api: TestClient) -> None:
    """The issue's question: the U.S. missions in Afghanistan on a day."""

    def on(day: str) -> list[dict[str, Any]]:
        params = {"sending_country": "US", "host_country": "AF", "on": day}
        return every(api, "/v1/missions", **params)

    # 2021-08-31 to 2021-11-11 Kenkel codes no representation (`None`); the Office of the
    # Historian says the embassy suspended operations on 2021-08-31, and it is shown.
    [suspended] = on("2021-09-15")
    assert (suspended["kind"], suspended["status"], suspended["status_since"]) == (
        "embassy",
        "suspended",
        "2021-08-31",
    )
    [now] = on("2022-01-01")
    assert (now["kind"], now["status"], now["status_since"]) == (
        "interests_section",
        "operating",
        "2021-11-12",
    )
    # Raised from legation to embassy in 1948: a new post, operating since then (as Kenkel's
    # row and the chronology's sentence both say).
    [then] = on("1950-06-01")
    assert (then["kind"], then["status"], then["status_since"]) == (
        "embassy",
        "operating",
        "1948-06-05",
    )
    assert then["id"] == now["id"]  # one principal mission through time
    [legation] = on("1945-01-01")
    assert (legation["kind"], legation["status_since"]) == ("legation", "1942-06-06")
    # Before the legation: an envoy accredited from elsewhere, no post in Kabul.
    assert on("1940-01-01") == []
    periods = every(api, "/v1/representations", host_country="AF", on="1940-01-01")
    [envoy] = periods
    assert envoy["level"] == "envoy_nonresident"
    assert envoy["mission_id"] is None
    # Every period of the history is there, each with the rows it comes from.
    mission = api.get(f"/v1/missions/{now['id']}").json()
    kenkel_ids = {s["id"] for s in _sources(api).values()}
    history = [
        (entry["kind"], entry["status"], entry["citations"][0]["source_id"] in kenkel_ids)
        for entry in reversed(mission["status_history"])
    ]
    # Kenkel's periods, and the Office of the Historian's dated sentences (False): the legation
    # established, raised to an embassy, closed, the liaison office opened, the suspension.
    assert history == [
        ("legation", "operating", True),
        ("legation", "operating", False),
        ("embassy", "operating", True),
        ("embassy", "operating", False),
        ("embassy", "closed", False),
        ("liaison_office", "operating", True),
        ("liaison_office", "operating", False),
        ("embassy", "operating", True),
        ("embassy", "suspended", False),
        ("interests_section", "operating", True),
    ]
    afg = {row["_text"] for row in _rows_of("AFG")}
    for entry in mission["status_history"]:
        assert entry["citations"]
        for citation in entry["citations"]:
            post = ["kind", "status", "status_since"]  # Kenkel's, and a sentence naming the post
            fields = post if entry["status"] == "operating" else ["status", "status_since"]
            assert citation["supports"] == fields
    latest = mission["status_history"][0]["citations"]
    assert {c["quote"] for c in latest} <= afg | {r["_text"] for r in _rows_of("AFG", "gwm")}


def test_the_representation_periods_keep_every_level_including_none(api: TestClient) -> None:
    periods = every(api, "/v1/representations", sending_country="US", host_country="AF")
    levels = [(p["level"], p["valid_from"], p["valid_to"], p["since"]) for p in periods]
    assert ("none", "2021-08-31", "2021-11-11", "2021-08-31") in levels
    assert ("interests", "2021-11-12", None, "2021-11-12") in levels
    [last] = [p for p in periods if p["valid_to"] is None]
    assert last["observed_until"] == "2024-12-31"  # COW's end: in force when the data ends
    every_level = {p["level"] for p in every(api, "/v1/representations", sending_country="US")}
    assert every_level == {
        "embassy",
        "legation",
        "consulate",
        "liaison",
        "interests",
        "ambassador_nonresident",
        "envoy_nonresident",
        "consul_nonresident",
        "none",
    }
    for period in periods:
        for citation in period["citations"]:
            assert citation["supports"] == ["level", "valid_from", "valid_to", "since"]


def test_a_start_that_is_the_systems_own_is_no_change(api: TestClient) -> None:
    """COW starts Argentina in 1841, its entry into the state system; GWM gives the change,
    1823-12-27: the merged period begins then. Russia's legation is coded from 1816-01-01,
    both systems' first day: in force by then, since when Kenkel cannot say; the Office of the
    Historian can (established on November 5, 1809)."""
    [argentina] = every(api, "/v1/representations", host_country="AR", on="1830-01-01")
    assert (argentina["level"], argentina["since"]) == ("legation", "1823-12-27")
    quotes = {c["quote"] for c in argentina["citations"]}
    assert any(q.startswith("ARG,160,Argentina,Argentina,1841-01-01") for q in quotes)
    [russia] = every(api, "/v1/missions", host_country="RU", sending_country="US", on="1850-01-01")
    assert (russia["kind"], russia["status"], russia["status_since"]) == (
        "legation",
        "operating",
        "1809-11-05",
    )
    [kenkel] = every(api, "/v1/representations", host_country="RU", on="1850-01-01")
    assert (kenkel["level"], kenkel["since"]) == ("legation", None)


def test_the_seeds_embassy_in_moscow_is_the_data_sets_mission_too(api: TestClient) -> None:
    """One record, cited by the article and by Kenkel's rows, not two."""
    [moscow] = every(api, "/v1/missions", sending_country="US", host_country="RU", kind="embassy")
    assert moscow["ref"] == "us-embassy-in-russia"
    assert (moscow["kind"], moscow["status"], moscow["status_since"]) == (
        "embassy",
        "operating",
        "1933-12-13",
    )
    sources = {c["source_id"] for c in moscow["citations"]}
    kenkel_ids = {s["id"] for s in _sources(api).values()}
    article = api.get("/v1/sources", params={"kind": "news_report"}).json()["items"][0]["id"]
    assert article in sources
    assert sources & {s["id"] for s in _sources(api).values()}
    assert any(c["supports"] is None for c in moscow["citations"])  # the article's
    assert any(c["supports"] for c in moscow["citations"])  # Kenkel's row, field by field
    # The Russian embassy in the U.S. is no Kenkel record: the article's, and Wikidata's.
    [russian] = every(api, "/v1/missions", sending_country="RU", host_country="US", kind="embassy")
    assert article in {c["source_id"] for c in russian["citations"]}
    assert kenkel_ids.isdisjoint(c["source_id"] for c in russian["citations"])


def test_countries_that_no_longer_exist(api: TestClient) -> None:
    yugoslavia = api.get("/v1/countries/yucs").json()
    assert (yugoslavia["code"], yugoslavia["kind"], yugoslavia["alpha3"]) == (
        "YUCS",
        "iso3166-3",
        "YUG",
    )
    bavaria = api.get("/v1/countries/XBAV").json()
    assert (bavaria["name"], bavaria["kind"], bavaria["alpha3"]) == ("Bavaria", "scheme", None)
    [legation] = every(api, "/v1/representations", host_country="xbav", on="1860-01-01")
    assert legation["host_country"] == "XBAV"
    # The Papal States: a consulate, a legation from 1848-08-19, none after 1866 (GWM; COW
    # ends the state in 1860): no status today, the kind it last had.
    [papal] = every(api, "/v1/missions", host_country="XPAP", sending_country="US")
    assert (papal["kind"], papal["status"], papal["status_since"]) == ("legation", None, None)
    [consulate] = every(api, "/v1/missions", host_country="XPAP", on="1840-01-01")
    assert (consulate["id"], consulate["kind"]) == (papal["id"], "consulate")
    assert every(api, "/v1/missions", host_country="XPAP", on="1868-01-01") == []
    # Belgrade, 1950: Yugoslavia's; 2010: Serbia's.
    [belgrade] = every(api, "/v1/missions", host_country="YUCS", on="1950-01-01")
    assert belgrade["kind"] == "embassy"
    assert every(api, "/v1/missions", host_country="RS", on="1950-01-01") == []
    unknown = api.get("/v1/missions", params={"host_country": "XZZZ"})
    assert unknown.status_code == 422
    assert "nor a former country's code" in unknown.json()["detail"]


def test_every_state_resolves_and_no_two_live_states_share_a_code() -> None:
    codes = row_codes()
    for system, path in KENKEL_FILES.items():
        suffix = SYSTEM_COLUMN[system]
        spans: dict[str, list[tuple[str, str, str]]] = {}
        for row in read_rows(system):
            code = codes[(system, row["_text"])]
            spans.setdefault(code, []).append(
                (row["date_start"], row["date_end"], row[f"country_abbrev_{suffix}"])
            )
        for code, found in spans.items():
            found.sort()
            for (_, end, one), (start, _, other) in zip(found, found[1:], strict=False):
                assert not (start <= end and one != other), (path, code, one, other)
    # COW and GWM rows that name one state on the same days share its code.
    cow = {r["_text"]: r for r in read_rows("cow")}
    for row in read_rows("gwm"):
        same = [
            codes[("cow", line)]
            for line, other in cow.items()
            if other["country_name_usdos"]
            and other["country_name_usdos"] == row["country_name_usdos"]
            and other["country_abbrev_cow"] == row["country_abbrev_gw"]
            and other["date_start"] <= row["date_end"]
            and row["date_start"] <= other["date_end"]
        ]
        assert set(same) <= {codes[("gwm", row["_text"])]}


def test_a_second_load_changes_nothing(loaded_url: str, api: TestClient) -> None:
    changes = every_change(api)
    again = load_data_set(loaded_url, KENKEL)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert every_change(api) == changes
    actors = {change["actor"] for change in changes}
    assert f"datasets:{KENKEL}" in actors
    kenkel = [c for c in changes if c["actor"] == f"datasets:{KENKEL}"]
    assert {c["resource"] for c in kenkel} == {"sources", "missions", "representations"}
    assert all(c["key_id"] is None for c in kenkel)


def test_readyz_waits_for_the_data_sets(new_database: NewDatabase, loaded: Loaded) -> None:
    url = seeded(new_database)
    settings = Settings(database_url=url, datasets=["all"])
    with TestClient(create_app(settings)) as client:
        waiting = client.get("/readyz")
        assert waiting.status_code == 503
        assert waiting.headers["content-type"] == "application/problem+json"
        assert KENKEL in waiting.json()["detail"]
    load_data_set(url, KENKEL)
    with TestClient(create_app(settings)) as client:  # the others still to come
        assert client.get("/readyz").status_code == 503
    with TestClient(create_app(Settings(database_url=url, datasets=[KENKEL]))) as client:
        assert client.get("/readyz").status_code == 200
    with TestClient(create_app(Settings(database_url=url, datasets=["none"]))) as client:
        assert client.get("/readyz").status_code == 200
    # Every data set in, as `all` loads them.
    with TestClient(create_app(Settings(database_url=loaded.url, datasets=["all"]))) as client:
        assert client.get("/readyz").status_code == 200


def test_serve_loads_the_data_sets_it_is_told_to_before_it_is_ready(
    new_database: NewDatabase,
) -> None:
    """`diplo serve` (`make run`) on an empty database: migrated, seeded, and the data sets
    `DATASETS` names loaded in the background; `/readyz` says 200 once they are in."""
    with serving(new_database(), DATASETS=KENKEL) as (base, _process):
        described = httpx.get(f"{base}/v1/datasets").json()["items"]
        assert [d["name"] for d in described] == [KENKEL]
        params = {"sending_country": "US", "host_country": "AF", "on": "2022-01-01"}
        [kabul] = httpx.get(f"{base}/v1/missions", params=params).json()["items"]
        assert kabul["kind"] == "interests_section"
        seed = httpx.get(f"{base}/v1/sources", params={"kind": "news_report"}).json()["items"]
        assert len(seed) == 1  # the article too


def _diplo(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [str(BIN / "diplo"), *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_the_cli_lists_and_loads(new_database: NewDatabase) -> None:
    url = new_database()
    first = _diplo(url, "datasets", "load", KENKEL)
    assert first.returncode == 0, first.stderr
    assert f"{KENKEL}: " in first.stdout
    assert "0 rows not taken" in first.stdout
    again = _diplo(url, "datasets", "load", KENKEL)
    assert again.stdout.strip() == (
        f"{KENKEL}: 0 records created, 0 updated, 0 deleted; 0 rows not taken."
    )
    listed = _diplo(url, "datasets", "list").stdout.splitlines()
    [line] = [line for line in listed if line.startswith(KENKEL)]
    assert "\tloaded\t" in line
    wrong = _diplo(url, "datasets", "load", "nothing-such")
    assert wrong.returncode == 1
    assert "No data set 'nothing-such'" in wrong.stderr


def test_the_csv_rows_of_the_periods_are_all_quoted(api: TestClient) -> None:
    """Every row of both range files is cited by the period it is part of."""
    quoted = {
        c["quote"]
        for period in every(api, "/v1/representations", sending_country="US")
        for c in period["citations"]
    }
    for path in KENKEL_FILES.values():
        text = bundles()[KENKEL].read(path).text
        lines = text.split("\r\n")[1:]
        assert {line for line in lines if line} <= quoted, path
        assert len(list(csv.reader(io.StringIO(text)))) - 1 == len([x for x in lines if x])


def test_a_database_from_before_timelines_gets_them_when_served(new_database: NewDatabase) -> None:
    """Statuses written before revision 0009 have no timeline: `diplo serve` works them out."""
    url = seeded(new_database)
    engine = make_engine(Settings(database_url=url))
    with engine.begin() as connection:
        connection.execute(sql("DELETE FROM mission_timeline"))
    engine.dispose()
    with serving(url) as (base, _process):
        on = httpx.get(f"{base}/v1/missions", params={"on": "2021-10-13"}).json()["items"]
    assert [(m["ref"], m["status"]) for m in on] == [
        ("us-embassy-in-russia", "operating"),
        ("russian-embassy-in-us", "operating"),
    ]
