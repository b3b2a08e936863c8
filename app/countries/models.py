"""ISO 3166-1 countries, copied from pycountry into the database so facts can reference them."""

from sqlmodel import Field, SQLModel

from app.common import read_config  # also sets the naming convention, before any table


class CountryBase(SQLModel):
    code: str = Field(
        primary_key=True,
        max_length=2,
        description="ISO 3166-1 alpha-2 code, the country's id everywhere in the API.",
        schema_extra={"examples": ["RU"]},
    )
    alpha3: str = Field(
        max_length=3,
        unique=True,
        description="ISO 3166-1 alpha-3 code.",
        schema_extra={"examples": ["RUS"]},
    )
    numeric: str = Field(
        max_length=3, description="ISO 3166-1 numeric code.", schema_extra={"examples": ["643"]}
    )
    name: str = Field(
        description="Short English name.", schema_extra={"examples": ["Russian Federation"]}
    )
    official_name: str | None = Field(
        default=None,
        description="Official English name, where ISO gives one.",
        schema_extra={"examples": ["Russian Federation"]},
    )


class Country(CountryBase, table=True):
    __tablename__ = "country"


class CountryRead(CountryBase):
    model_config = read_config(
        {
            "code": "RU",
            "alpha3": "RUS",
            "numeric": "643",
            "name": "Russian Federation",
            "official_name": None,
        }
    )
