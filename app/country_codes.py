"""Country codes: ISO 3166-1 alpha-2 or alpha-3 in any case, or the four letters of a country
that no longer exists (`app/historic_countries.py`: ISO 3166-3's alpha-4, or the documented
`X…` scheme), and nothing else. What is not a
code is refused, with the code its sender probably meant when there is one to suggest (an
alias such as `UK`, or a country's name): suggested, never accepted in its place."""

import re
import unicodedata
from bisect import bisect_left
from functools import cache
from typing import Any

import pycountry
from pydantic_core import PydanticCustomError

from app.errors import echoed

# What a code looks like: two, three or four ASCII letters, with spaces, tabs or line breaks around
# them if need be. The OpenAPI document gives this pattern (a client can check its codes before
# sending them), and `lookup` applies the very same one. (Spelled out rather than `\s`, which
# JSON Schema's, Python's and pydantic's regular expressions each read their own way.)
BLANKS = " \t\n\r\f\v"
CODE_PATTERN = r"^[ \t\n\r\f\v]*[A-Za-z]{2,4}[ \t\n\r\f\v]*$"
_CODE = re.compile(CODE_PATTERN)

# Codes sent for a country that ISO 3166-1 does not use for it: (the code it uses, why).
# Sources: ISO 3166-1's exceptionally reserved codes (UK, reserved at the United Kingdom's
# request; FX, "France, Metropolitan", assigned until 1997); the EU's Interinstitutional Style
# Guide, which writes Greece EL (and the United Kingdom UK); ISO 3166-3, the codes of countries
# renamed (BU/BUR, TP/TMP, ZR/ZAR) or recoded (Romania's ROM until 2002), which ISO keeps
# reserved; and the Soviet Union's SU/SUN (ISO 3166-3 too), whose UN seat and missions the
# Russian Federation continued, which matters for a record of diplomatic representation.
CODE_ALIASES: dict[str, tuple[str, str]] = {
    "UK": ("GB", "reserved by ISO 3166-1 at the United Kingdom's request, not assigned"),
    "EL": ("GR", "the EU's code for Greece, not ISO's"),
    "FX": ("FR", "Metropolitan France's code until 1997"),
    "BU": ("MM", "Burma's code until 1989"),
    "BUR": ("MMR", "Burma's code until 1989"),
    "TP": ("TL", "East Timor's code until 2002"),
    "TMP": ("TLS", "East Timor's code until 2002"),
    "ZR": ("CD", "Zaire's code until 1997"),
    "ZAR": ("COD", "Zaire's code until 1997"),
    "ROM": ("ROU", "Romania's alpha-3 code until 2002"),
    "SU": ("RU", "the Soviet Union's code until 1992; Russia continued its seat and missions"),
    "SUN": ("RUS", "the Soviet Union's code until 1992; Russia continued its seat and missions"),
}

# English names of countries that ISO 3166-1 names otherwise (renamed, or named formally), for
# the names ISO's own (`name`, `official_name`, `common_name`) do not cover.
NAME_ALIASES: dict[str, str] = {
    "turkey": "TR",  # Türkiye since 2022
    "swaziland": "SZ",  # Eswatini since 2018
    "ivory coast": "CI",
    "cape verde": "CV",  # Cabo Verde
    "east timor": "TL",
    "burma": "MM",
    "zaire": "CD",
    "holland": "NL",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "britain": "GB",
    "great britain": "GB",
    "america": "US",
    "vatican": "VA",
    "soviet union": "RU",
    "ussr": "RU",
    "russia": "RU",  # the Russian Federation
    "brunei": "BN",  # Brunei Darussalam
    "democratic republic of the congo": "CD",  # Congo, The Democratic Republic of the
}

NAME_LENGTHS = range(4, 81)  # shorter is no name to search by (`UK`: see above); longer, none
MOST_SUGGESTED = 3


def lookup(code: str) -> Any | None:
    """The pycountry entry for an alpha-2 or alpha-3 code in any case, the historic country of
    a four-letter code, or None."""
    if not _CODE.fullmatch(code):
        return None
    code = code.strip(BLANKS).upper()
    if len(code) == 2:
        return pycountry.countries.get(alpha_2=code)
    if len(code) == 3:
        return pycountry.countries.get(alpha_3=code)
    from app.historic_countries import historic_countries

    return historic_countries().get(code)


def normalize_country(code: str) -> str:
    """Alpha-2 for an alpha-2 or alpha-3 code, the code of a historic country as it is; a
    validation error naming the code otherwise (and the code meant, if it can tell):
    `country_code` when it is not two to four letters,
    `unknown_country` when it is, but ISO 3166-1 assigns them to no country (`ZZ`, `UK`)."""
    entry = lookup(code)
    if entry is None:
        kind = "unknown_country" if _CODE.fullmatch(code) else "country_code"
        message = f"{echoed(code)} is not an ISO 3166-1 alpha-2 or alpha-3 country code, "
        message += f"nor a former country's code{hint(code)}"
        raise PydanticCustomError(kind, message)
    alpha2: str = entry.alpha_2
    return alpha2


def hint(text: str) -> str:
    """`: did you mean 'GB' (United Kingdom)? …` for an alias or a country's name; '' when
    there is nothing to suggest. Runs only on the error path."""
    alias = CODE_ALIASES.get(text.strip().upper())
    if alias is not None:
        code, why = alias
        return f": did you mean {_named(code)}? '{text.strip()}' is {why}."
    codes = _by_name(text)
    if not codes:
        return ""
    return f": did you mean {' or '.join(_named(code) for code in codes)}?"


def _named(code: str) -> str:
    entry = lookup(code)
    return f"'{code}' ({entry.name})" if entry is not None else f"'{code}'"


def _words(text: str) -> str:
    """Lower-case ASCII words: 'Côte d'Ivoire' is 'cote d ivoire'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", ascii_text.casefold()))


@cache
def _names() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Every country's names, whole, and from each of their words on, sorted: the names with a
    word that a text begins are then found by bisection, not by a scan."""
    whole: dict[str, str] = dict(NAME_ALIASES)
    for entry in pycountry.countries:
        for field in ("name", "official_name", "common_name"):
            if value := getattr(entry, field, None):
                whole.setdefault(_words(value), entry.alpha_2)
    parts = sorted(
        (name[start:], code)
        for name, code in whole.items()
        for start in [0, *(m.end() for m in re.finditer(" ", name))]
    )
    return whole, parts


NOT_THE_SAME = frozenset({"england", "scotland", "wales", "america", "soviet union", "ussr"})
"""Names the country filter suggests a code for that are not the country's own (a part of it,
a continent, the state it continued): a search for them is not a search for it."""


ABBREVIATIONS: dict[str, str] = {"u s": "US", "u s a": "US", "usa": "US", "uk": "GB", "u k": "GB"}
"""Abbreviations a search reads as the country too (`U.S. embassy moscow` found no `embassy of
United States in Moscow`: a new user's trial), whose names the records' titles say although
another country's holds them (`United States Minor Outlying Islands`). Not `us`, a word. The
country filter reads codes, not these (`UK` there says it is not a code)."""


@cache
def other_names() -> dict[str, str]:
    """Each name of a country (as `_words` writes it) that is not its ISO 3166-1 name, with
    that name: `russia` → `Russian Federation`, `ivory coast` → `Côte d'Ivoire`, `turkey` →
    `Türkiye` (what the records' titles say). Not of a country whose name another's holds:
    `Congo` would find the Democratic Republic's too, and `-"republic of the congo"` leave it
    out."""
    named = {entry.alpha_2: f" {_words(entry.name)} " for entry in pycountry.countries}
    within = {  # `Congo`, `Guinea`, `Sudan`, `China`, `Samoa`
        code
        for code, name in named.items()
        if any(name in other for key, other in named.items() if key != code)
    }
    found = {}
    for words, code in _names()[0].items():
        entry = lookup(code)
        if entry is None or code in within or words in NOT_THE_SAME:
            continue
        if words != _words(entry.name):
            found[words] = entry.name
    for words, code in ABBREVIATIONS.items():
        if (country := pycountry.countries.get(alpha_2=code)) is not None:
            found[words] = country.name
    return found


def words_of(text: str) -> str:
    """A text's lower-case ASCII words, as country names are compared (`other_names`)."""
    return _words(text)


def _by_name(text: str) -> list[str]:
    """The codes of the countries whose name is the text, or has a word that starts with it:
    whole words first ('america' is the US before American Samoa)."""
    words = _words(text)
    if len(words) not in NAME_LENGTHS:
        return []
    whole, parts = _names()
    if words in whole:
        return [whole[words]]
    found: dict[str, int] = {}
    index = bisect_left(parts, (words,))
    while index < len(parts) and parts[index][0].startswith(words):
        part, code = parts[index]
        partial_word = len(part) > len(words) and part[len(words)] != " "
        found[code] = min(found.get(code, 2), int(partial_word))
        index += 1
    return sorted(found, key=lambda code: (found[code], code))[:MOST_SUGGESTED]
