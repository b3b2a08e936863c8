"""The access log: one JSON line a request, on standard output.

uvicorn's own access log goes through `logging` and flushes a formatted line per request, which
cost about a sixth of a list request's time (docs/design.md, "Performance"; bench/README.md).
This one is a pure ASGI middleware that appends a line to a buffer and writes the buffer out at
most every `FLUSH_SECONDS` (and at exit), so a busy worker makes one write a flush, not one a
request."""

import asyncio
import atexit
import datetime as dt
import sys
import time

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FLUSH_SECONDS = 0.5


class Lines:
    """Lines waiting to be written; one per process, written at least every `FLUSH_SECONDS`."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.flush_pending = False
        atexit.register(self.flush)

    def add(self, line: bytes) -> None:
        self.lines.append(line)
        if not self.flush_pending:
            self.flush_pending = True
            try:
                asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)
            except RuntimeError:  # no running loop: write now
                self.flush()

    def flush(self) -> None:
        self.flush_pending = False
        if not self.lines:
            return
        lines, self.lines = self.lines, []
        sys.stdout.write(b"".join(lines).decode())
        sys.stdout.flush()


LINES = Lines()


class AccessLog:
    """`{"time", "client", "method", "path", "status", "ms"}` per HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            query = scope.get("query_string", b"")
            client = scope.get("client")
            line = {
                "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                "client": f"{client[0]}:{client[1]}" if client else None,
                "method": scope["method"],
                "path": scope["path"] + ("?" + query.decode("latin-1") if query else ""),
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 2),
            }
            LINES.add(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
