"""Fixtures for the name modules: real name resources from the shared folder, read once per session.

A missing resource fails the test loudly; nothing is skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SCHEMES_DIR = ("names", "russian_translit_schemes")
RIGOUR_PERSONS = ("names", "cross_script_equivalents", "rigour_1.5.0_persons.txt")


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"required shared resource is missing: {path}")
    return path


@pytest.fixture(scope="session")
def korean_dir(raw_dir: Path) -> Path:
    return _require(raw_dir / "names" / "korean")


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


@pytest.fixture(scope="session")
def scheme_files(raw_dir: Path) -> dict[str, dict[str, Any]]:
    """Every iuliia scheme file, by scheme name."""
    folder = _require(raw_dir.joinpath(*SCHEMES_DIR))
    files = sorted(folder.glob("*.json"))
    if not files:
        pytest.fail(f"no scheme files in {folder}")
    out: dict[str, dict[str, Any]] = {}
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        out[data["name"]] = data
    return out


@pytest.fixture(scope="session")
def rigour_groups(raw_dir: Path) -> list[list[str]]:
    """The equivalence groups of rigour's persons.txt ("a, b, c => Qid"), each a list of spellings."""
    path = _require(raw_dir.joinpath(*RIGOUR_PERSONS))
    groups: list[list[str]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            names, sep, _qid = line.rpartition("=>")
            if not sep:
                continue
            forms = [form.strip() for form in names.split(",") if form.strip()]
            if forms:
                groups.append(forms)
    if len(groups) < 100_000:
        pytest.fail(f"{path}: only {len(groups)} groups read; the file looks truncated")
    return groups
