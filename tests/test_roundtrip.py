"""Exports a journalist can trust: for every resource with imports, an export imported back
changes nothing, value for value (records without `ref` included); CSV exports disarm
spreadsheet formulas, and importing them gives back the exact text. On both databases."""

import csv
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import NewDatabase, make_key, seeded

CITE = [{"source_id": 1, "quote": "the number of diplomats"}]

# Text a spreadsheet would run as a formula, or that looks like the quote an export adds,
# with the CSV cell each must export as (OWASP's rule: a `'` before =, +, -, @, tab, CR).
TEXTS: list[tuple[str, str]] = [
    ('=HYPERLINK("http://example.org/x","click")', '\'=HYPERLINK("http://example.org/x","click")'),
    ("+7 495 000-00-00", "'+7 495 000-00-00"),
    ("-300 diplomats", "'-300 diplomats"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tafter a tab", "'\tafter a tab"),
    ("\rafter a carriage return", "'\rafter a carriage return"),
    ("'=quoted already", "''=quoted already"),
    ("''+quoted twice", "'''+quoted twice"),
    ("'a quote, then a word", "'a quote, then a word"),
    ("A dash - inside = is fine", "A dash - inside = is fine"),
]


# The source the talks' statements quote: a text holding every one of TEXTS, made first (so
# its id is the one after the seed's source), each on a line.
QUOTED = 2
QUOTED_SOURCE = {
    "ref": "formulas",
    "title": "Formulas",
    "publisher": "Tests",
    "text": "\n".join(f"{n}: {text}" for n, (text, _) in enumerate(TEXTS)),
}


def _source(text: str, ref: str | None) -> dict[str, Any]:
    return {"title": text, "publisher": text, "published_on": "2021-11-02", "ref": ref}


def _official(text: str, ref: str | None) -> dict[str, Any]:
    return {"name": text, "country": "RU", "title": text, "ref": ref, "citations": CITE}


def _mission(text: str, ref: str | None) -> dict[str, Any]:
    return {
        "sending_country": "GB",
        "host_country": "RU",
        "kind": "consulate",
        "city": text,
        "status": "operating",
        "ref": ref,
        "citations": CITE,
    }


def _headcount(text: str, ref: str | None) -> dict[str, Any]:
    # A headcount's only free text is its ref: ref-less ones get the text nowhere.
    return {
        "sending_country": "RU",
        "host_country": "US",
        "as_of": "2021-11-01",
        "category": "diplomatic",
        "kind": "actual",
        "count": 7,
        "ref": None if ref is None else text,
        "citations": CITE,
    }


def _measure(text: str, ref: str | None, kind: str = "freeze") -> dict[str, Any]:
    return {
        "kind": kind,
        "stage": "considered",
        "actor_country": "RU",
        "actor_body": text,
        "target_country": "US",
        "condition": text,
        "summary": text,
        "date": "2021-10-12",
        "ref": ref,
        "citations": CITE,
    }


def _dispute(text: str, ref: str | None) -> dict[str, Any]:
    return {
        "country_a": "RU",
        "country_b": "GB",
        "title": text,
        "status": "open",
        "issues": ["visas", "staffing_levels"],
        "next_round": {"planned": True, "date": "2021-12-01"},
        "ref": ref,
        "citations": CITE,
    }


def _talks(text: str, ref: str | None) -> dict[str, Any]:
    return {
        "dispute_id": 1,
        "date": "2021-11-03",
        "city": text,
        "host_country": "RU",
        "outcome": "no_progress",
        "summary": text,
        "participants": [{"official_id": 1, "side": "RU"}],
        "statements": [{"official_id": 1, "kind": "direct", "source_id": QUOTED, "quote": text}],
        "ref": ref,
        "citations": CITE,
    }


def _event(text: str, ref: str | None) -> dict[str, Any]:
    return {
        "date": "2021-10-20",
        "kind": "incident",
        "countries": ["RU", "US"],
        "summary": text,
        "ref": ref,
        "citations": CITE,
    }


# Each resource with imports: how to make one of its records around a text, and the column
# of its CSV export that shows that text.
RESOURCES: dict[str, tuple[Callable[[str, str | None], dict[str, Any]], str]] = {
    "sources": (_source, "title"),
    "officials": (_official, "name"),
    "missions": (_mission, "city"),
    "headcounts": (_headcount, "ref"),
    "measures": (_measure, "summary"),
    "expulsions": (lambda text, ref: _measure(text, ref, "expulsion"), "actor_body"),
    "visa-disputes": (_dispute, "title"),
    "talks": (_talks, "summary"),
    "events": (_event, "summary"),
}


@pytest.fixture(scope="module")
def api(new_database: NewDatabase) -> Iterator[TestClient]:
    """A seeded database, plus for every resource a record around each text, every other
    one without a `ref`."""
    url = seeded(new_database)
    with TestClient(create_app(Settings(database_url=url)), headers=make_key(url, "write")) as c:
        assert c.post("/v1/sources", json=QUOTED_SOURCE).json()["id"] == QUOTED
        for resource, (make, _) in RESOURCES.items():
            for n, (text, _) in enumerate(TEXTS):
                ref = f"roundtrip-{resource}-{n}" if n % 2 else None
                created = c.post(f"/v1/{resource}", json=make(text, ref))
                assert created.status_code == 201, created.text
        yield c


def records(api: TestClient, resource: str) -> list[dict[str, Any]]:
    """Every record as the JSON API shows it, page by page, and each one by id."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 1000, "sort": "id"}
    while True:
        page = api.get(f"/v1/{resource}", params=params).json()
        items += page["items"]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    return [*items, *(api.get(f"/v1/{resource}/{item['id']}").json() for item in items)]


def last_change(api: TestClient) -> Any:
    return api.get("/v1/changes", params={"since": 0, "limit": 1000}).json()["last_id"]


def send(api: TestClient, resource: str, body: bytes, media_type: str) -> Any:
    return api.post(f"/v1/{resource}/import", content=body, headers={"Content-Type": media_type})


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_an_export_imported_back_changes_nothing(api: TestClient, resource: str, fmt: str) -> None:
    before, logged = records(api, resource), last_change(api)
    rows = len(before) // 2
    assert any(item["ref"] is None for item in before[:rows])
    exported = api.get(f"/v1/{resource}", params={"format": fmt})
    media_type = exported.headers["content-type"].split(";")[0]

    dry = api.post(
        f"/v1/{resource}/import",
        content=exported.content,
        params={"dry_run": "true"},
        headers={"Content-Type": media_type},
    )
    assert dry.json() == {
        "dry_run": True,
        "rows": rows,
        "created": 0,
        "updated": 0,
        "unchanged": rows,
    }
    imports_unchanged(api, resource, exported.content, media_type, before, logged)


def imports_unchanged(
    api: TestClient, resource: str, body: bytes, media_type: str, before: Any, logged: Any
) -> None:
    """Imported, the file changes nothing: every row is of a record left as it was (`before`,
    as `records` gives them), and no change is logged after `logged`."""
    report = send(api, resource, body, media_type)
    assert report.status_code == 200, report.text
    rows = len(before) // 2
    assert report.json() == {
        "dry_run": False,
        "rows": rows,
        "created": 0,
        "updated": 0,
        "unchanged": rows,
    }
    assert records(api, resource) == before
    assert last_change(api) == logged


@pytest.mark.parametrize("resource", RESOURCES)
def test_csv_exports_disarm_formulas_and_imports_restore_the_text(
    api: TestClient, resource: str
) -> None:
    _, column = RESOURCES[resource]
    exported = api.get(f"/v1/{resource}", params={"format": "csv"})
    table = list(csv.reader(io.StringIO(exported.text, newline="")))
    header = table[0]
    cells = [row[header.index(column)] for row in table[1:]]
    # (Ref-less headcounts have no text to show: only every other one shows its text.)
    for _, cell in TEXTS if resource != "headcounts" else TEXTS[1::2]:
        assert cell in cells

    # The same file without its ids: ref-less rows become new records, which must hold the
    # very texts of the records they were exported from; rows with a ref match their record
    # (a headcount's ref is the text) and leave it as it is.
    before = records(api, resource)[: len(table) - 1]
    without_ids = io.StringIO()
    writer = csv.writer(without_ids)
    for row in table:
        writer.writerow([cell for name, cell in zip(header, row, strict=True) if name != "id"])
    report = send(api, resource, without_ids.getvalue().encode(), "text/csv")
    assert report.status_code == 200, report.text
    copied = [item for item in before if item["ref"] is None]
    assert report.json() == {
        "dry_run": False,
        "rows": len(before),
        "created": len(copied),
        "updated": 0,
        "unchanged": len(before) - len(copied),
    }
    copies = records(api, resource)[len(before) : len(before) + len(copied)]
    assert [_without_ids(copy) for copy in copies] == [_without_ids(item) for item in copied]


WHOLE = re.compile(r"-?[0-9]+")
PANDAS_WROTE = {"measures": ",300.0,", "expulsions": ",300.0,", "visa-disputes": ",True,"}
BOOLEAN = {"true": "True", "false": "False"}


def as_pandas_writes(text: str) -> str:
    """A CSV as `pandas.read_csv(...).to_csv(index=False)` gives it back on Python 3.13 (pandas
    is no dependency here; this was checked against pandas 3.1 on these very files): a column
    of whole numbers with an empty cell becomes floats (`300.0`), a column of booleans
    `True`/`False`, a column of numbers loses what a number does not keep; lines end in `\n`.
    (Python before 3.13 leaves a carriage return in a cell unquoted, which no CSV reader can
    tell from the end of a line: such a file cannot be read back by anyone.)"""
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    columns = [[row[i] for row in rows] for i in range(len(header))]
    for column in columns:
        values = [cell for cell in column if cell]
        if values and all(WHOLE.fullmatch(cell) for cell in values):
            gaps = len(values) < len(column)
            column[:] = [
                cell and (repr(float(cell)) if gaps else str(int(cell))) for cell in column
            ]
        elif values and all(cell.lower() in BOOLEAN for cell in values):
            column[:] = [cell and BOOLEAN[cell.lower()] for cell in column]
    lines = [header, *zip(*columns, strict=True)]
    return "".join(",".join(_quoted(cell) for cell in line) + "\n" for line in lines)


def _quoted(cell: str) -> str:
    """A cell as Python's CSV writer quotes it (minimally) on 3.13."""
    if any(special in cell for special in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_csv_export_through_pandas_imports_back_unchanged(api: TestClient, resource: str) -> None:
    """Export, `pandas.read_csv`, `to_csv(index=False)`, import: nothing changes, though pandas
    wrote `300.0` for 300, `True` for true and nothing for null."""
    before, logged = records(api, resource), last_change(api)
    exported = api.get(f"/v1/{resource}", params={"format": "csv"}).text
    through = as_pandas_writes(exported)
    # What pandas changes is there: 300 as `300.0` (a column with nulls), true as `True`.
    assert PANDAS_WROTE.get(resource, "") in through
    imports_unchanged(api, resource, through.encode(), "text/csv", before, logged)


def _without_ids(value: Any) -> Any:
    """A record, and the parts it holds (a mission's status history), without their own ids."""
    if isinstance(value, dict):
        return {key: _without_ids(inner) for key, inner in value.items() if key != "id"}
    if isinstance(value, list):
        return [_without_ids(inner) for inner in value]
    return value


def test_ndjson_exports_keep_the_text_as_it_is(api: TestClient) -> None:
    lines = api.get("/v1/events", params={"format": "ndjson"}).text.splitlines()
    summaries = {orjson.loads(line)["summary"] for line in lines}
    assert {text for text, _ in TEXTS} <= summaries


def test_the_timeline_csv_disarms_formulas(api: TestClient) -> None:
    exported = api.get("/v1/timeline", params={"format": "csv", "kinds": "event"})
    titles = [row["title"] for row in csv.DictReader(io.StringIO(exported.text, newline=""))]
    assert '\'=HYPERLINK("http://example.org/x","click")' in titles
    assert "''=quoted already" in titles
    assert not [title for title in titles if title[:1] in ("=", "+", "-", "@", "\t", "\r")]
