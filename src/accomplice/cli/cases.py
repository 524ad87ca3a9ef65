"""`accomplice cases` (§321(b) cases: open, show, list, import, export) and `accomplice register` (the
CAATSA register: list, import, export)."""

from __future__ import annotations

import csv
import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accomplice.cli.app import get_store, out_console
from accomplice.services import case_import, case_stats, cases, register
from accomplice.services.auth import local_principal

app = typer.Typer(
    help=(
        "§321(b) cases, from detention to decision: open, show, list, import histories, export.\n\n"
        "Example: accomplice cases show CBP-2020-12-23-dandong-huayang-textiles-and-garments-co-ltd --json"
    ),
    no_args_is_help=True,
)
register_app = typer.Typer(
    help=(
        "The CAATSA register: entities found to use North Korean labour, with their evidence.\n\n"
        "Example: accomplice register import ../shared/data/accountability/enforcement_actions.csv"
    ),
    no_args_is_help=True,
)

UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        help="Act as this account (its roles must allow the step) or, without an account of that name, as "
        "the local operator. Default: your login name.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _dump(payload: object) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


@app.command("open")
def open_(
    title: Annotated[str, typer.Argument(help="What the case is about (a tip, a producer, an entry).")],
    shipment: Annotated[
        str | None,
        typer.Option("--shipment", help="Open on this flagged stored shipment; its trace is frozen."),
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="The importer's organisation.")] = None,
    note: Annotated[str, typer.Option("--note", help="Why the case is opened.")] = "",
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Open a case by hand (from a tip) or on a flagged shipment (`--shipment`).

    Example: accomplice cases open "Tip: garments from Dandong" --org acme
    """
    store = get_store()
    principal = local_principal(store, user or getpass.getuser())
    if shipment:
        view = cases.open_from_shipment(store, principal, shipment, note=note)
    else:
        view = cases.open_case(store, principal, title=title, org=org, note=note)
    if as_json:
        _dump(cases.case_json(view, with_trace=False))
    else:
        out_console.print(f"opened case {view.case.id} ({view.case.state})")


@app.command("show")
def show(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """A case with its events in date order and its decision.

    Example: accomplice cases show CBP-2022-12-05-jingde-trading-ltd --json
    """
    store = get_store()
    view = cases.get_case(store, local_principal(store, user or getpass.getuser()), case_id)
    payload = cases.case_json(view)
    if as_json:
        _dump(payload)
        return
    c = view.case
    out_console.print(f"[bold]{c.id}[/bold] {c.title}")
    out_console.print(
        f"state {c.state}; deadline {payload['deadline'] or '-'}" + (" (overdue)" if view.overdue else "")
    )
    if c.outcome:
        out_console.print(f"decision: {c.outcome} ({c.decided_on})")
    table = Table("at", "kind", "by", "note")
    for event in c.events:
        table.add_row(str(cases.event_json(event)["at"]), event.kind, event.by or "", event.note[:120])
    out_console.print(table)


@app.command("list")
def list_(
    state: Annotated[str | None, typer.Option("--state", help="Only cases in this state.")] = None,
    query: Annotated[str | None, typer.Option("--query", "-q", help="Id or title containing this.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    user: UserOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cases, newest first.

    Example: accomplice cases list --state detained
    """
    store = get_store()
    views, total = cases.list_cases(
        store, local_principal(store, user or getpass.getuser()), state=state, query=query, limit=limit
    )
    if as_json:
        _dump({"total": total, "cases": [cases.case_json(v, with_trace=False) for v in views]})
        return
    table = Table("id", "state", "deadline", "outcome", "title")
    table.columns[0].no_wrap = True
    for v in views:
        c = v.case
        deadline = (c.deadline.isoformat() if c.deadline else "-") + (" overdue" if v.overdue else "")
        table.add_row(c.id, c.state, deadline, c.outcome or "", c.title[:60])
    out_console.print(table)
    out_console.print(f"{len(views)} of {total} cases")


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="CSV or JSON lines: case, at, kind, note, party, outcome, ...")
    ],
    user: UserOption = None,
) -> None:
    """Import dated case events (one a row); a row out of the flow's order refuses the whole file.

    Example: accomplice cases import history.csv
    """
    store = get_store()
    report = case_import.import_events(store, local_principal(store, user or getpass.getuser()), file)
    out_console.print(
        f"imported {report.events:,} events: {report.cases_created:,} new cases, "
        f"{report.cases_updated:,} cases continued"
    )


@app.command("overdue")
def overdue() -> None:
    """Alert (through the webhooks) on every case whose importer's answer is past its 30 days, once each.

    Example: accomplice cases overdue
    """
    report = cases.alert_overdue(get_store())
    out_console.print(
        f"{len(report.cases)} overdue cases alerted; {report.deliveries} webhook deliveries queued"
    )
    for case_id in report.cases:
        out_console.print(f"  {case_id}")


@app.command("export")
def export(
    what: Annotated[str, typer.Argument(help="`cases` (JSON lines, one case a line) or `statistics` (CSV).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    user: UserOption = None,
) -> None:
    """Export every case you may see as JSON lines, or the public statistics as CSV.

    Example: accomplice cases export statistics -o stats.csv
    """
    store = get_store()
    handle = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if what == "statistics":
            csv.writer(handle).writerows(case_stats.statistics_csv_rows(case_stats.case_statistics(store)))
        elif what == "cases":
            principal = local_principal(store, user or getpass.getuser())
            offset = 0
            while True:
                views, total = cases.list_cases(store, principal, limit=500, offset=offset)
                for v in views:
                    full = cases.get_case(store, principal, v.case.id)
                    handle.write(json.dumps(cases.case_json(full), ensure_ascii=False, default=str) + "\n")
                offset += len(views)
                if not views or offset >= total:
                    break
        else:
            raise typer.BadParameter("export `cases` or `statistics`", param_hint="WHAT")
    finally:
        if output:
            handle.close()


@register_app.command("list")
def register_list(as_json: JsonOption = False) -> None:
    """The register's entries, oldest first.

    Example: accomplice register list --json
    """
    entries = register.register_entries(get_store())
    if as_json:
        _dump(
            [
                {
                    "key": e.key,
                    "name": e.name,
                    "names": list(e.names),
                    "country": e.country,
                    "effective_date": e.effective_date,
                    "authority": e.authority,
                    "action": e.action,
                    "legal_basis": e.legal_basis,
                    "evidence": e.evidence,
                    "sector": e.sector,
                    "source_url": e.source_url,
                    "list_keys": list(e.list_keys),
                    "status": e.status,
                    "removals": [
                        {"id": r.id, "reason": r.reason, "outcome": r.outcome, "requested_by": r.requested_by}
                        for r in e.removals
                    ],
                }
                for e in entries
            ]
        )
        return
    table = Table("effective", "name", "country", "action", "status")
    for e in entries:
        table.add_row(e.effective_date, " / ".join(e.names), e.country[:30], e.action[:50], e.status)
    out_console.print(table)


@register_app.command("import")
def register_import(
    file: Annotated[Path, typer.Argument(help="Enforcement actions CSV (date, action, target_name, ...).")],
    user: UserOption = None,
) -> None:
    """Load a file of enforcement actions: findings onto the register, CBP detentions as cases.

    Example: accomplice register import ../shared/data/accountability/enforcement_actions.csv
    """
    store = get_store()
    report = register.import_register(store, local_principal(store, user or getpass.getuser()), file)
    out_console.print(
        f"register: {report.added} added, {report.updated} updated; {report.cases_created} historical cases"
    )


@register_app.command("export")
def register_export(
    fmt: Annotated[str, typer.Option("--format", help="csv or ftm (FollowTheMoney JSON lines).")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Export the register as CSV or FtM entities.

    Example: accomplice register export --format ftm -o register.ftm.json
    """
    entries = register.register_entries(get_store())
    handle = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "csv":
            csv.writer(handle).writerows(register.register_csv_rows(entries))
        elif fmt == "ftm":
            for entity in register.register_ftm(entries):
                handle.write(json.dumps(entity, ensure_ascii=False) + "\n")
        else:
            raise typer.BadParameter("csv or ftm", param_hint="--format")
    finally:
        if output:
            handle.close()
