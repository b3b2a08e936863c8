"""The change feed: every change in order, so a mirror or dashboard can sync incrementally."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from app.common import MAX_ID
from app.db import read_connection
from app.errors import BadRequest, problems
from app.kit.changelog import ChangeRead, ch, change_table, present
from app.kit.etags import conditional_list
from app.kit.responses import json_response, next_link

router = APIRouter(prefix="/v1/changes", tags=["changes"])


class FeedQuery(BaseModel):
    model_config = {"extra": "forbid"}

    since: int = Field(
        default=0,
        ge=0,
        le=MAX_ID,
        description="The id of the last change you have (`last_id` of your previous call); "
        "0 for all.",
    )
    cursor: str | None = Field(
        default=None,
        max_length=32,
        description="The `next_cursor` of the previous page (instead of `since`).",
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


def public(row: Any) -> dict[str, Any]:
    """A change as the feed and the stream show it."""
    change = present(row)
    if change["action"] == "delete":
        change["before"] = None  # what a deleted record held is for admins (its history)
    return change


def _position(query: FeedQuery) -> int:
    """Where the page starts: `since`, or the id a cursor of this feed holds."""
    if query.cursor is None:
        return query.since
    if query.since:
        raise BadRequest("since and cursor", "Send `since` or `cursor`, not both.")
    if not query.cursor.isascii() or not query.cursor.isdigit() or int(query.cursor) > MAX_ID:
        raise BadRequest(
            "Invalid cursor",
            "The cursor is not one this feed issued; start from `since=0`.",
        )
    return int(query.cursor)


def after(connection: Connection, since: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` changes after the change `since`, oldest first, as shown."""
    rows = connection.execute(
        select(change_table).where(ch.id > since).order_by(ch.id).limit(limit)
    ).mappings()
    return [public(row) for row in rows]


@router.get(
    "",
    summary="Feed of changes",
    operation_id="list_changes",
    responses={200: {"model": Feed}, **problems(400, 422, 503)},
)
async def feed(request: Request, query: Annotated[FeedQuery, Query()]) -> Response:
    """Every create, update, delete and restore after `since`, oldest first, a page at a time
    (`next_cursor`, `Link`), to the newest stored (`next_cursor` null). Poll later with
    `last_id` as `since`, or follow `/v1/changes/stream`. Ids become visible in order: a change
    never appears below one you have already seen."""
    since = _position(query)

    def build() -> Response:
        items = after(connection, since, query.limit + 1)
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
