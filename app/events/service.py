"""Events: how they are listed (with the countries involved) and written."""

from sqlalchemy import Connection, delete, insert, select

from app.citations.models import RecordType
from app.citations.quotes import quotes_check
from app.citations.service import citations_embed, citations_part
from app.events.models import Event, EventCountry, EventCreate
from app.kit.spec import Embed, ListSpec
from app.kit.sql import values_json, values_of
from app.kit.writing import Part, WriteSpec

event_table = Event.__table__  # type: ignore[attr-defined]
event_country_table = EventCountry.__table__  # type: ignore[attr-defined]
e = event_table.c


ec = event_country_table.c
load_countries = values_of(ec.event_id, ec.country)


EVENT_LIST = ListSpec(
    noun="event",
    columns=[e.id, e.ref, e.date, e.date_precision, e.kind, e.summary],
    id_column=e.id,
    sorts={"id": e.id, "date": e.date},
    default_sort="date",
    filters={
        "kind": e.kind,
        "country": lambda isin: e.id.in_(select(ec.event_id).where(isin(ec.country))),
    },
    date_column=e.date,
    search_kinds=["events"],
    # Both embeds inline: a page, or one event, is one statement.
    embeds=[
        Embed("countries", load_countries, inline=values_json(ec.event_id, ec.country)),
        citations_embed(RecordType.event),
    ],
)


def _write_countries(connection: Connection, event_id: int, countries: list[str]) -> None:
    _delete_countries(connection, event_id)
    _add_countries(connection, [(event_id, countries)])


def _add_countries(connection: Connection, values: list[tuple[int, list[str]]]) -> None:
    rows = [
        {"event_id": event_id, "country": c} for event_id, countries in values for c in countries
    ]
    if rows:
        connection.execute(insert(event_country_table), rows)


def _delete_countries(connection: Connection, event_id: int) -> None:
    connection.execute(
        delete(event_country_table).where(event_country_table.c.event_id == event_id)
    )


EVENT_WRITE = WriteSpec(
    checks=quotes_check,
    table=event_table,
    resource="events",
    create_model=EventCreate,
    listing=EVENT_LIST,
    parts=[
        Part("countries", _write_countries, _delete_countries, add_many=_add_countries),
        citations_part(RecordType.event),
    ],
)
