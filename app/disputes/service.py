"""Visa disputes: read queries."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, or_, select

from app.disputes.models import VisaDispute, VisaDisputeIssue
from app.listing import Embed, ListSpec, Row, group_by
from app.sources.models import RecordType
from app.sources.service import citations_embed

dispute_table = VisaDispute.__table__  # type: ignore[attr-defined]
issue_table = VisaDisputeIssue.__table__  # type: ignore[attr-defined]
d = dispute_table.c


def load_issues(connection: Connection, ids: list[Any]) -> Mapping[Any, list[str]]:
    i = issue_table.c
    rows = connection.execute(
        select(i.dispute_id, i.issue).where(i.dispute_id.in_(ids)).order_by(i.dispute_id, i.issue)
    ).mappings()
    return group_by(list(rows), "dispute_id", lambda row: row["issue"])


def _shape(row: Row) -> Row:
    row["next_round"] = {"planned": row.pop("next_round_planned"), "date": row.pop("next_round_on")}
    return row


DISPUTE_LIST = ListSpec(
    columns=[
        d.id,
        d.ref,
        d.country_a,
        d.country_b,
        d.title,
        d.status,
        d.opened_on,
        d.next_round_planned,
        d.next_round_on,
    ],
    id_column=d.id,
    sorts={"id": d.id, "opened_on": d.opened_on},
    default_sort="id",
    filters={
        "country": lambda codes: or_(d.country_a.in_(codes), d.country_b.in_(codes)),
        "country_a": d.country_a,
        "country_b": d.country_b,
        "status": d.status,
        "issue": lambda issues: d.id.in_(
            select(issue_table.c.dispute_id).where(issue_table.c.issue.in_(issues))
        ),
    },
    date_column=d.opened_on,
    search_columns=[d.title],
    embeds=[Embed("issues", load_issues), citations_embed(RecordType.visa_dispute)],
    shape=_shape,
)
