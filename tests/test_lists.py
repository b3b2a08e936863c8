"""Every list has one envelope and one set of paging rules; every record is readable by id."""

import base64
import csv
import io
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.citations.models import Quote
from app.countries.models import CountryRead
from app.disputes.models import DisputeRead
from app.events.models import EventRead
from app.headcounts.models import HeadcountRead
from app.measures.models import MeasureRead
from app.missions.models import MissionRead
from app.officials.models import OfficialRead
from app.sources.models import SourceDetail, SourceRead
from app.talks.models import TalksRead

# path -> (documented item schema, sort fields the docs promise)
LISTS: dict[str, tuple[type[BaseModel], list[str]]] = {
    "/v1/missions": (MissionRead, ["id", "status_since", "sending_country", "host_country"]),
    "/v1/headcounts": (HeadcountRead, ["as_of", "id", "count"]),
    "/v1/measures": (MeasureRead, ["id", "date", "diplomats_count"]),
    "/v1/expulsions": (MeasureRead, ["id", "date", "diplomats_count"]),
    "/v1/visa-disputes": (DisputeRead, ["id", "opened_on"]),
    "/v1/talks": (TalksRead, ["date", "id"]),
    "/v1/officials": (OfficialRead, ["id", "name", "country"]),
    "/v1/events": (EventRead, ["date", "id"]),
    "/v1/sources": (SourceRead, ["id", "published_on", "title"]),
    "/v1/countries": (CountryRead, ["code", "name", "alpha3"]),
    "/v1/citations": (Quote, ["id", "source_id", "start"]),
}


def _walk(client: TestClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Follows `Link: rel=next` from the first page to the last."""
    items: list[dict[str, Any]] = []
    url: str | None = path
    request_params: dict[str, Any] | None = params
    while url:
        response = client.get(url, params=request_params)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        link = response.headers.get("link")
        assert (link is None) == (body["next_cursor"] is None)
        url = link.split(";")[0].strip("<>") if link else None
        request_params = None
        assert len(items) < 5000, "paging does not end"
    return items


def _key(item: dict[str, Any]) -> Any:
    return item.get("id", item.get("code"))


@pytest.mark.parametrize("path", LISTS)
def test_envelope_and_documented_item_shape(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"items", "next_cursor", "total"}
    assert body["total"] is None
    schema, _ = LISTS[path]
    for item in body["items"]:
        schema.model_validate(item)
        assert set(item) == set(schema.model_fields)


@pytest.mark.parametrize("path", LISTS)
def test_count_fills_total(client: TestClient, path: str) -> None:
    everything = _walk(client, path, limit=1000)
    body = client.get(path, params={"count": "true", "limit": 1}).json()
    assert body["total"] == len(everything)


@pytest.mark.parametrize("path", LISTS)
def test_get_by_id_matches_the_list(client: TestClient, path: str) -> None:
    for item in client.get(path, params={"limit": 5}).json()["items"]:
        one = client.get(f"{path}/{_key(item)}")
        assert one.status_code == 200
        body = one.json()
        assert {k: v for k, v in body.items() if k in item} == item
    if path == "/v1/sources":
        SourceDetail.model_validate(client.get("/v1/sources/1").json())


@pytest.mark.parametrize(
    ("path", "sort"), [(path, sort) for path, (_, sorts) in LISTS.items() for sort in sorts]
)
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_cover_the_list_once_in_order(
    client: TestClient, path: str, sort: str, descending: bool
) -> None:
    order = f"-{sort}" if descending else sort
    limit = 97 if path == "/v1/countries" else 1  # 249 countries: pages of 97, 97, 55
    paged = _walk(client, path, sort=order, limit=limit)
    whole = client.get(path, params={"sort": order, "limit": 1000}).json()["items"]
    assert [_key(i) for i in paged] == [_key(i) for i in whole]
    assert len({_key(i) for i in paged}) == len(paged)
    values = [(i[sort] is None, i[sort]) for i in whole]
    present = [v for null, v in values if not null]
    assert present == sorted(present, reverse=descending)
    # Unknown values (null) come last, whichever the direction.
    assert [null for null, _ in values] == sorted(null for null, _ in values)


@pytest.mark.parametrize("path", LISTS)
def test_paging_parameters_are_checked(client: TestClient, path: str) -> None:
    for params in (
        {"limit": 0},
        {"limit": 1001},
        {"limit": "ten"},
        {"sort": "nonsense"},
        {"count": "perhaps"},
        {"no_such_filter": "x"},
    ):
        response = client.get(path, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 422


def test_unknown_sort_names_the_allowed_fields(client: TestClient) -> None:
    response = client.get("/v1/measures", params={"sort": "colour"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/validation"
    [error] = problem["errors"]
    assert (error["loc"], error["input"]) == (["query", "sort"], "colour")
    for field in LISTS["/v1/measures"][1]:
        assert f"'{field}'" in error["msg"]
        assert f"'-{field}'" in error["msg"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "%%%",
        base64.urlsafe_b64encode(b'["id", 1]').decode(),
        base64.urlsafe_b64encode(b'["date", "2021-13-45", 3]').decode(),
        base64.urlsafe_b64encode(b'["id", null, {"a": 1}]').decode(),
        base64.urlsafe_b64encode(b'["date", true, 3]').decode(),
    ],
)
def test_tampered_cursor_is_a_400(client: TestClient, cursor: str) -> None:
    response = client.get("/v1/measures", params={"cursor": cursor, "sort": "date"})
    if cursor == "":
        assert response.status_code == 200  # an empty value is no value: the first page
        return
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_cursor_of_another_sort_is_refused(client: TestClient) -> None:
    first = client.get("/v1/measures", params={"sort": "date", "limit": 1}).json()
    response = client.get("/v1/measures", params={"sort": "id", "cursor": first["next_cursor"]})
    assert response.status_code == 400


@pytest.mark.parametrize("path", [p for p in LISTS if p != "/v1/countries"])
def test_missing_record_is_a_404_problem(client: TestClient, path: str) -> None:
    # Ids are digits: anything else names no record (404); digits out of range are a 422.
    for bad_id, status in (("999999", 404), ("0", 422), ("abc", 404), ("9" * 30, 422)):
        response = client.get(f"{path}/{bad_id}")
        assert response.status_code == status, (bad_id, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == status
        if status == 404:
            assert bad_id in problem["detail"]


def test_country_filters_take_alpha2_or_alpha3_any_case(client: TestClient) -> None:
    expected = client.get("/v1/measures", params={"actor_country": "RU"}).json()["items"]
    assert expected
    for spelling in ("ru", "RUS", "rus", "Ru"):
        assert client.get("/v1/measures", params={"actor_country": spelling}).json()["items"] == (
            expected
        )
    both = client.get("/v1/measures", params={"actor_country": "rus,usa"}).json()["items"]
    every = client.get("/v1/measures").json()["items"]
    # The seed's freeze of the Russian missions names no actor: no actor filter finds it.
    assert len(both) == len([m for m in every if m["actor_country"] is not None]) == len(every) - 1


def test_unknown_country_in_a_filter_is_a_422_naming_it(client: TestClient) -> None:
    response = client.get("/v1/missions", params={"host_country": "XX"})
    assert response.status_code == 422
    problem = response.json()
    assert "'XX'" in problem["errors"][0]["msg"]
    assert problem["errors"][0]["loc"][:2] == ["query", "host_country"]


@pytest.mark.parametrize(
    ("path", "where", "meant"),
    [
        ("/v1/missions?host_country=UK", ["query", "host_country", 0], "'GB' (United Kingdom)"),
        ("/v1/measures?actor_country=US,el", ["query", "actor_country", 1], "'GR' (Greece)"),
        ("/v1/events?country=russia", ["query", "country", 0], "'RU' (Russian Federation)"),
        ("/v1/timeline?countries=Germany", ["query", "countries", 0], "'DE' (Germany)"),
        ("/v1/headcounts/series?host_country=SU", ["query", "host_country", 0], "'RU'"),
        ("/v1/countries/UK", None, "'GB' (United Kingdom)"),
        ("/v1/countries/turkey", None, "'TR' (Türkiye)"),
        ("/v1/relations/US/uk", None, "'GB' (United Kingdom)"),
    ],
)
def test_a_country_alias_or_name_is_refused_with_the_code_meant(
    client: TestClient, path: str, where: list[str | int] | None, meant: str
) -> None:
    """The API takes ISO codes only; for `UK`, `EL` or a country's name it suggests the code.
    A path names a resource, so there it is a 404; a filter's value, a 422 naming the field."""
    response = client.get(path)
    assert response.status_code == (404 if where is None else 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert f"did you mean {meant}" in problem["detail"]
    if where is not None:
        assert [e["loc"] for e in problem["errors"]] == [where]


def test_a_country_alias_in_a_body_is_refused_with_the_code_meant(
    client: TestClient, admin: dict[str, str]
) -> None:
    before = client.get("/v1/officials", params={"count": "true"}).json()["total"]
    body = {"name": "A. Diplomat", "country": "UK", "citations": [{"source_id": 1, "quote": "x"}]}
    response = client.post("/v1/officials", json=body, headers=admin)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "country"]
    assert "did you mean 'GB' (United Kingdom)?" in error["msg"]
    assert client.get("/v1/officials", params={"count": "true"}).json()["total"] == before


def test_nothing_is_suggested_where_nothing_is_meant(client: TestClient) -> None:
    for path in ("/v1/missions?host_country=XX", "/v1/countries/moscow"):
        assert "did you mean" not in client.get(path).json()["detail"]


def test_enum_filter_values_are_checked(client: TestClient) -> None:
    assert client.get("/v1/measures", params={"stage": "proposed,ordered"}).status_code == 200
    response = client.get("/v1/measures", params={"stage": "proposed,rumoured"})
    assert response.status_code == 422
    assert "rumoured" in response.text


def _cells(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """An item's values by CSV column: nested objects as `outer.inner`."""
    cells: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            cells.update(_cells(value, f"{prefix}{key}."))
        else:
            cells[f"{prefix}{key}"] = value
    return cells


def _same(cell: str, value: Any) -> bool:
    """Whether a CSV cell says what the JSON value says."""
    if value is None or value == []:
        return cell == ""
    if isinstance(value, bool):
        return cell == str(value).lower()
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return cell.split("; ") == [str(v) for v in value]
    if isinstance(value, list):
        return bool(orjson.loads(cell) == value)
    return cell == str(value)


@pytest.mark.parametrize("path", LISTS)
def test_exports_hold_exactly_what_the_pages_hold(client: TestClient, path: str) -> None:
    # Exports come in id order unless asked otherwise (countries have no id: their default).
    in_id_order = {"sort": "id"} if "id" in LISTS[path][1] else {}
    items = _walk(client, path, limit=2, **in_id_order)
    ndjson = client.get(path, params={"format": "ndjson"})
    assert ndjson.status_code == 200
    assert [orjson.loads(line) for line in ndjson.text.splitlines()] == items
    rows = list(csv.DictReader(io.StringIO(client.get(path, params={"format": "csv"}).text)))
    assert len(rows) == len(items)
    for row, item in zip(rows, items, strict=True):
        cells = _cells(item)
        assert set(row) == set(cells)
        wrong = {k: (row[k], v) for k, v in cells.items() if not _same(row[k], v)}
        assert not wrong, wrong


@pytest.mark.parametrize("path", [*LISTS, "/v1/timeline"])
def test_a_format_is_named_in_any_case(client: TestClient, path: str) -> None:
    """`format=CSV` is `format=csv`, as a media type or a file's extension would be: the same
    file, the same headers."""
    for fmt in ("csv", "ndjson", "json"):
        expected = client.get(path, params={"format": fmt})
        assert expected.status_code == 200, expected.text
        for spelled in (fmt.upper(), fmt.capitalize()):
            response = client.get(path, params={"format": spelled})
            assert response.status_code == 200, response.text
            assert response.content == expected.content
            for header in ("content-type", "content-disposition", "etag"):
                assert response.headers.get(header) == expected.headers.get(header), header
    refused = client.get(path, params={"format": "XML"})
    assert refused.status_code == 422
    assert "'json', 'csv' or 'ndjson'" in refused.json()["errors"][0]["msg"]


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/v1/headcounts", "mission_id", "9" * 30),
        ("/v1/headcounts", "mission_id", "1," + "9" * 30),
        ("/v1/talks", "dispute_id", str(2**31)),  # past PostgreSQL's integer column: a 500
        ("/v1/measures", "in_response_to", f"1,{-(2**31) - 1}"),
        ("/v1/headcounts/series", "mission_id", str(2**55)),
        ("/v1/talks", "dispute_id", "0"),
    ],
)
def test_id_filters_that_no_id_can_match_are_422s(
    client: TestClient, path: str, name: str, value: str
) -> None:
    response = client.get(path, params={name: value})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][:2] == ["query", name]
