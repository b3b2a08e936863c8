"""The world map (`/dashboard/world`) and a country's history (`/dashboard/country/{code}`) in
headless Chromium, served by `diplo serve` on the bundled data sets: what each shape shows is
what `/v1/world` says, the slider and a click do what they say, the layout fits a laptop and a
phone, and a write through another server shows without a reload. Screenshots go to
screenshots/ (per database and width)."""

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser import DevTools, need_chromium
from tests.conftest import make_key
from tests.test_dashboard import GEOMETRY, READY, SCREENSHOTS, parse
from tests.test_faults import serving

WORLD = "/dashboard/world?sender=US&year=1950"
SHAPES = """JSON.stringify([...document.querySelectorAll('#map path.country')].map(p => ({
  iso: p.dataset.iso || null, status: p.dataset.status, fill: p.getAttribute('fill'),
})))"""
YEAR = "Number(document.getElementById('map').dataset.year)"
LIVE = "document.getElementById('live').dataset.live === 'on'"
WIDTHS = [(1280, False), (390, True)]


@pytest.fixture(scope="module")
def server(loaded_copy: Any) -> Iterator[tuple[str, str]]:
    """`diplo serve` on a database holding the seed and every bundled data set."""
    need_chromium()
    url = loaded_copy()
    with serving(url) as (base, _):
        yield base, url


@pytest.fixture(scope="module")
def browser(server: tuple[str, str]) -> Iterator[DevTools]:
    with DevTools() as devtools:
        yield devtools


def shapes(browser: DevTools, tab: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(browser.evaluate(tab, SHAPES))
    return found


def world(base: str, **params: Any) -> dict[str, dict[str, Any]]:
    body = httpx.get(f"{base}/v1/world", params=params, timeout=60).json()
    return {entry["country"]: entry for entry in body["countries"]}


def assert_shows(drawn: list[dict[str, Any]], said: dict[str, dict[str, Any]]) -> None:
    """Each shape of a country the API knows has that country's status; the rest, unknown."""
    named = [shape for shape in drawn if shape["iso"]]
    assert len(named) > 200
    for shape in drawn:
        expected = said[shape["iso"]]["status"] if shape["iso"] else "unknown"
        assert shape["status"] == expected, shape
    # One colour per status (the three non-resident levels share one).
    colours: dict[str, set[str]] = {}
    for shape in drawn:
        key = "nonresident" if shape["status"].endswith("_nonresident") else shape["status"]
        colours.setdefault(key, set()).add(shape["fill"])
    assert all(len(fills) == 1 for fills in colours.values()), colours
    assert len({next(iter(fills)) for fills in colours.values()}) == len(colours)


def wait_for(browser: DevTools, tab: str, condition: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if browser.evaluate(tab, condition):
                return
        except RuntimeError:
            pass  # asked while the page was being replaced: ask the new one
        assert time.monotonic() < deadline, f"never true: {condition}"
        time.sleep(0.05)


def test_the_map_colours_each_country_as_the_api_says(
    server: tuple[str, str], browser: DevTools
) -> None:
    base, _ = server
    tab = browser.open(base + WORLD, 1280, READY)
    drawn = shapes(browser, tab)
    said = world(base, sender="US", year=1950)
    assert_shows(drawn, said)
    by_iso = {shape["iso"]: shape["status"] for shape in drawn if shape["iso"]}
    # Kenkel's data: an embassy in Paris since 1893, none in Beijing after 1949.
    assert (by_iso["FR"], by_iso["CN"], by_iso["US"]) == ("embassy", "none", "sender")
    # States that no longer exist are listed beside the map, with their status.
    listed = json.loads(
        browser.evaluate(
            tab,
            "JSON.stringify([...document.querySelectorAll('#elsewhere li')]"
            ".map(li => [li.dataset.iso, li.dataset.status]))",
        )
    )
    assert ["YUCS", said["YUCS"]["status"]] in listed
    # The legend counts what the API counts.
    legend = browser.evaluate(tab, "document.getElementById('legend').innerText")
    assert f"Embassy ({sum(e['status'] == 'embassy' for e in said.values())})" in legend
    # Hovering a country tells its status, since when and the quote behind it.
    browser.evaluate(
        tab,
        """(() => { const p = document.querySelector('#map path[data-iso="FR"]');
        const box = p.getBoundingClientRect();
        p.dispatchEvent(new MouseEvent('mousemove', {bubbles: true,
          clientX: box.left + box.width / 2, clientY: box.top + box.height / 2})); })()""",
    )
    tip = browser.evaluate(tab, "document.getElementById('tip').innerText")
    assert "France" in tip
    assert "Embassy" in tip
    assert said["FR"]["citation"]["quote"][:40] in tip


def test_the_slider_changes_the_year_shown_and_the_link_to_it(
    server: tuple[str, str], browser: DevTools
) -> None:
    base, _ = server
    tab = browser.open(base + WORLD, 1280, READY)
    browser.evaluate(
        tab,
        """(() => { const s = document.getElementById('year'); s.value = 1880;
        s.dispatchEvent(new Event('input', {bubbles: true})); })()""",
    )
    wait_for(browser, tab, f"{YEAR} === 1880")
    assert_shows(shapes(browser, tab), world(base, sender="US", year=1880))
    # The address names the year: the view can be shared.
    assert browser.evaluate(tab, "location.search") == "?sender=US&year=1880"
    # Play steps through the years by itself.
    browser.evaluate(tab, "document.getElementById('play').click()")
    wait_for(browser, tab, f"{YEAR} >= 1882")
    browser.evaluate(tab, "document.getElementById('play').click()")


def test_a_click_or_the_enter_key_opens_the_countrys_history(
    server: tuple[str, str], browser: DevTools
) -> None:
    base, _ = server
    tab = browser.open(base + WORLD, 1280, READY)
    browser.evaluate(
        tab,
        "document.querySelector('#map path[data-iso=\"FR\"]')"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}))",
    )
    wait_for(browser, tab, f"location.pathname === '/dashboard/country/FR' && {READY}")
    assert browser.evaluate(tab, "location.search") == "?sender=US"
    tab = browser.open(base + WORLD, 1280, READY)
    browser.evaluate(
        tab,
        """(() => { const p = document.querySelector('#map path[data-iso="DE"]'); p.focus();
        p.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})); })()""",
    )
    wait_for(browser, tab, f"location.pathname === '/dashboard/country/DE' && {READY}")
    # Before the map's countries, a link past them for those who move by keyboard.
    tab = browser.open(base + WORLD, 1280, READY)
    first = browser.evaluate(
        tab,
        "(() => { const f = [...document.querySelectorAll('a[href], select, input, button,"
        " [tabindex=\"0\"]')]; const skip = document.querySelector('a.skip');"
        " return [f.indexOf(skip) < f.indexOf(document.querySelector('#map path.country')),"
        " !!document.querySelector(skip.getAttribute('href'))]; })()",
    )
    assert first == [True, True]


def test_a_countrys_history_shows_its_periods_chiefs_and_entries(
    server: tuple[str, str], browser: DevTools
) -> None:
    base, _ = server
    tab = browser.open(base + "/dashboard/country/FR?sender=US", 1280, READY)
    assert browser.evaluate(tab, "document.getElementById('title').textContent") == (
        "United States in France"
    )
    periods = httpx.get(
        f"{base}/v1/representations",
        params={"sending_country": "US", "host_country": "FR", "limit": 100},
    ).json()["items"]
    # The strip is a Chart.js chart: its bars are the periods, then the missions' statuses.
    bars = json.loads(
        browser.evaluate(
            tab,
            "JSON.stringify(Chart.getChart('strip').data.datasets[0].data.map(d => d.bar))",
        )
    )
    represented = [bar for bar in bars if bar["row"] == "Representation"]
    assert [(b["from"], b["label"]) for b in represented] == [
        (
            p["valid_from"],
            {"embassy": "Embassy", "legation": "Legation", "none": "No representation"}[p["level"]],
        )
        for p in sorted(periods, key=lambda p: p["valid_from"])
    ]
    assert any(bar["row"] != "Representation" for bar in bars)  # the embassy's statuses
    # The chiefs of mission in order, by name: Franklin first.
    chiefs = browser.evaluate(tab, "document.querySelector('#chiefs tbody').innerText")
    assert chiefs.index("Benjamin Franklin") < chiefs.index("Thomas Jefferson")
    posts = httpx.get(
        f"{base}/v1/posts", params={"sending_country": "US", "host_country": "FR", "limit": 500}
    ).json()["items"]
    rows = browser.evaluate(tab, "document.querySelectorAll('#chiefs tbody tr').length")
    assert rows == len(posts)
    # The chronology's entries, each with its quote linked to where it stands.
    entries = browser.evaluate(tab, "document.querySelectorAll('#entries li[data-key]').length")
    assert entries > 0
    link = browser.evaluate(tab, "document.querySelector('#entries a.quote').getAttribute('href')")
    assert link.startswith("/dashboard/sources/")


@pytest.mark.parametrize(("width", "mobile"), WIDTHS)
@pytest.mark.parametrize(
    "path",
    [WORLD, "/dashboard/country/FR?sender=US", "/dashboard/RU/US"],
    ids=["world", "country", "pair"],
)
def test_the_pages_fit_the_screen(
    server: tuple[str, str], browser: DevTools, path: str, width: int, mobile: bool
) -> None:
    base, database_url = server
    tab = browser.open(base + path, width, READY, mobile=mobile)
    page = browser.evaluate(tab, GEOMETRY)
    assert page["scrollWidth"] <= width, page["outside"]
    assert page["outside"] == []
    assert page["overlaps"] == []
    # The map is drawn across the page, not squeezed.
    if path == WORLD:
        drawn = browser.evaluate(
            tab, "document.getElementById('world').getBoundingClientRect().width"
        )
        assert drawn > 0.8 * min(width, 1180) - 80
    SCREENSHOTS.mkdir(exist_ok=True)
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    name = {WORLD: "world", "/dashboard/RU/US": "pair"}.get(path, "country")
    png, _ = browser.screenshot(base + path, READY, width, mobile)
    (SCREENSHOTS / f"{name}-{backend}-{width}.png").write_bytes(png)


def test_without_javascript_the_pages_say_where_the_json_is(
    server: tuple[str, str], browser: DevTools
) -> None:
    base, _ = server
    for path in (WORLD, "/dashboard/country/FR?sender=US"):
        tab = browser.open(base + path, 1280, "document.readyState === 'complete'", scripts=False)
        page = parse(browser.evaluate(tab, "document.documentElement.outerHTML"))
        text = " ".join(page.text)
        assert "This page needs JavaScript" in text
        links = [attrs["href"] for tag, attrs in page.elements if tag == "a" and attrs.get("href")]
        for link in [link for link in links if link and link.startswith("/v1/")]:
            assert httpx.get(base + link, timeout=60).status_code == 200, link


def test_the_map_shows_a_write_through_another_server_without_a_reload(
    server: tuple[str, str], browser: DevTools
) -> None:
    base, database_url = server
    tab = browser.open(base + "/dashboard/world?sender=FR&year=2026", 1280, READY, cache=False)
    wait_for(browser, tab, LIVE)
    browser.evaluate(tab, "window.notReloaded = true")
    shown = "document.querySelector('#map path[data-iso=\"IS\"]').dataset.status"
    assert browser.evaluate(tab, shown) != "legation"
    with serving(database_url) as (second, _):
        posted = httpx.post(
            f"{second}/v1/missions",
            headers=make_key(database_url, "write"),
            json={
                "sending_country": "FR",
                "host_country": "IS",
                "kind": "legation",
                "status": "operating",
                "status_since": "2025-01-01",
                "citations": [{"source_id": 1, "quote": "the functioning of their embassies"}],
            },
            timeout=60,
        )
        assert posted.status_code == 201, posted.text
        written = time.monotonic()
        while browser.evaluate(tab, shown) != "legation":
            assert time.monotonic() - written < 2, "the write did not show within 2 s"
            time.sleep(0.02)
    assert browser.evaluate(tab, "window.notReloaded === true")
