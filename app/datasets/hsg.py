"""The Office of the Historian's data set (`hsg-office-historian`): its chronology of relations
with each country (`app/datasets/rdcr.py`) and its chiefs of mission (`app/datasets/pocom.py`),
loaded together, all or nothing, in that order: the chronology's statuses of missions first, so
that a chief's post finds the mission as it stood."""

from dataclasses import dataclass

from app.datasets import pocom, rdcr
from app.datasets.bundle import Bundle
from app.datasets.wanted import Problem
from app.datasets.writer import Writer

NAME = "hsg-office-historian"


@dataclass
class Both:
    chronology: rdcr.Chronology
    chiefs: pocom.PocomWanted

    @property
    def files(self) -> list[str]:
        return self.chronology.files + self.chiefs.files

    @property
    def problems(self) -> list[Problem]:
        """Both parts' (each may find more as it writes)."""
        return self.chronology.problems + self.chiefs.problems


def wanted(bundle: Bundle) -> Both:
    return Both(rdcr.wanted(bundle), pocom.wanted(bundle))


def write(writer: Writer, wanted: Both) -> dict[str, int]:
    counts = rdcr.write(writer, wanted.chronology)
    chiefs = pocom.write(writer, wanted.chiefs)
    return {**counts, **chiefs, "mission_statuses": counts["mission_statuses"]}
