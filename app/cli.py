"""`diplo`: serve the API, migrate the database, load the seed.

A user's mistake (no database yet, an old schema, an unreachable server, a bad setting) is a
message saying what to do and exit code 1, never a traceback; and only the commands that set a
database up (`serve`, `db upgrade`, `seed`) may create one."""

import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
import uvicorn
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from uvicorn.supervisors.multiprocess import Multiprocess

from app import db
from app.config import Settings, get_settings
from app.db import make_engine, schema_revisions, shown, sqlite_file, write_transaction
from app.errors import AppError, NotFound, Unprocessable, pydantic_message
from app.kit.auth import Scope, create_key, list_keys, revoke_key
from app.kit.importing import format_of_file, import_rows, parse
from app.kit.writing import WriteSpec, restore_record
from app.loaders.seed import database_is_empty, load_seed
from app.registry import WRITE_SPECS

cli = typer.Typer(
    help="diplomacy-api: diplomatic-staffing data with verbatim provenance.", no_args_is_help=True
)
db_cli = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
keys_cli = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(keys_cli, name="keys")


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
    migrate: bool = typer.Option(True, help="Upgrade the schema to head first."),
) -> None:
    """Migrate, seed an empty database, and serve the API (HOST, PORT, WORKERS)."""
    settings = get_settings()
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
        access_log=False,  # the app writes its own (app/access_log.py)
        # asyncio's loop, not uvloop: under 32+ keep-alive connections uvloop serves some of
        # them late (p99 ~8x p50 on the list bench, bench/README.md); asyncio's stays ~1.1x
        # for ~3% fewer requests per second.
        loop="asyncio",
        http="httptools",
    )
    if config.workers > 1:
        Multiprocess(config, sockets=[_tcp_listener(config)]).run()
        return
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        raise typer.Exit(3)  # uvicorn's STARTUP_FAILURE


def _tcp_listener(config: uvicorn.Config) -> socket.socket:
    """The socket uvicorn binds for its workers, marked as TCP. uvicorn leaves its protocol at
    0, so asyncio does not set TCP_NODELAY on the connections it accepts, and with several
    workers each keep-alive request waited ~40 ms for a delayed ACK (Kludex/uvicorn#3149)."""
    bound = config.bind_socket()
    return socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())


@db_cli.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Upgrade the schema (default: to the newest revision)."""
    db.upgrade(get_settings().database_url, revision)
    typer.echo(f"Database upgraded to {revision}.")


@db_cli.command()
def downgrade(revision: str = typer.Argument("base", help="Target revision.")) -> None:
    """Downgrade the schema (default: to an empty database)."""
    settings = get_settings()
    _check_schema(settings, newest=False)
    db.downgrade(settings.database_url, revision)
    typer.echo(f"Database downgraded to {revision}.")


@cli.command()
def seed() -> None:
    """Upgrade the schema if need be, then load the seed articles' facts; idempotent, a second
    run changes nothing."""
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
    """Make a key and print it once; only its hash is stored."""
    with _database() as engine, write_transaction(engine) as connection:
        created = create_key(connection, name, scope)
    typer.echo(f"Key {created['id']} ({name}, scopes: {', '.join(created['scopes'])}):")
    typer.echo(created["key"])
    typer.echo("Keep it now: it cannot be shown again.", err=True)


@keys_cli.command("list")
def keys_list() -> None:
    """List keys: id, name, scopes, created, revoked. No secrets."""
    with _database() as engine, engine.connect() as connection:
        keys = list_keys(connection)
    for key in keys:
        state = f"revoked {key['revoked_at']:%Y-%m-%d %H:%M}" if key["revoked_at"] else "active"
        scopes = ",".join(key["scopes"])
        typer.echo(f"{key['id']}\t{key['name']}\t{scopes}\t{key['created_at']:%Y-%m-%d}\t{state}")


@keys_cli.command("revoke")
def keys_revoke(key_id: int = typer.Argument(..., help="The key's id (from `keys list`).")) -> None:
    """Revoke a key at once."""
    try:
        with _database() as engine, write_transaction(engine) as connection:
            revoke_key(connection, key_id)
    except NotFound as error:
        _fail(error.detail)
    typer.echo(f"Key {key_id} revoked.")


@cli.command()
def restore(
    resource: str = typer.Argument(..., help="As in the URL: missions, visa-disputes, …"),
    record_id: int = typer.Argument(..., help="The deleted record's id."),
) -> None:
    """Bring a deleted record back from its history, with its id."""
    spec = _write_spec(resource)
    try:
        with _database() as engine, write_transaction(engine) as connection:
            restore_record(connection, spec, record_id)
    except AppError as error:
        _fail(error.detail)
    typer.echo(f"Restored /v1/{resource}/{record_id}.")


@cli.command("import")
def import_file(
    resource: str = typer.Argument(..., help="As in the URL: missions, visa-disputes, …"),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON, NDJSON or CSV."),
    dry_run: bool = typer.Option(False, help="Check every row; write nothing."),
) -> None:
    """Import a file of records, all or nothing (the same rules as POST …/import)."""
    spec = _write_spec(resource)
    try:
        with _database() as engine:
            rows = parse(path.read_bytes(), format_of_file(path.name), spec.create_model)
            with write_transaction(engine) as connection:
                report = import_rows(connection, spec, rows, dry_run=dry_run)
    except Unprocessable as error:
        typer.echo(error.detail, err=True)
        for problem in error.errors:
            if "row" in problem:  # not so when the whole file is refused (no records)
                field = ".".join(str(part) for part in problem["loc"][2:])
                got = "" if problem["input"] is None else f" (got {problem['input']!r})"
                typer.echo(f"  row {problem['row']}: {field}: {problem['msg']}{got}", err=True)
        raise typer.Exit(1) from error
    except AppError as error:
        _fail(error.detail)
    verb = "would be" if dry_run else "were"
    typer.echo(
        f"{report.rows} rows: {report.created} {verb} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )


def _write_spec(resource: str) -> WriteSpec:
    specs = {spec.resource: spec for spec in WRITE_SPECS}
    if resource not in specs:
        typer.echo(f"Unknown resource '{resource}'. One of: {', '.join(sorted(specs))}", err=True)
        raise typer.Exit(2)
    return specs[resource]


def main() -> None:
    try:
        cli()
    except ValidationError as error:
        if error.title != Settings.__name__:
            raise
        wrong = "; ".join(
            f"{str(e['loc'][0]).upper()}: {pydantic_message(e)}" for e in error.errors()
        )
        _fail(f"A setting is wrong: {wrong}.")
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        _fail(f"Cannot use the database {shown(get_settings().database_url)}: {reason}")
