"""Helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import pytest

# Run a test once against the embedded SQLite store and once against the machine's PostgreSQL.
BACKENDS = pytest.mark.parametrize("store_url", ["sqlite", "postgres"], indirect=True)
