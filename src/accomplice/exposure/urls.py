"""Which source addresses become links: http(s) with a host, nothing else.

A source's address is typed by whoever imports exposure data (an importer among them) and shown to others
as a link; a `javascript:` or `data:` address would run in the reader's session when clicked.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["WEB_SCHEMES", "is_web_url"]

WEB_SCHEMES = frozenset({"http", "https"})


def is_web_url(text: str | None) -> bool:
    """True for an absolute http:// or https:// address with a host."""
    if not text:
        return False
    try:
        parts = urlsplit(text.strip())
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)
