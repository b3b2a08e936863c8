"""The service around the data: probes, docs, the OpenAPI contract, the error shape."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import make_engine, make_keys_engine
from app.main import create_app
from tests.conftest import STREAM

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance"}


def test_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}


def test_database_down_is_a_503_problem_and_liveness_stays_up() -> None:
    # A port nothing listens on: the connection is refused at once.
    settings = Settings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:9/nowhere", db_connect_timeout=1
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        for path in ("/readyz", "/v1/missions", "/v1/expulsions/1", "/v1/countries/RU"):
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.headers["content-type"] == "application/problem+json"
            assert set(response.json()) >= PROBLEM_FIELDS
            if path != "/readyz":
                assert int(response.headers["retry-after"]) > 0
            assert "Traceback" not in response.text
            assert "psycopg" not in response.text


def test_docs_pages_render_without_a_cdn(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        response = client.get(page)
        assert response.status_code == 200
        assert "text/html" in response.headers["content-type"]
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', response.text)
        assert assets, page
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
            assert client.get(asset).status_code == 200


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.get("/openapi.json").json()
    return [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_operation_is_documented(client: TestClient) -> None:
    operations = _operations(client)
    assert len(operations) >= 20
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation.get("description"), where
        assert operation.get("tags"), where
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), f"{where} ?{parameter['name']}"
        success = [s for s in operation["responses"] if s.startswith("2")]
        if "206" in success:  # a document (a source's text), whole or a byte range of it
            assert success == ["200", "206"], where
            for status in success:
                served = operation["responses"][status]["content"]
                assert all(media.startswith("text/") for media in served), where
        else:
            assert len(success) == 1, where
            if success[0] != "204":
                content = operation["responses"][success[0]]["content"]
                # JSON, or Server-Sent Events (the change stream), documented with an example.
                sse = content.get("text/event-stream", {})
                assert "application/json" in content or sse.get("example"), where
        if path.startswith("/v1/"):
            takes_input = operation.get("parameters") or operation.get("requestBody")
            for status in ("422", "503") if takes_input else ("503",):
                problem = operation["responses"][status]["content"]
                assert "application/problem+json" in problem, f"{where} {status}"


def test_every_documented_list_parameter_is_accepted(client: TestClient) -> None:
    """A parameter the docs offer never yields a 500, whatever its value."""
    for path, method, operation in _operations(client):
        if "{" in path or not path.startswith("/v1/") or method != "get" or path == STREAM:
            continue  # the change stream never ends: tests/test_live.py tries its parameters
        for parameter in operation.get("parameters", []):
            for value in ("", "x", "1", "-1", "ru", "2021-10-12", "%00", "a" * 300):
                response = client.get(path, params={parameter["name"]: value})
                assert response.status_code in (200, 400, 422), (path, parameter["name"], value)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/nothing-here", 404),
        ("GET", "/v1/missions/424242", 404),
        ("GET", "/v1/countries/XX", 404),
        ("GET", "/v1/countries/" + "Q" * 40, 422),
        ("PUT", "/v1/missions/1", 405),
        ("GET", "/v1/missions?limit=5000", 422),
        ("GET", "/v1/missions?cursor=bm9wZQ", 400),
    ],
)
def test_errors_are_problem_json(client: TestClient, method: str, path: str, status: int) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert set(problem) >= PROBLEM_FIELDS
    assert problem["status"] == status
    assert problem["type"].startswith("/problems/")
    assert problem["detail"]
    if status == 422:
        assert problem["errors"], problem


def test_unknown_country_404_names_the_code(client: TestClient) -> None:
    assert "'XX'" in client.get("/v1/countries/XX").json()["detail"]


def test_countries_accept_alpha2_or_alpha3_in_any_case(client: TestClient) -> None:
    expected = client.get("/v1/countries/RU").json()
    assert expected["alpha3"] == "RUS"
    for spelling in ("ru", "Ru", "RUS", "rus"):
        assert client.get(f"/v1/countries/{spelling}").json() == expected


# Codes with blanks, or with other whitespace, non-ASCII letters, too few or too many letters.
CODES = ["RU", "rus", " ru\t", "RU\n", "\xa0RU", "RU\u3000", "\x1cRU", "\u0131t", "R U", "RUSS"]
CODES += ["R", "Russia", "ZZ", "UK", ""]


def test_the_documented_country_pattern_is_the_one_applied(client: TestClient) -> None:
    """A code that matches the pattern the OpenAPI document gives is read as a code (a
    country's, or `unknown_country`); one that does not is refused as no code at all, in a
    body and in a filter alike."""
    spec = client.get("/openapi.json").json()
    pattern = spec["components"]["schemas"]["MissionCreate"]["properties"]["host_country"]
    [filter_] = [
        p for p in spec["paths"]["/v1/missions"]["get"]["parameters"] if p["name"] == "host_country"
    ]
    assert filter_["schema"]["anyOf"][0]["items"]["pattern"] == pattern["pattern"]
    for code in CODES:
        matches = re.fullmatch(pattern["pattern"], code) is not None
        response = client.post("/v1/missions", json={"host_country": code})  # no key: a 401
        body = client.get("/v1/missions", params={"host_country": code})
        types = {e["type"] for e in body.json().get("errors", [])}
        if matches:
            assert body.status_code == 200 or types == {"unknown_country"}, (code, body.text)
        elif code:  # (an empty value is no value)
            assert types == {"country_code"}, (code, body.text)
        assert response.status_code == 401


def _strings(schema: Any, components: dict[str, Any], seen: set[str]) -> Iterator[Any]:
    """Every string schema in a schema, through its `$ref`s."""
    if isinstance(schema, list):
        for item in schema:
            yield from _strings(item, components, seen)
    elif isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref and ref not in seen:
            seen.add(ref)
            yield from _strings(components[ref.rsplit("/", 1)[1]], components, seen)
        if schema.get("type") == "string":
            yield schema
        for key in ("anyOf", "oneOf", "allOf", "items"):
            yield from _strings(schema.get(key), components, seen)
        for inner in (schema.get("properties") or {}).values():
            yield from _strings(inner, components, seen)


def test_every_string_sent_rules_out_nul_as_the_api_does(client: TestClient) -> None:
    """The API refuses NUL in any text it is sent (PostgreSQL cannot store it): the OpenAPI
    document says so of every string of every body and of every list's filters."""
    spec = client.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    checked = 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            schemas = [
                media["schema"]
                for media in operation.get("requestBody", {}).get("content", {}).values()
            ]
            schemas += [p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"]
            for string in _strings(schemas, components, set()):
                if "enum" in string or "const" in string or string.get("format") == "date":
                    continue
                assert "pattern" in string, (method, path, string)
                assert not re.search(string["pattern"], "a\x00b"), (method, path, string)
                checked += 1
    assert checked > 100


def test_cors_allows_browser_reads(client: TestClient) -> None:
    response = client.get("/v1/talks", headers={"Origin": "https://dashboard.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "link" in response.headers["access-control-expose-headers"].lower()


def test_every_route_answers_errors_as_problem_json(
    client: TestClient, admin: dict[str, str]
) -> None:
    """Walks the OpenAPI document and provokes an error on every operation (with an admin key,
    so the request gets past authorization to the check under test)."""
    checked = 0
    for path, method, _operation in _operations(client):
        if not path.startswith("/v1/") or (path, method) == ("/v1/keys", "get"):
            continue
        concrete = path.replace("{record_id}", "999999").replace("{code}", "QQ")
        if method == "get" and "{" not in path:
            response, expected = client.get(concrete, params={"limit": 0}, headers=admin), 422
        elif path.endswith("/import"):
            response, expected = client.post(concrete, json={}, headers=admin), 400
        elif method == "post" and not path.endswith("/restore"):
            response, expected = client.post(concrete, json={}, headers=admin), 422
        elif method == "patch":
            response, expected = client.patch(concrete, json={}, headers=admin), 404
        else:
            response, expected = client.request(method.upper(), concrete, headers=admin), 404
        assert response.status_code == expected, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json", (method, path)
        assert set(response.json()) >= PROBLEM_FIELDS
        checked += 1
    assert checked >= 40


def test_bodies_and_records_carry_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        if "items" in schema.get("properties", {}):  # a list page: look at its items
            return resolve(schema["properties"]["items"]["items"])
        return schema

    for path, method, operation in _operations(client):
        if not path.startswith("/v1/"):
            continue
        if "requestBody" in operation:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            if method == "post":
                assert resolve(body).get("examples"), f"{method} {path} request"
        for status, response in operation["responses"].items():
            if status in ("200", "201") and "application/json" in response.get("content", {}):
                schema = resolve(response["content"]["application/json"]["schema"])
                assert schema.get("examples"), f"{method} {path} {status}"


def test_docker_and_make_run_take_the_same_steps() -> None:
    root = Path(__file__).parent.parent
    dockerfile = (root / "Dockerfile").read_text()
    makefile = (root / "Makefile").read_text()
    assert "pip install -c constraints.txt -e ." in dockerfile
    assert "install -c constraints.txt -e ." in makefile
    assert 'CMD ["diplo", "serve"]' in dockerfile
    assert "$(BIN)/diplo serve" in makefile
    assert "HEALTHCHECK" in dockerfile
    assert "USER diplo" in dockerfile


def test_postgres_plans_each_statement_for_its_values_and_keeps_the_urls_options(
    backend: str, seeded_url: str
) -> None:
    """Each engine's connections re-plan a prepared statement for its values (a plan made once
    for any values hashed every RU and US event on each relation: docs/live.md, "A plan for
    each value"), and keep the options given in DATABASE_URL, which win over that default;
    the keys' own time limits come after them."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's plan cache")
    url = make_url(seeded_url).update_query_dict({"options": "-c work_mem=5MB"})
    settings = Settings(database_url=url.render_as_string(hide_password=False))
    keys = make_keys_engine(settings)
    assert keys is not None
    engines = {"requests": make_engine(settings), "watch": make_engine(settings, autocommit=True)}
    engines["keys"] = keys
    try:
        for name, engine in engines.items():
            with engine.connect() as connection:
                shown = {
                    setting: connection.exec_driver_sql(f"SHOW {setting}").scalar()
                    for setting in ("plan_cache_mode", "work_mem", "lock_timeout")
                }
            expected = {"plan_cache_mode": "force_custom_plan", "work_mem": "5MB"}
            expected["lock_timeout"] = "1s" if name == "keys" else "0"
            assert shown == expected, name
    finally:
        for engine in engines.values():
            engine.dispose()
    chosen = make_url(seeded_url).update_query_dict({"options": "-c plan_cache_mode=auto"})
    engine = make_engine(Settings(database_url=chosen.render_as_string(hide_password=False)))
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
    finally:
        engine.dispose()
