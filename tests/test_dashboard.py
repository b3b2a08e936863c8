"""The dashboard end to end: a real server on a seeded database, the page loaded in headless
Chromium (Debian's package, installed by .ci/install-chromium), its DOM read back.

Screenshots go to screenshots/ (one per database), for people to look at."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import NewDatabase, make_key, seeded

ROOT = Path(__file__).parent.parent
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAIR = "/dashboard/RU/US"


class Elements(HTMLParser):
    """Every element's tag and attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(dom: str) -> Elements:
    elements = Elements()
    elements.feed(dom)
    return elements


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(new_database: NewDatabase) -> Iterator[tuple[str, str]]:
    """A uvicorn serving a seeded database of its own; yields its base URL and database URL."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it with .ci/install-chromium")
        pytest.skip("chromium is not installed (bash .ci/install-chromium); CI always runs this")
    url = seeded(new_database)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
        + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, "DATABASE_URL": url, "ACCESS_LOG": "false"},
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base, url
    finally:
        process.terminate()
        process.wait(timeout=15)


def chromium(url: str, *options: str) -> str:
    """Loads the page in headless Chromium, lets its scripts run, returns standard output."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=20000",
                *options,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def ready_page(base: str) -> Elements:
    dom = chromium(base + PAIR, "--dump-dom")
    page = parse(dom)
    [body] = [attrs for tag, attrs in page.elements if tag == "body"]
    assert body.get("data-state") == "ready", dom[-3000:]
    return page


def points(page: Elements) -> list[dict[str, Any]]:
    return [
        attrs
        for tag, attrs in page.elements
        if tag == "circle" and "point" in (attrs.get("class") or "").split()
    ]


def test_the_page_tells_the_articles_story(server: tuple[str, str]) -> None:
    base, _ = server
    page = ready_page(base)
    text = " ".join(" ".join(page.text).split())
    for fact in (
        "Russian Federation – United States",
        "embassy",
        "operating",
        "Sergei Ryabkov",
        "Victoria Nuland",
        "I cannot say that we have achieved great progress",
        "Talks in Moscow (RU–US): no progress",
        "U.S. Congress",
        "300 diplomats",
        "mission closure",
        "if implemented",
        "freeze",
        "planned, no date set",
        "U.S. Under Secretary of State Victoria Nuland visits Moscow.",
    ):
        assert fact in text, fact
    # Each quote links to its source.
    sources = [a["href"] for tag, a in page.elements if tag == "a" and a.get("class") == "source"]
    assert sources
    assert set(sources) == {"/v1/sources/1"}
    # The article gives no staff numbers: no chart, and it says so.
    assert points(page) == []
    assert any(attrs.get("id") == "no-chart" for _, attrs in page.elements)


def test_the_chart_draws_the_headcounts(server: tuple[str, str]) -> None:
    base, database_url = server
    headers = make_key(database_url, "write")
    posted = []
    for sending, host, as_of, kind, count in (
        ("RU", "US", "2019-06-01", "actual", 420),
        ("RU", "US", "2020-06-01", "actual", 398),
        ("RU", "US", "2020-01-01", "cap", 455),
        ("US", "RU", "2019-06-01", "actual", 380),
        ("US", "RU", "2020-06-01", "actual", 150),
    ):
        response = httpx.post(
            f"{base}/v1/headcounts",
            headers=headers,
            json={
                "sending_country": sending,
                "host_country": host,
                "as_of": as_of,
                "category": "diplomatic",
                "kind": kind,
                "count": count,
                "citations": [{"source_id": 1, "quote": "the number of diplomats"}],
            },
        )
        assert response.status_code == 201, response.text
        posted.append(response.json())
    page = ready_page(base)
    drawn = points(page)
    assert sorted((p["data-date"], int(p["data-count"])) for p in drawn) == sorted(
        (p["as_of"], p["count"]) for p in posted
    )
    series = {p["data-series"] for p in drawn}
    assert series == {"RU in US: actual", "RU in US: cap", "US in RU: actual"}
    text = " ".join(page.text)
    assert f"{398 / 150:.2f}" in text  # parity of the latest actual counts, as the API gives it

    SCREENSHOTS.mkdir(exist_ok=True)
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    shot = SCREENSHOTS / f"dashboard-RU-US-{backend}.png"
    shot.unlink(missing_ok=True)
    chromium(base + PAIR, f"--screenshot={shot}", "--window-size=1280,2200")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
