"""Every ASGI wrapper of the app, one small file each, and the order they wrap in."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.config import Settings
from app.middleware.access_log import AccessLog
from app.middleware.body_limit import BodyLimit
from app.middleware.cache_control import CacheControl
from app.middleware.hardening import Hardening
from app.middleware.rate_limit import RateLimit
from app.middleware.response_cache import ResponseCache


def install(app: FastAPI, settings: Settings) -> None:
    """Adds the middleware, innermost first: each one added later wraps what came before, so
    CORS headers go on 429s and 413s too, and the access log (outermost) times everything."""
    if settings.response_cache_entries:
        app.add_middleware(ResponseCache, entries=settings.response_cache_entries)
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, import_max_bytes=settings.max_import_bytes
    )
    if settings.rate_limit_per_address or settings.rate_limit_per_key:
        app.add_middleware(RateLimit, settings=settings)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["Link", "ETag", "Retry-After"],
    )
    app.add_middleware(CacheControl, max_age=settings.cache_max_age)
    app.add_middleware(Hardening)
    if settings.access_log:
        app.add_middleware(AccessLog)
