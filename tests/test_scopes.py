"""Who may write: every route the OpenAPI document guards with an API key, tried with no key, a
revoked key and a key of too small a scope. Each is refused (401 with `WWW-Authenticate`, or
403) as problem+json and writes nothing; then the right key makes the same request succeed,
so the refusals were of requests that would have written.

The routes and the scope each needs come from `/openapi.json` (the operation's security and
its description's "`write` scope" / "`admin` scope"), so a new route is covered as it comes.
"""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import NewDatabase, make_key, seeded
from tests.test_writes import new

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as documented: /v1/events/{record_id}/restore
    scope: str  # the scope it documents: write or admin

    @property
    def resource(self) -> str:
        return self.path.split("/")[2]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def guarded_operations(openapi: dict[str, Any]) -> list[Operation]:
    """Every operation that requires an API key (a key that is optional, `{}`, does not count)."""
    found = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            security = operation.get("security", [])
            if not security or {} in security:
                continue
            scopes = set(re.findall(r"`(write|admin)` scope", operation.get("description", "")))
            assert len(scopes) == 1, f"{method} {path} does not say which scope it needs"
            found.append(Operation(method, path, scopes.pop()))
    return found


OPERATIONS = guarded_operations(create_app().openapi())
# What each scope does not grant: a key of every smaller scope is refused with a 403.
TOO_SMALL = {"write": ["read"], "admin": ["read", "write"]}


def test_every_write_is_guarded() -> None:
    """Nothing that changes data is public: every POST, PATCH and DELETE needs a key."""
    openapi = create_app().openapi()
    writes = {
        (method, path)
        for path, operations in openapi["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }
    assert writes <= {(o.method, o.path) for o in OPERATIONS}
    assert len(writes) > 40
    # Restoring deleted records and managing keys are for admins.
    for operation in OPERATIONS:
        admin_only = operation.path.endswith("/restore") or operation.resource == "keys"
        assert (operation.scope == "admin") == admin_only, operation


@dataclass
class Keys:
    url: str
    headers: dict[str, dict[str, str]]  # by scope, and "revoked" (an admin key, revoked)


@pytest.fixture(scope="module")
def keys(new_database: NewDatabase) -> Keys:
    url = seeded(new_database)
    headers = {scope: make_key(url, scope) for scope in ("read", "write", "admin")}
    return Keys(url, headers)


@pytest.fixture(scope="module")
def api(keys: Keys) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=keys.url))) as client:
        admin = keys.headers["admin"]
        made = client.post(
            "/v1/keys", json={"name": "to revoke", "scopes": ["admin"]}, headers=admin
        )
        assert made.status_code == 201, made.text
        revoked = client.delete(f"/v1/keys/{made.json()['id']}", headers=admin)
        assert revoked.status_code == 200, revoked.text
        keys.headers["revoked"] = {"Authorization": f"Bearer {made.json()['key']}"}
        yield client


def _body(resource: str) -> dict[str, Any]:
    if resource == "keys":
        return {"name": "made by the scope test", "scopes": ["admin"]}
    return new(resource)


def _request(api: TestClient, operation: Operation, admin: dict[str, str]) -> dict[str, Any]:
    """What to send: a request the right key would see succeed, on a record made for it."""
    path, resource = operation.path, operation.resource
    kwargs: dict[str, Any] = {}
    if "{record_id}" in path:
        if resource == "keys":
            made = api.post("/v1/keys", json=_body("keys"), headers=admin)
        else:
            made = api.post(f"/v1/{resource}", json=_body(resource), headers=admin)
        assert made.status_code == 201, made.text
        record_id = made.json()["id"]
        if path.endswith("/restore"):
            gone = api.delete(f"/v1/{resource}/{record_id}", headers=admin)
            assert gone.status_code == 204, gone.text
        path = path.replace("{record_id}", str(record_id))
    assert "{" not in path, f"{operation}: no value for its path parameters"
    if path.endswith("/import"):
        kwargs["json"] = [_body(resource)]
    elif operation.method == "patch":
        kwargs["json"] = {"ref": f"patched-{uuid.uuid4().hex[:8]}"}
    elif operation.method == "post" and not path.endswith("/restore"):
        kwargs["json"] = _body(resource)
    return {"method": operation.method.upper(), "url": path, **kwargs}


def _newest_change(api: TestClient) -> int:
    since = 0
    while True:
        feed = api.get("/v1/changes", params={"since": since, "limit": 1000}).json()
        if not feed["items"]:
            return since
        since = feed["last_id"]


def _records(api: TestClient, resource: str, admin: dict[str, str]) -> Any:
    if resource == "keys":
        listed = api.get("/v1/keys", headers=admin)
    else:
        listed = api.get(f"/v1/{resource}", params={"limit": 1000})
    assert listed.status_code == 200, listed.text
    return listed.json()["items"]


def _refused(response: Any, status: int, operation: Operation, who: str) -> None:
    assert response.status_code == status, f"{operation} with {who}: {response.text}"
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer"), who


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_a_guarded_route_refuses_keys_that_may_not_and_writes_nothing(
    api: TestClient, keys: Keys, operation: Operation
) -> None:
    admin = keys.headers["admin"]
    request = _request(api, operation, admin)
    records = _records(api, operation.resource, admin)
    newest = _newest_change(api)

    _refused(api.request(**request), 401, operation, "no key")
    _refused(api.request(**request, headers=keys.headers["revoked"]), 401, operation, "revoked")
    for scope in TOO_SMALL[operation.scope]:
        forbidden = api.request(**request, headers=keys.headers[scope])
        _refused(forbidden, 403, operation, f"a {scope} key")
        assert "insufficient_scope" in forbidden.headers["www-authenticate"]

    # Nothing written: the same records, and no change logged since.
    assert _records(api, operation.resource, admin) == records, f"{operation} wrote"
    assert api.get("/v1/changes", params={"since": newest}).json()["items"] == []
    # The same request with a key that may: it goes through.
    allowed = api.request(**request, headers=keys.headers[operation.scope])
    assert 200 <= allowed.status_code < 300, f"{operation}: {allowed.text}"


@pytest.mark.parametrize(
    ("header", "said"),
    [
        ("{key}", "is not a `Bearer` one"),  # the key alone
        ("Token {key}", "is not a `Bearer` one"),
        ("Basic {key}", "is not a `Bearer` one"),
        ("Bearer", "holds no key after `Bearer`"),
        ("Bearer   ", "holds no key after `Bearer`"),
    ],
)
def test_a_key_sent_without_the_bearer_scheme_is_told_how_to_send_it(
    api: TestClient, keys: Keys, header: str, said: str
) -> None:
    """`Authorization: <key>` or `Token <key>` is a 401 that says what is wrong with the header
    and how to send the key, and never repeats the header (it may be the key)."""
    key = keys.headers["write"]["Authorization"].removeprefix("Bearer ")
    before = _newest_change(api)
    response = api.post(
        "/v1/events", json=new("events"), headers={"Authorization": header.format(key=key)}
    )
    _refused(response, 401, Operation("post", "/v1/events", "write"), header)
    detail = response.json()["detail"]
    assert said in detail
    assert "`Authorization: Bearer <key>`" in detail
    assert key not in response.text
    assert _newest_change(api) == before
    # No header at all: the key is missing, and the answer says how to send one.
    missing = api.post("/v1/events", json=new("events")).json()["detail"]
    assert (
        missing == "This needs an API key: send it as `Authorization: Bearer <key>` (the "
        "word Bearer, a space, then the key)."
    )
