"""Bulk import: a whole file of records in one all-or-nothing step.

JSON (an array), NDJSON or CSV (the columns the CSV export writes, so export → import
round-trips). Every row is checked before anything is written; one bad row rejects the file
with a report of every bad row. A row is matched to an existing record by its `id` when it
has one (an export's rows do), else by its `ref`; so importing an export, or the same file
twice, changes nothing. A file with no records is refused: an empty body is far more often a
mistake (`curl --data-binary @missing.csv` sends nothing) than an intent.
"""

import csv
import io
import re
import types
import typing
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import Connection, select

from app.common import MAX_ID, with_article
from app.errors import BadRequest, Unprocessable, UnsupportedMediaType, plain
from app.kit.formulas import restored
from app.kit.listing import fetch_many
from app.kit.media_types import media_type_of
from app.kit.spec import Row
from app.kit.writing import (
    KnownIds,
    WriteSpec,
    create_records,
    references_in,
    update_record,
    validated,
)

MAX_REPORTED = 1000
FORMATS = {
    "application/json": "json",
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "text/csv": "csv",
}
# A file's format by its name's ending, for `diplo import`.
FILE_FORMATS = {".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson", ".csv": "csv"}


@dataclass
class ImportReport:
    dry_run: bool
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def format_of(content_type: str) -> str:
    """A body's format by its media type; a 415 naming the media types an import reads."""
    media_type = media_type_of(content_type)
    if media_type in FORMATS:
        return FORMATS[media_type]
    advice = "send the one that fits the file (a JSON array, NDJSON or CSV)"
    raise UnsupportedMediaType(content_type.strip(), list(FORMATS), advice)


def _unwrap(annotation: Any) -> list[Any]:
    """The types a field may hold, without `None` and `Annotated` wrappers."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    if typing.get_origin(annotation) is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    return [] if annotation is type(None) else [annotation]


# A whole number, also as a spreadsheet or pandas writes one: pandas reads a column of whole
# numbers with an empty cell as floats, and writes 300 back as `300.0`.
WHOLE = re.compile(r"-?[0-9]+(?:\.0+)?")
DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def _cell(cell: str, annotation: Any) -> Any:
    """A CSV cell as the field's type wants it: CSV has only strings. A cell that is not of the
    type stays the string it is, for the field's check to refuse, naming it."""
    for kind in _unwrap(annotation):
        if typing.get_origin(kind) is list:
            if cell.startswith("["):
                try:
                    return orjson.loads(cell)
                except orjson.JSONDecodeError:
                    return cell
            if _objects(kind) is not None:  # written as JSON, and this is none
                return cell
            return [part.strip() for part in cell.split(";") if part.strip()]
        if kind is int and WHOLE.fullmatch(cell):
            return int(cell.partition(".")[0])
        if kind is float and DECIMAL.fullmatch(cell):
            return float(cell)
        if kind is bool and cell.lower() in ("true", "false"):  # pandas writes True, False
            return cell.lower() == "true"
    return cell


def _objects(kind: Any) -> type[BaseModel] | None:
    """The model of the items of a list of objects (citations); None for any other type."""
    item = typing.get_args(kind)[0] if typing.get_origin(kind) is list else None
    return item if isinstance(item, type) and issubclass(item, BaseModel) else None


# Characters a list cell's values may have been separated by, other than the export's `; `.
OTHER_SEPARATORS = re.compile(r"[,|/\s]")


def _said_of_a_cell(model: type[BaseModel], loc: list[Any], msg: str, value: Any) -> str:
    """What is wrong with a CSV row's list cell, said as the export writes one: a list of
    objects as a JSON list, a list of values separated by `; `."""
    kinds = _unwrap(_annotation(model, str(loc[0]))) if loc else []
    lists = [kind for kind in kinds if typing.get_origin(kind) is list]
    if not lists:
        return msg
    objects = _objects(lists[0])
    if objects is not None:
        if len(loc) > 2:  # a field of an object: the cell is a list of objects
            return msg
        # The fields each object needs (a citation's quote selectors may be left out).
        needed = [name for name, f in objects.model_fields.items() if f.is_required()]
        fields = ", ".join(needed or objects.model_fields)
        return f"must be a JSON list of {{{fields}}} objects, as the export writes it"
    if len(loc) == 2 and isinstance(value, str) and OTHER_SEPARATORS.search(value):
        return f"{msg} (a list cell separates its values with `; `, as the export writes them)"
    return msg


def _annotation(model: type[BaseModel], column: str) -> Any:
    """The type of a CSV column's field: `next_round.planned` is a field of an object."""
    outer, _, inner = column.partition(".")
    field = model.model_fields.get(outer)
    if field is None or not inner:
        return field.annotation if field else None
    for kind in _unwrap(field.annotation):
        if isinstance(kind, type) and issubclass(kind, BaseModel) and inner in kind.model_fields:
            return kind.model_fields[inner].annotation
    return None


def _csv_rows(text: str, model: type[BaseModel]) -> list[dict[str, Any]]:
    """CSV records back into nested rows: `a.b` columns into objects, JSON cells into lists.
    An empty cell is null."""
    rows = []
    reader = csv.DictReader(io.StringIO(text))
    kinds = {column: _annotation(model, column) for column in reader.fieldnames or []}
    for record in reader:
        row: dict[str, Any] = {}
        for column, raw in record.items():
            if column is None:
                raise BadRequest("Invalid CSV", "A row has more cells than the header.")
            # The quote an export puts before a would-be spreadsheet formula comes off first.
            cell = restored(raw) if raw else raw
            value: Any = None if cell in ("", None) else cell
            if value is not None and kinds[column] is not None:
                value = _cell(cell, kinds[column])
            outer, _, inner = column.partition(".")
            if inner:
                row.setdefault(outer, {})[inner] = value
            else:
                row[column] = value
        rows.append(row)
    return rows


def parse(
    content: bytes, fmt: str, model: type[BaseModel], *, sent: bool = True
) -> list[dict[str, Any]]:
    """The file's records as rows; 400 when the file cannot be read at all, 422 when it holds
    no record. A body `sent` over HTTP may have been mangled by curl: the messages say how."""
    if not content or content.isspace():
        raise _nothing_to_import()
    try:
        if fmt == "csv":
            rows: Any = _csv_rows(content.decode("utf-8-sig"), model)
        elif fmt == "ndjson":
            rows = [orjson.loads(line) for line in content.splitlines() if line.strip()]
        else:
            rows = orjson.loads(content)
    except (UnicodeDecodeError, orjson.JSONDecodeError, csv.Error) as error:
        said = f"The {fmt.upper()} could not be read: {error}."
        if sent and fmt == "ndjson" and b"\n" not in content.strip():  # run together by `-d`
            said += f" {CURL_DATA.format(what='NDJSON')}."
        raise BadRequest("Unreadable import file", said) from error
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise BadRequest("Invalid import file", "The file must hold a list of JSON objects.")
    if not rows:
        raise _nothing_to_import()
    return rows


# What curl's `-d` does to a file, said where a body looks sent with it.
CURL_DATA = (
    "If you sent it with curl, send it with `--data-binary @FILE`: `-d`/`--data @FILE` drops "
    "the file's line breaks, so {what} arrives as one line"
)


def _nothing_to_import() -> Unprocessable:
    refused = Unprocessable([{"loc": ["body"], "msg": "holds no records", "type": "empty_import"}])
    refused.detail = (
        "The file holds no records (it is empty, blank, `[]` or a CSV header alone), so nothing "
        f"was imported. {CURL_DATA.format(what='a CSV')}, a header alone; and check FILE's "
        "path, as `--data-binary @FILE` sends nothing when FILE cannot be read."
    )
    return refused


def _error(row: int, loc: list[Any], msg: str, kind: str, value: Any) -> dict[str, Any]:
    """One bad row's problem: where (`row`, and `loc`: `row`, its number, the field), what is
    wrong, and the value refused in `input` (null when the field is missing, or holds a list
    or an object: `loc` then points into it where it can)."""
    shown = value if plain(value) else None
    return {"row": row, "loc": ["row", row, *loc], "msg": msg, "type": kind, "input": shown}


def export_only(spec: WriteSpec) -> set[str]:
    """Columns an export writes that an import does not take (ids, derived parts)."""
    read_fields = {column.key for column in spec.listing.columns}
    read_fields |= {embed.name for embed in spec.listing.embeds}
    read_fields |= set(spec.listing.empty_row())
    return read_fields - set(spec.create_model.model_fields)


def import_rows(
    connection: Connection,
    spec: WriteSpec,
    rows: list[dict[str, Any]],
    *,
    actor: int | None = None,
    dry_run: bool = False,
    fmt: str = "json",
) -> ImportReport:
    """Checks every row, then (unless a dry run) writes them all; 422 listing every bad row
    (a CSV's, said of its cells: `_said_of_a_cell`)."""
    model = spec.create_model
    errors: list[dict[str, Any]] = []
    checked: list[tuple[int, int | None, dict[str, Any]]] = []
    read_only = export_only(spec)
    id_key = spec.listing.id_column.key
    refs: dict[str, int] = {}
    for number, raw in enumerate(rows, start=1):
        row = {key: value for key, value in raw.items() if key not in read_only}
        record_id, bad_id = _wanted_id(raw.get(id_key))
        if bad_id:
            errors.append(_error(number, [id_key], bad_id, "int_parsing", raw.get(id_key)))
        try:
            data = validated(spec, row)
        except Unprocessable as invalid:
            for e in invalid.errors:
                loc, msg, value = e["loc"][1:], e["msg"], e["input"]
                if fmt == "csv":
                    msg = _said_of_a_cell(model, loc, msg, value)
                errors.append(_error(number, loc, msg, e["type"], value))
            continue
        if data.get("ref") is not None:
            if data["ref"] in refs:
                errors.append(
                    _error(
                        number,
                        ["ref"],
                        f"same ref as row {refs[data['ref']]}",
                        "duplicate",
                        data["ref"],
                    )
                )
                continue
            refs[data["ref"]] = number
        if not bad_id:
            checked.append((number, record_id, data))

    known = _known_ids(connection, spec, [data for _, _, data in checked])
    check = spec.checks(connection) if spec.checks else None
    for number, _, data in checked:
        missing = False
        for reference, value, loc in references_in(spec, data):
            if value is not None and value not in known[(reference.table.name, reference.column)]:
                missing = True
                errors.append(
                    _error(number, loc, f"no {reference.noun} with id {value}", "not_found", value)
                )
        if check is not None and not missing:  # e.g. quotes, once their sources are known
            for loc, why, kind, value in check(data):
                errors.append(_error(number, loc, why, kind, value))
    targets, current, mismatched = _match(connection, spec, checked)
    errors += mismatched
    if errors:
        errors.sort(key=lambda e: e["row"])
        rejected = Unprocessable(errors[:MAX_REPORTED])
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"][2:]) or "the row"
        rejected.detail = (
            f"{len({e['row'] for e in errors})} of {len(rows)} rows are invalid; nothing was "
            f"imported. The first: row {first['row']}, {where}: {first['msg']}. `errors` lists "
            "each problem with its row number (a CSV's rows counted from 1 after the header)."
        )
        raise rejected

    fields = spec.create_model.model_fields
    report = ImportReport(dry_run=dry_run, rows=len(rows))
    new: list[dict[str, Any]] = []
    for number, _, data in checked:
        record_id = targets.get(number)
        if record_id is None:
            new.append(data)
            continue
        before = validated(spec, {k: v for k, v in current[record_id].items() if k in fields})
        # Both as sent: a check may have completed `data` with what the server works out.
        if before == validated(spec, data):
            report.unchanged += 1
            continue
        report.updated += 1
        if not dry_run:
            update_record(connection, spec, record_id, data, actor=actor)
    report.created = len(new)
    if not dry_run:
        create_records(connection, spec, new, actor=actor)
    return report


def _wanted_id(value: Any) -> tuple[int | None, str]:
    """The record a row names by `id` (None: none, a new record), or why it names none."""
    if value is None or value == "":
        return None, ""
    if isinstance(value, str) and WHOLE.fullmatch(value.strip()):  # `3`, or `3.0` from pandas
        value = int(value.strip().partition(".")[0])
    if isinstance(value, float) and value.is_integer():  # `3.0` is a JSON Schema integer
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value, ""
    return None, "must be the id of an existing record (a whole number), or empty for a new one"


def _match(
    connection: Connection, spec: WriteSpec, checked: list[tuple[int, int | None, dict[str, Any]]]
) -> tuple[dict[int, int], dict[int, Row], list[dict[str, Any]]]:
    """The existing record each row is about, by row number: the one its `id` names, else
    the one with its `ref` (rows with neither are new); the records as they are now; and the
    rows that name no record, or two different ones, or the same as another row."""
    table, noun, id_key = spec.table, spec.noun, spec.listing.id_column.key
    wanted_refs = sorted({data["ref"] for _, _, data in checked if data.get("ref") is not None})
    by_ref: dict[str, int] = {}
    for start in range(0, len(wanted_refs), 1000):
        batch = wanted_refs[start : start + 1000]
        query = select(table.c.ref, table.c.id).where(table.c.ref.in_(batch))
        by_ref |= {row.ref: row.id for row in connection.execute(query)}
    # An id outside 1..MAX_ID cannot exist (and PostgreSQL could not compare it): not looked up.
    ids = {record_id for _, record_id, _ in checked if record_id and 0 < record_id <= MAX_ID}
    # The records as this resource reads them: a measure that is not an expulsion is not one.
    current = fetch_many(connection, spec.listing, sorted(ids | set(by_ref.values())))
    targets: dict[int, int] = {}
    claimed: dict[int, int] = {}  # record id -> the row that is about it
    errors: list[dict[str, Any]] = []
    for number, record_id, data in checked:
        ref = data.get("ref")
        owner = by_ref.get(ref) if ref is not None else None
        if record_id is not None and record_id not in current:
            errors.append(
                _error(
                    number,
                    [id_key],
                    f"no {noun} with id {record_id}; remove the id (or the whole id column) to "
                    f"create a new {noun}",
                    "not_found",
                    record_id,
                )
            )
            continue
        if owner is not None and owner not in current:
            msg = f"ref {ref!r} belongs to a {table.name} that is not {with_article(noun)}"
            errors.append(_error(number, ["ref"], msg, "conflict", ref))
            continue
        if record_id is not None and owner is not None and owner != record_id:
            msg = f"ref {ref!r} belongs to {noun} {owner}, not to {noun} {record_id} (the id)"
            errors.append(_error(number, ["ref"], msg, "mismatch", ref))
            continue
        target = record_id if record_id is not None else owner
        if target is None:
            continue
        if target in claimed:
            loc, value = (id_key, record_id) if record_id is not None else ("ref", ref)
            msg = f"same {noun} ({noun} {target}) as row {claimed[target]}"
            errors.append(_error(number, [loc], msg, "duplicate", value))
            continue
        claimed[target] = targets[number] = target
    return targets, current, errors


def _known_ids(connection: Connection, spec: WriteSpec, rows: list[dict[str, Any]]) -> KnownIds:
    """Which referenced ids exist: one query per kind of reference, not one per row."""
    wanted: dict[tuple[str, str], tuple[Any, set[Any]]] = {}
    for data in rows:
        for reference, value, _ in references_in(spec, data):
            key = (reference.table.name, reference.column)
            wanted.setdefault(key, (reference.table.c[reference.column], set()))[1].add(value)
    known: KnownIds = {}
    for key, (column, values) in wanted.items():
        values.discard(None)
        found: set[Any] = set()
        ordered = sorted(values)
        for start in range(0, len(ordered), 1000):
            batch = ordered[start : start + 1000]
            found |= set(connection.execute(select(column).where(column.in_(batch))).scalars())
        known[key] = found
    return known
