"""Each worker's watch of the change log, which its change streams share (docs/live.md).

The change log stays the truth: the watch only learns sooner that it grew. On PostgreSQL every
write notifies `CHANNEL` at its commit and each worker LISTENs (and checks every second, in case
a notification was lost while it reconnected); on SQLite each worker checks the log's newest id
every `STREAM_POLL_SECONDS`. Either way, one worker reads each new change once, into a ring of
the newest `RING` changes already encoded as events, and wakes its streams: a thousand streams
cost one query, not a thousand. A stream further behind than the ring reads its backlog from
the log a page at a time, off the event loop.
"""

import asyncio
import contextlib
import logging
import threading
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sse_starlette import ServerSentEvent

from app.config import Settings
from app.db import make_engine, single_statement
from app.kit.changelog import CHANNEL, changes_after, public, version

RING = 10_000
PAGE = 1000
LOST_NOTIFICATION_SECONDS = 1.0
log = logging.getLogger("diplo.live")


@dataclass(frozen=True, slots=True)
class Entry:
    """One change, as a stream sends it."""

    id: int
    resource: str
    countries: frozenset[str]
    event: bytes  # the whole SSE event, encoded once for every stream


def countries_of(snapshots: Iterable[Any]) -> frozenset[str]:
    """The countries a change involves: every `…country` and `countries` value of the record
    before and after it (whole records, not only what changed)."""
    found: set[str] = set()
    for snapshot in snapshots:
        for key, value in (snapshot or {}).items():
            if key == "countries" and isinstance(value, list):
                found.update(code for code in value if isinstance(code, str))
            elif key.endswith("country") and isinstance(value, str):
                found.add(value)
    return frozenset(found)


def entry(row: Any) -> Entry:
    change = public(row)
    data = orjson.dumps(change, option=orjson.OPT_NAIVE_UTC).decode()
    return Entry(
        row["id"],
        row["resource"],
        countries_of((row["before"], row["after"])),
        ServerSentEvent(data=data, id=str(row["id"]), event="change").encode(),
    )


def _read_after(engine: Engine, position: int, limit: int = PAGE) -> list[Entry]:
    """Up to `limit` changes after `position`, from the log (run in a thread)."""
    with _connect(engine) as connection:
        return [entry(row) for row in changes_after(connection, position, limit)]


def _connect(engine: Engine) -> Connection:
    """A connection for one read statement: no transaction around it on either database (the
    hub's PostgreSQL engine is autocommit)."""
    connection = engine.connect()
    if connection.dialect.name == "sqlite":
        single_statement(connection)
    return connection


def _newest(engine: Engine) -> int:
    with _connect(engine) as connection:
        return version(connection)


class Hub:
    """One per worker: the newest changes, and an event set each time more arrive."""

    def __init__(self, settings: Settings) -> None:
        # Its own connection, not one of the requests' pool (nor counted among their queries).
        self.engine = make_engine(settings.model_copy(update={"db_pool_size": 1}), autocommit=True)
        self.settings = settings
        self.newest = 0  # every change up to here has been read
        self.start = 0  # the ring holds every change after this one
        self.ids: list[int] = []
        self.ring: list[Entry] = []
        self.streams = 0
        self.written = 0  # the newest change this worker's own writes committed
        self.floor = 0  # the newest change when the watch opened: any resource's version
        self.touched: dict[str, int] = {}  # resource → its newest change known (read or written)
        self._written_lock = threading.Lock()
        self._moved = asyncio.Event()
        self._poked = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def version(self, resources: Iterable[str] | None = None) -> int:
        """The newest change this worker knows of: read from the log, or committed by its own
        writes (known at their commit, before the watch reads them; every lower id is
        committed by then, as ids become visible in order). Given `resources`, the newest
        change of any of them: a number that moves whenever one of them changes (not at every
        other change), never below the log's newest when the watch opened."""
        if resources is None:
            return max(self.newest, self.written)
        return max(self.floor, *(self.touched.get(resource, 0) for resource in resources))

    def wrote(self, change: int, resources: Iterable[str] = ()) -> None:
        """A write of this worker has committed, its newest change `change`, of `resources`
        (called from any thread): the response cache's version moves at once, and the watch
        reads the change now rather than at its next check."""
        with self._written_lock:
            self.written = max(self.written, change)
            self._touch(resources, change)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._poked.set)

    def _touch(self, resources: Iterable[str], change: int) -> None:
        for resource in resources:
            if self.touched.get(resource, 0) < change:
                self.touched[resource] = change

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        try:
            self.newest = self.start = self.floor = _newest(self.engine)
        except Exception as error:  # the database is down: the watch retries; streams wait
            log.warning("change log unreadable (%s); the watch will retry", type(error).__name__)
        self._task = asyncio.create_task(self._watch())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.engine.dispose()

    def moved(self) -> asyncio.Event:
        """Set when changes after the current `newest` arrive (take it before reading)."""
        return self._moved

    def after(self, position: int) -> Sequence[Entry] | None:
        """The changes after `position` the ring holds; None when it no longer reaches back
        that far (read the backlog from the log)."""
        if position < self.start:
            return None
        return self.ring[bisect_right(self.ids, position) :]

    async def stored(self) -> int:
        """The newest change in the log (read now, off the event loop)."""
        return await asyncio.to_thread(_newest, self.engine)

    async def backlog(self, position: int) -> list[Entry]:
        return await asyncio.to_thread(_read_after, self.engine, position)

    async def catch_up(self) -> None:
        """Reads every change after `newest` into the ring, then wakes the streams."""
        arrived = False
        while True:
            page = await asyncio.to_thread(_read_after, self.engine, self.newest)
            if not page:
                break
            self.ring += page
            self.ids += [change.id for change in page]
            with self._written_lock:
                for change in page:
                    self._touch((change.resource,), change.id)
            self.newest = page[-1].id
            arrived = True
            if len(page) < PAGE:
                break
        if not arrived:
            return
        if len(self.ring) > 2 * RING:  # trimmed now and then, not on every change
            self.start = self.ids[-RING - 1]
            del self.ring[:-RING], self.ids[:-RING]
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    async def _watch(self) -> None:
        if self.engine.dialect.name == "postgresql":
            await self._listen()
        else:
            await self._poll(self.settings.stream_poll_seconds)

    async def _poll(self, seconds: float) -> None:
        while True:
            try:
                if _newest(self.engine) > self.newest:
                    await self.catch_up()
            except Exception as error:  # one line, as the app logs a database it cannot reach
                log.warning("change log unreadable (%s); retrying", type(error).__name__)
            await self._nap(seconds)

    async def _nap(self, seconds: float) -> None:
        """Until the next check, or until this worker writes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._poked.wait(), seconds)
        self._poked.clear()

    async def _listen(self) -> None:
        url = make_url(self.engine.url).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True, connect_timeout=self.settings.db_connect_timeout
                ) as listener:
                    await listener.execute(f"LISTEN {CHANNEL}")
                    await self.catch_up()  # what was written before the LISTEN took hold
                    while True:
                        async for _ in listener.notifies(
                            timeout=LOST_NOTIFICATION_SECONDS, stop_after=1
                        ):
                            pass
                        await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("change notifications stopped (%s); reconnecting", type(error).__name__)
                await asyncio.sleep(LOST_NOTIFICATION_SECONDS)
