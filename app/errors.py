"""One error shape for the whole API: RFC 9457 problem+json, never a stack trace."""

import json
import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from rapidfuzz import fuzz, process
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match
from starlette.types import Scope, Send

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "/problems/"
log = logging.getLogger("app")


class FieldError(BaseModel):
    """One invalid input."""

    loc: list[str | int] = Field(
        description="Where: `query`, `path` or `body` (an import's `row` and its number), then "
        "the field, and an item's index (an integer) in a list."
    )
    msg: str = Field(description="What is wrong with it.")
    type: str = Field(description="Machine-readable error kind.")
    input: str | int | float | bool | None = Field(
        description="The value refused when it is a plain value (a string, number or boolean); "
        "null when it was null or missing, or is a list or an object (`loc` then points into it "
        "where it can), or when the rule is about several fields."
    )
    allowed: list[str] | None = Field(
        default=None,
        description="For an unknown query parameter (`type`: `unknown_parameter`): every "
        "name the endpoint takes.",
    )


class Referrers(BaseModel):
    """The records of one kind that point at a record, so that it cannot be deleted."""

    count: int = Field(description="How many there are in all: as many as `list` lists.")
    first: list[str] = Field(
        description="The API paths of the first few: by id, or a source's facts as its page "
        "lists them, one for each quote (a record quoting the source twice is named twice)."
    )
    list: str = Field(
        description="Where to list them all: the list filtered on the record, or, for the "
        "facts a source supports, the source's own page."
    )


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = Field(description="URI reference naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong in this request.")
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldError] | None = Field(
        default=None, description="Field-level validation errors (422 only)."
    )
    referrers: dict[str, Referrers] | None = Field(
        default=None,
        description="A DELETE's 409 when other records point at the record: by kind "
        "(`headcounts`, `measures`, `talks`, or `facts` for a source), how many, the first "
        "few, and where to list them all.",
    )


class AppError(Exception):
    """Base of the errors the app raises on purpose; the handler turns them into problems."""

    status = 500
    title = "Internal Server Error"
    slug = "internal"

    def __init__(
        self,
        title: str | None = None,
        detail: str = "",
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ):
        super().__init__(detail)
        self.title = title or self.title
        self.detail = detail
        self.status = status or self.status
        self.headers = headers
        # RFC 9457 extension members: more fields of the problem, documented in `Problem`.
        self.extensions = extensions or {}


class BadRequest(AppError):
    status = 400
    title = "Bad Request"
    slug = "bad-request"


class NotFound(AppError):
    status = 404
    title = "Not Found"
    slug = "not-found"


class Conflict(AppError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class UnsupportedMediaType(AppError):
    """A body in a media type the endpoint does not read; `detail` names those it does."""

    status = 415
    title = "Unsupported Media Type"
    slug = "unsupported-media-type"

    def __init__(
        self,
        got: str,
        accepted: list[str],
        advice: str = "",
        headers: dict[str, str] | None = None,
    ):
        sent = f"`Content-Type: {cut(got)}`" if got else "no `Content-Type`"
        takes = listed([f"`{media_type}`" for media_type in accepted], "or")
        advice = advice or f"send the JSON with `Content-Type: {accepted[0]}`"
        super().__init__(
            detail=f"The body was sent with {sent}, and this endpoint reads only {takes}: "
            f"{advice}.",
            headers=headers,
        )


def listed(items: list[str], last: str = "and") -> str:
    """`a`, `a and b`, `a, b and c` (or `or` in place of `and`)."""
    return f" {last} ".join([", ".join(items[:-1]), items[-1]] if items[:-1] else items)


class PreconditionFailed(AppError):
    status = 412
    title = "Precondition Failed"
    slug = "precondition-failed"


class PreconditionRequired(AppError):
    """RFC 6585: the server wants the write to be conditional (`If-Match`)."""

    status = 428
    title = "Precondition Required"
    slug = "precondition-required"


class Unprocessable(AppError):
    """Input that is well-formed but wrong: each bad field is listed, as for request validation."""

    status = 422
    title = "Invalid request"
    slug = "validation"

    def __init__(self, errors: list[dict[str, Any]]):
        # Every entry has an `input`, null where there is none to show.
        errors = [e if "input" in e else {**e, "input": None} for e in errors]
        super().__init__(detail=summary(errors))
        self.errors = errors


ECHOED = 100
"""How many characters of a value a message quotes (`errors[].input` holds it whole)."""


def cut(text: str) -> str:
    """A text as a message quotes it: its first ECHOED characters, and an ellipsis for the
    rest."""
    return text if len(text) <= ECHOED else f"{text[:ECHOED]}…"


def echoed(value: Any) -> str:
    """A value as a message quotes it: its repr, a long string `cut`."""
    return repr(cut(value)) if isinstance(value, str) else cut(repr(value))


def summary(errors: list[dict[str, Any]]) -> str:
    """A 422's `detail`: its first errors, each where, what, and the value refused, in
    clauses joined by `; `."""
    return "; ".join(
        f"{'.'.join(cut(str(part)) for part in e['loc'])}: {e['msg'].rstrip('.')}"
        + ("" if e["input"] is None else f" (got {echoed(e['input'])})")
        for e in errors[:5]
    )


PYDANTIC_PREFIXES = {"value_error": "Value error, ", "assertion_error": "Assertion failed, "}


def pydantic_message(error: Mapping[str, Any]) -> str:
    """A pydantic error's message without the "Value error, " (or "Assertion failed, ") that
    pydantic puts before the words of a validator's error: the user reads the sentence the
    validator wrote."""
    message: str = error["msg"]
    prefix = PYDANTIC_PREFIXES.get(error.get("type", ""), "")
    return message.removeprefix(prefix)


def field_error(
    field: str | list[str | int], msg: str, kind: str = "value_error", value: Any = None
) -> dict[str, Any]:
    """One entry of a 422's `errors`, for a field of the request body; with the value refused
    when it is a plain one (else null)."""
    loc = ["body", *(field if isinstance(field, list) else [field])]
    return {"loc": loc, "msg": msg, "type": kind, "input": value if plain(value) else None}


def plain(value: Any) -> bool:
    """Whether a value refused is shown in `input`: a string, number or boolean (not null, nor a
    list or an object, such as the whole body a missing field was looked for in)."""
    return isinstance(value, str | int | float | bool)


class ServiceUnavailable(AppError):
    """The database cannot be reached: a 503 that tells clients when to try again."""

    status = 503
    title = "Database unavailable"
    slug = "unavailable"

    def __init__(
        self,
        detail: str = "The database cannot be reached right now; retry shortly.",
        title: str | None = None,
    ):
        super().__init__(title, detail=detail, headers={"Retry-After": "2"})


class StillLoading(ServiceUnavailable):
    """The bundled data sets are being loaded: not ready yet."""

    title = "Still loading"
    slug = "loading"


class ContentTooLarge(HTTPException):
    """A request body past its limit, noticed while it is read. An HTTPException, because
    FastAPI's body parsing passes those on (and turns anything else into a 400)."""

    def __init__(self, limit: int):
        super().__init__(413, detail=too_large(limit))


def too_large(limit: int) -> str:
    return f"The request body is larger than this endpoint takes ({limit:,} bytes)."


# RFC 9110's names, which Python's HTTPStatus spells differently before 3.13.
TITLES = {413: "Content Too Large"}
UNREADABLE_BODY = "There was an error parsing the body"  # FastAPI's words for any such failure


def phrase(status: int) -> str:
    if status in TITLES:
        return TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _slug(status: int) -> str:
    return phrase(status).lower().replace(" ", "-")


def problem_body(
    status: int, title: str, detail: str, instance: str, slug: str | None = None
) -> dict[str, Any]:
    return {
        "type": PROBLEM_BASE + (slug or _slug(status)),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    body = problem_body(status, title, detail, request.url.path, slug) | (extensions or {})
    if errors is not None:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status, headers=headers)


class ProblemResponse(JSONResponse):
    """A problem as Starlette writes JSON, but for a lone UTF-16 surrogate in a refused value
    (JSON can send `"\\ud800"`; UTF-8 cannot encode it), which is written back as that same
    escape rather than failing the answer."""

    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")


async def send_problem(
    scope: Scope, send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    """The same problem+json, sent by a pure ASGI middleware that answers before the app."""
    body = orjson.dumps(problem_body(status, phrase(status), detail, scope["path"]))
    raw = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers (the router's 405 names only the first
    route it tried, while our paths have one route per method). HEAD goes with GET."""
    allowed = []
    for method in METHODS:
        scope = {**request.scope, "method": "GET" if method == "HEAD" else method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    errors = exc.errors if isinstance(exc, Unprocessable) else None
    return problem_response(
        request,
        exc.status,
        exc.title,
        exc.detail,
        slug=exc.slug,
        errors=errors,
        headers=exc.headers,
        extensions=exc.extensions,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    title = phrase(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = dict(exc.headers or {})
    if exc.status_code == 404 and detail == title:
        detail = f"Nothing at {cut(request.url.path)}; the endpoints are listed at /docs."
    elif exc.status_code == 405:
        headers = {"Allow": ", ".join(allowed_methods(request))}
        detail = (
            f"{request.method} is not allowed on {request.url.path}; allowed: {headers['Allow']}."
        )
    elif exc.status_code == 400 and detail == UNREADABLE_BODY:
        detail = "The body could not be read: send UTF-8 JSON, not nested hundreds of levels deep."
    return problem_response(request, exc.status_code, title, detail, headers=headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        errors.append(
            {
                "loc": [part if isinstance(part, int) else str(part) for part in error["loc"]],
                "msg": pydantic_message(error) + _closest(error),
                "type": error["type"],
                "input": error["input"] if plain(error.get("input")) else None,
            }
        )
    return errors


CHOICES = frozenset({"enum", "literal_error"})
"""The errors of a value that must be one of those listed (a `kinds`, a `sort`, a status)."""
_LISTED = re.compile(r"'([^']*)'")


def _closest(error: Mapping[str, Any]) -> str:
    """`: did you mean 'events'?` of `event` where one of the values listed is close to the
    one refused (as rapidfuzz scores it), or the only one it begins, else ''."""
    given = error.get("input")
    if error["type"] not in CHOICES or not isinstance(given, str) or not given.strip():
        return ""
    given = given.strip().lower()
    listed = _LISTED.findall(error["msg"])
    begun = [value for value in listed if value.startswith(given)]
    if len(begun) == 1:  # `-host` of `-host_country`
        return f": did you mean '{begun[0]}'?"
    best = process.extractOne(given, listed, scorer=fuzz.ratio, score_cutoff=SIMILAR)
    return "" if best is None else f": did you mean '{best[0]}'?"


SIMILAR = 75
"""How alike (rapidfuzz's ratio, of 100) a value refused and a listed one are to be named."""


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    if errors and all(e["type"] == "json_invalid" for e in errors):
        # Not a wrong value but no JSON at all: a malformed request.
        where = errors[0]["loc"][-1]
        detail = f"The body is not valid JSON ({errors[0]['msg']} at character {where})."
        return problem_response(request, 400, "Bad Request", detail)
    return problem_response(
        request, 422, "Invalid request", summary(errors), slug="validation", errors=errors
    )


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", type(exc).__name__)
    return await _app_error(request, ServiceUnavailable())


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        request, 500, "Internal Server Error", "An unexpected error occurred; it has been logged."
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(PoolTimeout, _database_down)
    app.add_exception_handler(Exception, _unexpected)


PROBLEMS: dict[int, str] = {
    400: "A malformed request: a body that is not UTF-8 JSON, or a cursor this list did not issue.",
    401: "No API key, or an unknown or revoked one (see `WWW-Authenticate`).",
    403: "The API key lacks the scope this needs.",
    404: "No such record.",
    409: "The change clashes with existing records: a `ref` another record has (`detail` "
    "gives its URL), or, for a DELETE, "
    "records that point at this one (`referrers` counts them by kind, names the first few "
    "and gives the URL that lists them all).",
    415: "The body was sent without a `Content-Type` or with one this endpoint does not read "
    "(`type`: `/problems/unsupported-media-type`); `detail` names those it reads: "
    "`application/json` for a record (and `application/merge-patch+json` for a PATCH), "
    "`application/json`, `application/x-ndjson` or `text/csv` for an import.",
    412: "`If-Match` names a version the record no longer has: reread it and retry.",
    413: "The request body is larger than the server takes (`MAX_BODY_BYTES`, "
    "`MAX_IMPORT_BYTES` for imports).",
    422: "Invalid input; `errors` lists each bad field, and each query parameter the "
    "endpoint does not take (`type`: `unknown_parameter`, with the names it takes in `allowed`).",
    428: "This server requires `If-Match` on changes and deletions (`REQUIRE_IF_MATCH`): read "
    "the record, then send its `ETag` in `If-Match`.",
    429: "Too many requests from this address or API key; retry after `Retry-After` seconds.",
    503: "The database is unreachable; retry after `Retry-After` seconds.",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error responses of an endpoint, all problem+json."""
    return {
        status: {
            "model": Problem,
            "description": PROBLEMS[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def _limit_problems(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The errors the middleware may answer before the endpoint runs (body limit, rate limit)."""
    statuses = []
    if "requestBody" in operation:
        statuses.append(400)
    if method in ("post", "put", "patch", "delete"):
        statuses.append(413)
    if path.startswith("/v1/"):
        statuses.append(429)
    return statuses


def problem_only_openapi(app: FastAPI) -> None:
    """Errors are documented as `application/problem+json` only, which is what they are,
    including those the middleware answers (malformed or oversized bodies, rate limits)."""
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = default_openapi()
            for path, methods in schema.get("paths", {}).items():
                for method, operation in methods.items():
                    responses = operation.setdefault("responses", {})
                    for status, response in problems(
                        *_limit_problems(path, method, operation)
                    ).items():
                        response.pop("model")
                        responses.setdefault(str(status), response)
                    for status, response in responses.items():
                        content = response.get("content", {})
                        if status[0] in "45" and PROBLEM_JSON in content:
                            content.pop("application/json", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
