"""Officials: people acting for a state, with the title the source gives them."""

from typing import Any

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
    partial_model,
    read_config,
    ref_field,
    write_config,
)

EXAMPLE: dict[str, Any] = {
    "ref": "sergei-ryabkov",
    "name": "Sergei Ryabkov",
    "country": "RU",
    "title": "Deputy Foreign Minister",
    "citations": [
        {"source_id": 1, "quote": "Russia's Deputy Foreign Minister Sergei Ryabkov said"}
    ],
}
READ_EXAMPLE: dict[str, Any] = served_example({"id": 1, **EXAMPLE})


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


class Official(OfficialBase, table=True):
    __tablename__ = "official"

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)


class OfficialRead(OfficialBase):
    model_config = read_config(READ_EXAMPLE)

    id: int = Field(description="Official id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    citations: list[CitationRead] = citations_field()


class OfficialCreate(OfficialBase):
    model_config = write_config(EXAMPLE)

    ref: str | None = ref_field()
    citations: list[CitationIn] = citations_in()


OfficialUpdate = partial_model(OfficialCreate, "OfficialUpdate")
