"""Helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import csv
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from accomplice.store import Store, open_store

# Run a test once against the embedded SQLite store and once against the machine's PostgreSQL.
BACKENDS = pytest.mark.parametrize("store_url", ["sqlite", "postgres"], indirect=True)


def copy_of_store(store: Store, path: Path) -> Store:
    """A private copy of a SQLite store at `path` (SQLite's online backup), for tests that write to it."""
    source = store.engine.url.database
    assert source is not None
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(path)) as copy:
        original.backup(copy)
    return open_store(f"sqlite:///{path}")


# Real names in other scripts, for files written in the legacy encodings of those scripts.
EU_UKRAINE = "eu/eu_journal_consolidated_32014R0269.csv"
CN_TABLE = "opensanctions/source_tables/cn_countersanctions.csv"
KOREAN_NAMES = "names/korean/mcr_person_names_hangul_to_mr.tsv"
WESTERN_NAMES = "names/screening_fixtures/negatives_global.csv"


def names_in_script_of(raw_dir: Path, encoding: str, count: int) -> list[str]:
    """`count` real names in the script a legacy encoding is for: Cyrillic aliases of the EU list (cp1251),
    the PRC countersanctions table (gb18030), Korean names (euc-kr), accented Western names (latin-1)."""
    if encoding == "cp1251":
        with (raw_dir / EU_UKRAINE).open(encoding="utf-8", newline="") as fh:
            aliases = (a.strip() for row in csv.DictReader(fh) for a in row["alias"].split(";"))
            return [a for a in aliases if re.fullmatch(r"[А-яЁё\s-]+", a)][:count]
    if encoding == "gb18030":
        with (raw_dir / CN_TABLE).open(encoding="utf-8", newline="") as fh:
            return [row["Chinese name"] for row in csv.DictReader(fh) if row["Chinese name"]][:count]
    if encoding == "euc-kr":
        with (raw_dir / KOREAN_NAMES).open(encoding="utf-8") as fh:
            return [line.split("\t")[0] for line in fh][:count]
    if encoding == "latin-1":
        with (raw_dir / WESTERN_NAMES).open(encoding="utf-8", newline="") as fh:
            names = [row["full_name"] for row in csv.DictReader(fh) if not row["full_name"].isascii()]
        return [n for n in names if n.encode("latin-1", errors="ignore").decode("latin-1") == n][:count]
    raise ValueError(f"no names kept for {encoding!r}")


# The exposure examples and the accounts of the two-organisation scenario: the enforcement side (a
# researcher and an analyst) and two importers, each of its own organisation.
EXPOSURE_DATA = Path(__file__).parent / "exposure_data"
SHARED_EXPOSURE_FILES = (
    ("relations", "relations.csv"),
    ("ownership", "ownership.csv"),
    ("facilities", "facilities.csv"),
    ("evidence", "evidence.jsonl"),
    ("shipments", "shipments.csv"),
)
ORG_ACCOUNTS = (
    ("researcher", ["researcher"], "ngo"),
    ("analyst", ["analyst"], "cbp"),
    ("acme", ["importer"], "acme"),
    ("globex", ["importer"], "globex"),
)


def seed_two_importer_orgs(store: Store) -> None:
    """The shared exposure examples, stored by the enforcement side, and the accounts of ORG_ACCOUNTS."""
    from accomplice.services import auth as accounts
    from accomplice.services import exposure

    for kind, name in SHARED_EXPOSURE_FILES:
        exposure.import_file(store, kind, EXPOSURE_DATA / name, user="researcher")
    operator = accounts.operator_principal("tester")
    for name, roles, org in ORG_ACCOUNTS:
        accounts.add_user(store, operator, name=name, roles=roles, org=org)


def bearer_tokens(store: Store) -> dict[str, dict[str, str]]:
    """An Authorization header per account of ORG_ACCOUNTS."""
    from accomplice.services import auth as accounts

    operator = accounts.operator_principal("tester")
    return {
        name: {"Authorization": f"Bearer {accounts.issue_token(store, operator, user=name).secret}"}
        for name, _roles, _org in ORG_ACCOUNTS
    }
