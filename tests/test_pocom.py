"""The Office of the Historian's chiefs of mission (docs/datasets.md, §5), loaded after Kenkel:
officials with their posts, each cited by its row of the chiefs file; the chiefs of a post in
order; partial dates; posts no mission is known for, reported; idempotent loads. Every test runs
on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.datasets.bundle import bundles
from app.datasets.load import LoadReport
from app.main import create_app
from tests.conftest import Loaded, every, every_change, load_data_set

HSG = "hsg-office-historian"
CHIEFS = "pocom_chiefs_of_mission.csv.gz"


@pytest.fixture(scope="module")
def hsg(loaded: Loaded) -> tuple[str, LoadReport]:
    """The fully loaded database, and what the Office of the Historian's load reported."""
    return loaded.url, loaded.reports[HSG]


@pytest.fixture(scope="module")
def api(hsg: tuple[str, LoadReport]) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=hsg[0]))) as client:
        yield client


def _source(api: TestClient) -> dict[str, Any]:
    [source] = [s for s in every(api, "/v1/sources", dataset=HSG) if s["path"] == CHIEFS]
    return source


def _official(api: TestClient, name: str) -> dict[str, Any]:
    [found] = [o for o in every(api, "/v1/officials", q=name) if o["name"] == name]
    response = api.get(f"/v1/officials/{found['id']}")
    assert response.status_code == 200
    official: dict[str, Any] = response.json()
    return official


def test_the_load_reports_what_it_holds(api: TestClient, hsg: tuple[str, LoadReport]) -> None:
    _, report = hsg
    # The data set is the chronology's 228 articles, the chiefs' file and the 199 mission files
    # (tests/test_rdcr.py).
    assert report.counts["sources"] == 228 + 1 + 199
    # Every row is a post (Texas's and Hawaii's too: XTEX, XHAW, seed/datasets/countries.yaml).
    rows = bundles()[HSG].read(CHIEFS).text.count("\r\n") - 1
    assert (report.counts["officials"], report.counts["posts"]) == (3519, rows)
    chiefs = [p for p in report.problems if p["file"] == CHIEFS]
    assert [p for p in chiefs if not p.get("loaded")] == []
    assert report.created >= 428 + 3519 + rows  # the files as sources, officials, posts
    items = api.get("/v1/datasets").json()["items"]
    [described] = [d for d in items if d["name"] == HSG]
    assert described["counts"] == report.counts
    assert described["problems"] == report.problems
    source = _source(api)
    assert source["licence"] == "CC0-1.0"
    assert source["sha256"] == bundles()[HSG].read(CHIEFS).sha256


def test_the_mission_notes_are_events_cited_by_their_words(
    api: TestClient, hsg: tuple[str, LoadReport]
) -> None:
    bundle = bundles()[HSG]
    files = bundle.members("pocom-missions-countries.zip")
    written = sum(bundle.read(path).text.count("<mission-note>") for path in files)
    undated = [p for p in hsg[1].problems if p["reason"] == "no full date in the note"]
    notes = every(api, "/v1/events", kind="mission_note")
    assert len(notes) + len(undated) == written
    assert hsg[1].counts["notes"] == len(notes)
    kabul = {e["date"]: e for e in notes if e["countries"] == ["AF", "US"]}
    closed = kabul["1989-01-30"]
    assert closed["summary"] == "Embassy Kabul closed on January 30, 1989"
    [citation] = closed["citations"]
    assert citation["quote"].startswith("Embassy Kabul closed on January 30, 1989. The Liasion")
    assert citation["verified"] is True
    assert citation["supports"] == ["summary", "date", "date_precision"]
    source = api.get(f"/v1/sources/{citation['source_id']}").json()
    assert source["path"] == "pocom-missions-countries.zip/afghanistan.xml"
    text = api.get(f"/v1/sources/{source['id']}/text").text
    assert "<mission-note>" in text[: citation["start"]]  # where the note stands in the file


def test_the_chief_in_charge_on_a_day(api: TestClient) -> None:
    def on(host: str, day: str) -> list[str]:
        posts = every(api, "/v1/posts", host_country=host, on=day)
        return [api.get(f"/v1/officials/{p['official_id']}").json()["name"] for p in posts]

    assert on("AF", "1950-01-01") == ["Louis Goethe Dreyfus Jr."]  # 1949-08-16 to 1951-01-19
    assert on("RU", "1935-01-01") == ["William Christian Bullitt"]
    # The article's day: the ambassador arrived in 2020 and had not left when the data ends.
    assert on("RU", "2021-10-12") == ["John J. Sullivan"]
    assert on("AF", "1930-01-01") == []  # no chief accredited to Afghanistan yet
    # "Commissioned to the Republic of China; resident at Taipei": Taiwan's, as Kenkel codes it.
    assert on("TW", "1975-01-01") == ["Leonard Seidman Unger"]
    assert "Leonard Seidman Unger" not in on("CN", "1975-01-01")
    # A chief with no day left is in charge until the next chief of the post begins.
    posts = every(api, "/v1/posts", host_country="BE", sort="credentials_on")
    starts = sorted({s for p in posts if (s := p["credentials_on"] or p["arrived_on"])})
    open_ended = [
        p for p in posts if p["left_on"] is None and (p["credentials_on"] or p["arrived_on"])
    ]
    checked = 0
    for post in open_ended:
        start = post["credentials_on"] or post["arrived_on"]
        following = [day for day in starts if day > start]
        if not following:
            continue
        ids = {p["id"] for p in every(api, "/v1/posts", host_country="BE", on=start)}
        assert post["id"] in ids
        ids = {p["id"] for p in every(api, "/v1/posts", host_country="BE", on=following[0])}
        assert post["id"] not in ids
        checked += 1
    assert checked


def test_the_states_the_us_later_annexed_have_their_chiefs(api: TestClient) -> None:
    texas = every(api, "/v1/posts", host_country="XTEX", sort="credentials_on")
    hawaii = every(api, "/v1/posts", host_country="XHAW", sort="credentials_on")
    assert len(texas) + len(hawaii) == 22
    assert api.get("/v1/countries/XTEX").json()["name"] == "Texas"
    assert all(post["mission_id"] is None for post in texas + hawaii)  # Kenkel codes neither


def test_kennan_is_one_official_with_posts_in_the_ussr_and_yugoslavia(api: TestClient) -> None:
    kennan = _official(api, "George Frost Kennan")
    assert kennan["ref"] == "pocom:kennan-george-frost"
    assert (kennan["country"], kennan["born"], kennan["died"], kennan["career"]) == (
        "US",
        1904,
        2005,
        "career",
    )
    assert kennan["title"] == "Ambassador Extraordinary and Plenipotentiary"
    [moscow, belgrade] = kennan["posts"]  # in order of credentials
    assert (moscow["host_country"], moscow["credentials_on"], moscow["left_on"]) == (
        "RU",
        "1952-05-14",
        "1952-09-19",
    )
    assert moscow["note"].startswith("Commissioned to the Union of Soviet Socialist Republics.")
    assert (belgrade["host_country"], belgrade["credentials_on"], belgrade["ended_note"]) == (
        "YUCS",
        "1961-05-16",
        "Left Yugoslavia",
    )
    for post in (moscow, belgrade):
        assert post["mission_id"] is not None
        assert post["official_id"] == kennan["id"]
        mission = api.get(f"/v1/missions/{post['mission_id']}").json()
        assert (mission["sending_country"], mission["host_country"]) == (
            "US",
            post["host_country"],
        )
        assert api.get(f"/v1/posts/{post['id']}").json() == post
    [cited] = kennan["citations"]
    assert cited["supports"] == ["name", "born", "died", "career"]
    assert cited["quote"].startswith("ru-1952-kenn-01,russia,russia,kennan-george-frost,")


def test_the_chiefs_of_mission_in_kabul_in_order(api: TestClient) -> None:
    [kabul] = every(api, "/v1/missions", sending_country="US", host_country="AF")
    posts = every(api, "/v1/posts", mission_id=kabul["id"], sort="credentials_on")
    names = [api.get(f"/v1/officials/{p['official_id']}").json()["name"] for p in posts[:6]]
    # The legation opened on 1942-06-06: the envoys accredited from Tehran before are no chiefs
    # of a mission in Kabul.
    assert names == [
        "Charles Wheeler Thayer",
        "Cornelius Van Hemert Engert",
        "Ely Eliot Palmer",
        "Ely Eliot Palmer",
        "Louis Goethe Dreyfus Jr.",
        "George Robert Merrell",
    ]
    assert posts[0]["title"] == "Chargé d’Affaires ad interim"
    days = [p["credentials_on"] for p in posts if p["credentials_on"]]
    assert days == sorted(days)
    assert len(posts) == 29
    assert {p["host_country"] for p in posts} == {"AF"}


def test_partial_dates_are_first_days_with_their_precision(api: TestClient) -> None:
    [amstutz] = _official(api, "J. Bruce Amstutz")["posts"]
    assert amstutz["ref"] == "pocom:af-1979-amst-01"
    assert (amstutz["credentials_on"], amstutz["credentials_precision"]) == ("1979-02-01", "month")
    assert (amstutz["left_on"], amstutz["left_precision"]) == ("1980-02-01", "month")
    assert amstutz["appointed_on"] is None
    assert amstutz["appointed_precision"] is None
    [cited] = amstutz["citations"]
    assert len(set(cited["supports"])) == len(cited["supports"])  # each field named once
    assert set(cited["supports"]) == {
        "official_id",
        "host_country",
        "title",
        "title_id",
        "credentials_on",
        "credentials_precision",
        "left_on",
        "left_precision",
    }


def test_a_post_no_mission_is_known_for_is_loaded_without_one_and_reported(
    api: TestClient, hsg: tuple[str, LoadReport]
) -> None:
    hornibrook = _official(api, "William Harrison Hornibrook")
    [kabul] = [p for p in hornibrook["posts"] if p["host_country"] == "AF"]
    assert kabul["mission_id"] is None
    assert kabul["credentials_on"] == "1935-05-04"
    [problem] = [p for p in hsg[1].problems if p["line"] == 2]
    assert problem["file"] == CHIEFS
    assert problem["row"].startswith("af-1935-horn-01,afghanistan,")
    assert "no principal U.S. mission in AF" in problem["reason"]
    assert problem["loaded"] is True  # taken, with its problem


def test_a_second_load_writes_nothing(api: TestClient, hsg: tuple[str, LoadReport]) -> None:
    changes = every_change(api)
    ours = [c for c in changes if c["actor"] == f"datasets:{HSG}"]
    resources = [c["resource"] for c in ours]
    assert (resources.count("officials"), resources.count("posts")) == (3519, 5743)
    again = load_data_set(hsg[0], HSG)
    assert again.changed == 0
    assert again.problems == hsg[1].problems
    assert every_change(api) == changes


def test_every_citation_is_its_row_as_it_stands(api: TestClient) -> None:
    source = _source(api)
    text = api.get(f"/v1/sources/{source['id']}/text").content.decode("utf-8")
    assert text == bundles()[HSG].read(CHIEFS).text
    rows = set(text.split("\r\n")[1:])
    quotes = every(api, "/v1/citations", source_id=source["id"])
    for quote in quotes:
        assert quote["verified"] is True
        assert text[quote["start"] : quote["end"]] == quote["quote"]
        assert quote["quote"] in rows
        assert text[quote["end"] : quote["end"] + 2] == "\r\n"
    kinds = [quote["record_type"] for quote in quotes]
    assert (kinds.count("official"), kinds.count("official_post")) == (3519, 5743)
