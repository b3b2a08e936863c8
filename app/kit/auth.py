"""API keys: stored hashed, carrying scopes; the dependency that guards every write.

A key reads `dk_<id-part>_<secret>`; the id part finds the row, the SHA-256 of the whole key is
compared in constant time. Keys are random 256-bit secrets, so a fast hash is enough.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Column, Connection, DateTime, Engine, bindparam, select, update
from sqlmodel import Field, SQLModel

from app.common import read_config
from app.db import get_engine, quick_read_now, single_statement
from app.errors import AppError, NotFound


class Scope(StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


# What each scope allows: admin can do what write can, write what read can.
GRANTS: dict[Scope, set[Scope]] = {
    Scope.read: {Scope.read},
    Scope.write: {Scope.read, Scope.write},
    Scope.admin: {Scope.read, Scope.write, Scope.admin},
}


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    lookup: str = Field(max_length=16, unique=True)
    secret_hash: str = Field(max_length=64)
    scopes: str = Field(max_length=64)
    created_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class ApiKeyRead(SQLModel):
    """An API key as listed: never its secret."""

    model_config = read_config(
        {
            "id": 1,
            "name": "dashboard-editor",
            "scopes": ["write"],
            "created_at": "2026-11-28T16:00:00Z",
            "revoked_at": None,
        }
    )

    id: int = Field(description="Key id (shown in change history).")
    name: str = Field(description="What the key is for.")
    scopes: list[Scope] = Field(description="What it may do.")
    created_at: dt.datetime = Field(description="When it was made.")
    revoked_at: dt.datetime | None = Field(description="When it was revoked; null if active.")


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself. Shown once; only its hash is stored.")


api_key_table = ApiKey.__table__  # type: ignore[attr-defined]
k = api_key_table.c


@dataclass(frozen=True)
class Principal:
    """Who is writing."""

    key_id: int
    name: str
    scopes: frozenset[Scope]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _row(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "scopes": [Scope(s) for s in row.scopes.split(",")],
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
    }


def create_key(connection: Connection, name: str, scopes: list[Scope]) -> dict[str, Any]:
    """Makes a key; the returned dict holds the only copy of the secret."""
    lookup = secrets.token_hex(6)
    key = f"dk_{lookup}_{secrets.token_urlsafe(32)}"
    now = dt.datetime.now(dt.UTC)
    key_id = connection.execute(
        api_key_table.insert()
        .values(
            name=name,
            lookup=lookup,
            secret_hash=_hash(key),
            scopes=",".join(sorted({s.value for s in scopes})),
            created_at=now,
        )
        .returning(k.id)
    ).scalar_one()
    return {**get_key(connection, key_id), "key": key}


def get_key(connection: Connection, key_id: int) -> dict[str, Any]:
    row = connection.execute(select(api_key_table).where(k.id == key_id)).first()
    if row is None:
        raise NotFound(detail=f"No API key with id {key_id}.")
    return _row(row)


def list_keys(connection: Connection) -> list[dict[str, Any]]:
    return [_row(row) for row in connection.execute(select(api_key_table).order_by(k.id))]


def revoke_key(connection: Connection, key_id: int) -> dict[str, Any]:
    get_key(connection, key_id)
    connection.execute(
        update(api_key_table)
        .where(k.id == key_id, k.revoked_at.is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )
    return get_key(connection, key_id)


_DUMMY_HASH = _hash("dk_000000000000_none")


def verify(engine: Engine, key: str) -> Principal | None:
    """The active key's principal, or None; the comparison takes the same time either way."""
    parts = key.split("_")
    lookup = parts[1] if len(parts) >= 3 and parts[0] == "dk" else ""
    row = _key_row(engine, lookup)
    stored = row[2] if row is not None else _DUMMY_HASH
    matches = hmac.compare_digest(stored, _hash(key))
    if row is None or not matches or row[4] is not None:
        return None
    key_id, name, _, scopes, _ = row
    return Principal(key_id, name, frozenset(Scope(s) for s in scopes.split(",")))


_KEY_ROW = select(k.id, k.name, k.secret_hash, k.scopes, k.revoked_at).where(
    k.lookup == bindparam("lookup")
)
"""Built once: building it for each check was a third of the check's CPU on the event loop."""


def _key_row(engine: Engine, lookup: str) -> Sequence[Any] | None:
    """The key's row (id, name, secret_hash, scopes, revoked_at), or None: one statement, in
    no transaction (SQLite: `single_statement`; PostgreSQL: the keys engine's connections are
    autocommit, `make_keys_engine`). 0.26 ms of CPU on the event loop per write became 0.14 ms
    (measured here)."""
    with engine.connect() as connection:
        single_statement(connection)
        return connection.execute(_KEY_ROW, {"lookup": lookup}).first()


class Unauthorized(AppError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(AppError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key from `diplo keys create`: `Authorization: Bearer dk_…`.",
)


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def require(scope: Scope) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the request's key must be valid, active and carry `scope`. On SQLite it
    is checked on the event loop, as reads are; on PostgreSQL too, on connections of its own,
    while the database is in steady use (`quick_read_now`), else in a thread: a hop to the
    thread pool and back, before the write's own, was a write's longest wait under load
    (docs/live.md, "A key checked on the event loop")."""

    async def check(request: Request, credentials: Credentials) -> Principal:
        keys: Engine | None = request.app.state.keys_engine
        if credentials is None or keys is None:
            return authorize(request, credentials, scope)
        if quick_read_now(keys):
            return _allowed(verify(keys, credentials.credentials), scope)
        principal = await run_in_threadpool(verify, keys, credentials.credentials)
        return _allowed(principal, scope)

    return check


def authorize(
    request: Request, credentials: HTTPAuthorizationCredentials | None, scope: Scope
) -> Principal:
    """The principal of the request's key; 401 or 403 unless it may act with `scope`."""
    if credentials is None:
        raise Unauthorized(detail=_no_bearer(request), headers=_challenge(scope))
    keys: Engine | None = request.app.state.keys_engine
    return _allowed(verify(keys or get_engine(request), credentials.credentials), scope)


def _challenge(scope: Scope) -> dict[str, str]:
    return {"WWW-Authenticate": f'Bearer realm="diplomacy-api", scope="{scope}"'}


def _allowed(principal: Principal | None, scope: Scope) -> Principal:
    """The key's principal if it may act with `scope`; else 401 (unknown or revoked) or 403."""
    if principal is None:
        raise Unauthorized(detail="The API key is unknown or revoked.", headers=_challenge(scope))
    if not any(scope in GRANTS[held] for held in principal.scopes):
        raise Forbidden(
            detail=f"The API key lacks the '{scope}' scope.",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )
    return principal


def _no_bearer(request: Request) -> str:
    """Why a request has no key: no `Authorization` header, or one that is not `Bearer <key>`
    (a key alone, `Token <key>`, `Bearer` and nothing after it). The header is not echoed: it
    may be the key."""
    how = "`Authorization: Bearer <key>` (the word Bearer, a space, then the key)"
    header = request.headers.get("authorization", "").strip()
    if not header:
        return f"This needs an API key: send it as {how}."
    scheme, _, key = header.partition(" ")
    if scheme.lower() == "bearer" and not key.strip():
        return f"The `Authorization` header holds no key after `Bearer`: send {how}."
    return f"The `Authorization` header is not a `Bearer` one: send the API key as {how}."


WritePrincipal = Annotated[Principal, Depends(require(Scope.write))]
AdminPrincipal = Annotated[Principal, Depends(require(Scope.admin))]
