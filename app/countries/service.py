"""Countries: ISO codes in, alpha-2 out; the country table kept in step with pycountry."""

from typing import Any

import pycountry
from sqlalchemy import Connection, select

from app.common import CountryCode
from app.countries.models import Country, CountryKind
from app.country_codes import CODE_PATTERN, hint, lookup, normalize_country
from app.errors import NotFound, echoed
from app.historic_countries import historic_countries
from app.kit.spec import ListSpec, Row
from app.kit.sql import insert_into

country_table = Country.__table__  # type: ignore[attr-defined]

__all__ = ["CODE_PATTERN", "CountryCode", "lookup", "normalize_country"]


def iso_rows() -> list[dict[str, Any]]:
    """ISO 3166-1's countries, then the former ones the bundled data sets name."""
    return [
        {
            "code": entry.alpha_2,
            "alpha3": entry.alpha_3,
            "numeric": entry.numeric,
            "name": entry.name,
            "official_name": getattr(entry, "official_name", None),
            "kind": CountryKind.iso3166_1.value,
        }
        for entry in pycountry.countries
    ] + [
        {
            "code": entry.code,
            "alpha3": entry.alpha3,
            "numeric": None,
            "name": entry.name,
            "official_name": entry.official_name,
            "kind": entry.kind,
        }
        for entry in historic_countries().values()
    ]


def sync_countries(connection: Connection) -> int:
    """Upsert every country; returns how many there are."""
    rows = iso_rows()
    statement = insert_into(connection, country_table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["code"],
        set_={
            name: statement.excluded[name]
            for name in ("alpha3", "numeric", "name", "official_name", "kind")
        },
    )
    connection.execute(statement)
    return len(rows)


def country_exists(connection: Connection, code: str) -> bool:
    query = select(country_table.c.code).where(country_table.c.code == code)
    return connection.execute(query).first() is not None


c = country_table.c
COUNTRY_LIST = ListSpec(
    noun="country",
    columns=[c.code, c.alpha3, c.numeric, c.name, c.official_name, c.kind],
    id_column=c.code,
    sorts={"code": c.code, "name": c.name, "alpha3": c.alpha3},
    default_sort="code",
    search_kinds=["countries"],
)


def get_countries(connection: Connection, codes: list[str]) -> list[Row]:
    """Countries by alpha-2 or alpha-3 code in any case, in one query; 404 naming the first
    code that is none."""
    entries = [(code, lookup(code)) for code in codes]
    wanted = [entry.alpha_2 for _, entry in entries if entry is not None]
    rows: dict[str, Row] = {}
    if wanted:
        query = COUNTRY_LIST.base_query().where(c.code.in_(wanted))
        rows = {row["code"]: dict(row) for row in connection.execute(query).mappings()}
    found = []
    for code, entry in entries:
        row = rows.get(entry.alpha_2) if entry is not None else None
        if row is None:
            raise NotFound(detail=f"No country with the code {echoed(code)}{hint(code) or '.'}")
        found.append(row)
    return found


def get_country(connection: Connection, code: str) -> Row:
    """A country by alpha-2 or alpha-3 code in any case; 404 naming the code otherwise."""
    [row] = get_countries(connection, [code])
    return row
