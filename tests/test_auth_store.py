"""Accounts, tokens, logins and the audit log on both backends: what reaches the database, and what not."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from accomplice.services import auth as accounts
from accomplice.services.auth import (
    ANONYMOUS,
    AuthError,
    ForbiddenError,
    LockedError,
    Permission,
    Principal,
    Role,
)
from accomplice.store import Store
from accomplice.store.audit import AuditEntry, AuditLog, canonical_json, row_hash
from accomplice.store.auth import AuthStore, TokenRecord
from tests.helpers import BACKENDS

PASSWORD = "correct horse battery staple"
OPERATOR = accounts.operator_principal("tester")
AUTH_TABLES = ("users", "api_tokens", "sessions", "login_attempts", "audit_log")


def _all_text(store: Store) -> str:
    """Every value of every auth table, as text: what someone with a copy of the database can read."""
    parts = []
    with store.engine.connect() as conn:
        for table in AUTH_TABLES:
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


@BACKENDS
def test_token_secret_and_password_never_reach_the_database(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"], password=PASSWORD, org="ngo")
    issued = accounts.issue_token(store, OPERATOR, user="alice", name="batch")
    prefix, token_id, secret = issued.secret.split("_", 2)
    assert (prefix, token_id) == ("acc", issued.record.id)
    accounts.login(store, "alice", PASSWORD, address="192.0.2.1")
    stored = _all_text(store)
    assert secret not in stored
    assert issued.secret not in stored
    assert PASSWORD not in stored
    record = AuthStore(store).token(issued.record.id)
    assert record is not None
    assert record.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert accounts.authenticate_token(store, issued.secret).user == "alice"


@BACKENDS
def test_password_is_an_argon2id_hash_that_verifies(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="bob", roles=["reviewer"], password=PASSWORD)
    user = AuthStore(store).user("bob")
    assert user is not None
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(user.password_hash, PASSWORD)
    principal, _, _ = accounts.authenticate(store, "bob", PASSWORD, address="192.0.2.1")
    assert principal.roles == frozenset({Role.REVIEWER})
    with pytest.raises(AuthError):
        accounts.authenticate(store, "bob", PASSWORD + "x", address="192.0.2.1")


def test_short_passwords_are_refused(store: Store) -> None:
    with pytest.raises(accounts.InputError, match="at least 12"):
        accounts.add_user(store, OPERATOR, name="carol", roles=["analyst"], password="short")
    assert AuthStore(store).user("carol") is None


@BACKENDS
def test_revoked_and_expired_tokens_are_refused(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"], password=PASSWORD)
    issued = accounts.issue_token(store, OPERATOR, user="alice")
    assert accounts.authenticate_token(store, issued.secret).user == "alice"
    accounts.revoke_token(store, OPERATOR, issued.record.id)
    with pytest.raises(AuthError, match="revoked"):
        accounts.authenticate_token(store, issued.secret)
    # An expired token: written as issue_token would have written it a year and a day ago.
    secret = "x" * 43
    past = datetime.now(UTC) - timedelta(days=366)
    AuthStore(store).add_token(
        TokenRecord(
            "00000000000000aa",
            "alice",
            "old",
            None,
            hashlib.sha256(secret.encode()).hexdigest(),
            None,
            "cli:tester",
            past,
            None,
            past + timedelta(days=365),
            None,
        ),
        AuditEntry("cli:tester", "token.issue", "00000000000000aa", {}),
    )
    with pytest.raises(AuthError, match="expired"):
        accounts.authenticate_token(store, f"acc_00000000000000aa_{secret}")
    with pytest.raises(AuthError, match="unknown"):
        accounts.authenticate_token(store, f"acc_00000000000000aa_{'y' * 43}")
    with pytest.raises(AuthError, match="malformed"):
        accounts.authenticate_token(store, "not-a-token")


def test_disabled_user_loses_tokens_and_sessions_at_once(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"], password=PASSWORD)
    issued = accounts.issue_token(store, OPERATOR, user="alice")
    session = accounts.login(store, "alice", PASSWORD, address="192.0.2.1")
    assert accounts.principal_for_session(store, session.session_id) is not None
    accounts.set_disabled(store, OPERATOR, "alice")
    assert accounts.principal_for_session(store, session.session_id) is None
    with pytest.raises(AuthError, match="disabled"):
        accounts.authenticate_token(store, issued.secret)
    with pytest.raises(AuthError):
        accounts.authenticate(store, "alice", PASSWORD, address="192.0.2.1")


def test_token_scopes_narrow_the_roles_and_cannot_be_widened(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="root", roles=["admin"], password=PASSWORD)
    scoped = accounts.issue_token(store, OPERATOR, user="root", scopes=["screen"])
    principal = accounts.authenticate_token(store, scoped.secret)
    assert principal.can(Permission.SCREEN)
    assert not principal.can(Permission.MANAGE_USERS)
    with pytest.raises(ForbiddenError, match="manage-users"):
        accounts.issue_token(store, principal, scopes=["manage-users"])
    # Without scopes, a scoped token mints a token with its own scopes, never the roles' full set.
    child = accounts.issue_token(store, principal, name="child")
    assert child.record.scopes == ("screen",)
    # A scope beyond the roles is refused too.
    accounts.add_user(store, OPERATOR, name="ana", roles=["analyst"], password=PASSWORD)
    analyst = accounts.authenticate_token(store, accounts.issue_token(store, OPERATOR, user="ana").secret)
    with pytest.raises(ForbiddenError):
        accounts.issue_token(store, analyst, scopes=["audit:read"])


@BACKENDS
def test_five_failed_logins_lock_the_user_name_for_fifteen_minutes(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"], password=PASSWORD)
    for attempt in range(accounts.LOGIN_USER_MAX_FAILURES):
        with pytest.raises(AuthError) as caught:
            accounts.authenticate(
                store, "alice", f"wrong password {attempt}", address=f"198.51.100.{attempt}"
            )
        assert not isinstance(caught.value, LockedError)
    # Now even the right password is refused, unchecked, from any address.
    with pytest.raises(LockedError, match="15 minutes") as locked:
        accounts.authenticate(store, "alice", PASSWORD, address="203.0.113.9")
    remaining = locked.value.until - datetime.now(UTC)
    assert timedelta(minutes=14) < remaining <= accounts.LOGIN_LOCKOUT
    # Another user is not affected.
    accounts.add_user(store, OPERATOR, name="bob", roles=["analyst"], password=PASSWORD)
    assert accounts.authenticate(store, "bob", PASSWORD, address="203.0.113.9")[0].user == "bob"
    actions = [r.action for r in AuditLog(store).entries(limit=100)]
    assert actions.count("login.failed") == accounts.LOGIN_USER_MAX_FAILURES
    assert "login.locked" in actions


def test_failures_older_than_the_window_do_not_lock(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"], password=PASSWORD)
    old = datetime.now(UTC) - accounts.LOGIN_FAILURE_WINDOW - timedelta(minutes=1)
    for _ in range(accounts.LOGIN_USER_MAX_FAILURES * 2):
        AuthStore(store).record_login(
            "alice", "192.0.2.1", old, "bad", AuditEntry(None, "login.failed", "alice", {})
        )
    assert accounts.authenticate(store, "alice", PASSWORD, address="192.0.2.1")[0].user == "alice"


def test_a_successful_login_clears_earlier_failures_of_the_name(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"], password=PASSWORD)
    for _ in range(accounts.LOGIN_USER_MAX_FAILURES - 1):
        with pytest.raises(AuthError):
            accounts.authenticate(store, "alice", "wrong password!", address="192.0.2.1")
    accounts.authenticate(store, "alice", PASSWORD, address="192.0.2.1")
    with pytest.raises(AuthError):
        accounts.authenticate(store, "alice", "wrong password!", address="192.0.2.1")
    assert accounts.authenticate(store, "alice", PASSWORD, address="192.0.2.1")[0].user == "alice"


def test_twenty_failures_from_one_address_lock_that_address(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"], password=PASSWORD)
    for i in range(accounts.LOGIN_ADDRESS_MAX_FAILURES):
        with pytest.raises(AuthError):
            accounts.authenticate(store, f"sprayed{i}", "Summer2026!!", address="203.0.113.50")
    with pytest.raises(LockedError):
        accounts.authenticate(store, "alice", PASSWORD, address="203.0.113.50")
    assert accounts.authenticate(store, "alice", PASSWORD, address="203.0.113.51")[0].user == "alice"


def test_unknown_and_known_names_fail_alike(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"], password=PASSWORD)
    messages = set()
    for name in ("alice", "nobody"):
        with pytest.raises(AuthError) as caught:
            accounts.authenticate(store, name, "wrong password!", address="192.0.2.1")
        messages.add(str(caught.value))
    assert messages == {"wrong user name or password"}


@BACKENDS
def test_every_account_write_is_audited_and_the_chain_verifies(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"], password=PASSWORD, org="ngo")
    issued = accounts.issue_token(store, OPERATOR, user="alice", scopes=["screen"])
    accounts.set_roles(store, OPERATOR, "alice", ["analyst", "reviewer"])
    accounts.revoke_token(store, OPERATOR, issued.record.id)
    accounts.login(store, "alice", PASSWORD, address="192.0.2.1")
    with pytest.raises(AuthError):
        accounts.authenticate(store, "alice", "not the password", address="192.0.2.1")
    rows = list(reversed(AuditLog(store).entries(limit=100)))
    assert [r.action for r in rows] == [
        "user.add",
        "token.issue",
        "user.update",
        "token.revoke",
        "login.ok",
        "login.failed",
    ]
    assert rows[0].actor == "cli:tester"
    assert rows[2].detail == {"roles": ["analyst", "reviewer"]}
    assert all(PASSWORD not in str(r.detail) for r in rows)
    report = AuditLog(store).verify()
    assert report.ok
    assert report.rows == 6
    assert report.last_hash == rows[-1].hash


def _tamper(store: Store, statement: str) -> None:
    """Change the audit log as an attacker with the database's owner rights would: around the trigger."""
    with store.engine.begin() as conn:
        if store.backend == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete"))
            conn.execute(text(statement))
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
            conn.execute(text(statement))


def _three_rows(store: Store) -> None:
    for name in ("alice", "bob", "carol"):
        accounts.add_user(store, OPERATOR, name=name, roles=["analyst"])


@BACKENDS
def test_verify_names_a_row_altered_directly_in_the_database(store: Store) -> None:
    _three_rows(store)
    assert AuditLog(store).verify().ok
    _tamper(store, "UPDATE audit_log SET subject = 'mallory' WHERE seq = 2")
    report = AuditLog(store).verify()
    assert not report.ok
    assert report.first_bad_seq == 2
    assert "altered" in (report.reason or "")
    assert report.message().startswith("audit log broken at row 2")


@BACKENDS
def test_verify_names_the_row_after_one_deleted_from_the_middle(store: Store) -> None:
    _three_rows(store)
    _tamper(store, "DELETE FROM audit_log WHERE seq = 2")
    report = AuditLog(store).verify()
    assert not report.ok
    assert report.first_bad_seq == 3
    assert "missing" in (report.reason or "")


@BACKENDS
def test_rehashed_altered_row_still_breaks_the_next_link(store: Store) -> None:
    # An attacker who recomputes the altered row's own hash still breaks the next row's prev_hash.
    _three_rows(store)
    row = AuditLog(store).entries(limit=3)[-1]  # seq 1
    forged = row_hash(
        row.seq, row.at, row.actor, row.action, "mallory", canonical_json(row.detail), row.prev_hash
    )
    _tamper(store, f"UPDATE audit_log SET subject = 'mallory', hash = '{forged}' WHERE seq = 1")
    report = AuditLog(store).verify()
    assert report.first_bad_seq == 2
    assert "prev_hash" in (report.reason or "")


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_postgresql_trigger_refuses_update_delete_and_truncate_of_the_audit_log(store: Store) -> None:
    _three_rows(store)
    for statement in (
        "UPDATE audit_log SET subject = 'mallory' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 3",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(statement))
    assert AuditLog(store).count() == 3
    assert AuditLog(store).verify().ok


def test_sqlite_trigger_refuses_update_and_delete_of_the_audit_log(store: Store) -> None:
    _three_rows(store)
    for statement in ("UPDATE audit_log SET subject = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(statement))
    assert AuditLog(store).verify().ok


def test_audit_log_has_no_update_or_delete_method() -> None:
    public = {name for name in dir(AuditLog) if not name.startswith("_")}
    reads = {"count", "entries", "head", "missing_triggers", "row_at", "verify"}
    assert public == {"append", "append_entry", "record"} | reads


def test_audit_rows_and_permission_checks_need_the_right_principal(store: Store) -> None:
    with pytest.raises(AuthError):
        accounts.audit_entries(store, ANONYMOUS)
    analyst = Principal("ana", frozenset({Role.ANALYST}), None)
    with pytest.raises(ForbiddenError):
        accounts.verify_audit(store, analyst)
    with pytest.raises(ForbiddenError):
        accounts.add_user(store, analyst, name="x", roles=["admin"])
    reviewer = Principal("rev", frozenset({Role.REVIEWER}), None)
    assert accounts.verify_audit(store, reviewer).ok


def test_importer_sees_only_its_own_organisation() -> None:
    importer = Principal("imp", frozenset({Role.IMPORTER}), "acme")
    assert importer.sees_org("acme")
    assert not importer.sees_org("other")
    assert not importer.sees_org(None)
    analyst = Principal("ana", frozenset({Role.ANALYST}), "ngo")
    assert analyst.sees_org("acme")
    # An importer who also holds a role that is not org-bound sees every organisation's objects.
    both = Principal("x", frozenset({Role.IMPORTER, Role.RESEARCHER}), "acme")
    assert both.sees_org("other")
    assert not ANONYMOUS.sees_org("acme")
    assert not ANONYMOUS.can(Permission.SCREEN)


def test_admin_holds_every_permission_and_only_admin_manages_users() -> None:
    assert accounts.ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    assert set(accounts.ROLE_PERMISSIONS) == set(Role)
    managers = {r for r, perms in accounts.ROLE_PERMISSIONS.items() if Permission.MANAGE_USERS in perms}
    assert managers == {Role.ADMIN}
    confidential = {r for r, perms in accounts.ROLE_PERMISSIONS.items() if Permission.CONFIDENTIAL in perms}
    assert confidential == {Role.ADMIN, Role.RESEARCHER}


def test_hash_with_older_argon2_parameters_verifies_and_is_upgraded_at_login(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"])
    old_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    AuthStore(store).update_user("alice", {"password_hash": old_hash}, AuditEntry(None, "test", "alice", {}))
    accounts.authenticate(store, "alice", PASSWORD, address="192.0.2.1")
    user = AuthStore(store).user("alice")
    assert user is not None
    assert user.password_hash != old_hash
    assert f"m={accounts.ARGON2_MEMORY_KIB},t={accounts.ARGON2_TIME_COST}" in (user.password_hash or "")
    assert AuditLog(store).entries(limit=1)[0].action == "user.rehash"
