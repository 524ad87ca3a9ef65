"""List formats: one module per format; each plans (files, list, checksum) and parses to entity records."""

from __future__ import annotations

from pathlib import Path

from accomplice.sources.base import InputFile, ListFormat, Parsed, Plan
from accomplice.sources.ofac import OfacCsv
from accomplice.sources.un import UnXml

__all__ = ["FORMAT_NAMES", "InputFile", "ListFormat", "Parsed", "Plan", "get_format"]

FORMAT_NAMES = ("ofac", "un")


def get_format(name: str, *, mapping: Path | None = None) -> ListFormat:
    """The loader for a format name as the CLI spells it (`ofac`, `un`, `ftm`, `csv`, `uk`, `eu`)."""
    if name == "ofac":
        return OfacCsv()
    if name == "un":
        return UnXml()
    known = ", ".join(FORMAT_NAMES)
    raise ValueError(f"unknown list format {name!r}; known: {known}")
