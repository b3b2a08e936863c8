"""What every data set's load shares (docs/datasets.md, §11): the data set's row and its files
as sources, quotes checked against those files, principal missions and their status periods,
representation periods, and the change rows of what it wrote. A data set's module reads its
files into wanted records and calls these to write only what differs from the stored ones."""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, or_, select, update

from app.citations.anchoring import anchor
from app.citations.models import Citation, RecordType
from app.citations.quotes import stored_anchor
from app.datasets.bundle import Bundle
from app.datasets.models import Dataset
from app.datasets.wanted import Cite, Problem, WantedMission, WantedPeriod, WantedPost, WantedRecord
from app.events.models import Event, EventCountry
from app.events.service import EVENT_LIST
from app.kit.changelog import Action, ChangeEntry
from app.kit.listing import fetch_many
from app.kit.spec import ListSpec
from app.kit.sql import chunks
from app.missions import timeline
from app.missions.models import (
    Mission,
    MissionJurisdiction,
    MissionStatusChange,
    MissionTimeline,
)
from app.missions.service import MISSION_LIST
from app.representations.models import Representation
from app.representations.service import REPRESENTATION_LIST
from app.sources.models import Source
from app.sources.service import SOURCE_LIST, store_text

dataset_table: Table = Dataset.__table__  # type: ignore[attr-defined]
source_table: Table = Source.__table__  # type: ignore[attr-defined]
mission_table: Table = Mission.__table__  # type: ignore[attr-defined]
status_table: Table = MissionStatusChange.__table__  # type: ignore[attr-defined]
timeline_table: Table = MissionTimeline.__table__  # type: ignore[attr-defined]
representation_table: Table = Representation.__table__  # type: ignore[attr-defined]
citation_table: Table = Citation.__table__  # type: ignore[attr-defined]
event_table: Table = Event.__table__  # type: ignore[attr-defined]
event_country_table: Table = EventCountry.__table__  # type: ignore[attr-defined]
jurisdiction_table: Table = MissionJurisdiction.__table__  # type: ignore[attr-defined]

# What a data set's mission cites: the rows of the status in force at the data's end.
MISSION_SUPPORTS = ["sending_country", "host_country", "kind", "status", "status_since"]
# The kinds a principal mission may have: a post that heads a representation.
PRINCIPAL_KINDS = ("embassy", "legation", "liaison_office", "interests_section", "consulate")

Progress = Callable[[str, int], None]
"""Told each phase's name and how many steps it has done (a progress bar, or nothing)."""


def quiet(_phase: str, _done: int) -> None:
    """No progress shown."""


@dataclass
class Upserted:
    """What `Writer.records` wrote: each wanted record's id by ref, the stored ones no longer
    wanted (not yet deleted: `Writer.remove`), and the snapshots from before (`Writer.log`)."""

    ids: dict[str, int]
    gone: list[int]
    before: dict[Any, Any]


class Writer:
    """One data set's load, in one transaction."""

    def __init__(self, connection: Connection, bundle: Bundle, progress: Progress):
        self.connection = connection
        self.bundle = bundle
        self.name = bundle.name
        self.actor = f"datasets:{bundle.name}"
        self.progress = progress
        self.sources: dict[str, int] = {}
        self.changes: list[ChangeEntry] = []

    # -- the data set and its files ---------------------------------------------------------

    def dataset(self, counts: dict[str, int], problems: list[dict[str, Any]]) -> None:
        m = self.bundle.manifest
        values = {
            "title": m["title"],
            "version": m.get("version"),
            "publisher": m["publisher"],
            "url": m.get("url"),
            "licence": m["licence"],
            "attribution": m["attribution"],
            "caveat": m.get("caveat"),
            "published_on": _day(m.get("published_on")),
            "retrieved_on": _day(m.get("retrieved_on")),
            "bundle_sha256": self.bundle.sha256,
            "counts": counts,
            "problems": problems,
        }
        d = dataset_table.c
        row = (
            self.connection.execute(select(dataset_table).where(d.name == self.name))
            .mappings()
            .first()
        )
        if row is None:
            self.connection.execute(
                insert(dataset_table).values(
                    name=self.name, loaded_at=dt.datetime.now(dt.UTC), **values
                )
            )
        elif any(row[key] != value for key, value in values.items()):
            self.connection.execute(
                update(dataset_table)
                .where(d.name == self.name)
                .values(loaded_at=dt.datetime.now(dt.UTC), **values)
            )

    def files(self, paths: list[str]) -> None:
        s = source_table.c
        stored = {
            row.path: row.id
            for row in self.connection.execute(select(s.id, s.path).where(s.dataset == self.name))
        }
        before = fetch_many(self.connection, SOURCE_LIST, list(stored.values()))
        self.dataset_row_first()
        for path in paths:
            file = self.bundle.read(path)
            values = store_text(self.connection, self.bundle.source_fields(file))
            source_id = stored.get(path)
            if source_id is None:
                source_id = self.connection.execute(
                    insert(source_table).values(ref=f"{self.name}:{path}", **values).returning(s.id)
                ).scalar_one()
            else:
                self.connection.execute(
                    update(source_table).where(s.id == source_id).values(**values)
                )
            self.sources[path] = source_id
        self.log("sources", SOURCE_LIST, before, list(self.sources.values()))

    def dataset_row_first(self) -> None:
        """Sources name their data set: its row exists before they do (filled in at the end)."""
        d = dataset_table.c
        exists = self.connection.execute(select(d.name).where(d.name == self.name)).first()
        if exists is None:
            m = self.bundle.manifest
            self.connection.execute(
                insert(dataset_table).values(
                    name=self.name,
                    title=m["title"],
                    publisher=m["publisher"],
                    licence=m["licence"],
                    attribution=m["attribution"],
                    bundle_sha256="",
                    loaded_at=dt.datetime.now(dt.UTC),
                )
            )

    # -- citations ----------------------------------------------------------------------------

    def quoted(self, cite: Cite) -> dict[str, Any]:
        """A quote as the row that stores it, checked against its file as any quote is."""
        found = anchor(self.bundle.document(cite.path), cite.quote, start=cite.start)
        return {
            "source_id": self.sources[cite.path],
            "quote": cite.quote,
            **stored_anchor(found),
            "supports": cite.supports,
        }

    def cite(self, record_type: RecordType, wanted: dict[int, list[Cite]]) -> int:
        """Makes each record's citations of this data set's files exactly the wanted ones (its
        other citations stay); returns how many records' citations changed."""
        c = citation_table.c
        ours = list(self.sources.values())
        ids = list(wanted)
        stored: dict[int, set[tuple[Any, ...]]] = {record_id: set() for record_id in ids}
        for chunk in chunks(ids):
            rows = self.connection.execute(
                select(c.record_id, c.source_id, c.quote, c.start_offset, c.supports).where(
                    c.record_type == record_type.value,
                    c.record_id.in_(chunk),
                    c.source_id.in_(ours),
                )
            )
            for row in rows:
                key = (row.source_id, row.quote, row.start_offset, _listed(row.supports))
                stored[row.record_id].add(key)
        inserts: list[dict[str, Any]] = []
        changed = []
        for record_id, cites in wanted.items():
            quoted = [self.quoted(cite) for cite in cites]
            keys = {
                (q["source_id"], q["quote"], q["start_offset"], _listed(q["supports"]))
                for q in quoted
            }
            if keys == stored[record_id]:
                continue
            changed.append(record_id)
            inserts += [
                {"record_type": record_type.value, "record_id": record_id, **q} for q in quoted
            ]
        for chunk in chunks(changed):
            self.connection.execute(
                delete(citation_table).where(
                    c.record_type == record_type.value,
                    c.record_id.in_(chunk),
                    c.source_id.in_(ours),
                )
            )
        if inserts:
            self.connection.execute(insert(citation_table), inserts)
        return len(changed)

    # -- missions and their statuses ----------------------------------------------------------

    def missions(self, wanted: list[WantedMission]) -> dict[tuple[str, str], int]:
        m = mission_table.c
        pairs = {(w.sending, w.host) for w in wanted}
        candidates: dict[tuple[str, str], list[Any]] = {}
        rows = self.connection.execute(
            select(m.id, m.sending_country, m.host_country, m.kind, m.principal).where(
                m.sending_country.in_({s for s, _ in pairs})
            )
        )
        for row in rows:
            pair = (row.sending_country, row.host_country)
            if pair in pairs:
                candidates.setdefault(pair, []).append(row)
        ids: dict[tuple[str, str], int] = {}
        adopt: list[int] = []
        for pair, found in candidates.items():
            principal = [row for row in found if row.principal]
            posts = [row for row in found if row.kind in PRINCIPAL_KINDS]
            if principal:
                ids[pair] = principal[0].id
            elif len(posts) == 1:  # the one post there (the seed's embassy): it heads it
                ids[pair] = posts[0].id
                adopt.append(posts[0].id)
        before = fetch_many(self.connection, MISSION_LIST, list(ids.values()))
        if adopt:
            self.connection.execute(
                update(mission_table).where(m.id.in_(adopt)).values(principal=True)
            )
        for w in wanted:
            pair = (w.sending, w.host)
            if pair not in ids:
                last = w.claims[-1]
                ids[pair] = self.connection.execute(
                    insert(mission_table)
                    .values(
                        ref=f"{self.name}:{w.sending}-{w.host}",
                        sending_country=w.sending,
                        host_country=w.host,
                        kind=last.kind,
                        principal=True,
                    )
                    .returning(m.id)
                ).scalar_one()
            self.progress("missions", 1)
        by_id = {ids[(w.sending, w.host)]: w for w in wanted}
        self.claims(by_id)
        self.current(by_id)
        latest: dict[int, list[Cite]] = {}
        for mission_id, w in by_id.items():
            open_claims = [claim for claim in w.claims if claim.valid_to is None]
            cites = open_claims[-1].citations if open_claims else w.claims[-1].citations
            latest[mission_id] = [Cite(c.path, c.quote, c.start, MISSION_SUPPORTS) for c in cites]
        self.cite(RecordType.mission, latest)
        self.log("missions", MISSION_LIST, before, list(by_id))
        return ids

    def current(self, by_id: dict[int, WantedMission]) -> None:
        """The missions' timelines worked out again, and each mission's kind, status and
        status_since made its last stretch's (status null when that ended before the data)."""
        m = mission_table.c
        stretches = timeline.rebuild(self.connection, list(by_id))
        for mission_id in by_id:
            found = stretches[mission_id]
            if not found:
                continue
            last = found[-1]
            values: dict[str, Any] = {
                "kind": last.kind,
                "status": None,
                "status_since": None,
                "protecting_power": None,
            }
            if last.valid_to is None:  # in force at the data's end
                values["status"] = last.status
                values["status_since"] = last.status_since
                values["protecting_power"] = last.protecting_power
            self.connection.execute(
                update(mission_table)
                .where(m.id == mission_id, _differs(m, values))
                .values(**values)
            )

    def add_claims(self, wanted: list[WantedMission], problems: list[Problem]) -> int:
        """Statuses of principal missions that exist (a data set loaded before made them);
        each takes the kind of post the mission was the day before, by the other sources. A
        status for a mission there is not is a problem. Returns how many were written."""
        m, h = mission_table.c, status_table.c
        found = {
            (row.sending_country, row.host_country): row.id
            for row in self.connection.execute(
                select(m.id, m.sending_country, m.host_country).where(m.principal.is_(True))
            )
        }
        by_id: dict[int, WantedMission] = {}
        for w in wanted:
            mission_id = found.get((w.sending, w.host))
            if mission_id is None:
                for claim in w.claims:
                    cite = claim.citations[0]
                    problems.append(
                        Problem(
                            cite.path, 0, cite.quote, f"no principal mission {w.sending}→{w.host}"
                        )
                    )
                continue
            by_id[mission_id] = w
        before = fetch_many(self.connection, MISSION_LIST, list(by_id))
        ours = list(self.sources.values())
        cited = (
            select(citation_table.c.record_id)
            .where(
                citation_table.c.record_type == RecordType.mission_status.value,
                citation_table.c.source_id.in_(ours),
            )
            .scalar_subquery()
        )
        for mission_id, w in by_id.items():
            others = self.connection.execute(
                select(h.kind, h.valid_from, h.valid_to, h.effective_on)
                .where(h.mission_id == mission_id, h.kind.is_not(None), h.id.not_in(cited))
                .order_by(h.valid_from)
            ).all()
            kept = []
            for claim in w.claims:
                why = _unbacked(claim, others, w)
                if why is not None:
                    cite = claim.citations[0]
                    problems.append(Problem(cite.path, 0, cite.quote, why))
                    continue
                kept.append(claim)
            w.claims = kept
        self.claims(by_id)
        self.current(by_id)
        self.log("missions", MISSION_LIST, before, list(by_id))
        return sum(len(w.claims) for w in by_id.values())

    # -- events -------------------------------------------------------------------------

    def events(self, wanted: list[Any], prefix: str) -> None:
        """Events whose `ref` begins with the prefix (one file's of the data set): exactly the
        wanted ones, with their countries."""
        e, ec = event_table.c, event_country_table.c
        stored = {
            row.ref: row
            for row in self.connection.execute(select(event_table).where(e.ref.like(f"{prefix}%")))
        }
        countries: dict[int, set[str]] = {}
        for chunk in chunks([row.id for row in stored.values()]):
            for event_id, country in self.connection.execute(
                select(ec.event_id, ec.country).where(ec.event_id.in_(chunk))
            ):
                countries.setdefault(event_id, set()).add(country)
        before = fetch_many(self.connection, EVENT_LIST, [row.id for row in stored.values()])
        refs = {event.ref for event in wanted}
        gone = [row.id for ref, row in stored.items() if ref not in refs]
        if gone:
            c = citation_table.c
            self.connection.execute(
                delete(citation_table).where(
                    c.record_type == RecordType.event.value, c.record_id.in_(gone)
                )
            )
            self.connection.execute(delete(event_country_table).where(ec.event_id.in_(gone)))
            self.connection.execute(delete(event_table).where(e.id.in_(gone)))
        cites: dict[int, list[Cite]] = {}
        new_countries: list[dict[str, Any]] = []
        for event in wanted:
            values = {
                "date": event.date,
                "date_precision": event.precision,
                "kind": event.kind,
                "summary": event.summary,
            }
            row = stored.get(event.ref)
            if row is None:
                event_id = self.connection.execute(
                    insert(event_table).values(ref=event.ref, **values).returning(e.id)
                ).scalar_one()
            else:
                event_id = row.id
                if any(getattr(row, key) != value for key, value in values.items()):
                    self.connection.execute(
                        update(event_table).where(e.id == event_id).values(**values)
                    )
            if countries.get(event_id, set()) != set(event.countries):
                self.connection.execute(delete(event_country_table).where(ec.event_id == event_id))
                new_countries += [{"event_id": event_id, "country": c} for c in event.countries]
            cites[event_id] = event.citations
        if new_countries:
            self.connection.execute(insert(event_country_table), new_countries)
        self.progress("events", len(wanted))
        self.cite(RecordType.event, cites)
        self.log("events", EVENT_LIST, before, list(cites), gone=gone)

    def claims(self, by_id: dict[int, WantedMission]) -> None:
        """Each mission's statuses from this data set: exactly the wanted ones."""
        h, c = status_table.c, citation_table.c
        ours = list(self.sources.values())
        mission_ids = list(by_id)
        stored: dict[tuple[Any, ...], int] = {}
        for chunk in chunks(mission_ids):
            mine = (
                select(c.record_id)
                .where(c.record_type == RecordType.mission_status.value, c.source_id.in_(ours))
                .scalar_subquery()
            )
            rows = self.connection.execute(
                select(
                    h.id,
                    h.mission_id,
                    h.status,
                    h.kind,
                    h.valid_from,
                    h.valid_to,
                    h.effective_on,
                    h.protecting_power,
                ).where(h.mission_id.in_(chunk), h.id.in_(mine))
            )
            for row in rows:
                stored[(row.mission_id, *_claim_key(row))] = row.id
        wanted: dict[tuple[Any, ...], Any] = {}
        for mission_id, w in by_id.items():
            for claim in w.claims:
                wanted[(mission_id, *_claim_key(claim))] = claim
        gone = [claim_id for key, claim_id in stored.items() if key not in wanted]
        if gone:
            self.connection.execute(
                delete(timeline_table).where(timeline_table.c.claim_id.in_(gone))
            )
            self.connection.execute(
                delete(citation_table).where(
                    c.record_type == RecordType.mission_status.value, c.record_id.in_(gone)
                )
            )
            self.connection.execute(delete(status_table).where(h.id.in_(gone)))
        cites: dict[int, list[Cite]] = {}
        for key, claim in wanted.items():
            claim_id = stored.get(key)
            if claim_id is None:
                claim_id = self.connection.execute(
                    insert(status_table)
                    .values(
                        mission_id=key[0],
                        status=claim.status,
                        kind=claim.kind,
                        valid_from=claim.valid_from,
                        valid_to=claim.valid_to,
                        effective_on=claim.effective_on,
                        date_precision="day" if claim.effective_on else None,
                        protecting_power=claim.protecting_power,
                    )
                    .returning(h.id)
                ).scalar_one()
            cites[claim_id] = claim.citations
        self.cite(RecordType.mission_status, cites)

    # -- missions a list gives (Wikidata) ------------------------------------------------------

    def posts(self, wanted: list[WantedPost], diplomatic: tuple[str, ...]) -> int:
        """Each listed mission: the mission held with its Wikidata item, else the one it
        matches (docs/datasets.md, §8), else a new one with no status and not principal. A
        mission held from another source takes only what the list adds, never its kind or
        status. Returns how many listed missions are missions held from other sources."""
        m = mission_table.c
        held = list(
            self.connection.execute(
                select(
                    m.id,
                    m.ref,
                    m.sending_country,
                    m.host_country,
                    m.kind,
                    m.principal,
                    m.wikidata_id,
                    m.city,
                    m.latitude,
                    m.longitude,
                    m.designation,
                    m.inception,
                    m.located_in,
                )
            )
        )
        found = _match(held, wanted, diplomatic)
        before = fetch_many(self.connection, MISSION_LIST, [row.id for row in found.values()])
        ids: dict[str, int] = {}
        new: list[WantedPost] = []
        merged = 0
        for post in wanted:
            row = found.get(post.wikidata_id)
            if row is None:
                new.append(post)
                continue
            ids[post.wikidata_id] = row.id
            if row.ref == self._post_ref(post):
                values = _post_values(post)
            else:  # another source's mission: what the list adds
                merged += 1
                values = _post_values(post, only_added=True, city=row.city)
            changed = {key: value for key, value in values.items() if row._mapping[key] != value}
            if changed:
                self.connection.execute(
                    update(mission_table).where(m.id == row.id).values(**changed)
                )
        if new:
            created = self.connection.execute(
                insert(mission_table).returning(m.id, sort_by_parameter_order=True),
                [
                    {"ref": self._post_ref(post), "principal": False, **_post_values(post)}
                    for post in new
                ],
            ).scalars()
            for post, new_id in zip(new, created, strict=True):
                ids[post.wikidata_id] = new_id
        self.progress("missions", len(wanted))
        self.jurisdictions({ids[post.wikidata_id]: post.jurisdictions for post in wanted})
        self.cite(RecordType.mission, {ids[post.wikidata_id]: [post.citation] for post in wanted})
        self.log("missions", MISSION_LIST, before, list(ids.values()))
        return merged

    def _post_ref(self, post: WantedPost) -> str:
        return f"{self.name}:{post.wikidata_id}"

    def jurisdictions(self, wanted: dict[int, list[str]]) -> None:
        """Each mission's jurisdictions: exactly the wanted ones."""
        j = jurisdiction_table.c
        ids = list(wanted)
        stored: dict[int, set[str]] = {}
        for chunk in chunks(ids):
            for row in self.connection.execute(
                select(j.mission_id, j.country).where(j.mission_id.in_(chunk))
            ):
                stored.setdefault(row.mission_id, set()).add(row.country)
        redo = [key for key, codes in wanted.items() if stored.get(key, set()) != set(codes)]
        for chunk in chunks(redo):
            self.connection.execute(delete(jurisdiction_table).where(j.mission_id.in_(chunk)))
        rows = [{"mission_id": key, "country": code} for key in redo for code in wanted[key]]
        if rows:
            self.connection.execute(insert(jurisdiction_table), rows)

    # -- representation periods ---------------------------------------------------------------

    def periods(self, wanted: list[WantedPeriod], missions: dict[tuple[str, str], int]) -> None:
        r = representation_table.c
        stored = {
            row.ref: row
            for row in self.connection.execute(
                select(representation_table).where(r.ref.like(f"{self.name}:%"))
            )
        }
        before = fetch_many(
            self.connection, REPRESENTATION_LIST, [row.id for row in stored.values()]
        )
        refs = {period.ref for period in wanted}
        gone = [row.id for ref, row in stored.items() if ref not in refs]
        if gone:
            self.connection.execute(
                delete(citation_table).where(
                    citation_table.c.record_type == RecordType.representation.value,
                    citation_table.c.record_id.in_(gone),
                )
            )
            self.connection.execute(delete(representation_table).where(r.id.in_(gone)))
        cites: dict[int, list[Cite]] = {}
        inserts = []
        for period in wanted:
            values = {
                "sending_country": period.sending,
                "host_country": period.host,
                "level": period.level,
                "valid_from": period.valid_from,
                "valid_to": period.valid_to,
                "since": period.since,
                "since_precision": "day" if period.since else None,
                "observed_until": period.observed_until,
                "mission_id": missions.get(period.mission) if period.mission else None,
            }
            row = stored.get(period.ref)
            if row is None:
                inserts.append((period, values))
                continue
            if any(getattr(row, key) != value for key, value in values.items()):
                self.connection.execute(
                    update(representation_table).where(r.id == row.id).values(**values)
                )
            cites[row.id] = period.citations
        if inserts:
            new_ids = (
                self.connection.execute(
                    insert(representation_table).returning(r.id, sort_by_parameter_order=True),
                    [{"ref": period.ref, **values} for period, values in inserts],
                )
                .scalars()
                .all()
            )
            for (period, _), new_id in zip(inserts, new_ids, strict=True):
                cites[new_id] = period.citations
        self.progress("representations", len(wanted))
        self.cite(RecordType.representation, cites)
        after_ids = list(cites)
        self.log("representations", REPRESENTATION_LIST, before, after_ids, gone=gone)

    # -- records of any table, by ref -------------------------------------------------------

    def records(
        self,
        spec: ListSpec,
        record_type: RecordType,
        prefix: str,
        wanted: list[WantedRecord],
    ) -> Upserted:
        """Makes the table's records whose ref starts with `prefix` exactly the wanted ones,
        with their citations: new ones inserted in batches, changed ones updated; the ones no
        longer wanted are returned, for `remove` once their dependents are gone."""
        table: Table = spec.id_column.table
        t = table.c
        names = list(wanted[0].values) if wanted else []
        stored = {
            row.ref: row
            for row in self.connection.execute(
                select(t.id, t.ref, *(t[name] for name in names)).where(t.ref.like(f"{prefix}%"))
            )
        }
        before = fetch_many(self.connection, spec, [row.id for row in stored.values()])
        refs = {record.ref for record in wanted}
        gone = [row.id for ref, row in stored.items() if ref not in refs]
        ids: dict[str, int] = {}
        inserts: list[WantedRecord] = []
        for record in wanted:
            row = stored.get(record.ref)
            if row is None:
                inserts.append(record)
                continue
            ids[record.ref] = row.id
            if any(getattr(row, key) != value for key, value in record.values.items()):
                self.connection.execute(update(table).where(t.id == row.id).values(**record.values))
        for batch in chunks(inserts, 1000):
            new_ids = (
                self.connection.execute(
                    insert(table).returning(t.id, sort_by_parameter_order=True),
                    [{"ref": record.ref, **record.values} for record in batch],
                )
                .scalars()
                .all()
            )
            for record, new_id in zip(batch, new_ids, strict=True):
                ids[record.ref] = new_id
            self.progress(spec.noun, len(batch))
        self.cite(record_type, {ids[record.ref]: record.citations for record in wanted})
        return Upserted(ids, gone, before)

    def remove(self, spec: ListSpec, record_type: RecordType, ids: list[int]) -> None:
        """Deletes records and their citations."""
        table: Table = spec.id_column.table
        c = citation_table.c
        for chunk in chunks(ids):
            self.connection.execute(
                delete(citation_table).where(
                    c.record_type == record_type.value, c.record_id.in_(chunk)
                )
            )
            self.connection.execute(delete(table).where(table.c.id.in_(chunk)))

    def principal_in_force(self, sending: str) -> Callable[[str, dt.date], int | None]:
        """Finds the principal mission of `sending` in a host that had a status in force on a
        day (its timeline's stretch covers the day), or None."""
        m, s = mission_table.c, timeline_table.c
        stretches: dict[str, list[tuple[dt.date | None, dt.date | None, int]]] = {}
        rows = self.connection.execute(
            select(m.host_country, s.valid_from, s.valid_to, m.id)
            .join(timeline_table, s.mission_id == m.id)
            .where(m.sending_country == sending, m.principal.is_(True))
        )
        for row in rows:
            stretches.setdefault(row.host_country, []).append(
                (row.valid_from, row.valid_to, row.id)
            )

        def find(host: str, day: dt.date) -> int | None:
            for valid_from, valid_to, mission_id in stretches.get(host, []):
                if (valid_from is None or valid_from <= day) and (
                    valid_to is None or day <= valid_to
                ):
                    return mission_id
            return None

        return find

    # -- the change log -------------------------------------------------------------------

    def log(
        self,
        resource: str,
        spec: ListSpec,
        before: dict[Any, Any],
        ids: Iterable[int],
        gone: Iterable[int] = (),
    ) -> None:
        after = fetch_many(self.connection, spec, list(ids))
        for record_id, now in after.items():
            then = before.get(record_id)
            if then != now:
                action = Action.create if then is None else Action.update
                self.changes.append((resource, record_id, action, None, then, now))
        for record_id in gone:
            self.changes.append(
                (resource, record_id, Action.delete, None, before.get(record_id), None)
            )


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _listed(value: Any) -> tuple[str, ...] | None:
    return tuple(value) if value is not None else None


def _in_force(others: Sequence[Any], day: dt.date) -> list[str]:
    """The kinds of the posts the other sources give a mission on a day."""
    return [
        row.kind
        for row in others
        if row.valid_from is not None
        and row.valid_from <= day
        and (row.valid_to is None or row.valid_to >= day)
    ]


def _unbacked(claim: Any, others: Sequence[Any], mission: WantedMission) -> str | None:
    """Why a data set's dated claim on a principal mission is not taken, if it is not: the
    other sources must give that mission a post then (docs/datasets.md, §4).

    A post closed or suspended takes the kind of the post in force the day before, which must
    be the kind the sentence names (not "the Embassy in Taipei" for a liaison office in
    Beijing). A post established or raised needs a post in force that day or the day before,
    or the other sources' first post of the mission beginning later where their coverage
    begins (Kenkel's Russia from 1816: the legation established in 1809)."""
    where = f"{mission.sending} in {mission.host}"
    day = claim.valid_from
    before = _in_force(others, day - dt.timedelta(days=1))
    if claim.kind is None:
        if not before:
            return f"no post of {where} in force the day before"
        if claim.named and not before[-1].startswith(claim.named):
            shown = before[-1].replace("_", " ")
            return f"the sentence names the {claim.named}; the post of {where} was a {shown}"
        claim.kind = before[-1]
        return None
    if before or _in_force(others, day):
        return None
    first = next((row for row in others if row.valid_from and row.valid_from > day), None)
    if first is not None and first.effective_on is None:
        return None
    return f"no post of {where} in force then"


def _claim_key(claim: Any) -> tuple[Any, ...]:
    return (
        claim.status,
        claim.kind,
        claim.valid_from,
        claim.valid_to,
        claim.effective_on,
        claim.protecting_power,
    )


def _match(
    held: list[Any], wanted: list[WantedPost], diplomatic: tuple[str, ...]
) -> dict[str, Any]:
    """The held mission each listed one is (docs/datasets.md, §8), by its Wikidata item:
    the mission with that item; else, for a diplomatic kind, the principal mission of its
    sender in its host when it is the pair's only listed diplomatic post, or the one of the
    principal mission's kind; else the one mission of the pair with no item and of its kind
    (when the list has one of that kind there too)."""
    by_item = {row.wikidata_id: row for row in held if row.wikidata_id}
    found = {
        post.wikidata_id: by_item[post.wikidata_id]
        for post in wanted
        if post.wikidata_id in by_item
    }
    taken = {row.id for row in found.values()}
    by_pair: dict[tuple[str, str], list[Any]] = {}
    for row in held:
        if row.wikidata_id is None:
            by_pair.setdefault((row.sending_country, row.host_country), []).append(row)
    listed: dict[tuple[str, str], list[WantedPost]] = {}
    unmatched = [post for post in wanted if post.wikidata_id not in found]
    for post in unmatched:
        if post.kind in diplomatic:
            listed.setdefault((post.sending, post.host), []).append(post)
    of_kind = Counter((post.sending, post.host, post.kind) for post in unmatched)
    for post in unmatched:
        pair = (post.sending, post.host)
        free = [row for row in by_pair.get(pair, []) if row.id not in taken]
        principal = [row for row in free if row.principal]
        match = None
        if principal and post.kind in diplomatic:
            posts = listed[pair]
            if len(posts) == 1 or [p for p in posts if p.kind == principal[0].kind] == [post]:
                match = principal[0]
        if match is None:
            same = [row for row in free if row.kind == post.kind]
            if len(same) == 1 and of_kind[(*pair, post.kind)] == 1:
                match = same[0]
        if match is not None:
            found[post.wikidata_id] = match
            taken.add(match.id)
    return found


def _post_values(
    post: WantedPost, only_added: bool = False, city: str | None = None
) -> dict[str, Any]:
    """A listed mission's columns; `only_added`: those the list adds to a mission another
    source holds (its item, place, designation, inception; its city where it has none)."""
    values: dict[str, Any] = {
        "wikidata_id": post.wikidata_id,
        "designation": post.designation,
        "inception": post.inception,
        "located_in": post.located_in,
    }
    place = {"latitude": post.latitude, "longitude": post.longitude}
    if not only_added:
        return {
            **values,
            **place,
            "sending_country": post.sending,
            "host_country": post.host,
            "kind": post.kind,
            "city": post.city,
        }
    values.update({key: value for key, value in place.items() if value is not None})
    if city is None and post.city is not None:
        values["city"] = post.city
    return values


def _differs(columns: Any, values: dict[str, Any]) -> Any:
    return or_(*(columns[key].is_distinct_from(value) for key, value in values.items()))
