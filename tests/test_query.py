"""Query power on generated data: filters, ranges, search, sorts and exports agree with a
plain Python reading of the same rows."""

import csv
import datetime as dt
import io
import random
import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from app.all_models import metadata
from app.config import Settings
from app.db import make_engine, upgrade
from app.main import create_app
from tests.conftest import NewDatabase, said

KINDS = ["expulsion", "mission_closure", "staff_cap", "visa_restriction", "freeze", "other"]
STAGES = ["considered", "threatened", "proposed", "ordered", "implemented"]
COUNTRIES = ["RU", "US", "GB", "FR", "DE"]
WORDS = ["Consulate", "embassy", "visa 100%", "under_score", "Moscow"]


def _measures(count: int) -> list[dict[str, Any]]:
    rng = random.Random(20211012)
    rows = []
    for i in range(1, count + 1):
        dated = rng.random() > 0.2
        day = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(1500)) if dated else None
        precision = rng.choice(["day", "month"]) if day else None
        rows.append(
            {
                "id": i,
                "kind": rng.choice(KINDS),
                "stage": rng.choice(STAGES),
                "actor_country": rng.choice(COUNTRIES),
                "target_country": rng.choice(COUNTRIES),
                "diplomats_count": rng.choice([None, 0, 5, 10, 300]),
                # a date of a month is its first day, as the API has it
                "date": day.replace(day=1) if day and precision == "month" else day,
                "date_precision": precision,
                "summary": f"measure {i} about {rng.choice(WORDS)}",
            }
        )
    return rows


@pytest.fixture(scope="module")
def generated(new_database: NewDatabase) -> Iterator[tuple[TestClient, list[dict[str, Any]]]]:
    url = new_database()
    upgrade(url)
    rows = _measures(150)
    engine = make_engine(Settings(database_url=url))
    with engine.begin() as connection:
        connection.execute(insert(metadata.tables["measure"]), rows)
        connection.execute(
            insert(metadata.tables["source"]).values(
                id=1, title="Generated", publisher="tests", published_on=dt.date(2021, 10, 12)
            )
        )
        connection.execute(
            insert(metadata.tables["citation"]),
            [
                {
                    "source_id": 1,
                    "record_type": "measure",
                    "record_id": r["id"],
                    "quote": quote,
                }
                for r in rows
                # None on every fifth measure; two, with CSV's special characters, on others.
                for quote in [f"q {r['id']}", 'said "no", then\nleft'][
                    : r["id"] % 5 and 1 + r["id"] % 2
                ]
            ],
        )
    engine.dispose()
    # Small export batches, so exports cross many batch boundaries.
    settings = Settings(database_url=url, export_batch_size=7)
    with TestClient(create_app(settings)) as client:
        yield client, rows


def _words(row: dict[str, Any]) -> set[str]:
    """A generated measure's words, as the search index reads them: its summary's and its
    kind's, split at anything but letters and digits."""
    return set(re.findall(r"[^\W_]+", f"{row['summary']} {row['kind']}".lower()))


def _all(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params = {"limit": 13, **params}
    while True:
        body = client.get("/v1/measures", params=params).json()
        items += body["items"]
        if not body["next_cursor"]:
            return items
        params["cursor"] = body["next_cursor"]


def _ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"kind": "expulsion"}, lambda r: r["kind"] == "expulsion"),
        ({"stage": "proposed,ordered"}, lambda r: r["stage"] in ("proposed", "ordered")),
        (
            {"actor_country": "rus", "target_country": "USA"},
            lambda r: (r["actor_country"], r["target_country"]) == ("RU", "US"),
        ),
        (
            {"from": "2020-01-01"},
            lambda r: r["date"] is not None and r["date"] >= dt.date(2020, 1, 1),
        ),
        (
            {"to": "2020-06-30"},
            lambda r: r["date"] is not None and r["date"] <= dt.date(2020, 6, 30),
        ),
        (
            {"from": "2020-01-01", "to": "2020-01-31"},
            lambda r: (
                r["date"] is not None and dt.date(2020, 1, 1) <= r["date"] <= dt.date(2020, 1, 31)
            ),
        ),
        ({"q": "CONSULATE"}, lambda r: "consulate" in _words(r)),
        ({"q": "100%"}, lambda r: "100" in _words(r)),  # words: `%` is not one
        ({"q": "under_score"}, lambda r: "under_score" in r["summary"]),
        ({"q": "unde*"}, lambda r: any(word.startswith("unde") for word in _words(r))),
        ({"q": "embassy or moscow"}, lambda r: bool({"embassy", "moscow"} & _words(r))),
        ({"q": "about -moscow"}, lambda r: "moscow" not in _words(r)),
        (
            {"kind": "freeze", "q": "moscow", "from": "2019-06-01"},
            lambda r: (
                r["kind"] == "freeze"
                and "moscow" in r["summary"].lower()
                and r["date"] is not None
                and r["date"] >= dt.date(2019, 6, 1)
            ),
        ),
    ],
)
def test_filters_select_exactly_the_matching_rows(
    generated: tuple[TestClient, list[dict[str, Any]]], params: dict[str, str], keep: Any
) -> None:
    client, rows = generated
    expected = sorted(r["id"] for r in rows if keep(r))
    got = _ids(_all(client, **params))  # with `q`, best match first
    assert sorted(got) == expected
    assert len(got) == len(set(got))
    assert client.get("/v1/measures", params={**params, "count": "true"}).json()["total"] == len(
        expected
    )


@pytest.mark.parametrize("sort", ["date", "-date", "diplomats_count", "-diplomats_count", "-id"])
def test_sorts_page_through_every_row_once(
    generated: tuple[TestClient, list[dict[str, Any]]], sort: str
) -> None:
    client, rows = generated
    field, descending = sort.lstrip("-"), sort.startswith("-")
    known = sorted(
        (r for r in rows if r[field] is not None),
        key=lambda r: (r[field], r["id"]),
        reverse=descending,
    )
    unknown = sorted(
        (r for r in rows if r[field] is None), key=lambda r: r["id"], reverse=descending
    )
    assert _ids(_all(client, sort=sort)) == _ids(known + unknown)


def test_csv_export_streams_every_matching_row(
    generated: tuple[TestClient, list[dict[str, Any]]],
) -> None:
    client, rows = generated
    response = client.get("/v1/measures", params={"format": "csv", "stage": "ordered", "limit": 5})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    records = list(csv.DictReader(io.StringIO(response.text)))
    expected = [r for r in rows if r["stage"] == "ordered"]
    assert [int(r["id"]) for r in records] == _ids(expected)
    assert len(records) > 7  # more than one export batch
    first = records[0]
    assert set(first) >= {"id", "kind", "stage", "date", "citations", "summary"}
    quotes = {int(r["id"]): r["citations"] for r in records}
    for measure_id, cell in quotes.items():
        expected_quotes = [f"q {measure_id}", 'said "no", then\nleft'][
            : measure_id % 5 and 1 + measure_id % 2
        ]
        parsed = orjson.loads(cell) if cell else []
        assert said(parsed) == [{"source_id": 1, "quote": q} for q in expected_quotes]
    assert any(cell == "" for cell in quotes.values())
    assert any(len(orjson.loads(cell)) == 2 for cell in quotes.values() if cell)


def test_ndjson_export_by_accept_header_matches_the_json_pages(
    generated: tuple[TestClient, list[dict[str, Any]]],
) -> None:
    client, _ = generated
    response = client.get(
        "/v1/measures", params={"sort": "-date"}, headers={"Accept": "application/x-ndjson"}
    )
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [orjson.loads(line) for line in response.text.splitlines()]
    assert lines == _all(client, sort="-date")


def test_export_of_nothing_is_a_header_only_csv(
    generated: tuple[TestClient, list[dict[str, Any]]],
) -> None:
    client, _ = generated
    response = client.get(
        "/v1/measures", params={"format": "csv", "from": "1990-01-01", "to": "1990-01-02"}
    )
    lines = response.text.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("id,ref,kind,stage")


def test_bad_range_and_bad_format_are_422(
    generated: tuple[TestClient, list[dict[str, Any]]],
) -> None:
    client, _ = generated
    for params in (
        {"from": "2021-02-01", "to": "2021-01-01"},
        {"from": "yesterday"},
        {"to": "0"},  # not a Unix time: a day is YYYY-MM-DD
        {"from": "20210101"},
        {"format": "xml"},
        {"q": "x" * 501},
    ):
        response = client.get("/v1/measures", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
