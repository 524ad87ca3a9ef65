"""`accomplice screen`: screen a file of names (or one name) against every loaded list."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accomplice import services
from accomplice.cli.app import EncodingOption, err_console, get_store, out_console
from accomplice.cli.progress import progress_reporter
from accomplice.store import Store


def _print_matches(name: str, results: list[services.Match]) -> None:  # type: ignore[name-defined]
    if not results:
        out_console.print(f"no match for {name!r} at the threshold")
        return
    table = Table(
        "score",
        "key",
        "schema",
        "name",
        "lists",
        "decided",
        "why",
        show_lines=True,
        title=f"Screening {name!r}",
    )
    for m in results:
        table.add_row(
            f"{m.score:.2f}",
            "\n".join(m.keys),
            m.schema,
            m.caption,
            ", ".join(m.lists),
            _decided(m),
            "\n".join(m.explanation),
        )
    out_console.print(table)


def _warn(message: str) -> None:
    err_console.print(f"warning: {message}", markup=False, highlight=False, soft_wrap=True)


def _decided(match: services.Match) -> str:  # type: ignore[name-defined]
    """Who decided the pair, when and why; empty when nobody has."""
    d = match.decided
    if d is None:
        return ""
    verdict = "match" if d.judgement == "match" else "NOT a match"
    return f"{verdict}\n{d.user}, {d.created_at:%Y-%m-%d}\n{d.reason}"


def _screen_on_spark(
    store: Store,
    source: str | None,
    output: str,
    master: str | None,
    threshold: float | None,
    limit: int,
    hide_decided: bool,
) -> None:
    from accomplice.batch.spark import spark_session
    from accomplice.services import screening_spark  # lazily: only the spark engine needs PySpark

    if source is None or source == "-" or output == "-":
        raise typer.BadParameter("the spark engine reads and writes paths (not standard input or output)")
    spark = spark_session(master)
    report = screening_spark.screen_table(
        spark, store, source, output, threshold=threshold, limit=limit, hide_decided=hide_decided
    )
    err_console.print(report.summary(), soft_wrap=True, highlight=False)


def screen(
    source: Annotated[
        str | None, typer.Argument(help="CSV, XLSX or JSONL file with id,name columns; - for stdin.")
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="Result file, or - for standard output.")
    ] = "-",
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", "-t", min=0.0, max=1.0, help="Score at which a result is reported."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl (every match, explained) or csv (best match).")
    ] = "jsonl",
    limit: Annotated[int, typer.Option("--limit", min=1, help="Matches kept per row.")] = 10,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Processes (default: all cores).")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Screen this one name and print a table.")
    ] = None,
    schema: Annotated[
        str | None, typer.Option("--schema", help="With --name: Person, Organization, Vessel...")
    ] = None,
    birth_date: Annotated[
        str | None, typer.Option("--birth-date", help="With --name: date of birth.")
    ] = None,
    nationality: Annotated[
        str | None, typer.Option("--nationality", help="With --name: nationality.")
    ] = None,
    imo: Annotated[str | None, typer.Option("--imo", help="With --name: IMO number.")] = None,
    encoding: EncodingOption = None,
    hide_decided: Annotated[
        bool,
        typer.Option(
            "--hide-decided",
            help="Leave out matches an analyst decided are not a match (by default they are written, "
            "after the others, with who decided, when and why).",
        ),
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="local (this machine's cores) or spark (Apache Spark: SOURCE and --output are CSV, JSON "
            "lines or Parquet paths; the output is a folder of part files). See docs/spark.md.",
        ),
    ] = "local",
    master: Annotated[
        str | None,
        typer.Option("--master", help="With --engine spark: the Spark master (local[2], spark://host:7077)."),
    ] = None,
) -> None:
    """Screen names in any script against every loaded list; JSONL lines keep the input order.

    Input columns: id, name, and optionally schema, birth_date, nationality, imo (and passport, bic, lei,
    registration). Text files are read as UTF-8, or UTF-16 with a byte-order mark; name any other
    encoding with --encoding (a Cyrillic or Chinese file read as the wrong one would match nothing).

    Each output line: {"id", "matches": [{"key", "keys", "score", "schema", "caption", "explanation"}]}
    with the matches at or above the threshold, best first. A match an analyst has decided on also has
    "decision" (match or no-match) and "decided" {"judgement", "by", "at", "reason"}; those decided not
    a match come last (CSV: the decision columns and a not_a_match count).

    Example: accomplice screen suppliers.csv --output hits.jsonl --threshold 0.8
    """
    store = get_store()
    if engine not in ("local", "spark"):
        raise typer.BadParameter("use local or spark", param_hint="--engine")
    if engine == "spark":
        _screen_on_spark(store, source, output, master, threshold, limit, hide_decided)
        return
    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("use jsonl or csv", param_hint="--format")
    if name is not None:
        services.check_query_length(name, "--name")
        if problem := services.birth_date_warning(birth_date, "--birth-date"):
            _warn(problem)
        with progress_reporter(err_console) as progress:
            index = services.screening_index(store, progress=progress)
        record = services.ScreeningRecord("1", name, schema, birth_date, nationality, imo)
        found = services.screen_record(
            index, record, threshold=threshold, limit=limit, hide_decided=hide_decided
        )
        _print_matches(name, found)
        return
    if source is None:
        raise typer.BadParameter("give an input file (or - for stdin), or --name", param_hint="SOURCE")
    with progress_reporter(err_console) as progress:
        if output == "-":
            report = services.screen_file(
                store,
                source,
                sys.stdout,
                fmt=fmt,
                threshold=threshold,
                limit=limit,
                workers=workers,
                progress=progress,
                encoding=encoding,
                warn=_warn,
                hide_decided=hide_decided,
            )
        else:
            target = Path(output)
            partial = target.with_name(target.name + ".partial")
            with partial.open("w", encoding="utf-8", newline="") as handle:
                report = services.screen_file(
                    store,
                    source,
                    handle,
                    fmt=fmt,
                    threshold=threshold,
                    limit=limit,
                    workers=workers,
                    progress=progress,
                    encoding=encoding,
                    warn=_warn,
                    hide_decided=hide_decided,
                )
            partial.replace(target)
    err_console.print(report.summary(), soft_wrap=True, highlight=False)
