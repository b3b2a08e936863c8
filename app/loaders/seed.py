"""Loads the seed: the facts of each article in seed/*.yaml, checked against its text.

Idempotent: records are matched by `ref`, their citations and other parts by content, and
only differences are written, so a second run changes no row.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, Engine, Table, and_, delete, insert, select, update
from sqlmodel import SQLModel

from app.citations.anchoring import Document, NotAnchored, anchor
from app.citations.models import Citation, RecordType
from app.citations.quotes import stored_anchor
from app.countries.service import sync_countries
from app.db import write_transaction
from app.disputes.models import DisputeBase, VisaDispute, VisaDisputeIssue
from app.events.models import Event, EventBase, EventCountry
from app.headcounts.models import Headcount, HeadcountBase
from app.kit.changelog import Action, record_change
from app.measures.models import Measure, MeasureBase
from app.missions import timeline
from app.missions.models import Mission, MissionBase, MissionStatusChange, StatusChangeBase
from app.officials.models import Official, OfficialBase
from app.registry import BY_TABLE
from app.sources.models import Source, SourceCreate
from app.sources.service import store_text
from app.talks.models import StatementKind, Talks, TalksBase, TalksParticipant, TalksStatement

SEED_DIR = Path(__file__).resolve().parents[2] / "seed"


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


class SeedError(ValueError):
    """The seed data is wrong; the message says where."""


def selected(citation: str | dict[str, Any]) -> dict[str, Any]:
    """A seed citation as the API takes one: a quote alone, or a quote with `start`, `prefix`
    or `suffix` where the article says it more than once."""
    if isinstance(citation, str):
        return {"quote": citation}
    return {key: citation.get(key) for key in ("quote", "start", "prefix", "suffix")}


def quotes_of(data: Any) -> Iterable[dict[str, Any]]:
    """Every quote in a seed document, citations and statements, as `selected` gives them."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "citations":
                yield from (selected(citation) for citation in value)
            elif key == "quote":
                yield selected(data)
            else:
                yield from quotes_of(value)
    elif isinstance(data, list):
        for item in data:
            yield from quotes_of(item)


def anchor_in(text: Document, quote: dict[str, Any]) -> dict[str, Any]:
    """A seed quote's anchor in the article, as the columns that store it."""
    selectors = {k: v for k, v in quote.items() if k != "quote"}
    return stored_anchor(anchor(text, quote["quote"], **selectors))


def missing_quotes(data: dict[str, Any], text: str) -> list[str]:
    """The quotes of a seed document that do not stand in one place of the article, and why:
    the check every quote written through the API passes."""
    article, missing = Document(text), []
    for quote in quotes_of(data):
        try:
            anchor_in(article, quote)
        except NotAnchored as error:
            missing.append(f"{quote['quote']!r} {error}")
    return missing


@dataclass
class SeedReport:
    files: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted


def _fields(
    schema: type[SQLModel], data: dict[str, Any], drop: Sequence[str] = ()
) -> dict[str, Any]:
    """Validates a seed record with the resource's schema; returns column values."""
    values = {k: v for k, v in data.items() if k not in drop}
    try:
        return schema.model_validate(values).model_dump()
    except ValueError as error:
        raise SeedError(f"{schema.__name__} {data.get('ref', '')}: {error}") from error


class _Loader:
    def __init__(self, connection: Connection, report: SeedReport):
        self.connection = connection
        self.report = report
        self.source_id = 0
        self.text = Document("")
        self.ids: dict[tuple[str, str], int] = {}
        # Each record's state before this run, to log what the run changed.
        self.touched: dict[tuple[str, int], dict[str, Any] | None] = {}

    def id_of(self, table: Table, ref: str | None) -> int | None:
        if ref is None:
            return None
        try:
            return self.ids[(table.name, ref)]
        except KeyError:
            raise SeedError(f"{table.name} '{ref}' is referenced before it is defined") from None

    def upsert(self, table: Table, ref: str, values: dict[str, Any]) -> int:
        row = self.connection.execute(select(table).where(table.c.ref == ref)).mappings().first()
        spec = BY_TABLE[table.name]
        if row is not None:
            self.touched[(table.name, row["id"])] = spec.read(self.connection, row["id"])
        if row is None:
            record_id: int = self.connection.execute(
                insert(table).values(ref=ref, **values).returning(table.c.id)
            ).scalar_one()
            self.report.inserted += 1
            self.touched[(table.name, record_id)] = None
        else:
            record_id = row["id"]
            changed = {key: value for key, value in values.items() if row[key] != value}
            if changed:
                self.connection.execute(
                    update(table).where(table.c.id == record_id).values(changed)
                )
                self.report.updated += 1
        self.ids[(table.name, ref)] = record_id
        return record_id

    def sync_children(
        self, table: Table, parent: dict[str, Any], rows: list[dict[str, Any]], key: Sequence[str]
    ) -> dict[tuple[Any, ...], int | None]:
        """Makes the children of one parent exactly `rows`; returns their ids by key."""
        parent_match = and_(*(table.c[name] == value for name, value in parent.items()))
        existing = {
            tuple(row[name] for name in key): dict(row)
            for row in self.connection.execute(select(table).where(parent_match)).mappings()
        }
        wanted = [tuple(row[name] for name in key) for row in rows]
        ids: dict[tuple[Any, ...], int | None] = {}
        for row_key, row in zip(wanted, rows, strict=True):
            if row_key in existing:
                ids[row_key] = existing[row_key].get("id")
                continue
            statement = insert(table).values(**parent, **row)
            if "id" in table.c:
                ids[row_key] = self.connection.execute(statement.returning(table.c.id)).scalar_one()
            else:
                self.connection.execute(statement)
                ids[row_key] = None
            self.report.inserted += 1
        for row_key, row in existing.items():
            if row_key not in ids:
                match = and_(parent_match, *(table.c[name] == row[name] for name in key))
                self.connection.execute(delete(table).where(match))
                self.report.deleted += 1
        return ids

    def quoted(self, citation: str | dict[str, Any]) -> dict[str, Any]:
        """A seed quote as the row that stores it: its source, words and anchor."""
        quote = selected(citation)
        words = {"source_id": self.source_id, "quote": quote["quote"]}
        return words | anchor_in(self.text, quote)

    def cite(
        self, record_type: RecordType, record_id: int, quotes: list[str | dict[str, Any]]
    ) -> None:
        self.sync_children(
            _table(Citation),
            {"record_type": record_type.value, "record_id": record_id},
            [self.quoted(quote) for quote in quotes],
            key=("source_id", "quote", "start_offset"),
        )

    def record(
        self,
        model: type[SQLModel],
        schema: type[SQLModel],
        record_type: RecordType,
        data: dict[str, Any],
        *,
        drop: Sequence[str] = (),
        extra: dict[str, Any] | None = None,
    ) -> int:
        values = _fields(schema, data, drop=("ref", "citations", *drop)) | (extra or {})
        record_id = self.upsert(_table(model), data["ref"], values)
        self.cite(record_type, record_id, data.get("citations", []))
        return record_id

    def load(self, document: dict[str, Any], text: str) -> None:
        source = document["source"]
        self.text = Document(text)
        # Checked as a source written through the API is (kind, licence, media type), with
        # the article's text in place of its path; the text is stored under its hash.
        fields = _fields(SourceCreate, source | {"text": text}, drop=("ref",))
        del fields["ref"]
        self.source_id = self.upsert(
            _table(Source), source["ref"], store_text(self.connection, fields)
        )
        for official in document.get("officials", []):
            self.record(Official, OfficialBase, RecordType.official, official)
        for mission in document.get("missions", []):
            self.mission(mission)
        for headcount in document.get("headcounts", []):
            mission_id = self.id_of(_table(Mission), headcount.get("mission"))
            self.record(
                Headcount,
                HeadcountBase,
                RecordType.headcount,
                headcount | {"mission_id": mission_id},
                drop=("mission",),
            )
        for dispute in document.get("visa_disputes", []):
            self.dispute(dispute)
        for measure in document.get("measures", []):
            answered = self.id_of(_table(Measure), measure.get("in_response_to"))
            self.record(
                Measure,
                MeasureBase,
                RecordType.measure,
                measure,
                drop=("in_response_to",),
                extra={"in_response_to": answered},
            )
        for talks in document.get("talks", []):
            self.talks(talks)
        for event in document.get("events", []):
            event_id = self.record(Event, EventBase, RecordType.event, event, drop=("countries",))
            self.sync_children(
                _table(EventCountry),
                {"event_id": event_id},
                [{"country": c} for c in event["countries"]],
                key=("country",),
            )

    def log_changes(self) -> None:
        """Logs every record the run created or changed, like any other write."""
        for (table_name, record_id), before in self.touched.items():
            spec = BY_TABLE[table_name]
            after = spec.read(self.connection, record_id)
            if after != before:
                action = Action.create if before is None else Action.update
                record_change(
                    self.connection, spec.resource, record_id, action, None, before, after
                )

    def mission(self, data: dict[str, Any]) -> None:
        mission_id = self.record(
            Mission, MissionBase, RecordType.mission, data, drop=("status_history",)
        )
        history = data.get("status_history", [])
        rows = [_fields(StatusChangeBase, change, drop=("citations",)) for change in history]
        ids = self.sync_children(
            _table(MissionStatusChange),
            {"mission_id": mission_id},
            rows,
            key=("status", "effective_on", "date_precision"),
        )
        for change, row in zip(history, rows, strict=True):
            change_id = ids[(row["status"], row["effective_on"], row["date_precision"])]
            assert change_id is not None
            self.cite(RecordType.mission_status, change_id, change.get("citations", []))
        timeline.rebuild(self.connection, [mission_id])

    def dispute(self, data: dict[str, Any]) -> None:
        next_round = data.get("next_round") or {}
        dispute_id = self.record(
            VisaDispute,
            DisputeBase,
            RecordType.visa_dispute,
            data,
            drop=("issues", "next_round"),
            extra={
                "next_round_planned": bool(next_round.get("planned", False)),
                "next_round_on": next_round.get("date"),
            },
        )
        self.sync_children(
            _table(VisaDisputeIssue),
            {"dispute_id": dispute_id},
            [{"issue": issue} for issue in data.get("issues", [])],
            key=("issue",),
        )

    def talks(self, data: dict[str, Any]) -> None:
        dispute_id = self.id_of(_table(VisaDispute), data.get("dispute"))
        talks_id = self.record(
            Talks,
            TalksBase,
            RecordType.talks,
            data | {"dispute_id": dispute_id},
            drop=("dispute", "participants", "statements"),
        )
        officials = _table(Official)
        participants = [
            {"official_id": self.id_of(officials, p["official"]), "side": p["side"]}
            for p in data.get("participants", [])
        ]
        self.sync_children(
            _table(TalksParticipant), {"talks_id": talks_id}, participants, key=("official_id",)
        )
        statements = [
            {
                "official_id": self.id_of(officials, s.get("speaker")),
                "kind": StatementKind(s["kind"]).value,
                **self.quoted(s),
            }
            for s in data.get("statements", [])
        ]
        self.sync_children(
            _table(TalksStatement),
            {"talks_id": talks_id},
            statements,
            key=("official_id", "kind", "quote", "source_id", "start_offset"),
        )


def seed_files(directory: Path = SEED_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def read_seed_file(path: Path) -> tuple[dict[str, Any], str]:
    """A seed document and the text of its source."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    text = (path.parent / document["source"]["text"]).read_text(encoding="utf-8")
    return document, text


def load_seed(engine: Engine, directory: Path = SEED_DIR) -> SeedReport:
    """Loads every seed file, each in one transaction.

    Refuses a file with a quote that is not in its source text.
    """
    report = SeedReport()
    with write_transaction(engine) as connection:
        sync_countries(connection)
    for path in seed_files(directory):
        document, text = read_seed_file(path)
        missing = missing_quotes(document, text)
        if missing:
            raise SeedError(
                f"{path.name}: quotes that do not stand in one place of the source text: {missing}"
            )
        with write_transaction(engine) as connection:
            loader = _Loader(connection, report)
            loader.load(document, text)
            loader.log_changes()
        report.files += 1
    return report


def database_is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(select(_table(Source).c.id).limit(1)).first() is None
