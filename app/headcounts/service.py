"""Headcounts: how they are listed and written."""

from sqlalchemy import column, table

from app.citations.models import RecordType
from app.citations.service import citations_embed, citations_part
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

_mission = table("mission", column("id"))

HEADCOUNT_WRITE = WriteSpec(
    table=headcount_table,
    resource="headcounts",
    create_model=HeadcountCreate,
    listing=HEADCOUNT_LIST,
    references=[Reference("mission_id", _mission, "mission")],
    parts=[citations_part(RecordType.headcount)],
)
