"""Responses of the read path: JSON written by orjson, list pages with their `Link`, records
with their ETag."""

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import URL

from app.kit.etags import conditional_record, record_etag
from app.kit.query import Page
from app.kit.spec import Row


def json_response(
    content: Any, headers: dict[str, str] | None = None, status: int = 200
) -> Response:
    """Serializes with orjson: no response_model validation on the read path (docs/design.md,
    "Performance"). Times are stored in UTC; SQLite gives them back without their zone, so naive
    ones are written as UTC (`+00:00`), as PostgreSQL's are."""
    return Response(
        orjson.dumps(content, option=orjson.OPT_NAIVE_UTC),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def page_response(
    request: Request,
    page: Page[Row],
    facets: tuple[dict[str, list[Row]], dict[str, Row]] | None = None,
) -> Response:
    """The list envelope; with `facets` (when asked for: kit/facets.py), `facets` and
    `facet_info` too."""
    link = next_link(request.url, page.next_cursor)
    body: Row = {"items": page.items, "next_cursor": page.next_cursor, "total": page.total}
    if facets is not None:
        body["facets"], body["facet_info"] = facets
    return json_response(body, headers={"Link": link} if link else None)


def record_response(request: Request, record: Row, status: int = 200, **headers: str) -> Response:
    """One record with its ETag; 304 when the client already has this version."""
    etag = record_etag(record)
    if status != 200:
        return json_response(record, headers={"ETag": etag, **headers}, status=status)
    return conditional_record(request, etag, lambda: json_response(record, headers=headers))


def list_content(page_model: type[BaseModel]) -> dict[str, Any]:
    """The documented 200 of a list: the JSON page, or the CSV / NDJSON export."""
    return {
        "model": page_model,
        "description": "A page of items; with `format=csv|ndjson`, every matching item.",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }


def next_link(url: URL, next_cursor: str | None) -> str | None:
    """The RFC 8288 `Link` header value for the next page: this URL with the new cursor.

    Plain string work on the URL Starlette already checked: `include_query_params` re-parses and
    re-encodes the whole query, which cost a twentieth of a list request (docs/design.md,
    "Performance")."""
    if next_cursor is None:
        return None
    base, _, query = str(url).partition("?")
    kept = [part for part in query.split("&") if part and not part.startswith("cursor=")]
    kept.append(f"cursor={next_cursor}")  # URL-safe base64: nothing to escape
    return f'<{base}?{"&".join(kept)}>; rel="next"'
