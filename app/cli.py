"""`diplo`: serve the API, migrate the database, load the seed.

A user's mistake (no database yet, an old schema, an unreachable server, a port in use) is a
message saying what to do and exit code 1, never a traceback; a wrong setting or argument is
exit code 2, as click's usage errors are. Only the commands that set a database up (`serve`,
`db upgrade`, `seed`) may create one."""

import copy
import datetime as dt
import errno
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer
import uvicorn
from alembic.script.revision import ResolutionError
from alembic.util import CommandError
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from uvicorn.config import LOGGING_CONFIG
from uvicorn.supervisors import multiprocess

from app import db
from app.config import Settings, get_settings, settings_problem
from app.datasets.bundle import bundles
from app.datasets.load import LOADERS, LoadReport, enabled, load_dataset, loaded, pending
from app.db import make_engine, schema_revisions, shown, sqlite_file, write_transaction
from app.errors import AppError, NotFound, Unprocessable, echoed
from app.kit.auth import Scope, create_key, get_key, list_keys, revoke_key
from app.kit.importing import FILE_FORMATS, MAX_REPORTED, import_rows, parse
from app.kit.writing import WriteSpec, restore_record
from app.loaders.seed import database_is_empty, load_seed
from app.protocol import ProblemHttpToolsProtocol
from app.registry import BY_RESOURCE

RESOURCES = ", ".join(sorted(BY_RESOURCE))

cli = typer.Typer(
    help="diplo runs diplomacy-api (diplomatic-staffing data with verbatim provenance) and "
    "looks after its database, API keys and records."
    "\n\nStart with 'diplo serve' (what 'make run' does): it creates and migrates the database, "
    "loads the seed into an empty one, and serves the API on http://127.0.0.1:8000 (docs at "
    "/docs). Settings such as DATABASE_URL, HOST and PORT come from the environment or a .env "
    "file (the README's Configuration lists them all).",
    no_args_is_help=True,
    rich_markup_mode="markdown",  # a docstring's paragraphs are reflowed, not cut where it is
)
db_cli = typer.Typer(
    help="Move the database schema to a revision (Alembic migrations). 'diplo serve' and "
    "'diplo seed' upgrade it by themselves.",
    no_args_is_help=True,
)
keys_cli = typer.Typer(
    help="API keys for writing through the API: create, list, revoke. Reading needs none.",
    no_args_is_help=True,
)
datasets_cli = typer.Typer(
    help="The bundled, openly licensed data sets (seed/datasets/): list them, load them. "
    "'diplo serve' loads those the DATASETS setting names by itself.",
    no_args_is_help=True,
)
cli.add_typer(db_cli, name="db")
cli.add_typer(keys_cli, name="keys")
cli.add_typer(datasets_cli, name="datasets")


SET_UP = "run `diplo db upgrade` (or `make run` in the project folder) first"


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    sys.exit(1)  # not typer.Exit: this also ends `main`, outside the command


def _check_schema(settings: Settings, *, newest: bool = True) -> None:
    """Stops, saying which database and what to run, unless it has the tables (at the code's
    revision, if `newest`). Creates nothing: a SQLite file that is not there is not made."""
    where = shown(settings.database_url)
    path = sqlite_file(settings.database_url)
    if path is not None and not path.exists():
        _fail(
            f"The database {where} does not exist yet: {SET_UP}, or set DATABASE_URL to the "
            "database you mean."
        )
    current, heads = schema_revisions(settings)
    if not current:
        _fail(f"The database {where} has no tables yet: {SET_UP}.")
    if newest and current != heads:
        _fail(
            f"The database {where} has schema revision {', '.join(sorted(current))}, and this "
            f"diplo needs {', '.join(sorted(heads))}: run `diplo db upgrade` first."
        )


@contextmanager
def _database() -> Iterator[Engine]:
    """An engine on the configured database, which must exist with the current schema."""
    settings = get_settings()
    _check_schema(settings)
    engine = make_engine(settings)
    try:
        yield engine
    finally:
        engine.dispose()


@cli.command()
def serve(
    migrate: bool = typer.Option(True, help="Upgrade the schema to the newest revision first."),
) -> None:
    """Migrate, seed an empty database, and serve the API.

    It listens on HOST:PORT (default 127.0.0.1:8000) with WORKERS processes, and uses the
    database at DATABASE_URL; set them in the environment, e.g. 'PORT=8001 diplo serve'."""
    settings = get_settings()
    listener = _listen(settings)  # before the migration: a port in use is said at once
    if migrate:
        db.upgrade(settings.database_url)
    if settings.seed_on_start:
        engine = make_engine(settings)
        try:
            if database_is_empty(engine):
                report = load_seed(engine)
                typer.echo(f"Seeded {report.inserted} rows from {report.files} source(s).")
        finally:
            engine.dispose()
        _load_in_background(settings)
    typer.echo(f"Serving on http://{settings.host}:{settings.port} (docs at /docs)")
    config = uvicorn.Config(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        # uvicorn's 5 s default replaced workers that were only slow to start on a loaded
        # 2-core machine (importing the app took 14 s), over and over.
        timeout_worker_healthcheck=settings.worker_healthcheck_timeout,
        log_level=settings.log_level,
        log_config=_log_config(settings.log_level),
        access_log=False,  # the app writes its own (app/access_log.py)
        # asyncio's loop, not uvloop: under 32+ keep-alive connections uvloop serves some of
        # them late (p99 ~8x p50 on the list bench, bench/README.md); asyncio's stays ~1.1x
        # for ~3% fewer requests per second.
        loop="asyncio",
        http=ProblemHttpToolsProtocol,  # httptools, its own errors said as problem+json
    )
    if config.workers > 1 and REUSE_PORT:
        # uvicorn's supervisor makes, and remakes, its workers from this module global.
        multiprocess.Process = _Worker  # type: ignore[misc]
        multiprocess.Multiprocess(config, sockets=[]).run()
        return
    if config.workers > 1:
        multiprocess.Multiprocess(config, sockets=[listener]).run()
        return
    server = uvicorn.Server(config)
    server.run(sockets=[listener])
    if not server.started:
        raise typer.Exit(3)  # uvicorn's STARTUP_FAILURE


def _log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, with the app's own loggers (`app…`: errors, the keeping of common
    words; `diplo…`: live streams) written by the same handler at the same level. Without it
    only their warnings showed, by Python's last-resort handler."""
    config = copy.deepcopy(LOGGING_CONFIG)
    for name in ("app", "diplo"):
        config["loggers"][name] = {
            "handlers": ["default"],
            "level": level.upper(),
            "propagate": False,
        }
    return config


def _not_taken(problems: list[dict[str, Any]]) -> str:
    """`3 rows not taken`, and how many rows were taken with a problem, if any."""
    loaded = sum(1 for problem in problems if problem.get("loaded"))
    said = f"{len(problems) - loaded} rows not taken"
    return said + (f", {loaded} taken with a problem" if loaded else "")


LOAD_ATTEMPTS = 4


def _load_patiently(engine: Engine, name: str) -> LoadReport:
    """`load_dataset`, again after a pause when the database stayed busy past its wait (another
    writer held SQLite's lock for longer than `busy_timeout`): a load is one transaction, undone
    when it fails, and loading again changes only what is missing."""
    for attempt in range(1, LOAD_ATTEMPTS):
        try:
            return load_dataset(engine, name)
        except OperationalError as error:
            typer.echo(
                f"Loading data set {name} found the database busy ({error.orig}); "
                f"trying again in {2 * attempt} s.",
                err=True,
            )
            time.sleep(2 * attempt)
    return load_dataset(engine, name)


def _load_in_background(settings: Settings) -> None:
    """Loads the data sets the settings name that the database lacks, in a thread of this
    process, while the API serves (`/readyz` answers 503 until they are in)."""
    try:
        names = enabled(settings.datasets)
    except ValueError as error:
        _fail(str(error))
    engine = make_engine(settings)
    try:
        waiting = pending(engine, names)
    except SQLAlchemyError as error:
        engine.dispose()
        _fail(
            f"Cannot load the data sets into {shown(settings.database_url)}: its schema is not "
            f"this diplo's ({type(error).__name__}): run `diplo db upgrade` first, or set "
            "DATASETS=none."
        )
    if not waiting:
        engine.dispose()
        return

    def load() -> None:
        try:
            for name in waiting:
                started = time.monotonic()
                report = _load_patiently(engine, name)
                typer.echo(
                    f"Loaded data set {name}: {report.created} records created, "
                    f"{report.updated} updated, {report.deleted} deleted, "
                    f"{_not_taken(report.problems)}, {time.monotonic() - started:.1f} s."
                )
        except Exception as error:  # noqa: BLE001 - the server goes on; /readyz says not ready
            typer.echo(f"Loading the data sets failed: {error!r}", err=True)
        finally:
            engine.dispose()

    typer.echo(
        f"Loading data sets in the background: {', '.join(waiting)} (/readyz: 503 till done)"
    )
    threading.Thread(target=load, name="datasets", daemon=True).start()


@datasets_cli.command("list")
def datasets_list() -> None:
    """One line per bundled data set: name, version, licence, whether it is loaded."""
    settings = get_settings()
    _check_schema(settings)
    engine = make_engine(settings)
    try:
        have = loaded(engine)
        wanted = enabled(settings.datasets)
    finally:
        engine.dispose()
    for name, bundle in bundles().items():
        m = bundle.manifest
        state = (
            "loaded"
            if have.get(name) == bundle.sha256
            else "loaded from another bundle"
            if name in have
            else "not loaded"
        )
        if name not in LOADERS:
            state = "bundled, not loaded by this version"
        on = "on" if name in wanted else "off"
        typer.echo(
            f"{name}\t{m.get('version')}\t{m['licence']}\t{state}\tDATASETS: {on}\t{m['title']}"
        )


@datasets_cli.command("load")
def datasets_load(
    name: str = typer.Argument(..., metavar="NAME", help="A data set's name, or 'all'."),
) -> None:
    """Load a bundled data set (or all): its files as sources, its rows as cited records.

    Idempotent: a second load writes nothing. All or nothing per data set; the rows it could
    not take are listed."""
    names = list(LOADERS) if name == "all" else [name]
    if any(n not in LOADERS for n in names):
        _fail(f"No data set {name!r} to load: use all or one of {', '.join(LOADERS)}.")
    settings = get_settings()
    db.upgrade(settings.database_url)
    engine = make_engine(settings)
    try:
        if database_is_empty(engine):
            load_seed(engine)
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True
        ) as bar:
            for each in names:
                task = bar.add_task(each, total=None)

                def advance(_phase: str, done: int, task: TaskID = task) -> None:
                    bar.update(task, advance=done)

                report = load_dataset(engine, each, advance)
                for problem in report.problems:
                    typer.echo(
                        f"{each}: {problem['file']} line {problem['line']}: {problem['reason']}: "
                        f"{problem['row']}",
                        err=True,
                    )
                typer.echo(
                    f"{each}: {report.created} records created, {report.updated} updated, "
                    f"{report.deleted} deleted; {_not_taken(report.problems)}."
                )
    finally:
        engine.dispose()


def _listen(settings: Settings) -> socket.socket:
    """The socket `serve` listens on, bound here rather than by uvicorn, so that a port in
    use is a message saying what to do instead of uvicorn's log line and exit code 3.

    As uvicorn binds it (IPv6 for an address with a colon, SO_REUSEADDR), but marked as TCP:
    uvicorn leaves its protocol at 0, so asyncio did not set TCP_NODELAY on the connections
    it accepted, and each keep-alive request waited ~40 ms for a delayed ACK
    (Kludex/uvicorn#3149)."""
    host, port = settings.host, settings.port
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = _bound(host, port, reuse_port=settings.workers > 1 and REUSE_PORT)
    except OSError as error:
        where = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
        if error.errno == errno.EADDRINUSE:
            _fail(
                f"Cannot serve on {where}: the port is in use (by another `diplo serve`, or "
                f"another program). Stop that program, or choose another port: "
                f"`PORT={_other_port(port)} diplo serve` (or `PORT={_other_port(port)} make "
                "run` in the project folder)."
            )
        if error.errno == errno.EACCES:
            _fail(
                f"Cannot serve on {where}: {error.strerror}. A PORT below 1024 needs root; "
                "choose another, e.g. `PORT=8000 diplo serve`."
            )
        _fail(
            f"Cannot serve on {where}: {error.strerror or error}. HOST must be an address of "
            "this machine: 127.0.0.1 (the default), or 0.0.0.0 for every interface."
        )
    sock.set_inheritable(True)  # the workers of WORKERS > 1 are processes of their own
    return sock


def _bound(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


REUSE_PORT = hasattr(socket, "SO_REUSEPORT")


class _Worker(multiprocess.Process):
    """A worker of WORKERS > 1 that listens on a socket of its own, bound with SO_REUSEPORT
    next to the others: the kernel spreads new connections over the workers. On the one socket
    they shared, the worker that woke first accepted a whole burst (asyncio accepts up to
    the backlog at a time): wrk's 32 connections all went to one worker while the other
    idled. The parent keeps its socket bound, not listening: it holds the port, and takes no
    connection."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:
        super().target([_bound(self.config.host, self.config.port, reuse_port=True)])


def _other_port(port: int) -> int:
    return port + 1 if port < 65535 else 8000


@db_cli.command()
def upgrade(
    revision: str = typer.Argument(
        "head", metavar="REVISION", help="Target revision: 'head' (the newest) or an id (0001)."
    ),
) -> None:
    """Upgrade the schema (default: to the newest revision)."""
    with _migrating(revision):
        db.upgrade(get_settings().database_url, revision)
    typer.echo(f"Database upgraded to {revision}.")


@db_cli.command()
def downgrade(
    revision: str = typer.Argument(
        "base", metavar="REVISION", help="Target revision: 'base' (no tables) or an id (0001)."
    ),
) -> None:
    """Downgrade the schema (default: to an empty database)."""
    settings = get_settings()
    _check_schema(settings, newest=False)
    with _migrating(revision):
        db.downgrade(settings.database_url, revision)
    typer.echo(f"Database downgraded to {revision}.")


@contextmanager
def _migrating(revision: str) -> Iterator[None]:
    """Alembic's refusal of a target, in one line with the revisions there are. Alembic refuses
    before it migrates anything (an unknown name, before it reads the database: `db.upgrade`).
    A migration that refuses what the database holds (dates, quotes, measures it cannot carry
    over) says what to change; the run is one transaction, so nothing changed."""
    try:
        yield
    except CommandError as error:
        settings = get_settings()
        if isinstance(error.__cause__, ResolutionError):
            said = f"There is no schema revision {error.__cause__.argument!r}"
        else:  # Alembic's words, with where the database is, which they leave out
            at = ", ".join(sorted(schema_revisions(settings)[0])) or "base"
            said = f"Cannot move the schema from {at} to {revision!r} ({error})"
        known = ", ".join(db.revisions(settings.database_url))
        _fail(
            f"{said}. The revisions are {known} ('head' is the newest, 'base' no tables); "
            "nothing was changed."
        )
    except RuntimeError as error:  # a migration that refuses the rows it finds, saying why
        _fail(f"{error}\nNothing was changed: the schema is where it was.")


@cli.command()
def seed() -> None:
    """Load the seed articles' facts (upgrading the schema first if need be).

    Idempotent: a second run changes nothing."""
    settings = get_settings()
    db.upgrade(settings.database_url)
    engine = make_engine(settings)
    try:
        report = load_seed(engine)
    finally:
        engine.dispose()
    typer.echo(
        f"Seed: {report.files} source(s); {report.inserted} rows inserted, "
        f"{report.updated} updated, {report.deleted} deleted."
    )


@keys_cli.command("create")
def keys_create(
    name: str = typer.Option(..., help="What the key is for."),
    scope: list[Scope] = typer.Option(..., help="read, write or admin; repeat for several."),
) -> None:
    """Make an API key and print it once; only its hash is stored.

    Clients send it as 'Authorization: Bearer KEY'. Example: 'diplo keys create --name ci
    --scope write'."""
    with _database() as engine, write_transaction(engine) as connection:
        created = create_key(connection, name, scope)
    typer.echo(f"Key {created['id']} ({name}, scopes: {', '.join(created['scopes'])}):")
    typer.echo(created["key"])
    typer.echo("Keep it now: it cannot be shown again.", err=True)


@keys_cli.command("list")
def keys_list() -> None:
    """List the keys, one a line: id, name, scopes, created, active or revoked. No secrets."""
    with _database() as engine, engine.connect() as connection:
        keys = list_keys(connection)
    if not keys:  # on standard error: standard output stays a list (of none) for scripts
        typer.echo(f"There are no API keys yet. {CREATE_ONE}", err=True)
    for key in keys:
        state = f"revoked {_utc(key['revoked_at'])}" if key["revoked_at"] else "active"
        scopes = ",".join(key["scopes"])
        typer.echo(f"{key['id']}\t{key['name']}\t{scopes}\t{key['created_at']:%Y-%m-%d}\t{state}")


CREATE_ONE = "Create one with `diplo keys create --name NAME --scope write`."


def _utc(moment: dt.datetime) -> str:
    """A stored time as the CLI shows it; SQLite gives it back without its zone, UTC."""
    aware = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    return f"{aware:%Y-%m-%d %H:%M} UTC"


@keys_cli.command("revoke")
def keys_revoke(
    key_id: int = typer.Argument(..., metavar="ID", help="The key's id (from 'diplo keys list')."),
) -> None:
    """Revoke a key at once; it stays listed, as revoked.

    A key revoked already stays as it was: that is said, with when, and the exit code is 0,
    as the API's DELETE /v1/keys/ID answers 200 then, so scripts may revoke twice."""
    try:
        with _database() as engine, write_transaction(engine) as connection:
            before = get_key(connection, key_id)
            if before["revoked_at"] is None:
                revoke_key(connection, key_id)
    except NotFound:
        _fail(f"There is no API key with id {key_id}: `diplo keys list` shows their ids.")
    if before["revoked_at"] is not None:
        typer.echo(
            f"Key {key_id} ({before['name']}) was already revoked, on "
            f"{_utc(before['revoked_at'])}; nothing changed."
        )
        return
    typer.echo(f"Key {key_id} ({before['name']}) is revoked: it no longer works.")


@cli.command()
def restore(
    resource: str = typer.Argument(..., metavar="RESOURCE", help=f"One of: {RESOURCES}."),
    record_id: int = typer.Argument(..., metavar="ID", help="The deleted record's id."),
) -> None:
    """Bring a deleted record back from its history, with its id.

    Example: 'diplo restore events 12' (as POST /v1/events/12/restore does)."""
    spec = _write_spec(resource)
    try:
        with _database() as engine, write_transaction(engine) as connection:
            restore_record(connection, spec, record_id)
    except AppError as error:
        _fail(error.detail)
    typer.echo(f"Restored /v1/{resource}/{record_id}.")


EXTENSIONS = ", ".join(FILE_FORMATS)


@cli.command("import")
def import_file(
    resource: str = typer.Argument(
        ..., metavar="RESOURCE", help=f"What the file holds, one of: {RESOURCES}."
    ),
    path: Path = typer.Argument(
        ...,
        metavar="FILE",
        exists=True,
        dir_okay=False,
        readable=True,
        help=f"JSON (an array of records), NDJSON (one record a line) or CSV, told by the "
        f"name's ending: {EXTENSIONS}.",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check every row and count what would change; write nothing."
    ),
) -> None:
    """Import a file of records into the database, all or nothing.

    Every row is checked first: one bad row rejects the whole file, and each bad row is listed
    (row number, field, reason), exit code 1. A row with an 'id' updates that record; without
    one, the record with its 'ref'; with neither, it is a new record. So a file exported from
    the API (GET /v1/RESOURCE?format=csv) imports back unchanged, and importing a file twice
    changes nothing. The rules are those of POST /v1/RESOURCE/import; no server or key needed.

    Example: 'diplo import events events.csv --dry-run', then without --dry-run."""
    spec = _write_spec(resource)
    fmt = FILE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        _fail(
            f"Cannot import {path}: its name's ending tells its format, and must be one of "
            f"{EXTENSIONS}."
        )
    rows: list[dict[str, Any]] = []
    try:
        with _database() as engine:
            rows = parse(path.read_bytes(), fmt, spec.create_model, sent=False)
            with write_transaction(engine) as connection:
                report = import_rows(connection, spec, rows, dry_run=dry_run, fmt=fmt)
    except Unprocessable as error:
        bad = [problem for problem in error.errors if "row" in problem]
        if not bad:  # the whole file is refused: it holds no records
            _fail(
                f"{path} holds no records (it is empty, blank, `[]` or a CSV header alone), so "
                "nothing was imported."
            )
        lines = [
            f"  row {problem['row']}: {'.'.join(map(str, problem['loc'][2:]))}: {problem['msg']}"
            + ("" if problem["input"] is None else f" (got {echoed(problem['input'])})")
            for problem in bad
        ]
        invalid = len({problem["row"] for problem in bad})
        counted = f"{invalid} of {len(rows)} rows" if len(bad) < MAX_REPORTED else "rows"
        _fail(f"{path}: {counted} are invalid, so nothing was imported:\n" + "\n".join(lines))
    except AppError as error:
        _fail(f"Cannot import {path}: {error.detail}")
    verb = "would be" if dry_run else "were"
    typer.echo(
        f"{report.rows} rows: {report.created} {verb} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )


def _write_spec(resource: str) -> WriteSpec:
    if resource not in BY_RESOURCE:
        typer.echo(f"Unknown resource '{resource}'. It is one of: {RESOURCES}.", err=True)
        raise typer.Exit(2)
    return BY_RESOURCE[resource]


def main() -> None:
    try:
        cli()
    except ValidationError as error:
        if error.title != Settings.__name__:
            raise
        typer.echo(settings_problem(error), err=True)
        sys.exit(2)
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        _fail(f"Cannot use the database {shown(get_settings().database_url)}: {reason}")
    except CommandError as error:  # Alembic's, where no command says it better
        _fail(f"Cannot migrate the database {shown(get_settings().database_url)}: {error}")
