"""Headcounts: how they are listed and written."""

from typing import Any

from sqlalchemy import Connection, column, select, table

from app.citations.models import RecordType
from app.citations.quotes import quotes_check
from app.citations.service import citations_embed, citations_part
from app.errors import Unprocessable, field_error
from app.headcounts.models import Headcount, HeadcountCreate
from app.kit.spec import ListSpec
from app.kit.writing import Reference, WriteSpec

headcount_table = Headcount.__table__  # type: ignore[attr-defined]
h = headcount_table.c

HEADCOUNT_LIST = ListSpec(
    noun="headcount",
    columns=[
        h.id,
        h.ref,
        h.sending_country,
        h.host_country,
        h.mission_id,
        h.as_of,
        h.date_precision,
        h.category,
        h.kind,
        h.count,
    ],
    id_column=h.id,
    sorts={"id": h.id, "as_of": h.as_of, "count": h.count},
    default_sort="as_of",
    filters={
        "sending_country": h.sending_country,
        "host_country": h.host_country,
        "mission_id": h.mission_id,
        "category": h.category,
        "kind": h.kind,
    },
    embeds=[citations_embed(RecordType.headcount)],
    date_column=h.as_of,
)

_mission = table("mission", column("id"), column("sending_country"), column("host_country"))


def _same_pair_as_its_mission(
    connection: Connection, _id: int, data: dict[str, Any], _before: dict[str, Any] | None
) -> None:
    """A headcount of a mission counts that mission's staff: the same sending and host
    country (the U.S. embassy in Moscow's staff are not Russia's in Washington)."""
    if data.get("mission_id") is None:
        return
    m = _mission.c
    sending, host = connection.execute(
        select(m.sending_country, m.host_country).where(m.id == data["mission_id"])
    ).one()
    if (sending, host) != (data["sending_country"], data["host_country"]):
        raise Unprocessable(
            [
                field_error(
                    "mission_id",
                    f"mission {data['mission_id']} is {sending}'s mission in {host}; this "
                    f"headcount is of {data['sending_country']}'s staff in "
                    f"{data['host_country']}",
                    "mission_mismatch",
                )
            ]
        )


HEADCOUNT_WRITE = WriteSpec(
    checks=quotes_check,
    table=headcount_table,
    resource="headcounts",
    create_model=HeadcountCreate,
    listing=HEADCOUNT_LIST,
    references=[Reference("mission_id", _mission, "mission")],
    parts=[citations_part(RecordType.headcount)],
    after_write=_same_pair_as_its_mission,
)
