"""`accomplice users`: accounts, roles and API tokens, from the server's command line.

Whoever runs the CLI on the server can open the database, so the CLI acts as the local operator with
every permission; its audit rows name `cli:<login name>`. This is how the first admin is made.
"""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from accomplice.cli.app import get_store, out_console
from accomplice.errors import InputError
from accomplice.services import auth as accounts

app = typer.Typer(
    help="User accounts, roles and API tokens.\n\nExample: accomplice users add alice --role admin",
    no_args_is_help=True,
)

ROLE_HELP = f"Role ({', '.join(r.value for r in accounts.Role)}); repeat for several."
SCOPE_HELP = f"Permission the token carries ({', '.join(p.value for p in accounts.Permission)}); repeat."


def _operator() -> accounts.Principal:
    return accounts.operator_principal(getpass.getuser())


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("stdin", "no password on the first line")
        return password
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return str(password)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name: lower-case letters, digits, '.', '_' or '-'.")],
    role: Annotated[list[str], typer.Option("--role", help=ROLE_HELP)],
    org: Annotated[str | None, typer.Option("--org", help="The user's organisation.")] = None,
    display_name: Annotated[str | None, typer.Option("--display-name", help="Full name shown.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="No password: the account uses API tokens only.")
    ] = False,
) -> None:
    """Create a user account (asks for the password unless --password-stdin or --no-password).

    Example: accomplice users add alice --role admin --org "Example NGO"
    """
    password = None if no_password else _read_password(password_stdin)
    user = accounts.add_user(
        get_store(), _operator(), name=name, roles=role, password=password, display_name=display_name, org=org
    )
    out_console.print(f"added user {user.name} ({', '.join(user.roles)})")


@app.command("list")
def list_users() -> None:
    """Every account with its roles, organisation and state.

    Example: accomplice users list
    """
    table = Table("name", "display name", "org", "roles", "state", "created")
    for user in accounts.list_users(get_store(), _operator()):
        table.add_row(
            user.name,
            user.display_name,
            user.org or "",
            ", ".join(user.roles),
            "disabled" if user.disabled else "active",
            user.created_at.strftime("%Y-%m-%d"),
        )
    out_console.print(table)


@app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="The user the token acts for.")],
    scope: Annotated[list[str] | None, typer.Option("--scope", help=SCOPE_HELP)] = None,
    label: Annotated[str, typer.Option("--name", help="What the token is for.")] = "",
    days: Annotated[int, typer.Option("--days", help="Days until it expires.")] = accounts.DEFAULT_TOKEN_DAYS,
) -> None:
    """Issue an API token for a user and print it once (only its hash is stored).

    Example: accomplice users token alice --scope screen --scope jobs --name "nightly batch"
    """
    issued = accounts.issue_token(get_store(), _operator(), user=name, name=label, scopes=scope, days=days)
    expires = issued.record.expires_at.strftime("%Y-%m-%d") if issued.record.expires_at else "never"
    sys.stderr.write(f"token {issued.record.id} for {name} (expires {expires}); shown once:\n")
    out_console.print(issued.secret)


@app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="The token's id (the part after acc_).")]) -> None:
    """Revoke an API token at once.

    Example: accomplice users revoke 3f2a9c0d11b2e4f5
    """
    record = accounts.revoke_token(get_store(), _operator(), token_id)
    out_console.print(f"revoked token {record.id} of {record.user_name}")


@app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Disable an account: its sessions end and its tokens stop working at once.

    Example: accomplice users disable alice
    """
    accounts.set_disabled(get_store(), _operator(), name, True)
    out_console.print(f"disabled {name}")


@app.command("enable")
def enable(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Enable a disabled account again.

    Example: accomplice users enable alice
    """
    accounts.set_disabled(get_store(), _operator(), name, False)
    out_console.print(f"enabled {name}")


@app.command("roles")
def roles(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[list[str], typer.Option("--role", help=ROLE_HELP)],
) -> None:
    """Replace a user's roles.

    Example: accomplice users roles alice --role analyst --role reviewer
    """
    user = accounts.set_roles(get_store(), _operator(), name, role)
    out_console.print(f"{user.name}: {', '.join(user.roles)}")


@app.command("password")
def password(
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
) -> None:
    """Set a user's password (asks for it unless --password-stdin); the user's sessions end.

    Example: accomplice users password alice
    """
    accounts.set_password(get_store(), _operator(), name, _read_password(password_stdin))
    out_console.print(f"password of {name} changed")
