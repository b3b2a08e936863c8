"""The stored views (migration 0014: timeline entries and scopes, headcount buckets; 0020: the
quotes) are what they are made of after every kind of write: the data sets' loads, the API's
creates, updates, deletes and restores of every table they read, and SQL of one's own."""

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.config import Settings
from app.main import create_app
from tests.conftest import Loaded, every, make_key

QUOTE = {"source_id": 1, "quote": "the number of diplomats"}
ENTRY = (
    "key, kind, id, page_id, date, date_precision, country_a, country_b, subject, state, "
    "number, label"
)


# The quotes as the `quotes` view of revision 0009 made them, before 0020 stored them.
QUOTES_MADE = """
SELECT 2 * c.id, c.source_id, c.quote, c.start_offset, c.end_offset, c.prefix, c.suffix,
       c.start_offset IS NOT NULL, c.record_type, c.record_id,
       CASE WHEN c.record_type = 'mission_status' THEN s.mission_id ELSE c.record_id END,
       CAST(c.supports AS TEXT)
FROM citation c
LEFT JOIN mission_status s ON c.record_type = 'mission_status' AND s.id = c.record_id
UNION ALL
SELECT 2 * t.id + 1, t.source_id, t.quote, t.start_offset, t.end_offset, t.prefix, t.suffix,
       t.start_offset IS NOT NULL, 'talks_statement', t.talks_id, t.talks_id, NULL
FROM talks_statement t"""
QUOTES_STORED = (
    'SELECT id, source_id, quote, start, "end", prefix, suffix, verified, record_type, '
    "record_id, page_id, CAST(supports AS TEXT) FROM quotes"
)


def _rows(url: str, statement: str) -> set[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {tuple(row) for row in connection.execute(text(statement)).all()}
    finally:
        engine.dispose()


def _execute(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _day(value: Any) -> str:
    return str(value)[:10]


def _bucket(day: str, span: str) -> str:
    return f"{day[:4]}-01-01" if span == "year" else f"{day[:7]}-01"


def assert_stored_views_current(url: str) -> None:
    """Entries, scopes and buckets as the `timeline` view and the headcounts make them."""
    made = _rows(url, f"SELECT {ENTRY} FROM timeline")  # noqa: S608
    stored = _rows(url, f"SELECT {ENTRY} FROM timeline_entry")  # noqa: S608
    assert stored == made
    countries: dict[int, set[str]] = {}
    for event_id, country in _rows(url, "SELECT event_id, country FROM event_country"):
        countries.setdefault(event_id, set()).add(country)
    scopes = set()
    for key, kind, record_id, _, date, *_, a, b, _s, _st, _n, _l in sorted(made):
        involved = countries.get(record_id, set()) if kind == "event" else {a, b} - {None}
        wanted = [*involved, *(f"{x}|{y}" for x in involved for y in involved if x < y)]
        scopes |= {(scope, _day(date), key) for scope in wanted}
    stored_scopes = {
        (scope, _day(date), key)
        for scope, date, key in _rows(url, "SELECT scope, date, key FROM timeline_scope")
    }
    assert stored_scopes == scopes
    last: dict[tuple[Any, ...], tuple[str, int]] = {}
    for row in _rows(
        url,
        "SELECT id, sending_country, host_country, category, kind, mission_id, as_of "
        "FROM headcount",
    ):
        record_id, *key, mission_id, as_of = row
        for span in ("month", "year"):
            bucket = (span, *key, mission_id or 0, _bucket(_day(as_of), span))
            last[bucket] = max(last.get(bucket, ("", 0)), (_day(as_of), record_id))
    buckets = {(*bucket, record_id) for bucket, (_, record_id) in last.items()}
    stored_buckets = {
        (*row[:6], _day(row[6]), row[7])
        for row in _rows(
            url,
            "SELECT span, sending_country, host_country, category, kind, mission_key, bucket, "
            "headcount_id FROM headcount_bucket",
        )
    }
    assert stored_buckets == buckets
    assert _rows(url, QUOTES_STORED) == _rows(url, QUOTES_MADE)


@pytest.fixture(scope="module")
def writable(loaded_copy: Callable[[], str]) -> Iterator[tuple[TestClient, str]]:
    url = loaded_copy()
    api = TestClient(create_app(Settings(database_url=url)), headers=make_key(url, "write"))
    with api:
        yield api, url


def test_the_data_sets_loads_leave_them_current(loaded: Loaded) -> None:
    assert_stored_views_current(loaded.url)
    assert _rows(loaded.url, "SELECT count(*) FROM timeline_scope") != {(0,)}


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_every_write_keeps_them_current(writable: tuple[TestClient, str]) -> None:
    api, url = writable
    admin = make_key(url, "admin")
    made = [
        _created(
            api.post(
                "/v1/headcounts",
                json={
                    "sending_country": sending,
                    "host_country": host,
                    "as_of": day,
                    "category": "diplomatic",
                    "kind": "actual",
                    "count": count,
                    "citations": [QUOTE],
                },
            )
        )
        for sending, host, day, count in (
            ("RU", "US", "2020-03-10", 48),
            ("RU", "US", "2020-03-20", 47),
            ("RU", "US", "2020-11-01", 45),
            ("US", "RU", "2021-01-05", 150),
        )
    ]
    assert_stored_views_current(url)
    # Moving a count to another month and year, then deleting the last of a month.
    moved = api.patch(f"/v1/headcounts/{made[1]['id']}", json={"as_of": "2019-12-31"})
    assert moved.status_code == 200, moved.text
    assert api.delete(f"/v1/headcounts/{made[2]['id']}").status_code == 204
    assert_stored_views_current(url)
    restored = api.post(f"/v1/headcounts/{made[2]['id']}/restore", headers=admin)
    assert restored.status_code in (200, 201), restored.text
    assert_stored_views_current(url)
    # An event's countries, added and taken away; a mission renamed; an event deleted.
    event = _created(
        api.post(
            "/v1/events",
            json={
                "date": "2021-10-11",
                "kind": "incident",
                "countries": ["RU", "US", "GB"],
                "summary": "A test event.",
                "citations": [QUOTE],
            },
        )
    )
    assert_stored_views_current(url)

    def keys(countries: str) -> list[str]:
        return [item["key"] for item in every(api, "/v1/timeline", countries=countries)]

    assert f"event:{event['id']}" in keys("GB,US,RU")
    changed = api.patch(f"/v1/events/{event['id']}", json={"countries": ["US", "FR"]})
    assert changed.status_code == 200, changed.text
    assert_stored_views_current(url)
    assert f"event:{event['id']}" not in keys("GB,US,RU")
    assert f"event:{event['id']}" in keys("FR,US")
    mission = every(api, "/v1/missions", sending_country="US", host_country="RU")[0]
    renamed = api.patch(f"/v1/missions/{mission['id']}", json={"city": "Vladivostok"})
    assert renamed.status_code == 200, renamed.text
    assert_stored_views_current(url)
    # A status change moved to another mission by hand: its quotes are shown on that one's page.
    [(change, moved_from)] = _rows(
        url,
        "SELECT s.id, s.mission_id FROM mission_status s WHERE s.id = (SELECT min(record_id) "
        "FROM citation WHERE record_type = 'mission_status')",
    )
    _execute(url, f"UPDATE mission_status SET mission_id = {mission['id']} WHERE id = {change}")
    assert_stored_views_current(url)
    urls = {quote["url"] for quote in every(api, "/v1/citations", record_type="mission_status")}
    assert f"/v1/missions/{mission['id']}" in urls
    _execute(url, f"UPDATE mission_status SET mission_id = {moved_from} WHERE id = {change}")
    assert api.delete(f"/v1/events/{event['id']}").status_code == 204
    assert_stored_views_current(url)


@pytest.mark.parametrize("countries", ["RU,US", "US", "USA,RUS", "US,US", "FR"])
def test_countries_walk_the_scopes_and_find_what_involves_them_all(
    loaded: Loaded, countries: str
) -> None:
    with TestClient(create_app(Settings(database_url=loaded.url))) as api:
        named = {"USA": "US", "RUS": "RU"}
        wanted = {named.get(code, code) for code in countries.split(",")}
        involved: dict[str, set[str]] = {}
        for key, a, b in _rows(loaded.url, "SELECT key, country_a, country_b FROM timeline_entry"):
            involved[key] = {a, b} - {None}
        for event_id, country in _rows(loaded.url, "SELECT event_id, country FROM event_country"):
            involved.setdefault(f"event:{event_id}", set()).add(country)
        everything = every(api, "/v1/timeline")
        expected = [item["key"] for item in everything if wanted <= involved[item["key"]]]
        found = every(api, "/v1/timeline", countries=countries)
        assert [item["key"] for item in found] == expected
        assert expected, "the data sets have facts of these countries"
        newest_first = every(api, "/v1/timeline", countries=countries, sort="-date")
        assert [item["date"] for item in newest_first] == sorted(
            (item["date"] for item in found), reverse=True
        )
        assert dt.date.fromisoformat(found[0]["date"]) <= dt.date.fromisoformat(found[-1]["date"])
