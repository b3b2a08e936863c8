"""Each worker keeps the answers to anonymous GETs of `/v1` until the data changes
(docs/live.md, "Response cache"): a repeated request costs a dictionary lookup, not a query.

An answer is kept with the data version the worker knew when the request came in
(`Hub.version`: the newest change it has read from the log or committed itself), and served
while that version holds. So it is never older than what the worker knows: its own writes
show at once (read-your-writes), others' once the worker has read their change (on
PostgreSQL at the notification, on SQLite within `STREAM_POLL_SECONDS`). The day is part of
the version too, as some answers depend on it ("the last talks held today or earlier").

Requests that miss while the same answer is being made for the same version wait for it and
share it, rather than each making it again (right after a write, every client polling a view
misses at once: under bench.load, each of the views a new event moves was being made by a
few requests side by side).

A request with `Cache-Control: no-cache` is answered afresh (and the answer kept). The version
is that of the resources a view shows (`SHOWS`): a new event moves the events, the timeline and
the relations, and the missions stay kept.

Kept: 200 answers of a single body up to `MAX_BODY` bytes (not CSV or NDJSON exports, which
stream, nor change streams, which never end: a request that misses with one of those in the
making makes its own at once), to requests without `Authorization` (what a key may read
differs) or `Range`. The key is the method, scheme, host, path, query and `Accept`. A hit
answers `If-None-Match` with a 304 itself. `X-Cache` says `hit` or `miss`. Pure ASGI,
innermost: the middleware around it (CORS, Cache-Control, the rate limit, the access log)
treats a hit as any answer."""

import asyncio
import datetime as dt
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.kit.etags import etag_matches

MAX_BODY = 1 << 20


def showing(resources: Iterable[str]) -> frozenset[str]:
    """What a view (or a part of one) of these resources shows: them, and the sources their
    citations name."""
    return frozenset({"sources", *resources})


# What each view shows, by the first segment of its path: the resources (as the change log
# names them) whose changes can alter its answers. Every record embeds citations, hence
# `sources`; a view not named here (sources with their facts, citations, countries, changes,
# data sets) moves with every change. Checked in tests/test_live.py, which writes each resource
# and compares every view's kept answer with a fresh one.
SHOWS: dict[str, frozenset[str]] = {
    segment: showing(resources)
    for segment, resources in {
        "headcounts": {"headcounts"},
        "measures": {"measures"},
        "expulsions": {"measures"},
        "missions": {"missions"},
        "representations": {"representations"},
        "world": {"representations", "missions"},
        "events": {"events"},
        "talks": {"talks", "officials"},  # participants and speakers by name
        "visa-disputes": {"visa-disputes"},
        "officials": {"officials", "posts"},  # an official's posts
        "posts": {"posts"},
        "timeline": {"events", "measures", "talks", "visa-disputes", "missions", "headcounts"},
        "relations": {
            "missions",
            "headcounts",
            "measures",
            "visa-disputes",
            "talks",
            "officials",
            "events",
        },
    }.items()
}
Key = tuple[str, str, str, bytes, bytes | None, bytes | None]


@dataclass(frozen=True, slots=True)
class Kept:
    version: tuple[int, dt.date]
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str | None


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def fresh_asked(cache_control: str | bytes | None) -> bool:
    """The request's `Cache-Control` says `no-cache` (or `no-store`): answered afresh (and
    that answer kept)."""
    if cache_control is None:
        return False
    asked = cache_control.encode() if isinstance(cache_control, str) else cache_control
    return b"no-cache" in asked or b"no-store" in asked


class ResponseCache:
    def __init__(self, app: ASGIApp, entries: int) -> None:
        self.app = app
        self.entries = entries
        self.kept: OrderedDict[Key, Kept] = OrderedDict()
        self.making: dict[Key, tuple[tuple[int, dt.date], asyncio.Future[Kept | None]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith("/v1/")
            or _header(scope, b"authorization") is not None
            or _header(scope, b"range") is not None  # a part of a text, not the whole
        ):
            await self.app(scope, receive, send)
            return
        shows = SHOWS.get(scope["path"][4:].partition("/")[0])
        version = (scope["app"].state.hub.version(shows), dt.datetime.now(dt.UTC).date())
        # The host and scheme too: a page's `Link` names them.
        key = (
            scope["method"],
            scope["scheme"],
            scope["path"],
            scope["query_string"],
            _header(scope, b"host"),
            _header(scope, b"accept"),
        )
        fresh = fresh_asked(_header(scope, b"cache-control"))
        kept = None if fresh else self.kept.get(key)
        if kept is not None and kept.version == version:
            self.kept.move_to_end(key)
            await self._answer(scope, kept, send)
            return
        making = None if fresh else self.making.get(key)
        if making is not None and making[0] == version:
            shared = await asyncio.shield(making[1])
            if shared is not None:
                await self._answer(scope, shared, send)
                return
        made: asyncio.Future[Kept | None] = asyncio.get_running_loop().create_future()
        self.making[key] = (version, made)
        try:
            await self.app(scope, receive, self._keeping(key, version, send, made))
        finally:
            if not made.done():
                made.set_result(None)
            if self.making.get(key, (None, None))[1] is made:
                del self.making[key]

    async def _answer(self, scope: Scope, kept: Kept, send: Send) -> None:
        asked = _header(scope, b"if-none-match")
        if kept.etag is not None and asked is not None and etag_matches(asked.decode(), kept.etag):
            headers = [(b"etag", kept.etag.encode()), (b"x-cache", b"hit")]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": kept.headers})
        await send({"type": "http.response.body", "body": kept.body})

    def _keeping(
        self,
        key: Key,
        version: tuple[int, dt.date],
        send: Send,
        made: asyncio.Future[Kept | None],
    ) -> Send:
        start: Message | None = None

        def not_shared() -> None:
            """Requests waiting for this answer make their own, now: it is not one to keep."""
            if not made.done():
                made.set_result(None)

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                # A copy, as the app made it: the middleware around this one adds its headers
                # to the message as it passes, and adds them again to a hit.
                start = {**message, "headers": list(message.get("headers", []))}
                message["headers"] = [*message.get("headers", []), (b"x-cache", b"miss")]
                if start["status"] != 200 or _is_stream(start):
                    # A change stream never ends: a second viewer of the same stream waited
                    # for it without an answer.
                    start = None
                    not_shared()
            elif start is not None:
                body = message.get("body", b"")
                if not message.get("more_body") and len(body) <= MAX_BODY:
                    headers, etag = _with_hit(start)
                    kept = Kept(version, headers, body, etag)
                    self._store(key, kept)
                    if not made.done():
                        made.set_result(kept)
                else:
                    not_shared()  # a streamed body (an export) is not kept, nor waited for
                start = None
            await send(message)

        return keep

    def _store(self, key: Key, kept: Kept) -> None:
        self.kept[key] = kept
        self.kept.move_to_end(key)
        while len(self.kept) > self.entries:
            self.kept.popitem(last=False)


def _is_stream(start: Message) -> bool:
    """Server-Sent Events (`/v1/changes/stream`), whose body never ends."""
    return any(
        name == b"content-type" and value.startswith(b"text/event-stream")
        for name, value in start.get("headers", [])
    )


def _with_hit(start: Message) -> tuple[list[tuple[bytes, bytes]], str | None]:
    """The headers a hit answers with, and the ETag among them."""
    headers = [(k, v) for k, v in start["headers"] if k != b"x-cache"] + [(b"x-cache", b"hit")]
    etag = next((v.decode() for k, v in headers if k == b"etag"), None)
    return headers, etag
