"""Officials: how they are listed and written."""

from app.citations.models import RecordType
from app.citations.quotes import quotes_check
from app.citations.service import citations_embed, citations_part
from app.kit.spec import Embed, ListSpec
from app.kit.writing import WriteSpec, listed_by
from app.officials.models import Official, OfficialCreate
from app.posts.service import load_posts
from app.talks.service import TALKS_LIST

official_table = Official.__table__  # type: ignore[attr-defined]
o = official_table.c

OFFICIAL_LIST = ListSpec(
    noun="official",
    columns=[o.id, o.ref, o.name, o.country, o.title, o.born, o.died, o.career],
    id_column=o.id,
    sorts={"id": o.id, "name": o.name, "country": o.country},
    default_sort="id",
    filters={"country": o.country},
    embeds=[citations_embed(RecordType.official), Embed("posts", load_posts)],
    search_kinds=["officials"],
)

OFFICIAL_WRITE = WriteSpec(
    checks=quotes_check,
    table=official_table,
    resource="officials",
    create_model=OfficialCreate,
    listing=OFFICIAL_LIST,
    parts=[citations_part(RecordType.official)],
    # Talks name officials as participants and speakers.
    dependents=[listed_by("talks", TALKS_LIST, "official_id")],
)
