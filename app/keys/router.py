"""API keys over HTTP, for admins (the CLI does the same: `diplo keys`)."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.common import StorableText
from app.db import read_connection, request_write
from app.errors import problems
from app.kit.auth import (
    AdminPrincipal,
    ApiKeyCreated,
    ApiKeyRead,
    Scope,
    create_key,
    list_keys,
    revoke_key,
)
from app.kit.media_types import JsonBody
from app.kit.query import Page
from app.kit.read_routes import RecordId
from app.kit.responses import json_response

router = APIRouter(prefix="/v1/keys", tags=["keys"])


class KeyCreate(BaseModel):
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"name": "dashboard-editor", "scopes": ["write"]}]},
    }

    name: Annotated[
        StorableText, Field(min_length=1, max_length=200, description="What it is for.")
    ]
    scopes: list[Scope] = Field(min_length=1, description="What it may do.")


@router.post(
    "",
    status_code=201,
    summary="Create an API key",
    operation_id="create_key",
    responses={201: {"model": ApiKeyCreated}, **problems(401, 403, 415, 422, 503)},
)
def create(request: Request, body: KeyCreate, who: AdminPrincipal, _: JsonBody) -> Response:
    """Makes a key (`admin` scope); the answer holds the key itself, shown this once."""
    with request_write(request) as connection:
        created = create_key(connection, body.name, body.scopes)
    return json_response(created, status=201, headers={"Location": f"/v1/keys/{created['id']}"})


@router.get(
    "",
    summary="List API keys",
    operation_id="list_keys",
    responses={200: {"model": Page[ApiKeyRead]}, **problems(401, 403, 503)},
)
def index(request: Request, who: AdminPrincipal) -> Response:
    """Every key with its scopes and state (`admin` scope); never a secret."""
    with read_connection(request) as connection:
        keys = list_keys(connection)
    return json_response({"items": keys, "next_cursor": None, "total": None})


@router.delete(
    "/{record_id:int}",
    summary="Revoke an API key",
    operation_id="revoke_key",
    responses={200: {"model": ApiKeyRead}, **problems(401, 403, 404, 422, 503)},
)
def revoke(record_id: RecordId, request: Request, who: AdminPrincipal) -> Response:
    """Revokes a key at once (`admin` scope); it stays listed, with `revoked_at`."""
    with request_write(request) as connection:
        return json_response(revoke_key(connection, record_id))
