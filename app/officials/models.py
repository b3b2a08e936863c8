"""Officials: people acting for a state, with the title the source gives them."""

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.common import (
    WRITE_CONFIG,
    CitationIn,
    CitationRead,
    CountryCode,
    citations_field,
    citations_in,
    partial_model,
    ref_field,
)


class OfficialBase(SQLModel):
    name: str = Field(description="Full name.", schema_extra={"examples": ["Sergei Ryabkov"]})
    country: CountryCode = Field(
        foreign_key="country.code",
        sa_type=String(2),
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
    id: int = Field(description="Official id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    citations: list[CitationRead] = citations_field()


class OfficialCreate(OfficialBase):
    model_config = WRITE_CONFIG

    ref: str | None = ref_field()
    citations: list[CitationIn] = citations_in()


OfficialUpdate = partial_model(OfficialCreate, "OfficialUpdate")
