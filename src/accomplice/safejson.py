"""JSON from outside, parsed without letting its shape crash the reader.

`json.loads` recurses once per nested array or object: a line of 100,000 `[` raises RecursionError, which
no caller expected, and the server answered 500. Here it is a JSONDecodeError like any other bad JSON, so
every reader's existing "invalid JSON" message (with file and line) covers it.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["JSONTooDeep", "loads"]


class JSONTooDeep(json.JSONDecodeError):
    """A JSON text nested deeper than the parser can follow."""


def loads(text: str | bytes) -> Any:
    """`json.loads`, with nesting too deep to parse raised as JSONTooDeep (a JSONDecodeError)."""
    try:
        return json.loads(text)
    except RecursionError:
        doc = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
        raise JSONTooDeep("arrays or objects nested too deeply", doc[:200], 0) from None
