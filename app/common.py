"""Small pieces every resource shares: date precision, enum checks, the citation shape."""

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, cast, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    create_model,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from sqlalchemy import CheckConstraint, String
from sqlmodel import SQLModel
from sqlmodel._compat import SQLModelConfig

from app.country_codes import BLANKS as BLANKS  # around a code, or a value of a query
from app.country_codes import CODE_PATTERN, normalize_country


def _a_day(value: Any) -> Any:
    # pydantic would read 0 or "0" as a Unix time; a day is written YYYY-MM-DD.
    if isinstance(value, bool | int | float) or (
        isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
    ):
        raise ValueError("must be a day written YYYY-MM-DD")
    return value


Day = Annotated[dt.date, BeforeValidator(_a_day)]
"""A day, in a query or a body: YYYY-MM-DD, nothing else."""

# Explicit constraint names, so migrations can drop what they create on every backend. Set here
# because every table module imports this one before defining its tables.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


COUNTRY_CODE = String(4)
"""The column type of a country code: ISO's two letters, or a former country's four."""

CountryCode = Annotated[
    str, AfterValidator(normalize_country), Field(json_schema_extra={"pattern": CODE_PATTERN})
]
"""A country field: accepts alpha-2 or alpha-3 in any case, holds alpha-2. The schema gives
the codes' pattern; that a code matching it is one ISO assigns, it cannot say
(`unknown_country`)."""


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


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a larger one cannot exist


def _whole(value: Any) -> Any:
    # JSON Schema's `integer` is any number without a fraction: `3.0` is 3.
    return int(value) if isinstance(value, float) and value.is_integer() else value


# Integers in request bodies: a JSON number with no fraction (`3` or `3.0`, both integers to
# JSON Schema), not `true` or "3"; 32-bit, as PostgreSQL stores them.
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID), BeforeValidator(_whole)]
"""A reference to another record's id in a request body."""
Count = Annotated[int, Strict(), Field(ge=0, le=MAX_ID), BeforeValidator(_whole)]
Year = Annotated[int, Strict(), Field(ge=1, le=9999), BeforeValidator(_whole)]
"""A year (of birth, of death) in a request body."""
"""A number of things (people, diplomats) in a request body."""
Number = Annotated[float, Strict()]
"""A number in a request body: a JSON number (`3` or `3.5`), not `true` or "3"."""


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    return text


StorableText = Annotated[str, AfterValidator(_no_nul)]
"""Text PostgreSQL can store (no NUL character), for bodies not checked by `app.writing`."""

NO_NUL = r"^[^\x00]*$"
"""The JSON Schema pattern of text PostgreSQL can store."""


# The characters `str.isspace()` (and so `strip()`) counts as whitespace, as the inside of a
# regular expression's `[...]`, one by one: JSON Schema's regular expressions (ECMA-262's),
# Python's and pydantic's each read `\s` their own way, and a pattern that a client, a fuzzer
# and this API must read alike cannot use it. (tests/test_import.py holds the API to it.)
SPACE = r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

_FIXED = ("pattern", "enum", "const", "format")  # strings whose schema already rules NUL out


def without_nul(schema: Any, components: dict[str, Any], seen: set[str] | None = None) -> None:
    """Gives every free-text string of a JSON Schema the `NO_NUL` pattern, following `$ref`s
    into `components` (the OpenAPI document's): it says what the API checks of every string it
    is sent, in a body (`kit/writing.py`, `StorableText`) or a list's query (`ListQuery`)."""
    seen = set() if seen is None else seen
    if isinstance(schema, list):
        for item in schema:
            without_nul(item, components, seen)
        return
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/") and ref not in seen:
        seen.add(ref)
        without_nul(components.get(ref.rsplit("/", 1)[-1]), components, seen)
    if schema.get("type") == "string" and not any(key in schema for key in _FIXED):
        schema["pattern"] = NO_NUL
    for key in ("anyOf", "oneOf", "allOf", "items", "prefixItems", "additionalProperties"):
        without_nul(schema.get(key), components, seen)
    for inner in (schema.get("properties") or {}).values():
        without_nul(inner, components, seen)


def ref_field() -> str | None:
    field: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Your stable reference for the record (unique per resource), for imports.",
    )
    return field


def write_config(example: dict[str, Any], *rules: dict[str, Any]) -> SQLModelConfig:
    """A request body's config: unknown fields are refused, so a typo is a 422 rather than
    silently lost; the example shows in the docs, and so do `rules` between its fields (JSON
    Schema, as `set_needs` writes them), which the model's own checks apply."""
    extra: dict[str, Any] = {"examples": [example]}
    if rules:
        extra["allOf"] = list(rules)
    return SQLModelConfig(extra="forbid", json_schema_extra=extra)


def set_needs(field: str, needed: str) -> dict[str, Any]:
    """The JSON Schema of "when `field` is set (not null), `needed` is set too"."""
    return {
        "if": {"properties": {field: {"not": {"type": "null"}}}, "required": [field]},
        "then": {"properties": {needed: {"not": {"type": "null"}}}, "required": [needed]},
    }


def read_config(example: dict[str, Any]) -> SQLModelConfig:
    """A response schema's config: the example shows in the docs."""
    return SQLModelConfig(json_schema_extra={"examples": [example]})


def _null_passes(check: Any) -> Any:
    if isinstance(check, AfterValidator | BeforeValidator):
        validate = check.func
        return type(check)(lambda value: value if value is None else validate(value))  # type: ignore[call-arg]
    return check


def _allows_null(annotation: Any) -> bool:
    return annotation is None or type(None) in get_args(annotation)


def _no_default(extra: Any) -> Any:
    """A field's own JSON Schema additions (a pattern), without its default: an absent field
    is left unchanged, so the schema shows no default a client could send back."""

    def document(schema: dict[str, Any]) -> None:
        schema.update(extra if isinstance(extra, dict) else {})
        schema.pop("default", None)

    return document


def partial_model(
    model: type[BaseModel], name: str, validators: dict[str, Any] | None = None
) -> type[BaseModel]:
    """The PATCH body of a resource: every field of its create body, all optional. An absent
    field stays as it is; null sets a field to null where the create body allows null, and is
    refused (a 422 on the field, as the schema says) where it does not. `validators` are pydantic
    validators of the PATCH body itself, by name (the merged record is checked as a new one)."""
    fields: dict[str, Any] = {}
    for key, info in model.model_fields.items():
        annotation = cast(Any, info.annotation)
        # Each field keeps its checks (strict integers, days, bounds: `info.metadata`); a
        # nullable one's validators let null through.
        checks = map(_null_passes, info.metadata) if _allows_null(annotation) else info.metadata
        fields[key] = (
            Annotated[annotation, *checks] if info.metadata else annotation,
            Field(
                default=None,
                description=info.description,
                json_schema_extra=_no_default(info.json_schema_extra),
            ),
        )
    return create_model(
        name, __config__=ConfigDict(extra="forbid"), __validators__=validators or {}, **fields
    )


def check_precision(date_field: str) -> Any:
    """A model check: `date_precision` needs a date (the database refuses it too)."""

    def check(model: Any) -> Any:
        if getattr(model, "date_precision", None) and getattr(model, date_field) is None:
            raise PydanticCustomError(
                "precision_without_date", f"date_precision is set but {date_field} is null"
            )
        return model

    return check


def first_day(day: dt.date, precision: DatePrecision) -> dt.date:
    """The first day of the span of `precision` that holds `day`: its ISO week's Monday, its
    month's 1st, its year's 1 January (`day` itself for a day)."""
    if precision is DatePrecision.week:
        return day - dt.timedelta(days=day.weekday())
    if precision is DatePrecision.month:
        return day.replace(day=1)
    if precision is DatePrecision.year:
        return day.replace(month=1, day=1)
    return day


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""Day names as messages write them (`%A` would follow the locale)."""

# What a span's first day is, as a message names it: (what the day is not, what it should be).
_SPAN_START = {
    DatePrecision.month: ("the 1st", "the 1st of its month"),
    DatePrecision.year: ("1 January", "1 January of its year"),
}


def not_first_day(day: dt.date, precision: DatePrecision) -> str | None:
    """Why `day` cannot be a date known to `precision` (None when it can): the date of a span
    is the span's first day, which the message names."""
    expected = first_day(day, precision)
    if expected == day:
        return None
    if precision is DatePrecision.week:
        what, should = f"is a {WEEKDAYS[day.weekday()]}", "its Monday"
    else:
        what, should = f"is not {_SPAN_START[precision][0]}", _SPAN_START[precision][1]
    return f"{day} {what}: a date known to the {precision.value} is written as {should}, {expected}"


def check_first_day(date_field: str, precision_field: str = "date_precision") -> Any:
    """A model check: a date known to the week, month or year is the first day of that span
    (`date_not_first_day`, on the date field, naming the day it should be)."""

    def check(model: Any) -> Any:
        day, precision = getattr(model, date_field), getattr(model, precision_field)
        why = day is not None and precision and not_first_day(day, DatePrecision(precision))
        if why:
            error = InitErrorDetails(
                type=PydanticCustomError("date_not_first_day", why),
                loc=(date_field,),
                input=day.isoformat(),
            )
            raise ValidationError.from_exception_data(type(model).__name__, [error])
        return model

    return check


def check_two_states(first: str, second: str, noun: str, unless: Any = None) -> Any:
    """A model check: `first` and `second` name two different states (`same_country`), as
    diplomacy is between two; `unless(model)` exempts a record that may be of one state."""

    def check(model: Any) -> Any:
        same = getattr(model, first) is not None and getattr(model, first) == getattr(model, second)
        if same and not (unless and unless(model)):
            raise PydanticCustomError(
                "same_country",
                f"{first} and {second} must be two different states: {with_article(noun)} "
                f"is between two",
            )
        return model

    return check


def with_article(noun: str) -> str:
    """'an expulsion', 'a mission', 'a round of talks': for docs and messages."""
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"
