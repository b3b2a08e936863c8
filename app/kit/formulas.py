"""Spreadsheet formulas in CSV cells (OWASP, "CSV Injection").

Excel and its kin run a cell that begins with `=`, `+`, `-` or `@` as a formula (some also
after a leading tab or carriage return): a source titled `=HYPERLINK("http://…","click")`
would open as a live link in the spreadsheet of whoever opens the export. As OWASP advises,
CSV exports put a single quote `'` before such text, which spreadsheets show as plain text;
CSV imports take it off again, so that export → import gives back the exact text.

The rule, with T = `=`, `+`, `-`, `@`, tab, carriage return:

- export: a text cell that begins with T, or with one or more `'` and then T, gets one more
  `'` in front (`=1+1` → `'=1+1`; `'=1+1` → `''=1+1`);
- import: a cell that begins with one or more `'` and then T loses its first `'`.

The two are exact inverses: a value that itself begins with `'=` comes back as it was, and
any other text (`'quoted'`, `-` inside a word) is left alone both ways. Numbers and dates are
not text cells: a count of -5 is written as `-5`.
"""

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import CheckConstraint, Column, String
from sqlalchemy.sql.elements import KeyedColumnElement
from sqlmodel.sql.sqltypes import AutoString

_FIRST = "=+-@\t\r'"  # the first characters worth a closer look
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_ADDED_QUOTE = re.compile(r"'+[=+\-@\t\r]")
_ONE_OF = re.compile(r"\s*(\w+) IN \((.*)\)\s*", re.DOTALL)


def neutralized(text: str) -> str:
    """The text as an export writes it: quoted when a spreadsheet would run it."""
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def restored(cell: str) -> str:
    """A CSV cell as an import reads it: the quote `neutralized` added taken off."""
    return cell[1:] if _ADDED_QUOTE.match(cell) else cell


def neutralize_cells(row: Sequence[Any]) -> list[Any]:
    """A CSV record with every text cell `neutralized`; numbers, dates and nulls as they are."""
    return [neutralized(v) if isinstance(v, str) and v[:1] in _FIRST else v for v in row]


def neutralize_columns(rows: list[Any], columns: Sequence[int]) -> None:
    """`neutralized` applied, in place, to the given text columns of driver tuples; only the
    rare row that needs it is copied."""
    for i in columns:
        for n, row in enumerate(rows):
            value = row[i]
            if value and value[0] in _FIRST and _NEEDS_QUOTE.match(value):
                row = rows[n] = list(row)
                row[i] = "'" + value


def may_hold_formula(column: KeyedColumnElement[Any]) -> bool:
    """Whether a column's cells need `neutralize_columns`: text, unless the database keeps it
    to a list of codes none of which needs it. Checking every text cell of a headcount export
    took a tenth of its time (measured), and 5 of its 6 text columns are such codes."""
    if not isinstance(column.type, String | AutoString):
        return False
    if not isinstance(column, Column) or column.table is None:
        return True
    # A foreign key to a text primary key: a code of a lookup table (a country).
    if any(fk.column.primary_key for fk in column.foreign_keys):
        return False
    for constraint in column.table.constraints:
        if isinstance(constraint, CheckConstraint):
            one_of = _ONE_OF.fullmatch(str(constraint.sqltext))
            if one_of and one_of[1] == column.name:
                values = re.findall(r"'((?:[^']|'')*)'", one_of[2])
                return any(_NEEDS_QUOTE.match(value.replace("''", "'")) for value in values)
    return True
