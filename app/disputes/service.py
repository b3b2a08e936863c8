"""Visa disputes: how they are listed (with their issues) and written."""

from sqlalchemy import Connection, delete, insert, or_, select

from app.citations.models import RecordType
from app.citations.quotes import quotes_check
from app.citations.service import citations_embed, citations_part
from app.disputes.models import DisputeCreate, VisaDispute, VisaDisputeIssue
from app.kit.spec import Embed, ListSpec, Row
from app.kit.sql import values_of
from app.kit.writing import Part, WriteSpec, listed_by
from app.talks.service import TALKS_LIST

dispute_table = VisaDispute.__table__  # type: ignore[attr-defined]
issue_table = VisaDisputeIssue.__table__  # type: ignore[attr-defined]
d = dispute_table.c


i = issue_table.c
load_issues = values_of(i.dispute_id, i.issue)


def _shape(row: Row) -> Row:
    row["next_round"] = {"planned": row.pop("next_round_planned"), "date": row.pop("next_round_on")}
    return row


DISPUTE_LIST = ListSpec(
    noun="visa dispute",
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
        "country": lambda isin: or_(isin(d.country_a), isin(d.country_b)),
        "country_a": d.country_a,
        "country_b": d.country_b,
        "status": d.status,
        "issue": lambda isin: d.id.in_(select(i.dispute_id).where(isin(i.issue))),
    },
    date_column=d.opened_on,
    search_kinds=["visa-disputes"],
    embeds=[Embed("issues", load_issues), citations_embed(RecordType.visa_dispute)],
    shape=_shape,
)


def _write_issues(connection: Connection, dispute_id: int, issues: list[str]) -> None:
    _delete_issues(connection, dispute_id)
    connection.execute(
        insert(issue_table), [{"dispute_id": dispute_id, "issue": issue} for issue in issues]
    )


def _delete_issues(connection: Connection, dispute_id: int) -> None:
    connection.execute(delete(issue_table).where(issue_table.c.dispute_id == dispute_id))


def _to_columns(data: Row) -> Row:
    next_round = data.pop("next_round", None)
    if next_round is not None:
        data["next_round_planned"] = next_round["planned"]
        data["next_round_on"] = next_round["date"]
    return data


DISPUTE_WRITE = WriteSpec(
    checks=quotes_check,
    table=dispute_table,
    resource="visa-disputes",
    create_model=DisputeCreate,
    listing=DISPUTE_LIST,
    parts=[Part("issues", _write_issues, _delete_issues), citations_part(RecordType.visa_dispute)],
    dependents=[listed_by("talks", TALKS_LIST, "dispute_id")],
    to_columns=_to_columns,
)
