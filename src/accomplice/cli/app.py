"""The Typer application, global options and the one place where errors become one-line messages."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from accomplice.errors import AccompliceError
from accomplice.store import Store, open_store, sqlite_path

__all__ = ["EncodingOption", "app", "err_console", "get_store", "main", "out_console"]

app = typer.Typer(
    name="accomplice",
    help=(
        "Screen, trace and document North Korea's enablers against the real sanctions lists.\n\n"
        "Example: accomplice --db sqlite:///accomplice.db load all"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False)

# `--encoding` of the commands that read a file of names or records (see batch.encodings).
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Text encoding of a CSV or JSONL file that is not UTF-8 (or UTF-16 with a byte-order mark), "
        "e.g. cp1252, cp1251, gb18030, euc-kr; such a file is refused without it.",
    ),
]

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


# Commands that read the lists (and have nothing to show without them): on a store with no lists they say so
# and how to load them, instead of answering "no match" or an empty table as if the lists were clean.
LIST_READERS = frozenset({"candidates", "dossier", "entity", "export", "lists", "screen", "trace"})
LOAD_HINT = "load them with `accomplice load all` (or `accomplice load <source> <file>`)"


class _State:
    db_url: str | None = None
    store: Store | None = None
    reads_lists: bool = False


state = _State()


def _store_url() -> str:
    from accomplice.settings import get_settings

    return state.db_url or get_settings().db_url


def get_store(*, creates: bool = False) -> Store:
    """The store of this call. `creates`: the command makes a store where there is none (`load`), so a new
    file is what the user asked for, not a mistyped path worth a notice."""
    if state.store is None:
        url = _store_url()
        path = sqlite_path(url)
        created = path is not None and not path.exists()
        state.store = open_store(url)
        if created and not creates:
            # A mistyped path or folder would otherwise silently become a new, empty store.
            err_console.print(f"created new empty store at {path}", highlight=False, soft_wrap=True)
        if state.reads_lists:
            _warn_without_lists(state.store, str(path) if path is not None else _shown_url(url))
    return state.store


def _warn_without_lists(store: Store, where: str) -> None:
    from accomplice import services

    if not services.has_lists(store):
        err_console.print(f"the store at {where} has no lists; {LOAD_HINT}", highlight=False, soft_wrap=True)


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.callback()
def _global(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", envvar="ACCOMPLICE_DB_URL", help="Store URL (default: the embedded SQLite file)."
        ),
    ] = None,
) -> None:
    """accomplice: sanctions lists, screening and evidence against North Korea's accomplices."""
    state.db_url = db
    state.reads_lists = ctx.invoked_subcommand in LIST_READERS


def _register() -> None:
    from accomplice.cli import (
        audit,
        backup,
        cases,
        decide,
        dossiers,
        entity,
        export,
        exposure,
        incidents,
        index,
        keys,
        lists,
        load,
        monitor,
        oversight,
        screen,
        serve,
        users,
    )

    app.add_typer(load.app, name="load")
    app.add_typer(lists.app, name="lists")
    app.command("entity")(entity.entity)
    app.command("export")(export.export)
    app.command("screen")(screen.screen)
    app.command("decide")(decide.decide)
    app.command("serve")(serve.serve)
    app.add_typer(exposure.app, name="exposure")
    app.command("trace")(exposure.trace)
    app.add_typer(users.app, name="users")
    app.add_typer(audit.app, name="audit")
    app.add_typer(monitor.app, name="monitor")
    app.add_typer(oversight.app, name="coi")
    app.command("brief")(oversight.brief)
    app.command("backup")(backup.backup)
    app.command("restore")(backup.restore)
    app.add_typer(index.app, name="index")
    app.add_typer(incidents.app, name="incidents")
    app.add_typer(keys.app, name="keys")
    app.add_typer(dossiers.app, name="dossier")
    app.command("candidates")(dossiers.candidates)
    app.add_typer(cases.app, name="cases")
    app.add_typer(cases.register_app, name="register")


_register()


def main() -> None:
    try:
        # Without standalone mode Click returns (not raises) the code of a `typer.Exit`: pass it on.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except AccompliceError as exc:
        err_console.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
        sys.exit(EXIT_ERROR)
    except (ArgumentError, OperationalError) as exc:
        reason = str(exc.orig if isinstance(exc, OperationalError) else exc).splitlines()[0]
        err_console.print(f"[red]error:[/red] store unavailable: {_store_problem(reason)}", soft_wrap=True)
        sys.exit(EXIT_ERROR)
    except SQLAlchemyError as exc:
        err_console.print(f"[red]error:[/red] store error: {str(exc).splitlines()[0]}")
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        err_console.print("interrupted; the store keeps its previous state")
        sys.exit(EXIT_INTERRUPTED)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(EXIT_ERROR)
    except typer.TyperException as exc:
        # Usage errors (an unknown command or option, a missing argument, a bad value) as Click shows them
        # in standalone mode: the usage line, a hint and the error, exit code 2. Typer vendors Click, so
        # these are Typer's own classes, not the `click` package's.
        _show_usage_error(exc)
        sys.exit(exc.exit_code)


# SQLite's words for a store it may not write (a read-only file, or a folder where it cannot add its
# journal): the user's fix is the file's or folder's permissions, so the message names the path.
_NOT_WRITABLE = ("readonly database", "unable to open database file", "read-only file system")


def _store_problem(reason: str) -> str:
    """SQLite's reason, with the store's path and what to check when the file or its folder is not usable."""
    try:
        path = sqlite_path(_store_url())
    except ArgumentError:
        return reason
    if path is None:
        return reason
    if any(words in reason for words in _NOT_WRITABLE):
        return f"{path}: {reason} (the file and its folder must exist and be writable by this user)"
    return f"{path}: {reason}"


def _show_usage_error(exc: typer.TyperException) -> None:
    show = getattr(exc, "show", None)
    if callable(show):
        show()
    else:
        err_console.print(f"[red]error:[/red] {exc.format_message()}", highlight=False, soft_wrap=True)
