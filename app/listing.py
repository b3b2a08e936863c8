"""The one list machine: filters, sort, keyset cursor, count, and the list envelope.

Every list endpoint describes itself with a `ListSpec` (which columns, which filters, which
sorts, which related records to embed) and a query model derived from `ListQuery`; `fetch_page`
does the rest with one page query, one query per embedded relation and, when asked, one count.
"""

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, Generic, Literal, TypeVar

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Integer,
    Result,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    type_coerce,
)
from sqlalchemy.sql.elements import BindParameter, KeyedColumnElement
from sqlmodel.sql.sqltypes import AutoString  # text as it is stored
from starlette.datastructures import URL

from app.common import MAX_ID, Day
from app.errors import BadRequest, NotFound

T = TypeVar("T")
Row = dict[str, Any]
Loader = Callable[[Connection, list[Any]], Mapping[Any, Any]]
FilterFn = Callable[[Callable[[ColumnElement[Any]], ColumnElement[bool]]], ColumnElement[bool]]
"""A filter that is not a plain column match: given `isin(column)` (the column holds one of
the wanted values), it returns the condition."""


def _split_commas(value: Any) -> Any:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    parts = [part.strip() for item in items for part in str(item).split(",") if part.strip()]
    return parts or None  # `?stage=` filters nothing, as if it were absent


CommaList = Annotated[list[T], BeforeValidator(_split_commas)]
"""A filter that takes several values, comma-separated or repeated: `?stage=proposed,ordered`."""

IdList = CommaList[Annotated[int, Field(ge=1, le=MAX_ID)]]
"""A filter by record ids, `?mission_id=3,4`: ids are 32-bit, so a larger one is a 422 (as in a
path) rather than a value PostgreSQL's integer columns cannot take."""


class ListQuery(BaseModel):
    """Paging parameters every list takes; resources subclass it to add their filters."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    limit: int = Field(
        default=50, ge=1, le=1000, description="Items per page, 1 to 1000 (above: 422)."
    )
    cursor: str | None = Field(
        default=None,
        description="Opaque cursor from the previous page's `next_cursor` or `Link` header.",
    )
    sort: str | None = Field(
        default=None,
        description="Sort field, `-field` for descending; ties are broken by id.",
    )
    count: bool = Field(
        default=False, description="Fill `total` with the number of matching items."
    )
    format: Literal["json", "csv", "ndjson"] | None = Field(
        default=None,
        description="`csv` or `ndjson` stream every matching row (all pages, from `cursor` on; "
        "`limit` does not apply), in id order unless `sort` says otherwise; also chosen by "
        "`Accept: text/csv` or `application/x-ndjson`.",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL cannot store or compare NUL characters; refuse them before any query.
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise ValueError("must not contain NUL characters")
        return value


class DatedQuery(ListQuery):
    """A list whose records have a date: `from` and `to` select a range of it."""

    from_: Day | None = Field(
        default=None, alias="from", description="Only records dated on or after this day."
    )
    to: Day | None = Field(default=None, description="Only records dated on or before this day.")

    @model_validator(mode="after")
    def _range_in_order(self) -> "DatedQuery":
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError(f"'from' ({self.from_}) is after 'to' ({self.to})")
        return self


class SearchQuery(BaseModel):
    """A list whose records have text: `q` searches it."""

    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Case-insensitive text search over the record's text fields.",
    )


class Page(BaseModel, Generic[T]):
    """The list envelope."""

    items: list[T] = Field(description="This page's items.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
    total: int | None = Field(
        description="How many items match the filters; null unless `count=true`."
    )


Inline = Callable[[str, ColumnElement[Any]], ColumnElement[Any]]
"""Given a dialect and the record's id column, a correlated subquery that returns the embed
as JSON (a JSON array), so that a list page fetches it in its own query."""


@dataclass(frozen=True)
class Embed:
    """A related value added to every item: loaded for a whole page in one query, or, when it
    has `inline`, as a column of the page query itself (one statement a page, SPEC §7)."""

    name: str
    load: Loader
    default: Callable[[], Any] = list
    inline: Inline | None = None


@dataclass(frozen=True)
class ListSpec:
    """What a list endpoint serves and how it may be filtered and sorted."""

    columns: Sequence[KeyedColumnElement[Any]]
    id_column: Column[Any]
    sorts: Mapping[str, Column[Any]]
    default_sort: str
    filters: Mapping[str, Column[Any] | FilterFn] = field(default_factory=dict)
    where: Sequence[ColumnElement[bool]] = ()
    date_column: Column[Any] | None = None
    search_columns: Sequence[Column[Any]] = ()
    embeds: Sequence[Embed] = ()
    shape: Callable[[Row], Row] | None = None
    # Statements built for this list, by shape: built once, then only executed.
    # (init=False: a spec made with `replace` gets its own cache.)
    statements: dict[tuple[Any, ...], Select[Any]] = field(
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


def _encode_cursor(sort: str, value: Any, last_id: Any) -> str:
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


def _decode_cursor(
    cursor: str, sort: str, column: Column[Any], id_column: Column[Any]
) -> tuple[Any, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, last_id = orjson.loads(raw)
        if cursor_sort != sort:
            raise ValueError("the cursor belongs to another sort order")
        return _from_json(column, value), _from_json(id_column, last_id)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as error:
        raise BadRequest(
            "Invalid cursor",
            "The cursor is not one this list issued for this sort; start from the first page.",
        ) from error


def _keyset(
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


def is_in(column: ColumnElement[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """`column` is one of the values bound to `name`, whatever their number: one parameter,
    so the statement is built and compiled once (an expanding IN is re-rendered on every run,
    which costs more than the query: SPEC §7). Bind the values with `bound_list`."""
    if dialect == "postgresql":
        return column == func.any(bindparam(name, type_=ARRAY(column.type)))
    values: Select[Any] = select(literal_column("value")).select_from(
        func.json_each(bindparam(name))
    )
    return column.in_(values)


def bound_list(connection: Connection, values: Sequence[Any]) -> Any:
    """The value of an `is_in` parameter: an array for PostgreSQL, JSON text for SQLite."""
    if connection.dialect.name == "postgresql":
        return list(values)
    return orjson.dumps(list(values), default=str).decode()


def prepared(build: Callable[[str], Select[Any]]) -> Callable[[Connection], Select[Any]]:
    """A statement built once per database dialect, then only executed."""
    built: dict[str, Select[Any]] = {}

    def get(connection: Connection) -> Select[Any]:
        dialect = connection.dialect.name
        if dialect not in built:
            built[dialect] = build(dialect)
        return built[dialect]

    return get


def _like(text: str) -> str:
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def _filtered(
    spec: ListSpec, query: ListQuery, connection: Connection
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The shape of the query's filters (the statement cache key; `_conditions` builds the
    conditions from it) and the values to bind. Only values are worked out per request:
    building SQL expressions costs more than running the cached statement (SPEC §7)."""
    shape: list[Any] = []
    params: dict[str, Any] = {}
    for name, column in spec.filters.items():
        value = getattr(query, name, None)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if isinstance(column, Column) and len(values) == 1:
            # One value, the usual case: a plain equality, which every index serves.
            shape.append((name, 1))
            params[name] = values[0]
        else:
            shape.append((name, "many"))
            params[name] = bound_list(connection, values)
    if spec.date_column is not None:
        for name in ("from_", "to"):
            if getattr(query, name, None) is not None:
                shape.append((name, 1))
                params[name] = getattr(query, name)
    text = getattr(query, "q", None)
    if text:
        shape.append(("q", 1))
        params["q"] = _like(text)
    return tuple(shape), params


def _conditions(spec: ListSpec, shape: tuple[Any, ...], dialect: str) -> list[ColumnElement[bool]]:
    """The filter conditions of a shape made by `_filtered`, with bound parameters."""
    conditions: list[ColumnElement[bool]] = []
    for name, many in shape:
        if name in ("from_", "to"):
            assert spec.date_column is not None
            column = spec.date_column
            compare = column.__ge__ if name == "from_" else column.__le__
            conditions.append(compare(bindparam(name, type_=column.type)))
        elif name == "q":
            pattern: BindParameter[str] = bindparam("q")
            conditions.append(or_(*(c.ilike(pattern, escape="/") for c in spec.search_columns)))
        else:
            target = spec.filters[name]
            if many == 1 and isinstance(target, Column):
                conditions.append(target == bindparam(name, type_=target.type))
            elif isinstance(target, Column):
                conditions.append(is_in(target, name, dialect))
            else:
                conditions.append(target(partial(is_in, name=name, dialect=dialect)))
    return conditions


def resolve_sort(spec: ListSpec, sort: str | None) -> tuple[str, Column[Any], bool]:
    sort = sort or spec.default_sort
    name = sort.removeprefix("-")
    if name not in spec.sorts:
        allowed = ", ".join(sorted(spec.sorts))
        raise BadRequest(
            "Unknown sort field",
            f"Cannot sort by '{name}'. Allowed: {allowed} (prefix '-' for descending).",
            status=422,
        )
    return sort, spec.sorts[name], sort.startswith("-")


def fetch_page(connection: Connection, spec: ListSpec, query: ListQuery) -> Page[Row]:
    """One page of items with their embeds, the cursor of the next page and, if asked, the total.

    Statements are cached by their shape (which filters, which sort, whether a cursor), so a
    request binds values to a statement built and compiled before; inline embeds come with the
    page's rows."""
    return fetch_page_and(connection, spec, query, None)[0]


Columns = Literal["page", "tuples", "json"]
"""What a page statement selects: the spec's columns and inline embeds, each row as a dict
("page"), the same as plain tuples ("tuples", for CSV), or each row as one JSON text
("json", for NDJSON; only for specs that `renders_in_sql`)."""


def fetch_page_and(
    connection: Connection,
    spec: ListSpec,
    query: ListQuery,
    extra: KeyedColumnElement[Any] | None,
) -> tuple[Page[Row], Any]:
    """`fetch_page`, and the value of `extra` (an uncorrelated scalar subquery, such as the
    list's version) read by the same statement; None when the page is empty."""
    keys, tuples, next_cursor = fetch_rows(connection, spec, query, "page", extra)
    rows = [dict(zip(keys, row, strict=True)) for row in tuples]
    extra_value = None
    if extra is not None and rows:
        extra_value = rows[0][extra.key]
        for row in rows:
            del row[extra.key]
    total = None
    if query.count:
        dialect = connection.dialect.name
        shape, params = _filtered(spec, query, connection)
        count_key = ("count", dialect, shape)
        counter = spec.statements.get(count_key)
        if counter is None:
            filtered = spec.base_query().where(*_conditions(spec, shape, dialect))
            counter = spec.statements[count_key] = select(func.count()).select_from(
                filtered.subquery()
            )
        total = connection.execute(counter, params).scalar_one()
    _parse_inline(spec, rows)
    # model_construct: these rows come from our own query; validating them again is waste.
    page = Page[Row].model_construct(
        items=finish_rows(connection, spec, rows, inlined=True),
        next_cursor=next_cursor,
        total=total,
    )
    return page, extra_value


def fetch_rows(
    connection: Connection,
    spec: ListSpec,
    query: ListQuery,
    columns: Columns,
    extra: KeyedColumnElement[Any] | None = None,
) -> tuple[list[str], Sequence[Any], str | None]:
    """The keys and rows of one page, as the database returns them, and the next cursor.

    Statements are cached by their shape (which filters, which sort, whether a cursor), so a
    request binds values to a statement built and compiled before."""
    sort, column, descending = resolve_sort(spec, query.sort)
    dialect = connection.dialect.name
    shape, params = _filtered(spec, query, connection)
    after: tuple[Any, Any] | None = None
    if query.cursor:
        after = _decode_cursor(query.cursor, sort, column, spec.id_column)
        params["after_value"], params["after_id"] = after
    key = (
        columns,
        dialect,
        sort,
        shape,
        after is not None,
        after is not None and after[0] is None,
        None if extra is None else extra.key,
    )
    statement = spec.statements.get(key)
    if statement is None:
        if columns == "json":
            # The sort value only makes the cursor: as stored (no date parsing), it encodes alike.
            plain_sort = type_coerce(column, String) if isinstance(column.type, Date) else column
            statement = select(plain_sort, spec.id_column, _json_row(spec, dialect))
            statement = statement.where(*spec.where)
        elif columns == "tuples":
            # Dates as the database gives them (ISO text on SQLite), not parsed into objects
            # only to be written out again.
            plain = [
                type_coerce(c, String).label(c.key) if isinstance(c.type, Date) else c
                for c in spec.columns
            ]
            # Embeds as JSON text, NULL when empty (most rows): CSV writes both as they are.
            embeds = [
                func.nullif(cast(c, Text), literal_column("'[]'")).label(c.key)
                for c in _inline_columns(spec, dialect)
            ]
            statement = select(*plain, *embeds).where(*spec.where)
        else:
            statement = spec.base_query().add_columns(*_inline_columns(spec, dialect))
        if extra is not None:
            statement = statement.add_columns(extra)
        statement = statement.where(*_conditions(spec, shape, dialect))
        if after is not None:
            statement = statement.where(
                _keyset(column, spec.id_column, descending, after[0] is None)
            )
        order = [column.desc() if descending else column.asc()]
        if column.nullable:
            order = [order[0].nulls_last()]
        if column is not spec.id_column:
            order.append(spec.id_column.desc() if descending else spec.id_column.asc())
        statement = statement.order_by(*order).limit(bindparam("limit", type_=Integer))
        spec.statements[key] = statement
    result = connection.execute(statement, {**params, "limit": query.limit + 1})
    keys = list(result.keys())
    if columns == "page":
        rows: Sequence[Any] = result.fetchall()
    else:
        # The driver's own tuples: these statements select nothing SQLAlchemy must convert,
        # and skipping its row processing is a fifth of an export's time.
        rows = result.cursor.fetchall()
        result.close()
    next_cursor = None
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        last = rows[-1]
        if columns == "json":
            value, last_id = last[0], last[1]
        else:
            value, last_id = last[keys.index(column.key)], last[keys.index(spec.id_column.key)]
        next_cursor = _encode_cursor(sort, value, last_id)
    return keys, rows, next_cursor


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


def _json_row(spec: ListSpec, dialect: str) -> ColumnElement[str]:
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


def _inline_columns(spec: ListSpec, dialect: str) -> list[ColumnElement[Any]]:
    return [
        embed.inline(dialect, spec.id_column).label(embed.name)
        for embed in spec.embeds
        if embed.inline is not None
    ]


def _parse_inline(spec: ListSpec, rows: list[Row]) -> None:
    """Inline embeds arrive as JSON text (SQLite) or already parsed (PostgreSQL)."""
    for embed in spec.embeds:
        if embed.inline is None:
            continue
        name = embed.name
        for row in rows:
            value = row[name]
            if value is None:
                row[name] = embed.default()
            elif isinstance(value, str | bytes):
                row[name] = orjson.loads(value)


def finish_rows(
    connection: Connection, spec: ListSpec, rows: list[Row], *, inlined: bool = False
) -> list[Row]:
    """Adds the embeds to rows (one query per embed for all of them; none for the embeds the
    page query brought inline) and shapes them."""
    if rows and spec.embeds:
        ids = [row[spec.id_column.key] for row in rows]
        for embed in spec.embeds:
            if inlined and embed.inline is not None:
                continue
            loaded = embed.load(connection, ids)
            for row in rows:
                row[embed.name] = loaded.get(row[spec.id_column.key], embed.default())
    if spec.shape is not None:
        rows = [spec.shape(row) for row in rows]
    return rows


def next_link(url: URL, next_cursor: str | None) -> str | None:
    """The RFC 8288 `Link` header value for the next page: this URL with the new cursor.

    Plain string work on the URL Starlette already checked: `include_query_params` re-parses
    and re-encodes the whole query, which cost a twentieth of a list request (SPEC §7)."""
    if next_cursor is None:
        return None
    base, _, query = str(url).partition("?")
    kept = [part for part in query.split("&") if part and not part.startswith("cursor=")]
    kept.append(f"cursor={next_cursor}")  # URL-safe base64: nothing to escape
    return f'<{base}?{"&".join(kept)}>; rel="next"'


def dict_rows(result: Result[Any]) -> list[Row]:
    """Result rows as plain dicts; much cheaper than `.mappings()` on the hot path."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.fetchall()]


def group_by(rows: Sequence[Any], key: str, value: Callable[[Any], Any]) -> dict[Any, list[Any]]:
    """Groups related rows by their parent id, keeping query order."""
    grouped: dict[Any, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(value(row))
    return grouped


def fetch_one(connection: Connection, spec: ListSpec, record_id: Any, noun: str) -> Row:
    """One record by id, with its embeds; 404 naming it when there is none."""
    statement = spec.statements.get(("one",))
    if statement is None:
        statement = spec.statements[("one",)] = spec.base_query().where(
            spec.id_column == bindparam("record_id", type_=spec.id_column.type)
        )
    rows = dict_rows(connection.execute(statement, {"record_id": record_id}))
    if not rows:
        raise NotFound(detail=f"No {noun} with id {record_id}.")
    return finish_rows(connection, spec, rows)[0]


def fetch_many(connection: Connection, spec: ListSpec, ids: Sequence[Any]) -> dict[Any, Row]:
    """Records by id, with their embeds: a few queries per thousand records."""
    found: dict[Any, Row] = {}
    for start in range(0, len(ids), 1000):
        batch = list(ids[start : start + 1000])
        statement = spec.statements.get(("many", connection.dialect.name))
        if statement is None:
            statement = spec.statements[("many", connection.dialect.name)] = (
                spec.base_query().where(is_in(spec.id_column, "ids", connection.dialect.name))
            )
        rows = dict_rows(connection.execute(statement, {"ids": bound_list(connection, batch)}))
        for row in finish_rows(connection, spec, rows):
            found[row[spec.id_column.key]] = row
    return found


def related_rows(
    connection: Connection, statement: Callable[[Connection], Select[Any]], ids: Sequence[Any]
) -> list[Row]:
    """Runs a prepared embed query (`is_in(…, "ids", …)`) for a page's ids."""
    return dict_rows(
        connection.execute(statement(connection), {"ids": bound_list(connection, ids)})
    )
