"""The dashboard: a static page, built from files in this folder (no CDN, no build step), that
reads the public JSON API like any other client."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute

from app.errors import NotFound

STATIC = Path(__file__).parent / "static"
ASSETS = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}

router = APIRouter(include_in_schema=False)


def _page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/dashboard")
async def dashboard() -> FileResponse:
    """The page; it asks which two countries to show."""
    return _page()


# Before the pair route, which would take `assets` for a country.
@router.get("/dashboard/assets/{name}")
async def asset(name: Annotated[str, PathParam(max_length=64)]) -> FileResponse:
    """The page's script and style sheet."""
    if name not in ASSETS:
        raise NotFound(detail=f"No dashboard asset named '{name}'.")
    return FileResponse(STATIC / name, media_type=ASSETS[name])


# Before the pair route too, which would take `sources` for a country (a source's id is
# digits only: `/dashboard/sources/x` is a pair, which the page says it cannot show).
@router.get("/dashboard/sources/{record_id:int}")
async def dashboard_source(record_id: int) -> FileResponse:
    """A source's page: its record, its text with a quote marked in place (`?start=&end=`, code
    points, as every citation gives them), and the facts it supports (the script reads the id
    from the URL, and says so when there is no such source)."""
    return _page()


@router.get("/dashboard/{a}/{b}")
async def dashboard_pair(
    a: Annotated[str, PathParam(max_length=16)], b: Annotated[str, PathParam(max_length=16)]
) -> FileResponse:
    """The page for two countries (the script reads them from the URL)."""
    return _page()


# Pages for people: they ignore their query (app/main.py), as web pages do.
PAGES = frozenset(route.path for route in router.routes if isinstance(route, APIRoute))
