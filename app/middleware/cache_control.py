"""`Cache-Control` on reads, so that a dashboard polled by many viewers can sit behind a shared
cache: a successful anonymous GET may be kept `CACHE_MAX_AGE` seconds (then revalidated with its
ETag). Pure ASGI, not BaseHTTPMiddleware: this wraps every request (docs/design.md,
"Performance")."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PRIVATE = b"private, no-cache"  # answers that depend on the API key sent
UNCACHED = b"no-store"  # probes: a cached "ready" says nothing
PROBES = ("/healthz", "/readyz")


class CacheControl:
    def __init__(self, app: ASGIApp, max_age: int) -> None:
        self.app = app
        self.public = (f"public, max-age={max_age}" if max_age else "public, no-cache").encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if scope["path"] in PROBES:
            value = UNCACHED
        elif any(name == b"authorization" for name, _ in scope["headers"]):
            value = PRIVATE
        else:
            value = self.public

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", [])
                cacheable = 200 <= status < 300 or status == 304
                if cacheable and not any(name == b"cache-control" for name, _ in headers):
                    message["headers"] = [*headers, (b"cache-control", value)]
            await send(message)

        await self.app(scope, receive, send_with_header)
