"""Bulk import: all or nothing, every bad row reported, idempotent by `ref`, round-trips
with the exports, on both databases."""

import csv
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import NewDatabase, make_key, seeded
from tests.test_cli import DIPLO, _diplo

CITE = [{"source_id": 1, "quote": "the number of diplomats"}]
RESOURCES = [
    "missions",
    "headcounts",
    "measures",
    "visa-disputes",
    "talks",
    "officials",
    "events",
    "sources",
]


@pytest.fixture(scope="module")
def db(new_database: NewDatabase) -> str:
    url = seeded(new_database)
    return url


@pytest.fixture(scope="module")
def api(db: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=db)), headers=make_key(db, "write")) as client:
        yield client


def headcounts(count: int, prefix: str, **changes: Any) -> list[dict[str, Any]]:
    return [
        {
            "ref": f"{prefix}-{i}",
            "sending_country": "RU",
            "host_country": "US",
            "as_of": f"{2000 + i % 20}-01-01",
            "category": "diplomatic",
            "kind": "cap",
            "count": i,
            "citations": CITE,
            **changes,
        }
        for i in range(count)
    ]


def total(api: TestClient, resource: str) -> int:
    count: int = api.get(f"/v1/{resource}", params={"count": "true", "limit": 1}).json()["total"]
    return count


def changes(api: TestClient) -> int:
    return int(api.get("/v1/changes", params={"since": 0, "limit": 1000}).json()["next_cursor"])


def send(api: TestClient, resource: str, body: bytes, media_type: str, **params: Any) -> Any:
    return api.post(
        f"/v1/{resource}/import", content=body, params=params, headers={"Content-Type": media_type}
    )


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: orjson.dumps(v).decode() if isinstance(v, list) else v for k, v in row.items()}
        )
    return out.getvalue().encode()


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_import_creates_then_a_second_import_changes_nothing(api: TestClient, fmt: str) -> None:
    rows = headcounts(25, f"imp-{fmt}")
    body, media_type = {
        "json": (orjson.dumps(rows), "application/json"),
        "ndjson": (b"\n".join(orjson.dumps(r) for r in rows), "application/x-ndjson"),
        "csv": (as_csv(rows), "text/csv"),
    }[fmt]
    before = total(api, "headcounts")
    first = send(api, "headcounts", body, media_type)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "dry_run": False,
        "rows": 25,
        "created": 25,
        "updated": 0,
        "unchanged": 0,
    }
    assert total(api, "headcounts") == before + 25
    logged = changes(api)
    again = send(api, "headcounts", body, media_type)
    assert again.json()["unchanged"] == 25
    assert total(api, "headcounts") == before + 25
    assert changes(api) == logged
    imported = api.get("/v1/headcounts", params={"sort": "-id", "limit": 1}).json()["items"][0]
    assert imported["citations"] == CITE
    history = api.get(f"/v1/headcounts/{imported['id']}/history").json()["items"]
    assert [h["action"] for h in history] == ["create"]
    assert history[0]["key_id"] is not None


def test_one_bad_row_rejects_the_file_and_every_bad_row_is_reported(api: TestClient) -> None:
    rows = headcounts(10, "bad")
    rows[2]["count"] = -5
    rows[5]["sending_country"] = "XX"
    rows[5]["category"] = "spies"
    rows[7]["mission_id"] = 424242
    rows[8]["ref"] = rows[1]["ref"]
    before, logged = total(api, "headcounts"), changes(api)
    response = send(api, "headcounts", orjson.dumps(rows), "application/json")
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"].startswith("4 of 10 rows are invalid")
    reported = {(e["row"], e["loc"][2]) for e in problem["errors"]}
    assert reported == {
        (3, "count"),
        (6, "sending_country"),
        (6, "category"),
        (8, "mission_id"),
        (9, "ref"),
    }
    assert total(api, "headcounts") == before
    assert changes(api) == logged


def test_dry_run_reports_and_writes_nothing(api: TestClient) -> None:
    rows = headcounts(5, "dry")
    before = total(api, "headcounts")
    report = send(api, "headcounts", orjson.dumps(rows), "application/json", dry_run="true")
    assert report.json() == {"dry_run": True, "rows": 5, "created": 5, "updated": 0, "unchanged": 0}
    assert total(api, "headcounts") == before


def test_changed_rows_update_by_ref(api: TestClient) -> None:
    rows = headcounts(3, "upd")
    send(api, "headcounts", orjson.dumps(rows), "application/json")
    rows[1]["count"] = 999
    report = send(api, "headcounts", orjson.dumps(rows), "application/json").json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 2)
    found = api.get("/v1/headcounts", params={"sort": "-count", "limit": 1}).json()["items"][0]
    assert (found["ref"], found["count"]) == ("upd-1", 999)


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_export_then_import_round_trips(api: TestClient, resource: str, fmt: str) -> None:
    exported = api.get(f"/v1/{resource}", params={"format": fmt})
    rows = total(api, resource)
    media_type = exported.headers["content-type"].split(";")[0]
    report = send(api, resource, exported.content, media_type)
    assert report.status_code == 200, report.text
    body = report.json()
    with_ref = sum(1 for item in _all(api, resource) if item["ref"])
    assert body["unchanged"] == with_ref
    assert body["updated"] == 0
    assert total(api, resource) == rows + body["created"]


def _all(api: TestClient, resource: str) -> list[dict[str, Any]]:
    text = api.get(f"/v1/{resource}", params={"format": "ndjson"}).text
    return [orjson.loads(line) for line in text.splitlines()]


def test_unreadable_or_unknown_files_are_refused(api: TestClient) -> None:
    assert send(api, "events", b"<xml/>", "application/xml").status_code == 415
    assert send(api, "events", b"[{", "application/json").status_code == 400
    assert send(api, "events", b'{"a": 1}', "application/json").status_code == 400
    assert send(api, "events", b"\xff\xfe", "text/csv").status_code == 400
    anonymous = api.post("/v1/events/import", content=b"[]", headers={"Authorization": ""})
    assert anonymous.status_code == 401


def test_import_from_the_cli(db: str, tmp_path: Path, api: TestClient) -> None:
    path = tmp_path / "headcounts.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in headcounts(4, "cli")))
    assert "4 would be created" in _diplo(db, "import", "headcounts", str(path), "--dry-run")
    assert "4 were created" in _diplo(db, "import", "headcounts", str(path))
    assert "4 unchanged" in _diplo(db, "import", "headcounts", str(path))


def _csv_header(api: TestClient) -> bytes:
    exported: bytes = api.get("/v1/headcounts", params={"format": "csv"}).content
    return exported.split(b"\n")[0] + b"\n"


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        (b"", "application/json"),
        (b" \n\t ", "application/json"),
        (b"[]", "application/json"),
        (b" [ ]\n", "application/json"),
        (b"", "application/x-ndjson"),
        (b"\n\n", "application/x-ndjson"),
        (b"", "text/csv"),
        (b"\r\n", "text/csv"),
        (b"HEADER", "text/csv"),
        (b"HEADER\r\n\r\n", "text/csv"),
    ],
)
def test_a_file_with_no_records_is_refused(api: TestClient, body: bytes, media_type: str) -> None:
    body = body.replace(b"HEADER\r\n", _csv_header(api)).replace(b"HEADER", _csv_header(api))
    before, logged = total(api, "headcounts"), changes(api)
    for dry_run in ("false", "true"):
        response = send(api, "headcounts", body, media_type, dry_run=dry_run)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["detail"].startswith("The file holds no records")
        assert problem["errors"] == [
            {"loc": ["body"], "msg": "holds no records", "type": "empty_import"}
        ]
    assert (total(api, "headcounts"), changes(api)) == (before, logged)


@pytest.mark.parametrize("name", ["empty.csv", "header.csv", "blank.ndjson", "empty.json"])
def test_the_cli_refuses_a_file_with_no_records(
    db: str, tmp_path: Path, api: TestClient, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes({"header.csv": _csv_header(api), "empty.json": b"[]"}.get(name, b"\n"))
    before = total(api, "headcounts")
    result = subprocess.run(
        [DIPLO, "import", "headcounts", str(path)],
        env=os.environ | {"DATABASE_URL": db},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("The file holds no records"), result.stderr
    assert "Traceback" not in result.stderr
    assert total(api, "headcounts") == before
