"""The `diplo` command as `make run` and the Dockerfile use it: a real process, a real port."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import NewDatabase

DIPLO = str(Path(sys.executable).parent / "diplo")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _diplo(url: str, *args: str) -> str:
    result = subprocess.run(
        [DIPLO, *args],
        env=os.environ | {"DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def served(new_database: NewDatabase) -> Iterator[str]:
    """`diplo serve` on an empty database; yields its base URL."""
    port = _free_port()
    env = os.environ | {"DATABASE_URL": new_database(), "PORT": str(port), "LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [DIPLO, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts slowly; a hang still fails
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("diplo serve did not become ready in 60 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_migrates_seeds_and_answers(served: str) -> None:
    expulsions = httpx.get(f"{served}/v1/expulsions").json()["items"]
    assert [e["diplomats_count"] for e in expulsions] == [300]
    assert expulsions[0]["citations"][0]["quote"]
    talks = httpx.get(f"{served}/v1/talks").json()["items"]
    assert talks[0]["city"] == "Moscow"
    assert httpx.get(f"{served}/docs").status_code == 200


def test_db_commands_and_seed_twice(new_database: NewDatabase) -> None:
    url = new_database()
    assert "head" in _diplo(url, "db", "upgrade")
    first = _diplo(url, "seed")
    second = _diplo(url, "seed")
    assert "0 rows inserted" not in first
    assert "0 rows inserted, 0 updated, 0 deleted" in second
    assert "base" in _diplo(url, "db", "downgrade")
    assert "head" in _diplo(url, "db", "upgrade")


def test_keys_from_the_cli(new_database: NewDatabase) -> None:
    url = new_database()
    _diplo(url, "db", "upgrade")
    created = _diplo(url, "keys", "create", "--name", "ci-editor", "--scope", "write")
    key = created.strip().splitlines()[-1]
    assert key.startswith("dk_")
    listed = _diplo(url, "keys", "list")
    assert "ci-editor" in listed
    assert "write" in listed
    assert "active" in listed
    assert key not in listed
    key_id = listed.split()[0]
    assert "revoked" in _diplo(url, "keys", "revoke", key_id)
    assert "revoked" in _diplo(url, "keys", "list")


def test_restore_from_the_cli(new_database: NewDatabase) -> None:
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app
    from tests.conftest import make_key

    url = new_database()
    _diplo(url, "db", "upgrade")
    _diplo(url, "seed")
    with TestClient(create_app(Settings(database_url=url)), headers=make_key(url, "write")) as api:
        event = api.get("/v1/events").json()["items"][0]
        assert api.delete(f"/v1/events/{event['id']}").status_code == 204
        assert "Restored" in _diplo(url, "restore", "events", str(event["id"]))
        assert api.get(f"/v1/events/{event['id']}").json() == event
