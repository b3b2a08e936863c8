"""Hardening: body limits, bodies that cannot be read, integers out of range, methods and
`Allow`, security headers, CORS, and the error documentation. Each through HTTP, on every
database the suite runs on."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.kit.read_routes import LISTS
from app.main import create_app

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["detail"]
    assert "Traceback" not in response.text
    return problem


@pytest.fixture(scope="module")
def small(seeded_url: str) -> Iterator[TestClient]:
    """An app that takes bodies of at most 2,000 bytes, and imports of at most 10,000."""
    settings = Settings(database_url=seeded_url, max_body_bytes=2000, max_import_bytes=10_000)
    with TestClient(create_app(settings)) as client:
        yield client


def chunks(size: int, chunk: int = 500) -> Iterator[bytes]:
    """A body sent with `Transfer-Encoding: chunked`: no `Content-Length` to go by."""
    for start in range(0, size, chunk):
        yield b" " * min(chunk, size - start)


def test_a_body_over_the_limit_is_a_413(small: TestClient, admin: dict[str, str]) -> None:
    json_headers = {**admin, "Content-Type": "application/json"}
    for body in (b" " * 2001, chunks(2001)):
        response = small.post("/v1/missions", content=body, headers=json_headers)
        problem = assert_problem(response, 413)
        assert problem["type"] == "/problems/content-too-large"
        assert "2,000 bytes" in problem["detail"]
    # Unauthenticated or not, to any path: the body is refused before anything reads it.
    assert_problem(small.post("/v1/nowhere", content=b" " * 2001), 413)
    assert_problem(small.patch("/v1/missions/1", content=chunks(5000)), 413)


def test_a_body_at_the_limit_is_read(small: TestClient, admin: dict[str, str]) -> None:
    json_headers = {**admin, "Content-Type": "application/json"}
    for body in (b"{}" + b" " * 1998, chunks(2000)):
        response = small.post("/v1/missions", content=body, headers=json_headers)
        assert response.status_code in (400, 422), response.text[:300]  # read, then found wanting


def test_imports_take_more(small: TestClient, admin: dict[str, str]) -> None:
    csv_headers = {**admin, "Content-Type": "text/csv"}
    body = b"title,publisher,published_on\n" + b"a,b,2021-10-12\n" * 400  # 6,028 bytes
    response = small.post("/v1/sources/import?dry_run=true", content=body, headers=csv_headers)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["rows"] == 400
    for big in (body * 3, chunks(10_001)):
        response = small.post("/v1/sources/import", content=big, headers=csv_headers)
        assert "10,000 bytes" in assert_problem(response, 413)["detail"]


def test_the_default_limit_is_one_mebibyte(client: TestClient, admin: dict[str, str]) -> None:
    headers = {**admin, "Content-Type": "application/json"}
    over = client.post("/v1/events", content=b" " * (1024 * 1024 + 1), headers=headers)
    assert "1,048,576 bytes" in assert_problem(over, 413)["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 10_000,
        b'{"a":' * 10_000,
        b"[" * 900 + b"]" * 900,
        b"\xff\xfe{}",
        b'{"name": "x"',
        b"",
    ],
    ids=["10k-arrays", "10k-objects", "900-levels", "not-utf8", "truncated", "empty"],
)
def test_bodies_that_cannot_be_read_are_400s(
    client: TestClient, admin: dict[str, str], body: bytes
) -> None:
    headers = {**admin, "Content-Type": "application/json"}
    for path in ("/v1/officials", "/v1/officials/import"):
        response = client.post(path, content=body, headers=headers)
        if body == b"":
            # No body at all: the fields are missing, or there are no records to import.
            assert_problem(response, 422)
        elif body == b"[" * 900 + b"]" * 900:
            assert response.status_code in (400, 422), response.text[:300]  # read, but not records
        else:
            assert assert_problem(response, 400)["type"] == "/problems/bad-request"


def _bodies_taken(client: TestClient) -> list[tuple[str, str, list[str]]]:
    """Every operation that takes a body, with the media types it reads: those that document a
    JSON body (creates, PATCHes, keys), and the imports."""
    taken = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        url = path.replace("{record_id}", "1")
        for method, operation in operations.items():
            if path.endswith("/import"):
                types = ["application/json", "application/x-ndjson", "text/csv"]
            elif "requestBody" in operation:
                assert list(operation["requestBody"]["content"]) == ["application/json"], path
                types = ["application/json"]
                if method == "patch":
                    types.append("application/merge-patch+json")
            else:
                continue
            taken.append((method.upper(), url, types))
    return taken


REFUSED_MEDIA_TYPES = [
    None,
    "application/x-www-form-urlencoded",  # what curl sends with -d, unless told otherwise
    "text/plain",
    "multipart/form-data; boundary=x",
]


def test_a_body_in_another_media_type_is_a_415_naming_those_read(
    client: TestClient, admin: dict[str, str]
) -> None:
    """A JSON body sent as curl's default form type, as text, or with no `Content-Type` at all:
    the answer names the mistake (the header) and the media types that endpoint reads. Those
    it reads are read whatever their parameters and case."""
    body = b'[{"title": "Never written", "publisher": "Nobody"}]'
    taken = _bodies_taken(client)
    assert len(taken) > 25, taken
    before = client.get("/v1/changes", params={"since": 0, "limit": 1000}).json()["last_id"]
    for method, url, types in taken:
        for content_type in REFUSED_MEDIA_TYPES:
            headers = {**admin, **({"Content-Type": content_type} if content_type else {})}
            response = client.request(method, url, content=body, headers=headers)
            problem = assert_problem(response, 415)
            assert problem["type"] == "/problems/unsupported-media-type", (method, url)
            assert problem["title"] == "Unsupported Media Type"
            assert all(f"`{media_type}`" in problem["detail"] for media_type in types), problem
            sent = content_type.split(";")[0] if content_type else "no `Content-Type`"
            assert sent in problem["detail"]
            if method == "PATCH":  # RFC 5789: the patch documents it reads
                assert response.headers["accept-patch"] == ", ".join(types)
        # Without a key, it is the key that is missing, whatever the body.
        anonymous = client.request(method, url, content=body, headers={"Content-Type": "x/y"})
        assert_problem(anonymous, 401)
        if url.endswith("/import"):
            continue  # an import reads each as its format: tests/test_import.py
        for media_type in types:
            for sent in (media_type, f"{media_type.upper()}; charset=utf-8"):
                # Read, then refused for its unknown field: nothing is written.
                headers = {**admin, "Content-Type": sent}
                wrong = client.request(
                    method, url, content=b'{"no_such_field": 1}', headers=headers
                )
                assert assert_problem(wrong, 422)["errors"], (method, url, sent)
    after = client.get("/v1/changes", params={"since": 0, "limit": 1000}).json()["last_id"]
    assert after == before


ID_PATHS = ["/v1/missions/{}", "/v1/measures/{}/history", "/v1/sources/{}"]


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64, 10**30])
def test_ids_beyond_the_database_are_422s(
    client: TestClient, admin: dict[str, str], number: int
) -> None:
    for template in ID_PATHS:
        assert_problem(client.get(template.format(number)), 422)
    assert_problem(client.patch(f"/v1/events/{number}", json={}, headers=admin), 422)
    assert_problem(client.delete(f"/v1/keys/{number}", headers=admin), 422)
    assert_problem(client.get("/v1/changes", params={"since": number}), 422)


def test_every_id_filter_of_every_list_refuses_ids_beyond_the_database(
    client: TestClient,
) -> None:
    """`?mission_id=8589934591` was a 500 on PostgreSQL (its integer columns cannot hold it):
    every filter by record ids is a 422 for a number no id can be, and for one below 1."""
    checked = 0
    for path, (spec, _) in LISTS.items():
        for name in spec.filters:
            if not name.endswith("_id") or name == "wikidata_id":  # a Wikidata item, not a record
                continue
            for bad in (2**33, -5, 0):
                assert_problem(client.get(path, params={name: f"12,{bad}"}), 422)
            checked += 1
    assert checked == 8


def _integer_fields(value: Any, loc: tuple[str | int, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Where a request example holds a JSON integer (not a boolean)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _integer_fields(inner, (*loc, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _integer_fields(inner, (*loc, index))
    elif isinstance(value, int) and not isinstance(value, bool):
        yield loc


def _with(example: Any, loc: tuple[Any, ...], new: Any) -> Any:
    if not loc:
        return new
    copy = list(example) if isinstance(example, list) else dict(example)
    copy[loc[0]] = _with(example[loc[0]], loc[1:], new)
    return copy


def test_integers_in_bodies_refuse_booleans_and_out_of_range_values(
    client: TestClient, admin: dict[str, str]
) -> None:
    """Every integer of every create example, replaced by `true`, by -1 or by values past
    32 and 64 bits, is a 422 naming that field: never stored as 1, never an overflow 500."""
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    checked = 0
    for path, methods in spec["paths"].items():
        body = methods.get("post", {}).get("requestBody")
        if body is None or path.endswith("/import"):  # an import's rows are create bodies
            continue
        name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        example = schemas[name]["examples"][0]
        for loc in _integer_fields(example):
            for bad in (True, -1, 2**31, 2**64, 10**30):
                response = client.post(path, json=_with(example, loc, bad), headers=admin)
                problem = assert_problem(response, 422)
                assert ["body", *loc] in [e["loc"] for e in problem["errors"]], (path, bad)
                checked += 1
    assert checked >= 40
    patch = client.patch("/v1/measures/1", json={"diplomats_count": 2**64}, headers=admin)
    assert_problem(patch, 422)
    assert client.get("/v1/measures/1").json()["diplomats_count"] == 300  # nothing written


def test_405_lists_every_method_of_the_path(client: TestClient) -> None:
    for method, path, allowed in [
        ("PUT", "/v1/missions/1", "GET, HEAD, PATCH, DELETE"),
        ("DELETE", "/v1/missions", "GET, HEAD, POST"),
        ("POST", "/v1/countries/RU", "GET, HEAD"),
        ("TRACE", "/v1/talks", "GET, HEAD, POST"),
        ("TRACE", "/healthz", "GET, HEAD"),
    ]:
        response = client.request(method, path)
        assert_problem(response, 405)
        assert response.headers["allow"] == allowed, (method, path)
        assert allowed in response.json()["detail"]
    # TRACE never echoes the request back, wherever it is sent.
    trace = client.request("TRACE", "/nowhere", headers={"X-Secret": "echo-me"})
    assert_problem(trace, 404)
    assert "echo-me" not in trace.text


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    for path in ("/v1/missions", "/v1/missions/1", "/healthz", "/v1/measures?format=csv"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b""
        assert head.headers.get("etag") == got.headers.get("etag")
        assert head.headers["content-type"] == got.headers["content-type"]


def test_security_headers_on_every_response(client: TestClient) -> None:
    for response in (
        client.get("/v1/missions"),
        client.get("/v1/missions/424242"),
        client.get("/docs"),
        client.get("/openapi.json"),
        client.put("/v1/missions/1"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "strict-transport-security" not in response.headers  # plain HTTP here
    assert "default-src 'none'" in client.get("/v1/talks").headers["content-security-policy"]
    over_https = TestClient(client.app, base_url="https://api.example")
    assert over_https.get("/healthz").headers["strict-transport-security"].startswith("max-age=")


def test_cors_never_pairs_an_origin_with_credentials(client: TestClient) -> None:
    origin = {"Origin": "https://dashboard.example"}
    for response in (
        client.get("/v1/talks", headers={**origin, "Cookie": "session=1"}),
        client.get("/v1/talks", headers={**origin, "Authorization": "Bearer dk_x_y"}),
        client.options(
            "/v1/talks",
            headers={**origin, "Access-Control-Request-Method": "GET", "Cookie": "session=1"},
        ),
    ):
        assert response.status_code == 200
        assert "access-control-allow-credentials" not in response.headers
        assert response.headers["access-control-allow-origin"] == "*"
    # Browsers may read why they must wait.
    assert "retry-after" in client.get("/v1/talks", headers=origin).headers[
        "access-control-expose-headers"
    ].lower().replace(" ", "").split(",")


def test_every_error_is_documented_as_problem_json(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            responses = operation["responses"]
            for status, response in responses.items():
                if status[0] in "45":
                    assert list(response.get("content", {})) == [PROBLEM], (where, status)
            if "requestBody" in operation:
                assert {"400", "413"} <= set(responses), where
            if method in ("post", "patch", "delete"):
                assert "413" in responses, where
                assert operation.get("security") == [{"ApiKey": []}], where
            if path.startswith("/v1/"):
                assert "429" in responses, where


def test_every_setting_is_in_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert {name.upper() for name in Settings.model_fields} <= documented


def test_a_method_a_path_lacks_is_a_405_even_where_an_id_could_stand(client: TestClient) -> None:
    """`/v1/events/import` takes POST only; PATCH there is not a PATCH of a record 'import'."""
    response = client.patch("/v1/events/import", json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"] == "application/problem+json"
