"""Representation periods: how they are listed (with their citations), and on a day."""

import datetime as dt
from dataclasses import replace
from functools import lru_cache

from sqlalchemy import or_

from app.citations.models import RecordType
from app.citations.service import citations_embed
from app.kit.spec import ListSpec
from app.representations.models import Representation

representation_table = Representation.__table__  # type: ignore[attr-defined]
r = representation_table.c

REPRESENTATION_LIST = ListSpec(
    noun="representation period",
    columns=[
        r.id,
        r.ref,
        r.sending_country,
        r.host_country,
        r.level,
        r.valid_from,
        r.valid_to,
        r.since,
        r.since_precision,
        r.observed_until,
        r.mission_id,
    ],
    id_column=r.id,
    sorts={"id": r.id, "valid_from": r.valid_from, "host_country": r.host_country},
    default_sort="id",
    filters={
        "sending_country": r.sending_country,
        "host_country": r.host_country,
        "level": r.level,
        "mission_id": r.mission_id,
    },
    embeds=[citations_embed(RecordType.representation)],
    date_column=r.valid_from,
)


@lru_cache(maxsize=512)
def representations_on(day: dt.date) -> ListSpec:
    """The periods in force on a day."""
    return replace(
        REPRESENTATION_LIST,
        where=[r.valid_from <= day, or_(r.valid_to.is_(None), r.valid_to >= day)],
    )
