"""A stored text served as a document: its media type in UTF-8, an ETag, and byte ranges.

Ranges are read by Starlette's own parser (the one its `FileResponse` uses for files on disk;
these texts live in the database): one range is a 206, a range past the end a 416, several
ranges are answered with the whole text (RFC 9110 lets a server ignore `Range`), as is a
`Range` that does not parse or an `If-Range` naming another version.
"""

from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from starlette.responses import FileResponse, MalformedRangeHeader, RangeNotSatisfiable

from app.errors import AppError, problems
from app.kit.etags import conditional_record


class RangeNotSatisfiableError(AppError):
    status = 416
    title = "Range Not Satisfiable"
    slug = "range-not-satisfiable"


def _range(request: Request, etag: str, size: int) -> tuple[int, int] | None:
    """The one byte range to send (start, end exclusive), or None for the whole text."""
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if not wanted or (if_range is not None and if_range.strip() != etag):
        return None
    try:
        ranges = FileResponse._parse_range_header(wanted, size)
    except MalformedRangeHeader:
        return None
    except RangeNotSatisfiable:
        raise RangeNotSatisfiableError(
            detail=f"The range {wanted!r} starts past the end of the text ({size:,} bytes).",
            headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
        ) from None
    return ranges[0] if len(ranges) == 1 else None


def text_response(
    request: Request, load: Callable[[], str], media_type: str, etag: str
) -> Response:
    """The text (read by `load`, unless the answer is a 304) with its ETag, whole or the byte
    range asked for."""

    def build() -> Response:
        body = load().encode("utf-8")
        headers = {"Accept-Ranges": "bytes"}
        content_type = f"{media_type}; charset=utf-8"
        wanted = _range(request, etag, len(body))
        if wanted is None:
            return Response(body, media_type=content_type, headers=headers)
        start, end = wanted
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(body)}"
        return Response(body[start:end], 206, media_type=content_type, headers=headers)

    return conditional_record(request, etag, build)


def text_responses(media_types: list[str]) -> dict[int | str, dict[str, Any]]:
    """The documented answers of an endpoint that serves texts: the text, a range of it, 304,
    and 416 for a range past its end."""
    content = {media_type: {"schema": {"type": "string"}} for media_type in media_types}
    return {
        200: {
            "description": "The text as stored, in UTF-8, with its `ETag` (the text's SHA-256).",
            "content": content,
        },
        206: {
            "description": "The one byte range asked for with `Range: bytes=…` "
            "(`Content-Range` says which).",
            "content": content,
        },
        304: {"description": "The text is unchanged since the `ETag` sent in `If-None-Match`."},
        416: {
            **problems(404)[404],
            "description": "The range starts past the end of the text (`Content-Range: bytes "
            "*/size` gives its size).",
        },
    }
