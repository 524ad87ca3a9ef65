"""List formats: one module per format; each plans (files, list, checksum) and parses to entity records."""

from __future__ import annotations

from pathlib import Path

from accomplice.errors import AccompliceError, InputError
from accomplice.sources.base import InputFile, ListFormat, Parsed, Plan

__all__ = ["FORMAT_NAMES", "InputFile", "ListFormat", "Parsed", "Plan", "get_format"]

FORMAT_NAMES = ("ofac", "un", "ftm", "csv", "uk", "eu")

# Formats that are a CSV mapping shipped with accomplice (src/accomplice/sources/mappings).
SHIPPED_FORMATS = {"uk": "uk_hmt_conlist.yml", "eu": "eu_journal.yml"}


def get_format(name: str, *, mapping: Path | None = None) -> ListFormat:
    """The loader for a format name as the CLI spells it (`ofac`, `un`, `ftm`, `csv`, `uk`, `eu`)."""
    # The formats are imported when one is asked for: they load followthemoney (~0.7 s), which a CLI
    # call that screens a name does not need.
    from accomplice.sources.ftm import FtmJson
    from accomplice.sources.mapping import MappedCsv, shipped_mapping, shipped_mappings
    from accomplice.sources.ofac import OfacCsv
    from accomplice.sources.un import UnXml

    if name == "ofac":
        return OfacCsv()
    if name == "un":
        return UnXml()
    if name == "ftm":
        return FtmJson()
    if name == "csv":
        if mapping is None:
            raise AccompliceError("the csv format needs a mapping file (--mapping FILE.yml)")
        if not mapping.exists() and mapping.parent == Path():
            # A bare name that is no file here: a mapping shipped with accomplice (`--mapping us_bis_mieu`).
            try:
                mapping = shipped_mapping(mapping.name)
            except AccompliceError:
                known = ", ".join(shipped_mappings())
                raise InputError(
                    str(mapping), f"no such mapping file, nor a shipped one; shipped: {known}"
                ) from None
        return MappedCsv(mapping)
    if name in SHIPPED_FORMATS:
        return MappedCsv(mapping or shipped_mapping(SHIPPED_FORMATS[name]), name=name)
    known = ", ".join(FORMAT_NAMES)
    raise ValueError(f"unknown list format {name!r}; known: {known}")
