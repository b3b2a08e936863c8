"""Every resource's write description, for the tools that work across resources (the seed,
`diplo restore`, `diplo import`)."""

from app.disputes.service import DISPUTE_WRITE
from app.events.service import EVENT_WRITE
from app.headcounts.service import HEADCOUNT_WRITE
from app.kit.writing import WriteSpec
from app.measures.service import EXPULSION_WRITE, MEASURE_WRITE
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
# Every resource the API writes (creates, imports, restores), by its name in the URL: each
# table's own, and the expulsions (the measures of kind `expulsion`, which share the measures'
# change log, and so their `resource`).
BY_RESOURCE: dict[str, WriteSpec] = {spec.resource: spec for spec in WRITE_SPECS} | {
    "expulsions": EXPULSION_WRITE
}
