"""CSV and NDJSON exports: every matching row, streamed in keyset batches (constant memory)."""

import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from app.listing import ListQuery, ListSpec, Row, fetch_page

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}
ACCEPTED = {"text/csv": "csv", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson"}


def wanted_format(request: Request, query: ListQuery) -> str:
    """`?format=` wins; otherwise the first export type the Accept header names; else json."""
    if query.format:
        return query.format
    for part in request.headers.get("accept", "").split(","):
        media_type = part.split(";")[0].strip().lower()
        if media_type in ACCEPTED:
            return ACCEPTED[media_type]
    return "json"


def _batches(engine: Engine, spec: ListSpec, query: ListQuery, size: int) -> Iterator[list[Row]]:
    batch_query = query.model_copy(update={"limit": size, "count": False})
    while True:
        # A connection per batch: nothing is held between batches but the cursor.
        with engine.connect() as connection:
            page = fetch_page(connection, spec, batch_query)
        yield page.items
        if page.next_cursor is None:
            return
        batch_query = batch_query.model_copy(update={"cursor": page.next_cursor})


def flatten(row: Row) -> dict[str, Any]:
    """One CSV record: nested objects become `outer.inner` columns, lists of plain values are
    joined with `; `, lists of objects (citations, statements) are JSON."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            for inner, inner_value in flatten(value).items():
                flat[f"{key}.{inner}"] = inner_value
        elif isinstance(value, list):
            if all(isinstance(v, str | int | float) for v in value):
                flat[key] = "; ".join(str(v) for v in value)
            else:
                flat[key] = orjson.dumps(value).decode()
        elif isinstance(value, bool):
            flat[key] = "true" if value else "false"
        else:
            flat[key] = value
    return flat


def _csv_lines(spec: ListSpec, batches: Iterator[list[Row]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = list(flatten(spec.empty_row()))
    writer.writerow(columns)
    for rows in batches:
        writer.writerows([flat.get(c) for c in columns] for flat in map(flatten, rows))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _ndjson_lines(batches: Iterator[list[Row]]) -> Iterator[bytes]:
    for rows in batches:
        yield b"".join(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE) for row in rows)


def export_response(
    request: Request, spec: ListSpec, query: ListQuery, fmt: str, name: str
) -> StreamingResponse:
    engine: Engine = request.app.state.engine
    batches = _batches(engine, spec, query, request.app.state.settings.export_batch_size)
    # Fail before the first byte: a bad cursor must be a 400, not a broken stream.
    first = next(batches)
    everything = _chain(first, batches)
    body = _csv_lines(spec, everything) if fmt == "csv" else _ndjson_lines(everything)
    return StreamingResponse(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


def _chain(first: list[Row], rest: Iterator[list[Row]]) -> Iterator[list[Row]]:
    yield first
    yield from rest
