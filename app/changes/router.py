"""The change feed: every change in order, so a mirror or dashboard can sync incrementally."""

import re
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse
from sse_starlette.sse import SendTimeoutError
from starlette.types import Receive, Scope, Send

from app.changes.live import Entry, Hub, log
from app.common import MAX_ID
from app.countries.service import CountryCode
from app.db import read_connection, reads
from app.errors import BadRequest, ServiceUnavailable, problems
from app.kit.changelog import ChangeRead, changes_after, public
from app.kit.etags import conditional_list
from app.kit.query import CommaList
from app.kit.responses import json_response, next_link
from app.registry import BY_RESOURCE

Resource = StrEnum(  # type: ignore[misc]
    "Resource", {name: name for name in sorted({*BY_RESOURCE, "representations"} - {"expulsions"})}
)
"""The resources the change log names (expulsions are logged as the measures they are)."""

router = APIRouter(prefix="/v1/changes", tags=["changes"])
CURSOR = "^[0-9]{1,10}$"


class FeedQuery(BaseModel):
    model_config = {"extra": "forbid"}

    since: int = Field(
        default=0,
        ge=0,
        le=MAX_ID,
        description="The id of the last change you have (`last_id` of your previous call); "
        "0 for all.",
    )
    # The pattern documented, not enforced: a cursor it did not issue is a 400 (`_position`),
    # as every list's.
    cursor: Annotated[str, Field(json_schema_extra={"pattern": CURSOR})] | None = Field(
        default=None,
        description="The `next_cursor` of the previous page (or follow the `Link` header); "
        "it takes the place of `since`.",
    )
    limit: int = Field(default=100, ge=1, le=1000, description="Changes per call, 1 to 1000.")


class Feed(BaseModel):
    items: list[ChangeRead] = Field(description="Changes after `since`, oldest first.")
    next_cursor: str | None = Field(
        description="The next page's `cursor`; null when no change after these is stored yet."
    )
    last_id: int = Field(
        description="The id of the last change in `items` (your `since` when there are none): "
        "poll with it as `since` later, or open the stream with it."
    )
    total: None = Field(default=None, description="Always null here.")


def _position(query: FeedQuery) -> int:
    """Where the page starts: the cursor's id (the `Link` keeps `since` beside it), or
    `since`."""
    if query.cursor is None:
        return query.since
    # A 400 like every list's cursor that it did not issue (not a 422 for its pattern).
    if re.fullmatch(CURSOR, query.cursor) is None or int(query.cursor) > MAX_ID:
        raise BadRequest(
            "Invalid cursor",
            "The cursor is not one this feed issued; start from `since=0`.",
        )
    return int(query.cursor)


@router.get(
    "",
    summary="Feed of changes",
    operation_id="list_changes",
    responses={200: {"model": Feed}, **problems(400, 422, 503)},
)
@reads
def feed(request: Request, query: Annotated[FeedQuery, Query()]) -> Response:
    """Every create, update, delete and restore after `since`, oldest first, a page at a time
    (`next_cursor`, `Link`), to the newest stored (`next_cursor` null). Poll later with
    `last_id` as `since`, or follow `/v1/changes/stream`. Ids become visible in order: a change
    never appears below one you have already seen."""
    since = _position(query)

    def build() -> Response:
        items = [public(row) for row in changes_after(connection, since, query.limit + 1)]
        more = len(items) > query.limit
        items = items[: query.limit]
        last = items[-1]["id"] if items else since
        next_cursor = str(last) if more else None
        link = next_link(request.url, next_cursor)
        return json_response(
            {"items": items, "next_cursor": next_cursor, "last_id": last, "total": None},
            headers={"Link": link} if link else None,
        )

    with read_connection(request) as connection:
        return conditional_list(connection, request, f"feed-{since}-{query.limit}", build)


class StreamQuery(BaseModel):
    model_config = {"extra": "forbid"}

    since: int | None = Field(
        default=None,
        ge=0,
        le=MAX_ID,
        description="Send the changes after this id first (the feed's `last_id`, or 0 for "
        "all), then live ones; without it, only changes from now on. A reconnect's "
        "`Last-Event-ID` header takes its place.",
    )
    resources: CommaList[Resource] | None = Field(
        default=None, description="Only changes of these resources, comma-separated."
    )
    countries: CommaList[CountryCode] | None = Field(
        default=None,
        description="Only changes of records involving every country named (alpha-2 or "
        "alpha-3, comma-separated), before or after the change: `RU,US`.",
    )


STREAM_DOC = """Server-Sent Events (`text/event-stream`): every change as it commits, in
the feed's order and shape, one `change` event each, whose `id` is the change's id. A client
that reconnects with `Last-Event-ID` (browsers' `EventSource` does it by itself) gets exactly
what it missed, then live changes. Heartbeats (SSE comments) every `STREAM_HEARTBEAT_SECONDS`.
A client too slow to take its events is dropped after `STREAM_SEND_TIMEOUT` seconds (it
reconnects and misses nothing); past `STREAM_MAX` streams on a worker, a 503 with
`Retry-After`. Changes written through any worker or server on the same database arrive: on
PostgreSQL within a notification's latency, on SQLite within `STREAM_POLL_SECONDS`."""


class ChangeStream(EventSourceResponse):
    """A stream that drops a client too slow to take its events, without a traceback (it
    reconnects with Last-Event-ID and misses nothing)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except SendTimeoutError:
            log.warning(
                "a change stream's client took no event for %ss: dropped", self.send_timeout
            )


STREAM_EXAMPLE = (
    "id: 7\nevent: change\ndata: "
    + orjson.dumps(ChangeRead.model_config["json_schema_extra"]["examples"][0]).decode()  # type: ignore[index]
    + "\n\n: ping - 2026-11-28 16:00:15.000000+00:00\n\n"
)


def _last_event_id(request: Request) -> int | None:
    header = request.headers.get("last-event-id")
    if header is None or not header.strip():
        return None
    value = header.strip()
    if not value.isascii() or not value.isdigit() or int(value) > MAX_ID:
        raise BadRequest(
            "Invalid Last-Event-ID", "Last-Event-ID must be the id of a change this API sent."
        )
    return int(value)


@router.get(
    "/stream",
    summary="Stream of changes (Server-Sent Events)",
    description=STREAM_DOC,
    operation_id="stream_changes",
    response_class=Response,
    responses={
        200: {
            "description": "Events, each a change as the feed shows it (`ChangeRead`), and "
            "heartbeats.",
            "content": {
                "text/event-stream": {
                    "schema": {"type": "string"},
                    "example": STREAM_EXAMPLE,
                }
            },
        },
        **problems(400, 422, 503),
    },
)
async def stream(request: Request, query: Annotated[StreamQuery, Query()]) -> Response:
    hub: Hub = request.app.state.hub
    settings = request.app.state.settings
    if hub.streams >= settings.stream_max:
        raise ServiceUnavailable(
            "This worker serves as many change streams as it may (STREAM_MAX); retry shortly.",
            title="Too many streams",
        )
    position = _last_event_id(request)
    named = "Last-Event-ID" if position is not None else "since"
    if position is None:
        position = query.since if query.since is not None else hub.newest
    if position > hub.version() and position > (newest := await hub.stored()):
        # Followed, it would pass over every change up to that id without a word.
        raise BadRequest(
            f"Invalid {named}",
            f"No change has the id {position} yet: the newest is {newest}. Start from the "
            "feed's `last_id`, or leave `since` out for the changes from now on.",
        )
    resources = frozenset(query.resources or ())
    countries = frozenset(query.countries or ())

    def wanted(change: Entry) -> bool:
        return (not resources or change.resource in resources) and countries <= change.countries

    async def events(position: int) -> AsyncIterator[bytes]:
        hub.streams += 1
        try:
            while True:
                moved = hub.moved()
                batch = hub.after(position)
                if batch is None:
                    batch = await hub.backlog(position)
                if not batch:
                    await moved.wait()
                    continue
                for change in batch:
                    position = change.id
                    if wanted(change):
                        yield change.event
        finally:
            hub.streams -= 1

    return ChangeStream(
        events(position),
        ping=settings.stream_heartbeat_seconds,
        send_timeout=settings.stream_send_timeout,
    )
