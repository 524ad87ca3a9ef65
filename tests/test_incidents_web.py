"""Incidents over HTTP: every incident route, API and page, for every role shows pseudonyms only; an
unmasking needs `victims`, a reason and a TOTP code and leaves an audit row; publication and the public
pages; a missing key is said on the page, not a crash."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.api.auth import route_permission
from accomplice.services import auth as accounts
from accomplice.services import incident_keys, incidents
from accomplice.services.auth import ROLE_PERMISSIONS, Permission, Role
from accomplice.store import Store, open_store
from accomplice.store.audit import AuditLog
from tests.incidents_data import IDENTIFYING, SEED, record_with_victims, write_jsonl

PASSWORD = "correct horse battery staple"
OPERATOR = accounts.operator_principal("tester")
REF = "TEST-2024-HUNCHUN"
REASON = "family tracing request from the Red Cross"
INCIDENT_PREFIXES = (
    "/api/incidents",
    "/incidents",
    "/graph",
    "/api/graph",
    "/public/incidents",
    "/api/public",
    "/api/totp",
)


@pytest.fixture(scope="module")
def key_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("key") / "accomplice.key"
    previous = os.environ.get(incident_keys.KEY_FILE_ENV)
    os.environ[incident_keys.KEY_FILE_ENV] = str(path)
    incident_keys.init_key_file(path)
    yield path
    if previous is None:
        os.environ.pop(incident_keys.KEY_FILE_ENV, None)
    else:
        os.environ[incident_keys.KEY_FILE_ENV] = previous


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, key_env: Path, raw_dir: Path) -> Iterator[Store]:
    """Users of every role (org "ngo"), the shared incidents and one record with four victims."""
    folder = tmp_path_factory.mktemp("incidents-web")
    opened = open_store(f"sqlite:///{folder / 'accomplice.db'}")
    for role in Role:
        accounts.add_user(opened, OPERATOR, name=role.value, roles=[role.value], password=PASSWORD, org="ngo")
    incidents.import_file(opened, OPERATOR, raw_dir.parent / SEED)
    incidents.import_file(opened, OPERATOR, write_jsonl(folder / "t.jsonl", record_with_victims()))
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
    return {role.value: accounts.issue_token(store, OPERATOR, user=role.value).secret for role in Role}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _incident_routes(app: Any) -> list[tuple[str, str, Any]]:
    found = []
    for context in iter_route_contexts(app.routes):
        path = context.path or ""
        if path.startswith(INCIDENT_PREFIXES):
            for method in sorted((context.methods or set()) - {"HEAD"}):
                found.append((method, path, context))
    assert len(found) >= 15, found
    return found


def _url(path: str) -> str:
    return re.sub(
        r"\{(\w+)(?::\w+)?\}", lambda m: {"ref": REF, "key": "ofac:12312"}.get(m.group(1), "x"), path
    )


@pytest.mark.parametrize("role", list(Role))
def test_every_incident_route_shows_pseudonyms_and_answers_by_the_roles_permissions(
    role: Role, client: TestClient, app: Any, tokens: dict[str, str], store: Store
) -> None:
    before = AuditLog(store).count()
    wrong = []
    for method, path, route in _incident_routes(app):
        body: dict[str, Any] | None = None
        if path.endswith("/unmask"):
            body = {"reason": ""}  # no reason: never an unmasking, whatever the role
        elif method == "POST" and path == "/api/incidents":
            body = {"records": [{"id": "x"}]}  # invalid: nothing written
        if path.endswith("/publish") or path == "/api/totp":
            continue  # writes: checked below with their own records
        response = client.request(method, _url(path), headers=_bearer(tokens[role.value]), json=body)
        need = route_permission(route)
        allowed = need is None or need == "login" or Permission(need) in ROLE_PERMISSIONS[role]
        if allowed and response.status_code in (401, 403) and not path.endswith("/unmask"):
            wrong.append(f"{role} {method} {path}: allowed but {response.status_code}")
        if not allowed and response.status_code != 403:
            wrong.append(f"{role} {method} {path}: not allowed but {response.status_code}")
        if response.status_code >= 500:
            wrong.append(f"{role} {method} {path}: {response.status_code}")
        for value in IDENTIFYING:
            if value in response.text:
                wrong.append(f"{role} {method} {path}: shows {value!r}")
    assert not wrong, "\n".join(wrong)
    unmaskings = [
        r for r in AuditLog(store).entries(limit=50) if r.action == "incidents.unmask" and r.seq > before
    ]
    assert unmaskings == []


def test_the_register_and_record_pages_show_pseudonyms_search_timeline_and_map(
    client: TestClient, tokens: dict[str, str]
) -> None:
    headers = _bearer(tokens["researcher"])
    page = client.get("/incidents", params={"q": "강제송환"}, headers=headers)
    assert page.status_code == 200
    assert "INC-2024-04-26-CN-REPATRIATION" in page.text
    assert 'class="timeline"' in page.text
    assert 'class="incident-map"' in page.text
    record = client.get(f"/incidents/{REF}", headers=headers)
    assert record.status_code == 200
    assert re.search(r"V-[0-9A-F]{10}", record.text)
    assert "Show identities" not in record.text  # a researcher may not unmask


def test_an_unmasking_over_the_api_needs_a_reason_and_a_totp_code_and_is_audited(
    client: TestClient, tokens: dict[str, str], store: Store
) -> None:
    headers = _bearer(tokens["protection"])
    url = f"/api/incidents/{REF}/unmask"
    assert client.post(url, headers=headers, json={"reason": "x"}).status_code == 403
    refused = client.post(url, headers=headers, json={"reason": REASON})
    assert refused.status_code == 403
    assert "second factor" in refused.json()["detail"]
    enrolled = client.post("/api/totp", headers=headers)
    assert enrolled.status_code == 200
    totp = pyotp.parse_uri(enrolled.json()["uri"])
    assert isinstance(totp, pyotp.TOTP)
    opened = client.post(url, headers=headers, json={"reason": REASON, "otp": totp.now()})
    assert opened.status_code == 200, opened.text
    assert {v["name_original"] for v in opened.json()} == {"김미래", "박솔화", "李春梅", "Ольга Ивановна Цой"}
    row = next(r for r in AuditLog(store).entries(limit=20) if r.action == "incidents.unmask")
    assert row.actor == "protection"
    assert row.detail["reason"] == REASON


def test_publication_is_refused_beyond_consent_and_a_published_record_is_public_and_redacted(
    client: TestClient, tokens: dict[str, str]
) -> None:
    headers = _bearer(tokens["reviewer"])
    refused = client.post(f"/api/incidents/{REF}/publish", headers=headers)
    assert refused.status_code == 403
    assert "consent" in refused.json()["detail"]
    assert client.get(f"/api/public/incidents/{REF}").status_code == 404
    done = client.post("/api/incidents/INC-2023-10-09-CN-REPATRIATION/publish", headers=headers)
    assert done.status_code == 200
    public = client.get("/public/incidents/INC-2023-10-09-CN-REPATRIATION")
    assert public.status_code == 200
    assert "Hangzhou" in public.text
    listing = client.get("/api/public/incidents").json()
    assert [r["id"] for r in listing["items"]] == ["INC-2023-10-09-CN-REPATRIATION"]


def test_a_missing_key_is_said_on_the_page_and_the_unmasking_is_a_clear_503(
    client: TestClient, tokens: dict[str, str], key_env: Path
) -> None:
    saved = key_env.read_bytes()
    key_env.unlink()
    try:
        page = client.get(f"/incidents/{REF}", headers=_bearer(tokens["admin"]))
        assert page.status_code == 200
        assert "no key file" in page.text
        listing = client.get("/api/incidents", headers=_bearer(tokens["admin"]))
        assert "no key file" in (listing.json()["key_problem"] or "")
        refused = client.post(
            f"/api/incidents/{REF}/unmask", headers=_bearer(tokens["admin"]), json={"reason": REASON}
        )
        assert refused.status_code in (403, 503)  # admin has no TOTP enrolled (403) or the key is gone (503)
    finally:
        key_env.write_bytes(saved)


def test_the_record_page_unmasks_with_a_reason_and_a_code_and_refuses_without_a_reason(
    client: TestClient, tokens: dict[str, str], store: Store
) -> None:
    officer = accounts.local_principal(store, "protection")
    totp = pyotp.parse_uri(incidents.enrol_totp(store, officer))
    assert isinstance(totp, pyotp.TOTP)
    headers = _bearer(tokens["protection"])
    page = client.get(f"/incidents/{REF}", headers=headers)
    assert "Show identities" in page.text
    refused = client.post(f"/incidents/{REF}/unmask", headers=headers, data={"reason": "", "otp": totp.now()})
    assert refused.status_code == 403
    assert "state why" in refused.text
    assert "김미래" not in refused.text
    before = AuditLog(store).count()
    shown = client.post(
        f"/incidents/{REF}/unmask", headers=headers, data={"reason": REASON, "otp": totp.now()}
    )
    assert shown.status_code == 200
    assert "김미래" in shown.text
    assert "Ольга Ивановна Цой" in shown.text
    assert AuditLog(store).count() == before + 1
