"""Security headers on every response, and HEAD answered as GET without the body.

A pure ASGI middleware: the headers are precomputed byte pairs appended to the response's
start message, so it costs one list concatenation a request. The data under /v1 (JSON, CSV,
NDJSON) is never a document that should load anything, so it gets `default-src 'none'`; the
HTML pages (docs, dashboard) get only `frame-ancestors 'none'`, since Swagger UI runs an inline
script. HSTS goes only on requests that came over HTTPS (as the proxy headers say).
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
DATA = [*COMMON, (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")]
PAGES = [*COMMON, (b"content-security-policy", b"frame-ancestors 'none'")]
HSTS = (b"strict-transport-security", b"max-age=31536000")
HEADERS = {  # (under /v1, over HTTPS) → headers
    (True, False): DATA,
    (False, False): PAGES,
    (True, True): [*DATA, HSTS],
    (False, True): [*PAGES, HSTS],
}


class Hardening:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = HEADERS[scope["path"].startswith("/v1/"), scope["scheme"] == "https"]
        head = scope["method"] == "HEAD"
        if head:  # every GET answers HEAD too, with the same headers (RFC 9110 §9.3.2)
            scope = {**scope, "method": "GET"}

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            elif head:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(scope, receive, send_hardened)
