"""Citations: the link from a fact to the words of its source. Every record but a country
carries them; a record's citations are written and deleted with it."""

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from app.common import SPACE, Id, one_of


class RecordType(StrEnum):
    """The kinds of record a citation can support."""

    official = "official"
    mission = "mission"
    mission_status = "mission_status"
    headcount = "headcount"
    measure = "measure"
    visa_dispute = "visa_dispute"
    talks = "talks"
    event = "event"


class Citation(SQLModel, table=True):
    __tablename__ = "citation"
    __table_args__ = (
        one_of("record_type", RecordType),
        Index(None, "record_type", "record_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(
        sa_column=Column(Integer, ForeignKey("source.id"), nullable=False, index=True)
    )
    record_type: str = Field(max_length=32)
    record_id: int
    quote: str = Field(sa_column=Column(Text, nullable=False))


class CitationRead(BaseModel):
    """The link from a fact to the words of its source."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"source_id": 1, "quote": "talks in Moscow on Tuesday"}}
    )

    source_id: int = Field(description="The source the quote comes from (`/v1/sources/{id}`).")
    quote: str = Field(description="Verbatim words of the source that state the fact.")


def citations_field() -> list[CitationRead]:
    """The `citations` field every fact carries."""
    field: list[CitationRead] = Field(
        default_factory=list, description="Where this fact comes from: source and verbatim quote."
    )
    return field


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty or only whitespace")
    return text


class CitationIn(BaseModel):
    """A citation written with its record."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"source_id": 1, "quote": "talks in Moscow on Tuesday"}},
    )

    source_id: Id = Field(description="The source quoted (`/v1/sources/{id}`).")
    quote: Annotated[str, AfterValidator(_not_blank)] = Field(
        min_length=1,
        max_length=10_000,
        description="The source's words, verbatim.",
        # Something besides whitespace, and no NUL (`kit/writing.py`).
        schema_extra={"json_schema_extra": {"pattern": f"^[^\\x00]*[^{SPACE}\\x00][^\\x00]*$"}},
    )


def citations_in() -> list[CitationIn]:
    """The `citations` field of a record being written: at least one."""
    field: list[CitationIn] = Field(
        min_length=1,
        max_length=100,
        description="Where the fact comes from: at least one source and verbatim quote.",
    )
    return field


CITATION_EXAMPLE = {"source_id": 1, "quote": "talks in Moscow on Tuesday"}


class CitedFact(CitationRead):
    """A fact a source supports, with the words that support it."""

    record_type: RecordType = Field(description="What kind of record the fact is.")
    record_id: int = Field(description="The record's id.")
    url: str = Field(description="The record's path in this API.")
