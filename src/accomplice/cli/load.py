"""`accomplice load SOURCE PATH`: import a list file (or folder) as a new version of that list."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from accomplice import services
from accomplice.cli.app import err_console, get_store, out_console
from accomplice.cli.progress import progress_reporter
from accomplice.errors import AccompliceError
from accomplice.lists.model import ImportReport, ProgressFn
from accomplice.services import incidents as incident_records
from accomplice.services import oversight, register
from accomplice.services.auth import local_principal, operator_principal
from accomplice.settings import get_settings
from accomplice.sources import FORMATS, FormatInfo
from accomplice.store import Store

# The shared enforcement actions: the CAATSA register's seed and the historical §321(b) cases.
ENFORCEMENT_ACTIONS = Path("data") / "accountability" / "enforcement_actions.csv"

app = typer.Typer(
    help=(
        "Import a sanctions list as a new version (identical files are a fast no-op).\n\n"
        "Example: accomplice load ofac ../shared/data/raw/ofac/2023-12-28 --date 2023-12-28"
    ),
    no_args_is_help=True,
)

PathArg = Annotated[Path | None, typer.Argument(help="File or folder to load; omit with --download.")]
# For a format with no official download, whose command has no --download to mention.
FilePathArg = Annotated[Path | None, typer.Argument(help="File or folder to load.")]
ListOpt = Annotated[
    str | None, typer.Option("--list", help="Store under this list name instead of the default.")
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="Date of the data (YYYY-MM-DD) when the file has none.")
]
LabelOpt = Annotated[str | None, typer.Option("--label", help="Version label (default: the data date).")]
DownloadOpt = Annotated[
    bool, typer.Option("--download", help="Fetch from the official URL (cached) instead.")
]


class _Options:
    # Set by the group's --no-index option: loading several lists by hand, build the index once at the end.
    build_index = True


@app.callback()
def _options(
    no_index: Annotated[
        bool,
        typer.Option(
            "--no-index",
            help="Do not build the screening index after loading (the next screening builds it).",
        ),
    ] = False,
) -> None:
    """Import a sanctions list as a new version."""
    _Options.build_index = not no_index


def _refresh_index(store: Store, progress: ProgressFn) -> None:
    """Rebuild the persisted screening index for the lists just loaded, so that the next `screen`,
    `trace` or server start opens it at once instead of building it."""
    if _Options.build_index:
        services.refresh_screening_index(store, progress=progress)


def _print_report(report: ImportReport) -> None:
    v = report.version
    if report.unchanged:
        out_console.print(
            f"{report.list_name}: unchanged, already version {v.seq} ({v.label}); nothing written"
        )
        return
    out_console.print(
        f"{report.list_name}: version {v.seq} ({v.label}) — {v.counts.get('entities', 0):,} entities, "
        f"+{report.added_statements:,} / -{report.removed_statements:,} / ={report.retained_statements:,} "
        f"statements in {report.seconds:.1f}s"
    )
    for warning in report.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}", soft_wrap=True)


def _warn(message: str) -> None:
    err_console.print(f"[yellow]warning:[/yellow] {escape(message)}", soft_wrap=True)


def _load(
    fmt: str,
    path: Path | None,
    *,
    list_name: str | None = None,
    date: str | None = None,
    label: str | None = None,
    download: bool = False,
    mapping: Path | None = None,
    index: bool = True,
) -> None:
    if download and path is not None:
        raise AccompliceError(f"give either a file or folder ({path}) or --download, not both")
    store = get_store(creates=True)
    with progress_reporter(err_console) as progress:
        if download:
            from accomplice.sources.download import download_source

            path = download_source(fmt, get_settings().cache_dir, progress=progress, warn=_warn)
        if path is None:
            raise AccompliceError("give a file or folder to load, or --download")
        report = services.load_list(
            store,
            fmt,
            path,
            list_name=list_name,
            label=label,
            data_date=date,
            mapping=mapping,
            progress=progress,
        )
        if index:
            _refresh_index(store, progress)
    _print_report(report)


def _downloadable_command(fmt: str) -> Callable[..., None]:
    def command(
        path: PathArg = None,
        list_name: ListOpt = None,
        date: DateOpt = None,
        label: LabelOpt = None,
        download: DownloadOpt = False,
    ) -> None:
        _load(fmt, path, list_name=list_name, date=date, label=label, download=download)

    return command


def _file_command(fmt: str) -> Callable[..., None]:
    def command(
        path: FilePathArg = None, list_name: ListOpt = None, date: DateOpt = None, label: LabelOpt = None
    ) -> None:
        _load(fmt, path, list_name=list_name, date=date, label=label)

    return command


def _mapped_command(fmt: str) -> Callable[..., None]:
    def command(
        path: Annotated[Path, typer.Argument(help="CSV file to load.")],
        mapping: Annotated[Path, typer.Option("--mapping", help="FollowTheMoney mapping file (YAML).")],
        list_name: ListOpt = None,
        date: DateOpt = None,
        label: LabelOpt = None,
    ) -> None:
        _load(fmt, path, list_name=list_name, date=date, label=label, mapping=mapping)

    return command


def _command(info: FormatInfo) -> Callable[..., None]:
    """`accomplice load NAME`, with the options its format takes (--download, --mapping)."""
    if info.needs_mapping:
        return _mapped_command(info.name)
    if info.downloadable:
        return _downloadable_command(info.name)
    return _file_command(info.name)


# One command per registered format, in the registry's order, each with the format's own help and example.
for _info in FORMATS.values():
    app.command(_info.name, help=_info.command_help)(_command(_info))


@app.command("all")
def load_all(
    download: DownloadOpt = False,
) -> None:
    """Every real list of the shared data folder (ACCOMPLICE_SHARED), oldest versions first.

    Example: accomplice load all
    """
    store = get_store(creates=True)
    settings = get_settings()
    if download or not settings.raw_dir.is_dir():
        from accomplice.sources.download import download_all

        if not download:
            err_console.print(f"{settings.raw_dir} not found; downloading the official lists instead")
        with progress_reporter(err_console) as progress:
            downloaded = download_all(settings.cache_dir, progress=progress, warn=_warn)
        for fmt, path in downloaded:
            _load(fmt, path, index=False)
        with progress_reporter(err_console) as progress:
            _refresh_index(store, progress)
        return
    with progress_reporter(err_console) as progress:
        reports = services.load_shared(store, settings.raw_dir, progress=progress)
        # The CAATSA register and the historical §321(b) cases come with the shared data too.
        seed = settings.shared_dir / ENFORCEMENT_ACTIONS
        registered = register.load_seed(store, operator_principal(getpass.getuser()), seed)
        if registered is not None:
            out_console.print(
                f"CAATSA register: {registered.added} added, {registered.updated} updated; "
                f"{registered.cases_created} historical cases"
            )
        # One index for every list, the register's included, before anything screens against it.
        _refresh_index(store, progress)
    # The shared incidents (after the lists, so that their perpetrators resolve to listed entities).
    seeded = incident_records.load_seed(store, operator_principal("load"), settings.raw_dir.parent)
    if seeded is not None and seeded.added:
        out_console.print(
            f"incidents: {seeded.added} added from {seeded.path}", highlight=False, soft_wrap=True
        )
    coi = settings.shared_dir / "data" / "accountability" / "coi_recommendations.json"
    if coi.is_file():  # the COI tracker's recommendations and follow-ups (accomplice coi)
        loaded = oversight.load_coi(store, local_principal(store, getpass.getuser()), coi)
        err_console.print(f"COI tracker: {loaded.items} items, {loaded.asks} asks, {loaded.events} events")
    table = Table(
        "list", "version", "entities", "added", "removed", "seconds", title=f"Loaded into {store.url}"
    )
    for r in reports:
        status = "unchanged" if r.unchanged else f"{r.version.seq} ({r.version.label})"
        table.add_row(
            r.list_name,
            status,
            f"{r.version.counts.get('entities', 0):,}",
            f"{r.added_statements:,}",
            f"{r.removed_statements:,}",
            f"{r.seconds:.1f}",
        )
    out_console.print(table)
