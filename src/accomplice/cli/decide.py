"""`accomplice decide`: remember an analyst's judgement on a screening result."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from accomplice import services
from accomplice.cli.app import err_console, get_store, out_console
from accomplice.errors import InputError
from accomplice.services.auth import local_principal

# The exit code of a usage error, as Click gives one.
USAGE_EXIT = 2


def decide(
    name: Annotated[str, typer.Argument(help="The screened name, as it was screened.")],
    key: Annotated[str, typer.Argument(help="Key of the listed entity, e.g. ofac:12312.")],
    judgement: Annotated[str, typer.Argument(help="match or no-match.")],
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="Why (required; shown with every later result, a not-a-match one included)."
        ),
    ] = "",
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Analyst taking the decision: an account (its roles must allow deciding) or, without an "
            "account of that name, the local operator. Default: your login name.",
        ),
    ] = None,
    schema: Annotated[str | None, typer.Option("--schema")] = None,
    birth_date: Annotated[str | None, typer.Option("--birth-date")] = None,
    nationality: Annotated[str | None, typer.Option("--nationality")] = None,
) -> None:
    """Record that a screened name is (or is not) the listed entity; later screenings apply it.

    Decisions are append-only: to change your mind, decide again. A decision no longer applies once the
    listed entity changes; it is then shown as outdated.

    Example: accomplice decide "Kim Jong Un" ofac:20157 match --reason "same DOB and passport"
    """
    try:
        reason = services.checked_reason(reason)
    except InputError as exc:
        # A usage error, told in one line before the store is opened or the index built.
        err_console.print(f"error: --{exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(USAGE_EXIT) from None
    store = get_store()
    principal = local_principal(store, user or getpass.getuser())
    decision = services.decide(
        store,
        principal,
        name=name,
        entity_key=key,
        judgement=judgement,
        reason=reason,
        schema=schema,
        birth_date=birth_date,
        nationality=nationality,
    )
    whose = f" (for {decision.org} only)" if decision.org else ""
    out_console.print(
        f"recorded: {decision.query_text!r} vs {decision.entity_key} is {decision.judgement}{whose}"
    )
