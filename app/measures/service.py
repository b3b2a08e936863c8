"""Measures: how they are listed and written; expulsions are the measures of kind `expulsion`."""

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, select

from app.citations.models import RecordType
from app.citations.quotes import quotes_check
from app.citations.service import citations_embed, citations_part
from app.errors import Unprocessable, field_error
from app.kit.spec import ListSpec
from app.kit.writing import Reference, WriteSpec, listed_by
from app.measures.models import ExpulsionCreate, Measure, MeasureCreate, MeasureKind

measure_table = Measure.__table__  # type: ignore[attr-defined]
c = measure_table.c

MEASURE_LIST = ListSpec(
    noun="measure",
    columns=[
        c.id,
        c.ref,
        c.kind,
        c.stage,
        c.actor_country,
        c.actor_body,
        c.target_country,
        c.diplomats_count,
        c.date,
        c.date_precision,
        c.in_response_to,
        c.condition,
        c.summary,
    ],
    id_column=c.id,
    sorts={"id": c.id, "date": c.date, "diplomats_count": c.diplomats_count},
    default_sort="id",
    filters={
        "kind": c.kind,
        "stage": c.stage,
        "actor_country": c.actor_country,
        "target_country": c.target_country,
        "in_response_to": c.in_response_to,
    },
    embeds=[citations_embed(RecordType.measure)],
    date_column=c.date,
    search_kinds=["measures"],
)

EXPULSION_LIST = replace(
    MEASURE_LIST,
    noun="expulsion",
    where=[c.kind == MeasureKind.expulsion.value],
    filters={name: f for name, f in MEASURE_LIST.filters.items() if name != "kind"},
)


def _no_cycle(
    connection: Connection, measure_id: int, data: dict[str, Any], before: dict[str, Any] | None
) -> None:
    """`in_response_to` chains must end: a measure cannot answer itself, even indirectly."""
    seen, current = {measure_id}, data.get("in_response_to")
    while current is not None:
        if current in seen:
            raise Unprocessable(
                [
                    field_error(
                        "in_response_to",
                        f"would close a loop of responses at measure {current}",
                        "response_loop",
                    )
                ]
            )
        seen.add(current)
        current = connection.execute(
            select(c.in_response_to).where(c.id == current)
        ).scalar_one_or_none()


MEASURE_WRITE = WriteSpec(
    checks=quotes_check,
    table=measure_table,
    resource="measures",
    create_model=MeasureCreate,
    listing=MEASURE_LIST,
    references=[Reference("in_response_to", measure_table, "measure")],
    parts=[citations_part(RecordType.measure)],
    dependents=[listed_by("measures", MEASURE_LIST, "in_response_to")],
    after_write=_no_cycle,
)
EXPULSION_WRITE = replace(
    MEASURE_WRITE,
    create_model=ExpulsionCreate,
    listing=EXPULSION_LIST,
    holds=lambda record: record.get("kind") == MeasureKind.expulsion.value,
)
