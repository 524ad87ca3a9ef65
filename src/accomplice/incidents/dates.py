"""Dates with their precision, as EDTF (ISO 8601-2) writes them: `2023-08-29` (day), `2023-08` (month),
`2023` (year), `2016~` (approximate), `2017-01-31/2017-02-09` (a range), `2023/..` (open end).

An incident is often known only to the year, or as a period; the precision travels with the date so that a
timeline never draws a year-precise event as if it happened on 1 January.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["DatePrecisionError", "EdtfDate", "parse_edtf_interval", "parse_partial_date"]

PRECISIONS = ("day", "month", "year", "approximate")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(~)?$")


class DatePrecisionError(ValueError):
    """A date that is not EDTF (YYYY, YYYY-MM, YYYY-MM-DD, with ~ for approximate)."""


@dataclass(frozen=True, slots=True)
class EdtfDate:
    """One end of an incident's period: the earliest day it may mean, and how precisely it is known."""

    text: str  # as EDTF writes it
    earliest: date
    latest: date
    precision: str  # day | month | year
    approximate: bool = False


def parse_partial_date(text: str) -> EdtfDate:
    value = text.strip()
    match = _PARTIAL.match(value)
    if not match:
        raise DatePrecisionError(f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD, ~ for approximate)")
    year, month, day, approx = match.groups()
    try:
        if day:
            exact = date(int(year), int(month), int(day))
            return EdtfDate(value, exact, exact, "day", bool(approx))
        if month:
            start = date(int(year), int(month), 1)
            end = date(int(year) + (int(month) == 12), int(month) % 12 + 1, 1)
            return EdtfDate(value, start, date.fromordinal(end.toordinal() - 1), "month", bool(approx))
        return EdtfDate(value, date(int(year), 1, 1), date(int(year), 12, 31), "year", bool(approx))
    except ValueError as exc:
        raise DatePrecisionError(f"{text!r}: {exc}") from exc


def parse_edtf_interval(start: str | None, end: str | None, precision: str | None) -> str:
    """The EDTF text of a record's `date_start`, `date_end` and `date_precision` (as the shared file
    writes them): one date, or `start/end`, with `~` when the precision is `approximate`."""
    if not start:
        raise DatePrecisionError("date_start is missing")
    if precision is not None and precision not in PRECISIONS:
        raise DatePrecisionError(f"date_precision {precision!r} is not one of {', '.join(PRECISIONS)}")
    marker = "~" if precision == "approximate" else ""
    first = parse_partial_date(start.rstrip("~"))
    text = first.text + marker
    if end and end.rstrip("~") != start.rstrip("~"):
        last = parse_partial_date(end.rstrip("~"))
        if last.latest < first.earliest:
            raise DatePrecisionError(f"date_end {end} is before date_start {start}")
        text = f"{text}/{last.text}{marker}"
    return text
