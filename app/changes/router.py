"""The change feed: every change in order, so a mirror or dashboard can sync incrementally."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.common import MAX_ID
from app.db import read_connection
from app.errors import problems
from app.kit.changelog import ChangeRead, ch, change_table, present
from app.kit.etags import conditional_list
from app.kit.responses import json_response

router = APIRouter(prefix="/v1/changes", tags=["changes"])


class FeedQuery(BaseModel):
    model_config = {"extra": "forbid"}

    since: int = Field(
        default=0,
        ge=0,
        le=MAX_ID,
        description="The last change you have (`next_cursor` of your previous call); 0 for all.",
    )
    limit: int = Field(default=100, ge=1, le=1000, description="Changes per call, 1 to 1000.")


class Feed(BaseModel):
    items: list[ChangeRead] = Field(description="Changes after `since`, oldest first.")
    next_cursor: str = Field(
        description="Pass as `since` next time; equal to `since` when nothing is new."
    )
    total: None = Field(default=None, description="Always null here.")


def _public(row: Any) -> dict[str, Any]:
    change = present(row)
    if change["action"] == "delete":
        change["before"] = None  # what a deleted record held is for admins (its history)
    return change


@router.get(
    "",
    summary="Feed of changes",
    operation_id="list_changes",
    responses={200: {"model": Feed}, **problems(422, 503)},
)
async def feed(request: Request, query: Annotated[FeedQuery, Query()]) -> Response:
    """Every create, update, delete and restore after `since`, oldest first. Poll with the
    `next_cursor` you got: it always moves forward, and never skips a change."""

    def build() -> Response:
        rows = (
            connection.execute(
                select(change_table).where(ch.id > query.since).order_by(ch.id).limit(query.limit)
            )
            .mappings()
            .all()
        )
        items = [_public(row) for row in rows]
        last = items[-1]["id"] if items else query.since
        return json_response({"items": items, "next_cursor": str(last), "total": None})

    with read_connection(request) as connection:
        return conditional_list(connection, request, f"feed-{query.since}-{query.limit}", build)
