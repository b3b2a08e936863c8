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


def test_a_detail_reads_as_sentences(api: TestClient) -> None:
    one = assert_problem(api.get("/v1/events", params={"foo": "1"}), 422)
    takes = ", ".join(one["errors"][0]["allowed"])
    assert one["detail"] == f"Unknown query parameter 'foo': this endpoint takes {takes}."
    several = api.get("/v1/events", params={"foo": "1", "bar": "2", "baz": "3"})
    assert assert_problem(several, 422)["detail"] == (
        f"Unknown query parameters 'foo', 'bar' and 'baz': this endpoint takes {takes}."
    )
    none = assert_problem(api.get("/v1/keys/1/unknown", params={"foo": "1"}), 404)
    assert none["detail"].startswith("Nothing at /v1/keys/1/unknown")
    bare = assert_problem(api.get("/healthz", params={"foo": "1"}), 422)
    assert (
        bare["detail"] == "Unknown query parameter 'foo': this endpoint takes no query parameters."
    )
    fields = api.post("/v1/events", json=new("events", countries=["UK"], date="soon"))
    assert assert_problem(fields, 422)["detail"] == (
        "body.date: must be a day written YYYY-MM-DD (got 'soon'); body.countries.0: 'UK' is not "
        "an ISO 3166-1 alpha-2 or alpha-3 country code, nor a former country's code: did you mean "
        "'GB' (United Kingdom)? 'UK' "
        "is reserved by ISO 3166-1 at the United Kingdom's request, not assigned (got 'UK')"
    )


LONG = "x" * 9000
SHOWN = "x" * 100 + "…"  # a value as a detail quotes it


@pytest.mark.parametrize(
    ("path", "params", "loc"),
    [
        ("/v1/events", {"q": LONG}, ["query", "q"]),
        ("/v1/events", {LONG: "1"}, ["query", LONG]),
        ("/v1/events", {"limit": LONG}, ["query", "limit"]),
        ("/v1/missions", {"host_country": LONG}, ["query", "host_country", 0]),
    ],
)
def test_a_detail_quotes_a_hundred_characters_of_a_value_and_errors_all_of_it(
    api: TestClient, path: str, params: dict[str, str], loc: list[str | int]
) -> None:
    problem = assert_problem(api.get(path, params=params), 422)
    assert SHOWN in problem["detail"]
    assert len(problem["detail"]) < 600, problem["detail"]
    [error] = problem["errors"]
    assert error["loc"] == loc
    assert LONG in (error["input"], error["loc"][-1])


def test_a_path_is_quoted_a_hundred_characters_long(api: TestClient) -> None:
    country = assert_problem(api.get(f"/v1/countries/{LONG}"), 422)
    assert SHOWN in country["detail"]
    assert len(country["detail"]) < 600
    nowhere = assert_problem(api.get(f"/v1/{LONG}"), 404)
    assert nowhere["detail"].startswith(f"Nothing at /v1/{SHOWN[4:]}; the endpoints are listed")
