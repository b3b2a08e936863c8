"""The Office of the Historian's chronology (rdcr), loaded after Kenkel's data: its entries as
events, the statuses its sentences give missions (suspended, closed), and its quotes checked as
the XML reads (docs/datasets.md §4). Every test runs on SQLite and, with TEST_DATABASE_URL, on
PostgreSQL."""

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.citations.anchoring import normalized
from app.config import Settings
from app.main import create_app
from tests.conftest import Loaded, every, load_data_set

HSG = "hsg-office-historian"
SUSPENDED = (
    "The U.S. Embassy in Kabul suspended operations on August 31, 2021 and transferred "
    "operations to Doha, Qatar."
)


@pytest.fixture(scope="module")
def loaded_url(loaded: Loaded) -> str:
    return loaded.url


@pytest.fixture(scope="module")
def api(loaded_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=loaded_url))) as client:
        yield client


def _reads(xml: str) -> str:
    """A stretch of XML as it reads: tags as nothing, references as their characters."""
    return normalized(html.unescape(re.sub(r"<[^>]*>", "", xml)))


def test_kabul_on_a_day_is_what_the_historian_says(api: TestClient) -> None:
    params = {"sending_country": "US", "host_country": "AF"}
    [suspended] = every(api, "/v1/missions", **params, on="2021-09-15")
    assert (suspended["kind"], suspended["status"], suspended["status_since"]) == (
        "embassy",
        "suspended",
        "2021-08-31",
    )
    [closed] = every(api, "/v1/missions", **params, on="1995-01-01")
    assert (closed["kind"], closed["status"], closed["status_since"]) == (
        "embassy",
        "closed",
        "1989-01-30",
    )
    [entry] = [e for e in suspended["status_history"] if e["status"] == "suspended"]
    [citation] = entry["citations"]
    assert citation["quote"] == SUSPENDED
    assert citation["supports"] == ["status", "status_since"]
    assert citation["verified"] is True
    text = api.get(f"/v1/sources/{citation['source_id']}/text").text
    stored = text[citation["start"] : citation["end"]]
    assert "<placeName>Kabul</placeName>" in stored  # offsets point into the file as published
    assert _reads(stored) == normalized(SUSPENDED)
    # After: Kenkel's interests section from 2021-11-12, unchanged.
    [later] = every(api, "/v1/missions", **params, on="2022-01-01")
    assert (later["kind"], later["status"]) == ("interests_section", "operating")


def test_the_interests_sections_name_their_protecting_powers(api: TestClient) -> None:
    """Each U.S. interests section whose founding sentence names the embassy it was part of
    (or the government protecting it) and its day: that state, shown from that day."""
    sections = {
        "CU": ("1977-09-01", "CH", "under the protection of the Swiss Government"),
        "EG": ("1967-06-07", "ES", "in the Spanish Embassy in Cairo"),
        "IQ": ("1972-10-01", "BE", "in the Belgian Embassy in Baghdad"),
        "LY": ("2004-02-08", "BE", "at the Belgian Embassy in Tripoli"),
        "SD": ("1967-08-14", "NL", "in the Netherlands Embassy at Khartoum"),
        "SY": ("1974-02-08", "IT", "in the Italian Embassy"),
    }
    for host, (day, power, words) in sections.items():
        params = {"sending_country": "US", "host_country": host, "on": day}
        [mission] = every(api, "/v1/missions", **params)
        assert (mission["kind"], mission["status"], mission["protecting_power"]) == (
            "interests_section",
            "operating",
            power,
        ), host
        [entry] = [e for e in mission["status_history"] if e["protecting_power"] == power]
        assert words in entry["citations"][0]["quote"], host
        assert entry["valid_from"] == day


def test_every_entry_is_an_event_cited_by_its_words(api: TestClient) -> None:
    events = every(api, "/v1/events", country="AF")
    [suspension] = [
        e for e in events if e["summary"] == "Suspension of Embassy Operations in Kabul, 2021."
    ]
    assert (suspension["date"], suspension["date_precision"]) == ("2021-08-31", "day")
    assert suspension["countries"] == ["AF", "US"]
    assert suspension["kind"] == "diplomatic_relations"
    quotes = {c["quote"]: c for c in suspension["citations"]}
    assert quotes[SUSPENDED]["supports"] == ["date", "date_precision"]
    assert quotes["Suspension of Embassy Operations in Kabul, 2021."]["supports"] == ["summary"]
    sources = {
        s["id"] for s in every(api, "/v1/sources", dataset=HSG) if s["path"].startswith("rdcr-")
    }
    assert len(sources) == 228
    # Every quote of every XML file of the data set (the chronology's articles, the chiefs'
    # mission files) reads, where it says it stands, as it is quoted.
    checked = 0
    xml = {s["id"] for s in every(api, "/v1/sources", dataset=HSG) if s["path"].endswith(".xml")}
    for source_id in sorted(xml):
        text = api.get(f"/v1/sources/{source_id}/text").text
        for quote in every(api, "/v1/citations", source_id=source_id):
            assert quote["verified"] is True
            assert _reads(text[quote["start"] : quote["end"]]) == normalized(quote["quote"])
            checked += 1
    assert checked > 2000


def test_a_sentence_about_another_post_gives_no_status(api: TestClient) -> None:
    """Taken only where the other sources give the mission such a post then: "The U.S.
    embassy in Taipei was closed on February 28, 1979" is no status of the liaison office in
    Beijing; the legation in Saigon raised to an embassy in 1952 is none of a post in (North)
    Vietnam, which Kenkel codes apart from the Republic of Vietnam (XRVN). Both reported."""
    us = {"sending_country": "US"}
    [beijing] = every(api, "/v1/missions", **us, host_country="CN", on="1979-02-28")
    assert (beijing["kind"], beijing["status"]) == ("liaison_office", "operating")
    assert every(api, "/v1/missions", **us, host_country="VN", on="1970-01-01") == []
    [saigon] = every(api, "/v1/missions", **us, host_country="XRVN", on="1970-01-01")
    assert saigon["kind"] == "embassy"
    [described] = [d for d in api.get("/v1/datasets").json()["items"] if d["name"] == HSG]

    def why(row: str) -> list[str]:
        return [p["reason"] for p in described["problems"] if p["row"].startswith(row)]

    assert why("The U.S. embassy in Taipei was closed on February 28, 1979") == [
        "the sentence names the embassy; the post of US in CN was a liaison office"
    ]
    assert why("The United States Legation in Saigon was raised to Embassy status") == [
        "no post of US in VN in force then"
    ]


def test_the_chronologys_own_states_have_codes(api: TestClient) -> None:
    """States no other list names (seed/datasets/countries.yaml): Hawaii, Texas, the
    Hanseatic Republics … as X and three letters; the Holy See as ISO's VA."""
    for code, name in [("XHAW", "Hawaii"), ("XTEX", "Texas"), ("XHSA", "Hanseatic Republics")]:
        assert api.get(f"/v1/countries/{code}").json()["name"] == name
        events = every(api, "/v1/events", country=code)
        assert events, code
        assert all(event["countries"] == sorted(["US", code]) for event in events)
    assert every(api, "/v1/events", country="VA")


def test_a_former_country_has_its_chronology(api: TestClient) -> None:
    bavaria = every(api, "/v1/events", country="XBAV")
    assert bavaria
    assert all(e["countries"] == ["US", "XBAV"] for e in bavaria)


def test_a_second_load_changes_nothing(loaded_url: str) -> None:
    again = load_data_set(loaded_url, HSG)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert again.counts["events"] > 1000
    reasons = {problem["reason"] for problem in again.problems}
    assert "its country is not one the API knows" not in reasons  # every article's is known


def test_an_xml_source_is_quoted_as_it_reads(own_api: TestClient) -> None:
    """On a database of the module's own: it writes."""
    api = own_api
    text = '<doc><p>The <place key="x">Embassy</place> opened &amp; closed.</p></doc>'
    source = api.post(
        "/v1/sources",
        json={
            "title": "A TEI fragment",
            "publisher": "Test",
            "text": text,
            "media_type": "application/xml",
        },
    )
    assert source.status_code == 201, source.text
    source_id = source.json()["id"]
    event = {
        "date": "2021-10-12",
        "kind": "other",
        "summary": "x",
        "countries": ["US"],
        "citations": [{"source_id": source_id, "quote": "The Embassy opened & closed."}],
    }
    created = api.post("/v1/events", json=event)
    assert created.status_code == 201, created.text
    [citation] = created.json()["citations"]
    assert text[citation["start"] : citation["end"]] == (
        'The <place key="x">Embassy</place> opened &amp; closed.'
    )
    event["citations"] = [{"source_id": source_id, "quote": "<place key"}]
    refused = api.post("/v1/events", json=event)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["type"] == "quote_not_found"
    assert api.delete(f"/v1/events/{created.json()['id']}").status_code in (200, 204)
