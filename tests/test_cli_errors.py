"""What the real `accomplice` console script says to a user who mistypes, or points it at the wrong store:
one line (or Click's usage block), never a Python traceback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from accomplice.store import open_store


def _accomplice() -> str:
    found = shutil.which("accomplice", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the accomplice console script is not installed next to this Python")
    return found


def run_cli(*args: str, cwd: Path, db: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script; `cwd` keeps anything a bug creates out of the work tree."""
    prefix = ["--db", db] if db is not None else []
    return subprocess.run(
        [_accomplice(), *prefix, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
    )


USAGE_MISTAKES = [
    pytest.param(["casez"], "No such command 'casez'", id="unknown-command"),
    pytest.param(["screen", "--nme", "x"], "No such option: --nme", id="unknown-option"),
    pytest.param(["entity"], "Missing argument", id="missing-argument"),
    pytest.param(["screen", "--threshold", "abc", "-"], "Invalid value for '--threshold'", id="bad-value"),
    pytest.param(["lists", "diff", "ofac", "--nope"], "No such option: --nope", id="unknown-sub-option"),
]


@pytest.mark.parametrize(("args", "error"), USAGE_MISTAKES)
def test_a_mistyped_command_prints_usage_and_error_and_exits_2(
    args: list[str], error: str, tmp_path: Path
) -> None:
    result = run_cli(*args, cwd=tmp_path, db=f"sqlite:///{tmp_path / 'a.db'}")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert "Usage: accomplice" in result.stderr
    assert error in result.stderr
    assert "Try 'accomplice" in result.stderr


def test_a_store_url_under_an_existing_file_is_one_line_naming_the_file(tmp_path: Path) -> None:
    a_file = tmp_path / "hostname"
    a_file.write_text("not a folder\n", encoding="utf-8")
    result = run_cli("lists", cwd=tmp_path, db=f"sqlite:///{a_file / 'x.db'}")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: cannot create the store at {a_file / 'x.db'}: {a_file} is a file, not a folder"
    ]


def test_a_store_url_in_a_missing_folder_says_a_new_empty_store_was_created(tmp_path: Path) -> None:
    path = tmp_path / "mistyped" / "store.db"
    result = run_cli("lists", cwd=tmp_path, db=f"sqlite:///{path}")
    assert result.returncode == 0, result.stderr
    assert f"created new empty store at {path}" in result.stderr
    again = run_cli("lists", cwd=tmp_path, db=f"sqlite:///{path}")
    assert "created new empty store" not in again.stderr


@pytest.mark.parametrize("command", [["lists"], ["entity", "ofac:12312"]])
def test_reading_a_store_without_lists_says_so_and_how_to_load_them(
    command: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "empty.db"
    open_store(f"sqlite:///{path}").close()
    result = run_cli(*command, cwd=tmp_path, db=f"sqlite:///{path}")
    assert f"the store at {path} has no lists; load them with `accomplice load all`" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_read_only_store_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    open_store(f"sqlite:///{path}").close()
    entries = tmp_path / "entries.csv"
    entries.write_text("id,name\n1,Kim Jong Un\n", encoding="utf-8")
    # SQLite's read-only open: what a store file without write permission gives (tests run as root, whom
    # file permissions do not stop).
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    result = run_cli("monitor", "add", "counterparties", str(entries), cwd=tmp_path, db=read_only)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: store unavailable: {path}: attempt to write a readonly database")
    assert "writable" in lines[0]
    assert not (tmp_path / "file:").exists()


# Pak Chun Il, listed by the UN (KPi.029): a real name that screens on a store holding the UN list alone.
UN_FILE = "un/un_consolidated_2026-02-27.xml"
UN_PERSON = ("Pak Chun Il", "un:KPi.029")


@pytest.fixture(scope="module")
def un_store_url(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    from accomplice import services

    url = f"sqlite:///{tmp_path_factory.mktemp('un') / 'un.db'}"
    store = open_store(url)
    try:
        services.load_list(store, "un", raw_dir / UN_FILE)
    finally:
        store.close()
    return url


def test_a_date_of_birth_that_is_not_a_date_is_a_warning_and_the_name_still_screens(
    un_store_url: str, tmp_path: Path
) -> None:
    name, key = UN_PERSON
    result = run_cli("screen", "--name", name, "--birth-date", "31/02/1970", cwd=tmp_path, db=un_store_url)
    assert result.returncode == 0, result.stderr
    assert (
        "warning: --birth-date '31/02/1970' is not a date (use YYYY-MM-DD, YYYY-MM or YYYY); "
        "screened without it" in result.stderr
    )
    assert key in result.stdout


def test_a_screening_file_row_whose_birth_date_is_not_a_date_is_named_in_a_warning(
    un_store_url: str, tmp_path: Path
) -> None:
    name, key = UN_PERSON
    source = tmp_path / "people.csv"
    source.write_text(f"id,name,birth_date\na,{name},1970\nb,{name},born in spring\n", encoding="utf-8")
    output = tmp_path / "hits.jsonl"
    result = run_cli(
        "screen", str(source), "--output", str(output), "--workers", "1", cwd=tmp_path, db=un_store_url
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {source}:3: birth_date 'born in spring' is not a date (use YYYY-MM-DD, YYYY-MM or "
        "YYYY); screened without it"
    ]
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [key in r["matches"][0]["keys"] for r in rows] == [True, True]


def test_a_five_thousand_character_name_is_refused_with_a_sentence_naming_it(
    un_store_url: str, tmp_path: Path
) -> None:
    result = run_cli("screen", "--name", "A" * 5_000, cwd=tmp_path, db=un_store_url)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: The name is 5,000 characters long; at most 500 are screened."


def test_a_watchlist_entry_that_matches_alerts_when_added_and_not_again_on_the_next_run(
    un_store_url: str, tmp_path: Path
) -> None:
    from tests.helpers import copy_of_store

    source = open_store(un_store_url)
    copy = copy_of_store(source, tmp_path / "watch.db")
    url = copy.engine.url.render_as_string(hide_password=False)
    copy.close()
    source.close()
    name, _key = UN_PERSON
    entries = tmp_path / "counterparties.csv"
    entries.write_text(f"id,name\nc1,{name}\nc2,Nobody Atall Here\n", encoding="utf-8")
    added = run_cli("monitor", "add", "counterparties", str(entries), "--user", "ana", cwd=tmp_path, db=url)
    assert added.returncode == 0, added.stderr
    assert "added 2 entries" in added.stdout
    alerts = re.search(r"(\d+) new alerts", added.stdout)
    assert alerts is not None, added.stdout
    assert int(alerts.group(1)) >= 1, added.stdout
    again = run_cli("monitor", "run", cwd=tmp_path, db=url)
    assert again.returncode == 0, again.stderr
    assert "0 new alerts" in again.stdout
