"""Measures: read queries; expulsions are the measures of kind `expulsion`."""

from dataclasses import replace

from app.listing import ListSpec
from app.measures.models import Measure, MeasureKind
from app.sources.models import RecordType
from app.sources.service import citations_embed

measure_table = Measure.__table__  # type: ignore[attr-defined]
c = measure_table.c

MEASURE_LIST = ListSpec(
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
    search_columns=[c.actor_body, c.condition, c.summary],
)

EXPULSION_LIST = replace(MEASURE_LIST, where=[c.kind == MeasureKind.expulsion.value])
