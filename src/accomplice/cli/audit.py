"""`accomplice audit`: read the audit log and verify its hash chain."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer
from rich.table import Table

from accomplice.cli.app import EXIT_ERROR, err_console, get_store, out_console
from accomplice.services import auth as accounts

app = typer.Typer(
    help="The append-only, hash-chained audit log.\n\nExample: accomplice audit verify",
    no_args_is_help=True,
)


def _operator() -> accounts.Principal:
    return accounts.operator_principal(getpass.getuser())


@app.command("verify")
def verify() -> None:
    """Recompute the hash chain; exit 1 and name the first bad row if a row was changed or removed.

    Example: accomplice audit verify
    """
    report = accounts.verify_audit(get_store(), _operator())
    if not report.ok:
        err_console.print(f"[red]error:[/red] {report.message()}")
        raise typer.Exit(EXIT_ERROR)
    out_console.print(report.message())


@app.command("show")
def show(
    limit: Annotated[int, typer.Option("--limit", help="Most rows shown, newest first.")] = 50,
    user: Annotated[str | None, typer.Option("--user", help="Only this actor's rows.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action, e.g. login.failed.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The newest audit rows.

    Example: accomplice audit show --action login.failed --limit 20
    """
    rows = accounts.audit_entries(get_store(), _operator(), limit=limit, user=user, action=action)
    if as_json:
        for r in rows:
            out_console.print(
                json.dumps(
                    {
                        "seq": r.seq,
                        "at": r.at.isoformat(),
                        "actor": r.actor,
                        "action": r.action,
                        "subject": r.subject,
                        "detail": r.detail,
                        "hash": r.hash,
                    },
                    ensure_ascii=False,
                ),
                markup=False,
            )
        return
    table = Table("seq", "at", "actor", "action", "subject", "detail")
    for r in rows:
        table.add_row(
            str(r.seq),
            r.at.strftime("%Y-%m-%d %H:%M:%S"),
            r.actor or "-",
            r.action,
            r.subject,
            json.dumps(r.detail, ensure_ascii=False),
        )
    out_console.print(table)
