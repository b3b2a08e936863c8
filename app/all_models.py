"""Imports every table model, so `SQLModel.metadata` knows the whole schema (Alembic, tests)."""

from sqlmodel import SQLModel

from app.citations.models import Citation, quotes_table
from app.countries.models import Country
from app.datasets.models import Dataset
from app.disputes.models import VisaDispute, VisaDisputeIssue
from app.events.models import Event, EventCountry
from app.headcounts.models import Headcount, headcount_bucket
from app.kit.auth import ApiKey
from app.kit.changelog import Change
from app.measures.models import Measure
from app.missions.models import (
    Mission,
    MissionJurisdiction,
    MissionStatusChange,
    MissionTimeline,
)
from app.officials.models import Official
from app.posts.models import OfficialPost
from app.representations.models import Representation
from app.search.models import search_entry
from app.sources.models import Source
from app.talks.models import Talks, TalksParticipant, TalksStatement
from app.timeline.models import timeline_entry, timeline_scope

metadata = SQLModel.metadata

# Ids are never reused, on SQLite as on PostgreSQL: a deleted record's id stays its own, so its
# history and a restore cannot mix with a newer record's (SQLite's AUTOINCREMENT).
for _table in metadata.tables.values():
    if "id" in _table.c and list(_table.primary_key.columns) == [_table.c.id]:
        _table.dialect_options["sqlite"]["autoincrement"] = True

__all__ = [
    "ApiKey",
    "Change",
    "Citation",
    "Country",
    "Dataset",
    "Event",
    "EventCountry",
    "Headcount",
    "Measure",
    "Mission",
    "MissionJurisdiction",
    "MissionStatusChange",
    "MissionTimeline",
    "Official",
    "OfficialPost",
    "Representation",
    "Source",
    "Talks",
    "TalksParticipant",
    "TalksStatement",
    "VisaDispute",
    "VisaDisputeIssue",
    "headcount_bucket",
    "metadata",
    "quotes_table",
    "search_entry",
    "timeline_entry",
    "timeline_scope",
]
