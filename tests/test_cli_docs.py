"""docs/cli.md is the `--help` of every command, current; every command's help carries an example."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gen_cli_docs.py"
DOCS = ROOT / "docs" / "cli.md"
SECTION = re.compile(r"^## `(?P<command>[^`]+)`\n\n```text\n(?P<help>.*?)\n```$", re.MULTILINE | re.DOTALL)
# Commands the reference must hold: one per command module, so a command that disappears from the
# rendering (a broken registration) fails here rather than leaving a quietly shorter file.
EXPECTED_COMMANDS = {
    "accomplice",
    "accomplice entity",
    "accomplice export",
    "accomplice lists",
    "accomplice lists diff",
    "accomplice load",
    "accomplice load ofac",
    "accomplice load un",
    "accomplice load all",
    "accomplice serve",
}


@pytest.fixture(scope="module")
def rendered() -> str:
    """The reference as the script renders it now, in a fresh process (Typer reads its settings once)."""
    if not SCRIPT.is_file():
        pytest.fail(f"{SCRIPT} is missing")
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _sections(text: str) -> dict[str, str]:
    return {m.group("command"): m.group("help") for m in SECTION.finditer(text)}


def test_cli_reference_is_current(rendered: str) -> None:
    if not DOCS.is_file():
        pytest.fail(f"{DOCS} is missing; run `make docs`")
    assert DOCS.read_text(encoding="utf-8") == rendered, (
        "docs/cli.md is out of date with the commands' --help; run `make docs` and commit the result"
    )


def test_cli_reference_covers_every_command_and_subcommand(rendered: str) -> None:
    sections = _sections(rendered)
    assert set(sections) >= EXPECTED_COMMANDS, sorted(EXPECTED_COMMANDS - set(sections))
    for command, text in sections.items():
        assert text.lstrip().startswith(f"Usage: {command}"), command


def test_every_command_help_has_an_example_line(rendered: str) -> None:
    sections = _sections(rendered)
    missing = [
        command
        for command, text in sections.items()
        if not re.search(rf"^\s*Example: {re.escape(command.split()[0])} ", text, re.MULTILINE)
    ]
    assert not missing, f"commands whose --help has no 'Example: accomplice ...' line: {missing}"


def test_cli_reference_has_no_colour_codes_and_fixed_width(rendered: str) -> None:
    assert "\x1b[" not in rendered
    box_lines = [line for line in rendered.splitlines() if line.startswith(("╭", "│", "╰"))]
    assert box_lines
    assert {len(line) for line in box_lines} == {100}
