"""One error shape for the whole API: RFC 9457 problem+json, never a stack trace."""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "/problems/"
log = logging.getLogger("app")


class FieldError(BaseModel):
    """One invalid input."""

    loc: list[str | int] = Field(description="Where: `query`, `path` or `body`, then the field.")
    msg: str = Field(description="What is wrong with it.")
    type: str = Field(description="Machine-readable error kind.")
    input: str | int | float | bool | None = Field(
        default=None, description="The value that was refused, when it is a plain value."
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


class AppError(Exception):
    """Base of the errors the app raises on purpose; the handler turns them into problems."""

    status = 500
    title = "Internal Server Error"
    slug = "internal"

    def __init__(self, title: str | None = None, detail: str = "", *, status: int | None = None):
        super().__init__(detail)
        self.title = title or self.title
        self.detail = detail
        self.status = status or self.status


class BadRequest(AppError):
    status = 400
    title = "Bad Request"
    slug = "bad-request"


class NotFound(AppError):
    status = 404
    title = "Not Found"
    slug = "not-found"


class ServiceUnavailable(AppError):
    status = 503
    title = "Database unavailable"
    slug = "unavailable"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _slug(status: int) -> str:
    return _phrase(status).lower().replace(" ", "-")


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (slug or _slug(status)),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    slug = "validation" if exc.status == 422 else exc.slug
    return problem_response(request, exc.status, exc.title, exc.detail, slug=slug)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    title = _phrase(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == title:
        detail = f"Nothing at {request.url.path}; the endpoints are listed at /docs."
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("allow", "")
        detail = f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}."
    return problem_response(
        request, exc.status_code, title, detail, headers=dict(exc.headers or {})
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        entry: dict[str, Any] = {
            "loc": [part if isinstance(part, int) else str(part) for part in error["loc"]],
            "msg": error["msg"],
            "type": error["type"],
        }
        if isinstance(error.get("input"), str | int | float | bool):
            entry["input"] = error["input"]
        errors.append(entry)
    return errors


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    detail = "; ".join(
        f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}"
        + (f" (got {e['input']!r})" if "input" in e else "")
        for e in errors[:5]
    )
    return problem_response(
        request, 422, "Invalid request", detail, slug="validation", errors=errors
    )


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", type(exc).__name__)
    return problem_response(
        request,
        503,
        ServiceUnavailable.title,
        "The database cannot be reached right now; retry shortly.",
        slug=ServiceUnavailable.slug,
        headers={"Retry-After": "2"},
    )


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


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "model": Problem,
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for status, description in {
        404: "No such record.",
        422: "Invalid parameters; `errors` lists each one.",
        503: "The database is unreachable; retry after `Retry-After` seconds.",
    }.items()
}
"""The error responses every endpoint documents."""
