"""Imports every table model, so `SQLModel.metadata` knows the whole schema (Alembic, tests)."""

from sqlmodel import SQLModel

from app.countries.models import Country
from app.disputes.models import VisaDispute, VisaDisputeIssue
from app.events.models import Event, EventCountry
from app.headcounts.models import Headcount
from app.measures.models import Measure
from app.missions.models import Mission, MissionStatusChange
from app.officials.models import Official
from app.sources.models import Citation, Source
from app.talks.models import Talks, TalksParticipant, TalksStatement

metadata = SQLModel.metadata

__all__ = [
    "Citation",
    "Country",
    "Event",
    "EventCountry",
    "Headcount",
    "Measure",
    "Mission",
    "MissionStatusChange",
    "Official",
    "Source",
    "Talks",
    "TalksParticipant",
    "TalksStatement",
    "VisaDispute",
    "VisaDisputeIssue",
    "metadata",
]
