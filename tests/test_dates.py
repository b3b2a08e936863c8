"""Dates tell the truth: a date known to the week, month or year is the first day of that span
(an ISO week's Monday, a month's 1st, 1 January) on every write path, on both databases."""

import shutil
from pathlib import Path
from typing import Any, cast

import orjson
import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.config import Settings
from app.db import make_engine, upgrade
from app.loaders.seed import SEED_DIR, SeedError, load_seed
from tests.conftest import NewDatabase, make_key
from tests.test_writes import _newest_change, new

MID = "2021-10-13"  # a Wednesday, mid-month, mid-year
# precision → the first day of MID's span, and the words the 422 says of MID
FIRST = {
    "week": (
        "2021-10-11",
        "2021-10-13 is a Wednesday: a date known to the week is written as its Monday, 2021-10-11",
    ),
    "month": (
        "2021-10-01",
        "2021-10-13 is not the 1st: a date known to the month is written "
        "as the 1st of its month, 2021-10-01",
    ),
    "year": (
        "2021-01-01",
        "2021-10-13 is not 1 January: a date known to the year is written as "
        "1 January of its year, 2021-01-01",
    ),
}
# Every resource with a date and its precision: (resource, date field, precision field).
DATED = [
    ("events", "date", "date_precision"),
    ("talks", "date", "date_precision"),
    ("headcounts", "as_of", "date_precision"),
    ("measures", "date", "date_precision"),
    ("expulsions", "date", "date_precision"),
    ("sources", "published_on", "date_precision"),
    ("missions", "status_since", "status_precision"),
]


@pytest.fixture(scope="module")
def api(own_api: TestClient) -> TestClient:
    return own_api


def _total(api: TestClient, resource: str) -> int:
    count: int = api.get(f"/v1/{resource}", params={"count": "true", "limit": 1}).json()["total"]
    return count


def _precision_of(record: dict[str, Any], field: str) -> str:
    if field == "status_precision":  # a mission's is its current status's
        precision: str = record["status_history"][0]["date_precision"]
        return precision
    return str(record[field])


def _refused_as(response: Any, field: str, message: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["loc"], e["type"], e["msg"]) for e in response.json()["errors"]] == [
        (["body", field], "date_not_first_day", message)
    ]


@pytest.mark.parametrize("precision", sorted(FIRST))
@pytest.mark.parametrize(("resource", "field", "precision_field"), DATED)
def test_a_date_of_a_span_is_its_first_day(
    api: TestClient, resource: str, field: str, precision_field: str, precision: str
) -> None:
    expected, message = FIRST[precision]
    before, newest = _total(api, resource), _newest_change(api)
    sent = api.post(
        f"/v1/{resource}", json=new(resource, **{field: MID, precision_field: precision})
    )
    _refused_as(sent, field, message)
    assert _total(api, resource) == before
    assert api.get("/v1/changes", params={"since": newest}).json()["items"] == []

    made = api.post(
        f"/v1/{resource}", json=new(resource, **{field: expected, precision_field: precision})
    )
    assert made.status_code == 201, made.text
    stored = api.get(made.headers["location"]).json()
    assert (stored[field], _precision_of(stored, precision_field)) == (expected, precision)


@pytest.mark.parametrize(("resource", "field", "precision_field"), DATED)
def test_a_patch_of_the_precision_alone_is_checked_with_the_stored_date(
    api: TestClient, resource: str, field: str, precision_field: str
) -> None:
    made = api.post(f"/v1/{resource}", json=new(resource, **{field: MID}))
    assert made.status_code == 201, made.text
    url, newest = made.headers["location"], _newest_change(api)
    stored = api.get(url).json()
    patched = api.patch(url, json={precision_field: "month"})
    _refused_as(patched, field, FIRST["month"][1])
    assert api.get(url).json() == stored
    assert api.get("/v1/changes", params={"since": newest}).json()["items"] == []


def test_an_import_names_each_row_whose_date_is_not_its_spans_first_day(api: TestClient) -> None:
    rows = [
        new("events", ref="dated-ok", date="2021-10-11", date_precision="week"),
        new("events", ref="dated-week", date=MID, date_precision="week"),
        new("events", ref="dated-year", date=MID, date_precision="year"),
    ]
    before = _total(api, "events")
    response = api.post(
        "/v1/events/import",
        content=orjson.dumps(rows),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert [
        (e["row"], e["loc"], e["type"], e["msg"], e["input"]) for e in response.json()["errors"]
    ] == [
        (2, ["row", 2, "date"], "date_not_first_day", FIRST["week"][1], MID),
        (3, ["row", 3, "date"], "date_not_first_day", FIRST["year"][1], MID),
    ]
    assert _total(api, "events") == before


def test_the_monthly_headcount_series_holds_the_first_days(api: TestClient) -> None:
    pair = {"sending_country": "GB", "host_country": "FR"}
    mid_year = new("headcounts", **pair, as_of=MID, date_precision="year", count=90)
    _refused_as(api.post("/v1/headcounts", json=mid_year), "as_of", FIRST["year"][1])
    for as_of, precision, count in [("2020-01-01", "year", 90), ("2021-10-01", "month", 80)]:
        body = new("headcounts", **pair, as_of=as_of, date_precision=precision, count=count)
        assert api.post("/v1/headcounts", json=body).status_code == 201
    series = api.get("/v1/headcounts/series", params={**pair, "interval": "month"})
    assert series.status_code == 200, series.text
    assert [
        (p["date"], p["date_precision"], p["count"])
        for s in series.json()["series"]
        for p in s["points"]
    ] == [("2020-01-01", "year", 90), ("2021-10-01", "month", 80)]


def test_a_record_deleted_with_an_untrue_date_is_not_restored_with_it(api: TestClient) -> None:
    """A record stored before the rule (its date set in the database, not through the API)
    and deleted: its snapshot is not brought back as it was, and the 422 says which day."""
    made = api.post("/v1/events", json=new("events", date="2021-10-11", date_precision="week"))
    assert made.status_code == 201, made.text
    event_id, url = made.json()["id"], cast(Any, api.app).state.settings.database_url
    engine = make_engine(Settings(database_url=url))
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE event SET date = '{MID}' WHERE id = {event_id}"))
    engine.dispose()
    assert api.delete(f"/v1/events/{event_id}").status_code == 204
    restored = api.post(f"/v1/events/{event_id}/restore", headers=make_key(url, "admin"))
    _refused_as(restored, "date", FIRST["week"][1])
    assert api.get(f"/v1/events/{event_id}").status_code == 404


def test_the_seed_is_held_to_the_rule(new_database: NewDatabase, tmp_path: Path) -> None:
    for path in SEED_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copytree(SEED_DIR / "sources", tmp_path / "sources")
    target = sorted(tmp_path.glob("*.yaml"))[0]
    document = yaml.safe_load(target.read_text())
    week = next(m for m in document["measures"] if m.get("date_precision") == "week")
    week["date"] = "2021-10-06"  # the Wednesday of the week the seed means
    target.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    url = new_database()
    upgrade(url)
    engine = make_engine(Settings(database_url=url))
    with pytest.raises(SeedError, match="2021-10-06 is a Wednesday.*its Monday, 2021-10-04"):
        load_seed(engine, tmp_path)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM measure")).scalar_one() == 0
    engine.dispose()
