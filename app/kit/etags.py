"""ETags and conditional requests.

A record's ETag is a hash of the record as served, so it changes exactly when the record does.
A list's ETag is the change log's newest id: every write adds a change, so an unchanged number
means an unchanged list, and a 304 costs one indexed `max(id)` instead of the list query.
"""

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request, Response
from sqlalchemy import Connection

from app.kit.changelog import version

API_VERSION = "3"  # bump when the JSON of an unchanged record would change (3: `cited_for`)


def _matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    return header is not None and etag_matches(header, etag)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an `If-None-Match` value names `etag` (weakly compared, RFC 9110)."""
    if if_none_match.strip() == "*":
        return True
    weak = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == weak for tag in if_none_match.split(","))


def not_modified(etag: str) -> Response:
    return Response(status_code=304, headers={"ETag": etag})


def list_etag(newest: int, variant: str) -> str:
    """The ETag of every list as of the change `newest`, in one representation (`variant`)."""
    return f'W/"{API_VERSION}-{newest}-{variant}"'


def tag_list(response: Response, etag: str) -> Response:
    response.headers["ETag"] = etag
    response.headers["Vary"] = "Accept"  # the CORS middleware adds Origin
    return response


def conditional_list(
    connection: Connection, request: Request, variant: str, build: Callable[[], Response]
) -> Response:
    """304 when the client has the current version; otherwise the list, with its ETag."""
    etag = list_etag(version(connection), variant)
    if _matches(request, etag):
        return not_modified(etag)
    return tag_list(build(), etag)


def conditional_record(request: Request, etag: str, build: Callable[[], Response]) -> Response:
    if _matches(request, etag):
        return not_modified(etag)
    response = build()
    response.headers["ETag"] = etag
    return response


def record_etag(record: dict[str, Any]) -> str:
    """A record's strong ETag: it changes exactly when the record as served changes."""
    return '"' + hashlib.sha256(orjson.dumps(record)).hexdigest()[:24] + '"'
