"""The keyset cursor: an opaque token of (sort, last value, last id), and the condition that
selects the rows after it. Page 1,000 costs what page 1 costs."""

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    ColumnElement,
    and_,
    bindparam,
    or_,
    tuple_,
)

from app.errors import BadRequest
from app.kit.search import folded, parse


def by_relevance_to(sort: str, q: str) -> str:
    """A sort by relevance as its cursors name it: with the words searched, since a score is a
    position only among the hits of those words. A cursor of another search is then a 400, as
    one of another sort is, not a page that silently skips the best hits; one of the same
    words written otherwise (`Diplomat*`, `diplomat**` for `diplomat*`: case and diacritics
    folded, the query as read) is taken."""
    try:
        read = repr(parse(q)) if q else ""
    except ValueError:  # not a query (checked before a search): as written
        read = q
    return f"{sort}:{hashlib.sha256(folded(read).encode()).hexdigest()[:16]}"


def encode_cursor(sort: str, value: Any, last_id: Any) -> str:
    raw = orjson.dumps([sort, value, last_id], default=str)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _from_json(column: Column[Any], value: Any) -> Any:
    """A cursor value back to the column's Python type; ValueError if it cannot be one."""
    if value is None:
        if not column.nullable:
            raise ValueError("null for a column that has no nulls")
        return None
    python_type = column.type.python_type
    if python_type in (dt.date, dt.datetime):
        return python_type.fromisoformat(value)
    if isinstance(value, bool) or not isinstance(value, python_type):
        raise ValueError(f"{value!r} is not a {python_type.__name__}")
    return value


def decode_cursor(
    cursor: str, sort: str, column: Column[Any], id_column: Column[Any]
) -> tuple[Any, Any]:
    return decode_values(
        cursor,
        sort,
        lambda value, last_id: (_from_json(column, value), _from_json(id_column, last_id)),
    )


def decode_values(
    cursor: str, sort: str, convert: Callable[[Any, Any], tuple[Any, Any]]
) -> tuple[Any, Any]:
    """A cursor's (last value, last id), made by `convert` from their JSON values (which raises
    ValueError or TypeError for values that cannot be); a 400 for a cursor this list did not
    issue for this sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, last_id = orjson.loads(raw)
        if cursor_sort != sort:
            raise ValueError("the cursor belongs to another sort order")
        return convert(value, last_id)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as error:
        raise BadRequest(
            "Invalid cursor",
            "The cursor is not one this list issued for this sort (and, by relevance, for these "
            "words); start from the first page.",
        ) from error


def after_cursor(
    column: Column[Any], id_column: Column[Any], descending: bool, value_is_null: bool
) -> ColumnElement[bool]:
    """Rows after the cursor's (value, id), as bound parameters `after_value`, `after_id`."""
    last_id = bindparam("after_id", type_=id_column.type)
    past_id = id_column < last_id if descending else id_column > last_id
    if column is id_column:
        return past_id
    value = bindparam("after_value", type_=column.type)
    if not column.nullable:
        pair, bound = tuple_(column, id_column), tuple_(value, last_id)
        return pair < bound if descending else pair > bound
    # NULLs sort last in both directions.
    if value_is_null:
        return and_(column.is_(None), past_id)
    beyond = column < value if descending else column > value
    return or_(beyond, and_(column == value, past_id), column.is_(None))
