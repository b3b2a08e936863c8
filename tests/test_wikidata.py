"""database-of-embassies (Wikidata) loaded after Kenkel (docs/datasets.md, §6 and §8): every
listed mission of a state, merged into the missions already held where one matches, cited by
its row as it stands; rows that are no state's mission reported; a second load changes
nothing. Every test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.datasets.bundle import bundles
from app.datasets.load import LoadReport
from app.main import create_app
from tests.conftest import Loaded, every, every_change, load_data_set, make_key
from tests.test_datasets import KENKEL, _text

WIKIDATA = "database-of-embassies"
FILE = "database_of_embassies_2022-11-16.csv.gz"


@pytest.fixture(scope="module")
def wikidata(loaded: Loaded) -> tuple[str, LoadReport]:
    """The fully loaded database, and what Wikidata's load reported."""
    return loaded.url, loaded.reports[WIKIDATA]


@pytest.fixture(scope="module")
def api(wikidata: tuple[str, LoadReport]) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=wikidata[0]))) as client:
        yield client


def _mission(api: TestClient, **params: str) -> dict[str, Any]:
    [found] = every(api, "/v1/missions", **params)
    return found


def _file_source(api: TestClient) -> dict[str, Any]:
    [source] = [s for s in every(api, "/v1/sources", dataset=WIKIDATA) if s["path"] == FILE]
    return source


def _line(number: int) -> str:
    return bundles()[WIKIDATA].read(FILE).text.split("\n")[number - 1]


def test_the_load_takes_every_state_mission(wikidata: tuple[str, LoadReport]) -> None:
    report = wikidata[1]
    assert report.counts["missions"] + len(report.problems) == 9852
    assert report.counts["missions"] > 9700
    assert report.counts["merged"] > 100  # Kenkel's principal missions, the seed's embassies
    assert report.created > 9500


def test_the_embassy_in_moscow_is_one_mission_cited_by_the_article_kenkel_and_wikidata(
    api: TestClient,
) -> None:
    moscow = _mission(api, wikidata_id="Q722374")
    assert moscow["ref"] == "us-embassy-in-russia"
    embassies = every(api, "/v1/missions", sending_country="US", host_country="RU", kind="embassy")
    assert embassies == [moscow]  # one record, not one per source
    # What Wikidata adds; what Kenkel says of its status stays.
    assert (moscow["kind"], moscow["status"], moscow["status_since"]) == (
        "embassy",
        "operating",
        "1933-12-13",
    )
    assert (moscow["city"], moscow["latitude"], moscow["longitude"]) == (
        "Moscow",
        55.75555556,
        37.58305556,
    )
    assert (moscow["designation"], moscow["inception"]) == ("embassy", "1780-12-30")
    assert (moscow["located_in"], moscow["jurisdictions"]) == ("RU", ["RU"])
    article = api.get("/v1/sources", params={"kind": "news_report"}).json()["items"][0]["id"]
    kenkel = {s["id"] for s in every(api, "/v1/sources", dataset=KENKEL)}
    wikidata = _file_source(api)["id"]
    cited = {c["source_id"] for c in moscow["citations"]}
    assert article in cited
    assert cited & kenkel
    assert wikidata in cited
    [row] = [c for c in moscow["citations"] if c["source_id"] == wikidata]
    assert row["quote"] == _line(9378)
    assert row["supports"] == [
        "wikidata_id",
        "sending_country",
        "host_country",
        "located_in",
        "kind",
        "designation",
        "city",
        "latitude",
        "longitude",
        "inception",
        "jurisdictions",
    ]


def test_the_seeds_russian_embassy_takes_its_wikidata_item(api: TestClient) -> None:
    russian = _mission(api, sending_country="RU", host_country="US", kind="embassy")
    assert russian["ref"] == "russian-embassy-in-us"
    assert russian["wikidata_id"] == "Q2841834"
    assert russian["city"] == "Washington, D.C."


def test_a_mission_known_only_from_wikidata_has_no_status(api: TestClient) -> None:
    """Havana: the embassy merges into Kenkel's principal mission; the Interests Section it
    replaced in 2015 is still listed (Wikidata lags) and is a mission of its own, with no
    status, which no day's list shows."""
    embassy = _mission(api, wikidata_id="Q18156867")
    assert (embassy["ref"], embassy["status"]) == ("us-mission-status:US-CU", "operating")
    section = _mission(api, wikidata_id="Q3774656")
    assert section["ref"] == f"{WIKIDATA}:Q3774656"
    assert (section["kind"], section["designation"]) == ("interests_section", "Interests Section")
    assert (section["status"], section["status_since"], section["status_history"]) == (
        None,
        None,
        [],
    )
    assert (section["latitude"], section["longitude"]) == (None, None)
    assert section["inception"] == "1977-01-01"
    on_day = every(api, "/v1/missions", sending_country="US", host_country="CU", on="2022-11-16")
    assert [m["id"] for m in on_day] == [embassy["id"]]
    unknown = api.get("/v1/missions", params={"status": "operating", "wikidata_id": "Q3774656"})
    assert unknown.json()["items"] == []


def test_an_embassy_in_rome_to_the_holy_see_has_the_holy_see_as_host(api: TestClient) -> None:
    to_holy_see = _mission(api, wikidata_id="Q5369978")
    assert (to_holy_see["sending_country"], to_holy_see["host_country"]) == ("US", "VA")
    assert (to_holy_see["located_in"], to_holy_see["city"]) == ("IT", "Rome")
    assert to_holy_see["jurisdictions"] == ["VA"]
    to_libya = _mission(api, wikidata_id="Q29897428")  # in Tunis
    assert (to_libya["host_country"], to_libya["located_in"]) == ("LY", "TN")
    in_italy = every(api, "/v1/missions", sending_country="US", host_country="IT", kind="embassy")
    assert [m["located_in"] for m in in_italy] == ["IT"]


def test_rows_that_are_no_states_mission_are_reported(api: TestClient) -> None:
    [described] = [d for d in api.get("/v1/datasets").json()["items"] if d["name"] == WIKIDATA]
    assert described["caveat"].startswith("A list of missions operating per Wikidata")
    problems = {(p["file"], p["line"]): p for p in described["problems"]}
    quebec = problems[(FILE, 6516)]
    assert quebec["reason"] == "its operator 'Quebec' is not a state"
    assert quebec["row"] == _line(6516)[:100]
    for line in (3682, 5186):  # one item, two operators (Iraq, Nepal)
        assert problems[(FILE, line)]["reason"] == "its item Q106686567 is listed 2 times"
    reasons = [p["reason"] for p in described["problems"]]
    assert sum("'Sovereign Military Order of Malta' is not a state" in r for r in reasons) == 33
    assert "its operator 'European Parliament' is not a state" in reasons
    assert api.get("/v1/missions", params={"wikidata_id": "Q106686567"}).json()["items"] == []
    missions = every(api, "/v1/missions", wikidata_id="Q5369978,Q29897428")
    assert len(missions) == 2


def test_every_wikidata_citation_is_its_row_where_it_stands(api: TestClient) -> None:
    source = _file_source(api)
    text = _text(api, source["id"])
    lines = text.split("\n")
    checked = 0
    for quote in every(api, "/v1/citations", source_id=source["id"]):
        assert quote["verified"] is True
        assert text[quote["start"] : quote["end"]] == quote["quote"]
        line = text.count("\n", 0, quote["start"])
        assert quote["quote"] == lines[line]  # the whole line
        assert quote["start"] == 0 or text[quote["start"] - 1] == "\n"
        assert quote["record_type"] == "mission"
        checked += 1
    assert checked > 9700


def test_a_second_load_changes_nothing(wikidata: tuple[str, LoadReport], api: TestClient) -> None:
    changes = every_change(api)
    ours = [c for c in changes if c["actor"] == f"datasets:{WIKIDATA}"]
    assert {c["resource"] for c in ours} == {"sources", "missions"}
    assert len([c for c in ours if c["resource"] == "missions"]) > 9700
    again = load_data_set(wikidata[0], WIKIDATA)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert every_change(api) == changes


def test_a_deleted_wikidata_mission_comes_back_whole(loaded_copy: Callable[[], str]) -> None:
    """What the API does not write (designation, inception, located_in, jurisdictions) is
    deleted with the mission and restored with it (on a database of the test's own)."""
    url = loaded_copy()
    write, admin = make_key(url, "write"), make_key(url, "admin")
    with TestClient(create_app(Settings(database_url=url))) as api:
        _deleted_and_restored(api, write, admin)


def _deleted_and_restored(api: TestClient, write: dict[str, str], admin: dict[str, str]) -> None:
    before = _mission(api, wikidata_id="Q5369978")
    assert api.delete(f"/v1/missions/{before['id']}", headers=write).status_code == 204
    assert api.get("/v1/missions", params={"wikidata_id": "Q5369978"}).json()["items"] == []
    restored = api.post(f"/v1/missions/{before['id']}/restore", headers=admin)
    assert restored.status_code in (200, 201), restored.text
    assert _mission(api, wikidata_id="Q5369978") == before
