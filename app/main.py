"""The application factory: routers, error handlers, middleware, lifespan."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from app import middleware
from app.changes.kept import Kept
from app.changes.live import Hub
from app.changes.router import router as changes_router
from app.citations.router import router as citations_router
from app.config import Settings, get_settings
from app.countries.router import router as countries_router
from app.dashboard.router import PAGES as DASHBOARD_PAGES
from app.dashboard.router import router as dashboard_router
from app.datasets.load import loading
from app.datasets.router import router as datasets_router
from app.db import make_engine, make_keys_engine
from app.disputes.router import router as disputes_router
from app.errors import install_error_handlers, problem_only_openapi
from app.events.router import router as events_router
from app.headcounts.router import router as headcounts_router
from app.health import router as health_router
from app.keys.router import router as keys_router
from app.kit.common_words import Keeper
from app.kit.parameters import check_parameters
from app.kit.routing import skip_routers_by_prefix
from app.kit.write_routes import storable_text_openapi
from app.measures.router import expulsions_router
from app.measures.router import router as measures_router
from app.missions.router import router as missions_router
from app.officials.router import router as officials_router
from app.posts.router import router as posts_router
from app.relations.router import router as relations_router
from app.representations.router import router as representations_router
from app.search.router import router as search_router
from app.sources.licences import OPEN_LICENCES
from app.sources.router import router as sources_router
from app.talks.router import router as talks_router
from app.timeline.router import router as timeline_router
from app.world.router import router as world_router

DESCRIPTION = """
Diplomatic-staffing facts — missions, headcounts and caps, expulsions and other measures,
visa disputes and the talks around them — each tied to a verbatim quote from its source.

* Countries are ISO 3166-1 alpha-2 codes; inputs accept alpha-2 or alpha-3 in any case, and
  nothing else: `UK`, `EL` or `Germany` is refused, with the code meant (`GB`, `GR`, `DE`).
* Lists return `{items, next_cursor, total}` and a `Link: rel="next"` header; pass
  `cursor` to page on, `count=true` for `total`, `sort=field` or `sort=-field` to order.
* Every endpoint takes exactly the query parameters it documents: any other is a 422 naming it
  and the ones allowed. An empty value (`?country=`) is the same as leaving it out.
* Every quote is checked against its source's text and served with where it stands there:
  `start`/`end` (code points into `/v1/sources/{id}/text`), `prefix`/`suffix` (32 characters
  either side) and `verified` (false only where the source has no text).
* Dates are ISO 8601; `date_precision` says how exactly a date is known
  (`day | week | month | year`; the date is the first day of that span: an ISO week's Monday,
  a month's 1st, 1 January).
* Errors are RFC 9457 `application/problem+json`. A request this document allows is refused
  only for what no schema can say, and the 422's `errors[].type` names it: a referenced record
  that does not exist (`not_found`), a well-formed code no country has (`unknown_country`),
  `from` after `to` (`range_order`), one country twice (`same_country`), a date of a week,
  month or year that is not its first day (`date_not_first_day`), a quote its source's text
  does not hold (`quote_not_found`) or holds more than once without saying which
  (`quote_ambiguous`), or a clash with what
  is stored (`mission_mismatch`, `response_loop`, `status_unchanged`, `status_uncited`,
  `precision_without_date`, `duplicate_official`). Each of `errors` has `loc` (a list item's
  index an integer), `msg`, `type` and `input` (null where there is no plain value to show);
  `detail` quotes at most 100 characters of a value.
"""

TAGS = [
    {"name": "missions", "description": "Diplomatic posts of one state in another."},
    {"name": "headcounts", "description": "Staff levels and caps."},
    {"name": "measures", "description": "Expulsions, closures, caps, restrictions, freezes."},
    {"name": "expulsions", "description": "The measures of kind `expulsion`."},
    {"name": "visa-disputes", "description": "Bilateral disputes over visas and postings."},
    {"name": "talks", "description": "Rounds of talks, participants, verbatim statements."},
    {"name": "officials", "description": "People acting for a state."},
    {"name": "events", "description": "Dated context."},
    {
        "name": "sources",
        "description": "Documents the facts come from, with their quotes and their texts. A "
        "text is served to anyone when its licence is one of these open ones (`text_public`): "
        f"{', '.join(sorted(OPEN_LICENCES, key=str.lower))}; any other, or an unknown one, to "
        "API keys with the `read` scope only.",
    },
    {
        "name": "datasets",
        "description": "The bundled, openly licensed data sets loaded here: licence, "
        "attribution, caveat, and the rows a load could not take.",
    },
    {
        "name": "citations",
        "description": "Every quote the API holds, where it stands in its source's text, and "
        "the record it supports.",
    },
    {
        "name": "representations",
        "description": "How one state was represented in another, period by period (the "
        "bundled data sets).",
    },
    {
        "name": "posts",
        "description": "Chiefs of mission at their posts, with dated tenures (the bundled data "
        "sets).",
    },
    {"name": "countries", "description": "ISO 3166-1 countries, and former ones."},
    {"name": "relations", "description": "Everything between two countries, in one answer."},
    {"name": "timeline", "description": "Every dated fact, of every kind, in date order."},
    {
        "name": "search",
        "description": "Ranked full-text search of every record, quote and public source text.",
    },
    {"name": "changes", "description": "Every change, in order, for incremental sync."},
    {"name": "keys", "description": "API keys (admin)."},
    {"name": "health", "description": "Liveness and readiness probes."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = make_engine(settings)
        app.state.keys_engine = make_keys_engine(settings)
        app.state.hub = Hub(settings)
        await app.state.hub.open()
        app.state.kept = Kept(app.state.hub, settings.response_cache_entries)
        keeper = Keeper(
            app.state.engine,
            settings.search_common_entries,
            settings.search_refresh_seconds,
            lambda: bool(loading(app.state.engine, settings)),
        )
        keeper.start()
        # What the app holds from here on (modules, the schema, compiled statements: some
        # 200,000 objects) is never garbage: moved out of the collector's sight, so that a full
        # collection no longer stalls every request of the worker for 150-300 ms (measured
        # under bench.load; 20-40 ms after).
        gc.collect()
        gc.freeze()
        yield
        keeper.stop()
        await app.state.hub.close()
        app.state.engine.dispose()
        if app.state.keys_engine is not None:
            app.state.keys_engine.dispose()

    # The docs pages load Swagger UI and ReDoc from the package, not from a CDN.
    app = FastAPIOffline(
        title="diplomacy-api",
        version="0.1.0",
        summary="Diplomatic-staffing data with verbatim provenance.",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    problem_only_openapi(app)
    storable_text_openapi(app)
    middleware.install(app, settings)
    # Routes are matched in this order, one by one: the most requested come first.
    for router in (
        health_router,
        headcounts_router,
        measures_router,
        expulsions_router,
        missions_router,
        representations_router,
        talks_router,
        disputes_router,
        events_router,
        officials_router,
        posts_router,
        sources_router,
        datasets_router,
        citations_router,
        countries_router,
        relations_router,
        timeline_router,
        search_router,
        world_router,
        changes_router,
        keys_router,
        dashboard_router,
    ):
        app.include_router(router)
    skip_routers_by_prefix()
    # Pages for people ignore their query, as any web page does: FastAPI's documentation pages
    # (the OAuth redirect page must take whatever a provider sends) and the dashboard's, whose
    # links pick up `?utm_source=…` or `?fbclid=…` when shared, and whose assets a browser may
    # ask for with a cache-buster. Every API endpoint follows one rule for its query.
    pages = {"/docs", "/docs/oauth2-redirect", "/redoc"} | DASHBOARD_PAGES
    check_parameters(app, unchecked=pages)
    return app
