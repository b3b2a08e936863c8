"""Talks: rounds of talks or consultations, who took part and what they said."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.common import CitationRead, DatePrecision, citations_field, one_of


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
    date: dt.date = Field(
        description="When they were held.", schema_extra={"examples": ["2021-10-12"]}
    )
    date_precision: DatePrecision = Field(
        default=DatePrecision.day, sa_type=String(8), description="How exactly `date` is known."
    )
    city: str | None = Field(
        default=None, description="Where.", schema_extra={"examples": ["Moscow"]}
    )
    host_country: str | None = Field(
        default=None,
        foreign_key="country.code",
        max_length=2,
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
        Index(None, "date"),
        Index(None, "host_country", "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)


class TalksParticipant(SQLModel, table=True):
    __tablename__ = "talks_participant"

    talks_id: int = Field(foreign_key="talks_round.id", primary_key=True)
    official_id: int = Field(foreign_key="official.id", primary_key=True, index=True)
    side: str = Field(foreign_key="country.code", max_length=2)


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


class ParticipantRead(SQLModel):
    official_id: int = Field(description="The official (`/v1/officials/{id}`).")
    name: str = Field(description="Their name.")
    title: str | None = Field(description="Their title at the time.")
    side: str = Field(description="The state they spoke for (ISO alpha-2).")


class StatementRead(SQLModel):
    official_id: int | None = Field(description="Who said it; null if the source names nobody.")
    speaker: str | None = Field(description="The speaker's name.")
    kind: StatementKind = Field(
        description="`direct`: the source quotes the words; `reported`: it reports them."
    )
    quote: str = Field(description="The words, verbatim from the source.")
    source_id: int = Field(description="The source quoted.")


class TalksRead(TalksBase):
    id: int = Field(description="Talks id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    participants: list[ParticipantRead] = Field(description="Who took part, for which side.")
    statements: list[StatementRead] = Field(description="What was said, verbatim.")
    citations: list[CitationRead] = citations_field()
