"""Loading a bundled data set (docs/datasets.md, §11): its files become sources, what it says
becomes records that cite them, and only what differs from the stored records is written, in
one transaction, with a change row per record under the actor `datasets:NAME`. A second load
writes nothing. Each data set's module reads its files (`read`) and writes what it wants through
`app.datasets.writer.Writer` (`write`)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, select

from app.config import Settings
from app.countries.service import sync_countries
from app.datasets import hsg, kenkel, wikidata
from app.datasets.bundle import DATASETS_DIR, Bundle, bundles
from app.datasets.wanted import Problem
from app.datasets.writer import Progress, Writer, dataset_table, quiet
from app.db import write_transaction
from app.kit.changelog import Action, record_changes


class Reading(Protocol):
    """What a data set's reader gives: the files it uses, the rows it could not take."""

    files: list[str]
    problems: list[Problem]


@dataclass(frozen=True)
class Loader:
    read: Callable[[Bundle], Any]  # a Reading
    write: Callable[[Writer, Any], dict[str, int]]  # what it holds, by kind of record


LOADERS: dict[str, Loader] = {
    kenkel.NAME: Loader(kenkel.wanted, kenkel.write),
    hsg.NAME: Loader(hsg.wanted, hsg.write),
    wikidata.NAME: Loader(wikidata.wanted, wikidata.write),
}
"""The data sets the API loads, in the order `all` loads them (later ones match earlier
records)."""


@dataclass
class LoadReport:
    name: str
    created: int = 0
    updated: int = 0
    deleted: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def load_dataset(
    engine: Engine, name: str, progress: Progress = quiet, directory: Path = DATASETS_DIR
) -> LoadReport:
    """Loads one bundled data set, all or nothing (from another folder of data sets: the
    tests' fixtures, cut from the bundled files)."""
    bundle = bundles(directory)[name]
    loader = LOADERS[name]
    wanted: Reading = loader.read(bundle)
    report = LoadReport(name)
    with write_transaction(engine) as connection:
        sync_countries(connection)
        writer = Writer(connection, bundle, progress)
        writer.files(wanted.files)
        report.counts = {"sources": len(wanted.files), **loader.write(writer, wanted)}
        # A loader may find problems as it writes (a row's record that names none stored).
        report.problems = [problem.as_json() for problem in wanted.problems]
        writer.dataset(report.counts, report.problems)
        record_changes(connection, writer.changes, actor=writer.actor)
        for _, _, action, *_ in writer.changes:
            if action == Action.create:
                report.created += 1
            elif action == Action.update:
                report.updated += 1
            else:
                report.deleted += 1
        if report.changed:
            analyze_again(connection)
    return report


def analyze_again(connection: Connection) -> None:
    """After thousands of rows at once, the planner's statistics made again.

    PostgreSQL: now, not at autovacuum's next pass (the timeline's join plans go from 8 ms to
    3 ms on the bundled data). SQLite keeps none till `ANALYZE` is run, and plans well
    without; but stale ones are worse than none, so they are made again where they were
    made. The bench's database, analyzed when its 100,000 quotes cited one source, had
    SQLite skip-scan the quotes by source for each of the 39,000 that hold `diplomatic`
    once the data sets were in: `/v1/citations?q=diplomatic&facet=source_id` ran past the
    facets' time limit (3.7 s), 69 ms analyzed again (3.6 s to analyze, 1,000,000
    headcounts)."""
    if (
        connection.dialect.name == "postgresql"
        or connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).first()
    ):
        connection.exec_driver_sql("ANALYZE")


def loaded(engine: Engine) -> dict[str, str]:
    """The data sets loaded, each with the manifest hash it was loaded from."""
    d = dataset_table.c
    with engine.connect() as connection:
        return {
            row.name: row.bundle_sha256
            for row in connection.execute(select(d.name, d.bundle_sha256))
        }


def enabled(settings_value: list[str]) -> list[str]:
    """The data sets a setting names, in loading order: `all`, `none`, or names."""
    names = [name.strip().lower() for name in settings_value]
    if names in ([], ["none"]):
        return []
    if names == ["all"]:
        return list(LOADERS)
    unknown = [name for name in names if name not in LOADERS]
    if unknown:
        raise ValueError(
            f"DATASETS names no bundled data set {', '.join(map(repr, unknown))}: "
            f"use all, none or some of {', '.join(LOADERS)}"
        )
    return [name for name in LOADERS if name in names]


def pending(engine: Engine, names: list[str]) -> list[str]:
    """The data sets among these that the database does not hold as bundled."""
    if not names:
        return []
    have = loaded(engine)
    every = bundles()
    return [name for name in names if have.get(name) != every[name].sha256]


def loading(engine: Engine, settings: Settings) -> list[str]:
    """The data sets the server loads as it starts (`DATASETS`, unless `SEED_ON_START` is
    false) that are not in yet: `/readyz` waits for them, and the keeping of common words."""
    return pending(engine, enabled(settings.datasets)) if settings.seed_on_start else []
