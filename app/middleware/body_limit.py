"""The request body limit: a body over `MAX_BODY_BYTES` (`MAX_IMPORT_BYTES` for imports) is a 413.

A pure ASGI middleware. GET, HEAD and OPTIONS pass straight through, since no endpoint of
ours reads their body (the list path pays one set lookup). A declared `Content-Length` over
the limit is answered at once, without reading; a chunked body is counted as it is read and
refused at the first chunk past the limit, so it never sits in memory whole.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ContentTooLarge, send_problem, too_large

NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, import_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.import_max_bytes = import_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in NO_BODY:
            await self.app(scope, receive, send)
            return
        limit = self.import_max_bytes if scope["path"].endswith("/import") else self.max_bytes
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > limit:  # the server refuses a bad one
                    await send_problem(scope, send, 413, too_large(limit))
                    return
                break
        received = 0

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ContentTooLarge(limit)
            return message

        await self.app(scope, receive_counted, send)
