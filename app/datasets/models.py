"""The bundled data sets: what each is, under which licence, and what its last load did."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime, String
from sqlmodel import Field, SQLModel

from app.common import read_config


class DatasetBase(SQLModel):
    name: str = Field(
        sa_column=Column(String(64), primary_key=True),
        description="The data set's name, as `diplo datasets load NAME` takes it.",
        schema_extra={"examples": ["us-mission-status"]},
    )
    title: str = Field(description="Its title, as its publisher gives it.")
    version: str | None = Field(default=None, description="The version bundled.")
    publisher: str = Field(description="Who publishes it.")
    url: str | None = Field(default=None, description="Where it is published.")
    licence: str = Field(max_length=64, description="Its licence, an SPDX id.")
    attribution: str = Field(description="The credit line its licence asks for.")
    caveat: str | None = Field(default=None, description="What it does not say, or says late.")
    published_on: dt.date | None = Field(default=None, description="When this version was out.")
    retrieved_on: dt.date | None = Field(default=None, description="When it was copied.")


class Dataset(DatasetBase, table=True):
    __tablename__ = "dataset"

    bundle_sha256: str = Field(
        max_length=64, description="SHA-256 of the manifest the load read (what was loaded)."
    )
    loaded_at: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    counts: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    problems: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class DatasetRead(DatasetBase):
    model_config = read_config(
        {
            "name": "us-mission-status",
            "title": "U.S. Diplomatic Mission Status Data",
            "version": "0.1",
            "publisher": "Brenton Kenkel, Vanderbilt University",
            "url": "https://github.com/brentonk/us_diplomatic_missions",
            "licence": "CC-BY-4.0",
            "attribution": "Kenkel, Brenton. 2026. …",
            "caveat": "Codes the highest level of U.S. representation only; …",
            "published_on": "2026-03-10",
            "retrieved_on": "2026-03-15",
            "loaded_at": "2026-12-02T17:00:00Z",
            "counts": {"missions": 205},
            "problems": [],
            "sources": [2, 3],
        }
    )

    loaded_at: dt.datetime = Field(description="When it was last loaded (UTC).")
    counts: dict[str, int] = Field(description="What the last load holds, by kind of record.")
    problems: list[dict[str, Any]] = Field(
        description="The rows the last load could not take, each with its file, line and why."
    )
    sources: list[int] = Field(description="Its files, as sources (`/v1/sources/{id}`).")
