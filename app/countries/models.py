"""Countries, so facts can reference them: ISO 3166-1's, copied from pycountry, and those that
no longer exist that the bundled data sets name (`app/historic_countries.py`)."""

from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.common import one_of, read_config  # also sets the naming convention, first


class CountryKind(StrEnum):
    """Where a country's code comes from."""

    iso3166_1 = "iso3166-1"  # a country ISO 3166-1 lists
    iso3166_3 = "iso3166-3"  # one ISO withdrew: its ISO 3166-3 alpha-4 (CSHH, YUCS, DDDE)
    scheme = "scheme"  # one neither lists: X and its state system's abbreviation (XBAV)


class CountryBase(SQLModel):
    code: str = Field(
        primary_key=True,
        max_length=4,
        description="The country's id everywhere in the API: its ISO 3166-1 alpha-2 code, or, "
        "for a country that no longer exists, four letters (`kind`).",
        schema_extra={"examples": ["RU"]},
    )
    alpha3: str | None = Field(
        default=None,
        max_length=3,
        unique=True,
        description="ISO 3166-1 alpha-3 code (ISO 3166-3's former one for a withdrawn country); "
        "null for a country of the scheme.",
        schema_extra={"examples": ["RUS"]},
    )
    numeric: str | None = Field(
        default=None,
        max_length=3,
        description="ISO 3166-1 numeric code; null for a country that no longer exists.",
        schema_extra={"examples": ["643"]},
    )
    name: str = Field(
        description="Short English name (a former country's: as the data sets name it).",
        schema_extra={"examples": ["Russian Federation"]},
    )
    official_name: str | None = Field(
        default=None,
        description="Official English name, where ISO gives one.",
        schema_extra={"examples": ["Russian Federation"]},
    )
    kind: CountryKind = Field(
        default=CountryKind.iso3166_1,
        sa_type=String(16),
        description="Where the code comes from: `iso3166-1`; `iso3166-3`, a country ISO "
        "withdrew (its alpha-4: `CSHH` Czechoslovakia); `scheme`, a state ISO never listed (`X` "
        "and its Correlates of War or Gleditsch–Ward abbreviation: `XBAV` Bavaria).",
        schema_extra={"examples": ["iso3166-1"]},
    )


class Country(CountryBase, table=True):
    __tablename__ = "country"
    __table_args__ = (one_of("kind", CountryKind),)


class CountryRead(CountryBase):
    model_config = read_config(
        {
            "code": "RU",
            "alpha3": "RUS",
            "numeric": "643",
            "name": "Russian Federation",
            "official_name": None,
            "kind": "iso3166-1",
        }
    )
