"""CSV written for spreadsheets: a cell that a spreadsheet would run as a formula is written as text.

Screening results echo names from uploaded files and from the lists; a cell such as `=HYPERLINK(...)`,
`+cmd|' /C calc'!A0` or `@SUM(...)` would run when an analyst opens the download in Excel or LibreOffice
(CSV injection, CWE-1236). OWASP's remedy: put a single quote before any cell that starts with = + - @,
a tab or a carriage return, so it shows as the text it is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

__all__ = ["FORMULA_LEADS", "formula_safe", "formula_safe_writer"]

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
# A plain number ("-0.5", "+7") is data, not a formula: spreadsheets read it as the number it is.
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def formula_safe(cell: object) -> object:
    """The cell, with a leading `'` when a spreadsheet would otherwise run it as a formula."""
    if isinstance(cell, str) and cell.startswith(FORMULA_LEADS) and not _NUMBER.match(cell):
        return "'" + cell
    return cell


class _FormulaSafeWriter:
    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([formula_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def formula_safe_writer(out: IO[str], **options: Any) -> _FormulaSafeWriter:
    """A `csv.writer` over `out` whose every cell passes through `formula_safe`."""
    return _FormulaSafeWriter(out, **options)
