"""The bilateral picture: everything on record between two states, seen from the first."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.countries.models import CountryRead
from app.disputes.models import READ_EXAMPLE as DISPUTE_EXAMPLE
from app.disputes.models import DisputeRead
from app.events.models import READ_EXAMPLE as EVENT_EXAMPLE
from app.events.models import EventRead
from app.headcounts.models import HeadcountRead, StaffCategory
from app.measures.models import READ_EXAMPLE as MEASURE_EXAMPLE
from app.measures.models import MeasureRead, MeasureStage
from app.missions.models import READ_EXAMPLE as MISSION_EXAMPLE
from app.missions.models import MissionRead
from app.talks.models import READ_EXAMPLE as TALKS_EXAMPLE
from app.talks.models import TalksRead


class LatestCounts(BaseModel):
    """The newest count of one direction and category, of each kind."""

    actual: HeadcountRead | None = Field(description="The latest actual headcount; null if none.")
    cap: HeadcountRead | None = Field(description="The latest cap; null if none.")


class Parity(BaseModel):
    """a→b over b→a; null when either side is unknown (or b→a is 0)."""

    actual: float | None = Field(description="Ratio of the latest actual headcounts.")
    cap: float | None = Field(description="Ratio of the latest caps.")


class Staffing(BaseModel):
    category: StaffCategory = Field(description="Which staff.")
    a_to_b: LatestCounts = Field(description="a's staff in b.")
    b_to_a: LatestCounts = Field(description="b's staff in a.")
    parity: Parity = Field(description="a→b over b→a, by kind.")


class MissionsBothWays(BaseModel):
    a_to_b: list[MissionRead] = Field(description="a's missions in b, with status history.")
    b_to_a: list[MissionRead] = Field(description="b's missions in a, with status history.")


class Measures(BaseModel):
    by_stage: dict[MeasureStage, list[MeasureRead]] = Field(
        description="Measures either state took or threatened against the other, by stage "
        "(every stage present, in order; measures by date, undated last)."
    )
    chains: list[list[int]] = Field(
        description="Response chains: measure ids from the first measure to the last response "
        "(`in_response_to`), longest first; a measure nobody answered is a chain of one."
    )


class DisputeWithTalks(DisputeRead):
    last_talks: TalksRead | None = Field(
        description="The latest round held (dated today or earlier); null if none."
    )
    next_talks: TalksRead | None = Field(
        description="The next round on record with a date after today; null if none (see "
        "`next_round` for a round announced without a date)."
    )


class RelationLinks(BaseModel):
    timeline: str = Field(description="The pair's timeline.")
    series: str = Field(description="The pair's headcount series, both ways.")


EXAMPLE: dict[str, Any] = {
    "a": {
        "code": "RU",
        "alpha3": "RUS",
        "numeric": "643",
        "name": "Russian Federation",
        "official_name": None,
    },
    "b": {
        "code": "US",
        "alpha3": "USA",
        "numeric": "840",
        "name": "United States",
        "official_name": "United States of America",
    },
    "missions": {
        "a_to_b": [{**MISSION_EXAMPLE, "id": 2, "sending_country": "RU", "host_country": "US"}],
        "b_to_a": [MISSION_EXAMPLE],
    },
    "staffing": [
        {
            "category": "diplomatic",
            "a_to_b": {"actual": None, "cap": None},
            "b_to_a": {"actual": None, "cap": None},
            "parity": {"actual": None, "cap": None},
        }
    ],
    "measures": {
        "by_stage": {stage.value: [] for stage in MeasureStage} | {"proposed": [MEASURE_EXAMPLE]},
        "chains": [[1]],
    },
    "disputes": [{**DISPUTE_EXAMPLE, "last_talks": TALKS_EXAMPLE, "next_talks": None}],
    "events": [EVENT_EXAMPLE],
    "links": {
        "timeline": "/v1/timeline?countries=RU,US",
        "series": "/v1/headcounts/series?sending_country=RU,US&host_country=RU,US",
    },
}


class RelationView(BaseModel):
    """One bilateral picture, oriented as asked: `a` is the first country of the URL."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    a: CountryRead = Field(description="The first country of the URL.")
    b: CountryRead = Field(description="The second country of the URL.")
    missions: MissionsBothWays = Field(description="Missions each way.")
    staffing: list[Staffing] = Field(
        description="Latest actual headcount and cap each way, per category, and their parity."
    )
    measures: Measures = Field(description="Measures between the two, by stage and as chains.")
    disputes: list[DisputeWithTalks] = Field(
        description="Unresolved (open or stalled) disputes between the two, with their last "
        "and next rounds of talks."
    )
    events: list[EventRead] = Field(
        description="The latest events involving both (at most 10, newest first); the rest "
        "are in the timeline."
    )
    links: RelationLinks = Field(description="Related views of the pair.")
