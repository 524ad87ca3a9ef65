"""What the real `accomplice` console script says to a user who mistypes, or points it at the wrong store:
one line (or Click's usage block), never a Python traceback."""

from __future__ import annotations

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
    pytest.param(["cases"], "No such command 'cases'", id="unknown-command"),
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
