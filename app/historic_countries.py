"""States that no longer exist (and the few that ISO 3166-1 does not list), and the state
systems' codes of every state, from the bundled data sets' own tables (docs/datasets.md, §7).

Kenkel's range files name every state of two state systems, Correlates of War (COW) and
Gleditsch–Ward (GWM), with the system's abbreviation, its number, its name and the State
Department's name for it. Each state is resolved once, by those names, in this order:

1. ISO 3166-3 (pycountry's `historic_countries`): a withdrawn country whose name, or a part of
   it before a comma, is one of the state's names ("Czechoslovakia", "Yugoslavia", "German
   Democratic Republic") gets its alpha-4 code (`CSHH`, `YUCS`, `DDDE`);
2. ISO 3166-1: a country whose name is one of the state's names (through the same name table
   that suggests codes to clients, `country_codes.NAME_ALIASES` included) gets its alpha-2;
3. the rest get a code of the documented scheme: `X` and the system's own abbreviation
   (`XBAV` Bavaria, `XPAP` the Papal States). No ISO 3166-1 alpha-2 and no ISO 3166-3 alpha-4
   begins with X followed by three letters, so no scheme code can be taken for an ISO one.

`STATE_OVERRIDES` corrects the names where they mislead, each with its reason; a test holds
the result to two invariants: every state of both files resolves, and no two states whose
periods overlap share a code.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pycountry
import yaml

KENKEL_DIR = Path(__file__).resolve().parents[1] / "seed" / "datasets" / "us-mission-status"
LISTED = Path(__file__).resolve().parents[1] / "seed" / "datasets" / "countries.yaml"
KENKEL_FILES = {
    "cow": "mission_status_range_cow_v0.1.csv",
    "gwm": "mission_status_range_gwm_v0.1.csv",
}
SYSTEM_COLUMN = {"cow": "cow", "gwm": "gw"}  # the files' column suffix per system

SCHEME_PREFIX = "X"

# A state system's abbreviation → (the code, why): where the names would give another state's
# code, or a scheme code where ISO 3166-3 has one.
STATE_OVERRIDES: dict[str, tuple[str | None, str]] = {
    "RVN": (
        None,
        "the Republic of Vietnam (South Vietnam, 1954–1975): the State Department's name "
        "'Vietnam' would give VN, which is the state COW and GW call DRV",
    ),
    "DRV": (
        "VN",
        "the Democratic Republic of Vietnam runs on in both systems as today's Vietnam "
        "(one series, 1954 to the data's end)",
    ),
    "HSD": (
        "XHSG",
        "GW's Hesse-Darmstadt (Ducal) is COW's Hesse Grand Ducal (both number 275, the same years)",
    ),
    "YPR": (
        "YDYE",
        "the People's Democratic Republic of Yemen (South Yemen), ISO 3166-3 'Yemen, "
        "Democratic', whose name differs from the systems'",
    ),
}


@dataclass
class State:
    """One state of a state system, as Kenkel's files name it."""

    system: str
    abbrev: str
    number: str
    names: list[str]
    periods: list[tuple[str, str]] = field(default_factory=list)  # (first day, last day)


@dataclass(frozen=True)
class Historic:
    """A country of the country table that ISO 3166-1 does not list."""

    code: str
    name: str
    kind: str  # "iso3166-3" or "scheme"
    alpha3: str | None = None
    official_name: str | None = None
    continued_by: str | None = None

    @property
    def alpha_2(self) -> str:  # the country's id, as `country_codes.lookup` gives it
        return self.code


@cache
def read_rows(system: str, directory: Path = KENKEL_DIR) -> tuple[dict[str, str], ...]:
    """A range file's rows, each with its line number (`_line`) and the line as it stands in
    the file (`_text`): the file's bytes decoded as published, CRLF kept. Read once a process
    (the country table, its crosswalk and the chronology's names all read them)."""
    text = (directory / KENKEL_FILES[system]).read_bytes().decode("utf-8")
    lines = text.splitlines()
    rows = []
    for number, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        row["_line"] = str(number)
        row["_text"] = lines[number - 1]
        rows.append(row)
    return tuple(rows)


def states(directory: Path = KENKEL_DIR) -> Iterator[State]:
    """Every state of both files, with its periods of membership."""
    for system, suffix in SYSTEM_COLUMN.items():
        found: dict[str, State] = {}
        for row in read_rows(system, directory):
            abbrev = row[f"country_abbrev_{suffix}"]
            state = found.get(abbrev)
            if state is None:
                names = [row[f"country_name_{suffix}"], row["country_name_usdos"]]
                state = found[abbrev] = State(
                    system, abbrev, row[f"country_code_{suffix}"], [n for n in names if n]
                )
            elif row["country_name_usdos"] and row["country_name_usdos"] not in state.names:
                state.names.append(row["country_name_usdos"])
            state.periods.append((row["date_start"], row["date_end"]))
        yield from found.values()


def _variants(name: str) -> list[str]:
    """A name, and its parts: 'Cote d’Ivoire (Ivory Coast)' is also 'Cote d’Ivoire' and
    'Ivory Coast'."""
    found = [name]
    if "(" in name and name.endswith(")"):
        outer, inner = name[:-1].split("(", 1)
        found += [outer.strip(), inner.strip()]
    return found


@cache
def _historic_by_name() -> dict[str, object]:
    from app.country_codes import _words

    table: dict[str, object] = {}
    for entry in pycountry.historic_countries:
        for part in [entry.name, *entry.name.split(",")[:1]]:
            table.setdefault(_words(part), entry)
    return table


def _iso3166_3(entry: object, state: State) -> Historic:
    return Historic(
        code=entry.alpha_4,  # type: ignore[attr-defined]
        name=state.names[0],
        kind="iso3166-3",
        alpha3=entry.alpha_3,  # type: ignore[attr-defined]
        official_name=entry.name,  # type: ignore[attr-defined]
    )


def resolve(state: State) -> Historic | str:
    """A state's country: an ISO 3166-1 alpha-2, or the historic country it is."""
    from app.country_codes import _names, _words

    scheme = Historic(code=SCHEME_PREFIX + state.abbrev, name=state.names[0], kind="scheme")
    if state.abbrev in STATE_OVERRIDES:
        code = STATE_OVERRIDES[state.abbrev][0]
        if code is None:
            return scheme
        if len(code) == 2:
            return code
        if code.startswith(SCHEME_PREFIX):
            return Historic(code=code, name=state.names[0], kind="scheme")
        return _iso3166_3(pycountry.historic_countries.get(alpha_4=code), state)
    whole, _ = _names()
    historic = _historic_by_name()
    for name in state.names:  # the system's own name first, then the State Department's
        for variant in map(_words, _variants(name)):
            if variant in whole:
                return whole[variant]
            if variant in historic:
                return _iso3166_3(historic[variant], state)
    return scheme


def code_of(resolved: Historic | str) -> str:
    return resolved if isinstance(resolved, str) else resolved.code


@cache
def _resolved(directory: Path = KENKEL_DIR) -> dict[tuple[str, str], Historic | str]:
    return {(state.system, state.abbrev): resolve(state) for state in states(directory)}


@cache
def row_codes(directory: Path = KENKEL_DIR) -> dict[tuple[str, str], str]:
    """(system, the row as it stands) → the country of each row of both range files (a row
    names its state and its span, so no two rows of a file are the same line).

    A COW row's is its state's. A GWM row takes the country of the COW row with the same State
    Department name on an overlapping span, where there is one (the two systems then speak of
    one state: GWM's Kingdom of Serbia, 1878–1915, is COW's Yugoslavia, `YUG`, which COW
    starts in 1878), the COW state of the same abbreviation first; else the COW state of the
    same abbreviation; else its own."""
    resolved = _resolved(directory)
    codes: dict[tuple[str, str], str] = {}
    by_usdos: dict[str, list[tuple[str, str, str]]] = {}
    for row in read_rows("cow", directory):
        code = code_of(resolved[("cow", row["country_abbrev_cow"])])
        codes[("cow", row["_text"])] = code
        if row["country_name_usdos"]:
            by_usdos.setdefault(row["country_name_usdos"], []).append(
                (row["date_start"], row["date_end"], code)
            )
    for row in read_rows("gwm", directory):
        abbrev = row["country_abbrev_gw"]
        same_name = [
            code
            for start, end, code in by_usdos.get(row["country_name_usdos"], [])
            if start <= row["date_end"] and row["date_start"] <= end
        ]
        own = code_of(resolved[("cow", abbrev)]) if ("cow", abbrev) in resolved else None
        if same_name:
            code = own if own in same_name else same_name[0]
        elif own is not None:
            code = own
        else:
            code = code_of(resolved[("gwm", abbrev)])
        codes[("gwm", row["_text"])] = code
    return codes


@cache
def historic_countries(directory: Path = KENKEL_DIR) -> dict[str, Historic]:
    """Every country the data sets name that ISO 3166-1 does not list, by code (named as the
    first file naming it, COW, names it), then the Office of the Historian's own states
    (`seed/datasets/countries.yaml`)."""
    used = set(row_codes(directory).values())
    found: dict[str, Historic] = {}
    for resolved in _resolved(directory).values():
        if isinstance(resolved, Historic) and resolved.code in used:
            found.setdefault(resolved.code, resolved)
    for entry in _listed()["states"]:
        assert entry["code"] not in found, f"{entry['code']} is coded twice"
        found[entry["code"]] = Historic(code=entry["code"], name=entry["name"], kind="scheme")
    return found


@cache
def _listed() -> dict[str, list[dict[str, str]]]:
    listed: dict[str, list[dict[str, str]]] = yaml.safe_load(LISTED.read_text(encoding="utf-8"))
    return listed


@cache
def listed_code(files: str, slug: str) -> str | None:
    """The code `seed/datasets/countries.yaml` gives an rdcr article's or a pocom territory's slug
    (`files`: "rdcr" or "pocom"), if it lists it."""
    for entry in _listed()["states"] + _listed()["same_as"]:
        if entry.get(files) == slug:
            return entry["code"]
    return None
