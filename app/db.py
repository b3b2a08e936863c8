"""The database: engine per settings, SQLite pragmas, connections, and the schema migrations
(Alembic owns the schema: upgrade and downgrade for the CLI, the server and tests)."""

import re
import sqlite3
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial, wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import Request
from psycopg.errors import QueryCanceled
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from starlette.concurrency import run_in_threadpool

from app.config import Settings

P = ParamSpec("P")
T = TypeVar("T")


SCRATCH = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_scratch USING fts5(title, body, kind, "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_scratch_places "
    "USING fts5vocab(temp, search_scratch, instance)",
)
"""SQLite: the scratch FTS5 table of each connection (`kit.common_words.scratch`) and its
vocabulary, made when it connects, outside any transaction. Made by a search in its read
transaction, they were dropped again by its rollback, and that connection's next statement
read the whole schema anew (its cached statements expired): 2.5 ms of `version()` after
each `united states` or `charg*`."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the sqlite3 module, says when transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    for statement in SCRATCH:
        cursor.execute(statement)
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A write transaction takes the write lock up front (BEGIN IMMEDIATE): two writers then
    # queue on busy_timeout instead of one failing with "database is locked" mid-transaction.
    # A read of one statement needs no transaction (`single_statement`): skip the BEGIN.
    mode = connection.get_execution_options().get("sqlite_begin", "")
    if mode != "none":
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def make_engine(settings: Settings, *, autocommit: bool = False) -> Engine:
    """One engine per process; SQLite gets its pragmas, PostgreSQL a bounded pool (of
    autocommit connections, for an engine that only reads a statement at a time)."""
    url = make_url(settings.database_url)
    if settings.is_sqlite:
        if (path := sqlite_file(settings.database_url)) is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 5},
            json_deserializer=orjson.loads,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return _postgres_engine(settings, settings.db_pool_size, autocommit=autocommit)


PLANS = "-c plan_cache_mode=force_custom_plan"
"""Every execution of a prepared statement planned for its own values (docs/live.md, "A plan
for each value"). psycopg prepares a statement on the server after its fifth run; PostgreSQL
then plans it once for any values, from their average, and keeps that generic plan when it
looks no dearer. Our values are anything but average: RU and US are in most events. The
relation's latest events, kept generic, hashed every RU and US event (12 ms at 10,000 and
growing with every write; 0.15 ms with their own plan), and a mixed load on a fresh database
slowed by a third in a minute."""


def _postgres_engine(
    settings: Settings,
    pool_size: int,
    *,
    autocommit: bool = False,
    options: str = "",
    **connect_args: Any,
) -> Engine:
    """A PostgreSQL engine that keeps `pool_size` connections, pinged only when idle, whose
    statements are planned for their values (`PLANS`) unless the URL's `options` say
    otherwise; the engine's own `options` come last."""
    url = make_url(settings.database_url)
    given = url.query.get("options", ())
    given = (given,) if isinstance(given, str) else given
    connect_args["options"] = " ".join(part for part in (PLANS, *given, options) if part)
    engine = create_engine(
        url,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
        # As many connections as the pool keeps: an overflow connection is opened and closed
        # again per request under load (a PostgreSQL backend each time).
        pool_size=pool_size,
        max_overflow=0,
        connect_args={"connect_timeout": settings.db_connect_timeout, **connect_args},
        # JSON columns (citations' `supports`, the change log's snapshots) read by orjson, not
        # the standard library's json: a tenth of an uncached timeline page's time was there.
        json_deserializer=orjson.loads,
    )
    event.listen(engine.pool, "checkin", partial(_checked_in, engine.pool))
    event.listen(engine.pool, "checkout", partial(_ping_if_idle, engine))
    event.listen(engine.pool, "checkout", _untimed)
    return engine


def make_keys_engine(settings: Settings) -> Engine | None:
    """On PostgreSQL, two connections per worker of its own for checking API keys, which the
    event loop may use without waiting for the request pool (`quick_read_now`; docs/live.md,
    "A key checked on the event loop"). A statement on them gives up after a second, waiting
    for a lock or not, and so does a connection whose server stops acknowledging: the event
    loop waits that long at most. None on SQLite, whose reads are local calls."""
    if settings.is_sqlite:
        return None
    return _postgres_engine(
        settings,
        2,
        autocommit=True,  # one read a statement: no BEGIN, no ROLLBACK
        options="-c statement_timeout=1000 -c lock_timeout=1000",
        tcp_user_timeout=1000,
    )


def quick_read_now(engine: Engine) -> bool:
    """Whether a read of one row by an index may run on the event loop now: the pool holds a
    free connection, and one came back to it less than `IDLE_PING_SECONDS` ago, so that the
    read makes no connection attempt, no ping and no wait for a connection, only its round
    trip to a server in steady use."""
    pool: Any = engine.pool
    recent = time.monotonic() - _LAST_CHECKIN.get(id(pool), 0.0) < IDLE_PING_SECONDS
    return recent and int(pool.checkedin()) > 0


_LAST_CHECKIN: dict[int, float] = {}
"""Per pool (by id), when a connection last came back to it."""


IDLE_PING_SECONDS = 1.0
"""A pooled connection idle this long is pinged before use (a restarted server has closed
it); one in steady use is not (a ping is a round trip: a sixth of a list page's time)."""


def _checked_in(pool: Any, _dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in"] = _LAST_CHECKIN[id(pool)] = time.monotonic()


def _ping_if_idle(engine: Engine, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """SQLAlchemy's pessimistic disconnect handling (`pool_pre_ping`), for idle connections
    only: a dead one is replaced before the request sees it."""
    if time.monotonic() - record.info.get("checked_in", 0.0) < IDLE_PING_SECONDS:
        return
    try:
        alive = engine.dialect.do_ping(dbapi_connection)
    except engine.dialect.loaded_dbapi.Error as error:
        raise DisconnectionError() from error
    if not alive:
        raise DisconnectionError()


LAST_CHANGE = "diplo.last_change"
"""Where `record_changes` leaves, on the connection, the id of the newest change it logged and
the resources it logged changes of."""


@contextmanager
def write_transaction(
    engine: Engine, committed: Callable[[int, frozenset[str]], None] | None = None
) -> Iterator[Connection]:
    """One write, one transaction: committed on success, rolled back on any error. Once it
    has committed, `committed` gets the id of the newest change it logged and the resources
    it changed (if it logged any)."""
    with engine.connect() as connection:
        connection.execution_options(sqlite_begin="IMMEDIATE")
        connection.info.pop(LAST_CHANGE, None)
        with connection.begin():
            yield connection
        change = connection.info.pop(LAST_CHANGE, None)
    if committed is not None and change is not None:
        committed(*change)


@contextmanager
def request_write(request: Request) -> Iterator[Connection]:
    """The write of an API request: one transaction, as `write_transaction`; once it has
    committed, the worker is told (`app.state.hub.wrote`), so that its response cache forgets
    what it held (read-your-writes) and its change streams look for the change at once."""
    with write_transaction(get_engine(request), request.app.state.hub.wrote) as connection:
        yield connection


def single_statement(connection: Connection) -> None:
    """Says that this connection will run one read statement only, which is consistent on
    its own: on SQLite, no BEGIN and ROLLBACK around it (a tenth of a list request)."""
    connection.execution_options(sqlite_begin="none")


TIMED = "diplo.statement_timeout"
"""On a PostgreSQL connection's pool record: the `statement_timeout` it was left with."""
SEARCHING: ContextVar[bool] = ContextVar("diplo.searching", default=False)
"""Whether the request (its thread or task) searches (`q`), set by `read_connection`."""


@contextmanager
def time_limited(connection: Connection, milliseconds: int, kept: bool = False) -> Iterator[None]:
    """Statements on `connection` stop (OperationalError, `timed_out`) once they have run that
    long: PostgreSQL's `statement_timeout`, SQLite's progress handler (which FTS5's own work
    heeds too). The connection is left as it was; on PostgreSQL, if `kept`, it keeps the
    limit for the next request that searches (`SEARCHING`), and any other resets it when it
    takes the connection (`_untimed`): a SET and a RESET each time were two round trips, 0.24
    ms of a 2 ms search."""
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        info = connection.connection.info
        kept = kept and raw.autocommit  # type: ignore[union-attr]  # (a rollback undoes a SET)
        if info.get(TIMED) != milliseconds:
            raw.execute(f"SET statement_timeout = {int(milliseconds)}")  # type: ignore[union-attr]
            info[TIMED] = milliseconds
        try:
            yield
        finally:
            if not kept:
                # A transaction the limit stopped is rolled back, and its SET with it.
                if raw.info.transaction_status != TransactionStatus.INERROR:  # type: ignore[union-attr]
                    raw.execute("RESET statement_timeout")  # type: ignore[union-attr]
                del info[TIMED]
        return
    deadline = time.monotonic() + milliseconds / 1000
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)  # type: ignore[union-attr]
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)  # type: ignore[union-attr]


def untimed(connection: Connection) -> None:
    """PostgreSQL: `connection` without a time limit a search left on it (`time_limited`),
    whoever takes it (an export's batches, which may run long)."""
    if connection.dialect.name == "postgresql" and TIMED in connection.connection.info:
        _reset(connection.connection.dbapi_connection, connection.connection)


def _untimed(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """PostgreSQL: a connection left with a search's time limit (`time_limited`) is reset when
    anything but a search takes it."""
    if TIMED in record.info and not SEARCHING.get():
        _reset(dbapi_connection, record)


def _reset(dbapi_connection: Any, record: Any) -> None:
    """The connection's `statement_timeout` back to the server's, outside a transaction."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # not in a transaction that a rollback undoes
    dbapi_connection.execute("RESET statement_timeout")
    dbapi_connection.autocommit = autocommit
    del record.info[TIMED]


def timed_out(error: OperationalError) -> bool:
    """Whether a statement stopped for `time_limited`'s limit (not for any other reason)."""
    if isinstance(error.orig, sqlite3.OperationalError):
        return str(error.orig) == "interrupted"
    return isinstance(error.orig, QueryCanceled)


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def reads(endpoint: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """A read endpoint, run where it costs least (docs/live.md, "Reads off the event loop"):
    on PostgreSQL in the thread pool, so that a query waiting on the server never holds up
    the worker's other requests; on SQLite on the event loop, where a read is a local call of
    a millisecond or two that holds the GIL throughout, and the thread hop (and threads taking
    turns at the GIL) halved the requests a second. The endpoint takes `request`."""

    @wraps(endpoint)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        request = kwargs["request"]
        assert isinstance(request, Request)
        if get_engine(request).dialect.name == "sqlite":
            return endpoint(*args, **kwargs)
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


def read_connection(request: Request) -> Connection:
    """A connection for read-only Core queries, used as `with read_connection(request) as c:`
    in an endpoint made by `reads` (on SQLite, the event loop; on PostgreSQL, a thread).

    On PostgreSQL it reads in autocommit: no BEGIN and ROLLBACK round trips around the reads.
    Under READ COMMITTED, a transaction gave each statement its own snapshot anyway."""
    SEARCHING.set(bool(request.query_params.get("q")))
    return reading(get_engine(request))


def reading(engine: Engine) -> Connection:
    """A connection of `engine` for reads, as `read_connection` makes them."""
    connection = engine.connect()
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """Alembic owns the schema: its configuration, for the CLI, the server and tests."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "file_template",
        "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s",
    )
    config.attributes["database_url"] = database_url
    return config


# A target relative to where the database is (`+1`, `-1`, `0001+1`): known only once it is read.
RELATIVE = re.compile(r".*[+-][0-9]+")


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrates to a revision; at the head, also works out the timelines of missions whose
    statuses were written before revision 0009 kept timelines (the app's own rule, which
    reads the head's columns: no migration runs it)."""
    config = alembic_config(database_url)
    _known(config, revision)
    command.upgrade(config, revision)
    if revision == "head":
        from app.missions import timeline  # the models import this module's neighbours

        engine = make_engine(Settings(database_url=database_url))
        try:
            with write_transaction(engine) as connection:
                timeline.rebuild_missing(connection)
        finally:
            engine.dispose()


def downgrade(database_url: str, revision: str = "base") -> None:
    config = alembic_config(database_url)
    _known(config, revision)
    command.downgrade(config, revision)


def _known(config: Config, revision: str) -> None:
    """Alembic's CommandError for a target the migrations do not have, before the database is
    touched (Alembic would connect first, and so create a SQLite file that is not there)."""
    if not RELATIVE.fullmatch(revision):
        ScriptDirectory.from_config(config).get_revisions(revision)


def revisions(database_url: str) -> list[str]:
    """The schema's revisions, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def shown(database_url: str) -> str:
    """The URL as messages show it: no password, and a SQLite path made absolute (a relative
    one is relative to the current folder, which is what surprises)."""
    url, path = make_url(database_url), sqlite_file(database_url)
    if path is not None:
        url = url.set(database=str(path.resolve()))
    return url.render_as_string(hide_password=True)


def schema_revisions(settings: Settings) -> tuple[set[str], set[str]]:
    """The database's schema revisions (none: no tables yet) and the code's (the newest)."""
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(alembic_config(settings.database_url))
    return current, set(script.get_heads())
