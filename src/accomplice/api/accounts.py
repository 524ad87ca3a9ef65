"""JSON endpoints for accounts: who am I, API tokens, users (admins) and the audit log.

Each route takes its principal from `require(...)` or `authenticated` and calls one service, which checks
the permission again (a service called from elsewhere is guarded too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from accomplice.services import auth as accounts
from accomplice.services.auth import AuditRow, Permission, Principal, TokenRecord, UserRecord
from accomplice.store import Store
from accomplice.web.auth import authenticated, require

__all__ = ["accounts_router"]

accounts_router = APIRouter(prefix="/api")

Authenticated = Annotated[Principal, Depends(authenticated)]
UserManager = Annotated[Principal, Depends(require(Permission.MANAGE_USERS))]
AuditReader = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No credentials, or a revoked, expired or unknown token."},
    403: {"description": "Authenticated, but the roles or the token's scopes do not allow this."},
}


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


class MeOut(BaseModel):
    user: str
    display_name: str | None
    org: str | None
    roles: list[str]
    permissions: list[str]
    scopes: list[str] | None = Field(description="The token's scopes, when the request came with a token.")


class TokenOut(BaseModel):
    id: str
    user: str
    name: str
    scopes: list[str] | None
    org: str | None
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, t: TokenRecord) -> TokenOut:
        return cls(
            id=t.id,
            user=t.user_name,
            name=t.name,
            scopes=list(t.scopes) if t.scopes is not None else None,
            org=t.org,
            created_by=t.created_by,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
        )


class NewTokenOut(TokenOut):
    token: str = Field(description="The secret token: shown this once, never again. Keep it safe.")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=accounts.MAX_TOKEN_NAME_CHARS)
    scopes: list[Permission] | None = Field(None, description="Default: everything the roles allow.")
    days: int = Field(
        accounts.DEFAULT_TOKEN_DAYS, ge=1, le=accounts.MAX_TOKEN_DAYS, description="Days until it expires."
    )
    user: str | None = Field(None, max_length=64, description="Another user's name (needs manage-users).")


class UserOut(BaseModel):
    name: str
    display_name: str
    org: str | None
    roles: list[str]
    disabled: bool
    has_password: bool
    created_by: str | None
    created_at: datetime

    @classmethod
    def of(cls, u: UserRecord) -> UserOut:
        return cls(
            name=u.name,
            display_name=u.display_name,
            org=u.org,
            roles=list(u.roles),
            disabled=u.disabled,
            has_password=u.password_hash is not None,
            created_by=u.created_by,
            created_at=u.created_at,
        )


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=64)
    roles: list[accounts.Role] = Field(min_length=1)
    password: str | None = Field(None, max_length=accounts.MAX_PASSWORD_CHARS)
    display_name: str | None = Field(None, max_length=accounts.MAX_DISPLAY_CHARS)
    org: str | None = Field(None, max_length=accounts.MAX_ORG_CHARS)


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roles: list[accounts.Role] | None = None
    password: str | None = Field(None, max_length=accounts.MAX_PASSWORD_CHARS)
    display_name: str | None = Field(None, max_length=accounts.MAX_DISPLAY_CHARS)
    org: str | None = Field(None, max_length=accounts.MAX_ORG_CHARS)
    disabled: bool | None = None


class AuditOut(BaseModel):
    seq: int
    at: datetime
    actor: str | None
    action: str
    subject: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, r: AuditRow) -> AuditOut:
        return cls(
            seq=r.seq,
            at=r.at,
            actor=r.actor,
            action=r.action,
            subject=r.subject,
            detail=r.detail,
            prev_hash=r.prev_hash,
            hash=r.hash,
        )


class VerifyOut(BaseModel):
    ok: bool
    rows: int
    last_hash: str
    first_bad_seq: int | None
    reason: str | None
    message: str


@accounts_router.get("/me", tags=["accounts"], summary="Who you are: user, roles and permissions")
def api_me(request: Request, principal: Authenticated) -> MeOut:
    assert principal.user is not None
    user = accounts.get_user(_store(request), principal, principal.user)
    return MeOut(
        user=principal.user,
        display_name=user.display_name,
        org=principal.org,
        roles=sorted(r.value for r in principal.roles),
        permissions=sorted(p.value for p in principal.permissions),
        scopes=sorted(p.value for p in principal.scopes) if principal.scopes is not None else None,
    )


@accounts_router.post(
    "/tokens",
    tags=["accounts"],
    status_code=201,
    summary="Issue an API token (the secret is in this answer only)",
    responses=AUTH_RESPONSES,
)
def api_issue_token(request: Request, body: TokenIn, principal: Authenticated) -> NewTokenOut:
    issued = accounts.issue_token(
        _store(request),
        principal,
        user=body.user,
        name=body.name,
        scopes=[s.value for s in body.scopes] if body.scopes is not None else None,
        days=body.days,
    )
    return NewTokenOut(**TokenOut.of(issued.record).model_dump(), token=issued.secret)


@accounts_router.get(
    "/tokens", tags=["accounts"], summary="Your API tokens (or another user's)", responses=AUTH_RESPONSES
)
def api_tokens(
    request: Request,
    principal: Authenticated,
    user: Annotated[
        str | None, Query(max_length=64, description="Another user (needs manage-users).")
    ] = None,
) -> list[TokenOut]:
    return [TokenOut.of(t) for t in accounts.list_tokens(_store(request), principal, user=user)]


@accounts_router.delete(
    "/tokens/{token_id}", tags=["accounts"], summary="Revoke an API token", responses=AUTH_RESPONSES
)
def api_revoke_token(
    request: Request, token_id: Annotated[str, Path(max_length=32)], principal: Authenticated
) -> TokenOut:
    return TokenOut.of(accounts.revoke_token(_store(request), principal, token_id))


@accounts_router.get("/users", tags=["users"], summary="Every user account", responses=AUTH_RESPONSES)
def api_users(request: Request, principal: UserManager) -> list[UserOut]:
    return [UserOut.of(u) for u in accounts.list_users(_store(request), principal)]


@accounts_router.post(
    "/users", tags=["users"], status_code=201, summary="Create a user account", responses=AUTH_RESPONSES
)
def api_add_user(request: Request, body: UserIn, principal: UserManager) -> UserOut:
    user = accounts.add_user(
        _store(request),
        principal,
        name=body.name,
        roles=[r.value for r in body.roles],
        password=body.password,
        display_name=body.display_name,
        org=body.org,
    )
    return UserOut.of(user)


UserName = Annotated[str, Path(max_length=64)]


@accounts_router.get("/users/{name}", tags=["users"], summary="One user account", responses=AUTH_RESPONSES)
def api_user(request: Request, name: UserName, principal: UserManager) -> UserOut:
    return UserOut.of(accounts.get_user(_store(request), principal, name))


@accounts_router.patch(
    "/users/{name}",
    tags=["users"],
    summary="Change a user: roles, password, display name, org, disabled",
    responses=AUTH_RESPONSES,
)
def api_update_user(request: Request, name: UserName, body: UserPatch, principal: UserManager) -> UserOut:
    user = accounts.update_user(
        _store(request),
        principal,
        name,
        display_name=body.display_name,
        org=body.org,
        roles=[r.value for r in body.roles] if body.roles is not None else None,
        password=body.password,
        disabled=body.disabled,
    )
    return UserOut.of(user)


@accounts_router.get(
    "/audit", tags=["audit"], summary="The audit log, newest first", responses=AUTH_RESPONSES
)
def api_audit(
    request: Request,
    principal: AuditReader,
    limit: Annotated[int, Query(ge=1, le=accounts.MAX_AUDIT_PAGE)] = 100,
    before: Annotated[int | None, Query(ge=1, description="Rows before this seq (paging).")] = None,
    user: Annotated[str | None, Query(max_length=128, description="Only this actor's rows.")] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="Only this action, e.g. login.failed")
    ] = None,
) -> list[AuditOut]:
    rows = accounts.audit_entries(
        _store(request), principal, limit=limit, before=before, user=user, action=action
    )
    return [AuditOut.of(r) for r in rows]


@accounts_router.get(
    "/audit/verify",
    tags=["audit"],
    summary="Recompute the audit log's hash chain and name the first bad row",
    responses=AUTH_RESPONSES,
)
def api_audit_verify(request: Request, principal: AuditReader) -> VerifyOut:
    report = accounts.verify_audit(_store(request), principal)
    return VerifyOut(
        ok=report.ok,
        rows=report.rows,
        last_hash=report.last_hash,
        first_bad_seq=report.first_bad_seq,
        reason=report.reason,
        message=report.message(),
    )
