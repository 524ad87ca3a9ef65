"""Proxy headers are believed only from configured proxies: a client rotating X-Forwarded-For cannot walk
around the per-address login lockout, and HSTS goes out only over HTTPS (direct, or a trusted proxy's)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.store import Store, open_store
from tests.browser_support import serve

PASSWORD = "correct horse battery staple"
OPERATOR = accounts.operator_principal("tester")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def proxy_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'proxy.db'}")
    accounts.add_user(store, OPERATOR, name="alice", roles=["analyst"], password=PASSWORD)
    yield store
    store.close()


def _login(client: httpx.Client, user: str, password: str, forwarded_for: str) -> int:
    form = client.get("/login")
    token = _CSRF.search(form.text)
    assert token, "the login page carries a CSRF token"
    answer = client.post(
        "/login",
        data={"user": user, "password": password, "csrf_token": token.group(1)},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return answer.status_code


def test_rotating_x_forwarded_for_does_not_escape_the_address_lockout(proxy_store: Store) -> None:
    with (
        serve(create_app(proxy_store, run_jobs=False), "proxy") as base,
        httpx.Client(base_url=base) as client,
    ):
        for i in range(accounts.LOGIN_ADDRESS_MAX_FAILURES):
            assert _login(client, f"sprayed{i}", "Summer2026!!", f"198.51.100.{i + 1}") == 401
        # Twenty failures came from one socket address, whatever the header said: that address is locked.
        assert _login(client, "alice", PASSWORD, "198.51.100.250") == 429


def test_a_configured_proxy_is_believed(proxy_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOMPLICE_TRUSTED_PROXIES", "127.0.0.1")
    with (
        serve(create_app(proxy_store, run_jobs=False), "proxy") as base,
        httpx.Client(base_url=base) as client,
    ):
        for i in range(accounts.LOGIN_ADDRESS_MAX_FAILURES):
            assert _login(client, f"sprayed{i}", "Summer2026!!", "198.51.100.7") == 401
        # Behind a real proxy each client is its forwarded address: another one is not locked out.
        assert _login(client, "alice", PASSWORD, "198.51.100.8") == 303
    with (
        serve(create_app(proxy_store, run_jobs=False), "proxy") as base,
        httpx.Client(base_url=base) as client,
    ):
        assert _login(client, "alice", PASSWORD, "198.51.100.7") == 429


def test_hsts_only_over_https_from_a_trusted_proxy(
    proxy_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    https = {"X-Forwarded-Proto": "https"}
    with serve(create_app(proxy_store, run_jobs=False), "proxy") as base:
        assert "strict-transport-security" not in httpx.get(base + "/healthz", headers=https).headers
    monkeypatch.setenv("ACCOMPLICE_TRUSTED_PROXIES", "127.0.0.1")
    with serve(create_app(proxy_store, run_jobs=False), "proxy") as base:
        assert "strict-transport-security" not in httpx.get(base + "/healthz").headers
        hsts = httpx.get(base + "/healthz", headers=https).headers["strict-transport-security"]
        assert hsts.startswith("max-age=31536000")
