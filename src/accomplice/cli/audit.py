"""`accomplice audit`: read the audit log and verify its hash chain."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from accomplice.cli.app import EXIT_ERROR, err_console, get_store, out_console
from accomplice.services import audit_anchors
from accomplice.services import auth as accounts

app = typer.Typer(
    help="The append-only, hash-chained audit log.\n\nExample: accomplice audit verify",
    no_args_is_help=True,
)


def _operator() -> accounts.Principal:
    return accounts.operator_principal(getpass.getuser())


AnchorFile = Annotated[
    Path | None,
    typer.Option(
        "--anchors",
        help="The anchor file (default: ACCOMPLICE_AUDIT_ANCHOR_FILE or data/audit-anchors.jsonl).",
    ),
]
KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key", help="The anchor key (default: ACCOMPLICE_AUDIT_ANCHOR_KEY_FILE or data/audit-anchor.key)."
    ),
]


@app.command("verify")
def verify(anchors: AnchorFile = None, key: KeyFile = None) -> None:
    """Recompute the hash chain, check it against the signed anchors and look for the append-only
    triggers; exit 1 naming the first bad row, a cut or rewritten log, a forged anchor or a missing trigger.

    Example: accomplice audit verify
    """
    try:
        report = audit_anchors.verify_against_anchors(get_store(), _operator(), file=anchors, key_file=key)
    except audit_anchors.AnchorError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    for line in report.lines():
        (out_console if report.ok else err_console).print(line, markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(EXIT_ERROR)


@app.command("anchor")
def anchor(
    anchors: AnchorFile = None,
    key: KeyFile = None,
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="Also POST the signed anchor to this URL (public addresses only)."),
    ] = None,
) -> None:
    """Sign the audit log's head (last row and hash) with the anchor key and append it to the anchor file
    outside the database, and to a webhook if given, so that a later cut or rewrite of the log is found.
    `accomplice serve` does this by itself every ACCOMPLICE_AUDIT_ANCHOR_SECONDS (default 3600) once a key
    exists.

    Example: accomplice audit anchor --webhook https://anchors.example.org/accomplice
    """
    try:
        made = audit_anchors.anchor_audit(
            get_store(), _operator(), file=anchors, webhook=webhook, key_file=key
        )
    except audit_anchors.AnchorError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    out_console.print(f"anchored row {made.seq} (hash {made.hash}) at {made.at}", markup=False)


@app.command("anchor-key")
def anchor_key(key: KeyFile = None) -> None:
    """Create the secret key that signs anchors (never stored in the database; keep it off its host).

    Example: accomplice audit anchor-key --key /etc/accomplice/anchor.key
    """
    try:
        path = audit_anchors.create_anchor_key(key)
    except audit_anchors.AnchorError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False)
        raise typer.Exit(EXIT_ERROR) from None
    out_console.print(f"anchor key written to {path} (mode 600)", markup=False)


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
