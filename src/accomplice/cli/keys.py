"""`accomplice keys`: the key that seals victims' identifying fields, and second factors."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from accomplice.cli.app import get_store, out_console
from accomplice.services import incident_keys, incidents
from accomplice.services.auth import local_principal

app = typer.Typer(
    help=(
        "The key that seals victims' identifying fields (a file, never the database).\n\n"
        "Example: accomplice keys init"
    ),
    no_args_is_help=True,
)


@app.command("init")
def init() -> None:
    """Write a new key to ACCOMPLICE_KEY_FILE (default: accomplice.key beside the store); refused where a
    key file exists, since replacing it would lock every sealed record away (rotate instead).

    Example: accomplice keys init   (with ACCOMPLICE_KEY_FILE=/secure/accomplice.key to choose the file)
    """
    store = get_store(creates=True)
    keyring = incident_keys.init_key_file(incident_keys.key_file_path(store))
    out_console.print(
        f"new key {keyring.current_id} written to {keyring.path} (mode 600); back it up apart from the store"
    )


@app.command("rotate")
def rotate(
    user: Annotated[str | None, typer.Option("--user", help="Act as this account (an admin).")] = None,
) -> None:
    """Make a new key and re-seal every victim's record and second-factor secret with it, in one
    transaction; the old key is dropped from the file only after.

    Example: accomplice keys rotate
    """
    store = get_store()
    count = incidents.rotate_key(store, local_principal(store, user or getpass.getuser()))
    out_console.print(f"re-sealed {count:,} records with a new key in {incident_keys.key_file_path(store)}")


@app.command("check")
def check() -> None:
    """Say whether the key file opens the sealed records (exit 1 if not).

    Example: accomplice keys check
    """
    store = get_store()
    problem = incidents.key_problem(store)
    if problem:
        out_console.print(f"[red]error:[/red] {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    out_console.print(f"the key file {incident_keys.key_file_path(store)} opens every sealed record")


@app.command("totp")
def totp(
    name: Annotated[str, typer.Argument(help="The account that holds the `victims` permission.")],
    user: Annotated[str | None, typer.Option("--user", help="Act as this account (an admin).")] = None,
) -> None:
    """Enrol (or reset) an account's TOTP second factor; prints the otpauth:// URI for its app.

    Example: accomplice keys totp protection-officer
    """
    store = get_store()
    actor = local_principal(store, user or getpass.getuser())
    out_console.print(incidents.enrol_totp(store, actor, name), highlight=False, soft_wrap=True)
