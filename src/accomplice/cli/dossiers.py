"""`accomplice dossier …` and `accomplice candidates`: designation dossiers and the candidate finder.

The command line acts as the local operator (or the account named by --user): see services.auth.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accomplice import services
from accomplice.cli.app import err_console, get_store, out_console
from accomplice.errors import InputError
from accomplice.services.auth import Principal, local_principal

__all__ = ["app", "candidates"]

app = typer.Typer(
    help="Designation dossiers: build, save, review, approve, comment.\n\n"
    "Example: accomplice dossier build ofac:24977 --as-of 2024-05-03 -o silver-star.pdf",
    no_args_is_help=True,
)

UserOption = Annotated[
    str | None,
    typer.Option("--user", help="Act as this account (default: your login name, as the local operator)."),
]


def _principal(user: str | None) -> Principal:
    return local_principal(get_store(), user or getpass.getuser())


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)  # a reader never sees a half-written document


@app.command("build")
def build(
    key: Annotated[str, typer.Argument(help="List key (ofac:24977) or trade party id.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day the dossier is as of (YYYY-MM-DD).")
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write: .pdf, .docx or .json (FtM annex).")
    ] = Path("dossier.pdf"),
    save: Annotated[bool, typer.Option("--save", help="Also store it as a new draft version.")] = False,
    user: UserOption = None,
) -> None:
    """Build the dossier of KEY as of a day and write it as PDF, DOCX or JSON (by the file's extension).

    Example: accomplice dossier build ofac:30083 --as-of 2024-05-03 -o mokran.pdf
    """
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in services.DOCUMENT_FORMATS:
        raise InputError(str(output), "the file must end in .pdf, .docx or .json")
    store = get_store()
    principal = _principal(user)
    built = services.build_dossier(store, principal, key, as_of)
    content = services.dossier_json(built)
    version = None
    if save:
        record = services.save_dossier_version(store, principal, built)
        version = f"{record.target_key} v{record.version} ({record.state})"
    extra = {"basis_texts": services.basis_texts(content), "version": version} if fmt == "pdf" else {}
    _write(output, services.dossier_document(content, fmt, **extra))
    d = built.dossier
    err_console.print(
        f"{output}: {d.target.caption} as of {d.as_of}: {len(d.claims)} claims "
        f"({len(d.unsourced_claims)} unsourced), {len(d.assessments)} criteria; {d.gap.summary}"
        + (f"; saved as {version}" if version else "")
    )


@app.command("versions")
def versions(
    key: Annotated[str | None, typer.Argument(help="Only this target's versions.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    user: UserOption = None,
) -> None:
    """List stored dossier versions and their review state.

    Example: accomplice dossier versions ofac:30083
    """
    records = services.dossier_versions(get_store(), _principal(user), key)
    rows = [
        {
            "id": r.id,
            "target": r.target_key,
            "version": r.version,
            "as_of": r.as_of,
            "state": r.state,
            "created_by": r.created_by,
            "reviewed_by": r.reviewed_by,
            "approved_by": r.approved_by,
        }
        for r in records
    ]
    if as_json:
        out_console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("id", "target", "version", "as of", "state", "author", "reviewer", "approver")
    for r in rows:
        table.add_row(*(str(r[k] or "") for k in r))
    out_console.print(table)


@app.command("review")
def review(version_id: Annotated[int, typer.Argument(help="Version id.")], user: UserOption = None) -> None:
    """Mark a draft version reviewed (not by its author).

    Example: accomplice dossier review 3 --user bob
    """
    record = services.review_dossier_version(get_store(), _principal(user), version_id)
    err_console.print(f"dossier version {record.id} of {record.target_key}: {record.state}")


@app.command("approve")
def approve(version_id: Annotated[int, typer.Argument(help="Version id.")], user: UserOption = None) -> None:
    """Approve a reviewed version (not by its author or reviewer).

    Example: accomplice dossier approve 3 --user carol
    """
    record = services.approve_dossier_version(get_store(), _principal(user), version_id)
    err_console.print(f"dossier version {record.id} of {record.target_key}: {record.state}")


@app.command("comment")
def comment(
    version_id: Annotated[int, typer.Argument(help="Version id.")],
    claim_id: Annotated[str, typer.Argument(help="Claim id (see the JSON annex or the PDF's Annex B).")],
    text: Annotated[str, typer.Argument(help="The comment.")],
    user: UserOption = None,
) -> None:
    """Comment on one claim of a version.

    Example: accomplice dossier comment 3 79f597553240915c "check the date"
    """
    services.comment_dossier_claim(get_store(), _principal(user), version_id, claim_id, text)
    err_console.print(f"comment added to claim {claim_id} of dossier version {version_id}")


def candidates(
    country: Annotated[
        str | None, typer.Option("--country", help="Only candidates of this country (ISO code, e.g. cn).")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="How many to show.")] = 50,
    target_list: Annotated[str, typer.Option("--list", help="The list they are not (yet) on.")] = "ofac",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Run on the lists of this day (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list of {name, key, score, reasons}.")
    ] = False,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Also write the candidates to this CSV file.")
    ] = None,
    user: UserOption = None,
) -> None:
    """Rank entities a list does not name by how strongly the evidence ties them to ones it does.

    Example: accomplice candidates --country cn --top 50
    """
    store = get_store()
    run = services.find_candidates(
        store, _principal(user), target_list=target_list, as_of=as_of, country=country, top=top
    )
    if csv_path is not None:
        _write(csv_path, services.candidates_csv(run).encode("utf-8"))
    if as_json:
        out_console.print_json(json.dumps(services.candidates_json(run), ensure_ascii=False))
        return
    table = Table(
        "#", "score", "name", "key", "country", "why", title=f"Not on {target_list} as of {run.day}"
    )
    for rank, c in enumerate(run.candidates, start=1):
        why = "; ".join(r.text for r in c.reasons[:3]) + (
            f" (+{len(c.reasons) - 3})" if len(c.reasons) > 3 else ""
        )
        table.add_row(str(rank), f"{c.score:.3f}", c.name, c.key or "", c.country or "", why)
    out_console.print(table)
    err_console.print(f"{len(run.candidates)} of {run.considered:,} candidates shown")
