"""`accomplice index build`: build the persisted screening index of the store now."""

from __future__ import annotations

import typer

from accomplice import services
from accomplice.cli.app import err_console, get_store, out_console
from accomplice.cli.progress import progress_reporter

app = typer.Typer(
    help=(
        "The persisted screening index: built when lists load, rebuilt when stale; build it by hand here.\n\n"
        "Example: accomplice index build"
    ),
    no_args_is_help=True,
)

MEGABYTE = 1024 * 1024


@app.command("build")
def build() -> None:
    """Analyse every listed name and write the screening index beside the store (SQLite: `<db>.index/`;
    PostgreSQL: a folder per database under ACCOMPLICE_INDEX_DIR, default `<data dir>/index`).

    Example: accomplice index build
    """
    store = get_store()
    with progress_reporter(err_console) as progress:
        report = services.rebuild_screening_index(store, progress=progress)
    where = "in memory only"
    if report.location is not None:
        where = f"in {report.location} ({report.bytes / MEGABYTE:,.1f} MB)"
    out_console.print(
        f"screening index: {report.entities:,} entities, {report.keys:,} keys, built in "
        f"{report.seconds:.1f}s {where}"
    )
