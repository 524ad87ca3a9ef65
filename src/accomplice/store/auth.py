"""Store methods for accounts, API tokens, web sessions and login attempts.

Every write runs in one transaction together with its audit row (`AuditEntry`), so that nothing is
changed without a record and no record exists for a change that was rolled back. Policy (who may do what,
hashing, rate limits) lives in `accomplice.services.auth`; this module only reads and writes rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, update

from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.clock import aware
from accomplice.store.schema_auth import api_tokens, login_attempts, sessions, users
from accomplice.store.store import Store

__all__ = ["AuthStore", "LoginCounts", "SessionRecord", "TokenRecord", "UserRecord"]


@dataclass(frozen=True, slots=True)
class UserRecord:
    name: str
    display_name: str
    org: str | None
    roles: tuple[str, ...]
    password_hash: str | None
    disabled: bool
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: str
    user_name: str
    name: str
    scopes: tuple[str, ...] | None
    secret_hash: str
    org: str | None
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id_hash: str
    user_name: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LoginCounts:
    """Failed logins in a window, by user name and by address, and the time of the latest of each."""

    user_failures: int
    user_last_failure: datetime | None
    address_failures: int
    address_last_failure: datetime | None


def _user(r: Any) -> UserRecord:
    created = aware(r.created_at)
    assert created is not None
    return UserRecord(
        r.name,
        r.display_name,
        r.org,
        tuple(r.roles),
        r.password_hash,
        bool(r.disabled),
        r.created_by,
        created,
    )


def _token(r: Any) -> TokenRecord:
    created = aware(r.created_at)
    assert created is not None
    return TokenRecord(
        r.id,
        r.user_name,
        r.name,
        None if r.scopes is None else tuple(r.scopes),
        r.secret_hash,
        r.org,
        r.created_by,
        created,
        aware(r.last_used_at),
        aware(r.expires_at),
        aware(r.revoked_at),
    )


class AuthStore:
    """Accounts, tokens, sessions and login attempts of one `Store`, each write audited in its transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.audit = AuditLog(store)

    def _record(self, conn: Connection, entry: AuditEntry) -> None:
        self.audit.append_entry(conn, entry)

    # -- users ----------------------------------------------------------------------------------------

    def add_user(self, user: UserRecord, audit: AuditEntry) -> None:
        with self.store.writer() as conn:
            conn.execute(
                users.insert().values(
                    name=user.name,
                    display_name=user.display_name,
                    org=user.org,
                    roles=list(user.roles),
                    password_hash=user.password_hash,
                    disabled=user.disabled,
                    created_by=user.created_by,
                    created_at=user.created_at,
                )
            )
            self._record(conn, audit)

    def user(self, name: str) -> UserRecord | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return _user(row) if row is not None else None

    def users(self, *, org: str | None = None) -> list[UserRecord]:
        query = select(users).order_by(users.c.name)
        if org is not None:
            query = query.where(users.c.org == org)
        with self.store.engine.connect() as conn:
            return [_user(r) for r in conn.execute(query)]

    def count_users(self) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar_one())

    def update_user(self, name: str, changes: Mapping[str, object], audit: AuditEntry) -> bool:
        """Change some columns of a user (display_name, org, roles, password_hash, disabled).

        Disabling a user or changing its password also ends its web sessions, in the same transaction.
        """
        allowed = {"display_name", "org", "roles", "password_hash", "disabled"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)} of a user")
        values = {k: (list(v) if k == "roles" and isinstance(v, Sequence) else v) for k, v in changes.items()}
        with self.store.writer() as conn:
            result = conn.execute(update(users).where(users.c.name == name).values(**values))
            if result.rowcount == 0:
                return False
            if changes.get("disabled") or "password_hash" in changes:
                conn.execute(delete(sessions).where(sessions.c.user_name == name))
            self._record(conn, audit)
        return True

    # -- API tokens -----------------------------------------------------------------------------------

    def add_token(self, token: TokenRecord, audit: AuditEntry) -> None:
        with self.store.writer() as conn:
            conn.execute(
                api_tokens.insert().values(
                    id=token.id,
                    user_name=token.user_name,
                    name=token.name,
                    scopes=None if token.scopes is None else list(token.scopes),
                    secret_hash=token.secret_hash,
                    org=token.org,
                    created_by=token.created_by,
                    created_at=token.created_at,
                    last_used_at=None,
                    expires_at=token.expires_at,
                    revoked_at=None,
                )
            )
            self._record(conn, audit)

    def token(self, token_id: str) -> TokenRecord | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        return _token(row) if row is not None else None

    def tokens(self, *, user_name: str | None = None) -> list[TokenRecord]:
        query = select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.id)
        if user_name is not None:
            query = query.where(api_tokens.c.user_name == user_name)
        with self.store.engine.connect() as conn:
            return [_token(r) for r in conn.execute(query)]

    def revoke_token(self, token_id: str, at: datetime, audit: AuditEntry) -> bool:
        """Mark a token revoked (the row stays, for the record); False if it is unknown or already revoked."""
        with self.store.writer() as conn:
            result = conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
            if result.rowcount == 0:
                return False
            self._record(conn, audit)
        return True

    def touch_token(self, token_id: str, at: datetime) -> None:
        """Note when a token was last used (not audited: it is a read, and it would flood the log)."""
        with self.store.writer() as conn:
            conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at))

    # -- web sessions ---------------------------------------------------------------------------------

    def add_session(self, session: SessionRecord) -> None:
        with self.store.writer() as conn:
            # Expired sessions are cleared on each login: no background job needed to keep the table small.
            conn.execute(delete(sessions).where(sessions.c.expires_at < session.created_at))
            conn.execute(
                sessions.insert().values(
                    id_hash=session.id_hash,
                    user_name=session.user_name,
                    csrf_token=session.csrf_token,
                    created_at=session.created_at,
                    expires_at=session.expires_at,
                )
            )

    def session(self, id_hash: str) -> SessionRecord | None:
        with self.store.engine.connect() as conn:
            r = conn.execute(select(sessions).where(sessions.c.id_hash == id_hash)).first()
        if r is None:
            return None
        created, expires = aware(r.created_at), aware(r.expires_at)
        assert created is not None
        assert expires is not None
        return SessionRecord(r.id_hash, r.user_name, r.csrf_token, created, expires)

    def delete_session(self, id_hash: str, audit: AuditEntry | None = None) -> bool:
        with self.store.writer() as conn:
            result = conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash))
            if result.rowcount and audit is not None:
                self._record(conn, audit)
        return bool(result.rowcount)

    # -- login attempts -------------------------------------------------------------------------------

    def record_login(
        self,
        user_name: str,
        address: str,
        at: datetime,
        outcome: str,
        audit: AuditEntry,
        session: SessionRecord | None = None,
    ) -> None:
        """Record a login attempt, its audit row and (on success) the new session in one transaction."""
        with self.store.writer() as conn:
            conn.execute(
                login_attempts.insert().values(user_name=user_name, address=address, at=at, outcome=outcome)
            )
            if session is not None:
                conn.execute(delete(sessions).where(sessions.c.expires_at < at))
                conn.execute(
                    sessions.insert().values(
                        id_hash=session.id_hash,
                        user_name=session.user_name,
                        csrf_token=session.csrf_token,
                        created_at=session.created_at,
                        expires_at=session.expires_at,
                    )
                )
            self._record(conn, audit)

    def login_failures(self, user_name: str, address: str, since: datetime) -> LoginCounts:
        """Failures since `since`: for the user name, only those after its latest successful login."""
        with self.store.engine.connect() as conn:
            last_ok = conn.execute(
                select(func.max(login_attempts.c.at)).where(
                    login_attempts.c.user_name == user_name, login_attempts.c.outcome == "ok"
                )
            ).scalar_one()
            user_since = max(since, aware(last_ok) or since)
            user_count, user_last = conn.execute(
                select(func.count(), func.max(login_attempts.c.at)).where(
                    and_(
                        login_attempts.c.user_name == user_name,
                        login_attempts.c.outcome == "bad",
                        login_attempts.c.at > user_since,
                    )
                )
            ).one()
            address_count, address_last = conn.execute(
                select(func.count(), func.max(login_attempts.c.at)).where(
                    login_attempts.c.address == address,
                    login_attempts.c.outcome == "bad",
                    login_attempts.c.at > since,
                )
            ).one()
        return LoginCounts(int(user_count), aware(user_last), int(address_count), aware(address_last))
