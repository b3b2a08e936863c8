"""A list's query parameters: paging, format, filters that take several values, date ranges
and text search; and the list envelope."""

import datetime as dt
from collections.abc import Sequence
from functools import cache
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.common import BLANKS, MAX_ID, Day
from app.kit.search import SYNTAX, readable

T = TypeVar("T")


def _split_commas(value: Any) -> Any:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    # Blanks around a value go (ASCII ones, as the documented patterns allow: `BLANKS`).
    parts = [part.strip(BLANKS) for item in items for part in str(item).split(",")]
    return [part for part in parts if part] or None  # `?stage=,` names nothing: as if absent


CommaList = Annotated[list[T] | None, BeforeValidator(_split_commas)]
"""A filter that takes several values, comma-separated or repeated: `?stage=proposed,ordered`."""


IdList = CommaList[Annotated[int, Field(ge=1, le=MAX_ID)]]
"""A filter by record ids, `?mission_id=3,4`: ids are 32-bit, so a larger one is a 422 (as in a
path) rather than a value PostgreSQL's integer columns cannot take."""


def _lower(value: Any) -> Any:
    """A format is named in any case, as media types and file extensions are (`CSV`)."""
    return value.lower() if isinstance(value, str) else value


# What the cursors this API issues look like (URL-safe base64, `kit/cursor.py`); that a cursor
# is one it issued, for this list and sort, a schema cannot say: any other is a 400.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]*=*$"


class PagingQuery(BaseModel):
    """Paging parameters every list takes, `/v1/search` too."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    limit: int = Field(
        default=50, ge=1, le=1000, description="Items per page, 1 to 1000 (above: 422)."
    )
    cursor: Annotated[str, Field(json_schema_extra={"pattern": CURSOR_PATTERN})] | None = Field(
        default=None,
        description="Opaque cursor from the previous page's `next_cursor` or `Link` header.",
    )
    count: bool = Field(
        default=False, description="Fill `total` with the number of matching items."
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL cannot store or compare NUL characters; refuse them before any query.
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise ValueError("must not contain NUL characters")
        return value


class ListQuery(PagingQuery):
    """What every list takes; resources subclass it to add their filters."""

    sort: str | None = Field(
        default=None,
        description="Sort field, `-field` for descending; ties are broken by id.",
    )  # each list offers its own: `with_sorts`
    format: Annotated[Literal["json", "csv", "ndjson"] | None, BeforeValidator(_lower)] = Field(
        default=None,
        description="`csv` or `ndjson` stream every matching row (all pages, from `cursor` on; "
        "`limit` does not apply), in id order unless `sort` says otherwise (or `q`: best match "
        "first); also chosen by "
        "`Accept: text/csv` or `application/x-ndjson`. Any case: `CSV` is `csv`.",
    )


Q = TypeVar("Q", bound=ListQuery)


@cache
def with_sorts(model: type[Q], sorts: Sequence[str], default: str) -> type[Q]:
    """The query model with `sort` limited to `field` and `-field` for these fields: an enum in
    the OpenAPI document (a drop-down in /docs, and only valid sorts for schema-driven
    clients), and a 422 on `sort` naming the allowed values for any other."""
    values = tuple(value for name in sorts for value in (name, f"-{name}"))
    # Documented as the plain enum a query string can send: absent is the default, not null.
    sort = Annotated[
        Literal[values] | None,  # type: ignore[valid-type]
        WithJsonSchema({"type": "string", "enum": list(values)}),
    ]
    description = (
        f"Sort field, `-field` for descending (default: `{default}`); ties are broken by id."
    )
    sorted_model: type[Q] = create_model(
        model.__name__,
        __base__=model,
        __module__=model.__module__,
        sort=(sort, Field(default=None, description=description)),
    )
    return sorted_model


def in_order(end: dt.date | None, info: ValidationInfo) -> dt.date | None:
    """`to` no earlier than `from` (a field declared before it), which a schema cannot say: a
    422 of type `range_order` on `to`, with the value sent."""
    start = info.data.get("from_")
    if start and end and start > end:
        raise PydanticCustomError("range_order", f"'to' ({end}) is before 'from' ({start})")
    return end


class DateRange(BaseModel):
    """`from` and `to`: a range of days."""

    from_: Day | None = Field(
        default=None, alias="from", description="Only records dated on or after this day."
    )
    to: Day | None = Field(default=None, description="Only records dated on or before this day.")

    _range_in_order = field_validator("to")(in_order)


class DatedQuery(DateRange, ListQuery):
    """A list whose records have a date: `from` and `to` select a range of it."""


class OnDayQuery(BaseModel):
    """A list of records that change through time: `on` shows them as they stood that day."""

    on: Day | None = Field(
        default=None,
        description="As they stood on this day (YYYY-MM-DD): each record with the values in "
        "force then; records with none in force that day are left out.",
    )


class SearchQuery(BaseModel):
    """A list whose records have text: `q` searches it."""

    q: str | None = Field(
        default=None,
        max_length=500,
        description="Full-text search of the records' words, best match first unless `sort` "
        "is given: " + SYNTAX + " `/v1/search` searches every list at once.",
    )

    _readable = field_validator("q")(readable)


class Page(BaseModel, Generic[T]):
    """The list envelope."""

    items: list[T] = Field(description="This page's items.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
    total: int | None = Field(
        description="How many items match the filters; null unless `count=true`."
    )
