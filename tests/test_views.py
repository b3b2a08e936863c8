"""The derived views for dashboards: the relation between two countries, headcount series and
the timeline, read through HTTP on the seed and on headcounts the tests post themselves."""

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.config import Settings
from app.main import create_app
from app.timeline.models import TimelineItem
from tests.test_lists import _walk

PROBLEM = "application/problem+json"


def _get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _facts(relation: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every record the relation view holds."""
    for way in ("a_to_b", "b_to_a"):
        yield from relation["missions"][way]
    for staffing in relation["staffing"]:
        for way in ("a_to_b", "b_to_a"):
            yield from (r for r in staffing[way].values() if r is not None)
    for measures in relation["measures"]["by_stage"].values():
        yield from measures
    for dispute in relation["disputes"]:
        yield dispute
        yield from (t for t in (dispute["last_talks"], dispute["next_talks"]) if t)
    yield from relation["events"]


# ---- the relation on the seed ---------------------------------------------------------------


def test_the_relation_tells_the_articles_story(client: TestClient) -> None:
    relation = _get(client, "/v1/relations/RU/US")
    assert (relation["a"]["code"], relation["b"]["code"]) == ("RU", "US")
    # Each side's embassy in the other, operating.
    for way, sending in (("a_to_b", "RU"), ("b_to_a", "US")):
        [embassy] = relation["missions"][way]
        assert (embassy["kind"], embassy["sending_country"], embassy["status"]) == (
            "embassy",
            sending,
            "operating",
        )
    # The proposal to expel 300, answered by the threatened closure: one chain.
    stages = relation["measures"]["by_stage"]
    assert list(stages) == [
        "considered",
        "threatened",
        "proposed",
        "ordered",
        "implemented",
        "withdrawn",
        "lapsed",
    ]
    [proposal] = stages["proposed"]
    [threat] = stages["threatened"]
    # Of the U.S. missions, by Russia; the freeze of the Russian ones names no actor, so it is
    # no measure between the two (it is on /v1/measures: tests/test_article.py).
    freezes = stages["considered"]
    assert (proposal["kind"], proposal["diplomats_count"], proposal["actor_body"]) == (
        "expulsion",
        300,
        "U.S. Congress",
    )
    assert (threat["kind"], threat["in_response_to"]) == ("mission_closure", proposal["id"])
    assert [(f["kind"], f["actor_country"], f["target_country"]) for f in freezes] == [
        ("freeze", "RU", "US"),
    ]
    assert [proposal["id"], threat["id"]] in relation["measures"]["chains"]
    for freeze in freezes:
        assert [freeze["id"]] in relation["measures"]["chains"]
    # The open visa dispute: last talked in Moscow on 2021-10-12, a next round without a date.
    [dispute] = relation["disputes"]
    assert dispute["status"] == "open"
    assert dispute["next_round"] == {"planned": True, "date": None}
    talks = dispute["last_talks"]
    assert (talks["date"], talks["city"], talks["outcome"]) == (
        "2021-10-12",
        "Moscow",
        "no_progress",
    )
    assert {p["name"] for p in talks["participants"]} == {"Sergei Ryabkov", "Victoria Nuland"}
    assert dispute["next_talks"] is None
    # Events between the two, newest first; the RU-only incident is not between them.
    summaries = [e["summary"] for e in relation["events"]]
    assert any("Nuland visits Moscow" in s for s in summaries)
    assert not any("Nemtsov" in s for s in summaries)
    dates = [e["date"] for e in relation["events"]]
    assert dates == sorted(dates, reverse=True)
    # No staff numbers in the article: every count and ratio is unknown, not zero.
    for staffing in relation["staffing"]:
        assert staffing["parity"] == {"actual": None, "cap": None}
        assert staffing["a_to_b"] == staffing["b_to_a"] == {"actual": None, "cap": None}
    # Every fact with its source's words.
    facts = list(_facts(relation))
    assert len(facts) >= 9
    for fact in facts:
        assert fact["citations"], fact
        assert all(c["quote"] and c["source_id"] for c in fact["citations"])


def test_either_order_gives_the_same_facts_oriented_as_asked(client: TestClient) -> None:
    ru_us = _get(client, "/v1/relations/RU/US")
    us_ru = _get(client, "/v1/relations/US/RU")
    assert (us_ru["a"], us_ru["b"]) == (ru_us["b"], ru_us["a"])
    assert us_ru["missions"] == {
        "a_to_b": ru_us["missions"]["b_to_a"],
        "b_to_a": ru_us["missions"]["a_to_b"],
    }
    assert us_ru["measures"] == ru_us["measures"]
    assert us_ru["disputes"] == ru_us["disputes"]
    assert us_ru["events"] == ru_us["events"]
    # Alpha-3, any case, is the same pair.
    assert _get(client, "/v1/relations/rus/usa") == ru_us


@pytest.mark.parametrize(
    ("path", "status", "named"),
    [
        ("/v1/relations/QQ/US", 404, "QQ"),
        ("/v1/relations/RU/XYZ", 404, "XYZ"),
        ("/v1/relations/RU/rus", 422, "rus"),
        ("/v1/relations/RU/" + "Q" * 40, 422, None),
    ],
)
def test_relation_errors_are_problems(
    client: TestClient, path: str, status: int, named: str | None
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    if named:
        assert f"'{named}'" in problem["detail"]
    if status == 422:
        assert problem["errors"]


def test_views_answer_304_to_their_etag(client: TestClient) -> None:
    for path in (
        "/v1/relations/RU/US",
        "/v1/headcounts/series?sending_country=RU",
        "/v1/timeline?countries=RU,US",
    ):
        first = client.get(path)
        etag = first.headers["etag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.headers["etag"] == etag
        assert not again.content


# ---- the timeline on the seed ---------------------------------------------------------------


def test_the_timeline_of_the_pair_in_date_order(client: TestClient) -> None:
    body = _get(client, "/v1/timeline", countries="RU,US")
    assert set(body) == {"items", "next_cursor", "total"}
    items = _walk(client, "/v1/timeline", countries="RU,US")
    assert items == body["items"]
    for item in items:
        TimelineItem.model_validate(item)
        assert set(item) == set(TimelineItem.model_fields)
        assert item["citations"]
        assert item["title"]
        assert "\n" not in item["title"]
        assert client.get(item["url"]).status_code == 200
    dates = [item["date"] for item in items]
    assert dates == sorted(dates)
    kinds = {item["kind"] for item in items}
    assert {"talks", "measure", "event"} <= kinds
    [talks] = [item for item in items if item["kind"] == "talks"]
    assert (talks["date"], talks["date_precision"]) == ("2021-10-12", "day")
    assert "Moscow" in talks["title"]
    # Only dated facts: the congressional proposal has no date in the article.
    proposal = _get(client, "/v1/expulsions")["items"][0]
    assert f"measure:{proposal['id']}" not in {item["key"] for item in items}
    # `countries` names every country a fact must involve: Russia alone has the incident too.
    russia = _walk(client, "/v1/timeline", countries="rus")
    assert {i["key"] for i in items} < {i["key"] for i in russia}
    assert any("Nemtsov" in i["title"] for i in russia)
    assert not any("Nemtsov" in i["title"] for i in items)
    assert _walk(client, "/v1/timeline", countries="RU,US,FR") == []


def test_timeline_filters_by_kind_and_dates(client: TestClient) -> None:
    events = _walk(client, "/v1/timeline", kinds="event")
    assert events
    assert {i["kind"] for i in events} == {"event"}
    assert len(events) == len(_get(client, "/v1/events")["items"])
    both = _walk(client, "/v1/timeline", kinds="event,talks")
    assert {i["kind"] for i in both} == {"event", "talks"}
    day = _walk(client, "/v1/timeline", **{"from": "2021-10-12", "to": "2021-10-12"})
    assert day
    assert all(i["date"] == "2021-10-12" for i in day)


@pytest.mark.parametrize("descending", [False, True])
def test_timeline_keyset_pages_cover_it_once_in_order(client: TestClient, descending: bool) -> None:
    sort = "-date" if descending else "date"
    paged = _walk(client, "/v1/timeline", sort=sort, limit=1)
    whole = _get(client, "/v1/timeline", sort=sort, limit=1000)["items"]
    assert [i["key"] for i in paged] == [i["key"] for i in whole]
    assert len({i["key"] for i in paged}) == len(paged) > 1
    dates = [i["date"] for i in whole]
    assert dates == sorted(dates, reverse=descending)
    assert _get(client, "/v1/timeline", count="true", limit=1)["total"] == len(whole)


def test_timeline_paging_rules_are_the_lists(client: TestClient) -> None:
    for params in (
        {"limit": 0},
        {"limit": 1001},
        {"sort": "title"},
        {"kinds": "rumour"},
        {"countries": "XX"},
        {"from": "2021-10-12", "to": "2021-10-01"},
        {"no_such_filter": "x"},
    ):
        response = client.get("/v1/timeline", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == PROBLEM
    first = _get(client, "/v1/timeline", limit=1)
    for cursor in (
        "garbage",
        base64.urlsafe_b64encode(b'["date", "2021-10-12", null]').decode(),
        base64.urlsafe_b64encode(b'["date", "2021-13-45", "talks:1"]').decode(),
        base64.urlsafe_b64encode(b'["date", "2021-10-12", 7]').decode(),
    ):
        response = client.get("/v1/timeline", params={"cursor": cursor})
        assert response.status_code == 400, (cursor, response.text)
        assert response.headers["content-type"] == PROBLEM
    other_sort = client.get(
        "/v1/timeline", params={"sort": "-date", "cursor": first["next_cursor"]}
    )
    assert other_sort.status_code == 400


def test_timeline_exports_like_every_list(client: TestClient) -> None:
    items = _walk(client, "/v1/timeline", countries="RU,US")
    csv = client.get("/v1/timeline", params={"countries": "RU,US", "format": "csv"})
    assert csv.status_code == 200
    lines = csv.text.strip().splitlines()
    assert lines[0] == "key,kind,id,date,date_precision,title,url,citations"
    assert len(lines) == len(items) + 1
    ndjson = client.get(
        "/v1/timeline", params={"countries": "RU,US"}, headers={"Accept": "application/x-ndjson"}
    )
    assert len(ndjson.text.strip().splitlines()) == len(items)


# ---- with headcounts the tests post ----------------------------------------------------------


@pytest.fixture(scope="module")
def api(own_api: TestClient) -> TestClient:
    """A seeded database of this module's own, with a write key: these tests add headcounts."""
    return own_api


def post_headcount(
    api: TestClient,
    sending: str,
    host: str,
    as_of: str,
    kind: str,
    count: int,
    category: str = "diplomatic",
    precision: str = "day",
) -> dict[str, Any]:
    response = api.post(
        "/v1/headcounts",
        json={
            "sending_country": sending,
            "host_country": host,
            "as_of": as_of,
            "date_precision": precision,
            "category": category,
            "kind": kind,
            "count": count,
            "citations": [{"source_id": 1, "quote": "the number of diplomats"}],
        },
    )
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


def _latest(records: list[dict[str, Any]], sending: str, kind: str) -> dict[str, Any] | None:
    """What the relation should call the latest: newest `as_of`, then newest id."""
    mine = [r for r in records if (r["sending_country"], r["kind"]) == (sending, kind)]
    return max(mine, key=lambda r: (r["as_of"], r["id"]), default=None)


def _statements(api: TestClient, path: str) -> int:
    engine = api.app.state.engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def count(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):
            seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        # Made afresh, whole: not from what this worker kept of an earlier answer.
        assert api.get(path, headers={"Cache-Control": "no-cache"}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_parity_and_latest_counts_come_from_the_posted_headcounts(api: TestClient) -> None:
    etag = api.get("/v1/relations/RU/US").headers["etag"]
    posted = [
        post_headcount(api, "RU", "US", "2021-01-15", "actual", 400),
        post_headcount(api, "RU", "US", "2021-03-10", "actual", 380),
        post_headcount(api, "RU", "US", "2021-03-20", "actual", 370),
        post_headcount(api, "RU", "US", "2021-02-01", "cap", 455),
        post_headcount(api, "US", "RU", "2021-02-20", "actual", 210),
        post_headcount(api, "US", "RU", "2021-04-01", "cap", 0),
    ]
    # The write changed the view: the old ETag no longer matches.
    assert api.get("/v1/relations/RU/US", headers={"If-None-Match": etag}).status_code == 200
    relation = _get(api, "/v1/relations/RU/US")
    [diplomatic] = [s for s in relation["staffing"] if s["category"] == "diplomatic"]
    for way, sending in (("a_to_b", "RU"), ("b_to_a", "US")):
        for kind in ("actual", "cap"):
            expected = _latest(posted, sending, kind)
            got = diplomatic[way][kind]
            assert (got and got["id"]) == (expected and expected["id"]), (way, kind)
            if got:
                assert got["citations"]
    ru_actual = _latest(posted, "RU", "actual")
    us_actual = _latest(posted, "US", "actual")
    assert ru_actual
    assert us_actual
    assert diplomatic["parity"]["actual"] == pytest.approx(ru_actual["count"] / us_actual["count"])
    assert diplomatic["parity"]["cap"] is None  # US→RU cap is 0: no ratio, no error
    reverse = _get(api, "/v1/relations/US/RU")
    [back] = [s for s in reverse["staffing"] if s["category"] == "diplomatic"]
    assert back["parity"]["actual"] == pytest.approx(us_actual["count"] / ru_actual["count"])
    assert back["parity"]["cap"] == 0  # 0 over 455: known, and zero
    # Only one side known in a category: its parity is unknown.
    post_headcount(api, "RU", "US", "2021-05-01", "actual", 12, category="local")
    [local] = [s for s in _get(api, "/v1/relations/RU/US")["staffing"] if s["category"] == "local"]
    assert local["a_to_b"]["actual"]["count"] == 12
    assert local["parity"] == {"actual": None, "cap": None}


def test_the_relation_costs_the_same_queries_however_many_facts(api: TestClient) -> None:
    before = _statements(api, "/v1/relations/RU/US")
    for month in range(1, 10):
        post_headcount(api, "US", "RU", f"2019-0{month}-01", "actual", 100 + month)
        post_headcount(api, "US", "RU", f"2019-0{month}-02", "cap", 200 + month, category="total")
    assert _statements(api, "/v1/relations/RU/US") == before


def _series(api: TestClient, **params: Any) -> list[dict[str, Any]]:
    body = _get(api, "/v1/headcounts/series", **params)
    series: list[dict[str, Any]] = body["series"]
    return series


def test_series_buckets_to_the_last_value_of_each_interval(api: TestClient) -> None:
    posted = [
        post_headcount(api, "FR", "DE", "2020-01-15", "actual", 50),
        post_headcount(api, "FR", "DE", "2020-03-10", "actual", 48),
        post_headcount(api, "FR", "DE", "2020-03-20", "actual", 47),
        post_headcount(api, "FR", "DE", "2021-07-01", "actual", 40),
        post_headcount(api, "FR", "DE", "2020-02-01", "cap", 60),
        post_headcount(api, "DE", "FR", "2020-02-01", "actual", 55),
    ]
    pair = {"sending_country": "FRA", "host_country": "de", "category": "diplomatic"}
    actual = [p for p in posted if (p["sending_country"], p["kind"]) == ("FR", "actual")]

    [day, cap] = _series(api, **pair)
    assert (day["kind"], cap["kind"]) == ("actual", "cap")  # apart, never mixed
    assert day["points"] == [
        {"date": p["as_of"], "count": p["count"], "date_precision": "day", "id": p["id"]}
        for p in sorted(actual, key=lambda p: p["as_of"])
    ]
    assert [p["count"] for p in cap["points"]] == [60]

    def last_per(prefix: int) -> dict[str, dict[str, Any]]:
        buckets: dict[str, dict[str, Any]] = {}
        for p in sorted(actual, key=lambda p: p["as_of"]):
            buckets[p["as_of"][:prefix]] = p
        return buckets

    [month] = _series(api, **pair, kind="actual", interval="month")
    assert month["points"] == [
        {"date": f"{key}-01", "count": p["count"], "date_precision": "month", "id": p["id"]}
        for key, p in last_per(7).items()
    ]
    [year] = _series(api, **pair, kind="actual", interval="year")
    assert year["points"] == [
        {"date": f"{key}-01-01", "count": p["count"], "date_precision": "year", "id": p["id"]}
        for key, p in last_per(4).items()
    ]
    # Dates filter the counts before bucketing.
    [part] = _series(api, **pair, kind="actual", interval="month", to="2020-03-15")
    assert [p["count"] for p in part["points"]] == [50, 48]
    # Both directions at once: one series each way.
    both = _series(api, sending_country="FR,DE", host_country="FR,DE", kind="actual")
    assert {(s["sending_country"], s["host_country"]) for s in both} == {("FR", "DE"), ("DE", "FR")}


def test_a_count_known_to_the_year_stays_a_year_in_month_buckets(api: TestClient) -> None:
    record = post_headcount(api, "IT", "ES", "2020-01-01", "actual", 9, precision="year")
    [series] = _series(api, sending_country="IT", host_country="ES", interval="month")
    assert series["points"] == [
        {"date": "2020-01-01", "count": 9, "date_precision": "year", "id": record["id"]}
    ]


def test_series_parameters_are_checked(api: TestClient) -> None:
    for params in (
        {"interval": "week"},
        {"sending_country": "XX"},
        {"kind": "ceiling"},
        {"limit": "10"},
        {"from": "2021-01-02", "to": "2021-01-01"},
        {"to": "0"},
    ):
        response = api.get("/v1/headcounts/series", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == PROBLEM
    assert api.get("/v1/headcounts/series", params={"sending_country": "NZ"}).json() == {
        "interval": "day",
        "series": [],
    }


def test_the_timeline_shows_posted_headcounts(api: TestClient) -> None:
    record = post_headcount(api, "JP", "KR", "2022-06-01", "cap", 33)
    items = _walk(api, "/v1/timeline", countries="KR,JP")
    assert [i["key"] for i in items] == [f"headcount:{record['id']}"]
    [item] = items
    assert item["url"] == f"/v1/headcounts/{record['id']}"
    assert "33" in item["title"]
    assert "cap" in item["title"]
    assert item["citations"] == record["citations"]
    # A mission's dated change of status is on the timeline too.
    mission = api.post(
        "/v1/missions",
        json={
            "sending_country": "JP",
            "host_country": "KR",
            "kind": "consulate",
            "city": "Busan",
            "status": "frozen",
            "status_since": "2022-07-01",
            "citations": [{"source_id": 1, "quote": "the functioning of their embassies"}],
        },
    )
    assert mission.status_code == 201, mission.text
    items = _walk(api, "/v1/timeline", countries="JP,KR", kinds="mission_status")
    [change] = items
    assert change["url"] == f"/v1/missions/{mission.json()['id']}"
    assert change["date"] == "2022-07-01"
    assert "Busan" in change["title"]
    assert "frozen" in change["title"]


# ---- caching and CORS -----------------------------------------------------------------------


def test_gets_are_cacheable_for_a_short_while(client: TestClient, admin: dict[str, str]) -> None:
    for path in ("/v1/missions", "/v1/relations/RU/US", "/v1/timeline", "/dashboard/RU/US"):
        assert client.get(path).headers["cache-control"] == "public, max-age=5", path
    etag = client.get("/v1/missions").headers["etag"]
    not_modified = client.get("/v1/missions", headers={"If-None-Match": etag})
    assert not_modified.headers["cache-control"] == "public, max-age=5"
    # Errors, probes, answers that depend on a key, and writes are not for shared caches.
    assert "cache-control" not in client.get("/v1/missions/999999").headers
    assert "cache-control" not in client.get("/v1/missions?limit=0").headers
    assert client.get("/readyz").headers["cache-control"] == "no-store"
    assert client.get("/v1/keys", headers=admin).headers["cache-control"] == "private, no-cache"
    assert "cache-control" not in client.post("/v1/events", json={}, headers=admin).headers


def test_cache_max_age_and_cors_origins_are_settings(seeded_url: str) -> None:
    settings = Settings(
        database_url=seeded_url, cache_max_age=0, cors_origins=["https://dash.example"]
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/talks").headers["cache-control"] == "public, no-cache"
        allowed = client.get("/v1/talks", headers={"Origin": "https://dash.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://dash.example"
        other = client.get("/v1/talks", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers
    with TestClient(create_app(Settings(database_url=seeded_url, cache_max_age=60))) as client:
        assert client.get("/v1/talks").headers["cache-control"] == "public, max-age=60"


def test_cors_preflight_for_conditional_gets(client: TestClient) -> None:
    response = client.options(
        "/v1/relations/RU/US",
        headers={
            "Origin": "https://dashboard.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "GET" in response.headers["access-control-allow-methods"]
    assert "if-none-match" in response.headers["access-control-allow-headers"].lower()
    read = client.get("/v1/timeline", headers={"Origin": "https://dashboard.example"})
    assert read.headers["access-control-allow-origin"] == "*"
    assert "etag" in read.headers["access-control-expose-headers"].lower()


def test_today_decides_last_and_next_talks(api: TestClient) -> None:
    """A round dated after today is the next one, not the last."""
    dispute_id = _get(api, "/v1/relations/RU/US")["disputes"][0]["id"]
    future = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat()
    response = api.post(
        "/v1/talks",
        json={
            "dispute_id": dispute_id,
            "date": future,
            "date_precision": "day",
            "city": "Geneva",
            "outcome": "unknown",
            "citations": [{"source_id": 1, "quote": "would hold new consultations"}],
        },
    )
    assert response.status_code == 201, response.text
    [dispute] = _get(api, "/v1/relations/US/RU")["disputes"]
    assert dispute["last_talks"]["date"] == "2021-10-12"
    assert dispute["next_talks"]["id"] == response.json()["id"]
