"""Countries endpoints: ISO 3166-1's, and those that no longer exist."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.countries.models import CountryRead
from app.countries.service import CODE_PATTERN, COUNTRY_LIST, get_country
from app.db import read_connection, reads
from app.errors import problems
from app.kit.query import ListQuery, Page, SearchQuery
from app.kit.read_routes import (
    list_response,
    parse_query,
    query_parameters,
    register_list,
    sorts_doc,
)
from app.kit.responses import list_content, record_response

router = APIRouter(prefix="/v1/countries", tags=["countries"])


class CountryFilters(ListQuery, SearchQuery):
    pass


CountryQuery = register_list(router.prefix, COUNTRY_LIST, CountryFilters)


@router.get(
    "",
    summary="List countries",
    description="Every ISO 3166-1 country, and the countries that no longer exist that the "
    f"bundled data sets name (`kind`). {sorts_doc(COUNTRY_LIST)}",
    operation_id="list_countries",
    openapi_extra={"parameters": query_parameters(CountryQuery)},
    responses={200: list_content(Page[CountryRead]), **problems(400, 422, 503)},
)
@reads
def list_countries(request: Request) -> Response:
    """Every country."""
    query = parse_query(CountryQuery, request)
    with read_connection(request) as connection:
        return list_response(request, connection, COUNTRY_LIST, query, "countries")


@router.get(
    "/{code}",
    summary="Get one country",
    operation_id="get_country",
    responses={200: {"model": CountryRead}, **problems(404, 422, 503)},
)
@reads
def read_country(
    request: Request,
    code: Annotated[
        str,
        Path(
            max_length=16,
            description="ISO 3166-1 alpha-2 or alpha-3 code, or a former country's four "
            "letters, any case.",
            examples=["ru", "RUS", "YUCS"],
            json_schema_extra={"pattern": CODE_PATTERN},  # anything else: 404, with a hint
        ),
    ],
) -> Response:
    """One country by its code, in any case."""
    with read_connection(request) as connection:
        country = get_country(connection, code)
    return record_response(request, country)
