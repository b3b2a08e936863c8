"""Officials: people acting for a state, with the title the source gives them."""

from enum import StrEnum
from typing import Any

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.citations.models import (
    CitationIn,
    CitationRead,
    citations_field,
    citations_in,
    served_example,
)
from app.common import (
    COUNTRY_CODE,
    CountryCode,
    Year,
    one_of,
    partial_model,
    read_config,
    ref_field,
    write_config,
)
from app.posts.models import OfficialPostRead


class Career(StrEnum):
    """How a chief of mission was appointed (the Office of the Historian's codes)."""

    career = "career"
    non_career = "non-career"
    pre_1915 = "pre-1915"
    both = "both"


EXAMPLE: dict[str, Any] = {
    "ref": "sergei-ryabkov",
    "name": "Sergei Ryabkov",
    "country": "RU",
    "title": "Deputy Foreign Minister",
    "citations": [
        {"source_id": 1, "quote": "Russia's Deputy Foreign Minister Sergei Ryabkov said"}
    ],
}
READ_EXAMPLE: dict[str, Any] = served_example(
    {"id": 1, **EXAMPLE, "born": None, "died": None, "career": None}
) | {"posts": []}


class OfficialBase(SQLModel):
    name: str = Field(description="Full name.", schema_extra={"examples": ["Sergei Ryabkov"]})
    country: CountryCode = Field(
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        index=True,
        description="The state the person acts for (ISO alpha-2).",
        schema_extra={"examples": ["RU"]},
    )
    title: str | None = Field(
        default=None,
        description="Title at the time of the source.",
        schema_extra={"examples": ["Deputy Foreign Minister"]},
    )
    born: int | None = Field(default=None, description="Year of birth, when known.")
    died: int | None = Field(default=None, description="Year of death, when known.")
    career: Career | None = Field(
        default=None,
        sa_type=String(16),
        description="For a U.S. chief of mission: a `career` Foreign Service officer, a "
        "`non-career` (political) appointee, `both` at different times, or `pre-1915` (before "
        "the distinction was made).",
    )


class Official(OfficialBase, table=True):
    __tablename__ = "official"
    __table_args__ = (one_of("career", Career),)

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)


class OfficialRead(OfficialBase):
    model_config = read_config(READ_EXAMPLE)

    id: int = Field(description="Official id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    citations: list[CitationRead] = citations_field()
    posts: list[OfficialPostRead] = Field(
        default_factory=list,
        description="The posts the official held as a chief of mission, in order of "
        "credentials (also `/v1/posts?official_id=`).",
    )


class OfficialCreate(OfficialBase):
    model_config = write_config(EXAMPLE)

    ref: str | None = ref_field()
    born: Year | None = Field(default=None, description="Year of birth, when known.")
    died: Year | None = Field(default=None, description="Year of death, when known.")
    citations: list[CitationIn] = citations_in()


OfficialUpdate = partial_model(OfficialCreate, "OfficialUpdate")
