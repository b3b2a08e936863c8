"""The world view (`/v1/world`): one sender's representation in every country on a day, as the
map colours it, on the bundled data sets; each status checked against the records it names."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import every, make_key


@pytest.fixture(scope="module")
def loaded_url(loaded_copy: Any) -> str:
    url: str = loaded_copy()
    return url


@pytest.fixture(scope="module")
def api(loaded_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=loaded_url))) as client:
        yield client


def world(api: TestClient, **params: Any) -> dict[str, Any]:
    response = api.get("/v1/world", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_code(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["country"]: entry for entry in body["countries"]}


def quoted(api: TestClient, citation: dict[str, Any]) -> None:
    """The quote is the source's text where it says."""
    text = api.get(f"/v1/sources/{citation['source_id']}/text").text
    assert text[citation["start"] : citation["end"]] == citation["quote"]


def test_each_status_of_the_us_in_1950_is_its_representation_period_that_day(
    api: TestClient,
) -> None:
    body = world(api, sender="US", year=1950)
    assert body["sender"] == "US"
    assert body["on"] == "1950-12-31"
    assert body["first_year"] <= 1816
    assert body["last_year"] >= 2024
    periods = every(api, "/v1/representations", sending_country="US", on="1950-12-31")
    assert len(periods) > 50
    countries = by_code(body)
    for period in periods:
        shown = countries[period["host_country"]]
        assert (shown["status"], shown["basis"]) == (period["level"], "representation")
        assert shown["record"] == f"/v1/representations/{period['id']}"
        assert shown["since"] == period["since"]
        assert shown["citation"]["quote"] == period["citations"][0]["quote"]
    assert countries["FR"]["status"] == "embassy"  # Kenkel: France, Embassy from 1893
    assert countries["US"]["status"] == "sender"
    # Former countries with a status that day are listed; today's countries always are.
    former = [e for e in body["countries"] if e["numeric"] is None and e["status"] != "unknown"]
    assert former
    assert all(e["basis"] for e in former)
    assert sum(body["counts"].values()) == len(body["countries"])
    for status, count in body["counts"].items():
        assert count == sum(1 for e in body["countries"] if e["status"] == status)
    quoted(api, countries["FR"]["citation"])


def test_a_sender_known_from_wikidata_alone_is_shown_as_the_export_lists_it(
    api: TestClient,
) -> None:
    body = world(api, sender="FR", year=2022)
    # The export's day: it says nothing of the rest of the year.
    assert body["on"] == "2022-11-16"
    assert body["last_year"] == 2022
    countries = by_code(body)
    listed = [e for e in body["countries"] if e["basis"] == "listed"]
    assert len(listed) > 100
    resident = [e for e in listed if not e["status"].endswith("nonresident")]
    for entry in resident[:40]:
        mission = api.get(entry["record"]).json()
        assert mission["sending_country"] == "FR"
        assert mission["host_country"] == entry["country"]
        assert mission["status"] is None  # Wikidata gives none
        quoted(api, entry["citation"])
    # A state covered from a post elsewhere is a non-resident one, and the post says so.
    [elsewhere, *_] = [e for e in listed if e["status"] == "ambassador_nonresident"]
    post = api.get(elsewhere["record"]).json()
    assert post["host_country"] != elsewhere["country"]
    assert elsewhere["country"] in post["jurisdictions"]
    assert countries["DE"]["status"] == "embassy"
    # A listing speaks for the export's day alone.
    earlier = world(api, sender="FR", on="2022-11-15")["countries"]
    assert not [e for e in earlier if e["basis"] == "listed"]


def test_a_status_written_through_the_api_is_shown_at_once(
    api: TestClient, loaded_url: str
) -> None:
    """A mission's status in force outranks a listing; the kept answer moves with the write."""
    before = by_code(world(api, sender="FR", on="2022-11-16"))["DE"]
    assert before["basis"] == "listed"
    response = api.post(
        "/v1/missions",
        headers=make_key(loaded_url, "write"),
        json={
            "sending_country": "FR",
            "host_country": "DE",
            "kind": "legation",
            "city": "Bonn",
            "status": "operating",
            "status_since": "2020-01-01",
            "citations": [{"source_id": 1, "quote": "the functioning of their embassies"}],
        },
    )
    assert response.status_code == 201, response.text
    mission = response.json()
    after = by_code(world(api, sender="FR", on="2022-11-16"))["DE"]
    assert (after["status"], after["basis"], after["since"]) == (
        "legation",
        "mission",
        "2020-01-01",
    )
    assert after["record"] == f"/v1/missions/{mission['id']}"
    assert after["citation"]["quote"] == "the functioning of their embassies"
    # Before the status took effect, the listing (from the export's day only) says nothing.
    assert by_code(world(api, sender="FR", on="2019-06-01"))["DE"]["status"] != "legation"


def test_the_answer_is_tagged_and_a_client_that_has_it_gets_a_304(api: TestClient) -> None:
    first = api.get("/v1/world", params={"sender": "USA", "year": 1900})
    assert first.status_code == 200
    assert first.json()["sender"] == "US"
    again = api.get(
        "/v1/world",
        params={"sender": "US", "year": 1900},
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": 1950}, "sender"),
        ({"sender": "ZZ", "year": 1950}, "sender"),
        ({"sender": "US", "year": "soon"}, "year"),
        ({"sender": "US", "year": 0}, "year"),
        ({"sender": "US", "on": "1950-13-01"}, "on"),
        ({"sender": "US", "year": 1950, "on": "1950-01-01"}, None),
        ({"sender": "US", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_422_naming_the_problem(
    api: TestClient, params: dict[str, Any], field: str | None
) -> None:
    response = api.get("/v1/world", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert field in response.text
