"""Accounts, roles and permissions: who may do what, and the use-cases that manage accounts.

The contract other modules code against: `Role`, `Permission`, `ROLE_PERMISSIONS`, `Principal` and
`ANONYMOUS`. Interfaces turn a request into a `Principal` (a token, a web session, or the local operator of
the command line) and ask `principal.can(permission)` before any write or sensitive read.

Secrets: passwords are hashed with argon2id (19 MiB, 2 passes: see ARGON2_MEMORY_KIB); API tokens
(`acc_<id>_<secret>`) and session ids are random and stored only as SHA-256 hashes, which is enough for
256-bit random secrets (no dictionary to guess from). Every write is recorded in the audit log in the
transaction that performs it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from accomplice.errors import AccompliceError, InputError, NotFoundError
from accomplice.store import Store
from accomplice.store.audit import AuditEntry, AuditLog, AuditRow, VerifyReport
from accomplice.store.auth import AuthStore, SessionRecord, TokenRecord, UserRecord
from accomplice.store.clock import utc_now

__all__ = [
    "ANONYMOUS",
    "LOGIN_ADDRESS_MAX_FAILURES",
    "LOGIN_FAILURE_WINDOW",
    "LOGIN_LOCKOUT",
    "LOGIN_USER_MAX_FAILURES",
    "ROLE_PERMISSIONS",
    "SESSION_LIFETIME",
    "TOKEN_CACHE_SECONDS",
    "AuditRow",
    "AuthError",
    "ForbiddenError",
    "IssuedToken",
    "LockedError",
    "LoginResult",
    "Permission",
    "Principal",
    "Role",
    "TokenRecord",
    "UserRecord",
    "VerifyReport",
    "add_user",
    "audit_entries",
    "authenticate",
    "authenticate_token",
    "create_session",
    "forget_trusted_tokens",
    "get_user",
    "hash_password",
    "is_enforcement_account",
    "issue_token",
    "list_tokens",
    "list_users",
    "local_principal",
    "login",
    "logout",
    "operator_principal",
    "owner_decision_org",
    "password_problem",
    "principal_for_session",
    "record_audit",
    "require",
    "revoke_token",
    "set_disabled",
    "set_password",
    "set_roles",
    "trusted_token",
    "update_user",
    "verify_audit",
]


class Role(StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    REVIEWER = "reviewer"
    IMPORTER = "importer"
    RESEARCHER = "researcher"
    PROTECTION = "protection"  # victims' protection officer (documented abuses)
    # Oversight (the COI tracker): congressional, UN and NGO staff who record follow-up events.
    OVERSIGHT = "oversight"


class Permission(StrEnum):
    SCREEN = "screen"  # /match, batch screening, watchlist screening
    DECIDE = "decide"  # record match / not-a-match decisions
    JOBS = "jobs"  # upload batch jobs, read own org's jobs
    WATCHLISTS = "watchlists"  # keep watchlists, read alerts, configure webhooks
    LOAD_LISTS = "load-lists"  # import sanctions list versions
    EXPOSURE_READ = "exposure:read"  # shipments, traces, relations, evidence (non-confidential)
    EXPOSURE_WRITE = "exposure:write"  # import shipments/relations/ownership/..., upload documents
    # Confirm or split a trade party's resolution to a listed entity. Not an importer's: splitting its own
    # supplier from a DPRK listing would clear its own flags.
    RESOLVE_PARTIES = "resolve-parties"
    CONFIDENTIAL = "confidential"  # see confidential evidence sources
    MANAGE_USERS = "manage-users"  # users, roles, tokens of others
    AUDIT_READ = "audit:read"  # read and verify the audit log
    # -- documented abuses (services.incidents) --
    INCIDENTS_READ = "incidents:read"  # restricted incident records of one's own team, by pseudonym
    INCIDENTS_WRITE = "incidents:write"  # record and import incidents
    INCIDENTS_PUBLISH = "incidents:publish"  # review and publish a record's redacted public version
    # See a victim's or witness's real identity: with a stated reason and a TOTP code, audited each time.
    # Narrow on purpose: researchers keep `confidential` for evidence sources, not this.
    VICTIMS = "victims"
    # Oversight (the COI tracker): record sourced follow-up events and load the tracker's file. Reading
    # the tracker, the public statistics and briefs needs no permission (they show public facts only).
    OVERSIGHT_WRITE = "oversight:write"
    # -- dossiers (designation dossiers and the candidate finder) --
    DOSSIERS_READ = "dossiers:read"  # build and read dossiers, run the candidate finder
    DOSSIERS_WRITE = "dossiers:write"  # save dossier versions, review them, comment on claims
    DOSSIERS_APPROVE = "dossiers:approve"  # approve a reviewed dossier version (not its author or reviewer)

    # -- §321(b) cases and the CAATSA register (services/cases.py, services/register.py) --
    CASES_READ = "cases:read"  # read cases (an importer: its own organisation's only)
    CASES_ACT = "cases:act"  # open, detain, request information, decide; import case histories
    CASES_APPROVE = "cases:approve"  # the second pair of eyes on an accepted rebuttal
    CASES_RESPOND = "cases:respond"  # answer, upload documents and protest for one's own organisation
    REGISTER_WRITE = "register:write"  # add to the CAATSA register, decide removal requests


P = Permission
# -- dossiers: the enforcement side writes and reviews dossiers; a reviewer (or an admin) approves them.
# Never an importer's: a dossier and the candidate list name parties that are not yet designated.
DOSSIER_AUTHOR_PERMISSIONS = frozenset({P.DOSSIERS_READ, P.DOSSIERS_WRITE})
# §321(b) cases: the analyst is the enforcement side (opens, detains, requests, decides), the reviewer the
# second pair of eyes (approves an accepted rebuttal, marks documents), the importer answers its own cases.
_CASE_PERMISSIONS: Mapping[str, frozenset[Permission]] = {
    "analyst": frozenset({P.CASES_READ, P.CASES_ACT, P.REGISTER_WRITE}),
    "reviewer": frozenset({P.CASES_READ, P.CASES_APPROVE}),
    "importer": frozenset({P.CASES_READ, P.CASES_RESPOND}),
}
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    # Runs the installation: everything.
    Role.ADMIN: frozenset(Permission),
    # Screens names and takes the match decisions; keeps watchlists; reads exposure data to judge a hit.
    Role.ANALYST: frozenset(
        {P.SCREEN, P.DECIDE, P.JOBS, P.WATCHLISTS, P.EXPOSURE_READ, P.RESOLVE_PARTIES, P.INCIDENTS_READ}
        | DOSSIER_AUTHOR_PERMISSIONS
        | _CASE_PERMISSIONS["analyst"]
    ),
    # The second pair of eyes: checks decisions (and may overturn them) and reads the audit log, but does
    # not run jobs or change data.
    # It also reviews and publishes the redacted public version of an incident record.
    Role.REVIEWER: frozenset(
        {
            P.SCREEN,
            P.DECIDE,
            P.EXPOSURE_READ,
            P.AUDIT_READ,
            P.RESOLVE_PARTIES,
            P.INCIDENTS_READ,
            P.INCIDENTS_PUBLISH,
        }
        | DOSSIER_AUTHOR_PERMISSIONS
        | {P.DOSSIERS_APPROVE}
        | _CASE_PERMISSIONS["reviewer"]
    ),
    # A member organisation that brings its own data (batch files, shipments, suppliers) and screens it;
    # it sees only its own organisation's objects (see Principal.sees_org). Its compliance team marks its
    # own false positives: those decisions are its organisation's and apply to its screening only
    # (Principal.decision_org), never to the enforcement side's, whose decisions it never sees.
    Role.IMPORTER: frozenset({P.SCREEN, P.DECIDE, P.JOBS, P.WATCHLISTS, P.EXPOSURE_READ, P.EXPOSURE_WRITE})
    | _CASE_PERMISSIONS["importer"],
    # Investigates supply chains and forced labour: builds the exposure data and sees confidential
    # sources (witnesses, workers), which nobody else but an admin sees.
    # Documents abuses (records and imports incidents) by pseudonym.
    Role.RESEARCHER: frozenset(
        {
            P.SCREEN,
            P.EXPOSURE_READ,
            P.EXPOSURE_WRITE,
            P.CONFIDENTIAL,
            P.RESOLVE_PARTIES,
            P.INCIDENTS_READ,
            P.INCIDENTS_WRITE,
        }
        | DOSSIER_AUTHOR_PERMISSIONS
    ),
    # -- documented abuses --
    # The victims' protection officer: records testimony and alone (with admins) may see who a victim is,
    # each time with a stated reason and a second factor.
    Role.PROTECTION: frozenset({P.INCIDENTS_READ, P.INCIDENTS_WRITE, P.VICTIMS}),
    # Oversight: staff of a congressional committee, a UN office or an NGO who follow the COI's
    # recommendations. They add sourced events (each changes a status only through its source) and nothing
    # else: no screening, no exposure data, no organisation's objects.
    Role.OVERSIGHT: frozenset({P.OVERSIGHT_WRITE}),
}
# Roles whose holders see only objects of their own organisation.
ORG_BOUND_ROLES = frozenset({Role.IMPORTER})


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a user with roles (and, through a token, maybe fewer scopes), or nobody."""

    user: str | None  # user name; None = anonymous
    roles: frozenset[Role]
    org: str | None  # the organisation (an importer sees only its own org's objects)
    scopes: frozenset[Permission] | None = None  # a token's scopes (None: the roles' full permissions)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def permissions(self) -> frozenset[Permission]:
        """What the roles allow, narrowed to the token's scopes when the request came with a token."""
        if self.user is None:
            return frozenset()
        allowed = frozenset().union(*(ROLE_PERMISSIONS[r] for r in self.roles))
        return allowed if self.scopes is None else allowed & self.scopes

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def org_scope(self) -> frozenset[str] | None:
        """The organisations whose objects this principal is limited to: None = not limited (any role
        that is not org-bound); an importer = its own organisation (none at all without one)."""
        if self.roles and self.roles <= ORG_BOUND_ROLES:
            return frozenset({self.org}) if self.org else frozenset()
        return None

    @property
    def record_org(self) -> str:
        """The organisation recorded with what this principal stores: its own when it is org-bound, else
        shared ("") — an analyst's or researcher's records are the enforcement side's, seen by all roles."""
        scope = self.org_scope
        return next(iter(scope)) if scope else ""

    @property
    def decision_org(self) -> str | None:
        """Whose screening decisions this principal takes and sees applied: "" = the enforcement side's
        shared decisions (any role that is not org-bound), its own organisation's when org-bound, None =
        none at all (anonymous, a user without a role, an org-bound user without an organisation). Never a
        mix: an importer's "not a match" must not hide a hit from enforcement, and the enforcement side's
        notes are internal. A token's scopes do not change it: they limit what the token may do, not whose
        decisions its results show."""
        if self.user is None or not self.roles:
            return None
        scope = self.org_scope
        if scope is None:
            return ""
        return next(iter(scope), None)

    def sees_org(self, org: str | None) -> bool:
        """Whether this principal may see an object of organisation `org` (permissions apart).

        Anonymous sees no organisation's objects. A principal whose every role is org-bound (an importer)
        sees only its own organisation's; any other role sees all organisations'.
        """
        if self.user is None:
            return False
        if self.roles and self.roles <= ORG_BOUND_ROLES:
            return org is not None and org == self.org
        return True


ANONYMOUS = Principal(user=None, roles=frozenset(), org=None)


class AuthError(AccompliceError):
    """Authentication failed (wrong or unknown credentials, expired or revoked token): HTTP 401."""


class ForbiddenError(AccompliceError):
    """Authenticated, but not allowed to do this: HTTP 403."""


class LockedError(AuthError):
    """Too many failed logins: refused without checking the password until `until`."""

    def __init__(self, message: str, until: datetime) -> None:
        self.until = until
        super().__init__(message)


def require(principal: Principal, permission: Permission) -> None:
    """Raise AuthError for an anonymous principal, ForbiddenError for one without `permission`."""
    if not principal.is_authenticated:
        raise AuthError("log in first")
    if not principal.can(permission):
        raise ForbiddenError(f"{principal.user} may not do this (needs the {permission.value!r} permission)")


def _principal_of(user: UserRecord, scopes: Iterable[str] | None = None) -> Principal:
    return Principal(
        user=user.name,
        roles=frozenset(Role(r) for r in user.roles if r in Role._value2member_map_),
        org=user.org,
        scopes=None
        if scopes is None
        else frozenset(Permission(s) for s in scopes if s in _PERMISSION_VALUES),
    )


_PERMISSION_VALUES = frozenset(p.value for p in Permission)


def operator_principal(name: str) -> Principal:
    """The person at the command line on the server: whoever can run the CLI can open the database, so
    it acts with every permission. Its audit rows name it `cli:<name>`."""
    return Principal(user=f"cli:{name}", roles=frozenset({Role.ADMIN}), org=None)


def owner_decision_org(store: Store, owner: str | None, org: str | None) -> str | None:
    """Whose decisions apply to an object (a job, a watchlist) that `owner` keeps for organisation `org`,
    where no principal is at hand (the job worker, re-screening after a list import).

    The enforcement side's shared decisions ("") when the owner's account is of the enforcement side (see
    `Principal.decision_org`); otherwise the object's organisation's — not the owner's current one, which
    may have changed, since it is the object's organisation whose importers see its results. An owner
    with no account (the CLI operator, a deleted user) falls back to the object's organisation too ("" when
    it has none), so that the enforcement side's notes never reach an organisation's object through a
    missing account. None: an organisation-less object of an org-bound owner applies no decisions.
    """
    user = AuthStore(store).user(owner) if owner else None
    if user is None:
        return org or ""
    if _principal_of(user).decision_org == "":
        return ""
    return org or None


def is_enforcement_account(store: Store, name: str | None) -> bool:
    """Whether objects kept by `name` are the enforcement side's: an account with a role that is not
    org-bound (analyst, reviewer, researcher, admin), or no account at all (the CLI operator, a deleted
    user). An organisation's importers never see such objects, even when they carry the organisation."""
    user = AuthStore(store).user(name) if name else None
    return user is None or _principal_of(user).org_scope is None


def local_principal(store: Store, name: str) -> Principal:
    """The CLI acting for `name`: the account of that name if there is one (it must be enabled), else the
    local operator (see `operator_principal`)."""
    user = AuthStore(store).user(name)
    if user is None:
        return operator_principal(name)
    if user.disabled:
        raise ForbiddenError(f"user {name!r} is disabled")
    return _principal_of(user)


# -- passwords --------------------------------------------------------------------------------------------

# argon2id with OWASP's recommended minimum (Password Storage Cheat Sheet): 19 MiB, 2 passes, 1 lane.
# RFC 9106's 64 MiB / 3 passes / 4 lanes (argon2-cffi's default) took 0.9 s per login on a busy 2-core
# server (bench/bench_auth.py), and every failed login an attacker sends costs a verification; this costs
# a seventh of that and still makes each guess against a stolen table cost ~19 MiB of memory. Hashes made
# with other parameters verify and are rehashed with these at the next login.
ARGON2_MEMORY_KIB = 19_456
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
_HASHER = PasswordHasher(
    time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM
)
# A user name that does not exist is checked against this hash, so that a failed login takes as long
# whether or not the name exists (no user enumeration by timing).
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
# Shorter passwords fall to offline guessing even behind argon2 (NIST SP 800-63B asks for at least 8).
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024  # argon2 accepts any length; this bounds the work an attacker can ask for


# zxcvbn's score 3 of 4: "safely unguessable", under 10^10 guesses, which argon2id at our cost makes an
# offline attack of years on one GPU; 2 and below are the common passwords, keyboard walks, repeats and
# sequences (twelve spaces, "password1234", "qwertyuiopas") that NIST SP 800-63B asks a verifier to refuse.
MIN_PASSWORD_SCORE = 3


def password_problem(password: str, context: Sequence[str] = ()) -> str | None:
    """Why `password` is refused, or None. Length first, then zxcvbn's estimate of how guessable it is,
    against its lists of common passwords, words and names, repeats, sequences and keyboard patterns,
    and against `context` (the user's own name and organisation)."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"needs at least {MIN_PASSWORD_CHARS} characters"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"is longer than {MAX_PASSWORD_CHARS} characters"
    from zxcvbn import zxcvbn  # imported when a password is set, not by every CLI call

    verdict = zxcvbn(password, user_inputs=[c for c in context if c])
    if verdict["score"] >= MIN_PASSWORD_SCORE:
        return None
    feedback = verdict["feedback"]
    why = feedback.get("warning") or "This is easy to guess."
    hints = " ".join(feedback.get("suggestions") or [])
    return f"is too easy to guess: {why} {hints}".strip()


def hash_password(password: str, context: Sequence[str] = ()) -> str:
    """The argon2id hash of an acceptable password; InputError naming what is wrong with any other."""
    problem = password_problem(password, context)
    if problem:
        raise InputError("password", problem)
    return _HASHER.hash(password)


def _password_matches(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password[:MAX_PASSWORD_CHARS]) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# -- users ------------------------------------------------------------------------------------------------

_USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_DISPLAY_CHARS = 200
MAX_ORG_CHARS = 128


def _check_name(name: str) -> str:
    if not _USER_NAME.match(name):
        raise InputError("user name", f"{name[:80]!r}: use 1-64 lower-case letters, digits, '.', '_' or '-'")
    return name


def _roles(values: Iterable[str]) -> tuple[str, ...]:
    roles = set()
    for value in values:
        if value not in Role._value2member_map_:
            raise InputError("role", f"{value[:40]!r} is not a role ({', '.join(r.value for r in Role)})")
        roles.add(value)
    if not roles:
        raise InputError("role", "a user needs at least one role")
    return tuple(sorted(roles))


def _clean_org(org: str | None) -> str | None:
    org = (org or "").strip()
    if len(org) > MAX_ORG_CHARS:
        raise InputError("org", f"is longer than {MAX_ORG_CHARS} characters")
    return org or None


def add_user(
    store: Store,
    actor: Principal,
    *,
    name: str,
    roles: Iterable[str],
    password: str | None = None,
    display_name: str | None = None,
    org: str | None = None,
) -> UserRecord:
    """Create an account. Needs MANAGE_USERS; the command line's operator has it (the first admin)."""
    require(actor, Permission.MANAGE_USERS)
    auth = AuthStore(store)
    name = _check_name(name)
    if auth.user(name) is not None:
        raise InputError("user name", f"{name!r} is taken")
    context = (name, display_name or "", org or "")
    user = UserRecord(
        name=name,
        display_name=(display_name or name).strip()[:MAX_DISPLAY_CHARS] or name,
        org=_clean_org(org),
        roles=_roles(roles),
        password_hash=hash_password(password, context) if password is not None else None,
        disabled=False,
        created_by=actor.user,
        created_at=utc_now(),
    )
    detail = {"roles": list(user.roles), "org": user.org, "password": password is not None}
    auth.add_user(user, AuditEntry(actor.user, "user.add", name, detail))
    return user


def list_users(store: Store, actor: Principal) -> list[UserRecord]:
    """Every account the actor may see: all for a manager of users (its own org only if org-bound)."""
    require(actor, Permission.MANAGE_USERS)
    return [u for u in AuthStore(store).users() if actor.sees_org(u.org)]


def get_user(store: Store, actor: Principal, name: str) -> UserRecord:
    """One account: one's own, or any the actor manages. Another org's account is 'not found'."""
    user = AuthStore(store).user(name)
    if actor.user is not None and name == actor.user and user is not None:
        return user
    require(actor, Permission.MANAGE_USERS)
    if user is None or not actor.sees_org(user.org):
        raise NotFoundError(f"no user named {name[:64]!r}")
    return user


def update_user(
    store: Store,
    actor: Principal,
    name: str,
    *,
    display_name: str | None = None,
    org: str | None = None,
    roles: Iterable[str] | None = None,
    password: str | None = None,
    disabled: bool | None = None,
) -> UserRecord:
    """Change an account; each change is audited (never the password itself)."""
    user = get_user(store, actor, name)
    require(actor, Permission.MANAGE_USERS)
    changes: dict[str, object] = {}
    if display_name is not None:
        changes["display_name"] = display_name.strip()[:MAX_DISPLAY_CHARS] or user.name
    if org is not None:
        changes["org"] = _clean_org(org)
    if roles is not None:
        changes["roles"] = list(_roles(roles))
    if password is not None:
        changes["password_hash"] = hash_password(password, (user.name, user.display_name, user.org or ""))
    if disabled is not None:
        changes["disabled"] = disabled
    if not changes:
        return user
    detail = {k: ("(changed)" if k == "password_hash" else v) for k, v in changes.items()}
    AuthStore(store).update_user(user.name, changes, AuditEntry(actor.user, "user.update", user.name, detail))
    forget_trusted_tokens()  # the user's tokens carry their roles, org and whether they are enabled
    updated = AuthStore(store).user(user.name)
    assert updated is not None
    return updated


def set_password(store: Store, actor: Principal, name: str, password: str) -> UserRecord:
    return update_user(store, actor, name, password=password)


def set_roles(store: Store, actor: Principal, name: str, roles: Iterable[str]) -> UserRecord:
    return update_user(store, actor, name, roles=roles)


def set_disabled(store: Store, actor: Principal, name: str, disabled: bool = True) -> UserRecord:
    """Disable (or enable again) an account: its sessions end at once, its tokens stop working."""
    return update_user(store, actor, name, disabled=disabled)


# -- logins and rate limits -------------------------------------------------------------------------------

# Five wrong passwords in a quarter of an hour is more than typos; fewer would lock out people who forgot
# which password they used, more would give an online guesser more tries (OWASP suggests 3-10).
LOGIN_USER_MAX_FAILURES = 5
# One address may hold many users behind a NAT (an office): allow more, but stop a password spray that
# tries one password against many names.
LOGIN_ADDRESS_MAX_FAILURES = 20
# Failures older than this no longer count.
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
# After the limit, logins are refused without looking at the password for this long after the latest
# failure; short enough that a legitimate user can wait it out, long enough to make guessing pointless
# (at most 5 guesses per 15 minutes = 480 a day per name).
LOGIN_LOCKOUT = timedelta(minutes=15)
# A web session lasts a working day; after it the user logs in again.
SESSION_LIFETIME = timedelta(hours=12)
MAX_USER_NAME_CHARS = 128  # what login attempts store of a typed name


@dataclass(frozen=True, slots=True)
class LoginResult:
    principal: Principal
    session_id: str  # the cookie value (only its hash is stored)
    csrf_token: str
    expires_at: datetime


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lock_until(store: Store, name: str, address: str, now: datetime) -> datetime | None:
    counts = AuthStore(store).login_failures(name, address, now - LOGIN_FAILURE_WINDOW)
    until = None
    if counts.user_failures >= LOGIN_USER_MAX_FAILURES and counts.user_last_failure is not None:
        until = counts.user_last_failure + LOGIN_LOCKOUT
    if counts.address_failures >= LOGIN_ADDRESS_MAX_FAILURES and counts.address_last_failure is not None:
        until = max(until or now, counts.address_last_failure + LOGIN_LOCKOUT)
    return until if until is not None and until > now else None


def authenticate(
    store: Store, name: str, password: str, *, address: str, session: bool = False
) -> tuple[Principal, SessionRecord | None, str | None]:
    """Check a user name and password, rate-limited per name and per address; every attempt is audited.

    The password is checked in constant time whether or not the user exists (a dummy hash stands in), and
    the answer to a wrong name, a wrong password or a disabled account is the same. With `session`, a
    web session is created in the same transaction as the successful attempt; its cookie value is returned
    (only its hash is stored).
    """
    now = utc_now()
    typed = name.strip().lower()[:MAX_USER_NAME_CHARS]
    address = address[:64]
    auth = AuthStore(store)
    until = _lock_until(store, typed, address, now)
    if until is not None:
        auth.record_login(
            typed, address, now, "locked", AuditEntry(None, "login.locked", typed, {"address": address})
        )
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise LockedError(f"too many failed logins: try again in {minutes} minutes", until)
    user = auth.user(typed)
    ok = _password_matches(user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        reason = "disabled" if ok and user is not None else "wrong name or password"
        auth.record_login(
            typed,
            address,
            now,
            "bad",
            AuditEntry(None, "login.failed", typed, {"address": address, "reason": reason}),
        )
        raise AuthError("wrong user name or password")
    record = None
    cookie = None
    if session:
        cookie = secrets.token_urlsafe(32)
        record = SessionRecord(
            _sha256(cookie), user.name, secrets.token_urlsafe(32), now, now + SESSION_LIFETIME
        )
    auth.record_login(
        typed,
        address,
        now,
        "ok",
        AuditEntry(user.name, "login.ok", user.name, {"address": address, "session": session}),
        session=record,
    )
    if user.password_hash and _HASHER.check_needs_rehash(user.password_hash):
        auth.update_user(
            user.name,
            {"password_hash": _HASHER.hash(password)},
            AuditEntry(user.name, "user.rehash", user.name, {"reason": "argon2 parameters changed"}),
        )
    return _principal_of(user), record, cookie


def login(store: Store, name: str, password: str, *, address: str) -> LoginResult:
    """A web login: authenticate and open a session."""
    principal, record, cookie = authenticate(store, name, password, address=address, session=True)
    assert record is not None
    assert cookie is not None
    return LoginResult(principal, cookie, record.csrf_token, record.expires_at)


def create_session(store: Store, actor: Principal) -> LoginResult:
    """A session for an already authenticated principal (e.g. tests, single sign-on later)."""
    if actor.user is None:
        raise AuthError("log in first")
    now = utc_now()
    cookie = secrets.token_urlsafe(32)
    record = SessionRecord(
        _sha256(cookie), actor.user, secrets.token_urlsafe(32), now, now + SESSION_LIFETIME
    )
    AuthStore(store).add_session(record)
    return LoginResult(actor, cookie, record.csrf_token, record.expires_at)


def principal_for_session(store: Store, cookie: str) -> tuple[Principal, str] | None:
    """The principal of a live session and its CSRF token; None for an unknown, expired or disabled one."""
    if not cookie or len(cookie) > 256:
        return None
    auth = AuthStore(store)
    record = auth.session(_sha256(cookie))
    if record is None or record.expires_at <= utc_now():
        return None
    user = auth.user(record.user_name)
    if user is None or user.disabled:
        return None
    return _principal_of(user), record.csrf_token


def logout(store: Store, cookie: str) -> bool:
    auth = AuthStore(store)
    id_hash = _sha256(cookie)
    record = auth.session(id_hash)
    if record is None:
        return False
    return auth.delete_session(id_hash, AuditEntry(record.user_name, "logout", record.user_name, {}))


# -- API tokens -------------------------------------------------------------------------------------------

TOKEN_PREFIX = "acc"  # noqa: S105  (the visible prefix, not a secret: lets scanners spot leaked tokens)
_TOKEN = re.compile(r"^acc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
# Tokens expire after a year unless told otherwise: a forgotten token does not stay valid for ever.
DEFAULT_TOKEN_DAYS = 365
MAX_TOKEN_DAYS = 3 * 365
MAX_TOKEN_NAME_CHARS = 100
# `last_used_at` is written at most this often per token: a busy client must not turn every read into
# a write on SQLite's single writer.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
# A token found valid is trusted this long by the process that checked it, so that a client's requests do
# not each cost two store reads (token, user: a fifth of a /match on SQLite). A revocation, a disabled
# user or changed roles take effect at once in the process that made the change (it forgets every cached
# token) and within these seconds in the other server processes (`serve --workers N`) and after a change
# made from the CLI: well inside the minutes it takes anyone to act on a leaked token.
TOKEN_CACHE_SECONDS = 5.0
# Distinct tokens remembered per process; past it the cache starts afresh (a client with its own token
# per request gains nothing from it, and must not grow memory).
TOKEN_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class _TrustedToken:
    principal: Principal
    until: float  # time.monotonic()


# Keyed by (store URL, SHA-256 of the whole token): the token itself is not kept.
_TRUSTED_TOKENS: dict[tuple[str, str], _TrustedToken] = {}


def forget_trusted_tokens() -> None:
    """Check every token against the store again (after a revocation or a change to a user)."""
    _TRUSTED_TOKENS.clear()


def trusted_token(store: Store, token: str) -> Principal | None:
    """The principal of a token this process found valid less than TOKEN_CACHE_SECONDS ago, else None
    (then `authenticate_token` decides). No store read: safe to call on the event loop."""
    trusted = _TRUSTED_TOKENS.get((store.url, _sha256(token.strip())))
    if trusted is None or time.monotonic() >= trusted.until:
        return None
    return trusted.principal


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: `secret` is the whole token, shown once and never stored."""

    record: TokenRecord
    secret: str


def _scopes(values: Iterable[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    scopes = set()
    for value in values:
        if value not in _PERMISSION_VALUES:
            known = ", ".join(p.value for p in Permission)
            raise InputError("scope", f"{value[:40]!r} is not a permission ({known})")
        scopes.add(value)
    if not scopes:
        raise InputError("scope", "a token needs at least one scope (or none given: the user's roles)")
    return tuple(sorted(scopes))


def issue_token(
    store: Store,
    actor: Principal,
    *,
    user: str | None = None,
    name: str = "",
    scopes: Iterable[str] | None = None,
    days: int = DEFAULT_TOKEN_DAYS,
) -> IssuedToken:
    """A new API token for `user` (default: the actor). Scopes cannot exceed the actor's own permissions:
    a scoped token cannot mint a broader one. For another user it needs MANAGE_USERS."""
    if actor.user is None:
        raise AuthError("log in first")
    owner_name = user or actor.user
    owner = (
        get_user(store, actor, owner_name) if owner_name != actor.user else AuthStore(store).user(owner_name)
    )
    if owner is None:
        if owner_name.startswith("cli:"):
            raise InputError("user", "tokens belong to accounts: name the user (accomplice users token NAME)")
        raise NotFoundError(f"no user named {owner_name[:64]!r}")
    if owner.disabled:
        raise ForbiddenError(f"user {owner.name!r} is disabled")
    wanted = _scopes(scopes)
    if wanted is None and actor.scopes is not None:
        wanted = tuple(sorted(p.value for p in actor.scopes))  # a scoped token mints no broader one
    if wanted is not None:
        beyond = sorted(set(wanted) - {p.value for p in actor.permissions})
        if beyond:
            raise ForbiddenError(f"cannot grant what you do not have: {', '.join(beyond)}")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InputError("days", f"a token lasts 1 to {MAX_TOKEN_DAYS} days")
    now = utc_now()
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    record = TokenRecord(
        id=token_id,
        user_name=owner.name,
        name=(name.strip() or "token")[:MAX_TOKEN_NAME_CHARS],
        scopes=wanted,
        secret_hash=_sha256(secret),
        org=owner.org,
        created_by=actor.user,
        created_at=now,
        last_used_at=None,
        expires_at=now + timedelta(days=days),
        revoked_at=None,
    )
    detail = {
        "user": owner.name,
        "name": record.name,
        "scopes": list(wanted) if wanted is not None else None,
        "expires_at": record.expires_at.isoformat() if record.expires_at else None,
    }
    AuthStore(store).add_token(record, AuditEntry(actor.user, "token.issue", token_id, detail))
    return IssuedToken(record, f"{TOKEN_PREFIX}_{token_id}_{secret}")


def authenticate_token(store: Store, token: str) -> Principal:
    """The principal of a valid token; AuthError for a malformed, unknown, revoked or expired one, or a
    token whose user is disabled. The secret is compared in constant time with the stored hash."""
    match = _TOKEN.match(token.strip())
    if match is None:
        raise AuthError("malformed API token")
    token_id, secret = match.groups()
    auth = AuthStore(store)
    record = auth.token(token_id)
    digest = _sha256(secret)
    if record is None or not hmac.compare_digest(record.secret_hash, digest):
        raise AuthError("unknown API token")
    now = utc_now()
    if record.revoked_at is not None:
        raise AuthError("this API token was revoked")
    if record.expires_at is not None and record.expires_at <= now:
        raise AuthError("this API token has expired")
    user = auth.user(record.user_name)
    if user is None or user.disabled:
        raise AuthError("the user of this API token is disabled")
    if record.last_used_at is None or now - record.last_used_at >= TOKEN_TOUCH_INTERVAL:
        auth.touch_token(record.id, now)
    principal = _principal_of(user, record.scopes if record.scopes is not None else None)
    lifetime = TOKEN_CACHE_SECONDS
    if record.expires_at is not None:
        lifetime = min(lifetime, (record.expires_at - now).total_seconds())
    if len(_TRUSTED_TOKENS) >= TOKEN_CACHE_SIZE:
        _TRUSTED_TOKENS.clear()
    _TRUSTED_TOKENS[(store.url, _sha256(token.strip()))] = _TrustedToken(
        principal, time.monotonic() + lifetime
    )
    return principal


def list_tokens(store: Store, actor: Principal, *, user: str | None = None) -> list[TokenRecord]:
    """The actor's own tokens, or another user's (MANAGE_USERS, within the orgs the actor sees)."""
    if actor.user is None:
        raise AuthError("log in first")
    if user is None or user == actor.user:
        return AuthStore(store).tokens(user_name=actor.user)
    owner = get_user(store, actor, user)
    return AuthStore(store).tokens(user_name=owner.name)


def revoke_token(store: Store, actor: Principal, token_id: str) -> TokenRecord:
    """Revoke a token: one's own, or another's with MANAGE_USERS. Others' tokens are 'not found'."""
    if actor.user is None:
        raise AuthError("log in first")
    auth = AuthStore(store)
    record = auth.token(token_id[:32])
    mine = record is not None and record.user_name == actor.user
    if record is None or not (mine or (actor.can(Permission.MANAGE_USERS) and actor.sees_org(record.org))):
        raise NotFoundError(f"no token {token_id[:32]!r}")
    if record.revoked_at is None:
        auth.revoke_token(
            record.id,
            utc_now(),
            AuditEntry(actor.user, "token.revoke", record.id, {"user": record.user_name}),
        )
        forget_trusted_tokens()
    revoked = auth.token(record.id)
    assert revoked is not None
    return revoked


# -- audit ------------------------------------------------------------------------------------------------

MAX_AUDIT_PAGE = 500


def audit_entries(
    store: Store,
    actor: Principal,
    *,
    limit: int = 100,
    before: int | None = None,
    user: str | None = None,
    action: str | None = None,
) -> list[AuditRow]:
    require(actor, Permission.AUDIT_READ)
    return AuditLog(store).entries(limit=min(limit, MAX_AUDIT_PAGE), before=before, actor=user, action=action)


def verify_audit(store: Store, actor: Principal) -> VerifyReport:
    require(actor, Permission.AUDIT_READ)
    return AuditLog(store).verify()


def record_audit(
    store: Store, actor: Principal, action: str, subject: str, detail: Mapping[str, object]
) -> None:
    """Record an event that writes nothing else (a write records itself in its own transaction)."""
    AuditLog(store).record(AuditEntry(actor.user, action, subject, detail))
