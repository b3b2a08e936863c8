"""The list contract on rows made for it: on a fresh database, records with ties on every sort
field (and NULLs where one may be unknown) are created through the API, and every list is
walked page by page, for every sort it documents and its descending form, with small pages.

The expected order is worked out here, from the values the test sent, by the rule the docs
give: by the sort value, ties broken by id (in the sort's direction), unknown values (null)
last either way. The seed cannot test this: it has no headcounts and no ties.
"""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pycountry
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from app.config import Settings
from app.db import make_engine, upgrade, write_transaction
from app.historic_countries import historic_countries
from app.main import create_app
from app.posts.models import OfficialPost
from app.representations.models import Representation
from tests import test_citations as citations
from tests.conftest import NewDatabase, make_key

N = 10  # records of most resources; enough for ties on every sort, few enough to walk quickly
LIMITS = (1, 2, 7)
D0, D1, D2, D3 = DATES = ["2021-10-04", "2021-10-11", "2021-10-12", "2021-11-01"]
SEARCH = "gui*"  # the countries list, filtered: 6 countries with plain ASCII names
NOT_PAGED = {"/v1/keys"}  # every key at once, for admins
LISTS = [
    "/v1/missions",
    "/v1/headcounts",
    "/v1/measures",
    "/v1/expulsions",
    "/v1/visa-disputes",
    "/v1/talks",
    "/v1/officials",
    "/v1/events",
    "/v1/sources",
    "/v1/countries",
    "/v1/timeline",
    "/v1/citations",
    "/v1/representations",
    "/v1/posts",
]
RESOURCES = ["officials", "missions", "headcounts", "measures", "visa-disputes", "talks", "events"]

# Five values a sort field runs through: ties, and two unknowns where the field may be null.
# Words are of one case and ASCII letters only, so any collation orders them as Python does.
WORDS = ["Crisis", "Accord", "Crisis", "Detente", "Accord"]
DAYS = [D1, D0, D2, D0, D1]
SOME_DAYS = [None, D1, D3, D1, None]
SENDERS = ["RU", "US", "RU", "GB", "US"]
HOSTS = ["FR", "DE", "DE", "PL", "FR"]
COUNTS = [300, 10, 300, 455, 10]
SOME_COUNTS = [10, None, 300, None, 10]


def run(values: list[Any], i: int, group: int = 2) -> Any:
    """Row i's value of a sort field. A filter below keeps the rows of one residue of i modulo
    `group`, and each residue goes through all of `values`: the filtered list ties too."""
    return values[(i // group) % len(values)]


Row = dict[str, Any]


# The texts of the second and third sources (the first has none): each holds both quotes, in
# another order, so that the quotes of a source tie on `start` and differ from another's.
TEXTS = {1: "a quote; b quote", 2: "b quote; a quote"}


def quoting(sources: list[int], i: int) -> Row:
    """Row i's quote: from one of the first three sources (without text: `start` unknown), one
    of two quotes, each standing once in a text."""
    return {"source_id": sources[i % 3], "quote": ["a quote", "b quote"][(i // 3) % 2]}


def rows_for(resource: str, sources: list[int]) -> list[Row]:
    """The import file of each resource, each row with a `ref` to find its id by. Sort fields
    take `run` values; the field a filter keeps goes by i modulo the group."""
    builders: dict[str, Callable[[int], Row]] = {
        "officials": lambda i: {
            "name": run(WORDS, i),
            "country": run(SENDERS, i),
            "title": ["Envoy", "Consul"][i % 2],
        },
        "missions": lambda i: {
            "sending_country": run(SENDERS, i),
            "host_country": run(HOSTS, i),
            "kind": ["embassy", "consulate"][i % 2],
            "status": "operating",
            "status_since": run(SOME_DAYS, i),
        },
        "headcounts": lambda i: {
            "sending_country": "RU",
            "host_country": "US",
            "as_of": run(DAYS, i),
            "category": "diplomatic",
            "kind": ["cap", "actual"][i % 2],
            "count": run(COUNTS, i),
        },
        # Every other measure is an expulsion, and every other expulsion is American: the
        # expulsions, and the American ones, tie as the measures do.
        "measures": lambda i: {
            "kind": ["expulsion", "freeze", "expulsion", "staff_cap"][i % 4],
            "stage": ["proposed", "ordered", "threatened", "considered"][i % 4],
            "actor_country": ["US", "US", "RU", "RU"][i % 4],
            "target_country": ["RU", "RU", "US", "US"][i % 4],
            "date": run(SOME_DAYS, i, 4),
            "date_precision": None if run(SOME_DAYS, i, 4) is None else "day",
            "diplomats_count": run(SOME_COUNTS, i, 4),
        },
        "visa-disputes": lambda i: {
            "country_a": "RU",
            "country_b": "US",
            "title": f"Row {i}",
            "status": ["open", "resolved"][i % 2],
            "issues": ["visas"],
            "opened_on": run(SOME_DAYS, i),
        },
        "talks": lambda i: {
            "date": run(DAYS, i),
            "outcome": ["no_progress", "unknown"][i % 2],
            "host_country": "CH",
            "statements": [{"kind": "reported", **quoting(sources, i + 1)}],
        },
        "events": lambda i: {
            "date": run(DAYS, i),
            "kind": "other",
            "summary": f"Event {i}",
            "countries": [["RU", "US"], ["GB"]][i % 2],
        },
    }
    count = 2 * N if resource == "measures" else N
    return [
        {"ref": f"{resource}-{i}", **builders[resource](i), "citations": [quoting(sources, i)]}
        for i in range(count)
    ]


def source_rows() -> list[Row]:
    return [
        {
            "ref": f"sources-{i}",
            "title": run(WORDS, i),
            "publisher": ["Wire", "Gazette"][i % 2],
            "published_on": run(SOME_DAYS, i),
            **({"text": TEXTS[i]} if i in TEXTS else {}),
        }
        for i in range(N)
    ]


@dataclass
class Listed:
    """What one list should hold: its records (as sent, with the id the API gave them), the
    name of their id, and a filter with the records it keeps."""

    records: list[Row]
    filter_params: dict[str, str]
    keeps: Callable[[Row], bool]
    id_name: str = "id"


@dataclass
class World:
    client: TestClient
    lists: dict[str, Listed] = field(default_factory=dict)
    openapi: dict[str, Any] = field(default_factory=dict)
    writes: list[tuple[str, int, str]] = field(default_factory=list)  # resource, id, action
    history_of: tuple[str, int] = ("", 0)


def _import(client: TestClient, resource: str, rows: list[Row], key: dict[str, str]) -> None:
    response = client.post(
        f"/v1/{resource}/import",
        content=orjson.dumps(rows),
        headers={**key, "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == len(rows)


def _by_ref(client: TestClient, resource: str) -> dict[str, Row]:
    """The stored records by ref: where the test learns the ids the database gave."""
    items = client.get(f"/v1/{resource}", params={"limit": 1000}).json()["items"]
    return {item["ref"]: item for item in items}


def _with_ids(client: TestClient, resource: str, rows: list[Row]) -> list[Row]:
    stored = _by_ref(client, resource)
    assert len(stored) == len(rows)
    found = []
    for row in rows:
        item = stored[row["ref"]]
        # What the API serves is what was sent; the expected order comes from what was sent.
        # (Quotes are served with where they stand: tests/test_quotes.py.)
        quotes = ("citations", "statements")
        assert {k: item[k] for k in row if k in item and k not in quotes} == {
            k: v for k, v in row.items() if k in item and k not in quotes
        }
        found.append({**row, "id": item["id"], "stored": item})
    return found


def _timeline(lists: dict[str, Listed]) -> list[Row]:
    """Every dated fact, keyed as the timeline keys them (`kind:id`, for a mission's status the
    id of its status change)."""
    facts: list[Row] = []
    for path, kind, date in (
        ("/v1/talks", "talks", "date"),
        ("/v1/measures", "measure", "date"),
        ("/v1/headcounts", "headcount", "as_of"),
        ("/v1/events", "event", "date"),
        ("/v1/visa-disputes", "dispute", "opened_on"),
    ):
        for record in lists[path].records:
            if record[date] is not None:
                facts.append({"key": f"{kind}:{record['id']}", "kind": kind, "date": record[date]})
    for record in lists["/v1/missions"].records:
        if record["status_since"] is not None:
            (change,) = record["stored"]["status_history"]
            facts.append(
                {
                    "key": f"mission_status:{change['id']}",
                    "kind": "mission_status",
                    "date": record["status_since"],
                }
            )
    return facts


def _countries() -> list[Row]:
    """ISO 3166-1 from pycountry, and the former countries the data sets name: the data the
    country table is made from."""
    return [
        {
            "code": c.alpha_2,
            "name": c.name,
            "alpha3": c.alpha_3,
            "official_name": getattr(c, "official_name", None),
        }
        for c in pycountry.countries
    ] + [
        {"code": c.code, "name": c.name, "alpha3": c.alpha3, "official_name": c.official_name}
        for c in historic_countries().values()
    ]


def _stored(url: str, table: Any, rows: list[Row], days: tuple[str, ...]) -> list[Row]:
    """Rows only a data set's load writes, stored as it would (the `days` as dates)."""
    engine = make_engine(Settings(database_url=url))
    with write_transaction(engine) as connection:
        connection.execute(
            insert(table),
            [
                {
                    **row,
                    **{
                        name: dt.date.fromisoformat(row[name]) if row[name] else None
                        for name in days
                    },
                }
                for row in rows
            ],
        )
    engine.dispose()
    return rows


def _posts(url: str, officials: list[Row]) -> list[Row]:
    """Chiefs of mission's posts, which only a data set's load writes."""
    rows = [
        {
            "ref": f"post-{i}",
            "official_id": officials[i % len(officials)]["id"],
            "sending_country": "US",
            "host_country": ["FR", "DE"][i % 2],
            "title": ["Envoy", "Ambassador", "Chargé"][i % 3],
            "appointed_on": run(SOME_DAYS, i + 2),
            "appointed_precision": "day" if run(SOME_DAYS, i + 2) else None,
            "credentials_on": run(SOME_DAYS, i),
            "credentials_precision": "month" if run(SOME_DAYS, i) else None,
        }
        for i in range(N)
    ]
    return _stored(url, OfficialPost.__table__, rows, ("appointed_on", "credentials_on"))  # type: ignore[attr-defined]


def _representations(url: str) -> list[Row]:
    """Representation periods, which only a data set's load writes: stored as it would."""
    rows = [
        {
            "ref": f"representation-{i}",
            "sending_country": run(SENDERS, i),
            "host_country": run(HOSTS, i),
            "level": ["embassy", "none"][i % 2],
            "valid_from": run(DAYS, i),
            "valid_to": run(SOME_DAYS, i),
            "since": run(SOME_DAYS, i),
            "since_precision": "day" if run(SOME_DAYS, i) else None,
        }
        for i in range(N)
    ]
    table = Representation.__table__  # type: ignore[attr-defined]
    return _stored(url, table, rows, ("valid_from", "valid_to", "since"))


def _found_by_search(country: Row) -> bool:
    fields = (country["name"], country["official_name"], country["code"], country["alpha3"])
    words = re.findall(r"[^\W_]+", " ".join(value or "" for value in fields).lower())
    return any(word.startswith(SEARCH.rstrip("*")) for word in words)


@pytest.fixture(scope="module")
def world(new_database: NewDatabase) -> Iterator[World]:
    url = new_database()
    upgrade(url)  # a fresh database: the migrations' countries, nothing else
    key = make_key(url, "write")
    with TestClient(create_app(Settings(database_url=url))) as client:
        world = World(client, openapi=client.get("/openapi.json").json())
        _import(client, "sources", source_rows(), key)
        sources = _with_ids(client, "sources", source_rows())
        source_ids = [source["id"] for source in sources]
        records = {"sources": sources}
        for resource in RESOURCES:
            rows = rows_for(resource, source_ids)
            _import(client, resource, rows, key)
            records[resource] = _with_ids(client, resource, rows)

        lists = world.lists
        lists["/v1/sources"] = Listed(
            sources, {"publisher": "Wire"}, lambda r: r["publisher"] == "Wire"
        )
        lists["/v1/officials"] = Listed(
            records["officials"], {"q": "CONSUL"}, lambda r: r["title"] == "Consul"
        )
        lists["/v1/missions"] = Listed(
            records["missions"], {"kind": "consulate"}, lambda r: r["kind"] == "consulate"
        )
        lists["/v1/headcounts"] = Listed(
            records["headcounts"], {"kind": "cap"}, lambda r: r["kind"] == "cap"
        )
        lists["/v1/measures"] = Listed(
            records["measures"],
            {"stage": "proposed,ordered"},
            lambda r: r["stage"] in ("proposed", "ordered"),
        )
        lists["/v1/expulsions"] = Listed(
            [r for r in records["measures"] if r["kind"] == "expulsion"],
            {"actor_country": "US"},
            lambda r: r["actor_country"] == "US",
        )
        lists["/v1/visa-disputes"] = Listed(
            records["visa-disputes"], {"status": "open"}, lambda r: r["status"] == "open"
        )
        lists["/v1/talks"] = Listed(
            records["talks"], {"outcome": "no_progress"}, lambda r: r["outcome"] == "no_progress"
        )
        lists["/v1/events"] = Listed(
            records["events"], {"country": "usa"}, lambda r: "US" in r["countries"]
        )
        lists["/v1/timeline"] = Listed(
            _timeline(lists),
            {"kinds": "talks,headcount,mission_status", "from": D1},
            lambda r: r["kind"] in ("talks", "headcount", "mission_status") and r["date"] >= D1,
            id_name="key",
        )
        # Every quote: the ones the records serve (each record's citations, the talks'
        # statements), as the list gives them with their ids.
        quotes = citations.walk(client, limit=1000)
        assert citations.listed(quotes) == citations.served_by_records(client)
        two = source_ids[:2]  # one without text, one with
        lists["/v1/citations"] = Listed(
            quotes,
            {"source_id": ",".join(map(str, two))},
            lambda r: r["source_id"] in two,
        )
        lists["/v1/countries"] = Listed(
            _countries(), {"q": SEARCH}, _found_by_search, id_name="code"
        )
        lists["/v1/representations"] = Listed(
            _with_ids(client, "representations", _representations(url)),
            {"level": "embassy"},
            lambda r: r["level"] == "embassy",
        )
        lists["/v1/posts"] = Listed(
            _with_ids(client, "posts", _posts(url, records["officials"])),
            {"host_country": "FR"},
            lambda r: r["host_country"] == "FR",
        )

        world.writes = [
            (resource, record["id"], "create")
            for resource, made in records.items()
            for record in made
        ]
        # A record with a history of its own: created, then changed five times.
        official = records["officials"][0]["id"]
        for n in range(5):
            response = client.patch(
                f"/v1/officials/{official}", json={"title": f"Envoy {n}"}, headers=key
            )
            assert response.status_code == 200, response.text
            world.writes.append(("officials", official, "update"))
        world.history_of = ("officials", official)
        yield world


def _sorts(operation: dict[str, Any]) -> tuple[list[str], str]:
    """The sort fields a list's description documents, and its default."""
    found = re.search(r"Sorts: ([^;]+);", operation.get("description", ""))
    assert found, f"{operation['operationId']} does not document its sorts"
    names = [name.strip() for name in found.group(1).split(",")]
    defaults = [n.removesuffix(" (default)") for n in names if n.endswith(" (default)")]
    assert len(defaults) == 1, names
    return [n.removesuffix(" (default)") for n in names], defaults[0]


def _item_schema(openapi: dict[str, Any], path: str) -> dict[str, Any]:
    schemas = openapi["components"]["schemas"]
    content = openapi["paths"][path]["get"]["responses"]["200"]["content"]
    page = schemas[content["application/json"]["schema"]["$ref"].split("/")[-1]]
    item: dict[str, Any] = schemas[page["properties"]["items"]["items"]["$ref"].split("/")[-1]]
    return item


def _nullable(item_schema: dict[str, Any], name: str) -> bool:
    spec = item_schema["properties"][name]
    return any(option.get("type") == "null" for option in spec.get("anyOf", []))


def expected_order(records: list[Row], name: str, descending: bool, id_name: str) -> list[Any]:
    """The documented order, by hand: by value, ties by id, both in the sort's direction;
    unknown values last, whichever the direction."""
    known = [r for r in records if r[name] is not None]
    unknown = [r for r in records if r[name] is None]
    known.sort(key=lambda r: (r[name], r[id_name]), reverse=descending)
    unknown.sort(key=lambda r: r[id_name], reverse=descending)
    return [r[id_name] for r in known + unknown]


def walk(client: TestClient, path: str, params: dict[str, Any], limit: int) -> list[Row]:
    """Every page from the first, following `Link: rel=next`; checks each page's envelope."""
    items: list[Row] = []
    url: str | None = path
    query: dict[str, Any] | None = {**params, "limit": limit, "count": "true"}
    totals = set()
    while url is not None:
        response = client.get(url, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        totals.add(page["total"])
        link = response.headers.get("link")
        assert (link is None) == (page["next_cursor"] is None)
        # Full pages until the last, which is not empty (unless the list is).
        assert len(page["items"]) == limit or (link is None and (page["items"] or not items))
        items += page["items"]
        url = link.split(";")[0].strip("<>") if link else None
        query = None
        assert len(items) <= 1000, "paging does not end"
    assert totals == {len(items)}, f"total {totals} but {len(items)} items"
    return items


def check_every_sort(world: World, path: str, filtered: bool) -> None:
    listed = world.lists[path]
    operation = world.openapi["paths"][path]["get"]
    sorts, default = _sorts(operation)
    params = listed.filter_params if filtered else {}
    records = [r for r in listed.records if listed.keeps(r)] if filtered else listed.records
    assert records
    # All 249 countries one at a time would be most of this file's requests: pages of 50.
    limits = LIMITS if filtered or len(records) < 100 else (50,)
    for name in sorts:
        for descending in (False, True):
            order = f"-{name}" if descending else name
            expected = expected_order(records, name, descending, listed.id_name)
            for limit in limits:
                items = walk(world.client, path, params | {"sort": order}, limit)
                got = [item[listed.id_name] for item in items]
                assert got == expected, f"{path}?sort={order}&limit={limit} {params}"
    # No `sort`: the documented default (with `q`, best match first: tests/test_search.py).
    expected = expected_order(records, default, False, listed.id_name)
    page = world.client.get(path, params={**params, "limit": 1000}).json()["items"]
    got = [i[listed.id_name] for i in page]
    if "q" in params:
        got, expected = sorted(got), sorted(expected)
    assert got == expected, f"{path} default order"


def test_every_documented_list_is_walked_here(world: World) -> None:
    documented = {
        path
        for path, operations in world.openapi["paths"].items()
        if operations.get("get", {}).get("operationId", "").startswith("list_")
    }
    assert documented - NOT_PAGED == {*LISTS, "/v1/changes"}


@pytest.mark.parametrize("filtered", [False, True], ids=["all", "filtered"])
@pytest.mark.parametrize("path", [p for p in LISTS if p != "/v1/countries"])
def test_the_made_rows_tie_on_every_sort_and_leave_nullable_ones_unknown(
    world: World, path: str, filtered: bool
) -> None:
    """Checks the test's own data: without ties and nulls, the walks below prove little.
    (Countries cannot tie: their codes and names are unique.)"""
    listed = world.lists[path]
    records = [r for r in listed.records if listed.keeps(r)] if filtered else listed.records
    item = _item_schema(world.openapi, path)
    sorts, _ = _sorts(world.openapi["paths"][path]["get"])
    for name in sorts:
        if name in ("id", listed.id_name):
            continue
        known = [r[name] for r in records if r[name] is not None]
        assert len(set(known)) < len(known), f"{path}: no tie on {name}"
        assert len(set(known)) > 1, f"{path}: {name} has one value"
        unknown = len(records) - len(known)
        if _nullable(item, name):
            assert unknown >= 2, f"{path}: {name} may be null but no two rows leave it so"
        else:
            assert unknown == 0


@pytest.mark.parametrize("path", LISTS)
def test_pages_hold_every_record_once_in_the_documented_order(world: World, path: str) -> None:
    check_every_sort(world, path, filtered=False)


@pytest.mark.parametrize("path", LISTS)
def test_filtered_pages_hold_every_match_once_in_the_documented_order(
    world: World, path: str
) -> None:
    listed = world.lists[path]
    assert 0 < sum(map(listed.keeps, listed.records)) < len(listed.records)
    check_every_sort(world, path, filtered=True)


def _feed(client: TestClient, since: int, limit: int) -> list[Row]:
    """The change feed from `since`, followed by its `next_cursor` (and `Link`) until it is
    null; then a poll with `last_id` as `since` finds nothing new."""
    items: list[Row] = []
    params: dict[str, Any] = {"since": since, "limit": limit}
    while True:
        response = client.get("/v1/changes", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items += page["items"]
        last = page["items"][-1]["id"] if page["items"] else since
        assert page["last_id"] == last
        if page["next_cursor"] is None:
            assert "Link" not in response.headers
            polled = client.get("/v1/changes", params={"since": page["last_id"]}).json()
            assert (polled["items"], polled["next_cursor"]) == ([], None)
            return items
        assert len(page["items"]) == limit
        assert page["next_cursor"] == str(last)
        # The Link keeps `since` beside the cursor, which takes its place.
        link = re.fullmatch(
            r"<http://testserver(/v1/changes\?.*)>; rel=\"next\"", response.headers["Link"]
        )
        assert link is not None, response.headers["Link"]
        assert link[1].endswith(f"&cursor={page['next_cursor']}")
        params, since = dict(httpx.URL(link[1]).params), last
        assert len(items) <= 1000, "the feed does not end"


def test_change_feed_pages_hold_every_write_once_in_order(world: World) -> None:
    written = sorted(world.writes)
    everything = _feed(world.client, 0, 7)
    assert sorted((c["resource"], c["record_id"], c["action"]) for c in everything) == written
    ids = [c["id"] for c in everything]
    assert ids == sorted(set(ids)), "out of order or twice"
    assert _feed(world.client, 0, 1000) == everything
    # From the last few, in smaller steps: the changes after `since`, each once.
    since = everything[-13]["id"]
    for limit in (1, 2):
        assert _feed(world.client, since, limit) == everything[-12:], f"limit={limit}"


def test_history_pages_hold_every_change_of_the_record_once(world: World) -> None:
    resource, record_id = world.history_of
    changes = [
        c["id"]
        for c in _feed(world.client, 0, 1000)
        if (c["resource"], c["record_id"]) == (resource, record_id)
    ]
    assert len(changes) == 6
    path = f"/v1/{resource}/{record_id}/history"
    for order, expected in (("id", changes), ("-id", changes[::-1])):
        for limit in LIMITS:
            got = [c["id"] for c in walk(world.client, path, {"sort": order}, limit)]
            assert got == expected, f"{path}?sort={order}&limit={limit}"
    # Newest first unless asked otherwise.
    default = world.client.get(path).json()["items"]
    assert [c["id"] for c in default] == changes[::-1]


def test_the_change_feed_refuses_a_cursor_it_did_not_issue(world: World) -> None:
    """A 400, as every list answers a cursor it did not issue (README)."""
    for cursor in ("abc", "-1", "99999999999", "9999999999", "１２"):
        response = world.client.get("/v1/changes", params={"cursor": cursor})
        assert response.status_code == 400, (cursor, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "not one this feed issued" in response.json()["detail"]
    events = world.client.get("/v1/events", params={"cursor": "abc"})
    assert events.status_code == 400, events.text
