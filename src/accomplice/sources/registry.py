"""The list formats accomplice reads, in one table: each row names the format, builds its reader and carries
the help and example that `accomplice load NAME` shows.

`get_format`, `FORMAT_NAMES` and the `load` commands are all read from `FORMATS`: a new format is one row
here (and its reader module), never a new branch in three places.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from accomplice.errors import AccompliceError, InputError
from accomplice.sources.base import ListFormat

# The readers are imported when a format is asked for, not with this table: they load followthemoney
# (~0.7 s), which a CLI call that only screens a name from the persisted index does not need.

__all__ = ["FORMATS", "FORMAT_NAMES", "FormatInfo", "get_format"]

# Builds a format's reader; `mapping` is the --mapping file given, if any.
Reader = Callable[[Path | None], ListFormat]


@dataclass(frozen=True, slots=True)
class FormatInfo:
    """One list format: its CLI name, how to build its reader, and what `accomplice load NAME --help` says."""

    name: str
    reader: Reader
    help: str
    example: str
    # `load NAME --download` is offered: the official list is fetched into the cache, or, where there is no
    # official copy in the layout the reader takes (the EU), the downloader says so.
    downloadable: bool = False
    # The reader needs a mapping file (`--mapping FILE.yml`), and the command a file to read.
    needs_mapping: bool = False

    @property
    def command_help(self) -> str:
        return f"{self.help}\n\nExample: {self.example}"


def _ofac_reader(_mapping: Path | None) -> ListFormat:
    from accomplice.sources.ofac import OfacCsv

    return OfacCsv()


def _un_reader(_mapping: Path | None) -> ListFormat:
    from accomplice.sources.un import UnXml

    return UnXml()


def _ftm_reader(_mapping: Path | None) -> ListFormat:
    from accomplice.sources.ftm import FtmJson

    return FtmJson()


def _csv_reader(mapping: Path | None) -> ListFormat:
    from accomplice.sources.mapping import MappedCsv, shipped_mapping, shipped_mappings

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


def _shipped_reader(name: str, file_name: str) -> Reader:
    """A format that is a CSV mapping shipped with accomplice (src/accomplice/sources/mappings)."""

    def reader(mapping: Path | None) -> ListFormat:
        from accomplice.sources.mapping import MappedCsv, shipped_mapping

        return MappedCsv(mapping or shipped_mapping(file_name), name=name)

    return reader


FORMATS: dict[str, FormatInfo] = {
    f.name: f
    for f in (
        FormatInfo(
            "ofac",
            _ofac_reader,
            "OFAC legacy CSV: a folder with sdn.csv (or cons_prim.csv) + add/alt/comments, "
            "or a lone primary file.",
            "accomplice load ofac ../shared/data/raw/ofac/2023-12-28 --date 2023-12-28",
            downloadable=True,
        ),
        FormatInfo(
            "un",
            _un_reader,
            "UN Security Council consolidated list (XML); DPRK (1718 Committee) entries are KPi.*/KPe.*.",
            "accomplice load un ../shared/data/raw/un/un_consolidated_2026-02-27.xml",
            downloadable=True,
        ),
        FormatInfo(
            "ftm",
            _ftm_reader,
            "FollowTheMoney JSON lines (OpenSanctions exports, custom lists); keys are the entity ids.",
            "accomplice load ftm entities.ftm.json --list my_list",
        ),
        FormatInfo(
            "csv",
            _csv_reader,
            "Any CSV through a FollowTheMoney mapping file.",
            "accomplice load csv targets.simple.csv --mapping opensanctions_targets_simple.yml",
            needs_mapping=True,
        ),
        FormatInfo(
            "uk",
            _shipped_reader("uk", "uk_hmt_conlist.yml"),
            "UK HM Treasury / OFSI consolidated list CSV; keys are uk:<Group ID>.",
            "accomplice load uk ../shared/data/raw/uk/hmt_conlist_2018-04-13.csv",
            downloadable=True,
        ),
        FormatInfo(
            "eu",
            _shipped_reader("eu", "eu_journal.yml"),
            "EU sanctions listings as CSV (Official Journal consolidated regulation tables).",
            "accomplice load eu ../shared/data/raw/eu/eu_journal_consolidated_32017R1509.csv",
            downloadable=True,
        ),
    )
}

FORMAT_NAMES = tuple(FORMATS)


def get_format(name: str, *, mapping: Path | None = None) -> ListFormat:
    """The loader for a format name as the CLI spells it (`ofac`, `un`, `ftm`, `csv`, `uk`, `eu`)."""
    info = FORMATS.get(name)
    if info is None:
        known = ", ".join(FORMAT_NAMES)
        raise ValueError(f"unknown list format {name!r}; known: {known}")
    return info.reader(mapping)
