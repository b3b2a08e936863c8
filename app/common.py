"""Small pieces every resource shares: date precision, enum checks, the citation shape."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import CheckConstraint
from sqlmodel import SQLModel

# Explicit constraint names, so migrations can drop what they create on every backend. Set here
# because every table module imports this one before defining its tables.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class DatePrecision(StrEnum):
    """How exactly a date is known; the date is the first day of that span."""

    day = "day"
    week = "week"
    month = "month"
    year = "year"


def one_of(column: str, enum: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """A CHECK that keeps `column` inside `enum`, named by the naming convention."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({values})", name=name or column)


def precision_needs_date(
    date_column: str, precision_column: str = "date_precision"
) -> CheckConstraint:
    """A CHECK that refuses a date precision without a date."""
    return CheckConstraint(
        f"{date_column} IS NOT NULL OR {precision_column} IS NULL", name="precision_needs_date"
    )


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
