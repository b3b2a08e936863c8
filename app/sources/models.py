"""Sources: the documents facts come from."""

from typing import Annotated, Any

from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from app.citations.models import CitedFact
from app.common import SPACE, Day, partial_model, read_config, ref_field, write_config

EXAMPLE: dict[str, Any] = {
    "ref": "reuters-2021-10-12-embassy-rows",
    "title": "Russia vs U.S: Embassy Rows Unresolved Amidst Diplomatic Stand-Off",
    "publisher": "Reuters",
    "published_on": "2021-10-12",
    "url": None,
    "attribution": "SOURCE: REUTERS.",
}
READ_EXAMPLE: dict[str, Any] = {"id": 1, **EXAMPLE}


class SourceBase(SQLModel):
    title: str = Field(
        description="The document's title.",
        schema_extra={
            "examples": ["Russia vs U.S: Embassy Rows Unresolved Amidst Diplomatic Stand-Off"]
        },
    )
    publisher: str = Field(description="Who published it.", schema_extra={"examples": ["Reuters"]})
    published_on: Day = Field(
        description="Publication date.", schema_extra={"examples": ["2021-10-12"]}
    )
    url: str | None = Field(
        default=None, description="Where to read it; null when the source gives none."
    )
    attribution: str | None = Field(
        default=None,
        description="The credit line as the document prints it.",
        schema_extra={"examples": ["SOURCE: REUTERS."]},
    )


class Source(SourceBase, table=True):
    __tablename__ = "source"

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)


class SourceRead(SourceBase):
    model_config = read_config(READ_EXAMPLE)

    id: int = Field(description="Source id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")


class SourceDetail(SourceRead):
    facts: list[CitedFact] = Field(description="Every fact this source supports.")


URL_PATTERN = f"^https?://[^{SPACE}\\x00]+$"  # no whitespace; no NUL, which PostgreSQL cannot store


class SourceCreate(SourceBase):
    model_config = write_config(EXAMPLE)

    ref: str | None = ref_field()
    url: Annotated[str, StringConstraints(max_length=2000, pattern=URL_PATTERN)] | None = Field(
        default=None, description="Where to read it (http or https); null if there is none."
    )


SourceUpdate = partial_model(SourceCreate, "SourceUpdate")
