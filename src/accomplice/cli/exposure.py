"""`accomplice exposure import|confirm|split` and `accomplice trace`: the CAATSA §321(b) data and traces."""

from __future__ import annotations

import getpass
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accomplice.cli.app import EncodingOption, err_console, get_store, out_console
from accomplice.cli.progress import progress_reporter

app = typer.Typer(
    help=(
        "Trade data for CAATSA §321(b) tracing: shipments, supply relations, ownership, facilities and "
        "labour evidence; analysts' decisions on which listed entity a party is.\n\n"
        "Example: accomplice exposure import relations suppliers.csv"
    ),
    no_args_is_help=True,
)


class Kind(StrEnum):
    SHIPMENTS = "shipments"
    RELATIONS = "relations"
    OWNERSHIP = "ownership"
    FACILITIES = "facilities"
    EVIDENCE = "evidence"


@app.command("import")
def import_(
    kind: Annotated[Kind, typer.Argument(help="What the file holds.")],
    path: Annotated[Path, typer.Argument(help="CSV, XLSX or JSONL file (FtM JSON lines for ownership).")],
    user: Annotated[str | None, typer.Option("--user", help="Who imports (default: login name).")] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold", "-t", min=0.0, max=1.0, help="Score at which a party is a listed entity."
        ),
    ] = None,
    org: Annotated[
        str,
        typer.Option(
            "--org",
            help="The importer organisation whose records these are (seen only by it and the enforcement "
            "roles); default: shared records of the enforcement side.",
        ),
    ] = "",
    encoding: EncodingOption = None,
) -> None:
    """Import one file in one transaction; every party it names is screened against the loaded lists.

    Columns are documented in docs/exposure-data.md. A bad line stops the import with its line number and
    nothing is written; importing the same file again changes nothing.

    Example: accomplice exposure import evidence labour-reports.csv --user analyst1
    """
    from accomplice.services import exposure as service  # lazily: it loads followthemoney

    store = get_store()
    with progress_reporter(err_console) as progress:
        result = service.import_file(
            store,
            kind.value,
            path,
            user=user or getpass.getuser(),
            threshold=threshold,
            progress=progress,
            org=org.strip(),
            encoding=encoding,
        )
    if result.batch.unchanged:
        out_console.print(f"{path}: already imported (batch {result.batch.id}); nothing changed")
        return
    counts = ", ".join(f"{n:,} {what}" for what, n in result.batch.counts.items())
    out_console.print(f"{path}: imported as batch {result.batch.id}: {counts}")
    table = Table("party", "name", "country", "resolved to", "score", title="Parties")
    for p in result.parties:
        table.add_row(
            p.id,
            p.name,
            p.country or "",
            p.entity_key or "",
            f"{p.score:.2f}" if p.entity_key and p.score else "",
        )
    out_console.print(table)
    out_console.print(f"{result.resolved} of {len(result.parties)} parties resolved to listed entities")


@app.command("parties")
def parties(
    resolved: Annotated[
        bool, typer.Option("--resolved", help="Only parties taken for listed entities.")
    ] = False,
) -> None:
    """List trade parties with the listed entity each is taken for, the score and who decided.

    Example: accomplice exposure parties --resolved
    """
    from accomplice.services import exposure as service  # lazily: it loads followthemoney

    table = Table("party", "name", "country", "listed entity", "score", "status", "by", title="Parties")
    for p in service.list_parties(get_store()):
        if resolved and p.entity_key is None:
            continue
        table.add_row(
            p.id,
            p.name,
            p.country or "",
            p.entity_key or "",
            f"{p.score:.2f}" if p.entity_key and p.score is not None else "",
            p.status,
            p.decision.user if p.decision else "",
        )
    out_console.print(table)


@app.command("confirm")
def confirm(
    party: Annotated[str, typer.Argument(help="Party id, e.g. party:dandong-hongxiang-1a2b3c4d5e6f.")],
    key: Annotated[str, typer.Argument(help="Key of the listed entity it is, e.g. ofac:20564.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the decision).")] = "",
    user: Annotated[str | None, typer.Option("--user", help="Analyst taking the decision.")] = None,
) -> None:
    """Record that a trade party is a listed entity; traces use it from now on (append-only).

    Example: accomplice exposure confirm party:dandong-seafood-3c1d2e4f5a6b ofac:20564 --reason "same address"
    """
    from accomplice.services import exposure as service  # lazily: it loads followthemoney

    record = service.confirm_party(get_store(), party, key, user=user or getpass.getuser(), reason=reason)
    out_console.print(f"recorded: {record.id} ({record.name}) is {record.entity_key}")


@app.command("split")
def split(
    party: Annotated[str, typer.Argument(help="Party id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the decision).")] = "",
    user: Annotated[str | None, typer.Option("--user", help="Analyst taking the decision.")] = None,
) -> None:
    """Record that a trade party is not the listed entity screening took it for (append-only).

    Example: accomplice exposure split party:hongxiang-trading-9f8e7d6c5b4a --reason "different city"
    """
    from accomplice.services import exposure as service  # lazily: it loads followthemoney

    record = service.split_party(get_store(), party, user=user or getpass.getuser(), reason=reason)
    out_console.print(f"recorded: {record.id} ({record.name}) is a party of its own")


def trace(
    shipments: Annotated[
        Path | None, typer.Argument(help="CSV, XLSX or JSONL file of shipments to import and trace.")
    ] = None,
    stored: Annotated[bool, typer.Option("--stored", help="Trace every stored shipment instead.")] = False,
    output: Annotated[
        str, typer.Option("--output", "-o", help="JSONL result file, or - for standard output.")
    ] = "-",
    max_paths: Annotated[int, typer.Option("--max-paths", min=1, help="Paths kept per shipment.")] = 3,
    show_confidential: Annotated[
        bool, typer.Option("--show-confidential", help="Show confidential sources in full.")
    ] = False,
    user: Annotated[str | None, typer.Option("--user", help="Who imports (default: login name).")] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="local, or spark: flag a CSV, JSON lines or Parquet shipment table on Apache Spark against "
            "the stored graph (its parties imported before), writing shipment, flagged, reasons and paths "
            "into a folder of part files. See docs/spark.md.",
        ),
    ] = "local",
    master: Annotated[
        str | None,
        typer.Option("--master", help="With --engine spark: the Spark master (local[2], spark://host:7077)."),
    ] = None,
) -> None:
    """Trace shipments through suppliers, ownership and facilities to labour evidence and DPRK listings.

    Each output line: {"shipment", "flagged", "reasons", "paths": [{"reason", "hops": [{"from", "to",
    "kind", "source"}], "evidence" | "listing"}], "checked" (clean ones), "rebuttal" (flagged ones)}.
    Confidential sources are shown as "confidential source <id>" unless --show-confidential.

    Example: accomplice trace entries-2024.csv --output traces.jsonl
    """
    from accomplice.services import exposure as service  # lazily: it loads followthemoney

    if (shipments is None) == (not stored):
        raise typer.BadParameter("give a shipments file or --stored (not both)", param_hint="SHIPMENTS")
    store = get_store()
    if engine not in ("local", "spark"):
        raise typer.BadParameter("use local or spark", param_hint="--engine")
    if engine == "spark":
        if shipments is None or output == "-":
            raise typer.BadParameter("the spark engine flags a shipments table into an --output path")
        from accomplice.batch.spark import spark_session
        from accomplice.services import exposure_spark  # lazily: only the spark engine needs PySpark

        flagged = exposure_spark.flag_table(
            spark_session(master),
            store,
            str(shipments),
            output,
            max_paths=max_paths,
            may_see_confidential=show_confidential,
        )
        err_console.print(flagged.summary(), soft_wrap=True, highlight=False)
        return
    target = Path(output) if output != "-" else None
    partial = target.with_name(target.name + ".partial") if target else None
    handle = partial.open("w", encoding="utf-8") if partial else sys.stdout
    try:
        with progress_reporter(err_console) as progress:
            if shipments is not None:
                report = service.trace_file(
                    store,
                    shipments,
                    handle,
                    user=user or getpass.getuser(),
                    max_paths=max_paths,
                    may_see_confidential=show_confidential,
                    progress=progress,
                )
            else:
                report = service.trace_stored(
                    store,
                    handle,
                    max_paths=max_paths,
                    may_see_confidential=show_confidential,
                    progress=progress,
                )
    finally:
        if partial:
            handle.close()
    if target and partial:
        partial.replace(target)
    err_console.print(
        f"traced {report.shipments:,} shipments in {report.seconds:.2f}s; "
        f"{report.flagged:,} presumptively barred under CAATSA §321(b)"
    )
