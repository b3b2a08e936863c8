"""Sources: the documents facts come from, each with the facts it supports and its text."""

from dataclasses import dataclass

from sqlalchemy import Connection, func, select, update

from app.citations.anchoring import is_xml, xml_reading
from app.citations.service import facts_citing, facts_of, quotes_of_source, reanchor_source
from app.errors import NotFound
from app.kit.changelog import Action, ChangeEntry, record_changes
from app.kit.listing import fetch_many
from app.kit.spec import ListSpec, Row
from app.kit.sql import insert_into
from app.kit.writing import Data, Reference, WriteSpec
from app.search.service import PUBLIC_TEXTS
from app.sources.licences import is_open
from app.sources.models import Source, SourceCreate, SourceText, text_sha256

source_table = Source.__table__  # type: ignore[attr-defined]
source_text_table = SourceText.__table__  # type: ignore[attr-defined]


def _shape(row: Row) -> Row:
    """What a source's row says of its text: public or not, and where it is served."""
    row["text_public"] = is_open(row["licence"])
    has_text = row["sha256"] is not None and row["id"] is not None
    row["text_url"] = f"/v1/sources/{row['id']}/text" if has_text else None
    return row


s = source_table.c
SOURCE_LIST = ListSpec(
    noun="source",
    columns=[
        s.id,
        s.ref,
        s.kind,
        s.title,
        s.publisher,
        s.published_on,
        s.date_precision,
        s.retrieved_on,
        s.url,
        s.attribution,
        s.licence,
        s.media_type,
        s.sha256,
        s.text_length,
        s.dataset,
        s.path,
    ],
    id_column=s.id,
    sorts={"id": s.id, "published_on": s.published_on, "title": s.title},
    default_sort="id",
    filters={"publisher": s.publisher, "kind": s.kind, "dataset": s.dataset},
    date_column=s.published_on,
    search_kinds=["sources", "texts"],
    search_where=PUBLIC_TEXTS,  # only the texts served to anyone
    shape=_shape,
)


def get_source(connection: Connection, source_id: int) -> Row:
    row = connection.execute(SOURCE_LIST.base_query().where(s.id == source_id)).mappings().first()
    if row is None:
        raise NotFound(detail=f"No source with id {source_id}.")
    source = _shape(dict(row))
    source["facts"] = facts_of(connection, [source_id]).get(source_id, [])
    return source


def store_text(connection: Connection, data: Data) -> Data:
    """A checked source's column values: its text stored under its SHA-256 (once, whoever
    stores it), or the stored text its `sha256` names, with the text's length. An XML text is
    stored with its reading (`xml_reading`), which the search index holds."""
    values = {key: value for key, value in data.items() if key != "text"}
    text = data.get("text")
    xml = is_xml(data.get("media_type"))
    t = source_text_table.c
    if text is not None:
        values["sha256"], values["text_length"] = text_sha256(text), len(text)
        statement = insert_into(connection, source_text_table).values(
            sha256=values["sha256"], text=text, reading=xml_reading(text) if xml else None
        )
        if xml:  # the text stored before, without its reading (as another type's), gets it
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["sha256"],
                    set_={"reading": statement.excluded.reading},
                    where=t.reading.is_(None),
                )
            )
        else:
            connection.execute(statement.on_conflict_do_nothing(index_elements=["sha256"]))
    elif values.get("sha256") is not None:
        stored = select(func.length(t.text), t.reading.is_(None)).where(
            t.sha256 == values["sha256"]
        )
        values["text_length"], unread = connection.execute(stored).one()
        if xml and unread:  # named by an XML source now, stored as another type's before
            whole = connection.execute(select(t.text).where(t.sha256 == values["sha256"]))
            connection.execute(
                update(source_text_table)
                .where(t.sha256 == values["sha256"])
                .values(reading=xml_reading(whole.scalar_one()))
            )
    else:
        values["text_length"] = None
    return values


@dataclass(frozen=True)
class StoredText:
    """What `/v1/sources/{id}/text` needs to know before it reads the text itself."""

    sha256: str | None
    media_type: str | None
    public: bool


def text_facts(connection: Connection, source_id: int) -> StoredText:
    """Whether the source has a text, its hash and type, and whether it is public; 404 if there
    is no such source."""
    query = select(s.sha256, s.media_type, s.licence).where(s.id == source_id)
    row = connection.execute(query).first()
    if row is None:
        raise NotFound(detail=f"No source with id {source_id}.")
    return StoredText(row.sha256, row.media_type, is_open(row.licence))


def read_text(connection: Connection, sha256: str) -> str:
    t = source_text_table.c
    text: str = connection.execute(select(t.text).where(t.sha256 == sha256)).scalar_one()
    return text


def _text_changed(
    connection: Connection, source_id: int, after: Data, before: Data, actor: int | None
) -> None:
    """A source's new text (or none) anchors every quote of the source anew, or is refused
    (a 409 naming them); each record whose quotes moved logs that change, by the same key."""
    if before["sha256"] == after["sha256"]:
        return
    from app.registry import BY_TABLE  # the registry holds this package's spec too

    quotes = quotes_of_source(connection, source_id)
    ids: dict[str, list[int]] = {}  # the records quoting the source, by table, each once
    for table, record_id in dict.fromkeys(quote.record for quote in quotes):
        ids.setdefault(table, []).append(record_id)
    was = {table: fetch_many(connection, BY_TABLE[table].listing, i) for table, i in ids.items()}
    text = read_text(connection, after["sha256"]) if after["sha256"] else None
    reanchor_source(connection, source_id, text, quotes, xml=is_xml(after["media_type"]))
    moved: list[ChangeEntry] = []
    for table, record_ids in ids.items():
        spec, now = BY_TABLE[table], fetch_many(connection, BY_TABLE[table].listing, record_ids)
        for i in record_ids:
            if now[i] != was[table][i]:
                moved.append((spec.resource, i, Action.update, actor, was[table][i], now[i]))
    record_changes(connection, moved)


SOURCE_WRITE = WriteSpec(
    table=source_table,
    resource="sources",
    create_model=SourceCreate,
    listing=SOURCE_LIST,
    # A text named by its hash must be stored already (a text sent along is hashed instead).
    references=[Reference("sha256", source_text_table, "stored text", column="sha256")],
    prepare=store_text,
    after_update=_text_changed,
    get=get_source,
    # Facts cite sources, and talks quote statements from them: each is one of its facts.
    dependents=[facts_citing],
)
