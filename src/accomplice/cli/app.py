"""The Typer application, global options and the one place where errors become one-line messages."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from accomplice.errors import AccompliceError
from accomplice.store import Store, open_store

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


class _State:
    db_url: str | None = None
    store: Store | None = None


state = _State()


def get_store() -> Store:
    if state.store is None:
        state.store = open_store(state.db_url)
    return state.store


@app.callback()
def _global(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", envvar="ACCOMPLICE_DB_URL", help="Store URL (default: the embedded SQLite file)."
        ),
    ] = None,
) -> None:
    """accomplice: sanctions lists, screening and evidence against North Korea's accomplices."""
    state.db_url = db


def _register() -> None:
    from accomplice.cli import (
        audit,
        decide,
        entity,
        export,
        exposure,
        index,
        lists,
        load,
        monitor,
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
    app.add_typer(index.app, name="index")


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
        err_console.print(f"[red]error:[/red] store unavailable: {reason}")
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
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
