"""The registry of list formats drives `get_format`, `FORMAT_NAMES` and the `accomplice load` commands."""

from __future__ import annotations

import pytest
import typer.main
from typer.testing import CliRunner

from accomplice.cli import app
from accomplice.sources import FORMAT_NAMES, FORMATS, get_format

RUNNER = CliRunner()


def _load_commands() -> set[str]:
    group = typer.main.get_command(app)
    load = group.commands["load"]  # type: ignore[attr-defined]
    return set(load.commands)


def test_every_registered_format_is_a_load_command_and_nothing_else_is() -> None:
    assert tuple(FORMATS) == FORMAT_NAMES
    assert _load_commands() == {*FORMAT_NAMES, "all"}


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_load_command_help_is_the_registered_help_and_example(name: str) -> None:
    info = FORMATS[name]
    result = RUNNER.invoke(app, ["load", name, "--help"], terminal_width=400)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert " ".join(info.help.split()) in text
    assert f"Example: {info.example}" in text
    assert ("--download" in text) == info.downloadable
    assert ("--mapping" in text) == info.needs_mapping


@pytest.mark.parametrize("name", [n for n in FORMAT_NAMES if not FORMATS[n].needs_mapping])
def test_get_format_builds_the_registered_reader(name: str) -> None:
    assert get_format(name).name == name


def test_get_format_names_the_known_formats_for_an_unknown_one() -> None:
    with pytest.raises(ValueError, match="unknown list format 'xml'; known: ofac, un, ftm, csv, uk, eu"):
        get_format("xml")
