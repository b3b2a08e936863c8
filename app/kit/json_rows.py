"""Items written as JSON by the database itself (NDJSON exports), where it can write them as the
API does."""

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    cast,
    func,
    literal_column,
)
from sqlmodel.sql.sqltypes import AutoString  # text as it is stored

from app.kit.spec import ListSpec


def renders_in_sql(spec: ListSpec) -> bool:
    """Whether the database can write this list's items as the API does: no Python shaping,
    every embed inline, and only integers, text and dates (no booleans, times or JSON)."""
    return (
        spec.shape is None
        and all(embed.inline is not None for embed in spec.embeds)
        and all(
            isinstance(c.type, Integer | String | Date | AutoString)
            and not isinstance(c.type, DateTime)
            for c in spec.columns
        )
    )


def json_row(spec: ListSpec, dialect: str) -> ColumnElement[str]:
    """An item as JSON text, written by the database: the same keys, order and values as the
    JSON API (see `renders_in_sql`)."""
    fields: list[ColumnElement[Any]] = []
    for c in spec.columns:
        fields += [literal_column(f"'{c.key}'"), c]
    for embed in spec.embeds:
        assert embed.inline is not None
        value = embed.inline(dialect, spec.id_column)
        # SQLite: `json()` marks the embed's text as JSON, so it is not quoted as a string.
        fields += [
            literal_column(f"'{embed.name}'"),
            value if dialect == "postgresql" else func.json(value),
        ]
    if dialect == "postgresql":
        return cast(func.json_build_object(*fields), Text)
    return func.json_object(*fields, type_=Text)
