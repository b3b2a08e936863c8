"""Data set endpoints: the bundled data sets loaded into this database, with their licences
and attributions (what their licences ask us to show), and what each load could not take."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from app.datasets.models import Dataset, DatasetRead
from app.db import read_connection, reads
from app.errors import NotFound, echoed, problems
from app.kit.responses import record_response
from app.sources.models import Source

router = APIRouter(prefix="/v1/datasets", tags=["datasets"])


class DatasetList(BaseModel):
    items: list[DatasetRead] = Field(description="Every loaded data set, by name.")


dataset_table = Dataset.__table__  # type: ignore[attr-defined]
source_table = Source.__table__  # type: ignore[attr-defined]


def _datasets(connection: Connection, name: str | None = None) -> list[dict[str, Any]]:
    d, s = dataset_table.c, source_table.c
    query = select(dataset_table).order_by(d.name)
    if name is not None:
        query = query.where(d.name == name)
    found = [dict(row) for row in connection.execute(query).mappings()]
    files: dict[str, list[int]] = {}
    listed = select(s.dataset, s.id).where(s.dataset.is_not(None)).order_by(s.id)
    for dataset, source_id in connection.execute(listed):
        files.setdefault(dataset, []).append(source_id)
    for row in found:
        del row["bundle_sha256"]
        row["counts"] = row["counts"] or {}
        row["problems"] = row["problems"] or []
        row["sources"] = files.get(row["name"], [])
    return found


@router.get(
    "",
    summary="List data sets",
    operation_id="datasets",
    responses={200: {"model": DatasetList}, **problems(422, 503)},
)
@reads
def list_datasets(request: Request) -> Response:
    """Every bundled data set loaded into this database (all of them, never paged: there are
    a few): licence, attribution, caveat, what it holds and the rows it could not take."""
    with read_connection(request) as connection:
        return record_response(request, {"items": _datasets(connection)})


@router.get(
    "/{name}",
    summary="Get a data set",
    operation_id="get_dataset",
    responses={200: {"model": DatasetRead}, **problems(404, 422, 503)},
)
@reads
def get_dataset(
    request: Request,
    name: Annotated[
        str, Path(max_length=64, description="Its name.", examples=["us-mission-status"])
    ],
) -> Response:
    """One loaded data set, by name."""
    with read_connection(request) as connection:
        found = _datasets(connection, name)
    if not found:
        raise NotFound(
            detail=f"No data set {echoed(name)} is loaded here: `/v1/datasets` lists those loaded."
        )
    return record_response(request, found[0])
