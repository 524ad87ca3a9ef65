"""Authentication over HTTP: every route of the app against every role, tokens, sessions and CSRF.

The matrix tests read the routes from `app.routes`, so a route added later is covered without touching
this file: it must be listed in `PUBLIC_ROUTES` or depend on `require(...)`/`authenticated`.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from accomplice.api import create_app
from accomplice.api.auth import PUBLIC_ROUTES, SESSION_COOKIE, route_permission
from accomplice.services import auth as accounts
from accomplice.services.auth import ROLE_PERMISSIONS, Permission, Role
from accomplice.store import Store, open_store
from accomplice.store.audit import AuditLog

PASSWORD = "correct horse battery staple"
OPERATOR = accounts.operator_principal("tester")
# Values for path parameters: real list names and keys where a route reads lists, a well-formed token id.
PATH_EXAMPLES = {"name": "ofac", "key": "ofac:12312", "token_id": "0123456789abcdef"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store with one user of every role (org "ngo"), plus an importer of another org ("acme")."""
    opened = open_store(f"sqlite:///{tmp_path_factory.mktemp('auth') / 'accomplice.db'}")
    for role in Role:
        accounts.add_user(opened, OPERATOR, name=role.value, roles=[role.value], password=PASSWORD, org="ngo")
    accounts.add_user(
        opened, OPERATOR, name="acme-importer", roles=["importer"], password=PASSWORD, org="acme"
    )
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def app(store: Store) -> Any:
    return create_app(store)


@pytest.fixture(scope="module")
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def tokens(store: Store) -> dict[str, str]:
    """A full-permission token for every user of the store."""
    return {
        u.name: accounts.issue_token(store, OPERATOR, user=u.name).secret
        # A test of this module may have disabled an account before this fixture first runs in its process.
        for u in accounts.list_users(store, OPERATOR)
        if not u.disabled
    }


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _routes(app: Any) -> list[tuple[str, str, Any]]:
    """Every (method, path, route) the app serves, through included routers, as FastAPI resolves them."""
    found = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount):
            continue  # static files: public by nature
        assert context.path, f"a route without a path: {context}"
        assert context.methods, f"a route without methods: {context}"
        for method in sorted(context.methods - {"HEAD"}):
            found.append((method, context.path, context))
    assert len(found) > 20, found  # the app's routes were found, not silently none
    return found


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_EXAMPLES.get(m.group(1), "x"), path)


def test_every_route_is_public_by_the_list_or_guarded_by_a_permission(app: Any) -> None:
    unguarded = []
    for method, path, route in _routes(app):
        public = (method, path) in PUBLIC_ROUTES
        need = route_permission(route)
        if public and need is not None:
            unguarded.append(f"{method} {path}: listed as public but requires {need!r}")
        if not public and need is None:
            unguarded.append(f"{method} {path}: neither in PUBLIC_ROUTES nor guarded by require()")
    assert not unguarded, "\n".join(unguarded)


def test_anonymous_gets_401_on_every_non_public_route_and_never_on_a_public_one(
    client: TestClient, app: Any
) -> None:
    wrong = []
    for method, path, _ in _routes(app):
        response = client.request(method, _url(path), follow_redirects=False)
        public = (method, path) in PUBLIC_ROUTES
        if public and response.status_code == 401:
            wrong.append(f"{method} {path}: public but answered 401")
        if public and method == "GET" and response.status_code >= 500:
            wrong.append(f"{method} {path}: public but answered {response.status_code}")
        if not public and response.status_code != 401:
            wrong.append(f"{method} {path}: answered {response.status_code} to an anonymous request, not 401")
    assert not wrong, "\n".join(wrong)


def test_public_pages_and_reads_answer_200_anonymously(client: TestClient) -> None:
    for url in ("/", "/lists", "/about/api", "/login", "/api/lists", "/healthz", "/readyz", "/openapi.json"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_403_exactly_where_its_permissions_stop(
    role: Role, client: TestClient, app: Any, tokens: dict[str, str]
) -> None:
    """Role x route: a route needing a permission the role lacks answers 403; one it holds never 401/403."""
    wrong = []
    for method, path, route in _routes(app):
        need = route_permission(route)
        if need is None or method == "DELETE":  # DELETE revokes: checked with a token of its own below
            continue
        response = client.request(
            method, _url(path), headers=_bearer(tokens[role.value]), follow_redirects=False
        )
        allowed = need == "login" or Permission(need) in ROLE_PERMISSIONS[role]
        if allowed and response.status_code in (401, 403):
            wrong.append(f"{role} {method} {path}: allowed ({need}) but answered {response.status_code}")
        if not allowed and response.status_code != 403:
            wrong.append(f"{role} {method} {path}: needs {need} but answered {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_me_tells_user_roles_and_a_tokens_scopes(client: TestClient, store: Store) -> None:
    scoped = accounts.issue_token(store, OPERATOR, user="admin", scopes=["screen", "audit:read"]).secret
    body = client.get("/api/me", headers=_bearer(scoped)).json()
    assert body["user"] == "admin"
    assert body["roles"] == ["admin"]
    assert body["permissions"] == ["audit:read", "screen"]
    assert body["scopes"] == ["audit:read", "screen"]
    yente = client.get("/api/me", headers={"Authorization": f"ApiKey {scoped}"})
    assert yente.json()["user"] == "admin"


def test_scoped_token_is_limited_to_its_scopes(client: TestClient, store: Store) -> None:
    scoped = accounts.issue_token(store, OPERATOR, user="admin", scopes=["audit:read"]).secret
    assert client.get("/api/audit", headers=_bearer(scoped)).status_code == 200
    assert client.get("/api/users", headers=_bearer(scoped)).status_code == 403
    widen = client.post("/api/tokens", json={"scopes": ["manage-users"]}, headers=_bearer(scoped))
    assert widen.status_code == 403
    child = client.post("/api/tokens", json={"name": "child"}, headers=_bearer(scoped))
    assert child.status_code == 201
    assert child.json()["scopes"] == ["audit:read"]


def test_token_lifecycle_over_the_api(client: TestClient, store: Store, tokens: dict[str, str]) -> None:
    analyst = _bearer(tokens["analyst"])
    issued = client.post(
        "/api/tokens", json={"name": "nightly", "scopes": ["screen"], "days": 30}, headers=analyst
    )
    assert issued.status_code == 201
    body = issued.json()
    assert body["token"].startswith(f"acc_{body['id']}_")
    assert body["user"] == "analyst"
    assert body["org"] == "ngo"
    assert body["created_by"] == "analyst"
    listed = client.get("/api/tokens", headers=analyst).json()
    assert body["id"] in {t["id"] for t in listed}
    assert all("token" not in t and "secret_hash" not in t for t in listed)
    assert client.get("/api/me", headers=_bearer(body["token"])).status_code == 200
    revoked = client.delete(f"/api/tokens/{body['id']}", headers=analyst)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    refused = client.get("/api/me", headers=_bearer(body["token"]))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    assert refused.headers["www-authenticate"] == "Bearer"


def _cli(store: Store, *args: str) -> None:
    accomplice = Path(sys.executable).with_name("accomplice")
    subprocess.run([str(accomplice), "--db", store.url, *args], check=True, capture_output=True)


def test_token_revoked_by_another_process_is_refused_once_its_trust_runs_out(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short trust period keeps the test fast; the behaviour is the same at TOKEN_CACHE_SECONDS.
    monkeypatch.setattr(accounts, "TOKEN_CACHE_SECONDS", 1.0)
    issued = accounts.issue_token(store, OPERATOR, user="analyst", name="revoked elsewhere")
    assert client.get("/api/me", headers=_bearer(issued.secret)).status_code == 200
    _cli(store, "users", "revoke", issued.record.id)  # another process: this one is not told
    time.sleep(1.0)  # this process trusted the token for at most this long
    refused = client.get("/api/me", headers=_bearer(issued.secret))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


def test_disabling_a_user_in_this_process_refuses_their_trusted_token_at_once(
    client: TestClient, store: Store
) -> None:
    accounts.add_user(store, OPERATOR, name="leaving", roles=["analyst"], org="ngo")
    token = accounts.issue_token(store, OPERATOR, user="leaving").secret
    assert client.get("/api/me", headers=_bearer(token)).status_code == 200
    accounts.set_disabled(store, OPERATOR, "leaving")
    assert client.get("/api/me", headers=_bearer(token)).status_code == 401


def test_importer_cannot_read_or_revoke_another_orgs_objects(client: TestClient, store: Store) -> None:
    importer = _bearer(accounts.issue_token(store, OPERATOR, user="acme-importer").secret)
    victim = accounts.issue_token(store, OPERATOR, user="researcher")
    assert client.get("/api/users/researcher", headers=importer).status_code == 403
    assert client.get("/api/tokens", params={"user": "researcher"}, headers=importer).status_code in (
        403,
        404,
    )
    # Another org's token is "not found": its existence is not even confirmed.
    assert client.delete(f"/api/tokens/{victim.record.id}", headers=importer).status_code == 404
    assert client.get("/api/me", headers=_bearer(victim.secret)).status_code == 200
    own = client.get("/api/tokens", headers=importer).json()
    assert {t["org"] for t in own} == {"acme"}


def test_admin_manages_users_and_every_change_is_audited(
    client: TestClient, store: Store, tokens: dict[str, str]
) -> None:
    admin = _bearer(tokens["admin"])
    created = client.post(
        "/api/users",
        json={
            "name": "dana",
            "roles": ["analyst"],
            "password": PASSWORD,
            "org": "ngo",
            "display_name": "Dana K.",
        },
        headers=admin,
    )
    assert created.status_code == 201
    assert created.json()["has_password"] is True
    assert "password" not in created.json()
    assert (
        client.post("/api/users", json={"name": "dana", "roles": ["analyst"]}, headers=admin).status_code
        == 422
    )
    assert (
        client.post("/api/users", json={"name": "eve", "roles": ["overlord"]}, headers=admin).status_code
        == 422
    )
    patched = client.patch("/api/users/dana", json={"roles": ["reviewer"], "disabled": True}, headers=admin)
    assert patched.status_code == 200
    assert patched.json()["roles"] == ["reviewer"]
    assert patched.json()["disabled"] is True
    assert "dana" in {u["name"] for u in client.get("/api/users", headers=admin).json()}
    audit = client.get("/api/audit", params={"user": "admin"}, headers=admin).json()
    assert [r["action"] for r in audit[:2]] == ["user.update", "user.add"]
    assert audit[0]["detail"] == {"roles": ["reviewer"], "disabled": True}
    verify = client.get("/api/audit/verify", headers=admin).json()
    assert verify["ok"] is True
    assert verify["rows"] == AuditLog(store).count()


def test_bad_authorization_headers_are_401_not_anonymous(client: TestClient) -> None:
    # On guarded routes and pages; public API reads never look at credentials (their hot path stays lean).
    for header in (
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer acc_nope",
        "Bearer acc_0123456789abcdef_" + "a" * 43,
    ):
        for url in ("/api/me", "/lists"):
            response = client.get(url, headers={"Authorization": header})
            assert response.status_code == 401, (url, header)


# -- web sessions and CSRF ---------------------------------------------------------------------------------


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:2000]
    return match.group(1)


def _login(client: TestClient, user: str, password: str = PASSWORD, **extra: str) -> Any:
    form = client.get("/login")
    assert form.status_code == 200
    data = {"user": user, "password": password, "csrf_token": _csrf(form.text), **extra}
    return client.post("/login", data=data, follow_redirects=False)


@pytest.fixture
def browser_client(app: Any) -> Iterator[TestClient]:
    """A client with its own cookie jar (a fresh browser)."""
    with TestClient(app) as fresh:
        yield fresh


def test_login_sets_a_hardened_session_cookie_and_the_nav_names_the_user(browser_client: TestClient) -> None:
    assert "Log in" in browser_client.get("/").text
    response = _login(browser_client, "analyst", next="/lists")
    assert response.status_code == 303
    assert response.headers["location"] == "/lists"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http here; https sets it
    page = browser_client.get("/lists").text
    assert "Logged in as </span><bdi>analyst</bdi>" in page
    assert 'action="/logout"' in page


def test_session_cookie_is_secure_over_https(app: Any) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        response = _login(client, "reviewer")
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
        assert "Secure" in cookie


def test_login_redirect_stays_on_this_site(browser_client: TestClient) -> None:
    response = _login(browser_client, "analyst", next="//evil.example/x")
    assert response.headers["location"] == "/account"


def test_cookie_writes_need_the_sessions_csrf_token(browser_client: TestClient) -> None:
    _login(browser_client, "analyst")
    account = browser_client.get("/account")
    csrf = _csrf(account.text)
    missing = browser_client.post("/account/tokens", data={"name": "x"})
    assert missing.status_code == 403
    assert "CSRF" in missing.text
    wrong = browser_client.post("/account/tokens", data={"name": "x", "csrf_token": "forged"})
    assert wrong.status_code == 403
    api_missing = browser_client.post("/api/tokens", json={"name": "x"})
    assert api_missing.status_code == 403
    api_wrong = browser_client.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "forged"})
    assert api_wrong.status_code == 403
    ok = browser_client.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    form_ok = browser_client.post("/account/tokens", data={"name": "from the form", "csrf_token": csrf})
    assert form_ok.status_code == 201
    # Reads need no CSRF token.
    assert browser_client.get("/api/tokens").status_code == 200


def test_login_form_needs_its_csrf_cookie(app: Any) -> None:
    with TestClient(app) as client:
        forged = client.post("/login", data={"user": "analyst", "password": PASSWORD, "csrf_token": "guess"})
        assert forged.status_code == 403
        assert SESSION_COOKIE not in client.cookies


def test_account_page_shows_a_new_token_once(browser_client: TestClient, store: Store) -> None:
    _login(browser_client, "researcher")
    csrf = _csrf(browser_client.get("/account").text)
    created = browser_client.post(
        "/account/tokens",
        data={"name": "field laptop", "scope": ["screen", "exposure:read"], "csrf_token": csrf},
    )
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    secret = re.search(r"acc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", created.text)
    assert secret
    principal = accounts.authenticate_token(store, secret.group(0))
    assert principal.scopes == frozenset({Permission.SCREEN, Permission.EXPOSURE_READ})
    again = browser_client.get("/account").text
    assert secret.group(0) not in again
    assert "field laptop" in again
    token_id = secret.group(0).split("_")[1]
    revoked = browser_client.post(
        f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert revoked.status_code == 200
    assert "revoked" in revoked.text


def test_logout_ends_the_session_on_the_server(browser_client: TestClient, store: Store) -> None:
    _login(browser_client, "analyst")
    cookie = browser_client.cookies[SESSION_COOKIE]
    csrf = _csrf(browser_client.get("/account").text)
    assert browser_client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    response = browser_client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert accounts.principal_for_session(store, cookie) is None
    browser_client.cookies.set(SESSION_COOKIE, cookie)  # replaying the old cookie does not help
    assert browser_client.get("/account").status_code == 401
    assert "Log in" in browser_client.get("/").text


def test_anonymous_account_page_is_401_with_a_login_link(browser_client: TestClient) -> None:
    response = browser_client.get("/account")
    assert response.status_code == 401
    assert 'href="/login?next=%2Faccount"' in response.text


def test_login_errors_are_escaped_and_generic(browser_client: TestClient) -> None:
    hostile = '<script>alert("x")</script>'
    response = _login(browser_client, hostile, password="whatever-it-is")
    assert response.status_code == 401
    assert "<script" not in response.text
    assert "&lt;script&gt;" in response.text
    assert "Wrong user name or password." in response.text


def test_login_page_says_when_the_name_is_locked(app: Any, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'locked.db'}")
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"], password=PASSWORD)
    with TestClient(create_app(store)) as client:
        for _ in range(accounts.LOGIN_USER_MAX_FAILURES):
            assert _login(client, "alice", "not the password").status_code == 401
        locked = _login(client, "alice")
        assert locked.status_code == 429
        assert "Too many failed logins: try again in 15 minutes." in locked.text
        assert SESSION_COOKIE not in client.cookies
    store.close()
