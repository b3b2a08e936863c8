"""Facets on every list (kit/facets.py): counts per value under the list's filters, null counted,
adding up to the total; bounded in time."""

import calendar
import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.kit.facets import DATE_FACETS, facet_names
from app.kit.read_routes import LISTS
from app.main import create_app
from tests.conftest import Loaded

ANSWERED = {"kind", "status", "stage", "kinds", "record_type", "verified", "year", "month"}


def _faceted(api: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = api.get(path, params={"count": "true", "limit": 1, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_every_facet_of_every_list_adds_up_to_its_total_and_each_count_is_its_filter(
    loaded: Loaded,
) -> None:
    """Each value's count is what the list filtered by that value counts; the values, null
    among them, and `other` add up to the list's total; the most frequent come first."""
    with TestClient(create_app(Settings(database_url=loaded.url))) as api:
        checked = 0
        for path, (spec, _) in LISTS.items():
            for name in facet_names(spec):
                body = _faceted(api, path, facet=name, facet_size=5)
                values, info = body["facets"][name], body["facet_info"][name]
                assert info["cut_short"] is False, (path, name)
                counted = sum(v["count"] for v in values) + info["other"]
                assert counted == body["total"], (path, name)
                counts = [v["count"] for v in values]
                assert counts == sorted(counts, reverse=True), (path, name)
                assert len(values) == len({repr(v["value"]) for v in values}) <= 5
                if name in DATE_FACETS or name not in ANSWERED:
                    continue
                for value in values:
                    if value["value"] is None:
                        continue
                    shown = str(value["value"]).lower()
                    filtered = _faceted(api, path, **{name: shown})
                    assert filtered["total"] == value["count"], (path, name, value)
                    checked += 1
        assert checked > 10


def test_a_date_facet_counts_by_year_and_month(loaded: Loaded) -> None:
    """`year` and `month` count what `from` and `to` bound to that year or month select."""
    with TestClient(create_app(Settings(database_url=loaded.url))) as api:
        body = _faceted(api, "/v1/events", facet="year,month", facet_size=3)
        for name, length in DATE_FACETS.items():
            assert body["facets"][name], name
            for value in body["facets"][name]:
                assert len(value["value"]) == length  # an event always has a date
                year = int(value["value"][:4])
                month = int(value["value"][5:]) if name == "month" else None
                start = dt.date(year, month or 1, 1)
                last = calendar.monthrange(year, month)[1] if month else 31
                end = dt.date(year, month or 12, last)
                within = _faceted(api, "/v1/events", **{"from": start, "to": end})
                assert within["total"] == value["count"], value


def test_facets_count_under_the_other_filters(client: TestClient) -> None:
    every = _faceted(client, "/v1/measures", facet="stage,kind")
    some = _faceted(client, "/v1/measures", facet="kind", stage="proposed,considered")
    assert sum(v["count"] for v in some["facets"]["kind"]) == some["total"] < every["total"]
    assert list(some["facets"]) == ["kind"]  # only what was asked
    assert "facets" not in client.get("/v1/measures").json()  # and nothing unasked


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"facet": "planet"}, "planet"),
        ({"facet": "stage", "facet_size": 0}, "facet_size"),
        ({"facet": "stage", "facet_size": 101}, "facet_size"),
    ],
)
def test_a_facet_it_cannot_count_is_a_422_that_says_why(
    client: TestClient, params: dict[str, Any], named: str
) -> None:
    response = client.get("/v1/measures", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert named in response.text


def test_a_facet_of_commas_only_is_as_if_absent(client: TestClient) -> None:
    """An empty value is no value, as everywhere (`?stage=,` too)."""
    plain = client.get("/v1/measures")
    for params in ({"facet": ","}, {"facet": ""}, {"stage": ","}, {"stage": " , "}):
        answer = client.get("/v1/measures", params=params)
        assert answer.status_code == 200, answer.text
        assert answer.json() == plain.json()


def test_an_export_leaves_facets_out(client: TestClient) -> None:
    """CSV and NDJSON have no envelope to put them in, as they have no `total`."""
    exported = client.get("/v1/measures", params={"facet": "stage", "format": "csv"})
    assert exported.status_code == 200
    assert exported.text == client.get("/v1/measures", params={"format": "csv"}).text


def test_a_facet_past_its_time_limit_is_cut_short_and_the_page_still_comes(
    loaded: Loaded,
) -> None:
    settings = Settings(database_url=loaded.url, facet_time_limit_ms=1)
    with TestClient(create_app(settings)) as api:
        body = _faceted(api, "/v1/citations", facet="source_id")
        assert body["items"]
        assert body["total"] > 10_000
        assert body["facets"]["source_id"] == []
        assert body["facet_info"]["source_id"] == {"other": None, "cut_short": True}
        # The connection goes back to the pool as it was: the next list is not limited.
        assert api.get("/v1/citations", params={"count": "true"}).status_code == 200
