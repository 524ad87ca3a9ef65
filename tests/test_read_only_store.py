"""A store that takes no writes is reported, not crashed on: /readyz says so (503), and a login or a
token request answers 503 with the reason instead of an internal error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.store import Store, open_store, write_problem

OPERATOR = accounts.operator_principal("tester")
PASSWORD = "tidal moss under gravel"


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    path = tmp_path / "ro.db"
    writable = open_store(f"sqlite:///{path}")
    accounts.add_user(writable, OPERATOR, name="ana", roles=["analyst"], password=PASSWORD)
    token = accounts.issue_token(writable, OPERATOR, user="ana", name="ro").secret
    writable.close()
    # What a store on a read-only volume (or opened read-only) looks like: reads work, writes fail.
    store = open_store(f"sqlite:///file:{path}?mode=ro&uri=true", upgrade=False)
    yield store, token
    store.close()


def test_a_writable_store_has_no_write_problem(store: Store) -> None:
    assert write_problem(store.engine) is None


def test_readyz_reports_a_read_only_store(read_only: tuple[Store, str]) -> None:
    store, _ = read_only
    assert "readonly" in (write_problem(store.engine) or "")
    with TestClient(create_app(store, run_jobs=False)) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "takes no writes" in ready.text


def test_login_and_tokens_on_a_read_only_store_answer_503_with_the_reason(
    read_only: tuple[Store, str],
) -> None:
    store, token = read_only
    with TestClient(create_app(store, run_jobs=False), raise_server_exceptions=False) as client:
        me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        form = client.get("/login")
        csrf = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        login = client.post("/login", data={"user": "ana", "password": PASSWORD, "csrf_token": csrf})
    assert me.status_code == 503, me.text
    assert "readonly" in me.json()["detail"]
    assert login.status_code == 503, login.text
    assert "Traceback" not in login.text
