"""Trust: keys and scopes, the change history, restore, the feed, ETags and lost updates."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.config import Settings
from app.main import create_app
from tests.conftest import NewDatabase, make_key, seeded

CITE = [{"source_id": 1, "quote": "Moscow does not rule out"}]
EVENT = {
    "date": "2021-10-14",
    "kind": "other",
    "summary": "A thing.",
    "countries": ["RU"],
    "citations": CITE,
}


@pytest.fixture(scope="module")
def db_url(new_database: NewDatabase) -> str:
    url = seeded(new_database)
    return url


@pytest.fixture(scope="module")
def api(db_url: str) -> Iterator[TestClient]:
    """An anonymous client: each test adds the key it means to use."""
    with TestClient(create_app(Settings(database_url=db_url))) as client:
        yield client


@pytest.fixture(scope="module")
def keys(db_url: str) -> dict[str, dict[str, str]]:
    return {scope: make_key(db_url, scope) for scope in ("read", "write", "admin")}


def _key_id(api: TestClient, keys: dict[str, dict[str, str]], scope: str) -> int:
    listed = api.get("/v1/keys", headers=keys["admin"]).json()["items"]
    return int(next(k["id"] for k in listed if k["name"] == f"test-{scope}"))


def test_writes_need_a_key_with_the_write_scope(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    before = api.get("/v1/events", params={"count": "true"}).json()["total"]
    for headers, status in (
        ({}, 401),
        ({"Authorization": "Bearer dk_000000000000_nope"}, 401),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 401),
        (keys["read"], 403),
    ):
        response = api.post("/v1/events", json=EVENT, headers=headers)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
        secret = headers.get("Authorization", "").removeprefix("Bearer ")
        assert not secret or secret not in response.text
    assert api.get("/v1/events", params={"count": "true"}).json()["total"] == before
    assert api.post("/v1/events", json=EVENT, headers=keys["write"]).status_code == 201
    assert api.post("/v1/events", json=EVENT, headers=keys["admin"]).status_code == 201


def test_admins_manage_keys_and_a_revoked_key_stops_working(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    assert (
        api.post(
            "/v1/keys", json={"name": "x", "scopes": ["write"]}, headers=keys["write"]
        ).status_code
        == 403
    )
    made = api.post("/v1/keys", json={"name": "a\x00b", "scopes": ["read"]}, headers=keys["admin"])
    assert made.status_code == 422  # PostgreSQL cannot store a NUL character: it was a 500
    assert made.json()["errors"][0]["loc"] == ["body", "name"]
    made = api.post("/v1/keys", json={"name": "temp", "scopes": ["write"]}, headers=keys["admin"])
    assert made.status_code == 201
    key = made.json()["key"]
    listed = api.get("/v1/keys", headers=keys["admin"])
    assert key not in listed.text
    assert all("key" not in k and "secret_hash" not in k for k in listed.json()["items"])
    headers = {"Authorization": f"Bearer {key}"}
    assert api.post("/v1/events", json=EVENT, headers=headers).status_code == 201
    revoked = api.delete(f"/v1/keys/{made.json()['id']}", headers=keys["admin"])
    assert revoked.json()["revoked_at"] is not None
    for moment in (revoked.json()["created_at"], revoked.json()["revoked_at"]):
        assert dt.datetime.fromisoformat(moment).utcoffset() == dt.timedelta(0)
    assert api.post("/v1/events", json=EVENT, headers=headers).status_code == 401


def test_history_records_who_when_and_what(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    created = api.post("/v1/events", json=EVENT, headers=keys["write"]).json()
    path = f"/v1/events/{created['id']}"
    api.patch(path, json={"summary": "A clearer account."}, headers=keys["admin"])
    api.patch(path, json={"summary": "A clearer account."}, headers=keys["admin"])  # no-op
    history = api.get(f"{path}/history").json()["items"]
    assert [h["action"] for h in history] == ["update", "create"]
    update, create = history
    assert update["key_id"] == _key_id(api, keys, "admin")
    assert create["key_id"] == _key_id(api, keys, "write")
    assert update["changed"] == ["summary"]
    assert update["before"] == {"summary": "A thing."}
    assert update["after"] == {"summary": "A clearer account."}
    assert create["before"] is None
    assert create["after"]["countries"] == ["RU"]
    assert update["at"] >= create["at"]
    assert update["id"] > create["id"]
    # Times are RFC 3339 with their zone, on SQLite as on PostgreSQL.
    for entry in history:
        assert dt.datetime.fromisoformat(entry["at"]).utcoffset() == dt.timedelta(0)


def test_deleted_records_history_is_for_admins_and_they_can_restore(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    created = api.post("/v1/events", json=EVENT, headers=keys["write"]).json()
    path = f"/v1/events/{created['id']}"
    assert api.delete(path, headers=keys["write"]).status_code == 204
    assert api.get(f"{path}/history").status_code == 401
    assert api.get(f"{path}/history", headers=keys["write"]).status_code == 403
    history = api.get(f"{path}/history", headers=keys["admin"]).json()["items"]
    assert [h["action"] for h in history] == ["delete", "create"]
    assert history[0]["before"]["summary"] == "A thing."

    assert api.post(f"{path}/restore", headers=keys["write"]).status_code == 403
    restored = api.post(f"{path}/restore", headers=keys["admin"])
    assert restored.status_code == 201
    assert restored.json() == created
    assert api.get(path).json() == created
    assert api.post(f"{path}/restore", headers=keys["admin"]).status_code == 409
    actions = [h["action"] for h in api.get(f"{path}/history").json()["items"]]
    assert actions == ["restore", "delete", "create"]


def test_feed_lists_every_change_in_order_and_resumes(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    everything: list[dict[str, Any]] = []
    since = 0
    while True:
        page = api.get("/v1/changes", params={"since": since, "limit": 7}).json()
        everything += page["items"]
        since = page["last_id"]
        if page["next_cursor"] is None:
            break
    ids = [c["id"] for c in everything]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {c["resource"] for c in everything} >= {"sources", "missions", "talks"}  # the seed

    created = api.post("/v1/events", json=EVENT, headers=keys["write"]).json()
    api.delete(f"/v1/events/{created['id']}", headers=keys["write"])
    new = api.get("/v1/changes", params={"since": since}).json()
    assert [(c["action"], c["url"]) for c in new["items"]] == [
        ("create", f"/v1/events/{created['id']}"),
        ("delete", f"/v1/events/{created['id']}"),
    ]
    assert new["items"][1]["before"] is None  # the public feed does not replay deleted values
    assert (new["next_cursor"], new["last_id"]) == (None, new["items"][-1]["id"])


def test_record_etag_and_not_modified(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    created = api.post("/v1/events", json=EVENT, headers=keys["write"])
    path = created.headers["location"]
    first = api.get(path)
    etag = first.headers["etag"]
    assert etag == created.headers["etag"]
    assert api.get(path, headers={"If-None-Match": etag}).status_code == 304
    api.patch(path, json={"kind": "incident"}, headers=keys["write"])
    changed = api.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_list_etag_changes_with_any_write_and_304_costs_one_query(
    api: TestClient, keys: dict[str, dict[str, str]]
) -> None:
    first = api.get("/v1/missions")
    etag = first.headers["etag"]
    engine = api.app.state.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def count(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):
            statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        # The worker kept the answer: its 304 costs no query at all.
        kept = api.get("/v1/missions", headers={"If-None-Match": etag})
        assert (kept.status_code, kept.headers["X-Cache"], statements) == (304, "hit", [])
        # A request with a key passes the cache by: its 304 costs one query, max(change.id).
        keyed = api.get("/v1/missions", headers={"If-None-Match": etag, **keys["write"]})
        assert keyed.status_code == 304
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    csv = api.get("/v1/missions", params={"format": "csv"})
    assert csv.headers["etag"] != etag  # another representation, another tag
    api.post("/v1/events", json=EVENT, headers=keys["write"])
    # The answer the worker kept stands (the missions show no event): its tag still names the
    # same body. The counter moved: the list made afresh has a new tag.
    assert api.get("/v1/missions", headers={"If-None-Match": etag}).status_code == 304
    fresh = api.get("/v1/missions", headers={"If-None-Match": etag, "Cache-Control": "no-cache"})
    assert fresh.status_code == 200
    assert fresh.content == first.content
    mission = first.json()["items"][0]
    changed = api.patch(
        f"/v1/missions/{mission['id']}", json={"city": "Renamed"}, headers=keys["write"]
    )
    assert changed.status_code == 200, changed.text
    assert api.get("/v1/missions", headers={"If-None-Match": etag}).status_code == 200


def test_two_editors_the_second_gets_412(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    created = api.post("/v1/events", json=EVENT, headers=keys["write"])
    path, seen = created.headers["location"], created.headers["etag"]
    alice = api.patch(
        path, json={"summary": "Alice's account."}, headers={**keys["write"], "If-Match": seen}
    )
    assert alice.status_code == 200
    bob = api.patch(
        path, json={"summary": "Bob's account."}, headers={**keys["write"], "If-Match": seen}
    )
    assert bob.status_code == 412
    assert bob.headers["content-type"] == "application/problem+json"
    assert api.get(path).json()["summary"] == "Alice's account."
    stale_delete = api.delete(path, headers={**keys["write"], "If-Match": seen})
    assert stale_delete.status_code == 412
    assert api.get(path).status_code == 200
    fresh = api.delete(path, headers={**keys["write"], "If-Match": alice.headers["etag"]})
    assert fresh.status_code == 204


def test_if_match_is_optional_unless_the_server_requires_it(
    api: TestClient, db_url: str, keys: dict[str, dict[str, str]]
) -> None:
    created = api.post("/v1/events", json=EVENT, headers=keys["write"])
    path, seen = created.headers["location"], created.headers["etag"]
    settings = Settings(database_url=db_url, require_if_match=True)
    with TestClient(create_app(settings), headers=keys["write"]) as strict:
        for refused in (
            strict.patch(path, json={"summary": "Unseen."}),
            strict.patch(path, json={"summary": "Unseen."}, headers={"If-Match": "*"}),
            strict.delete(path),
            strict.delete(path, headers={"If-Match": "*"}),
        ):
            assert refused.status_code == 428, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert f"GET {path}" in refused.json()["detail"]
            assert "`If-Match`" in refused.json()["detail"]
        assert strict.get(path).json() == created.json()
        changed = strict.patch(path, json={"summary": "Seen."}, headers={"If-Match": seen})
        assert changed.status_code == 200
        stale = strict.delete(path, headers={"If-Match": seen})
        assert stale.status_code == 412
        assert strict.delete(path, headers={"If-Match": changed.headers["etag"]}).status_code == 204
        # Creating needs no version: there is none yet.
        assert strict.post("/v1/events", json=EVENT).status_code == 201
        operations = strict.get("/openapi.json").json()["paths"]["/v1/events/{record_id}"]
        for method in ("patch", "delete"):
            assert "428" in operations[method]["responses"]
    # By default a write without `If-Match` goes through.
    other = api.post("/v1/events", json=EVENT, headers=keys["write"]).headers["location"]
    assert api.patch(other, json={"summary": "Blind."}, headers=keys["write"]).status_code == 200
    assert api.delete(other, headers=keys["write"]).status_code == 204


def test_a_records_history_is_public_and_documented_so(api: TestClient) -> None:
    """The key is optional on a history (admins need it for deleted records only)."""
    operation = api.get("/openapi.json").json()["paths"]["/v1/events/{record_id}/history"]["get"]
    assert {} in operation["security"]
    assert {"ApiKey": []} in operation["security"]
    assert api.get("/v1/events/1/history").status_code == 200
