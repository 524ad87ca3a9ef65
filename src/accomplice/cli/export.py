"""`accomplice export`: every current entity as FollowTheMoney JSON lines or CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from accomplice import services
from accomplice.cli.app import err_console, get_store


def export(
    fmt: Annotated[str, typer.Option("--format", help="ftm (JSON lines) or csv.")] = "ftm",
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write, or - for standard output.")
    ] = "-",
) -> None:
    """Export the current state of every list.

    Example: accomplice export --format ftm --output lists.ftm.json
    """
    if fmt not in ("ftm", "csv"):
        raise typer.BadParameter("use ftm or csv", param_hint="--format")
    store = get_store()
    if output == "-":
        count = services.export_entities(store, fmt, sys.stdout)
    else:
        target = Path(output)
        partial = target.with_name(target.name + ".partial")
        with partial.open("w", encoding="utf-8", newline="") as handle:
            count = services.export_entities(store, fmt, handle)
        partial.replace(target)  # a reader never sees a half-written export
    err_console.print(f"exported {count:,} entities")
