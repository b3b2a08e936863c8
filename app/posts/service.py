"""Posts: how they are listed (with their citations), and each official's, in order."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from app.citations.models import RecordType
from app.citations.service import citations_embed, load_citations
from app.kit.spec import ListSpec
from app.kit.sql import group_by, is_in, prepared, related_rows
from app.posts.models import OfficialPost

post_table = OfficialPost.__table__  # type: ignore[attr-defined]
p = post_table.c

COLUMNS = [
    p.id,
    p.ref,
    p.official_id,
    p.sending_country,
    p.host_country,
    p.mission_id,
    p.title,
    p.title_id,
    p.appointed_on,
    p.appointed_precision,
    p.appointed_note,
    p.arrived_on,
    p.arrived_precision,
    p.credentials_on,
    p.credentials_precision,
    p.started_note,
    p.left_on,
    p.left_precision,
    p.ended_note,
    p.note,
]

POST_LIST = ListSpec(
    noun="post",
    columns=COLUMNS,
    id_column=p.id,
    sorts={"credentials_on": p.credentials_on, "appointed_on": p.appointed_on, "id": p.id},
    default_sort="credentials_on",
    filters={
        "mission_id": p.mission_id,
        "host_country": p.host_country,
        "official_id": p.official_id,
        "sending_country": p.sending_country,
    },
    embeds=[citations_embed(RecordType.official_post)],
    date_column=p.credentials_on,
    search_kinds=["posts"],
)


@lru_cache(maxsize=512)
def posts_on(day: dt.date) -> ListSpec:
    """The chiefs in charge on a day: a post begins with the credentials presented (or charge
    assumed: pocom's `started`), else the arrival, and runs to the day left; one with no day
    left runs until the next chief of that post begins (or still)."""
    later = aliased(post_table)
    start = func.coalesce(p.credentials_on, p.arrived_on)
    later_start = func.coalesce(later.c.credentials_on, later.c.arrived_on)
    succeeded = exists().where(
        later.c.sending_country == p.sending_country,
        later.c.host_country == p.host_country,
        later_start > start,
        later_start <= day,
    )
    return replace(
        POST_LIST,
        where=[
            start <= day,
            or_(p.left_on >= day, and_(p.left_on.is_(None), ~succeeded)),
        ],
    )


_POSTS = prepared(
    lambda dialect: (
        select(*COLUMNS)
        .where(is_in(p.official_id, "ids", dialect))
        .order_by(
            p.official_id,
            p.credentials_on.nulls_last(),
            p.appointed_on.nulls_last(),
            p.id,
        )
    )
)


def load_posts(connection: Connection, ids: list[Any]) -> Mapping[Any, list[dict[str, Any]]]:
    """The posts of many officials, in order of credentials (then of appointment), each with
    its citations: two queries."""
    rows = related_rows(connection, _POSTS, ids)
    citations = load_citations(connection, RecordType.official_post, [r["id"] for r in rows])
    for row in rows:
        row["citations"] = citations.get(row["id"], [])
    return group_by(rows, "official_id", lambda row: row)
