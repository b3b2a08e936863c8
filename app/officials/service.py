"""Officials: read queries."""

from sqlalchemy import column, table

from app.listing import ListSpec, fetch_one
from app.officials.models import Official, OfficialCreate
from app.sources.models import RecordType
from app.sources.service import citations_embed, citations_part
from app.writing import WriteSpec, pointing_at

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

# Talks point at officials; named by table so this module need not import the talks package.
_participant = table("talks_participant", column("talks_id"), column("official_id"))
_statement = table("talks_statement", column("talks_id"), column("official_id"))

OFFICIAL_WRITE = WriteSpec(
    table=official_table,
    resource="officials",
    noun="official",
    create_model=OfficialCreate,
    listing=OFFICIAL_LIST,
    read=lambda connection, record_id: fetch_one(connection, OFFICIAL_LIST, record_id, "official"),
    parts=[citations_part(RecordType.official)],
    dependents=[
        pointing_at(_participant.c.official_id, "/v1/talks/{id}", id_column="talks_id"),
        pointing_at(_statement.c.official_id, "/v1/talks/{id}", id_column="talks_id"),
    ],
)
