"""The media types a request body may be sent as: any other, or none, is a 415 that names those
the endpoint reads. A JSON body sent as curl's default (`application/x-www-form-urlencoded`)
or as `text/plain` is a mistake of the header, not of the body, and the answer says so rather
than a 422 about a body that was never read as JSON."""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request

from app.errors import UnsupportedMediaType

JSON = "application/json"
# RFC 7396: what a PATCH here is (the fields given replace those of the record).
MERGE_PATCH = "application/merge-patch+json"


def media_type_of(content_type: str) -> str:
    """`application/json; charset=utf-8` is `application/json`: parameters and case aside."""
    return content_type.split(";")[0].strip().lower()


def accepting(*accepted: str) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """A dependency: the request's `Content-Type` must be one of `accepted`. Put after the
    key's dependency, so that a request without a key is a 401 whatever it sends. A coroutine:
    FastAPI would run a plain function in the thread pool, a hop there and back for a header
    (under the mixed load, a write's longest wait)."""

    async def check(request: Request) -> None:
        got = request.headers.get("content-type", "")
        if media_type_of(got) not in accepted:
            # RFC 5789: a PATCH's 415 says in `Accept-Patch` which patch documents are read.
            patch = request.method == "PATCH"
            headers = {"Accept-Patch": ", ".join(accepted)} if patch else None
            raise UnsupportedMediaType(got.strip(), list(accepted), headers=headers)

    return check


JsonBody = Annotated[None, Depends(accepting(JSON))]
"""A create's body: JSON."""
PatchBody = Annotated[None, Depends(accepting(JSON, MERGE_PATCH))]
"""A PATCH's body: JSON, or the same as a JSON merge patch."""
