"""`diplo`: serve the API, migrate the database, load the seed."""

import typer
import uvicorn

from app import schema
from app.config import get_settings
from app.db import make_engine
from app.seed import database_is_empty, load_seed

cli = typer.Typer(
    help="diplomacy-api: diplomatic-staffing data with verbatim provenance.", no_args_is_help=True
)
db_cli = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


@cli.command()
def serve(
    migrate: bool = typer.Option(True, help="Upgrade the schema to head first."),
) -> None:
    """Migrate, seed an empty database, and serve the API (HOST, PORT, WORKERS)."""
    settings = get_settings()
    if migrate:
        schema.upgrade(settings.database_url)
    if settings.seed_on_start:
        engine = make_engine(settings)
        try:
            if database_is_empty(engine):
                report = load_seed(engine)
                typer.echo(f"Seeded {report.inserted} rows from {report.files} source(s).")
        finally:
            engine.dispose()
    typer.echo(f"Serving on http://{settings.host}:{settings.port} (docs at /docs)")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        loop="uvloop",
        http="httptools",
    )


@db_cli.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Upgrade the schema (default: to the newest revision)."""
    schema.upgrade(get_settings().database_url, revision)
    typer.echo(f"Database upgraded to {revision}.")


@db_cli.command()
def downgrade(revision: str = typer.Argument("base", help="Target revision.")) -> None:
    """Downgrade the schema (default: to an empty database)."""
    schema.downgrade(get_settings().database_url, revision)
    typer.echo(f"Database downgraded to {revision}.")


@cli.command()
def seed() -> None:
    """Load the seed articles' facts; idempotent, a second run changes nothing."""
    engine = make_engine(get_settings())
    try:
        report = load_seed(engine)
    finally:
        engine.dispose()
    typer.echo(
        f"Seed: {report.files} source(s); {report.inserted} rows inserted, "
        f"{report.updated} updated, {report.deleted} deleted."
    )


def main() -> None:
    cli()
