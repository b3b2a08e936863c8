"""The shape and words of a 422, wherever it comes from (a body, a query, a path, an import, a
rule no schema states): every entry of `errors` has `loc`, `msg`, `type` and `input`; a list
item's index in `loc` is an integer; `detail` reads as sentences."""

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.test_hardening import assert_problem
from tests.test_writes import new


@pytest.fixture(scope="module")
def api(own_api: TestClient) -> TestClient:
    return own_api


def _errors(response: Response) -> list[dict[str, Any]]:
    problem = assert_problem(response, 422)
    errors: list[dict[str, Any]] = problem["errors"]
    return errors


def _import(api: TestClient, rows: list[dict[str, Any]]) -> Response:
    response: Response = api.post(
        "/v1/events/import",
        content=orjson.dumps(rows),
        headers={"Content-Type": "application/json"},
    )
    return response


def test_every_entry_carries_its_input_null_where_there_is_none(api: TestClient) -> None:
    missing = {key: value for key, value in new("events").items() if key != "summary"}
    event = api.get("/v1/events").json()["items"][0]
    before = api.get("/v1/changes").json()
    # (request, loc, input) of one entry each.
    cases: list[tuple[Response, list[str | int], Any]] = [
        (api.post("/v1/events", json=new("events", date=None)), ["body", "date"], None),
        (api.post("/v1/events", json=missing), ["body", "summary"], None),
        (api.post("/v1/events", json=new("events", countries="RU")), ["body", "countries"], "RU"),
        (
            api.patch(f"/v1/events/{event['id']}", json={"summary": "a\x00b"}),
            ["body", "summary"],
            "a\x00b",
        ),
        (
            api.post("/v1/measures", json=new("measures", date_precision="day")),
            ["body"],
            None,  # a rule between two fields
        ),
        (api.get("/v1/events", params={"limit": "0"}), ["query", "limit"], "0"),
        (api.get("/v1/relations/RU/RUS"), ["path", "b"], "RUS"),
        (
            api.post("/v1/events/import", content=b"[]", headers={"Content-Type": "text/csv"}),
            ["body"],
            None,
        ),
    ]
    for response, loc, value in cases:
        [error] = _errors(response)
        assert (error["loc"], error["input"]) == (loc, value), error
        assert list(error)[:4] == ["loc", "msg", "type", "input"], error
    assert api.get("/v1/changes").json() == before
    field_error = api.get("/openapi.json").json()["components"]["schemas"]["FieldError"]
    assert "input" in field_error["required"]


def test_a_list_items_index_is_an_integer_in_a_body_and_in_an_import(api: TestClient) -> None:
    row = new("events", countries=["RU", "ZZ"])
    posted = _errors(api.post("/v1/events", json=row))
    imported = _errors(_import(api, [new("events"), row]))
    assert [(e["loc"], e["type"], e["input"]) for e in posted] == [
        (["body", "countries", 1], "unknown_country", "ZZ")
    ]
    assert [(e["row"], e["loc"], e["type"], e["input"]) for e in imported] == [
        (2, ["row", 2, "countries", 1], "unknown_country", "ZZ")
    ]
    quote = [{"source_id": 1, "quote": "q\x00"}]
    [nul] = _errors(_import(api, [new("events", citations=quote)]))
    assert (nul["loc"], nul["input"]) == (["row", 1, "citations", 0, "quote"], "q\x00")


@pytest.mark.parametrize("path", ["/v1/events", "/v1/headcounts/series", "/v1/timeline"])
def test_a_range_that_ends_before_it_starts_names_to_and_its_value(
    api: TestClient, path: str
) -> None:
    [error] = _errors(api.get(path, params={"from": "2021-02-01", "to": "2021-01-01"}))
    assert error == {
        "loc": ["query", "to"],
        "msg": "'to' (2021-01-01) is before 'from' (2021-02-01)",
        "type": "range_order",
        "input": "2021-01-01",
    }
