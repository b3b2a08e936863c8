"""One rule for query parameters on every endpoint: a name the endpoint does not document is a
422 naming it and every name it takes; an empty value is the same as no value."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.kit.read_routes import LISTS
from app.kit.write_routes import HISTORY
from app.main import create_app
from tests.conftest import STREAM, NewDatabase, make_key, seeded
from tests.test_hardening import assert_problem

SCHEMA = create_app().openapi()
# A path that reaches each route: the seed has these records and countries.
EXAMPLES = {"record_id": "1", "code": "RU", "a": "RU", "b": "US", "name": "dashboard.js"}
# The dashboard's pages, which the OpenAPI document leaves out: pages for people, they ignore
# their query as web pages do (a shared link gains `?utm_source=…`).
PAGES = [
    "/dashboard",
    "/dashboard/assets/{name}",
    "/dashboard/sources/{record_id}",
    "/dashboard/{a}/{b}",
]


def _documented() -> Iterator[tuple[str, str, list[str]]]:
    """Every operation (method, path template) with the query parameters it documents."""
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            yield method, path, sorted(p["name"] for p in parameters if p["in"] == "query")


OPERATIONS = list(_documented())
# The query parameters each path requires, and a value for each.
REQUIRED = {
    path: [
        p["name"]
        for p in operations.get("get", {}).get("parameters", [])
        if p.get("required") and p["in"] == "query"
    ]
    for path, operations in SCHEMA["paths"].items()
}
NEEDED = {"q": "embassy", "sender": "US"}
# Every read but the change stream, which never ends (tests/test_live.py reads it as a client).
READS = [(path, names) for method, path, names in OPERATIONS if method == "get" and path != STREAM]


def _url(template: str) -> str:
    for name, value in EXAMPLES.items():
        template = template.replace(f"{{{name}}}", value)
    assert "{" not in template, template
    return template


def test_every_operation_is_covered() -> None:
    assert len(READS) > 30
    assert {"post", "patch", "delete"} <= {method for method, _, _ in OPERATIONS}


@pytest.fixture(scope="module")
def scratch(new_database: NewDatabase) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app on a database of its own, with an admin key: refused writes must leave it as
    it was, and one that went through would not spoil the shared seed."""
    url = seeded(new_database)
    with TestClient(create_app(Settings(database_url=url))) as test_client:
        yield test_client, make_key(url, "admin")


def _state(client: TestClient, admin: dict[str, str]) -> tuple[Any, Any]:
    changes = client.get("/v1/changes", params={"limit": 1000}).json()["items"]
    keys = client.get("/v1/keys", headers=admin).json()["items"]
    return changes, keys


@pytest.mark.parametrize(("method", "path", "names"), OPERATIONS)
def test_an_unknown_parameter_is_a_422_naming_it_and_every_documented_one(
    scratch: tuple[TestClient, dict[str, str]], method: str, path: str, names: list[str]
) -> None:
    client, admin = scratch
    before = _state(client, admin)
    response = client.request(
        method, _url(path), params={"unknown_param": "1", "other": ""}, headers=admin
    )
    problem = assert_problem(response, 422)
    assert problem["type"] == "/problems/validation"
    assert [e["loc"] for e in problem["errors"]] == [["query", "unknown_param"], ["query", "other"]]
    for error in problem["errors"]:
        assert error["type"] == "unknown_parameter"
        assert error["allowed"] == names
        assert f"'{error['loc'][1]}'" in error["msg"]
        assert all(name in error["msg"] for name in names)
    assert problem["errors"][0]["input"] == "1"
    assert _state(client, admin) == before


def test_the_openapi_document_states_the_rule() -> None:
    for path, operations in SCHEMA["paths"].items():
        for method, operation in operations.items():
            assert "422" in operation["responses"], (method, path)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    assert parameter["allowEmptyValue"] is True, (method, path, parameter)


def test_names_are_read_as_the_server_reads_them(client: TestClient) -> None:
    encoded = client.get("/v1/missions?%73ort=-id&limit=1")  # %73 is "s"
    assert encoded.json() == client.get("/v1/missions?sort=-id&limit=1").json()
    problem = assert_problem(client.get("/v1/missions?sort%5B%5D=id"), 422)
    assert problem["errors"][0]["loc"] == ["query", "sort[]"]
    assert client.get("/v1/missions?&&").status_code == 200


def test_another_method_is_still_a_405(client: TestClient) -> None:
    response = client.put("/v1/missions/1?unknown_param=1")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD, PATCH, DELETE"


@pytest.mark.parametrize(("path", "names"), [(p, n) for p, n in READS if n])
def test_an_empty_value_is_no_value(
    client: TestClient, admin: dict[str, str], path: str, names: list[str]
) -> None:
    url = _url(path)
    needed = {name: NEEDED[name] for name in REQUIRED[path]}  # `/v1/search`'s `q`
    plain = client.get(url, params=needed, headers=admin)
    assert plain.status_code in (200, 404), plain.text
    others = [name for name in names if name not in needed]
    empty = client.get(url, params={**needed, **dict.fromkeys(others, "")}, headers=admin)
    assert (empty.status_code, empty.json()) == (plain.status_code, plain.json())


def test_an_empty_value_beside_a_value_is_dropped(client: TestClient) -> None:
    russia = client.get("/v1/visa-disputes", params={"country": "RU"})
    assert russia.json()["items"]
    assert client.get("/v1/visa-disputes?country=&country=RU").json() == russia.json()
    form = "?stage=&actor_country=RU&limit=&sort=&cursor=&format=&count=&from=&to=&q="
    assert client.get(f"/v1/measures{form}").json() == (
        client.get("/v1/measures", params={"actor_country": "RU"}).json()
    )


@pytest.mark.parametrize(
    "url",
    [
        "/v1/search?q=kabul&q=kandahar",
        "/v1/missions?limit=5&limit=6",
        "/v1/events?sort=id&sort=-id",
    ],
)
def test_a_parameter_of_one_value_given_twice_is_a_422_saying_so(
    client: TestClient, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    name = url.split("?")[1].split("=")[0]
    assert error["loc"] == ["query", name]
    assert error["type"] == "repeated_parameter"
    assert error["msg"] == "is given 2 times; it takes one value"


# Every list with its spec's sorts, and a record's history (whose spec is kit's own).
SORTED = {path: list(spec.sorts) for path, (spec, _) in LISTS.items()}
SORTED["/v1/missions/{record_id}/history"] = list(HISTORY.sorts)


@pytest.mark.parametrize("path", sorted(SORTED))
def test_a_lists_sorts_are_an_enum_of_its_specs_fields(path: str) -> None:
    [sort] = [p for p in SCHEMA["paths"][path]["get"]["parameters"] if p["name"] == "sort"]
    expected = {value for field in SORTED[path] for value in (field, f"-{field}")}
    assert sort["schema"]["type"] == "string"
    assert set(sort["schema"]["enum"]) == expected


@pytest.mark.parametrize("path", sorted(SORTED))
def test_a_sort_outside_the_enum_is_a_422_naming_the_allowed_ones(
    client: TestClient, path: str
) -> None:
    problem = assert_problem(client.get(_url(path), params={"sort": "-colour"}), 422)
    assert problem["type"] == "/problems/validation"
    [error] = problem["errors"]
    assert (error["loc"], error["input"]) == (["query", "sort"], "-colour")
    for field in SORTED[path]:
        assert f"'{field}'" in error["msg"]
        assert f"'-{field}'" in error["msg"]
    for field in SORTED[path]:  # and every value of the enum sorts
        assert client.get(_url(path), params={"sort": f"-{field}"}).status_code == 200


@pytest.mark.parametrize(
    ("path", "name", "given", "meant"),
    [
        ("/v1/search", "kinds", "event", "events"),
        ("/v1/search", "kinds", "Missions", "missions"),
        ("/v1/missions", "status", "operatin", "operating"),
        ("/v1/missions", "sort", "-host", "-host_country"),
        ("/v1/missions", "facet", "stauts", "status"),
        ("/v1/missions", "sort", "nme", None),
        ("/v1/search", "kinds", "planets", None),
    ],
)
def test_a_value_not_listed_names_the_listed_one_it_is_close_to(
    client: TestClient, path: str, name: str, given: str, meant: str | None
) -> None:
    """A typo of one of a parameter's values is a 422 that says which was meant."""
    params = {name: given} | ({"q": "kabul"} if path == "/v1/search" else {})
    problem = assert_problem(client.get(path, params=params), 422)
    [error] = problem["errors"]
    assert error["input"] == given
    if meant is None:
        assert "did you mean" not in problem["detail"]
    else:
        assert error["msg"].endswith(f": did you mean '{meant}'?")
        assert f"did you mean '{meant}'? (got '{given}')" in problem["detail"]


@pytest.mark.parametrize("page", PAGES)
def test_a_dashboard_page_ignores_its_query_as_web_pages_do(
    scratch: tuple[TestClient, dict[str, str]], page: str
) -> None:
    client, _ = scratch
    plain = client.get(_url(page))
    assert plain.status_code == 200, plain.text
    shared = client.get(_url(page), params={"utm_source": "newsletter", "fbclid": "IwAR0abc"})
    assert shared.status_code == 200, shared.text
    assert shared.headers["content-type"] == plain.headers["content-type"]
    assert shared.content == plain.content
