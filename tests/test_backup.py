"""A backup taken while the store runs restores to that state on both backends, whole or not at all, and
the restored store passes the audit check; a file that is not a backup is refused in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from accomplice.errors import InputError
from accomplice.services import auth as accounts
from accomplice.services import backup as backups
from accomplice.store import Store
from accomplice.store.audit import AuditLog
from accomplice.store.auth import AuthStore
from tests.helpers import BACKENDS

OPERATOR = accounts.operator_principal("tester")
SUFFIX = {"sqlite": ".db", "postgresql": ".dump"}


@BACKENDS
def test_restore_brings_back_the_state_of_the_backup_and_its_audit_chain(
    store: Store, tmp_path: Path
) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"])
    target = tmp_path / f"backup{SUFFIX[store.backend]}"
    backups.backup_store(store, OPERATOR, target)
    rows_at_backup = AuditLog(store).count()
    accounts.add_user(store, OPERATOR, name="mallory", roles=["admin"])
    assert AuthStore(store).user("mallory") is not None

    report = backups.restore_store(store, OPERATOR, target)

    assert report.ok, report.message()
    assert report.rows == rows_at_backup
    auth = AuthStore(store)
    assert auth.user("alice") is not None
    assert auth.user("mallory") is None
    actions = [r.action for r in AuditLog(store).entries(limit=3)]
    assert actions[:2] == ["store.restore", "store.backup"]
    assert AuditLog(store).verify().ok


@BACKENDS
def test_a_file_that_is_not_a_backup_is_refused_and_the_store_is_untouched(
    store: Store, tmp_path: Path
) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"])
    bogus = tmp_path / "notes.txt"
    bogus.write_text("id,name\n1,Kim\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"notes\.txt: not a backup of accomplice"):
        backups.restore_store(store, OPERATOR, bogus)
    assert AuthStore(store).user("alice") is not None


def test_a_backup_of_the_other_backend_is_refused(store: Store, tmp_path: Path) -> None:
    dump = tmp_path / "other.dump"
    dump.write_bytes(b"PGDMP\x01\x0e\x00")
    with pytest.raises(InputError, match="is a postgresql backup; this store is sqlite"):
        backups.restore_store(store, OPERATOR, dump)


def test_a_backup_never_overwrites_a_file_unless_asked(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "b.db"
    target.write_bytes(b"keep me")
    with pytest.raises(InputError, match="exists already"):
        backups.backup_store(store, OPERATOR, target)
    assert target.read_bytes() == b"keep me"


def test_cli_backup_and_restore_round_trip(tmp_path: Path) -> None:
    accomplice = str(Path(sys.executable).with_name("accomplice"))
    env = {**os.environ, "ACCOMPLICE_DB_URL": f"sqlite:///{tmp_path / 'a.db'}"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [accomplice, *args], capture_output=True, text=True, env=env, timeout=120, check=False
        )

    assert run("users", "add", "alice", "--role", "analyst", "--no-password").returncode == 0
    done = run("backup", str(tmp_path / "b.db"))
    assert done.returncode == 0, done.stderr
    assert run("users", "add", "bob", "--role", "analyst", "--no-password").returncode == 0
    refused = run("restore", str(tmp_path / "b.db"))
    assert refused.returncode != 0
    assert "--yes" in refused.stderr
    restored = run("restore", str(tmp_path / "b.db"), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "audit log intact" in restored.stdout
    listed = run("users", "list")
    assert "alice" in listed.stdout
    assert "bob" not in listed.stdout
    assert run("audit", "verify").returncode == 0
