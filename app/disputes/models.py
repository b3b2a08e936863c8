"""Visa disputes: open bilateral quarrels over visas, postings and how missions may work."""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Strict, model_validator
from sqlalchemy import Index, String
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
    Day,
    check_two_states,
    one_of,
    partial_model,
    read_config,
    ref_field,
    write_config,
)

EXAMPLE: dict[str, Any] = {
    "ref": "ru-us-embassy-row",
    "country_a": "RU",
    "country_b": "US",
    "title": "Functioning of the Russian and U.S. embassies",
    "status": "open",
    "opened_on": None,
    "issues": ["visas", "staffing_levels", "mission_operations"],
    "next_round": {"planned": True, "date": None},
    "citations": [{"source_id": 1, "quote": "would hold new consultations"}],
}
READ_EXAMPLE: dict[str, Any] = served_example({"id": 1, **EXAMPLE})


class DisputeIssue(StrEnum):
    visas = "visas"
    staffing_levels = "staffing_levels"
    mission_operations = "mission_operations"
    property = "property"
    other = "other"


class DisputeStatus(StrEnum):
    open = "open"
    stalled = "stalled"
    resolved = "resolved"


class DisputeBase(SQLModel):
    country_a: CountryCode = Field(
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        description="One side (ISO alpha-2).",
        schema_extra={"examples": ["RU"]},
    )
    country_b: CountryCode = Field(
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        description="The other side (ISO alpha-2).",
        schema_extra={"examples": ["US"]},
    )
    title: str = Field(description="What the dispute is about, in a line.")
    status: DisputeStatus = Field(
        sa_type=String(16), description="Where it stands.", schema_extra={"examples": ["open"]}
    )
    opened_on: Day | None = Field(
        default=None, description="When it began; null when the source does not say."
    )


class VisaDispute(DisputeBase, table=True):
    __tablename__ = "visa_dispute"
    __table_args__ = (
        one_of("status", DisputeStatus),
        Index(None, "country_a", "country_b"),
        Index(None, "country_b"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)
    next_round_planned: bool = False
    next_round_on: Day | None = None


class VisaDisputeIssue(SQLModel, table=True):
    """One of the issues a dispute covers."""

    __tablename__ = "visa_dispute_issue"
    __table_args__ = (one_of("issue", DisputeIssue),)

    dispute_id: int = Field(foreign_key="visa_dispute.id", primary_key=True)
    issue: str = Field(max_length=32, primary_key=True)


class NextRound(BaseModel):
    """Whether another round of talks is planned, and when."""

    # A date is for a planned round only (`DisputeCreate` checks it), as the schema says.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"planned": {"const": False}}, "required": ["planned"]},
            "then": {"properties": {"date": {"type": "null"}}},
        }
    )

    planned: Annotated[bool, Strict()] = Field(
        description="The sides have said they will meet again (true or false)."
    )
    date: Day | None = Field(description="The date set for it; null if none was given.")


class DisputeRead(DisputeBase):
    model_config = read_config(READ_EXAMPLE)

    id: int = Field(description="Dispute id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    issues: list[DisputeIssue] = Field(description="What the dispute covers.")
    next_round: NextRound = Field(description="The next round of talks.")
    citations: list[CitationRead] = citations_field()


class DisputeCreate(DisputeBase):
    model_config = write_config(EXAMPLE)

    ref: str | None = ref_field()
    issues: list[DisputeIssue] = Field(
        min_length=1,
        max_length=len(DisputeIssue),
        description="What the dispute covers, each issue once.",
        schema_extra={"json_schema_extra": {"uniqueItems": True}},
    )
    next_round: NextRound = Field(
        default_factory=lambda: NextRound(planned=False, date=None),
        description="Whether another round of talks is planned, and when.",
    )
    citations: list[CitationIn] = citations_in()

    _two_states = model_validator(mode="after")(
        check_two_states("country_a", "country_b", "dispute")
    )

    @model_validator(mode="after")
    def _next_round_and_issues(self) -> "DisputeCreate":
        if self.next_round.date is not None and not self.next_round.planned:
            raise ValueError("next_round.date is set but next_round.planned is false")
        if len(set(self.issues)) != len(self.issues):
            raise ValueError("issues lists the same issue twice")
        return self


DisputeUpdate = partial_model(DisputeCreate, "DisputeUpdate")
