"""How a list describes itself: `ListSpec` (columns, filters, sorts, embeds) and `Embed`."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Select,
    select,
)
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlalchemy.sql.selectable import Subquery

Row = dict[str, Any]


Loader = Callable[[Connection, list[Any]], Mapping[Any, Any]]


FilterFn = Callable[[Callable[[ColumnElement[Any]], ColumnElement[bool]]], ColumnElement[bool]]
"""A filter that is not a plain column match: given `isin(column)` (the column holds one of
the wanted values), it returns the condition."""


Inline = Callable[[str, ColumnElement[Any]], ColumnElement[Any]]
"""Given a dialect and the record's id column, a correlated subquery that returns the embed
as JSON (a JSON array), so that a list page fetches it in its own query."""


@dataclass(frozen=True)
class Embed:
    """A related value added to every item: loaded for a whole page in one query, or, when it has
    `inline`, as a column of the page query itself (one statement a page, docs/design.md,
    "Performance")."""

    name: str
    load: Loader
    default: Callable[[], Any] = list
    inline: Inline | None = None


@dataclass(frozen=True)
class ListSpec:
    """What a list endpoint serves and how it may be filtered and sorted."""

    noun: str  # one record, as the docs and messages name it: "mission", "round of talks"
    columns: Sequence[KeyedColumnElement[Any]]
    id_column: Column[Any]
    sorts: Mapping[str, Column[Any]]
    default_sort: str
    filters: Mapping[str, Column[Any] | FilterFn] = field(default_factory=dict)
    where: Sequence[ColumnElement[bool]] = ()
    date_column: Column[Any] | None = None
    # The kinds of search entry (migration 0016) that hold its records' words: `q` finds
    # records by them, ranked unless a sort is asked for (docs/search.md).
    search_kinds: Sequence[str] = ()
    search_where: str | None = None  # and SQL over the entry `e` they must meet
    # On SQLite, whether FTS5 itself keeps only the entries of those kinds (`Search.fts5`):
    # cheaper unless the kinds' entries outnumber the words' matches, as the quotes do.
    search_kinds_in_match: bool = True
    embeds: Sequence[Embed] = ()
    shape: Callable[[Row], Row] | None = None
    # Statements built for this list, by shape: built once, then only executed.
    # (init=False: a spec made with `replace` gets its own cache.)
    statements: dict[tuple[Any, ...], Select[Any]] = field(
        default_factory=dict, compare=False, repr=False, init=False
    )
    # Its records' search scores, by dialect: built once (see `kit.filters.ranking`).
    rankings: dict[str, Subquery] = field(
        default_factory=dict, compare=False, repr=False, init=False
    )
    # Its inline embeds' subqueries, by dialect: built once (see `kit.listing.inline_columns`).
    inlined: dict[str, list[ColumnElement[Any]]] = field(
        default_factory=dict, compare=False, repr=False, init=False
    )

    def base_query(self) -> Select[Any]:
        return select(*self.columns).where(*self.where)

    def empty_row(self) -> Row:
        """A row of nulls with every output field, in output order (CSV headers)."""
        row: Row = {column.key: None for column in self.columns}
        for embed in self.embeds:
            row[embed.name] = embed.default()
        return self.shape(row) if self.shape else row
