"""Sources: the documents facts come from, each with its text where the API stores one."""

import hashlib
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import CheckConstraint, Column, String, Text
from sqlmodel import Field, SQLModel

from app.citations.models import CitedFact
from app.common import (
    SPACE,
    DatePrecision,
    Day,
    check_first_day,
    check_precision,
    one_of,
    partial_model,
    precision_needs_date,
    read_config,
    ref_field,
    set_needs,
    write_config,
)
from app.sources.licences import LICENCE_PATTERN, spdx_id

EXAMPLE: dict[str, Any] = {
    "ref": "reuters-2021-10-12-embassy-rows",
    "kind": "news_report",
    "title": "Russia vs U.S: Embassy Rows Unresolved Amidst Diplomatic Stand-Off",
    "publisher": "Reuters",
    "published_on": "2021-10-12",
    "date_precision": "day",
    "retrieved_on": None,
    "url": None,
    "attribution": "SOURCE: REUTERS.",
    "licence": None,
    "media_type": "text/plain",
    "text": "Russia vs U.S: Embassy Rows Unresolved Amidst Diplomatic Stand-Off\n\n…",
}
READ_EXAMPLE: dict[str, Any] = {
    "id": 1,
    **{key: value for key, value in EXAMPLE.items() if key != "text"},
    "sha256": "9575c54bd33a680cc4408eb924177efacf37a54ad1528fb3c16ac8f6b91f8d83",
    "text_length": 2062,
    "text_public": False,
    "text_url": "/v1/sources/1/text",
}

DEFAULT_MEDIA_TYPE = "text/plain"


class SourceKind(StrEnum):
    """What sort of document a source is."""

    news_report = "news_report"
    official_record = "official_record"
    dataset = "dataset"
    book = "book"
    web_page = "web_page"
    other = "other"


def text_sha256(text: str) -> str:
    """The hex SHA-256 of a text's UTF-8 bytes: its `sha256`, and the ETag of `/text`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SourceText(SQLModel, table=True):
    """A stored text, kept under its SHA-256: sources point at it, and a deleted or changed
    source's text stays, so that a restore (or an import naming the hash) finds it again."""

    __tablename__ = "source_text"

    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    # An XML text as it reads, of the same length (`xml_reading`): what the search index holds
    # of it (migration 0022). Null for other texts.
    reading: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class SourceBase(SQLModel):
    kind: SourceKind = Field(
        default=SourceKind.other,
        sa_type=String(16),
        description="What sort of document it is.",
        schema_extra={"examples": ["news_report"]},
    )
    title: str = Field(
        description="The document's title.",
        schema_extra={
            "examples": ["Russia vs U.S: Embassy Rows Unresolved Amidst Diplomatic Stand-Off"]
        },
    )
    publisher: str = Field(description="Who published it.", schema_extra={"examples": ["Reuters"]})
    published_on: Day | None = Field(
        default=None,
        description="Publication date (the first day of the span `date_precision` names); null "
        "when the document gives none (a web page without a date).",
        schema_extra={"examples": ["2021-10-12"]},
    )
    date_precision: DatePrecision | None = Field(
        default=None,
        sa_type=String(8),
        description="How exactly `published_on` is known; `day` when a date is sent without "
        "one, null when there is no date.",
    )

    _first_day = model_validator(mode="after")(check_first_day("published_on"))
    retrieved_on: Day | None = Field(
        default=None, description="When the text was fetched; null if not recorded."
    )
    url: str | None = Field(
        default=None, description="Where to read it; null when the source gives none."
    )
    attribution: str | None = Field(
        default=None,
        description="The credit line as the document prints it.",
        schema_extra={"examples": ["SOURCE: REUTERS."]},
    )
    licence: str | None = Field(
        default=None,
        max_length=64,
        description="The text's licence, an SPDX id (`CC-BY-4.0`, `CC0-1.0`, …); null when "
        "unknown. An open licence makes the text public (`text_public`).",
        schema_extra={"examples": ["CC-BY-4.0"]},
    )
    media_type: str | None = Field(
        default=None,
        max_length=127,
        description="The text's media type (`text/plain`, `text/csv`, …), served with "
        "`charset=utf-8`; `text/plain` when a text is sent without one, null when there is no "
        "text.",
        schema_extra={"examples": ["text/plain"]},
    )


class Source(SourceBase, table=True):
    __tablename__ = "source"
    __table_args__ = (
        one_of("kind", SourceKind),
        one_of("date_precision", DatePrecision),
        precision_needs_date("published_on"),
        CheckConstraint("sha256 IS NOT NULL OR media_type IS NULL", name="media_type_needs_text"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)
    sha256: str | None = Field(default=None, foreign_key="source_text.sha256", max_length=64)
    text_length: int | None = None
    dataset: str | None = Field(default=None, foreign_key="dataset.name", max_length=64)
    path: str | None = Field(default=None, max_length=300)


class SourceRead(SourceBase):
    model_config = read_config(READ_EXAMPLE)

    id: int = Field(description="Source id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    sha256: str | None = Field(
        description="SHA-256 (hex) of the text's UTF-8 bytes, computed by the server; also the "
        "ETag of `text_url`. Null when there is no text."
    )
    text_length: int | None = Field(
        description="The text's length in characters (code points); null when there is none. "
        "The text itself is at `text_url`, never inline."
    )
    text_public: bool = Field(
        description="Whether `text_url` serves the text to anyone: true for an open licence "
        "(listed in the `sources` section of the docs); otherwise only to API keys with the "
        "`read` scope."
    )
    text_url: str | None = Field(
        description="Where the text is served (`/v1/sources/{id}/text`); null when there is none."
    )
    dataset: str | None = Field(
        default=None,
        description="The bundled data set this file is part of (`/v1/datasets/{name}`); null "
        "for a source written through the API or the article seed.",
    )
    path: str | None = Field(
        default=None, description="The file's path in its data set, as published; null likewise."
    )


class SourceDetail(SourceRead):
    facts: list[CitedFact] = Field(description="Every fact this source supports.")


# RFC 6838 names, in lowercase as registered: a text type, or an application type written as
# text (JSON, XML, NDJSON); no parameters (the text is always UTF-8).
_NAME = "[a-z0-9][a-z0-9!#$&^_.+-]"
MEDIA_TYPE_PATTERN = (
    f"^(text/{_NAME}{{0,62}}|application/(json|xml|x-ndjson|ndjson|{_NAME}{{0,56}}[+](json|xml)))$"
)
SHA256_PATTERN = "^[0-9a-fA-F]{64}$"
# A media type is the type of a text: one sent, or one stored that `sha256` names.
MEDIA_TYPE_NEEDS_TEXT = {
    "if": {"properties": {"media_type": {"not": {"type": "null"}}}, "required": ["media_type"]},
    "then": {
        "anyOf": [
            {"properties": {name: {"not": {"type": "null"}}}, "required": [name]}
            for name in ("text", "sha256")
        ]
    },
}


URL_PATTERN = f"^https?://[^{SPACE}\\x00]+$"  # no whitespace; no NUL, which PostgreSQL cannot store


class SourceCreate(SourceBase):
    model_config = write_config(
        EXAMPLE, set_needs("date_precision", "published_on"), MEDIA_TYPE_NEEDS_TEXT
    )

    ref: str | None = ref_field()
    url: Annotated[str, StringConstraints(max_length=2000, pattern=URL_PATTERN)] | None = Field(
        default=None, description="Where to read it (http or https); null if there is none."
    )
    licence: (
        Annotated[
            str, StringConstraints(max_length=64, pattern=LICENCE_PATTERN), AfterValidator(spdx_id)
        ]
        | None
    ) = Field(
        default=None,
        description="The text's licence: one SPDX id (any case; stored as the SPDX list spells "
        "it), or null when unknown. An open licence makes the text public.",
        schema_extra={"examples": ["CC-BY-4.0"]},
    )
    media_type: Annotated[str, StringConstraints(pattern=MEDIA_TYPE_PATTERN)] | None = Field(
        default=None,
        description="The text's media type, in lowercase: `text/*`, or `application/json`, "
        "`application/xml`, `application/x-ndjson` and `+json`/`+xml` types; no parameters (the "
        "text is UTF-8). `text/plain` when a text is sent without one; null when there is no "
        "text.",
    )
    text: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None,
        description="The document as published (UTF-8; a data set's file as is), stored "
        "exactly as sent and served at `/v1/sources/{id}/text`; null when the API has no "
        "text (a paywalled page). The server computes its `sha256`.",
    )
    sha256: (
        Annotated[str, StringConstraints(pattern=SHA256_PATTERN), AfterValidator(str.lower)] | None
    ) = Field(
        default=None,
        description="Names a text the server already stores, by its SHA-256, in place of "
        "sending it again (an exported row carries it; a 422 if no text has this hash). With "
        "`text`, it must be the text's own hash, or leave it out.",
    )

    @model_validator(mode="after")
    def _text_and_its_type(self) -> "SourceCreate":
        if self.text is not None:
            if self.sha256 is not None and self.sha256 != text_sha256(self.text):
                raise PydanticCustomError(
                    "sha256_mismatch",
                    "sha256 is not the SHA-256 of the text sent: leave it out, the server "
                    "computes it",
                )
            self.sha256 = None  # named by the text itself (the server hashes it)
        has_text = self.text is not None or self.sha256 is not None
        if has_text and self.media_type is None:
            self.media_type = DEFAULT_MEDIA_TYPE
        if not has_text and self.media_type is not None:
            raise PydanticCustomError(
                "media_type_without_text",
                "media_type is set but there is no text (send text, or no media_type)",
            )
        if self.published_on is not None and self.date_precision is None:
            self.date_precision = DatePrecision.day
        return self

    _precision = model_validator(mode="after")(check_precision("published_on"))


def _new_text_new_hash(patch: Any) -> Any:
    """A PATCH that sends `text` replaces the stored text: the record's old `sha256` (and, when
    the text is removed, its `media_type`) must not be merged back into it."""
    given = patch.model_fields_set
    if "text" in given and "sha256" not in given:
        patch.sha256 = None
    no_text = patch.text is None and patch.sha256 is None
    if {"text", "sha256"} & given and no_text and "media_type" not in given:
        patch.media_type = None
    if "published_on" in given and patch.published_on is None and "date_precision" not in given:
        patch.date_precision = None
    return patch


SourceUpdate = partial_model(
    SourceCreate,
    "SourceUpdate",
    validators={"_new_text_new_hash": model_validator(mode="after")(_new_text_new_hash)},
)
