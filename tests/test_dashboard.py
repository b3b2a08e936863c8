"""The dashboard end to end: `diplo serve` on a database of its own, the page loaded in headless
Chromium (Debian's package, installed by .ci/install-chromium), its DOM and its layout read
back from the browser.

Screenshots go to screenshots/ (per database and width), for people to look at."""

import os
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import CHROMIUM, DevTools, chromium
from tests.conftest import NewDatabase, make_key
from tests.test_faults import serving

ROOT = Path(__file__).parent.parent
SCREENSHOTS = ROOT / "screenshots"
GEOMETRY = (Path(__file__).parent / "geometry.js").read_text()
PAIR = "/dashboard/RU/US"
READY = "document.body.dataset.state === 'ready'"
# A common laptop, and a phone (an iPhone 12 to 15 is 390 CSS pixels wide).
WIDTHS = [(1280, False), (390, True)]
# The article's facts, quoted by every record the tests add.
QUOTE = {"source_id": 1, "quote": "the number of diplomats"}


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


@pytest.fixture(scope="module")
def server(new_database: NewDatabase) -> Iterator[tuple[str, str]]:
    """`diplo serve` (migrate, seed, serve) on a database of its own; yields its base URL and
    database URL."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it with .ci/install-chromium")
        pytest.skip("chromium is not installed (bash .ci/install-chromium); CI always runs this")
    url = new_database()
    with serving(url) as (base, _):
        yield base, url


@pytest.fixture(scope="module")
def browser(server: tuple[str, str]) -> Iterator[DevTools]:
    with DevTools() as devtools:
        yield devtools


@pytest.fixture(scope="module")
def headcounts(server: tuple[str, str]) -> list[dict[str, Any]]:
    """Headcounts of RU–US, posted through the API (the article gives none)."""
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
                "citations": [QUOTE],
            },
        )
        assert response.status_code == 201, response.text
        posted.append(response.json())
    return posted


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


def screenshot(base: str, database_url: str, width: int, height: int) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    shot = SCREENSHOTS / f"dashboard-RU-US-{backend}-{width}.png"
    shot.unlink(missing_ok=True)
    chromium(base + PAIR, f"--screenshot={shot}", f"--window-size={width},{height}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    return shot


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


def test_the_chart_draws_the_headcounts(
    server: tuple[str, str], headcounts: list[dict[str, Any]]
) -> None:
    base, _ = server
    page = ready_page(base)
    drawn = points(page)
    assert sorted((p["data-date"], int(p["data-count"])) for p in drawn) == sorted(
        (p["as_of"], p["count"]) for p in headcounts
    )
    series = {p["data-series"] for p in drawn}
    assert series == {"RU in US: actual", "RU in US: cap", "US in RU: actual"}
    text = " ".join(page.text)
    assert f"{398 / 150:.2f}" in text  # parity of the latest actual counts, as the API gives it


@pytest.mark.parametrize(("width", "mobile"), WIDTHS)
def test_the_layout_fits_the_screen_and_quotes_get_the_width(
    server: tuple[str, str],
    browser: DevTools,
    headcounts: list[dict[str, Any]],
    width: int,
    mobile: bool,
) -> None:
    base, database_url = server
    tab = browser.open(base + PAIR, width, READY, mobile=mobile)
    page = browser.evaluate(tab, GEOMETRY)
    # Nothing is off-screen: no sideways scrolling, no element past either edge.
    assert page["width"] == width
    assert page["scrollWidth"] <= width, page["outside"]
    assert page["outside"] == []
    assert page["overlaps"] == []
    # Every timeline card gives most of its width to each of its quotes.
    cards = page["cards"]
    # The article's 6 dated facts (the threatened closures, the 2 freezes, the talks, Nuland's
    # visit, the strain in relations) and the headcounts.
    assert len(cards) == 6 + len(headcounts), cards
    quoted = [card for card in cards if card["quotes"]]
    assert quoted
    for card in quoted:
        for quote in card["quotes"]:
            assert quote > 0.6 * card["width"], card
    screenshot(base, database_url, width, page["height"])


def test_the_page_offers_the_pairs_that_have_data_first(
    server: tuple[str, str], browser: DevTools
) -> None:
    base, database_url = server
    response = httpx.post(
        f"{base}/v1/missions",
        headers=make_key(database_url, "write"),
        json={"sending_country": "FR", "host_country": "DE", "kind": "embassy"}
        | {"status": "operating", "citations": [QUOTE]},
    )
    assert response.status_code == 201, response.text

    # Without the browser's cache: the lists the page counts pairs from were read by the tests
    # before (the pair page reads them too) and may be kept for CACHE_MAX_AGE seconds, as any
    # browser may; the test is about what the page makes of the data, not about caching.
    tab = browser.open(base + "/dashboard", 1280, READY, cache=False)
    pairs = browser.evaluate(
        tab,
        """[...document.querySelectorAll("#pairs li")].filter((li) => li.offsetHeight)
           .map((li) => [li.querySelector("a").getAttribute("href"), li.textContent])""",
    )
    # The article's pair (its 2 embassies, 4 measures, 1 dispute, 2 events naming both), then
    # the pair of the mission just added; no other pair has a record.
    assert pairs == [
        [
            "/dashboard/RU/US",
            "Russian Federation – United States 2 missions · 4 measures · 1 dispute · 2 events",
        ],
        ["/dashboard/DE/FR", "Germany – France 1 mission"],
    ]

    # Any two countries can still be picked, the ones with data first.
    tab = browser.open(base + PAIR, 1280, READY, cache=False)
    groups = browser.evaluate(
        tab,
        """Object.fromEntries(["country-a", "country-b"].map((id) => [id,
             [...document.getElementById(id).querySelectorAll("optgroup")]
               .map((g) => [g.label, [...g.children].map((o) => o.value)])]))""",
    )
    everyone = len(httpx.get(f"{base}/v1/countries?limit=1000").json()["items"])
    (first_label, first), (_, others) = groups["country-a"]
    assert (first_label, first) == ("With data", ["FR", "DE", "RU", "US"])  # by name
    assert len(first) + len(others) == everyone
    (partners_label, partners), (_, others) = groups["country-b"]
    assert (partners_label, partners) == ("With data for Russian Federation", ["US"])
    assert len(partners) + len(others) == everyone


def test_without_javascript_the_page_says_so_and_where_the_json_is(
    server: tuple[str, str], browser: DevTools
) -> None:
    base, _ = server
    ready = "document.readyState === 'complete'"
    tab = browser.open(base + PAIR, 390, ready, mobile=True, scripts=False)
    text = browser.evaluate(tab, "document.body.innerText")
    assert "This page needs JavaScript" in text
    assert "Country" not in text  # the form, which cannot work without it, is not shown
    links = browser.evaluate(
        tab, '[...document.querySelectorAll("#noscript a")].map((a) => a.getAttribute("href"))'
    )
    assert "/v1/relations/RU/US" in links
    for link in links:
        response = httpx.get(base + link)
        assert response.status_code == 200, link
        if link.startswith("/v1/"):
            assert response.headers["content-type"] == "application/json", link
    page = browser.evaluate(tab, GEOMETRY)
    assert page["outside"] == []
    assert page["scrollWidth"] <= 390
