"""Routing that does not walk the whole API for each request.

FastAPI 0.137 and later keep each `include_router` as one node that, for every request, tries
every route of every router included before the one that matches: py-spy put 17% of a search
request in that walk (bench/README.md, "bench.search"). A router whose path prefix the request
does not start with cannot match it, and is skipped here, as FastAPI's own open pull request
fastapi/fastapi#16159 does. The walk is FastAPI's private `_IncludedRouter._match`; FastAPI is
pinned, and where the class is not as expected (another version), nothing is changed."""

from typing import Any

from fastapi import routing
from starlette._utils import get_route_path
from starlette.routing import Match


def skip_routers_by_prefix() -> bool:
    """Makes an included router with a literal path prefix answer "no match" at once for a
    path outside it; whether it could (FastAPI as expected)."""
    included = getattr(routing, "_IncludedRouter", None)
    walk = getattr(included, "_match", None)
    if included is None or walk is None or getattr(walk, "skips_by_prefix", False):
        return included is not None and walk is not None

    def _match(self: Any, scope: Any) -> Any:
        context = getattr(self, "include_context", None)
        prefix = getattr(context, "prefix", "") + getattr(self.original_router, "prefix", "")
        literal = prefix.split("{", 1)[0]
        if literal and not get_route_path(scope).startswith(literal):
            return Match.NONE, {}, None, None
        return walk(self, scope)

    _match.skips_by_prefix = True  # type: ignore[attr-defined]
    included._match = _match
    return True
