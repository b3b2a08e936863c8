"""Citations: the link from a fact to the words of its source. Every record but a country
carries them; a record's citations are written and deleted with it."""

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, field_validator
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlmodel import Field, SQLModel

from app.citations.anchoring import Document, anchor
from app.common import SPACE, Id, one_of

# The seed's article (source 1), which the docs' examples quote.
_ARTICLE = (
    Path(__file__).resolve().parents[2] / "seed" / "sources" / "reuters-2021-10-12-embassy-rows.txt"
)


@cache
def _article() -> Document | None:
    return Document(_ARTICLE.read_text(encoding="utf-8")) if _ARTICLE.exists() else None


def _served(quote: dict[str, Any]) -> dict[str, Any]:
    article = _article() if quote["source_id"] == 1 else None
    if article is None:  # another source: the docs hold no text of it
        nulls = dict.fromkeys(("start", "end", "prefix", "suffix"))
        return quote | nulls | {"verified": False}
    found = anchor(article, quote["quote"])
    where = {"start": found.start, "end": found.end, "prefix": found.prefix}
    return quote | where | {"suffix": found.suffix, "verified": True}


def served_example(example: dict[str, Any]) -> dict[str, Any]:
    """A record's example as the API serves it: each quote with where it stands in its source
    (the seed's article, for source 1), worked out as a write works it out."""
    served = dict(example)
    for name in ("citations", "statements"):
        if name in served:
            whole = {"supports": None} if name == "citations" else {}
            served[name] = [_served(quote) | whole for quote in served[name]]
    if "status_history" in served:
        served["status_history"] = [served_example(entry) for entry in served["status_history"]]
    return served


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
    representation = "representation"
    official_post = "official_post"


# The kinds of record a quote can support: a citation's (every `RecordType`), or
# `talks_statement`, words said at a round of talks, quoted from a source as a citation is.
# Made from `RecordType`, so that every kind of record a citation supports is one (mypy wants
# the members written out, as literals).
FactType = StrEnum(  # type: ignore[misc]
    "FactType",
    {**{kind.name: kind.value for kind in RecordType}, "talks_statement": "talks_statement"},
)
FactType.__doc__ = "The kinds of record a quote can support."


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
    start_offset: int | None = None
    end_offset: int | None = None
    prefix: str | None = Field(default=None, sa_column=Column(Text))
    suffix: str | None = Field(default=None, sa_column=Column(Text))
    supports: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


CITATION_READ_EXAMPLE = _served({"source_id": 1, "quote": "talks in Moscow on Tuesday"}) | {
    "supports": None
}


class Anchored(BaseModel):
    """Where a quote stands in its source's text, as the W3C Web Annotation selectors say it."""

    source_id: int = Field(description="The source the quote comes from (`/v1/sources/{id}`).")
    quote: str = Field(description="Verbatim words of the source.")
    start: int | None = Field(
        description="Where the quote starts in the source's text (`/v1/sources/{id}/text`), in "
        "code points from 0: `text[start:end]` says the quote, both normalized (whitespace runs "
        "as one space; typographic quotation marks, apostrophes and dashes as their ASCII "
        "forms; nothing else). Null when the source has no text."
    )
    end: int | None = Field(description="Where the quote ends (exclusive); null with `start`.")
    prefix: str | None = Field(
        description="Up to 32 characters of the text just before the quote; null with `start`."
    )
    suffix: str | None = Field(
        description="Up to 32 characters of the text just after the quote; null with `start`."
    )
    verified: bool = Field(
        description="Whether the quote was found in its source's text: always, for a source "
        "with a text (a quote that is not is refused); false for a source without one (a "
        "paywalled page), whose quotes cannot be checked."
    )


class CitationRead(Anchored):
    """The link from a fact to the words of its source."""

    model_config = ConfigDict(json_schema_extra={"example": CITATION_READ_EXAMPLE})

    quote: str = Field(description="Verbatim words of the source that state the fact.")
    supports: list[str] | None = Field(
        default=None,
        description="The fields of the record this quote states (a data set's row states some "
        'of them: `["status", "status_since"]`); null when it supports the record as a '
        "whole, as every citation written through the API does.",
    )


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


FieldName = Annotated[str, StringConstraints(pattern="^[a-z][a-z0-9_]{0,63}$")]
"""A field of a record, as the API names it (`status_since`)."""


class Selectors(BaseModel):
    """Which occurrence of a quote is meant, where its source's text holds it more than once;
    what the server works out (`end`, `verified`) is taken back as sent and ignored, so a
    record read can be written again."""

    start: int | None = Field(
        default=None,
        ge=0,
        le=2**31 - 1,
        description="Where the quote starts in the source's text (code points from 0): needed "
        "only when the text holds the quote more than once (or `prefix`/`suffix`).",
    )
    prefix: str | None = Field(
        default=None,
        max_length=1000,
        description="Words just before the quote, to say which occurrence is meant when the "
        "text holds it more than once.",
    )
    suffix: str | None = Field(
        default=None, max_length=1000, description="Words just after the quote, likewise."
    )
    end: int | None = Field(default=None, description="Ignored: the server works it out.")
    verified: bool | None = Field(default=None, description="Ignored: the server works it out.")

    @field_validator("end", "verified", mode="before")
    @classmethod
    def _worked_out(cls, value: object) -> None:
        return None


class CitationIn(Selectors):
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
    supports: list[FieldName] | None = Field(
        default=None,
        max_length=50,
        description="The fields of the record this quote states, where it states only some; "
        "null (the default): the record as a whole.",
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

    record_type: FactType = Field(
        description="What kind of record the fact is; `talks_statement` for words said at a "
        "round of talks (`record_id` is the round's id)."
    )
    record_id: int = Field(
        description="The record's id (a talks statement: its round of talks; a mission status "
        "change: the change's own id)."
    )
    url: str = Field(
        description="The page of the record in this API (a mission status change: its "
        "mission's; a talks statement: its round of talks')."
    )


# Every quote, the citations of every record and the statements at talks, stored (migration
# 0020, kept by triggers on the tables they come from) with an id unique across both.
quotes_table = Table(
    "quotes",
    SQLModel.metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("source_id", Integer, nullable=False),
    Column("quote", Text, nullable=False),
    Column("start", Integer),
    Column("end", Integer),
    Column("prefix", Text),
    Column("suffix", Text),
    Column("verified", Boolean, nullable=False),
    Column("record_type", String(32), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("page_id", Integer),
    Column("supports", JSON),
    Index(None, "source_id", "id"),
    Index(None, "source_id", "start"),
    Index(None, "record_type", "record_id"),
)


QUOTE_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "source_id": 1,
    "quote": "I cannot say that we have achieved great progress",
    "start": 537,
    "end": 586,
    "prefix": "post to each other's capitals. \"",
    "suffix": '," Ryabkov commented after the t',
    "verified": True,
    "record_type": "talks_statement",
    "record_id": 1,
    "url": "/v1/talks/1",
    "supports": None,
}


class Quote(CitedFact):
    """A quote and the record it supports: a record's citation, or a statement at talks."""

    model_config = ConfigDict(json_schema_extra={"examples": [QUOTE_EXAMPLE]})

    id: int = Field(
        description="The quote's id in this list, unique across citations and talks statements "
        "(twice a citation's own id; twice a statement's, plus one). It stays while the quote "
        "does: writing a record writes its quotes anew, with new ids."
    )
