"""The dashboard: static pages, built from files in this folder (no CDN, no build step), that
read the public JSON API like any other client. The front-end packages they use (charts, map
projection, the world's boundaries) are in `static/vendor/`, copied there from the npm registry
by `make vendor` as package-lock.json pins them."""

import gzip
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from fastapi.routing import APIRoute

from app.errors import NotFound

STATIC = Path(__file__).parent / "static"
VENDOR = STATIC / "vendor"
ASSETS = {
    "common.js": "text/javascript",
    "dashboard.js": "text/javascript",
    "world.js": "text/javascript",
    "country.js": "text/javascript",
    "dashboard.css": "text/css",
}
MEDIA_TYPES = {".js": "text/javascript", ".json": "application/json"}

router = APIRouter(include_in_schema=False)


def _page(name: str = "index.html") -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html")


@router.get("/dashboard")
async def dashboard() -> FileResponse:
    """The page; it asks which two countries to show."""
    return _page()


@router.get("/dashboard/world")
async def world_map() -> FileResponse:
    """The world map: one sender's representation in every country, year by year
    (`?sender=US&year=1950`, which the script reads from the URL)."""
    return _page("world.html")


# Before the pair route, which would take `country` for a country.
@router.get("/dashboard/country/{code}")
async def country_history(code: Annotated[str, PathParam(max_length=16)]) -> FileResponse:
    """One country's history with a sender (`?sender=US`): its representation and missions
    through time, the chiefs of mission, the chronology's entries and the relation."""
    return _page("country.html")


# Before the pair route, which would take `assets` for a country.
@router.get("/dashboard/assets/{name}")
async def asset(name: Annotated[str, PathParam(max_length=64)]) -> FileResponse:
    """The page's script and style sheet."""
    if name not in ASSETS:
        raise NotFound(detail=f"No dashboard asset named '{name}'.")
    return FileResponse(STATIC / name, media_type=ASSETS[name])


@cache
def _vendored(name: str) -> tuple[bytes, bytes]:
    """A vendored file, as it is and gzipped (the world's boundaries are 740 kB, 150 kB gzipped)."""
    body = (VENDOR / name).read_bytes()
    return body, gzip.compress(body, mtime=0)


@router.get("/dashboard/assets/vendor/{name}")
async def vendored(request: Request, name: Annotated[str, PathParam(max_length=64)]) -> Response:
    """A front-end package's file (`static/vendor/versions.json` gives their versions)."""
    media_type = MEDIA_TYPES.get(Path(name).suffix)
    if media_type is None or "/" in name or not (VENDOR / name).is_file():
        raise NotFound(detail=f"No vendored file named '{name}'.")
    body, zipped = _vendored(name)
    headers = {"Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(
            zipped, media_type=media_type, headers=headers | {"Content-Encoding": "gzip"}
        )
    return Response(body, media_type=media_type, headers=headers)


# Before the pair route too, which would take `sources` for a country (a source's id is
# digits only: `/dashboard/sources/x` is a pair, which the page says it cannot show).
@router.get("/dashboard/sources/{record_id:int}")
async def dashboard_source(record_id: int) -> FileResponse:
    """A source's page: its record, its text with a quote marked in place (`?start=&end=`, code
    points, as every citation gives them), and the facts it supports (the script reads the id
    from the URL, and says so when there is no such source)."""
    return _page()


@router.get("/dashboard/citations/{record_id:int}")
async def dashboard_citation(record_id: int) -> FileResponse:
    """A quote, as a search lists it: the script opens its source's page with the quote marked
    where it stands (`/dashboard/sources/{id}?start=&end=`), or says there is no such quote."""
    return _page()


@router.get("/dashboard/{a}/{b}")
async def dashboard_pair(
    a: Annotated[str, PathParam(max_length=16)], b: Annotated[str, PathParam(max_length=16)]
) -> FileResponse:
    """The page for two countries (the script reads them from the URL)."""
    return _page()


# Pages for people: they ignore their query (app/main.py), as web pages do.
PAGES = frozenset(route.path for route in router.routes if isinstance(route, APIRoute))
