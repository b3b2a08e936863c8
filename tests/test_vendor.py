"""The dashboard's front-end packages: vendored as package-lock.json pins them (`make vendor`;
.ci/run makes them again and fails on a difference) and served from the app, never a CDN."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.dashboard.router import STATIC, VENDOR

ROOT = Path(__file__).parent.parent
SERVED = sorted(p.name for p in VENDOR.iterdir() if p.suffix in (".js", ".json"))


def test_the_vendored_versions_are_the_lock_files() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    pinned = {
        name.removeprefix("node_modules/"): entry["version"] for name, entry in lock.items() if name
    }
    recorded = json.loads((VENDOR / "versions.json").read_text())
    assert recorded == pinned
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert {name: recorded[name] for name in wanted} == wanted
    # Each package whose file is served comes with its licence.
    for package in ("chart.js", "d3-array", "d3-geo", "topojson-client", "world-atlas"):
        assert (VENDOR / f"{package}.LICENSE").read_text().strip()


def test_the_pages_load_nothing_from_elsewhere() -> None:
    for page in STATIC.glob("*.html"):
        for reference in ("http://", "https://", "//cdn"):
            assert f'src="{reference}' not in page.read_text(), page


@pytest.mark.parametrize("name", SERVED)
def test_each_vendored_file_is_served_gzipped_to_those_who_ask(
    client: TestClient, name: str
) -> None:
    plain = client.get(f"/dashboard/assets/vendor/{name}", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert plain.content == (VENDOR / name).read_bytes()
    zipped = client.get(f"/dashboard/assets/vendor/{name}", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes it
    assert "Accept-Encoding" in zipped.headers["vary"]


@pytest.mark.parametrize(
    "name", ["versions.json.LICENSE", "d3-geo.LICENSE", "nothing.js", "..%2Fdashboard.js"]
)
def test_anything_else_is_a_404(client: TestClient, name: str) -> None:
    response = client.get(f"/dashboard/assets/vendor/{name}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
