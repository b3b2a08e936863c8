"""`GET /v1/citations`: every quote the API holds — each record's citations and the statements
quoted at talks — anchored in its source's text, with a link to its record; filtered, searched
and paged like every list. And a source's page lists every fact it supports, statements too.
Through HTTP, on both databases."""

import csv as csv_module
import io
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from app.citations.models import RecordType
from app.config import Settings
from app.main import create_app
from tests.conftest import NewDatabase, seeded
from tests.test_hardening import assert_problem
from tests.test_quotes import EVENT, Api, assert_anchored

# The lists whose records carry citations, and the record type each one's citations support
# (the expulsions are measures, listed with them).
RECORD_TYPES = {
    "officials": "official",
    "missions": "mission",
    "headcounts": "headcount",
    "measures": "measure",
    "visa-disputes": "visa_dispute",
    "talks": "talks",
    "events": "event",
}
ITEM_KEYS = [
    "id",
    "source_id",
    "quote",
    "start",
    "end",
    "prefix",
    "suffix",
    "verified",
    "supports",
    "record_type",
    "record_id",
    "url",
]


@pytest.fixture(scope="module")
def api(new_database: NewDatabase) -> Iterator[Api]:
    url = seeded(new_database)
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield Api(client, url)


def walk(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    """Every item of `/v1/citations` with these filters, page after page by cursor."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {**params}
    while True:
        response = client.get("/v1/citations", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]


def total(client: TestClient, **params: Any) -> int:
    response = client.get("/v1/citations", params={**params, "count": "true", "limit": 1})
    assert response.status_code == 200, response.text
    count: int = response.json()["total"]
    return count


Served = tuple[str, int, str, int, str, int | None, int | None]
"""A quote as the records serve it: record type and id, its page, source, words, offsets."""


def served_by_records(client: TestClient) -> Counter[Served]:
    """Every quote the records themselves serve: each record's citations, a mission's status
    changes' citations, and the statements of talks."""
    served: Counter[Served] = Counter()

    def add(kind: str, record_id: int, url: str, quotes: list[dict[str, Any]]) -> None:
        for q in quotes:
            served[(kind, record_id, url, q["source_id"], q["quote"], q["start"], q["end"])] += 1

    for resource, kind in RECORD_TYPES.items():
        items = client.get(f"/v1/{resource}", params={"limit": 1000}).json()["items"]
        for item in items:
            url = f"/v1/{resource}/{item['id']}"
            add(kind, item["id"], url, item["citations"])
            for change in item.get("status_history", []):
                add("mission_status", change["id"], url, change["citations"])
            add("talks_statement", item["id"], url, item.get("statements", []))
    return served


def listed(items: list[dict[str, Any]]) -> Counter[Served]:
    return Counter(
        (
            i["record_type"],
            i["record_id"],
            i["url"],
            i["source_id"],
            i["quote"],
            i["start"],
            i["end"],
        )
        for i in items
    )


def test_the_list_holds_every_quote_the_records_serve_anchored_in_its_source(api: Api) -> None:
    items = walk(api.client, limit=1000)
    assert listed(items) == served_by_records(api.client)
    kinds = {item["record_type"] for item in items}
    assert {"official", "mission_status", "talks", "talks_statement", "event"} <= kinds
    texts: dict[int, str] = {}
    for item in items:
        assert list(item) == ITEM_KEYS
        assert_anchored(api, item, texts)  # text[start:end] says the quote, prefix, suffix
    # The seed's statements, on their round of talks' page.
    said = [item for item in items if item["record_type"] == "talks_statement"]
    assert said
    assert {item["url"] for item in said} == {"/v1/talks/1"}
    statements = api.client.get("/v1/talks/1").json()["statements"]
    assert sorted(s["quote"] for s in statements) == sorted(item["quote"] for item in said)
    # A status change's quote links to its mission, and its mission's history holds it.
    [change] = [item for item in items if item["record_type"] == "mission_status"][:1]
    mission = api.client.get(change["url"]).json()
    history = {c["id"]: c["citations"] for c in mission["status_history"]}
    assert change["quote"] in [c["quote"] for c in history[change["record_id"]]]


def test_paging_by_two_walks_every_quote_once_in_every_sort(api: Api) -> None:
    everything = walk(api.client, limit=1000)
    ids = [item["id"] for item in everything]
    assert len(ids) == len(set(ids)) == total(api.client) > 20
    assert ids == sorted(ids)  # by id unless asked otherwise
    for sort in ("id", "-id", "source_id", "-source_id", "start", "-start"):
        paged = walk(api.client, limit=2, sort=sort)
        assert sorted(item["id"] for item in paged) == sorted(ids), sort
        assert paged == walk(api.client, limit=1000, sort=sort), sort
    in_order = walk(api.client, limit=2, source_id=1, sort="start")
    starts = [item["start"] for item in in_order]
    assert starts == sorted(starts)  # the order the text says them
    # One quote by its id in the list.
    first = everything[0]
    assert api.client.get(f"/v1/citations/{first['id']}").json() == first
    missing = max(ids) + 2
    assert_problem(api.client.get(f"/v1/citations/{missing}"), 404)


def test_each_filter_narrows_the_list(api: Api) -> None:
    # A source without a text (a paywalled page), cited by an event and quoted at talks.
    body = {"title": "Behind a paywall", "publisher": "Wire"}
    source = api.send("POST", "/v1/sources", body).json()["id"]
    quote = {"source_id": source, "quote": "Words nobody can check."}
    event = api.send("POST", "/v1/events", EVENT | {"citations": [quote]})
    assert event.status_code == 201, event.text
    statement = {"kind": "reported", **quote}
    talks_body = {
        "date": "2021-10-12",
        "outcome": "unknown",
        "statements": [statement],
        "citations": [{"source_id": 1, "quote": "talks in Moscow on Tuesday"}],
    }
    talks = api.send("POST", "/v1/talks", talks_body)
    assert talks.status_code == 201, talks.text
    everything = walk(api.client, limit=1000)
    assert len(everything) == total(api.client)

    def only(**params: Any) -> list[dict[str, Any]]:
        items = walk(api.client, limit=2, **params)
        assert len(items) == total(api.client, **params), params
        return items

    theirs = only(source_id=source)
    assert {(i["record_type"], i["url"]) for i in theirs} == {
        ("event", f"/v1/events/{event.json()['id']}"),
        ("talks_statement", f"/v1/talks/{talks.json()['id']}"),
    }
    unchecked = [i for i in everything if not i["verified"]]
    assert only(verified="false") == theirs == unchecked
    assert all(i["start"] is None and i["prefix"] is None for i in unchecked)
    assert only(verified="true") == [i for i in everything if i["verified"]]
    assert only(source_id=f"1,{source}") == everything
    assert only(source_id=source, verified="true") == []

    said = only(record_type="talks_statement")
    assert said == [i for i in everything if i["record_type"] == "talks_statement"]
    assert len(said) == 1 + len(api.client.get("/v1/talks/1").json()["statements"])
    both = only(record_type="event,talks_statement")
    assert both == [i for i in everything if i["record_type"] in ("event", "talks_statement")]
    assert only(record_type="mission_status", source_id=source) == []

    found = only(q="RYABKOV")  # best match first
    by_id = sorted(found, key=lambda i: i["id"])
    assert by_id == [i for i in everything if "ryabkov" in i["quote"].lower()]
    assert 0 < len(found) < len(everything)
    assert only(q="nobody can", record_type="talks_statement") == [said[-1]]
    assert only(q="ryabkov -ryabkov") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"verified": "maybe"}, "verified"),
        ({"record_type": "statement"}, "record_type"),
        ({"record_type": "event,nonsense"}, "record_type"),
        ({"source_id": "one"}, "source_id"),
        ({"source_id": "0"}, "source_id"),
        ({"source_id": "99999999999"}, "source_id"),
        ({"sort": "quote"}, "sort"),
        ({"q": "x" * 501}, "q"),
        ({"q": "%"}, "q"),  # no word to search for
    ],
)
def test_a_bad_filter_value_is_a_422_naming_it(
    api: Api, params: dict[str, str], field: str
) -> None:
    problem = assert_problem(api.client.get("/v1/citations", params=params), 422)
    assert problem["type"] == "/problems/validation"
    assert {tuple(e["loc"][:2]) for e in problem["errors"]} == {("query", field)}


def test_the_list_exports_as_csv_and_ndjson(api: Api) -> None:
    items = walk(api.client, limit=1000, source_id=1)
    ndjson = api.client.get("/v1/citations", params={"source_id": 1, "format": "ndjson"})
    assert ndjson.status_code == 200, ndjson.text
    assert [orjson.loads(line) for line in ndjson.text.splitlines()] == items
    csv = api.client.get("/v1/citations", params={"source_id": 1}, headers={"Accept": "text/csv"})
    assert csv.status_code == 200, csv.text
    header, *rows = csv_module.reader(io.StringIO(csv.text))
    assert header == ITEM_KEYS
    assert rows == [
        ["true" if v is True else "" if v is None else str(v) for v in item.values()]
        for item in items
    ]


def test_a_source_lists_its_talks_statements_among_its_facts(api: Api) -> None:
    facts = api.client.get("/v1/sources/1").json()["facts"]
    statements = api.client.get("/v1/talks/1").json()["statements"]
    said = [fact for fact in facts if fact["record_type"] == "talks_statement"]
    assert len(said) == len(statements) > 0
    anchors = ("source_id", "quote", "start", "end", "prefix", "suffix", "verified")
    in_text_order = sorted(statements, key=lambda statement: statement["start"])
    for fact, statement in zip(said, in_text_order, strict=True):
        assert {k: fact[k] for k in anchors} == {k: statement[k] for k in anchors}
        assert (fact["record_id"], fact["url"]) == (1, "/v1/talks/1")
    # The facts are the source's quotes as the list gives them, in the order the text says them.
    listed = walk(api.client, limit=1000, source_id=1, sort="start")
    assert facts == [{k: v for k, v in item.items() if k != "id"} for item in listed]


def test_the_record_types_documented_are_every_records_and_talks_statements() -> None:
    schema = create_app().openapi()
    operation = schema["paths"]["/v1/citations"]["get"]
    [parameter] = [p for p in operation["parameters"] if p["name"] == "record_type"]
    [values] = [o for o in parameter["schema"]["anyOf"] if o.get("type") == "array"]
    enum = schema["components"]["schemas"][values["items"]["$ref"].split("/")[-1]]["enum"]
    assert set(enum) == {kind.value for kind in RecordType} | {"talks_statement"}
