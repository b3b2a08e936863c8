"""The relation endpoint: one bilateral picture."""

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.changes.kept import Kept
from app.countries.service import CODE_PATTERN
from app.db import read_connection, reads
from app.errors import problems
from app.kit.etags import conditional_list
from app.kit.responses import json_response
from app.middleware.response_cache import fresh_asked, showing
from app.relations.models import RelationView
from app.relations.service import countries_of, get_relation

router = APIRouter(prefix="/v1/relations", tags=["relations"])

Code = Annotated[
    str,
    Path(
        max_length=16,
        description="ISO 3166-1 alpha-2 or alpha-3 code, any case.",
        examples=["RU", "usa"],
        json_schema_extra={"pattern": CODE_PATTERN},  # anything else: 404, with a hint
    ),
]


@router.get(
    "/{a}/{b}",
    summary="Get the relation between two countries",
    operation_id="get_relation",
    responses={200: {"model": RelationView}, **problems(404, 422, 503)},
)
@reads
def relation(request: Request, a: Code, b: Code) -> Response:
    """Everything on record between two states, oriented as asked (`/RU/US` and `/US/RU` hold
    the same facts, with `a` and `b` swapped): missions each way with their status; the latest
    actual headcount and cap each way per category, with their dates and parity (a→b over
    b→a); measures by stage and as response chains; unresolved disputes with their last and
    next talks; the latest events. Every fact with its citations. An unknown country is a
    404; the same country twice, a 422. The ETag changes with any write (and each day, as
    "last" and "next" talks are reckoned from today)."""
    today = dt.datetime.now(dt.UTC).date()
    kept: Kept = request.app.state.kept
    fresh = fresh_asked(request.headers.get("cache-control"))

    def keep(name: str, shows: frozenset[str], make: Callable[[], Any]) -> Any:
        """A part kept by this worker until what it shows changes; made afresh when the
        request says `Cache-Control: no-cache`."""
        if fresh:
            return make()
        key = (name, first["code"], second["code"], today)
        return kept.get(key, showing(shows), make)

    with read_connection(request) as connection:
        # The countries table changes only when the app starts (`sync_countries`), outside the
        # change log: the pair is kept once found (an unknown one is a 404 each time).
        pair = partial(countries_of, connection, a, b)
        first, second = pair() if fresh else kept.get(("countries", a, b), ("countries",), pair)
        return conditional_list(
            connection,
            request,
            f"relation-{today.isoformat()}",
            lambda: json_response(get_relation(connection, first, second, today, keep)),
        )
