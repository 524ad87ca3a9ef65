"""List formats: one module per format; each plans (files, list, checksum) and parses to entity records.

`registry.FORMATS` names them all: the CLI's `load` commands and `get_format` are read from it.
"""

from __future__ import annotations

from accomplice.sources.base import InputFile, ListFormat, Parsed, Plan
from accomplice.sources.registry import FORMAT_NAMES, FORMATS, FormatInfo, get_format

__all__ = ["FORMATS", "FORMAT_NAMES", "FormatInfo", "InputFile", "ListFormat", "Parsed", "Plan", "get_format"]
