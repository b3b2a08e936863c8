"""Bulk import: all or nothing, every bad row reported, rows matched by `id` then `ref`,
files with no records refused, on both databases. (Export → import: tests/test_roundtrip.py.)"""

import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import NewDatabase, make_key, said, seeded
from tests.test_cli import DIPLO, _diplo, _refused, _run

CITE = [{"source_id": 1, "quote": "the number of diplomats"}]


@pytest.fixture(scope="module")
def db(new_database: NewDatabase) -> str:
    url = seeded(new_database)
    return url


@pytest.fixture(scope="module")
def api(db: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=db)), headers=make_key(db, "write")) as client:
        yield client


def headcounts(count: int, prefix: str, **changes: Any) -> list[dict[str, Any]]:
    return [
        {
            "ref": f"{prefix}-{i}",
            "sending_country": "RU",
            "host_country": "US",
            "as_of": f"{2000 + i % 20}-01-01",
            "category": "diplomatic",
            "kind": "cap",
            "count": i,
            "citations": CITE,
            **changes,
        }
        for i in range(count)
    ]


def total(api: TestClient, resource: str) -> int:
    count: int = api.get(f"/v1/{resource}", params={"count": "true", "limit": 1}).json()["total"]
    return count


def changes(api: TestClient) -> int:
    return int(api.get("/v1/changes", params={"since": 0, "limit": 1000}).json()["last_id"])


def send(api: TestClient, resource: str, body: bytes, media_type: str, **params: Any) -> Any:
    return api.post(
        f"/v1/{resource}/import", content=body, params=params, headers={"Content-Type": media_type}
    )


def as_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: orjson.dumps(v).decode() if isinstance(v, list) else v for k, v in row.items()}
        )
    return out.getvalue().encode()


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_import_creates_then_a_second_import_changes_nothing(api: TestClient, fmt: str) -> None:
    rows = headcounts(25, f"imp-{fmt}")
    body, media_type = {
        "json": (orjson.dumps(rows), "application/json"),
        "ndjson": (b"\n".join(orjson.dumps(r) for r in rows), "application/x-ndjson"),
        "csv": (as_csv(rows), "text/csv"),
    }[fmt]
    before = total(api, "headcounts")
    first = send(api, "headcounts", body, media_type)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "dry_run": False,
        "rows": 25,
        "created": 25,
        "updated": 0,
        "unchanged": 0,
    }
    assert total(api, "headcounts") == before + 25
    logged = changes(api)
    again = send(api, "headcounts", body, media_type)
    assert again.json()["unchanged"] == 25
    assert total(api, "headcounts") == before + 25
    assert changes(api) == logged
    imported = api.get("/v1/headcounts", params={"sort": "-id", "limit": 1}).json()["items"][0]
    assert said(imported["citations"]) == CITE
    history = api.get(f"/v1/headcounts/{imported['id']}/history").json()["items"]
    assert [h["action"] for h in history] == ["create"]
    assert history[0]["key_id"] is not None


def test_one_bad_row_rejects_the_file_and_every_bad_row_is_reported(api: TestClient) -> None:
    rows = headcounts(10, "bad")
    rows[2]["count"] = -5
    rows[5]["sending_country"] = "XX"
    rows[5]["category"] = "spies"
    rows[7]["mission_id"] = 424242
    rows[8]["ref"] = rows[1]["ref"]
    before, logged = total(api, "headcounts"), changes(api)
    response = send(api, "headcounts", orjson.dumps(rows), "application/json")
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"].startswith("4 of 10 rows are invalid")
    # Each error names the row, the field and the value refused.
    reported = {(e["row"], e["loc"][2], e["input"]) for e in problem["errors"]}
    assert reported == {
        (3, "count", -5),
        (6, "sending_country", "XX"),
        (6, "category", "spies"),
        (8, "mission_id", 424242),
        (9, "ref", rows[1]["ref"]),
    }
    assert total(api, "headcounts") == before
    assert changes(api) == logged


def test_every_row_error_shows_the_value_refused(api: TestClient) -> None:
    """`input` is in every row's error: the value refused, or null where there is none (a
    field left out)."""
    first = one_headcount(api, ref="shown-first")
    second = one_headcount(api, ref="shown-second")
    new_row = headcounts(1, "shown-new")[0]
    rows: list[dict[str, Any]] = [
        {**first, "id": "first"},
        {**new_row, "id": 99999},
        {**first, "ref": "shown-second"},
        {**second, "as_of": "someday"},
        {key: value for key, value in new_row.items() if key != "category"},
        {**new_row, "ref": None, "count": 1.5, "citations": []},
    ]
    errors = send(api, "headcounts", orjson.dumps(rows), "application/json").json()["errors"]
    assert sorted((e["row"], e["loc"][2:], e["input"]) for e in errors) == [
        (1, ["id"], "first"),
        (2, ["id"], 99999),
        (3, ["ref"], "shown-second"),
        (4, ["as_of"], "someday"),
        (5, ["category"], None),
        (6, ["citations"], None),  # a list: none of its items to name
        (6, ["count"], 1.5),
    ]
    assert all("input" in error for error in errors)


def _imported(api: TestClient, resource: str, text: str, *refs: str) -> list[dict[str, Any]]:
    """Imports a CSV that makes the records of these refs; the records as the API reads them."""
    report = send(api, resource, text.encode(), "text/csv")
    assert report.status_code == 200, report.text
    assert report.json()["created"] == len(refs)
    items = api.get(f"/v1/{resource}", params={"limit": 1000}).json()["items"]
    found = {item["ref"]: item for item in items}
    return [found[ref] for ref in refs]


def test_a_csv_as_pandas_writes_it_is_read(api: TestClient) -> None:
    """pandas (`read_csv`, then `to_csv(index=False)`) writes a column of whole numbers that has
    a gap as floats (`300.0`), booleans as `True`/`False`, and a gap as an empty cell: those
    are the numbers, booleans and nulls they were. `300.5` is no whole number: a 422 naming
    the row, the column and the cell."""
    measures = cited_csv(
        "ref,kind,stage,actor_country,target_country,diplomats_count,in_response_to,date,"
        "date_precision",
        "pd-m-1,expulsion,ordered,RU,US,300.0,,2021-10-01,day",
        "pd-m-2,freeze,considered,RU,US,,1.0,,",
        "pd-m-3,expulsion,ordered,RU,US,-0.0,,,",
    )
    found = _imported(api, "measures", measures, "pd-m-1", "pd-m-2", "pd-m-3")
    assert [(m["diplomats_count"], m["in_response_to"], m["date"]) for m in found] == [
        (300, None, "2021-10-01"),
        (None, 1, None),
        (0, None, None),
    ]
    disputes = cited_csv(
        "ref,country_a,country_b,title,status,issues,next_round.planned,next_round.date",
        "pd-d-1,RU,US,Visas,open,visas,True,2021-12-01",
        "pd-d-2,RU,US,Visas,open,visas,FALSE,",
        "pd-d-3,RU,US,Visas,open,visas,false,",
    )
    found = _imported(api, "visa-disputes", disputes, "pd-d-1", "pd-d-2", "pd-d-3")
    assert [d["next_round"] for d in found] == [
        {"planned": True, "date": "2021-12-01"},
        {"planned": False, "date": None},
        {"planned": False, "date": None},
    ]

    before, logged = total(api, "measures"), changes(api)
    bad = measures.replace("pd-m-", "pd-bad-").replace(",300.0,", ",300.5,")
    bad = bad.replace(",1.0,", ",one,").replace(",-0.0,", ",1e3,")
    response = send(api, "measures", bad.encode(), "text/csv")
    assert response.status_code == 422, response.text
    assert [(e["row"], e["loc"], e["input"]) for e in response.json()["errors"]] == [
        (1, ["row", 1, "diplomats_count"], "300.5"),
        (2, ["row", 2, "in_response_to"], "one"),
        (3, ["row", 3, "diplomats_count"], "1e3"),
    ]
    assert (total(api, "measures"), changes(api)) == (before, logged)
    refused = disputes.replace("pd-d-", "pd-bad-").replace(",True,", ",yes please,")
    [error] = send(api, "visa-disputes", refused.encode(), "text/csv").json()["errors"]
    assert (error["loc"], error["input"]) == (["row", 1, "next_round", "planned"], "yes please")


def cited_csv(header: str, *rows: str) -> str:
    """A CSV with one more column, `citations`, citing the seed's article in every row."""
    cell = '"' + orjson.dumps(CITE).decode().replace('"', '""') + '"'
    return "\n".join([f"{header},citations", *(f"{row},{cell}" for row in rows)])


def test_a_csv_cell_is_said_wrong_as_the_export_writes_it(api: TestClient) -> None:
    """A list of objects is a JSON list in its cell, a list of values is separated by `; `:
    a cell written otherwise is refused saying so, with the cell (and nothing is written)."""
    cited = '"' + orjson.dumps(CITE).decode().replace('"', '""') + '"'
    cells = [
        ("RU; US", cited),
        ('"RU,US"', cited),
        ("RU", "q"),  # citations: not JSON
        ("RU", '"[{""source_id"": 1"'),  # broken JSON
        ("RU", '"[""q""]"'),  # a list, not of objects
    ]
    lines = ["ref,date,kind,summary,countries,citations"] + [
        f"cells-{n},2021-10-13,other,Something.,{countries},{citations}"
        for n, (countries, citations) in enumerate(cells)
    ]
    before, logged = total(api, "events"), changes(api)
    response = send(api, "events", "\n".join(lines).encode(), "text/csv")
    assert response.status_code == 422, response.text
    said = "must be a JSON list of {source_id, quote} objects, as the export writes it"
    assert [(e["loc"], e["msg"], e["input"]) for e in response.json()["errors"]] == [
        (
            ["row", 2, "countries", 0],
            "'RU,US' is not an ISO 3166-1 alpha-2 or alpha-3 country code, nor a former "
            "country's code (a list cell "
            "separates its values with `; `, as the export writes them)",
            "RU,US",
        ),
        (["row", 3, "citations"], said, "q"),
        (["row", 4, "citations"], said, '[{"source_id": 1'),
        (["row", 5, "citations", 0], said, "q"),
    ]
    assert (total(api, "events"), changes(api)) == (before, logged)


def test_dry_run_reports_and_writes_nothing(api: TestClient) -> None:
    rows = headcounts(5, "dry")
    before = total(api, "headcounts")
    report = send(api, "headcounts", orjson.dumps(rows), "application/json", dry_run="true")
    assert report.json() == {"dry_run": True, "rows": 5, "created": 5, "updated": 0, "unchanged": 0}
    assert total(api, "headcounts") == before


def test_changed_rows_update_by_ref(api: TestClient) -> None:
    rows = headcounts(3, "upd")
    send(api, "headcounts", orjson.dumps(rows), "application/json")
    rows[1]["count"] = 999
    report = send(api, "headcounts", orjson.dumps(rows), "application/json").json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 2)
    found = api.get("/v1/headcounts", params={"sort": "-count", "limit": 1}).json()["items"][0]
    assert (found["ref"], found["count"]) == ("upd-1", 999)


def test_unreadable_or_unknown_files_are_refused(api: TestClient) -> None:
    assert send(api, "events", b"<xml/>", "application/xml").status_code == 415
    assert send(api, "events", b"[{", "application/json").status_code == 400
    assert send(api, "events", b'{"a": 1}', "application/json").status_code == 400
    assert send(api, "events", b"\xff\xfe", "text/csv").status_code == 400
    anonymous = api.post("/v1/events/import", content=b"[]", headers={"Authorization": ""})
    assert anonymous.status_code == 401


def test_import_from_the_cli(db: str, tmp_path: Path, api: TestClient) -> None:
    path = tmp_path / "headcounts.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in headcounts(4, "cli")))
    assert "4 would be created" in _diplo(db, "import", "headcounts", str(path), "--dry-run")
    assert "4 were created" in _diplo(db, "import", "headcounts", str(path))
    assert "4 unchanged" in _diplo(db, "import", "headcounts", str(path))


def test_the_cli_names_each_bad_row_and_its_value(db: str, tmp_path: Path, api: TestClient) -> None:
    rows = headcounts(3, "cli-bad")
    rows[1]["count"] = "300.5"
    path = tmp_path / "headcounts.csv"
    path.write_bytes(as_csv(rows).replace(b'"[{""source_id', b'"{""source_id', 1))
    before = total(api, "headcounts")
    _refused(
        _run(db, "import", "headcounts", str(path)),
        "2 of 3 rows are invalid",
        "row 1: citations: must be a JSON list of {source_id, quote} objects, as the export "
        "writes it (got '{",
        "row 2: count: Input should be a valid integer (got '300.5')",
    )
    assert total(api, "headcounts") == before


def one_headcount(api: TestClient, **changes: Any) -> dict[str, Any]:
    """A new headcount, as the API reads it back (id included, as exports give it)."""
    created = api.post("/v1/headcounts", json={**headcounts(1, "one")[0], "ref": None, **changes})
    assert created.status_code == 201, created.text
    record: dict[str, Any] = created.json()
    return record


def refused(api: TestClient, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The row errors of an import that must be refused, having checked that it changed
    nothing."""
    before, logged = total(api, "headcounts"), changes(api)
    response = send(api, "headcounts", orjson.dumps(rows), "application/json")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (total(api, "headcounts"), changes(api)) == (before, logged)
    errors: list[dict[str, Any]] = response.json()["errors"]
    return [{key: e[key] for key in ("row", "loc", "msg")} for e in errors]


def test_a_row_with_an_id_is_about_that_record_even_without_a_ref(api: TestClient) -> None:
    record = one_headcount(api, count=3)
    row = {**record, "count": 4}
    dry = send(api, "headcounts", orjson.dumps([row]), "application/json", dry_run="true")
    assert dry.json() == {"dry_run": True, "rows": 1, "created": 0, "updated": 1, "unchanged": 0}
    assert api.get(f"/v1/headcounts/{record['id']}").json()["count"] == 3
    before = total(api, "headcounts")
    report = send(api, "headcounts", orjson.dumps([row]), "application/json")
    assert report.json() == {
        "dry_run": False,
        "rows": 1,
        "created": 0,
        "updated": 1,
        "unchanged": 0,
    }
    assert api.get(f"/v1/headcounts/{record['id']}").json() == row
    assert total(api, "headcounts") == before
    # The id column of a CSV is read the same way, and a new ref is just a changed field.
    renamed = {**row, "ref": "given-a-ref-later"}
    report = send(api, "headcounts", as_csv([renamed]), "text/csv")
    assert report.json()["updated"] == 1
    assert api.get(f"/v1/headcounts/{record['id']}").json() == renamed


def test_an_id_that_names_no_record_is_refused_naming_the_row(api: TestClient) -> None:
    rows = headcounts(2, "unknown-id")
    rows[1]["id"] = 99999
    assert refused(api, rows) == [
        {
            "row": 2,
            "loc": ["row", 2, "id"],
            "msg": "no headcount with id 99999; remove the id (or the whole id column) to "
            "create a new headcount",
        }
    ]
    rows[1]["id"] = "two"
    assert [e["loc"] for e in refused(api, rows)] == [["row", 2, "id"]]
    rows[1]["id"] = 2**40  # no such record either, on PostgreSQL's 32-bit ids too
    assert [e["loc"] for e in refused(api, rows)] == [["row", 2, "id"]]


def test_an_id_and_a_ref_must_name_the_same_record(api: TestClient) -> None:
    first = one_headcount(api, ref="pair-first")
    second = one_headcount(api, ref="pair-second")
    assert refused(api, [{**first, "ref": "pair-second"}]) == [
        {
            "row": 1,
            "loc": ["row", 1, "ref"],
            "msg": f"ref 'pair-second' belongs to headcount {second['id']}, not to headcount "
            f"{first['id']} (the id)",
        }
    ]
    # Two rows about one record (by id twice, or by id and by ref) would be two truths.
    plain = one_headcount(api)
    assert [e["loc"] for e in refused(api, [plain, {**plain, "count": 1}])] == [["row", 2, "id"]]
    by_ref = {key: value for key, value in first.items() if key != "id"}
    assert [e["loc"] for e in refused(api, [first, by_ref])] == [["row", 2, "ref"]]
    assert api.get(f"/v1/headcounts/{first['id']}").json() == first


def test_expulsions_import_only_expulsions(api: TestClient) -> None:
    freeze = api.post(
        "/v1/measures",
        json={
            "kind": "freeze",
            "stage": "considered",
            "actor_country": "RU",
            "target_country": "US",
            "ref": "a-freeze-not-an-expulsion",
            "citations": CITE,
        },
    ).json()
    row = {key: freeze[key] for key in ("stage", "actor_country", "target_country", "citations")}
    before, logged = total(api, "measures"), changes(api)
    for named in ({"ref": freeze["ref"]}, {"id": freeze["id"]}):
        response = send(api, "expulsions", orjson.dumps([{**row, **named}]), "application/json")
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert error["msg"] in (
            "ref 'a-freeze-not-an-expulsion' belongs to a measure that is not an expulsion",
            f"no expulsion with id {freeze['id']}; remove the id (or the whole id column) to "
            "create a new expulsion",
        )
    assert (total(api, "measures"), changes(api)) == (before, logged)


def test_the_cli_says_where_a_measure_that_is_no_expulsion_goes(
    db: str, tmp_path: Path, api: TestClient
) -> None:
    path = tmp_path / "measures.csv"
    path.write_bytes(api.get("/v1/measures", params={"format": "csv"}).content)
    before, logged = total(api, "measures"), changes(api)
    _refused(
        _run(db, "import", "expulsions", str(path)),
        "kind: Input should be 'expulsion'; other kinds of measure go to /v1/measures (got "
        "'freeze')",
    )
    assert (total(api, "measures"), changes(api)) == (before, logged)


def _csv_header(api: TestClient) -> bytes:
    exported: bytes = api.get("/v1/headcounts", params={"format": "csv"}).content
    return exported.split(b"\n")[0] + b"\n"


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        (b"", "application/json"),
        (b" \n\t ", "application/json"),
        (b"[]", "application/json"),
        (b" [ ]\n", "application/json"),
        (b"", "application/x-ndjson"),
        (b"\n\n", "application/x-ndjson"),
        (b"", "text/csv"),
        (b"\r\n", "text/csv"),
        (b"HEADER", "text/csv"),
        (b"HEADER\r\n\r\n", "text/csv"),
    ],
)
def test_a_file_with_no_records_is_refused(api: TestClient, body: bytes, media_type: str) -> None:
    body = body.replace(b"HEADER\r\n", _csv_header(api)).replace(b"HEADER", _csv_header(api))
    before, logged = total(api, "headcounts"), changes(api)
    for dry_run in ("false", "true"):
        response = send(api, "headcounts", body, media_type, dry_run=dry_run)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["detail"].startswith("The file holds no records")
        assert problem["errors"] == [
            {"loc": ["body"], "msg": "holds no records", "type": "empty_import", "input": None}
        ]
    assert (total(api, "headcounts"), changes(api)) == (before, logged)


@pytest.mark.parametrize(
    ("media_type", "status"), [("text/csv", 422), ("application/x-ndjson", 400)]
)
def test_a_file_curls_d_sent_says_to_send_it_with_data_binary(
    api: TestClient, media_type: str, status: int
) -> None:
    """`curl -d @FILE` (`--data`) drops the file's line breaks: an export in CSV arrives as one
    line, a header alone, and in NDJSON as records run together."""
    fmt = {"text/csv": "csv", "application/x-ndjson": "ndjson"}[media_type]
    exported = api.get("/v1/events", params={"format": fmt}).content
    assert exported.count(b"\n") > 2
    before, logged = total(api, "events"), changes(api)
    response = send(api, "events", exported.replace(b"\r", b"").replace(b"\n", b""), media_type)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert (
        "If you sent it with curl, send it with `--data-binary @FILE`: `-d`/`--data @FILE` drops "
        f"the file's line breaks, so {'a CSV' if fmt == 'csv' else 'NDJSON'} arrives as one line"
    ) in detail
    assert (total(api, "events"), changes(api)) == (before, logged)


@pytest.mark.parametrize("name", ["empty.csv", "header.csv", "blank.ndjson", "empty.json"])
def test_the_cli_refuses_a_file_with_no_records(
    db: str, tmp_path: Path, api: TestClient, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes({"header.csv": _csv_header(api), "empty.json": b"[]"}.get(name, b"\n"))
    before = total(api, "headcounts")
    result = subprocess.run(
        [DIPLO, "import", "headcounts", str(path)],
        env=os.environ | {"DATABASE_URL": db},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    # About the file, not about curl (as the API's problem is: an empty body is often a
    # missing file curl did not send).
    assert result.stderr == (
        f"{path} holds no records (it is empty, blank, `[]` or a CSV header alone), so nothing "
        "was imported.\n"
    )
    assert total(api, "headcounts") == before


def test_the_openapi_document_gives_every_import_its_body(api: TestClient) -> None:
    """An import's body is required and documented in each format it takes: a JSON array of
    records (the create body, with the `id` of the record a row is about), NDJSON or CSV text."""
    spec = api.get("/openapi.json").json()
    imports = [path for path in spec["paths"] if path.endswith("/import")]
    assert len(imports) == 9
    for path in imports:
        body = spec["paths"][path]["post"]["requestBody"]
        assert body["required"] is True
        assert set(body["content"]) == {"application/json", "application/x-ndjson", "text/csv"}
        for text in ("application/x-ndjson", "text/csv"):
            assert body["content"][text]["schema"]["type"] == "string"
        array = body["content"]["application/json"]["schema"]
        assert (array["type"], array["minItems"]) == ("array", 1)
        create = spec["paths"][path.removesuffix("/import")]["post"]["requestBody"]
        name = create["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        created = spec["components"]["schemas"][name]
        rows = array["items"]
        assert set(created["properties"]) | {"id"} <= set(rows["properties"])
        assert rows["required"] == created["required"]
        assert rows["additionalProperties"] is False
        assert array["examples"] == [created["examples"][:1]]  # a file of one record


def test_a_row_id_may_be_a_whole_number_written_as_a_float(api: TestClient) -> None:
    """JSON Schema's integers include `3.0`: a row's `id` so written names record 3."""
    record = one_headcount(api, count=5)
    row = {**record, "id": float(record["id"]), "count": 6}
    report = send(api, "headcounts", orjson.dumps([row]), "application/json")
    assert report.status_code == 200, report.text
    assert report.json()["updated"] == 1
    assert api.get(f"/v1/headcounts/{record['id']}").json()["count"] == 6


def test_the_documented_quote_pattern_is_what_the_api_calls_blank(api: TestClient) -> None:
    """A quote that is only whitespace is refused, and the OpenAPI document's pattern for a
    quote says which characters are whitespace: each one Python strips, one by one (`\\s`
    means other sets to JSON Schema, Python and pydantic). Sent as a dry run: nothing written."""
    spec = api.get("/openapi.json").json()
    pattern = spec["components"]["schemas"]["CitationIn"]["properties"]["quote"]["pattern"]
    blanks = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]
    # A source without a text: any quote that is not blank is taken (unverified).
    paywalled = api.post("/v1/sources", json={"title": "Paywalled", "publisher": "P"}).json()
    for quote in [*blanks, " \t", "\ufeff", "\u200b", "x", " x "]:
        cited = [{"source_id": paywalled["id"], "quote": quote}]
        row = {**headcounts(1, "quote")[0], "citations": cited}
        answer = send(api, "headcounts", orjson.dumps([row]), "application/json", dry_run="true")
        documented = re.fullmatch(pattern, quote) is not None
        assert answer.status_code == (200 if documented else 422), (repr(quote), answer.text)
