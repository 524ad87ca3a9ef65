"""HTTP interface (FastAPI): JSON API and the server-rendered web UI on one app."""

from __future__ import annotations

from accomplice.api.app import create_app

__all__ = ["create_app"]
