"""Measures: what one state does or threatens against another's diplomats or missions."""

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String
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
    Count,
    CountryCode,
    DatePrecision,
    Day,
    Id,
    check_first_day,
    check_precision,
    check_two_states,
    one_of,
    partial_model,
    precision_needs_date,
    read_config,
    ref_field,
    set_needs,
    write_config,
)

EXAMPLE: dict[str, Any] = {
    "ref": "us-congress-proposal-expel-300-russian-diplomats",
    "kind": "expulsion",
    "stage": "proposed",
    "actor_country": "US",
    "actor_body": "U.S. Congress",
    "target_country": "RU",
    "diplomats_count": 300,
    "date": None,
    "date_precision": None,
    "in_response_to": None,
    "condition": None,
    "summary": "A U.S. congressional proposal to expel 300 Russian diplomats.",
    "citations": [
        {"source_id": 1, "quote": "a U.S. congressional proposal to expel 300 Russian diplomats"}
    ],
}
READ_EXAMPLE: dict[str, Any] = served_example({"id": 1, **EXAMPLE})


class MeasureKind(StrEnum):
    expulsion = "expulsion"
    mission_closure = "mission_closure"
    staff_cap = "staff_cap"
    visa_restriction = "visa_restriction"
    freeze = "freeze"
    other = "other"


class MeasureStage(StrEnum):
    considered = "considered"
    threatened = "threatened"
    proposed = "proposed"
    ordered = "ordered"
    implemented = "implemented"
    withdrawn = "withdrawn"
    lapsed = "lapsed"


class MeasureBase(SQLModel):
    kind: MeasureKind = Field(
        sa_type=String(32),
        description="What the measure does.",
        schema_extra={"examples": ["expulsion"]},
    )
    stage: MeasureStage = Field(
        sa_type=String(16),
        description="How far it has got.",
        schema_extra={"examples": ["proposed"]},
    )
    actor_country: CountryCode | None = Field(
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        nullable=True,
        description="The state taking, threatening or considering it (ISO alpha-2); null when "
        "the source does not say which state would take it (always sent: null is an answer).",
        schema_extra={"examples": ["US"]},
    )
    actor_body: str | None = Field(
        default=None,
        description="Which part of that state acts, as the source names it.",
        schema_extra={"examples": ["U.S. Congress"]},
    )
    target_country: CountryCode = Field(
        foreign_key="country.code",
        sa_type=COUNTRY_CODE,
        description="The state it is aimed at (ISO alpha-2).",
        schema_extra={"examples": ["RU"]},
    )
    diplomats_count: int | None = Field(
        default=None,
        ge=0,
        description="How many diplomats it concerns; null when the source gives no number.",
        schema_extra={"examples": [300]},
    )
    date: Day | None = Field(
        default=None, description="When it was taken or announced; null if the source does not say."
    )
    date_precision: DatePrecision | None = Field(
        default=None, sa_type=String(8), description="How exactly `date` is known."
    )
    condition: str | None = Field(
        default=None,
        description="The condition it hangs on, if any.",
        schema_extra={"examples": ["if implemented"]},
    )
    summary: str | None = Field(default=None, description="One line on what it is.")

    _first_day = model_validator(mode="after")(check_first_day("date"))


class Measure(MeasureBase, table=True):
    __tablename__ = "measure"
    __table_args__ = (
        one_of("kind", MeasureKind),
        one_of("stage", MeasureStage),
        one_of("date_precision", DatePrecision),
        precision_needs_date("date"),
        CheckConstraint("diplomats_count >= 0", name="diplomats_count_not_negative"),
        Index(None, "actor_country", "target_country", "date"),
        Index(None, "target_country", "date"),
        Index(None, "kind", "stage"),
        Index(None, "date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str | None = Field(default=None, unique=True, max_length=200)
    in_response_to: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("measure.id"), nullable=True, index=True),
    )


class MeasureRead(MeasureBase):
    model_config = read_config(READ_EXAMPLE)

    id: int = Field(description="Measure id.")
    ref: str | None = Field(description="Stable external reference (seed and imports).")
    in_response_to: int | None = Field(
        description="The measure this one answers (`/v1/measures/{id}`), if any."
    )
    citations: list[CitationRead] = citations_field()


class MeasureCreate(MeasureBase):
    model_config = write_config(EXAMPLE, set_needs("date_precision", "date"))

    ref: str | None = ref_field()
    diplomats_count: Count | None = Field(
        default=None, description="How many diplomats it concerns; null if not stated."
    )
    in_response_to: Id | None = Field(
        default=None, description="The measure this one answers (`/v1/measures/{id}`), if any."
    )
    citations: list[CitationIn] = citations_in()

    _precision = model_validator(mode="after")(check_precision("date"))
    _two_states = model_validator(mode="after")(
        check_two_states("actor_country", "target_country", "measure")
    )


MeasureUpdate = partial_model(MeasureCreate, "MeasureUpdate")


def _only_expulsions(kind: Any) -> Any:
    """An expulsion's kind is `expulsion`; one of another kind is a measure (`/v1/measures`)."""
    if kind != MeasureKind.expulsion:
        raise PydanticCustomError(
            "literal_error",
            "Input should be 'expulsion'; other kinds of measure go to /v1/measures",
            {"expected": "'expulsion'"},
        )
    return kind


class ExpulsionCreate(MeasureCreate):
    kind: Annotated[Literal[MeasureKind.expulsion], BeforeValidator(_only_expulsions)] = Field(
        default=MeasureKind.expulsion, description="Always `expulsion` here."
    )


ExpulsionUpdate = partial_model(ExpulsionCreate, "ExpulsionUpdate")
