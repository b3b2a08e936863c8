"""CSV and NDJSON exports: every matching row, streamed in keyset batches (constant memory)."""

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import orjson
from fastapi import Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Connection, Engine

from app.db import untimed
from app.kit.formulas import may_hold_formula, neutralize_cells, neutralize_columns
from app.kit.json_rows import renders_in_sql
from app.kit.listing import Columns, fetch_page, fetch_rows
from app.kit.media_types import media_type_of
from app.kit.query import ListQuery
from app.kit.search import time_bound
from app.kit.spec import ListSpec, Row

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}
ACCEPTED = {"text/csv": "csv", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson"}


def wanted_format(request: Request, query: ListQuery) -> str:
    """`?format=` wins; otherwise the first export type the Accept header names; else json."""
    if query.format:
        return query.format
    for part in request.headers.get("accept", "").split(","):
        media_type = media_type_of(part)
        if media_type in ACCEPTED:
            return ACCEPTED[media_type]
    return "json"


T = TypeVar("T")


def _batched(
    request: Request,
    query: ListQuery,
    size: int,
    read: Callable[[Connection, ListQuery], tuple[T, str | None]],
) -> Iterator[T]:
    """Every matching row, a keyset page of `size` at a time, each `read` on a connection of
    its own (nothing is held between batches but the cursor). With `q`, the first batch is
    found within `SEARCH_TIME_LIMIT_MS` or is the 422 a page's search is (`time_bound`),
    before the first byte is sent; the batches after it, once the export is under way, are
    not limited (a search before may have left its limit on the connection)."""
    engine: Engine = request.app.state.engine
    batch_query = query.model_copy(update={"limit": size, "count": False})
    q = getattr(query, "q", None)
    first = True
    while True:
        with engine.connect() as connection:
            # Rid of a limit a search left (which the pool keeps for searches, and this is
            # one), before a transaction: the first batch's own, set in it, goes with it.
            untimed(connection)
            if first and q:
                with time_bound(request, connection, q, kept=False):
                    rows, next_cursor = read(connection, batch_query)
            else:
                rows, next_cursor = read(connection, batch_query)
        first = False
        yield rows
        if next_cursor is None:
            return
        batch_query = batch_query.model_copy(update={"cursor": next_cursor})


def _batches(
    request: Request, spec: ListSpec, query: ListQuery, size: int, columns: Columns
) -> Iterator[Sequence[Any]]:
    """Every matching row, a keyset page at a time, as `fetch_rows` gives them."""

    def read(connection: Connection, batch_query: ListQuery) -> tuple[Sequence[Any], str | None]:
        _keys, rows, next_cursor = fetch_rows(connection, spec, batch_query, columns)
        return rows, next_cursor

    return _batched(request, query, size, read)


def _items(request: Request, spec: ListSpec, query: ListQuery, size: int) -> Iterator[list[Row]]:
    """Every matching item as the JSON API shows it, a page at a time."""

    def read(connection: Connection, batch_query: ListQuery) -> tuple[list[Row], str | None]:
        page = fetch_page(connection, spec, batch_query)
        return page.items, page.next_cursor

    return _batched(request, query, size, read)


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


def _csv_text(batches: Iterator[Iterable[Sequence[Any]]], header: list[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for rows in batches:
        writer.writerows(rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _flat_rows(spec: ListSpec, items: Iterator[list[Row]]) -> Iterator[list[list[Any]]]:
    columns = list(flatten(spec.empty_row()))
    for rows in items:
        yield [neutralize_cells([flat.get(c) for c in columns]) for flat in map(flatten, rows)]


def _plain_rows(spec: ListSpec, batches: Iterator[Sequence[Any]]) -> Iterator[list[Any]]:
    """Rows of a list that `renders_in_sql` are already flat but for their embeds, which come
    as JSON text, or NULL when empty: only the non-empty ones need writing as `flatten` does.
    Text columns are checked for spreadsheet formulas (embeds, JSON lists, cannot be one)."""
    inline = range(len(spec.columns), len(spec.columns) + len(spec.embeds))
    text = [n for n, column in enumerate(spec.columns) if may_hold_formula(column)]
    for batch in batches:
        rows: list[Any] = list(batch)
        neutralize_columns(rows, text)
        for i in inline:
            for n in [n for n, row in enumerate(rows) if row[i] is not None]:
                row = rows[n] = list(rows[n])
                row[i] = flatten({"v": orjson.loads(row[i])})["v"]
        yield rows


def _ndjson_lines(spec: ListSpec, request: Request, query: ListQuery, size: int) -> Iterator[bytes]:
    if renders_in_sql(spec):
        # The database writes each line: nothing to do per row but join them.
        for rows in _batches(request, spec, query, size, "json"):
            yield "".join(f"{row[2]}\n" for row in rows).encode()
        return
    for items in _items(request, spec, query, size):
        yield b"".join(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE) for row in items)


def _csv_lines(spec: ListSpec, request: Request, query: ListQuery, size: int) -> Iterator[str]:
    header = list(flatten(spec.empty_row()))
    if renders_in_sql(spec):
        rows: Iterator[Iterable[Sequence[Any]]] = _plain_rows(
            spec, _batches(request, spec, query, size, "tuples")
        )
    else:
        rows = _flat_rows(spec, _items(request, spec, query, size))
    return _csv_text(rows, header)


def export_response(
    request: Request, spec: ListSpec, query: ListQuery, fmt: str, name: str
) -> StreamingResponse:
    size = request.app.state.settings.export_batch_size
    searched = getattr(query, "q", None)
    if (
        query.sort is None
        and query.cursor is None
        and not searched
        and spec.id_column.key in spec.sorts
    ):
        # A whole export comes in id order, the table's own (as Datasette's does): several
        # times faster to read than a date order on a big table; `sort` still chooses, and
        # `q` is best match first, as its pages are (it came in id order, against the README).
        query = query.model_copy(update={"sort": spec.id_column.key})
    body: Iterator[Any] = (
        _csv_lines(spec, request, query, size)
        if fmt == "csv"
        else _ndjson_lines(spec, request, query, size)
    )
    # Fail before the first byte: a bad cursor must be a 400, not a broken stream.
    first = next(body)
    return StreamingResponse(
        _chain(first, body),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest
