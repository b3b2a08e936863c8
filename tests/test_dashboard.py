"""The dashboard end to end: `diplo serve` on a database of its own, the page loaded in headless
Chromium (Debian's package, installed by .ci/install-chromium), its DOM and its layout read
back from the browser.

Screenshots go to screenshots/ (per database and width), for people to look at."""

import json
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import DevTools, need_chromium
from tests.conftest import NewDatabase, make_key
from tests.test_faults import serving

ROOT = Path(__file__).parent.parent
SCREENSHOTS = ROOT / "screenshots"
GEOMETRY = (Path(__file__).parent / "geometry.js").read_text()
PAIR = "/dashboard/RU/US"
READY = "document.body.dataset.state === 'ready'"
LIVE = "document.getElementById('live').dataset.live === 'on'"  # following the change stream
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
    need_chromium()
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
    with DevTools() as browser:
        dom = browser.dom(base + PAIR, READY)
    page = parse(dom)
    [body] = [attrs for tag, attrs in page.elements if tag == "body"]
    assert body.get("data-state") == "ready", dom[-3000:]
    return page


def points(page: Elements) -> list[dict[str, Any]]:
    return [
        attrs
        for tag, attrs in page.elements
        if tag == "tr" and "point" in (attrs.get("class") or "").split()
    ]


def screenshot(browser: DevTools, base: str, database_url: str, width: int, mobile: bool) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    shot = SCREENSHOTS / f"dashboard-RU-US-{backend}-{width}.png"
    shot.unlink(missing_ok=True)
    png, _ = browser.screenshot(base + PAIR, f"{READY} && {LIVE}", width, mobile)
    shot.write_bytes(png)
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
    # Each quote links to its source's page.
    sources = [a["href"] for tag, a in page.elements if tag == "a" and a.get("class") == "source"]
    assert sources
    assert set(sources) == {"/dashboard/sources/1"}
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
    # The chart is Chart.js's, drawing the same counts as the table under it.
    with DevTools() as browser:
        tab = browser.open(base + PAIR, 1280, READY)
        charted = json.loads(
            browser.evaluate(
                tab,
                "JSON.stringify(Chart.getChart('headcounts').data.datasets.map(d => "
                "d.data.map(p => [d.label, p.point.date, p.y])).flat())",
            )
        )
    assert sorted(map(tuple, charted)) == sorted(
        (p["data-series"], p["data-date"], int(p["data-count"])) for p in drawn
    )
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
    # The article's 5 dated facts of the pair (the threatened closures, the freeze of the U.S.
    # missions (that of the Russian ones names no actor, so no pair), the talks, Nuland's
    # visit, the strain in relations) and the headcounts.
    assert len(cards) == 5 + len(headcounts), cards
    quoted = [card for card in cards if card["quotes"]]
    assert quoted
    for card in quoted:
        for quote in card["quotes"]:
            assert quote > 0.6 * card["width"], card
    screenshot(browser, base, database_url, width, mobile)


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
    # The article's pair (its 2 embassies, 3 measures between the two, 1 dispute, 2 events naming
    # both), then
    # the pair of the mission just added; no other pair has a record.
    assert pairs == [
        [
            "/dashboard/RU/US",
            "Russian Federation – United States 2 missions · 3 measures · 1 dispute · 2 events",
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


# ---- quotes checked against their source --------------------------------------------------

# A text under an open licence, served to anyone: the quote is far down it (the page must
# scroll to it), after characters outside the BMP (one code point, two UTF-16 units each: the
# API's offsets count code points, a browser's strings units).
FILLER = "".join(f"Paragraph {n}: nothing of note was said that day.\n\n" for n in range(150))
PUBLIC_QUOTE = "both capitals recalled their ambassadors for consultations"
PUBLIC_TEXT = f"{FILLER}On 1 March 𝔄𝔅 (𝔠) \U0001f4dc {PUBLIC_QUOTE}, the wire said.\n\nThe end.\n"


def _words(text: str) -> str:
    return " ".join(text.split())


def _quote_links(browser: DevTools, tab: str, within: str = "") -> list[dict[str, str]]:
    """Every quote link on the page (or inside `within`): its text and where it goes."""
    return list(
        browser.evaluate(
            tab,
            f"""[...document.querySelectorAll({json.dumps(f"{within} a.quote".strip())})]
                 .map((a) => ({{text: a.textContent, href: a.getAttribute("href")}}))""",
        )
    )


def _follow(browser: DevTools, tab: str, href: str) -> None:
    """Clicks the quote link to `href` on the page, and waits for the page it opens."""
    link = f"document.querySelector('a.quote[href=\"' + {json.dumps(href)} + '\"]')"
    browser.evaluate(tab, f"{link}.click(), true")
    for _ in range(1200):
        try:
            if browser.evaluate(
                tab, f"location.pathname + location.search === {json.dumps(href)} && {READY}"
            ):
                return
        except RuntimeError:
            pass  # asked while the page was being replaced
        time.sleep(0.05)
    raise TimeoutError(f"{href} did not open")


def _marked(browser: DevTools, tab: str) -> dict[str, Any]:
    return dict(
        browser.evaluate(
            tab,
            """(() => { const marks = document.querySelectorAll("#source mark");
                const box = marks[0] ? marks[0].getBoundingClientRect() : null;
                return {count: marks.length, text: marks[0] ? marks[0].textContent : null,
                  shown: !!box && box.top >= 0 && box.bottom <= innerHeight,
                  context: (document.querySelector("#source p.context") || {}).textContent,
                  note: document.getElementById("source-note").textContent,
                  hasText: !!document.querySelector("#source pre.text"),
                  quotes: [...document.querySelectorAll("#source-quotes li")].map((li) =>
                    [li.querySelector("a").getAttribute("href"), li.className])}; })()""",
        )
    )


@pytest.fixture(scope="module")
def public_source(server: tuple[str, str]) -> dict[str, Any]:
    """A source with a public text, cited by an event of Canada and Mexico (a pair of its own)."""
    return _cited_source(
        server,
        {"title": "A wire of 1 March", "publisher": "Wire", "licence": "CC-BY-4.0"}
        | {"kind": "news_report", "text": PUBLIC_TEXT},
        PUBLIC_QUOTE,
    )


def _cited_source(server: tuple[str, str], source: dict[str, Any], quote: str) -> dict[str, Any]:
    """Posts the source, and an event of Canada and Mexico citing `quote` from it."""
    base, database_url = server
    headers = make_key(database_url, "write")
    posted = httpx.post(f"{base}/v1/sources", headers=headers, json=source)
    assert posted.status_code == 201, posted.text
    event = httpx.post(
        f"{base}/v1/events",
        headers=headers,
        json={"date": "2021-03-01", "kind": "other", "countries": ["CA", "MX"]}
        | {"summary": "Ambassadors recalled."}
        | {"citations": [{"source_id": posted.json()["id"], "quote": quote}]},
    )
    assert event.status_code == 201, event.text
    return {"source": posted.json(), "event": event.json()}


def test_every_quote_links_to_where_it_stands_in_its_source(
    server: tuple[str, str], browser: DevTools
) -> None:
    """Each link names its citation by the code points it covers in the source's text: those
    characters are its quote (read with a key, as the article is not public)."""
    base, database_url = server
    text = httpx.get(f"{base}/v1/sources/1/text", headers=make_key(database_url, "read")).text
    tab = browser.open(base + PAIR, 1280, READY)
    links = _quote_links(browser, tab)
    statements = _quote_links(browser, tab, ".statements")
    assert len(statements) == 6  # Ryabkov's at the talks are quotes too
    assert len(links) > 20
    for link in links:
        match = re.fullmatch(r"/dashboard/sources/1\?start=(\d+)&end=(\d+)", link["href"])
        assert match, link
        start, end = map(int, match.groups())
        assert _words(text[start:end]) == _words(link["text"].strip("“”")), link


def test_a_quote_opens_its_source_with_the_quote_marked_in_the_text(
    server: tuple[str, str], browser: DevTools, public_source: dict[str, Any]
) -> None:
    base, _ = server
    source, event = public_source["source"], public_source["event"]
    assert source["text_public"] is True
    [citation] = event["citations"]
    href = f"/dashboard/sources/{source['id']}?start={citation['start']}&end={citation['end']}"
    for width, mobile in WIDTHS:
        tab = browser.open(base + "/dashboard/CA/MX", width, READY, mobile=mobile)
        assert {"text": f"“{PUBLIC_QUOTE}”", "href": href} in _quote_links(browser, tab)
        _follow(browser, tab, href)
        marked = _marked(browser, tab)
        # The quote, and only it, is marked where it stands, and scrolled into view.
        assert (marked["count"], marked["text"]) == (1, PUBLIC_QUOTE)
        assert marked["shown"], marked
        assert marked["hasText"]
        text = browser.evaluate(tab, "document.querySelector('#source pre.text').textContent")
        assert text == PUBLIC_TEXT  # the whole text, as stored
        assert marked["quotes"] == [[f"/v1/events/{event['id']}", "current"]]
        title = browser.evaluate(tab, "document.getElementById('source-title').textContent")
        assert title == "A wire of 1 March"
        page = browser.evaluate(tab, GEOMETRY)
        assert page["outside"] == [], page["outside"]
        assert page["scrollWidth"] <= width


def test_a_text_with_a_byte_order_mark_is_marked_where_the_api_says(
    server: tuple[str, str], browser: DevTools
) -> None:
    """A text saved with a UTF-8 byte-order mark keeps it (the API counts it: offsets start
    after it), and the page marks the quote, not the characters one further on; a range that
    no quote covers is marked as nothing."""
    base, _ = server
    text = "\ufeffAlpha beta gamma delta."
    made = _cited_source(
        server, {"title": "BOM", "publisher": "W", "licence": "CC0-1.0", "text": text}, "gamma"
    )
    source, [citation] = made["source"], made["event"]["citations"]
    assert text[citation["start"] : citation["end"]] == "gamma"
    href = f"/dashboard/sources/{source['id']}?start={citation['start']}&end={citation['end']}"
    tab = browser.open(base + href, 1280, READY)
    assert (_marked(browser, tab)["count"], _marked(browser, tab)["text"]) == (1, "gamma")
    shown = browser.evaluate(tab, "document.querySelector('#source pre.text').textContent")
    assert shown == text
    # Words nobody quotes, named by a hand-made link: not marked as a quote.
    tab = browser.open(f"{base}/dashboard/sources/{source['id']}?start=1&end=11", 1280, READY)
    marked = _marked(browser, tab)
    assert marked["count"] == 0
    assert "Nothing quotes characters 1–11." in marked["note"]


def test_a_quote_of_a_text_that_is_not_public_shows_its_context(
    server: tuple[str, str], browser: DevTools
) -> None:
    """The article's text needs a read key: the page shows the quote between the words either
    side of it, as every citation carries them, and says where the whole text is."""
    base, _ = server
    [freeze, *_] = httpx.get(f"{base}/v1/measures", params={"kind": "freeze"}).json()["items"]
    [citation] = freeze["citations"]
    href = f"/dashboard/sources/1?start={citation['start']}&end={citation['end']}"
    tab = browser.open(base + PAIR, 390, READY, mobile=True)
    _follow(browser, tab, href)
    marked = _marked(browser, tab)
    assert (marked["count"], marked["text"]) == (1, citation["quote"])
    assert citation["prefix"]
    assert citation["suffix"]
    assert marked["context"] == f"…{citation['prefix']}{citation['quote']}{citation['suffix']}…"
    assert not marked["hasText"]
    assert "read scope" in marked["note"]
    assert [f"/v1/measures/{freeze['id']}", "current"] in marked["quotes"]
    page = browser.evaluate(tab, GEOMETRY)
    assert page["outside"] == [], page["outside"]
    # What was said at the talks is quoted from the article too.
    [talks] = httpx.get(f"{base}/v1/talks").json()["items"]
    said = talks["statements"][0]
    href = f"/dashboard/sources/1?start={said['start']}&end={said['end']}"
    tab = browser.open(base + PAIR, 1280, READY)
    _follow(browser, tab, href)
    marked = _marked(browser, tab)
    assert marked["context"] == f"…{said['prefix']}{said['quote']}{said['suffix']}…"
    assert [f"/v1/talks/{talks['id']}", "current"] in marked["quotes"]


def test_a_missions_status_shows_the_quotes_of_its_status_change(
    server: tuple[str, str], browser: DevTools, public_source: dict[str, Any]
) -> None:
    base, database_url = server
    source_id = public_source["source"]["id"]
    headers = make_key(database_url, "write")
    mission = httpx.post(
        f"{base}/v1/missions",
        headers=headers,
        json={"sending_country": "CA", "host_country": "MX", "kind": "embassy"}
        | {"status": "operating", "citations": [{"source_id": source_id, "quote": "the wire"}]},
    )
    assert mission.status_code == 201, mission.text
    changed = httpx.patch(
        f"{base}/v1/missions/{mission.json()['id']}",
        headers=headers,
        json={"status": "suspended", "status_since": "2021-03-01"}
        | {"status_citations": [{"source_id": source_id, "quote": "recalled their ambassadors"}]},
    )
    assert changed.status_code == 200, changed.text
    tab = browser.open(base + "/dashboard/CA/MX", 1280, READY, cache=False)
    cells = browser.evaluate(
        tab,
        """Object.fromEntries(["status", "sources"].map((label) => [label,
             [...document.querySelectorAll(`#missions td[data-label="${label}"] a.quote`)]
               .map((a) => a.textContent)]))""",
    )
    assert cells == {"status": ["“recalled their ambassadors”"], "sources": ["“the wire”"]}
    # The article's embassies: their status is quoted from their status history.
    tab = browser.open(base + PAIR, 1280, READY)
    statuses = browser.evaluate(
        tab,
        """[...document.querySelectorAll('#missions td[data-label="status"]')]
             .map((td) => [...td.querySelectorAll("a.quote")].map((a) => a.textContent))""",
    )
    assert statuses == [["“in a row over the functioning of their embassies”"]] * 2


def test_a_quote_of_a_source_without_text_says_it_cannot_be_checked(
    server: tuple[str, str], browser: DevTools
) -> None:
    """A source the API holds no text of (a paywalled page) can be cited, unverified: its quotes
    link to its page, which says so and lists them."""
    base, _ = server
    quote = "words no one here can check"
    posted = _cited_source(
        server,
        {"title": "A paywalled page", "publisher": "Daily", "url": "https://example.org/p"},
        quote,
    )
    source, event = posted["source"], posted["event"]
    [citation] = event["citations"]
    assert (citation["verified"], citation["start"]) == (False, None)
    href = f"/dashboard/sources/{source['id']}"
    tab = browser.open(base + "/dashboard/CA/MX", 1280, READY, cache=False)
    assert {"text": f"“{quote}”", "href": href} in _quote_links(browser, tab)
    _follow(browser, tab, href)
    marked = _marked(browser, tab)
    assert "holds no text" in marked["note"]
    assert (marked["count"], marked["hasText"]) == (0, False)
    assert marked["quotes"] == [[f"/v1/events/{event['id']}", ""]]


def test_the_page_shows_a_write_through_another_server_without_a_reload(
    server: tuple[str, str], browser: DevTools
) -> None:
    """The pair's page follows the change stream: an event posted through a second server on
    the same database shows on the open page within 2 s, and the page was not reloaded."""
    base, database_url = server
    tab = browser.open(base + PAIR, 1280, READY, cache=False)
    deadline = time.monotonic() + 30
    while not browser.evaluate(tab, LIVE):
        assert time.monotonic() < deadline, "the page never went live"
        time.sleep(0.05)
    browser.evaluate(tab, "window.notReloaded = true")
    summary = "A write the open page must show by itself"
    assert summary not in browser.evaluate(tab, "document.body.innerText")
    with serving(database_url) as (second, _):
        posted = httpx.post(
            f"{second}/v1/events",
            headers=make_key(database_url, "write"),
            json={
                "ref": "live-dashboard",
                "date": "2021-10-14",
                "kind": "other",
                "summary": summary,
                "countries": ["RU", "US"],
                "citations": [QUOTE],
            },
        )
        assert posted.status_code == 201, posted.text
        written = time.monotonic()
        shows = f"document.body.innerText.includes({json.dumps(summary)})"
        while not browser.evaluate(tab, shows):
            assert time.monotonic() - written < 2, "the write did not show within 2 s"
            time.sleep(0.02)
    assert browser.evaluate(tab, "window.notReloaded === true")
    assert browser.evaluate(tab, READY)


SHOWN_HITS = """JSON.stringify([...document.querySelectorAll('#results .hit')].map(li => ({
  kind: li.dataset.kind,
  href: li.querySelector('a').getAttribute('href'),
  marks: [...li.querySelectorAll('mark')].map(m => m.textContent),
  snippet: li.querySelector('.snippet').textContent,
  cited: li.querySelector('.cited-for a') && [
    li.querySelector('.cited-for a').getAttribute('href'),
    li.querySelector('.cited-for a').textContent],
})))"""
RESULTS = f"{READY} && !document.getElementById('results').hidden"


def test_the_search_box_lists_the_apis_hits_with_their_words_marked(
    server: tuple[str, str], browser: DevTools
) -> None:
    """`/dashboard?q=…` shows `/v1/search`'s hits in its order, each matched word a <mark>
    element and the rest text; the box searches again without a reload."""
    base, _ = server
    tab = browser.open(f"{base}/dashboard?q=Nuland", 1280, RESULTS)
    shown = json.loads(browser.evaluate(tab, SHOWN_HITS))
    api = httpx.get(f"{base}/v1/search", params={"q": "Nuland", "limit": 25}).json()["items"]
    assert [hit["kind"] for hit in shown] == [hit["kind"] for hit in api]
    assert len(shown) >= 4
    for hit, served in zip(shown, api, strict=True):
        assert hit["marks"], hit
        assert {mark.lower() for mark in hit["marks"]} == {"nuland"}, hit
        assert "<" not in hit["snippet"], hit  # text, not markup
        if hit["kind"] == "citations":  # its source's page, the quote marked
            assert hit["href"] == f"/dashboard/citations/{served['id']}", hit
            record = served["cited_for"]  # and the record it is quoted for
            assert hit["cited"] == [record["url"], record["title"] or record["url"]], hit
        elif hit["kind"] not in ("texts", "sources"):  # those open on the source's page
            assert hit["href"] == served["url"], hit
    title = browser.evaluate(tab, "document.getElementById('results-title').textContent")
    assert title.startswith(f"{len(api)} found for “Nuland”")
    browser.evaluate(
        tab,
        "document.getElementById('q').value = '\"visa row\" or ryabkov';"
        "document.getElementById('find').requestSubmit()",
    )
    browser.wait(tab, f"{base}/dashboard?q=%22visa%20row%22%20or%20ryabkov", RESULTS)
    again = json.loads(browser.evaluate(tab, SHOWN_HITS))
    wanted = httpx.get(f"{base}/v1/search", params={"q": '"visa row" or ryabkov'}).json()
    assert [hit["kind"] for hit in again] == [hit["kind"] for hit in wanted["items"]]
    assert again
    title = browser.evaluate(tab, "document.getElementById('results-title').textContent")
    assert 'found for "visa row" or ryabkov, best first' in title  # its own quotes, not “"…"”
    # A quote found opens its source's page, the quote marked where it stands there.
    quote = next(served for served in api if served["kind"] == "citations")
    cited = httpx.get(f"{base}/v1/citations/{quote['id']}").json()
    there = f"/dashboard/sources/{cited['source_id']}?start={cited['start']}&end={cited['end']}"
    found = browser.open(f"{base}/dashboard/citations/{quote['id']}", 1280, READY)
    assert browser.evaluate(found, "location.pathname + location.search") == there
    assert (_marked(browser, found)["count"], _marked(browser, found)["text"]) == (
        1,
        cited["quote"],
    )
    missing = browser.open(
        f"{base}/dashboard/citations/999999999", 1280, "document.body.dataset.state === 'error'"
    )
    status = browser.evaluate(missing, "document.getElementById('status').textContent")
    assert "Could not load quote 999999999" in status


def test_a_search_with_no_words_says_why(server: tuple[str, str], browser: DevTools) -> None:
    base, _ = server
    tab = browser.open(f"{base}/dashboard?q=%28", 1280, "document.body.dataset.state === 'error'")
    status = browser.evaluate(tab, "document.getElementById('status').textContent")
    assert "has no words to search for" in status
    nothing = browser.open(f"{base}/dashboard?q=zqxjwv", 1280, RESULTS)
    title = browser.evaluate(nothing, "document.getElementById('results-title').textContent")
    assert title == "Nothing found for “zqxjwv”"  # not "0 found …, best first"
    assert json.loads(browser.evaluate(nothing, SHOWN_HITS)) == []
