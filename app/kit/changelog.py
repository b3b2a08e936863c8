"""The change log: every create, update, delete and restore, with who, when and what.

Written by the write machine in the same transaction as the change itself, so a change and
its record stand or fall together. Its ids order all changes: they are the `/v1/changes`
feed's positions, the stream's event ids and the list ETags' version counter.

So they must become visible in id order, or a follower that has seen id N skips for good an
id below N that commits later. SQLite has one writer at a time (`BEGIN IMMEDIATE`), so its ids
are in commit order already. On PostgreSQL a sequence hands ids out at insert time, in any
order of commit: a writer therefore takes one transaction-scoped advisory lock before it draws
its changes' ids, and holds it until it has committed (PostgreSQL releases a transaction's
locks after the commit is visible). The next writer draws its ids only then, so every id is
visible before any higher one is drawn (docs/live.md). The database takes the lock itself, in
a trigger before each insert into the log (migration 0018), and queues the notification that
wakes every worker's stream at the commit.
"""

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    RowMapping,
    bindparam,
    func,
    select,
)
from sqlmodel import Field, SQLModel

from app.common import one_of, read_config
from app.db import LAST_CHANGE


class Action(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    restore = "restore"


class Change(SQLModel, table=True):
    __tablename__ = "change"
    __table_args__ = (one_of("action", Action), Index(None, "resource", "record_id", "id"))

    id: int | None = Field(default=None, primary_key=True)
    resource: str = Field(max_length=32)
    record_id: int
    action: str = Field(max_length=16)
    key_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("api_key.id"), nullable=True)
    )
    at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # Who wrote it when no API key did: `datasets:NAME` for a data set's load.
    actor: str | None = Field(default=None, max_length=64)
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class ChangeRead(SQLModel):
    """One change of one record."""

    model_config = read_config(
        {
            "id": 7,
            "resource": "missions",
            "record_id": 1,
            "action": "update",
            "key_id": 2,
            "actor": None,
            "at": "2026-11-28T16:00:00Z",
            "url": "/v1/missions/1",
            "changed": ["status"],
            "before": {"status": "operating"},
            "after": {"status": "frozen"},
        }
    )

    id: int = Field(description="Position in the change feed (`/v1/changes?since=`).")
    resource: str = Field(description="The resource, as in its URL.")
    record_id: int = Field(description="The record's id.")
    action: Action = Field(description="What happened.")
    key_id: int | None = Field(description="The API key that did it; null for the CLI or seed.")
    actor: str | None = Field(
        description="Who did it when no key did: `datasets:NAME` for a bundled data set's load; "
        "null for the CLI or seed."
    )
    at: dt.datetime = Field(description="When (UTC).")
    url: str = Field(description="The record's URL.")
    changed: list[str] = Field(description="The fields whose values changed.")
    before: dict[str, Any] | None = Field(description="The changed fields before; null on create.")
    after: dict[str, Any] | None = Field(description="The changed fields after; null on delete.")


change_table = Change.__table__  # type: ignore[attr-defined]
ch = change_table.c


_NEWEST = select(func.coalesce(func.max(ch.id), 0))


def _plain(value: Any) -> Any:
    """JSON-ready (dates to ISO strings), as a client would see it."""
    return orjson.loads(orjson.dumps(value)) if value is not None else None


def record_change(
    connection: Connection,
    resource: str,
    record_id: int,
    action: Action,
    key_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Stores whole before and after snapshots (a delete can then be undone from its entry)."""
    record_changes(connection, [(resource, record_id, action, key_id, before, after)])


ChangeEntry = tuple[str, int, Action, int | None, dict[str, Any] | None, dict[str, Any] | None]


CHANGE_LOG_LOCK = 0x64706C6F  # "dplo": the advisory lock key of the change log's tail
CHANNEL = "diplo_changes"
"""The PostgreSQL channel a write notifies at its commit (the stream's wake-up call)."""


def record_changes(
    connection: Connection, entries: list[ChangeEntry], actor: str | None = None
) -> None:
    """Logs many changes with one statement (`actor`: who made them, when no key did)."""
    if not entries:
        return
    at = dt.datetime.now(dt.UTC)
    ids = connection.execute(
        change_table.insert().returning(ch.id),
        [
            {
                "resource": resource,
                "record_id": record_id,
                "action": action.value,
                "key_id": key_id,
                "actor": actor,
                "at": at,
                "before": _plain(before),
                "after": _plain(after),
            }
            for resource, record_id, action, key_id, before, after in entries
        ],
    )
    # Ids in commit order: no other writer logs until this transaction commits.
    newest, resources = connection.info.get(LAST_CHANGE, (0, frozenset()))
    connection.info[LAST_CHANGE] = (
        max(newest, *ids.scalars()),
        resources | {resource for resource, *_ in entries},
    )


_AFTER = (
    select(change_table)
    .where(ch.id > bindparam("since"))
    .order_by(ch.id)
    .limit(bindparam("limit", type_=Integer))
)


def changes_after(connection: Connection, since: int, limit: int) -> Sequence[RowMapping]:
    """Up to `limit` changes after the change `since`, oldest first, whole. One statement
    made once: each worker reads the log after every write of any worker."""
    return connection.execute(_AFTER, {"since": since, "limit": limit}).mappings().all()


VERSION = _NEWEST.scalar_subquery().label("_version")
"""`version` as a column, for a list page to read with its rows (`fetch_page_and`)."""


def version(connection: Connection) -> int:
    """A number that grows with every change: the newest change's id."""
    return int(connection.execute(_NEWEST).scalar_one())


def present(row: Any) -> dict[str, Any]:
    """A change as the API shows it: only the fields that changed, before and after."""
    before, after = row["before"] or {}, row["after"] or {}
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return {
        "id": row["id"],
        "resource": row["resource"],
        "record_id": row["record_id"],
        "action": row["action"],
        "key_id": row["key_id"],
        "actor": row["actor"],
        "at": row["at"],
        "url": f"/v1/{row['resource']}/{row['record_id']}",
        "changed": changed,
        "before": {k: before.get(k) for k in changed} if row["before"] is not None else None,
        "after": {k: after.get(k) for k in changed} if row["after"] is not None else None,
    }


def public(row: Any) -> dict[str, Any]:
    """A change as the feed and the stream show it: a delete without what the record held
    (that is for admins, in the record's history)."""
    change = present(row)
    if change["action"] == "delete":
        change["before"] = None
    return change


def last_snapshot(connection: Connection, resource: str, record_id: int) -> Any:
    """The newest change of a record, whole snapshots included; None if it never had one."""
    return (
        connection.execute(
            select(change_table)
            .where(ch.resource == resource, ch.record_id == record_id)
            .order_by(ch.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
