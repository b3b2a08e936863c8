"""Measures and expulsions endpoints."""

from fastapi import APIRouter
from pydantic import Field

from app.countries.service import CountryCode
from app.kit.query import CommaList, DatedQuery, IdList, SearchQuery
from app.kit.read_routes import add_read_routes
from app.kit.write_routes import add_write_routes
from app.measures.models import (
    ExpulsionUpdate,
    MeasureKind,
    MeasureRead,
    MeasureStage,
    MeasureUpdate,
)
from app.measures.service import EXPULSION_LIST, EXPULSION_WRITE, MEASURE_LIST, MEASURE_WRITE

router = APIRouter(prefix="/v1/measures", tags=["measures"])
expulsions_router = APIRouter(prefix="/v1/expulsions", tags=["expulsions"])


class ExpulsionQuery(DatedQuery, SearchQuery):
    stage: CommaList[MeasureStage] | None = Field(
        default=None, description="Stages, comma-separated: `proposed,ordered`."
    )
    actor_country: CommaList[CountryCode] | None = Field(
        default=None, description="The acting state (alpha-2 or alpha-3, comma-separated)."
    )
    target_country: CommaList[CountryCode] | None = Field(
        default=None, description="The targeted state (alpha-2 or alpha-3, comma-separated)."
    )
    in_response_to: IdList | None = Field(
        default=None, description="Measures answering these measure ids."
    )


class MeasureQuery(ExpulsionQuery):
    kind: CommaList[MeasureKind] | None = Field(default=None, description="Kinds of measure.")


add_read_routes(
    router,
    spec=MEASURE_LIST,
    query_model=MeasureQuery,
    read_model=MeasureRead,
    list_doc="Diplomatic measures (expulsions, closures, caps, visa restrictions, freezes) taken "
    "or threatened by one state against another.",
    get_doc="One measure, with citations.",
)
add_read_routes(
    expulsions_router,
    spec=EXPULSION_LIST,
    query_model=ExpulsionQuery,
    read_model=MeasureRead,
    list_doc="Expulsions of diplomats: the measures of kind `expulsion`, proposals and orders "
    "alike.",
    get_doc="One expulsion (a measure of kind `expulsion`), with citations.",
)
add_write_routes(router, spec=MEASURE_WRITE, read_model=MeasureRead, update_model=MeasureUpdate)
add_write_routes(
    expulsions_router, spec=EXPULSION_WRITE, read_model=MeasureRead, update_model=ExpulsionUpdate
)
