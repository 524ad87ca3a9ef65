"""`accomplice coi` (the Commission of Inquiry tracker) and `accomplice brief` (a dated brief for a
hearing)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accomplice.cli.app import err_console, get_store, out_console
from accomplice.oversight import CoiEvent, EventLink
from accomplice.services import briefs, oversight
from accomplice.services.auth import local_principal
from accomplice.services.oversight import ItemView

app = typer.Typer(
    help=(
        "The 2014 UN Commission of Inquiry's 38 recommendations (A/HRC/25/63 ¶¶89–94), their 129 "
        "asks and the dated, sourced events that say how far each was acted on.\n\n"
        "Example: accomplice coi show 90a --json"
    ),
    no_args_is_help=True,
)
event_app = typer.Typer(
    help=(
        "Record follow-up events (each needs a source).\n\n"
        "Example: accomplice coi event add 90a --at 2024-04-26 --relation contravenes --event ... "
        "--source-title ... --source-url https://..."
    ),
    no_args_is_help=True,
)
app.add_typer(event_app, name="event")

UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Act as this account (it needs oversight:write) or as the local operator."),
]


def _event_json(e: CoiEvent) -> dict[str, object]:
    return {
        "id": e.id,
        "at": e.at,
        "precision": e.precision,
        "relation": e.relation,
        "event": e.summary,
        "document": e.document,
        "bears_on": list(e.bears_on),
        "asks": [{"item": i, "ask": n} for i, n in e.asks],
        "source_title": e.source.title,
        "source_url": e.source.url,
        "source_date": e.source.date,
        "extra_sources": [{"title": s.title, "url": s.url, "date": s.date} for s in e.extra_sources],
        "links": [{"kind": k.kind, "ref": k.ref, "label": k.label} for k in e.links],
        "verified": e.verified,
        "origin": e.origin,
        "created_by": e.created_by,
    }


def item_json(v: ItemView) -> dict[str, object]:
    item = v.item
    return {
        "id": item.id,
        "label": item.label,
        "para": item.para,
        "addressee": item.addressee,
        "actor": item.actor,
        "text": item.text,
        "text_is_summary": item.text_is_summary,
        "text_basis": item.text_basis,
        "text_incomplete": item.text_incomplete,
        "status": v.status,
        # As the shared file gives them (texts); each one's status beside them, in the same order.
        "asks": list(item.asks),
        "ask_statuses": list(v.ask_statuses),
        "events": [_event_json(e) for e in v.events],
        "source_title": item.source_title,
        "source_url": item.source_url,
    }


@app.command("load")
def load(
    file: Annotated[
        Path, typer.Argument(help="The tracker file (shared/data/accountability/coi_recommendations.json).")
    ],
    user: UserOption = None,
) -> None:
    """Load the recommendations, their asks and the file's follow-up events (events users added stay).

    Example: accomplice coi load ../shared/data/accountability/coi_recommendations.json
    """
    store = get_store(creates=True)
    report = oversight.load_coi(store, local_principal(store, user or getpass.getuser()), file)
    out_console.print(f"Loaded {report.items} items, {report.asks} asks and {report.events} follow-up events")


@app.command("list")
def list_items(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Statuses as of this day (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every item with its status.

    Example: accomplice coi list --as-of 2024-12-31
    """
    views = oversight.coi_items(get_store(), as_of)
    if as_json:
        out_console.print_json(json.dumps([item_json(v) for v in views], ensure_ascii=False))
        return
    table = Table("item", "addressee", "status", "asks", "events", "text")
    for v in views:
        table.add_row(
            v.item.label,
            v.item.addressee,
            v.status_label,
            str(len(v.item.asks)),
            str(len(v.events)),
            "summary" if v.item.text_is_summary else "verbatim",
        )
    out_console.print(table)


@app.command("show")
def show(
    item: Annotated[str, typer.Argument(help="The item: 90a, 90(a) or ¶94(a).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Status as of this day (YYYY-MM-DD).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One item: its text (verbatim or our summary), its asks, status and dated, sourced events.

    Example: accomplice coi show 90a --json
    """
    view = oversight.coi_item(get_store(), item, as_of)
    if as_json:
        out_console.print_json(json.dumps(item_json(view), ensure_ascii=False))
        return
    mark = "our English summary" if view.item.text_is_summary else "the report's words"
    out_console.print(f"[bold]{view.item.label}[/] to {view.item.addressee}: {view.status_label}")
    out_console.print(f"{view.item.text} [dim]({mark})[/]")
    for i, (ask, status) in enumerate(zip(view.item.asks, view.ask_statuses, strict=True), 1):
        out_console.print(f"  {i}. {ask} — {oversight.STATUS_LABELS[status]}")
    for e in view.events:
        out_console.print(f"{e.at} {e.relation}: {e.summary}\n    source: {e.source.title} {e.source.url}")


def _pairs(values: list[str], what: str) -> tuple[tuple[str, str], ...]:
    out = []
    for value in values:
        kind, sep, ref = value.partition(":")
        if not sep:
            raise typer.BadParameter(
                f"{value!r}: write KIND:ID (e.g. incident:INC-2023-10-09-CN-REPATRIATION)", param_hint=what
            )
        out.append((kind, ref))
    return tuple(out)


@event_app.command("add")
def add_event(
    at: Annotated[str, typer.Option("--at", "--date", help="The event's date: YYYY-MM-DD, YYYY-MM or YYYY.")],
    relation: Annotated[
        str, typer.Option("--relation", help="advances, partially_advances, contravenes or context.")
    ],
    event: Annotated[str, typer.Option("--event", "--summary", help="What happened.")],
    items: Annotated[
        list[str] | None, typer.Argument(help="The items it bears on (90a 94a), or --item.")
    ] = None,
    item: Annotated[
        list[str] | None,
        typer.Option("--item", "--bears-on", help="An item the event bears on (repeat for several)."),
    ] = None,
    source_title: Annotated[str, typer.Option("--source-title", help="The source's title (required).")] = "",
    source_url: Annotated[str, typer.Option("--source-url", help="The source's address (required).")] = "",
    precision: Annotated[str, typer.Option("--precision", help="day, month, year or approximate.")] = "day",
    document: Annotated[str | None, typer.Option("--document", help="A UN symbol, if any.")] = None,
    link: Annotated[
        list[str] | None,
        typer.Option(
            "--link", help="KIND:ID of an object it bears on (incident, case, entity) or document:URL."
        ),
    ] = None,
    ask: Annotated[
        list[str] | None, typer.Option("--ask", help="ITEM:N: only ask N of ITEM (default: every ask).")
    ] = None,
    user: UserOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the recorded event as JSON.")] = False,
) -> None:
    """Record a dated, sourced event; the items' statuses follow from it. No source, no event.

    Example: accomplice coi event add --item 90a --at 2024-04-26 --relation contravenes
    --event "China returns about 60 people" --source-title "HRW" --source-url https://www.hrw.org/
    """
    store = get_store()
    principal = local_principal(store, user or getpass.getuser())
    links = tuple(EventLink(k, r) for k, r in _pairs(link or [], "--link"))
    asks = []
    for i, n in _pairs(ask or [], "--ask"):
        if not n.isdigit():
            raise typer.BadParameter(f"{i}:{n}: N is the ask's number", param_hint="--ask")
        asks.append((i, int(n)))
    new = oversight.NewEvent(
        at=at,
        relation=relation,
        summary=event,
        bears_on=(*(items or ()), *(item or ())),
        source_title=source_title,
        source_url=source_url,
        precision=precision,
        document=document,
        asks=tuple(asks),
        links=links,
    )
    recorded = oversight.add_coi_event(store, principal, new)
    if as_json:
        out_console.print_json(json.dumps(_event_json(recorded), ensure_ascii=False))
        return
    out_console.print(f"Recorded {recorded.id} on {', '.join(recorded.bears_on)}")
    err_console.print("The statuses of those items now follow from it (accomplice coi show ITEM).")


def brief(
    topic: Annotated[
        str,
        typer.Option(
            "--topic",
            help="china, russia, seafood, construction, an entity key (un:KPi.029) or a COI item (90a).",
        ),
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The brief's date (YYYY-MM-DD); default today.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the PDF and the DOCX into.")] = Path(
        "."
    ),
    user: UserOption = None,
) -> None:
    """A dated brief for a hearing, as PDF and DOCX: charts, key facts and their sources.

    Example: accomplice brief --topic china --as-of 2026-12-01
    """
    store = get_store()
    principal = local_principal(store, user or getpass.getuser())
    made = briefs.make_brief(store, principal, topic, as_of)
    out.mkdir(parents=True, exist_ok=True)
    pdf = out / f"{made.file_stem}.pdf"
    docx = out / f"{made.file_stem}.docx"
    pdf.write_bytes(briefs.brief_pdf(made))
    docx.write_bytes(briefs.brief_docx(made))
    out_console.print(f"{pdf}\n{docx}")
