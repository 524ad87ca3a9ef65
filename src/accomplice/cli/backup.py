"""`accomplice backup` and `accomplice restore`: the whole store, SQLite or PostgreSQL."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from accomplice.cli.app import EXIT_ERROR, err_console, get_store, out_console
from accomplice.services import auth as accounts
from accomplice.services import backup as backups


def _operator() -> accounts.Principal:
    return accounts.operator_principal(getpass.getuser())


def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write a consistent copy of the whole store while it runs: SQLite's online backup, or pg_dump's
    custom format for PostgreSQL.

    Example: accomplice backup backups/accomplice-2026-12-07.db
    """
    store = get_store()
    backups.backup_store(store, _operator(), file, overwrite=force)
    out_console.print(
        f"backed up the {store.backend} store to {file} ({file.stat().st_size:,} bytes)", markup=False
    )


def restore(
    file: Annotated[
        Path, typer.Argument(help="A file written by `accomplice backup`.", exists=True, dir_okay=False)
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: replace the whole store with the backup.")
    ] = False,
) -> None:
    """Replace the whole store with a backup (stop `accomplice serve` first), then verify its audit chain.
    Everything written after the backup is lost.

    Example: accomplice restore backups/accomplice-2026-12-07.db --yes
    """
    if not yes:
        err_console.print("error: restore replaces the whole store; add --yes to confirm", markup=False)
        raise typer.Exit(EXIT_ERROR)
    report = backups.restore_store(get_store(), _operator(), file)
    if not report.ok:
        err_console.print(f"error: restored, but {report.message()}", markup=False)
        raise typer.Exit(EXIT_ERROR)
    out_console.print(f"restored {file}; {report.message()}", markup=False)
