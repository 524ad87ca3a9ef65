"""Readers for the shared Korean name resources (real files; a missing file fails the test loudly)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def korean_dir(raw_dir: Path) -> Path:
    path = raw_dir / "names" / "korean"
    if not path.is_dir():
        pytest.fail(f"Korean name resources not found at {path}")
    return path


@pytest.fixture(scope="session")
def mr_names(korean_dir: Path) -> list[tuple[str, str]]:
    """The 1,350 (Hangul, McCune–Reischauer) person names of digitalprk/mcr_romanization."""
    rows = []
    for line in (korean_dir / "mcr_person_names_hangul_to_mr.tsv").read_text(encoding="utf-8").splitlines():
        hangul, mr = line.split("\t")
        rows.append((hangul, mr))
    assert len(rows) == 1350
    return rows


@pytest.fixture(scope="session")
def comprehensive(korean_dir: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(
        (korean_dir / "korean_names_comprehensive.json").read_text(encoding="utf-8")
    )
    return records


@pytest.fixture(scope="session")
def names_1000(korean_dir: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(
        (korean_dir / "korean_names_1000.json").read_text(encoding="utf-8")
    )
    return records
