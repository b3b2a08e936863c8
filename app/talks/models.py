"""Talks: rounds of talks or consultations, who took part and what they said."""

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.citations.models import (
    Anchored,
    CitationIn,
    CitationRead,
    Selectors,
    citations_field,
    citations_in,
    served_example,
)
from app.common import (
    COUNTRY_CODE,
    CountryCode,
    DatePrecision,
    Day,
    Id,
    check_first_day,
    one_of,
    partial_model,
    read_config,
    ref_field,
    write_config,
)

EXAMPLE: dict[str, Any] = {
    "ref": "moscow-talks-2021-10-12",
    "dispute_id": 1,
    "date": "2021-10-12",
    "date_precision": "day",
    "city": "Moscow",
    "host_country": "RU",
    "outcome": "no_progress",
    "summary": "No major progress on the functioning of the embassies.",
    "participants": [{"official_id": 1, "side": "RU"}, {"official_id": 2, "side": "US"}],
    "statements": [
        {
            "official_id": 1,
            "kind": "direct",
            "source_id": 1,
            "quote": "I cannot say that we have achieved great progress",
        }
    ],
    "citations": [{"source_id": 1, "quote": "talks in Moscow on Tuesday"}],
}
READ_EXAMPLE: dict[str, Any] = served_example(
    {
        "id": 1,
        **EXAMPLE,
        "participants": [
            {
                "official_id": 1,
                "name": "Sergei Ryabkov",
                "title": "Deputy Foreign Minister",
                "side": "RU",
            },
            {
                "official_id": 2,
                "name": "Victoria Nuland",
                "title": "Under Secretary of State",
                "side": "US",
            },
        ],
        "statements": [{**EXAMPLE["statements"][0], "speaker": "Sergei Ryabkov"}],
    }
)


class TalksOutcome(StrEnum):
    no_progress = "no_progress"
    limited_progress = "limited_progress"
    agreement = "agreement"
    unknown = "unknown"


class StatementKind(StrEnum):
    direct = "direct"
    reported = "reported"


class TalksBase(SQLModel):
    dispute_id: int | None = Field(
        default=None,
        foreign_key="visa_dispute.id",
        index=True,
        description="The dispute the talks were about (`/v1/visa-disputes/{id}`), if any.",
    )
    date: Day = Field(description="When they were held.", schema_extra={"examples": ["2021-10-12"]})
    date_precision: DatePrecision = Field(
        default=DatePrecision.day, sa_type=String(8), description="How exactly `date` is known."
    )

    _first_day = model_validator(mode="after")(check_first_day("date"))
    city: str | None = Field(
        default=None, description="Where.", schema_extra={"examples": ["Moscow"]}
    )
    host_country: CountryCode | None = Field(
        default=None,
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        description="The state that hosted them (ISO alpha-2).",
        schema_extra={"examples": ["RU"]},
    )
    outcome: TalksOutcome = Field(
        sa_type=String(16),
        description="What came of them.",
        schema_extra={"examples": ["no_progress"]},
    )
    summary: str | None = Field(default=None, description="A short account.")


class Talks(TalksBase, table=True):
    __tablename__ = "talks_round"
    __table_args__ = (
        one_of("date_precision", DatePrecision),
        one_of("outcome", TalksOutcome),
        Index(None, "date", "id"),
        Index(None, "host_country", "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)


class TalksParticipant(SQLModel, table=True):
    __tablename__ = "talks_participant"

    talks_id: int = Field(foreign_key="talks_round.id", primary_key=True)
    official_id: int = Field(foreign_key="official.id", primary_key=True, index=True)
    side: str = Field(foreign_key="country.code", max_length=4)


class TalksStatement(SQLModel, table=True):
    """Words a participant said, quoted verbatim from a source."""

    __tablename__ = "talks_statement"
    __table_args__ = (one_of("kind", StatementKind),)

    id: int | None = Field(default=None, primary_key=True)
    talks_id: int = Field(foreign_key="talks_round.id", index=True)
    official_id: int | None = Field(default=None, foreign_key="official.id", index=True)
    kind: str = Field(max_length=16)
    quote: str = Field(sa_column=Column(Text, nullable=False))
    source_id: int = Field(
        sa_column=Column(Integer, ForeignKey("source.id"), nullable=False, index=True)
    )
    start_offset: int | None = None
    end_offset: int | None = None
    prefix: str | None = Field(default=None, sa_column=Column(Text))
    suffix: str | None = Field(default=None, sa_column=Column(Text))


class ParticipantRead(SQLModel):
    official_id: int = Field(description="The official (`/v1/officials/{id}`).")
    name: str = Field(description="Their name.")
    title: str | None = Field(description="Their title at the time.")
    side: str = Field(description="The state they spoke for (ISO alpha-2).")


class StatementRead(Anchored):
    official_id: int | None = Field(description="Who said it; null if the source names nobody.")
    speaker: str | None = Field(description="The speaker's name.")
    kind: StatementKind = Field(
        description="`direct`: the source quotes the words; `reported`: it reports them."
    )
    quote: str = Field(description="The words, verbatim from the source.")


class TalksRead(TalksBase):
    model_config = read_config(READ_EXAMPLE)

    id: int = Field(description="Talks id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    participants: list[ParticipantRead] = Field(description="Who took part, for which side.")
    statements: list[StatementRead] = Field(description="What was said, verbatim.")
    citations: list[CitationRead] = citations_field()


class ParticipantIn(BaseModel):
    """An official taking part, and the side they speak for."""

    model_config = ConfigDict(extra="ignore")  # a participant as read carries name and title

    official_id: Id = Field(description="The official (`/v1/officials/{id}`).")
    side: CountryCode = Field(description="The state they speak for (alpha-2 or alpha-3).")


class StatementIn(Selectors):
    """Words said at the talks, verbatim from a source."""

    model_config = ConfigDict(extra="ignore")  # a statement as read carries the speaker's name

    official_id: Id | None = Field(default=None, description="Who said it, if known.")
    kind: StatementKind = Field(description="`direct` quotation or `reported` speech.")
    quote: str = Field(min_length=1, max_length=10_000, description="The words, verbatim.")
    source_id: Id = Field(description="The source quoted.")


class TalksCreate(TalksBase):
    model_config = write_config(EXAMPLE)

    ref: str | None = ref_field()
    dispute_id: Id | None = Field(
        default=None, description="The dispute the talks were about, if any."
    )
    participants: list[ParticipantIn] = Field(
        default_factory=list, max_length=200, description="Who took part, for which side."
    )
    statements: list[StatementIn] = Field(
        default_factory=list, max_length=500, description="What was said, verbatim."
    )
    citations: list[CitationIn] = citations_in()

    @model_validator(mode="after")
    def _each_official_once(self) -> "TalksCreate":
        ids = [p.official_id for p in self.participants]
        if len(set(ids)) != len(ids):
            raise PydanticCustomError(
                "duplicate_official", "participants lists the same official twice"
            )
        return self


TalksUpdate = partial_model(TalksCreate, "TalksUpdate")
