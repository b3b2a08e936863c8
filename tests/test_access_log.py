"""The access log: one JSON line a request on standard output, or none when turned off."""

import orjson
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.middleware.access_log import LINES


def _logged(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    LINES.flush()
    return [orjson.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def test_every_request_writes_one_line(seeded_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _logged(capsys)  # whatever earlier tests left
    with TestClient(create_app(Settings(database_url=seeded_url, access_log=True))) as client:
        client.get("/v1/countries", params={"q": "russia", "limit": 2})
        client.get("/v1/missions/999999")
    lines = _logged(capsys)
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/v1/countries?q=russia&limit=2", 200),
        ("GET", "/v1/missions/999999", 404),
    ]
    assert all(isinstance(line["ms"], float) and line["ms"] >= 0 for line in lines)
    assert all(str(line["time"]).endswith("+00:00") for line in lines)


def test_access_log_can_be_turned_off(seeded_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _logged(capsys)
    with TestClient(create_app(Settings(database_url=seeded_url, access_log=False))) as quiet:
        assert quiet.get("/v1/countries/RU").status_code == 200
    assert _logged(capsys) == []
