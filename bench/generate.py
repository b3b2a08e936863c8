"""A fresh database with N generated headcounts, for the benchmarks. Never run as a test.

    .venv/bin/python -m bench.generate bench/data/headcounts-1000000.db [--rows 1000000]
    .venv/bin/python -m bench.generate postgresql+psycopg://postgres@127.0.0.1/diplo_bench

The target is a SQLite file path (or sqlite:/// URL) or a postgresql+psycopg URL. The database
is made anew (an existing one is refused unless --replace), migrated with the app's Alembic
migrations, then loaded: 20 sending→host pairs of real countries, dates over 2000–2025, every
category and kind, one source, and a citation on every 10th headcount so that list pages run
their citation query for real. One transaction: executemany of plain tuples in batches of
50,000 on SQLite (synchronous=OFF), COPY on PostgreSQL, with the secondary indexes dropped and
then built again. Ends with ANALYZE; prints rows/s.
"""

import argparse
import datetime as dt
import importlib.util
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL, make_url

from app.citations.models import RecordType
from app.common import DatePrecision, first_day
from app.db import upgrade
from app.headcounts.models import HeadcountKind, StaffCategory
from bench.common import DATA, postgres_option, scratch_postgres, stop_on_sigterm

PAIRS: list[tuple[str, str]] = [
    ("RU", "US"),
    ("US", "RU"),
    ("RU", "GB"),
    ("GB", "RU"),
    ("RU", "FR"),
    ("FR", "RU"),
    ("RU", "DE"),
    ("DE", "RU"),
    ("CN", "US"),
    ("US", "CN"),
    ("RU", "CZ"),
    ("CZ", "RU"),
    ("RU", "PL"),
    ("PL", "RU"),
    ("US", "VE"),
    ("VE", "US"),
    ("RU", "UA"),
    ("UA", "RU"),
    ("LT", "BY"),
    ("BY", "LT"),
]
"""~20 pairs: RU→US then holds 1/20 of the rows (50,000 of a million)."""

FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2025, 12, 31)
BATCH = 50_000
COLUMNS = "id, sending_country, host_country, as_of, date_precision, category, kind, count"


@dataclass(frozen=True)
class Loaded:
    rows: int
    citations: int
    load_seconds: float
    analyze_seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.load_seconds


def database_url(target: str) -> str:
    """A SQLAlchemy URL from a URL or a plain SQLite file path."""
    if "://" in target:
        return target
    return f"sqlite:///{Path(target).resolve()}"


def make_fresh(url: str, replace: bool = False) -> None:
    """An empty database at `url`: a new SQLite file, or a new PostgreSQL database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:":
            raise SystemExit("give a SQLite file, not an in-memory database")
        siblings = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
        if path.exists() and not replace:
            raise SystemExit(f"{path} exists; pass --replace to make it anew")
        for file in (path, *siblings):
            file.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("the target is a SQLite file or a postgresql+psycopg:// URL")
    _fresh_postgres(parsed, replace)


def _fresh_postgres(parsed: URL, replace: bool) -> None:
    name = parsed.database
    if not name:
        raise SystemExit("the PostgreSQL URL names no database")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    quoted = admin.dialect.identifier_preparer.quote(name)
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if exists and not replace:
                raise SystemExit(f"database {name} exists; pass --replace to make it anew")
            if exists:
                connection.exec_driver_sql(f"DROP DATABASE {quoted} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
    finally:
        admin.dispose()


def headcount_batches(
    rows: int, seed: int, iso_dates: bool, size: int = BATCH
) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of (id, sending, host, as_of, precision, category, kind, count), ids 1…rows."""
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days + 1
    days = [FIRST_DAY + dt.timedelta(days=n) for n in range(span)]
    categories = [category.value for category in StaffCategory]
    kinds = [HeadcountKind.actual.value] * 3 + [HeadcountKind.cap.value]
    precisions = [DatePrecision.day.value] * 6 + [
        DatePrecision.month.value,
        DatePrecision.year.value,
    ]
    counts = range(2000)
    for first in range(1, rows + 1, size):
        ids = range(first, min(first + size, rows + 1))
        n = len(ids)
        pairs = rng.choices(PAIRS, k=n)
        known = zip(rng.choices(days, k=n), rng.choices(precisions, k=n), strict=True)
        # A date of a month or year is its first day, as the API has it.
        dated = [(first_day(day, DatePrecision(p)), p) for day, p in known]
        # SQLite stores dates as ISO text; sqlite3's date adapter is deprecated.
        as_of: list[Any] = [day.isoformat() if iso_dates else day for day, _ in dated]
        yield list(
            zip(
                ids,
                [pair[0] for pair in pairs],
                [pair[1] for pair in pairs],
                as_of,
                [p for _, p in dated],
                rng.choices(categories, k=n),
                rng.choices(kinds, k=n),
                rng.choices(counts, k=n),
                strict=True,
            )
        )


# The stored views' triggers (migration 0014) find each month's and year's last count by it.
KEPT = "ix_headcount_sending_country_host_country_category_kind_as_of"


def _secondary_indexes(connection: Connection) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the loaded tables' indexes that back no constraint, but
    the one the triggers need."""
    if connection.dialect.name == "sqlite":
        query = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('headcount', 'citation')"
        )
    else:
        query = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename IN ('headcount', 'citation')"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
    return [(name, create) for name, create in connection.exec_driver_sql(query) if name != KEPT]


def _copy(connection: Connection, target: str, rows: list[tuple[Any, ...]]) -> None:
    """Rows into a PostgreSQL table with COPY, inside the connection's transaction."""
    driver: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]
    with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _load(connection: Connection, rows: int, seed: int, cite_every: int) -> int:
    """Inserts the rows with the secondary indexes dropped, then builds those again."""
    sqlite = connection.dialect.name == "sqlite"
    indexes = _secondary_indexes(connection)
    for name, _ in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    source_id = connection.execute(
        text(
            # No text: its quotes are stored unverified, as any paywalled source's are.
            "INSERT INTO source (kind, title, publisher, published_on, date_precision) "
            "VALUES ('dataset', 'Generated for benchmarks', 'bench', :day, 'day') RETURNING id"
        ),
        {"day": dt.date(2021, 10, 12)},
    ).scalar_one()
    insert_headcounts = f"INSERT INTO headcount ({COLUMNS}) VALUES ({', '.join('?' * 8)})"
    insert_citations = (
        "INSERT INTO citation (source_id, record_type, record_id, quote) VALUES (?, ?, ?, ?)"
    )
    record_type = RecordType.headcount.value
    citations = 0
    if not sqlite:
        # The stored views' row triggers run a few statements a row (~3,000 rows/s here): off
        # for the load, then the views made set by set, as migration 0014 makes them.
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    for batch in headcount_batches(rows, seed, iso_dates=sqlite):
        cited = [
            (source_id, record_type, row[0], f"{row[1]}→{row[2]}: {row[7]} {row[5]} staff")
            for row in batch
            if row[0] % cite_every == 0
        ]
        citations += len(cited)
        if sqlite:
            connection.exec_driver_sql(insert_headcounts, batch)
            connection.exec_driver_sql(insert_citations, cited)
        else:  # COPY: psycopg's executemany loaded a third as fast here
            _copy(connection, f"headcount ({COLUMNS})", batch)
            _copy(connection, "citation (source_id, record_type, record_id, quote)", cited)
    for _, create in indexes:
        connection.exec_driver_sql(create)
    if not sqlite:  # explicit ids leave the serial behind
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('headcount', 'id'), max(id)) FROM headcount"
        )
        for statement in _migration("0014").rebuild("postgresql"):
            connection.exec_driver_sql(statement)
        stored = _migration("0020")  # the quotes (their triggers were off too)
        connection.exec_driver_sql(
            f"INSERT INTO quotes ({stored.COLUMNS}) {stored.CITATIONS} "
            f"WHERE c.source_id = {int(source_id)}"
        )
        connection.exec_driver_sql("SET LOCAL session_replication_role = origin")
        # The quotes' search entries (migration 0016), with the triggers on again: those of
        # `search_entry` index them.
        search = _migration("0016")
        quotes = f"SELECT id FROM citation WHERE source_id = {int(source_id)}"
        connection.exec_driver_sql(
            f"INSERT INTO search_entry ({search.COLUMNS}) "
            + search.KINDS["citations"].entries(quotes)
        )
    return citations


def _migration(revision: str) -> Any:
    """A migration's module (0014 makes the stored views, 0016 the search index, 0020 the
    stored quotes)."""
    [path] = (Path(__file__).parent.parent / "migrations" / "versions").glob(f"*-{revision}_*.py")
    spec = importlib.util.spec_from_file_location(f"revision_{revision}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate(url: str, rows: int = 1_000_000, seed: int = 2021, cite_every: int = 10) -> Loaded:
    """Migrates the (empty) database at `url` and loads `rows` headcounts in one transaction."""
    upgrade(url)
    engine = create_engine(url)
    try:
        sqlite = engine.dialect.name == "sqlite"
        start = time.perf_counter()
        with engine.connect() as connection:
            if sqlite:  # a throwaway file: no fsync, a big page cache for the index inserts
                connection.exec_driver_sql("PRAGMA synchronous=OFF")
                connection.exec_driver_sql("PRAGMA cache_size=-262144")
                connection.exec_driver_sql("PRAGMA temp_store=MEMORY")
                connection.commit()
            with connection.begin():
                citations = _load(connection, rows, seed, cite_every)
        loaded = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if sqlite:
                connection.exec_driver_sql("ANALYZE")
                # Datasette opens the file immutable (-i) and so never reads the WAL.
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                connection.exec_driver_sql("VACUUM ANALYZE")
        done = time.perf_counter()
        return Loaded(rows, citations, loaded - start, done - loaded)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("target", help="SQLite file path or postgresql+psycopg:// URL")
    parser.add_argument("--rows", type=int, default=1_000_000, help="headcounts (1,000,000)")
    parser.add_argument("--seed", type=int, default=2021, help="random seed (2021)")
    parser.add_argument(
        "--cite-every", type=int, default=10, help="a citation on every Nth headcount (10)"
    )
    parser.add_argument("--replace", action="store_true", help="drop an existing database")
    args = parser.parse_args()
    url = database_url(args.target)
    make_fresh(url, replace=args.replace)
    report = generate(url, args.rows, args.seed, args.cite_every)
    print(
        f"{report.rows:,} headcounts and {report.citations:,} citations in "
        f"{report.load_seconds:.1f} s = {report.rows_per_second:,.0f} rows/s; "
        f"ANALYZE {report.analyze_seconds:.1f} s"
    )


if __name__ == "__main__":
    main()


def measure_generated(
    doc: str,
    measure: Callable[[str, argparse.Namespace], None],
    more: Callable[[argparse.ArgumentParser], object] = lambda parser: None,
) -> None:
    """A bench's command line, then its `measure` on each database of generated headcounts
    (`on_generated`): `--rounds`, `--repeat`, `--rows`, `--no-sqlite`, `--postgres-database`,
    `--postgres`, and the options `more` adds."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10, help="requests per view per round")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--postgres-database",
        help="an existing PostgreSQL database made by bench.generate, read instead of a "
        "scratch one",
    )
    postgres_option(parser)
    more(parser)
    args = parser.parse_args()
    stop_on_sigterm()
    on_generated(args, lambda url: measure(url, args))


def on_generated(args: argparse.Namespace, measure: Callable[[str], None]) -> None:
    """Measures on `--rows` generated headcounts: the SQLite file bench/data/headcounts-<rows>.db
    (made when missing), then PostgreSQL (the database named, or a scratch one generated and
    dropped at the end)."""
    if not args.no_sqlite:
        path = DATA / f"headcounts-{args.rows}.db"
        if not path.exists():
            make_fresh(database_url(str(path)))
            generate(database_url(str(path)), args.rows)
        measure(database_url(str(path)))
    if args.postgres_database:
        measure(args.postgres_database)
    elif args.postgres:
        with scratch_postgres(args.postgres) as url:
            generate(url, args.rows)
            measure(url)
