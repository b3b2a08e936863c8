"""Officials: read queries."""

from app.listing import ListSpec
from app.officials.models import Official
from app.sources.models import RecordType
from app.sources.service import citations_embed

official_table = Official.__table__  # type: ignore[attr-defined]
o = official_table.c

OFFICIAL_LIST = ListSpec(
    columns=[o.id, o.ref, o.name, o.country, o.title],
    id_column=o.id,
    sorts={"id": o.id, "name": o.name, "country": o.country},
    default_sort="id",
    filters={"country": o.country},
    embeds=[citations_embed(RecordType.official)],
    search_columns=[o.name, o.title],
)
