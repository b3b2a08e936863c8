"""Officials: how they are listed and written."""

from sqlalchemy import column, table

from app.citations.models import RecordType
from app.citations.service import citations_embed, citations_part
from app.kit.spec import ListSpec
from app.kit.writing import WriteSpec, pointing_at
from app.officials.models import Official, OfficialCreate

official_table = Official.__table__  # type: ignore[attr-defined]
o = official_table.c

OFFICIAL_LIST = ListSpec(
    noun="official",
    columns=[o.id, o.ref, o.name, o.country, o.title],
    id_column=o.id,
    sorts={"id": o.id, "name": o.name, "country": o.country},
    default_sort="id",
    filters={"country": o.country},
    embeds=[citations_embed(RecordType.official)],
    search_columns=[o.name, o.title],
)

# Talks point at officials; named by table so this module need not import the talks package.
_participant = table("talks_participant", column("talks_id"), column("official_id"))
_statement = table("talks_statement", column("talks_id"), column("official_id"))

OFFICIAL_WRITE = WriteSpec(
    table=official_table,
    resource="officials",
    create_model=OfficialCreate,
    listing=OFFICIAL_LIST,
    parts=[citations_part(RecordType.official)],
    dependents=[
        pointing_at(_participant.c.official_id, "/v1/talks/{id}", id_column="talks_id"),
        pointing_at(_statement.c.official_id, "/v1/talks/{id}", id_column="talks_id"),
    ],
)
