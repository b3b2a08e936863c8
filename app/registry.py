"""Every resource's write description, for the tools that work across resources (the seed,
`diplo restore`, imports)."""

from app.disputes.service import DISPUTE_WRITE
from app.events.service import EVENT_WRITE
from app.headcounts.service import HEADCOUNT_WRITE
from app.kit.writing import WriteSpec
from app.measures.service import MEASURE_WRITE
from app.missions.service import MISSION_WRITE
from app.officials.service import OFFICIAL_WRITE
from app.sources.service import SOURCE_WRITE
from app.talks.service import TALKS_WRITE

WRITE_SPECS: list[WriteSpec] = [
    SOURCE_WRITE,
    OFFICIAL_WRITE,
    MISSION_WRITE,
    HEADCOUNT_WRITE,
    MEASURE_WRITE,
    DISPUTE_WRITE,
    TALKS_WRITE,
    EVENT_WRITE,
]
BY_TABLE: dict[str, WriteSpec] = {spec.table.name: spec for spec in WRITE_SPECS}
