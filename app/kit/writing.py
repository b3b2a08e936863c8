"""The one write machine: create, update (merge, then validate whole) and delete a record with
its citations and owned parts, in the caller's transaction; clear 404/409/422 otherwise.

Every resource describes itself with a `WriteSpec`; its service calls these functions.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Column, Connection, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.sql.expression import TableClause

from app.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    Unprocessable,
    echoed,
    field_error,
    pydantic_message,
)
from app.kit.changelog import Action, last_snapshot, record_change, record_changes
from app.kit.etags import record_etag
from app.kit.listing import fetch_many, fetch_one
from app.kit.spec import ListSpec
from app.kit.sql import insert_into

Data = dict[str, Any]


@dataclass(frozen=True)
class Reference:
    """A payload field holding the id of another record that must exist."""

    field: str
    table: TableClause
    noun: str
    column: str = "id"


FIRST_REFERRERS = 5
"""How many of the records pointing at a record a 409 names; it counts them all, and gives the
URL that lists them all."""


@dataclass(frozen=True)
class Referrers:
    """The records of one kind that point at a record: while there are any, it stays."""

    kind: str  # the resource, as in the URL ("headcounts"), or "facts" for a source's
    count: int
    first: list[str]  # API paths of the first few, by id
    list: str  # the URL that lists them all


Dependents = Callable[[Connection, int], Referrers | None]
"""Finds the records of one kind that point at a record; None when there are none."""


def listed_by(resource: str, listing: ListSpec, filter_name: str) -> Dependents:
    """The records of a list (`/v1/{resource}`) that its filter `filter_name` finds for the id.
    The count comes from that filter, so the list URL a 409 gives shows exactly them."""
    target = listing.filters[filter_name]
    id_column = listing.id_column

    def find(connection: Connection, record_id: int) -> Referrers | None:
        if isinstance(target, Column):
            condition = target == record_id
        else:
            condition = target(lambda column: column == record_id)
        ids = select(id_column).where(*listing.where, condition)
        first = connection.execute(ids.order_by(id_column).limit(FIRST_REFERRERS)).scalars()
        paths = [f"/v1/{resource}/{i}" for i in first]
        if not paths:  # the usual case: one query, as cheap as before
            return None
        count = connection.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
        return Referrers(resource, count, paths, f"/v1/{resource}?{filter_name}={record_id}")

    return find


@dataclass(frozen=True)
class Part:
    """Rows owned by the record, written from one payload field and deleted with the record."""

    field: str
    write: Callable[[Connection, int, Any], None]  # replace the record's rows with the value
    delete: Callable[[Connection, int], None]
    references: Sequence[Reference] = ()  # checked in each item of the list
    # Adds the parts of new records, which own none yet (imports, creates); optional.
    add_many: Callable[[Connection, list[tuple[int, Any]]], None] | None = None


Problem = tuple[list[str | int], str, str, Any]
"""What is wrong with a record: where in it, why, the 422's type, and the value refused."""

RecordCheck = Callable[[Data], list[Problem]]
"""A check of a checked record that needs the database (its quotes against their sources'
texts); it may complete the record (with where each quote stands), as `validated` does. It
may say, as `found` (`KnownIds`), the records its reads found: a create's reference check
asks no more about them (`create_record`)."""


@dataclass(frozen=True)
class WriteSpec:
    """How a resource's records are written: its table, body, references, owned parts, the
    records that may point at it, and what runs after a write."""

    table: Table
    resource: str  # as in the URL, e.g. "visa-disputes"; the change log's name for it
    create_model: type[BaseModel]
    listing: ListSpec  # how its records are read: one (`read`), or many at once (imports)
    references: Sequence[Reference] = ()
    parts: Sequence[Part] = ()
    dependents: Sequence[Dependents] = ()
    to_columns: Callable[[Data], Data] | None = None  # payload fields -> column values
    # Makes the database check of the records one request writes (`RecordCheck`): one per
    # request, which may keep what it read for the next record (an import's rows).
    checks: Callable[[Connection], RecordCheck] | None = None
    # Completes a checked record with what needs the database, just before its row is written
    # (create, update, import, restore), in the same transaction: a source stores its text and
    # takes its hash and length.
    prepare: Callable[[Connection, Data], Data] | None = None
    # Runs after a create (before=None) or an update, in the same transaction.
    after_write: Callable[[Connection, int, Data, Data | None], None] | None = None
    # Runs after an update that changed the record, once its change is logged, with who made
    # it, in the same transaction: what the change makes of other records (a source's new text
    # moves the quotes of the records citing it, each logged as their change by the same key).
    after_update: Callable[[Connection, int, Data, Data, int | None], None] | None = None
    # Deletes rows the record owns that no payload field writes (a mission's status history).
    on_delete: Callable[[Connection, int], None] | None = None
    # Writes those rows back from the record's last snapshot when it is restored, in place of
    # `after_write` (which would start them anew from the payload).
    on_restore: Callable[[Connection, int, Data], None] | None = None
    # Reads a record in its read shape, where that is more than its list item (a source).
    get: Callable[[Connection, int], Data] | None = None
    # Whether a record of the table (as its snapshot holds it) is one of this resource's, where
    # the resource is a part of the table (an expulsion is a measure of kind `expulsion`).
    holds: Callable[[Data], bool] | None = None

    @property
    def noun(self) -> str:
        return self.listing.noun

    def read(self, connection: Connection, record_id: int) -> Data:
        """The record as the API serves it; 404 if there is none."""
        if self.get is not None:
            return self.get(connection, record_id)
        return fetch_one(connection, self.listing, record_id)


def _columns(spec: WriteSpec, data: Data) -> Data:
    values = spec.to_columns(dict(data)) if spec.to_columns else dict(data)
    return {key: value for key, value in values.items() if key in spec.table.c and key != "id"}


KnownIds = dict[tuple[str, str], set[Any]]
"""Ids known to exist, by (table, column): a bulk import checks references in one query each."""


def references_in(spec: WriteSpec, data: Data) -> Iterator[tuple[Reference, Any, list[str | int]]]:
    """Every reference a record makes: which, to what value, from where in the record."""
    for reference in spec.references:
        yield reference, data.get(reference.field), [reference.field]
    for part in spec.parts:
        for index, item in enumerate(data.get(part.field) or []):
            for reference in part.references:
                yield reference, item.get(reference.field), [part.field, index, reference.field]


def _missing_references(
    connection: Connection,
    spec: WriteSpec,
    data: Data,
    known: KnownIds | None = None,
    found: KnownIds | None = None,
) -> list[Data]:
    """A 422 error for each reference to a record that is not there. `known`: every id there
    is among those referenced, by table and column (a bulk import reads them at once);
    `found`: some ids known to be there; any other is looked up."""
    errors: list[Data] = []
    for reference, value, loc in references_in(spec, data):
        if value is None:
            continue
        column = reference.table.c[reference.column]
        where = (reference.table.name, reference.column)
        ids = (known or {}).get(where)
        exists = (
            value in ids
            if ids is not None
            else value in (found or {}).get(where, ())
            or connection.execute(select(column).where(column == value)).first() is not None
        )
        if not exists:
            errors.append(
                field_error(loc, f"no {reference.noun} with id {value}", "not_found", value)
            )
    return errors


def validated(spec: WriteSpec, data: Data) -> Data:
    """The whole record checked by the create schema (also after a PATCH merged into it)."""
    try:
        model = spec.create_model.model_validate(data)
    except ValidationError as error:
        raise Unprocessable(
            [
                field_error(list(e["loc"]), pydantic_message(e), e["type"], e["input"])
                for e in error.errors()
            ]
        ) from error
    checked: Data = model.model_dump(mode="python")
    unstorable = [
        field_error(path, why, "value_error", text) for path, why, text in _unstorable(checked, [])
    ]
    if unstorable:
        raise Unprocessable(unstorable)
    return checked


def _unstorable(value: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str, str]]:
    """Where text holds what a database cannot store, in a record and its nested parts: a NUL
    character (PostgreSQL cannot; SQLite would, and the two must agree), or a lone UTF-16
    surrogate, which JSON can send (`"\\ud800"`) but UTF-8, so neither database, cannot hold;
    why, and the text."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path, "must not contain NUL characters", value
        elif not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                why = "must be Unicode text: it holds a lone surrogate (\\ud800 to \\udfff)"
                yield path, why, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _unstorable(inner, [*path, key])
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _unstorable(inner, [*path, index])


def checked_in_database(connection: Connection, spec: WriteSpec, data: Data) -> None:
    """The spec's database check of one record (`WriteSpec.checks`): a 422 on each problem."""
    _refuse(spec.checks(connection)(data) if spec.checks else [])


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise Unprocessable(
            [field_error(loc, why, kind, value) for loc, why, kind, value in problems]
        )


def _write_parts(
    connection: Connection, spec: WriteSpec, record_id: int, data: Data, *, new: bool = False
) -> None:
    """Replaces the record's parts with those in `data`; a `new` record owns none yet, so
    they are only added."""
    for part in spec.parts:
        if part.field not in data:
            continue
        if new and part.add_many is not None:
            part.add_many(connection, [(record_id, data[part.field])])
        else:
            part.write(connection, record_id, data[part.field])


def _ref_free(
    connection: Connection,
    spec: WriteSpec,
    data: Data,
    record_id: int | None,
    *,
    restoring: bool = False,
) -> None:
    """A 409 naming the record that has the `ref` the record would have (a ref is unique in
    its table: an expulsion's may be another measure's)."""
    ref, table = data.get("ref"), spec.table
    if ref is None or "ref" not in table.c:
        return
    query = select(table.c.id).where(table.c.ref == ref)
    if record_id is not None:
        query = query.where(table.c.id != record_id)
    holder = connection.execute(query).scalar_one_or_none()
    if holder is None:
        return
    noun = table.name if spec.holds else spec.noun
    detail = f"Another {noun} already has the ref {echoed(ref)}: /v1/{spec.resource}/{holder}."
    if restoring:
        detail += f" Change that {noun}'s ref, or delete it, to restore {spec.noun} {record_id}."
    raise Conflict(detail=detail)


def _insert_unless_ref_taken(
    connection: Connection, spec: WriteSpec, values: Data
) -> ReturningInsert[Any]:
    """The INSERT of a new record, returning its id; none, and nothing written, when another
    record holds its `ref` (unique in every table that has one). One statement where a look
    for the ref's holder and the INSERT were two on every create; the holder is looked up
    only when there is one. A writer inserting the same ref at the same moment is waited
    for, as the unique index makes it."""
    statement = insert_into(connection, spec.table).values(values)
    if values.get("ref") is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["ref"])
    return statement.returning(spec.table.c.id)


def _integrity(error: IntegrityError, spec: WriteSpec) -> Conflict:
    text = str(error.orig).lower()
    if "unique" in text or "duplicate" in text:
        return Conflict(detail=f"Another {spec.noun} already has this `ref`.")
    return Conflict(detail=f"The {spec.noun} conflicts with other records: {error.orig}")


def _lock(connection: Connection, spec: WriteSpec, record_id: int, if_match: str | None) -> Data:
    """The record as it is now, locked against concurrent writers until the commit (SQLite's
    BEGIN IMMEDIATE already serializes them); 412 if it is not the version the client saw."""
    connection.execute(
        select(spec.table.c.id).where(spec.table.c.id == record_id).with_for_update()
    )
    before = spec.read(connection, record_id)
    if if_match is not None and if_match.strip() != "*":
        tags = {tag.strip() for tag in if_match.split(",")}
        if record_etag(before) not in tags:
            raise PreconditionFailed(
                detail=f"The {spec.noun} changed since you read it (its ETag is now "
                f"{record_etag(before)}); read it again and reapply your change."
            )
    return before


def create_record(
    connection: Connection,
    spec: WriteSpec,
    payload: Data,
    *,
    actor: int | None = None,
    record_id: int | None = None,
    known: KnownIds | None = None,
    snapshot: Data | None = None,
) -> Data:
    """Adds a record (with the given id and `snapshot`, as served when it was deleted, when
    restoring one), logs the change, and returns the record as it is now (its snapshot in the
    log: the caller answers with it rather than reading it again)."""
    data = validated(spec, payload)
    # The database check first, so that what it read (a quote's source) needs no reference
    # check of its own; its problems are said only if every reference is there, as before.
    check = spec.checks(connection) if spec.checks else None
    problems = check(data) if check is not None else []
    errors = _missing_references(connection, spec, data, known, getattr(check, "found", None))
    if errors:
        raise Unprocessable(errors)
    _refuse(problems)
    if spec.prepare:
        data = spec.prepare(connection, data)
    values = _columns(spec, data) | ({"id": record_id} if record_id is not None else {})
    try:
        new_id: int | None = connection.execute(
            _insert_unless_ref_taken(connection, spec, values)
        ).scalar()
    except IntegrityError as error:
        raise _integrity(error, spec) from error
    if new_id is None:  # another record has the ref: the 409 names it
        _ref_free(connection, spec, data, record_id, restoring=record_id is not None)
        raise Conflict(detail=f"Another {spec.noun} already has this `ref`.")
    _write_parts(connection, spec, new_id, data, new=True)
    if snapshot is not None and spec.on_restore:
        spec.on_restore(connection, new_id, snapshot)
    elif spec.after_write:
        spec.after_write(connection, new_id, data, None)
    action = Action.create if record_id is None else Action.restore
    after = spec.read(connection, new_id)
    record_change(connection, spec.resource, new_id, action, actor, None, after)
    return after


def create_records(
    connection: Connection, spec: WriteSpec, rows: list[Data], *, actor: int | None = None
) -> list[int]:
    """Adds many checked records (see `validated`; references and `WriteSpec.checks` checked
    by the caller) with a
    few statements per kind of row rather than a few per record, and logs them."""
    if not rows:
        return []
    if spec.prepare:
        rows = [spec.prepare(connection, data) for data in rows]
    statement = insert(spec.table).returning(spec.table.c.id, sort_by_parameter_order=True)
    try:
        ids = list(connection.execute(statement, [_columns(spec, d) for d in rows]).scalars())
    except IntegrityError as error:
        raise _integrity(error, spec) from error
    for part in spec.parts:
        values = [(i, d[part.field]) for i, d in zip(ids, rows, strict=True) if part.field in d]
        if part.add_many is not None:
            part.add_many(connection, values)
        else:
            for record_id, value in values:
                part.write(connection, record_id, value)
    if spec.after_write:
        for record_id, data in zip(ids, rows, strict=True):
            spec.after_write(connection, record_id, data, None)
    after = fetch_many(connection, spec.listing, ids)
    record_changes(
        connection, [(spec.resource, i, Action.create, actor, None, after[i]) for i in ids]
    )
    return ids


def update_record(
    connection: Connection,
    spec: WriteSpec,
    record_id: int,
    patch: Data,
    *,
    actor: int | None = None,
    if_match: str | None = None,
) -> Data:
    """Applies a partial change: the merged record must pass the same checks as a new one.
    Returns the record as it now is."""
    before = _lock(connection, spec, record_id, if_match)
    fields = spec.create_model.model_fields
    merged = {key: value for key, value in before.items() if key in fields} | patch
    data = validated(spec, merged)
    errors = _missing_references(connection, spec, data)
    if errors:
        raise Unprocessable(errors)
    checked_in_database(connection, spec, data)
    if data.get("ref") != before.get("ref"):
        _ref_free(connection, spec, data, record_id)
    if spec.prepare:
        data = spec.prepare(connection, data)
    columns = _columns(spec, data)
    try:
        connection.execute(update(spec.table).where(spec.table.c.id == record_id).values(columns))
    except IntegrityError as error:
        raise _integrity(error, spec) from error
    _write_parts(connection, spec, record_id, {k: v for k, v in data.items() if k in patch})
    if spec.after_write:
        spec.after_write(connection, record_id, data, before)
    after = spec.read(connection, record_id)
    if after != before:
        record_change(connection, spec.resource, record_id, Action.update, actor, before, after)
        if spec.after_update:
            spec.after_update(connection, record_id, after, before, actor)
    return after


def delete_record(
    connection: Connection,
    spec: WriteSpec,
    record_id: int,
    *,
    actor: int | None = None,
    if_match: str | None = None,
) -> None:
    """Deletes the record and what it owns; 409 naming the records that still point at it."""
    before = _lock(connection, spec, record_id, if_match)
    blockers = [found for find in spec.dependents if (found := find(connection, record_id))]
    if blockers:
        raise _referenced(spec, record_id, blockers)
    for part in spec.parts:
        part.delete(connection, record_id)
    if spec.on_delete:
        spec.on_delete(connection, record_id)
    connection.execute(delete(spec.table).where(spec.table.c.id == record_id))
    record_change(connection, spec.resource, record_id, Action.delete, actor, before, None)


def _referenced(spec: WriteSpec, record_id: int, blockers: list[Referrers]) -> Conflict:
    """A 409 that counts the referrers of each kind, names the first few, and says where to
    list them all, in words and in `referrers`."""

    def said(group: Referrers) -> str:
        more = group.count - len(group.first)
        named = ", ".join(group.first) + (f" and {more} more" if more else "")
        return f"{group.kind} ({group.count} in all, listed at {group.list}: {named})"

    return Conflict(
        detail=f"{spec.noun.capitalize()} {record_id} is referenced by "
        f"{' and '.join(said(group) for group in blockers)}; change or delete those first.",
        extensions={
            "referrers": {
                group.kind: {"count": group.count, "first": group.first, "list": group.list}
                for group in blockers
            }
        },
    )


def restore_record(
    connection: Connection, spec: WriteSpec, record_id: int, *, actor: int | None = None
) -> Data:
    """Brings a deleted record back, same id, from the snapshot its deletion logged."""
    last = last_snapshot(connection, spec.resource, record_id)
    latest = last and (last["after"] or last["before"])  # as it is, or was when deleted
    if last is None or (spec.holds and latest and not spec.holds(latest)):
        raise NotFound(detail=f"No {spec.noun} with id {record_id} was ever recorded.")
    if last["action"] != Action.delete:
        raise Conflict(detail=f"{spec.noun.capitalize()} {record_id} is not deleted.")
    fields = spec.create_model.model_fields
    payload = {key: value for key, value in last["before"].items() if key in fields}
    return create_record(
        connection, spec, payload, actor=actor, record_id=record_id, snapshot=last["before"]
    )
