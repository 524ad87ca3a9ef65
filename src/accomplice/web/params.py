"""Typed request parameters shared by the pages and the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

__all__ = ["ROW_ID_MAX", "RowId"]

# Row ids are 64-bit signed integers on both databases; a larger number in a URL names nothing, and
# SQLite's driver would raise on it (OverflowError) instead of answering "not found".
ROW_ID_MAX = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="Row id.")]
