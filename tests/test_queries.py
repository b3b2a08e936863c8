"""A page costs a fixed number of queries, however many records and citations it holds."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, insert

from app.all_models import metadata
from app.config import Settings
from app.db import make_engine, upgrade
from app.main import create_app
from tests.conftest import NewDatabase

RECORDS = 60
DAY = dt.date(2021, 10, 12)


@pytest.fixture(scope="module")
def busy_client(new_database: NewDatabase) -> Iterator[TestClient]:
    """A database with many missions and talks, each with citations and nested parts."""
    url = new_database()
    upgrade(url)
    engine = make_engine(Settings(database_url=url))
    t = metadata.tables
    with engine.begin() as connection:
        connection.execute(
            insert(t["source"]).values(id=1, title="Generated", publisher="tests", published_on=DAY)
        )
        connection.execute(insert(t["official"]).values(id=1, name="A", country="RU"))
        connection.execute(
            insert(t["official_post"]).values(
                official_id=1, sending_country="RU", host_country="US", title="Ambassador"
            )
        )
        for i in range(1, RECORDS + 1):
            connection.execute(
                insert(t["mission"]).values(
                    id=i, sending_country="RU", host_country="US", kind="consulate", status="frozen"
                )
            )
            connection.execute(
                insert(t["mission_status"]).values(
                    [{"mission_id": i, "status": s} for s in ("operating", "frozen")]
                )
            )
            connection.execute(
                insert(t["talks_round"]).values(
                    id=i, date=DAY, date_precision="day", outcome="unknown"
                )
            )
            connection.execute(
                insert(t["talks_participant"]).values(talks_id=i, official_id=1, side="RU")
            )
            connection.execute(
                insert(t["talks_statement"]).values(
                    talks_id=i, official_id=1, kind="direct", quote="q", source_id=1
                )
            )
            for record_type in ("mission", "talks", "mission_status"):
                connection.execute(
                    insert(t["citation"]).values(
                        [
                            {
                                "source_id": 1,
                                "record_type": record_type,
                                "record_id": i,
                                "quote": f"q{n}",
                            }
                            for n in (2, 0, 1)  # written in this order: not sorted by quote
                        ]
                    )
                )
    engine.dispose()
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client


def _statements(
    client: TestClient, path: str, *, selects_only: bool = True, **params: Any
) -> tuple[int, dict[str, Any]]:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def count(*args: Any) -> None:
        if not selects_only or args[2].lstrip().upper().startswith("SELECT"):
            seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        body = client.get(path, params=params).json()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), body


@pytest.mark.parametrize("path", ["/v1/missions", "/v1/talks"])
def test_a_page_of_50_costs_what_a_page_of_1_costs(busy_client: TestClient, path: str) -> None:
    one, small = _statements(busy_client, path, limit=1)
    fifty, big = _statements(busy_client, path, limit=50)
    assert len(small["items"]) == 1
    assert len(big["items"]) == 50
    assert all(len(item["citations"]) == 3 for item in big["items"])
    assert fifty == one
    # The page (with its citations and the ETag's version), then one query per other
    # embedded relation.
    assert fifty <= 3
    # Citations come in the order they were written, on the page as on the record.
    for item in big["items"]:
        assert [c["quote"] for c in item["citations"]] == ["q2", "q0", "q1"]
    record = busy_client.get(f"{path}/{big['items'][0]['id']}").json()
    assert record["citations"] == big["items"][0]["citations"]


def test_a_page_of_citable_records_is_one_statement(busy_client: TestClient) -> None:
    """Records whose only embed is their citations: rows, citations and the list's version
    (its ETag) come from one statement."""
    # Not even a BEGIN (SQLite): one statement is consistent on its own.
    # (Officials are not: they embed their posts too.)
    statements, body = _statements(busy_client, "/v1/posts", selects_only=False, limit=50)
    assert statements == 1
    assert body["items"]
    etag = busy_client.get("/v1/posts", params={"limit": 50}).headers["etag"]
    assert busy_client.get("/v1/posts", headers={"If-None-Match": etag}).status_code == 304
