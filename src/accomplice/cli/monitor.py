"""`accomplice monitor`: keep watchlists, re-screen them now, and deliver webhook alerts."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from accomplice.cli.app import EncodingOption, err_console, get_store, out_console
from accomplice.cli.progress import progress_reporter
from accomplice.services import monitor
from accomplice.services.auth import local_principal

app = typer.Typer(
    help=(
        "Watchlists re-screened on every list import; alerts for new, changed or delisted matches.\n\n"
        "Example: accomplice monitor add counterparties customers.csv"
    ),
    no_args_is_help=True,
)

UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        help="Act as this account (its roles must allow watchlists) or, without an account of that name, "
        "as the local operator. Default: your login name.",
    ),
]


@app.command("add")
def add(
    watchlist: Annotated[str, typer.Argument(help="Watchlist name or id; created if there is none.")],
    file: Annotated[
        Path, typer.Argument(help="CSV, XLSX or JSONL with the columns of `accomplice screen` (id, name...).")
    ],
    user: UserOption = None,
    encoding: EncodingOption = None,
) -> None:
    """Add the rows of a file to a watchlist and screen them at once: each match raises an alert.

    An id already in the watchlist replaces that entry. Later list imports re-screen every entry.

    Example: accomplice monitor add counterparties customers.csv
    """
    store = get_store()
    principal = local_principal(store, user or getpass.getuser())
    target = monitor.watchlist_named(store, principal, watchlist, create=True)
    with progress_reporter(err_console) as progress:
        report = monitor.add_entries_from_file(
            store, principal, target.id, file, progress=progress, encoding=encoding
        )
    out_console.print(
        f"{target.name} (watchlist {target.id}): added {report.added:,} entries, "
        f"{report.baseline_matches:,} current matches, {report.alerts:,} new alerts"
    )


@app.command("run")
def run() -> None:
    """Re-screen every watchlist entry now, and raise alerts for what changed since its last screening.

    Imports do this by themselves; run it after changing decisions, or to check.

    Example: accomplice monitor run
    """
    store = get_store()
    with progress_reporter(err_console) as progress:
        report = monitor.rescreen(store, progress=progress)
    out_console.print(
        f"re-screened {report.entries:,} entries in {report.seconds:.1f} s: {report.matches:,} matches, "
        f"{len(report.alerts):,} new alerts"
    )
    for alert in report.alerts:
        out_console.print(
            f"  {alert.kind:8} {alert.entry_ref}: {alert.entry_name} -> {alert.entity_key} {alert.caption}"
        )


@app.command("deliver")
def deliver() -> None:
    """Send the webhook deliveries that are due (signed, retried with backoff), once.

    The server (`accomplice serve`) does this in the background; run this from cron without a server.

    Example: accomplice monitor deliver
    """
    report = monitor.deliver_due(get_store(), limit=monitor.DELIVERY_BATCH * 20)
    out_console.print(
        f"attempted {report.attempted}: delivered {report.delivered}, failed {report.failed} (will retry), "
        f"given up {report.given_up}"
    )
