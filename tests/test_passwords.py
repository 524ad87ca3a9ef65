"""A password is refused when it is easy to guess, not only when it is short: the common passwords,
repeats, sequences and keyboard walks that NIST SP 800-63B asks a verifier to refuse, and the user's own
name; through the service, the API and the CLI alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from accomplice.services import auth as accounts
from accomplice.store import Store
from accomplice.store.auth import AuthStore

OPERATOR = accounts.operator_principal("tester")


@pytest.mark.parametrize(
    ("password", "why"),
    [
        (" " * 12, "Repeats"),
        ("aaaaaaaaaaaaaaaa", "Repeats"),
        ("password1234", "common password"),
        ("abcdefghijklmnop", "Sequences"),
        ("qwertyuiopasdf", "commonly used"),
        ("123456789012", "commonly used"),
    ],
)
def test_easily_guessed_passwords_are_refused_with_the_reason(store: Store, password: str, why: str) -> None:
    with pytest.raises(accounts.InputError, match="too easy to guess") as refused:
        accounts.add_user(store, OPERATOR, name="carol", roles=["analyst"], password=password)
    assert why in str(refused.value)
    assert AuthStore(store).user("carol") is None


def test_a_password_made_of_the_users_own_name_is_refused(store: Store) -> None:
    with pytest.raises(accounts.InputError, match="too easy to guess"):
        accounts.add_user(
            store, OPERATOR, name="kimsunhee", roles=["analyst"], password="kimsunhee2026!", org="Seoul Desk"
        )


def test_a_long_uncommon_passphrase_is_accepted(store: Store) -> None:
    user = accounts.add_user(
        store, OPERATOR, name="dana", roles=["analyst"], password="tidal moss under gravel"
    )
    assert AuthStore(store).user(user.name) is not None


def test_changing_to_a_weak_password_is_refused_and_keeps_the_old_one(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="erin", roles=["analyst"], password="tidal moss under gravel")
    with pytest.raises(accounts.InputError, match="too easy to guess"):
        accounts.set_password(store, OPERATOR, "erin", "erin12345678")
    assert (
        accounts.authenticate(store, "erin", "tidal moss under gravel", address="192.0.2.9")[0].user == "erin"
    )


def test_cli_refuses_a_weak_password_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("accomplice")),
            "users",
            "add",
            "frank",
            "--role",
            "analyst",
            "--password-stdin",
        ],
        input=" " * 12 + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, "ACCOMPLICE_DB_URL": f"sqlite:///{tmp_path / 'p.db'}"},
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "too easy to guess" in done.stderr
