"""`accomplice incidents`: documented abuses, victims by pseudonym; import, export, publish, search."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from accomplice.cli.app import get_store, out_console
from accomplice.services import incidents
from accomplice.services.auth import local_principal

app = typer.Typer(
    help=(
        "Documented abuses (HURIDOCS events): victims sealed, pseudonyms everywhere, published on "
        "purpose.\n\n"
        "Example: accomplice incidents import testimony.jsonl"
    ),
    no_args_is_help=True,
)

UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        help="Act as this account (its roles must allow it) or, without an account of that name, as the "
        "local operator. Default: your login name.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (one object) instead of a table.")]


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="JSON lines in the shape of the shared incidents.jsonl, or a .csv file.")
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", help="For a CSV: YAML/JSON {columns: {header: field}}; default: Uwazi's export."
        ),
    ] = None,
    user: UserOption = None,
) -> None:
    """Import incidents (restricted to your team); each record may carry `victims` (name, name_original,
    birth_date, home_town, consent), whose identifying fields are sealed with the key.

    Example: accomplice incidents import ../shared/data/accountability/incidents.jsonl
    """
    store = get_store()
    actor = local_principal(store, user or getpass.getuser())
    if file.suffix.lower() == ".csv":
        report = incidents.import_csv(store, actor, file, mapping)
    else:
        report = incidents.import_file(store, actor, file)
    out_console.print(
        f"{report.path}: {report.added:,} incidents added ({report.victims:,} victims sealed), "
        f"{len(report.already):,} already stored",
        highlight=False,
        soft_wrap=True,
    )


@app.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here (default: stdout).")
    ] = None,
    public: Annotated[
        bool, typer.Option("--public", help="Only published records, their redacted public version.")
    ] = False,
    ftm: Annotated[
        bool, typer.Option("--ftm", help="With --public: FollowTheMoney entities (Event + perpetrators).")
    ] = False,
    share_un: Annotated[
        bool, typer.Option("--share-un", help="Only records whose victims consented to the UN repository.")
    ] = False,
    user: UserOption = None,
) -> None:
    """Export incidents as JSON lines: the public versions (--public; --ftm as FollowTheMoney), or the
    records you may read with victims by pseudonym.

    Example: accomplice incidents export --public -o incidents-public.jsonl
    """
    if ftm and not public:
        raise typer.BadParameter("--ftm needs --public: only public fields go out as FollowTheMoney")
    store = get_store()
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        if public and ftm:
            count = incidents.export_public_ftm(store, out)
        elif public:
            count = incidents.export_public(store, out)
        else:
            actor = local_principal(store, user or getpass.getuser())
            count = incidents.export_records(
                store, actor, out, purpose="share-un" if share_un else "internal"
            )
    finally:
        if output:
            out.close()
    if output:
        out_console.print(f"{count:,} incidents written to {output}", highlight=False)


@app.command("publish")
def publish(
    ref: Annotated[str, typer.Argument(help="The incident's id.")],
    user: UserOption = None,
) -> None:
    """Publish a record's redacted public version (victims as figures only); refused where a victim's
    consent does not cover publication, or the victim's family is still in the DPRK.

    Example: accomplice incidents publish INC-2024-01-DALIAN-HAIQING
    """
    store = get_store()
    public = incidents.publish(store, local_principal(store, user or getpass.getuser()), ref)
    out_console.print(
        f"{ref} published: {public.get('victim_count', 0)} victims, "
        f"{public.get('witness_count', 0)} witnesses in aggregate",
        highlight=False,
    )


@app.command("list")
def list_(
    query: Annotated[str | None, typer.Argument(help="Search text, in any script.")] = None,
    country: Annotated[str | None, typer.Option("--country", help="ISO 3166 alpha-2 code.")] = None,
    act: Annotated[str | None, typer.Option("--act", help="An act type (forced_labour, ...).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.")] = 50,
    as_json: JsonOption = False,
    user: UserOption = None,
) -> None:
    """List or search the incidents you may read, newest first.

    Example: accomplice incidents list 강제송환
    """
    store = get_store()
    page = incidents.incident_page(
        store,
        local_principal(store, user or getpass.getuser()),
        query=query,
        country=country,
        act=act,
        limit=limit,
    )
    if as_json:
        print(
            json.dumps({"total": page.total, "items": [i.as_json() for i in page.items]}, ensure_ascii=False)
        )
        return
    table = Table("id", "date", "country", "acts", "state", "title", title=f"{page.total:,} incidents")
    for item in page.items:
        table.add_row(
            escape(item.ref),
            item.row.date_edtf,
            item.row.country,
            ", ".join(label for _, label in item.acts_labelled()),
            item.row.state,
            escape(item.row.title),
        )
    out_console.print(table)


@app.command("show")
def show(
    ref: Annotated[str, typer.Argument(help="The incident's id.")],
    user: UserOption = None,
) -> None:
    """One incident as JSON, victims by pseudonym.

    Example: accomplice incidents show INC-2024-04-26-CN-REPATRIATION
    """
    store = get_store()
    view = incidents.incident_view(store, local_principal(store, user or getpass.getuser()), ref)
    print(json.dumps(view.as_json(), ensure_ascii=False, indent=2, default=str))


@app.command("unmask")
def unmask(
    ref: Annotated[str, typer.Argument(help="The incident's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why you need to see who they are (audited).")],
    otp: Annotated[str | None, typer.Option("--otp", help="Your TOTP code (accounts).")] = None,
    user: UserOption = None,
) -> None:
    """Show the real identities of an incident's victims and witnesses; needs `victims` and a reason,
    and leaves an audit row.

    Example: accomplice incidents unmask T-1 --reason "family tracing request from the Red Cross"
    """
    store = get_store()
    actor = local_principal(store, user or getpass.getuser())
    for item in incidents.unmask(store, actor, ref, reason, otp):
        print(
            json.dumps(
                {"pseudonym": item.pseudonym, "role": item.role, **item.identity.as_json()},
                ensure_ascii=False,
            )
        )


@app.command("cite")
def cite(
    ref: Annotated[str, typer.Argument(help="The incident's id.")],
    perpetrator: Annotated[int, typer.Option("--perpetrator", help="Which perpetrator (0 = the first).")] = 0,
    user: UserOption = None,
) -> None:
    """Record labour evidence against an incident's perpetrator, citing the incident as its source, so that
    shipments through that party flag with the incident behind them.

    Example: accomplice incidents cite INC-2024-01-DALIAN-HAIQING
    """
    store = get_store()
    actor = local_principal(store, user or getpass.getuser())
    name = incidents.cite_as_labour_evidence(store, actor, ref, perpetrator)
    out_console.print(f"labour evidence against {name} now cites {ref}", highlight=False, soft_wrap=True)
