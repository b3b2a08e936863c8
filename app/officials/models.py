"""Officials: people acting for a state, with the title the source gives them."""

from sqlmodel import Field, SQLModel

from app.common import CitationRead, citations_field


class OfficialBase(SQLModel):
    name: str = Field(description="Full name.", schema_extra={"examples": ["Sergei Ryabkov"]})
    country: str = Field(
        foreign_key="country.code",
        max_length=2,
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
