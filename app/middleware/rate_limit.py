"""Rate limits per client address and per API key: a 429 problem with `Retry-After`.

Both use the sliding-window counter: this window's count plus the previous window's, weighted
by how much of it still lies within the last period. As smooth as a moving window, at the cost
of two counters a key.

With `REDIS_URL` the counters live in Redis, through the `limits` library (atomic scripts), so
every worker and container shares them. Without it each process counts on its own, in a dict:
limits' in-memory storage sweeps every key it holds after each hit (measured: 2.3 ms a request
with 10,000 clients), so this keeps O(1) counters of its own and drops stale ones whenever the
dict has doubled. When Redis cannot be reached, limits are paused (and logged) rather than
failing requests.
"""

import hashlib
import logging
import math
import time
from collections.abc import Hashable
from typing import Protocol

from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.errors import send_problem

log = logging.getLogger("app")
PAUSE_SECONDS = 5.0  # after a Redis failure, before trying it again


class Counters(Protocol):
    async def hit(self, item: RateLimitItem, kind: str, who: str) -> float:
        """Counts a request; 0 when allowed, else the seconds until one would be."""


class LocalCounters:
    """This process's counters: key → (window index, previous count, count, stale after)."""

    def __init__(self) -> None:
        self.windows: dict[Hashable, tuple[int, int, int, float]] = {}
        self.prune_at = 1024

    async def hit(self, item: RateLimitItem, kind: str, who: str) -> float:
        return self.hit_at(item, (item.amount, item.get_expiry(), kind, who), time.time())

    def hit_at(self, item: RateLimitItem, key: Hashable, now: float) -> float:
        period, limit = item.get_expiry(), item.amount
        index = int(now // period)
        left = (index + 1) * period - now  # of this window
        entry = self.windows.get(key)
        if entry is None or entry[0] < index - 1:
            previous, current = 0, 0
        elif entry[0] == index - 1:
            previous, current = entry[2], 0
        else:
            previous, current = entry[1], entry[2]
        # Allowed while floor(previous * left / period) + current < limit, as limits counts.
        if current < limit and previous * left / period < limit - current:
            self.windows[key] = (index, previous, current + 1, (index + 2) * period)
            if len(self.windows) > self.prune_at:
                self.windows = {k: v for k, v in self.windows.items() if v[3] > now}
                self.prune_at = max(1024, 2 * len(self.windows))
            return 0.0
        if current < limit:  # until the previous window's share has shrunk enough
            return left - period * (limit - current) / previous
        return left + max(0.0, period * (1 - limit / current))  # into the next window


class RedisCounters:
    """Counters every worker and container shares, in Redis."""

    def __init__(self, url: str, prefix: str) -> None:
        storage = RedisStorage(
            "async+" + url,
            implementation="redispy",
            key_prefix=prefix,
            wrap_exceptions=True,
            socket_timeout=0.5,
            socket_connect_timeout=0.5,
        )
        self.limiter = SlidingWindowCounterRateLimiter(storage)

    async def hit(self, item: RateLimitItem, kind: str, who: str) -> float:
        if await self.limiter.hit(item, kind, who):
            return 0.0
        stats = await self.limiter.get_window_stats(item, kind, who)
        return max(stats.reset_time - time.time(), 1.0)


def _limits(notation: str) -> list[RateLimitItem]:
    return parse_many(notation) if notation else []


def _bearer(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            token: bytes = value[7:].strip()
            return token
    return None


class RateLimit:
    """Counts each request to /v1 against its client address and, when it carries one, its
    API key (by a hash of the key: an unknown key is counted too, so inventing keys does not
    escape the address limit, which every request also meets)."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.per_address = _limits(settings.rate_limit_per_address)
        self.per_key = _limits(settings.rate_limit_per_key)
        self.counters: Counters = (
            RedisCounters(settings.redis_url, settings.rate_limit_prefix)
            if settings.redis_url
            else LocalCounters()
        )
        self.paused_until = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        checks = []
        if self.per_address:
            client = scope.get("client")
            address = client[0] if client else "unknown"
            checks += [(item, "address", address) for item in self.per_address]
        if self.per_key and (token := _bearer(scope)):
            key = hashlib.sha256(token).hexdigest()[:32]
            checks += [(item, "key", key) for item in self.per_key]
        if checks and time.monotonic() >= self.paused_until:
            try:
                for item, kind, who in checks:
                    wait = await self.counters.hit(item, kind, who)
                    if wait:
                        retry = max(1, math.ceil(wait))
                        detail = (
                            f"Too many requests from this {'API key' if kind == 'key' else kind}"
                            f" (the limit is {item}); retry in {retry} s."
                        )
                        headers = {"Retry-After": str(retry)}
                        await send_problem(scope, send, 429, detail, headers)
                        return
            except StorageError as error:
                self.paused_until = time.monotonic() + PAUSE_SECONDS
                log.warning("rate limits paused for %ss: %s", PAUSE_SECONDS, error)
        await self.app(scope, receive, send)
