"""Post endpoints (read only: the data sets write them)."""

from fastapi import APIRouter
from pydantic import Field

from app.countries.service import CountryCode
from app.kit.query import CommaList, DatedQuery, IdList, OnDayQuery, SearchQuery
from app.kit.read_routes import add_read_routes
from app.posts.models import OfficialPostRead
from app.posts.service import POST_LIST, posts_on

router = APIRouter(prefix="/v1/posts", tags=["posts"])


class PostQuery(DatedQuery, SearchQuery, OnDayQuery):
    mission_id: IdList | None = Field(default=None, description="The missions headed, by id.")
    host_country: CommaList[CountryCode] | None = Field(
        default=None, description="Where (comma-separated codes)."
    )
    sending_country: CommaList[CountryCode] | None = Field(
        default=None, description="The states represented (comma-separated codes)."
    )
    official_id: IdList | None = Field(default=None, description="Who, by official id.")


add_read_routes(
    router,
    spec=POST_LIST,
    query_model=PostQuery,
    read_model=OfficialPostRead,
    list_doc="Chiefs of mission at their posts, as the Office of the Historian records them: "
    "title, and the days appointed, arrived, credentials presented and left, each with how "
    "exactly it is known, and the source's notes verbatim; each post cites its row. "
    "`?mission_id=N` gives the chiefs of one mission in order; `from`/`to` select by "
    "`credentials_on`; `on=DAY` gives the chiefs in charge that day (from credentials "
    "presented or charge assumed, else arrival, to the day left; with no day left, until the "
    "next chief of the post begins).",
    get_doc="One post, with the row it comes from.",
    on_day=posts_on,
)
