"""§321(b) cases over HTTP: the Dandong Huayang case end to end (detention 23 Dec 2020, updated answers,
exclusions 22 and 26 Jan 2021, protest 4 Feb, Ruling H317249 of 5 Mar 2021), every new route against every
role, an importer's view of other organisations' cases, four eyes, and two reviewers deciding at once."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.api.auth import PUBLIC_ROUTES, route_permission
from accomplice.services import auth as accounts
from accomplice.services.auth import ROLE_PERMISSIONS, Permission, Role
from accomplice.store import Store, open_store
from accomplice.store.audit import AuditLog

PASSWORD = "correct horse battery staple"
OPERATOR = accounts.operator_principal("tester")
USERS = {
    "officer": (["analyst"], None),
    "officer2": (["analyst"], None),
    "reviewer": (["reviewer"], None),
    "poof": (["importer"], "poof-apparel"),
    "acme": (["importer"], "acme"),
    "admin": (["admin"], None),
    "researcher": (["researcher"], None),
}
DANDONG = "Dandong Huayang Textiles and Garments Co., Ltd."


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    opened = open_store(f"sqlite:///{tmp_path_factory.mktemp('cases-api') / 'accomplice.db'}")
    for name, (roles, org) in USERS.items():
        accounts.add_user(opened, OPERATOR, name=name, roles=roles, password=PASSWORD, org=org)
    return opened


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store, run_jobs=False)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def tokens(store: Store) -> dict[str, dict[str, str]]:
    return {
        name: {"Authorization": f"Bearer {accounts.issue_token(store, OPERATOR, user=name).secret}"}
        for name in USERS
    }


def _step(client: TestClient, who: dict[str, str], case_id: str, **body: Any) -> Any:
    return client.post(f"/api/cases/{case_id}/events", json=body, headers=who)


def test_the_dandong_huayang_case_runs_from_detention_to_ruling(
    client: TestClient, tokens: dict[str, dict[str, str]], store: Store
) -> None:
    officer, poof, acme = tokens["officer"], tokens["poof"], tokens["acme"]
    opened = client.post(
        "/api/cases",
        json={
            "title": f"{DANDONG}: two entries of garments",
            "org": "poof-apparel",
            "parties": [DANDONG],
            "at": "2020-12-23",
        },
        headers=officer,
    )
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    detained = _step(
        client, officer, case_id, kind="detained", at="2020-12-23", note="Presumption: DPRK labour"
    )
    assert detained.json()["deadline"] == "2021-01-22"
    # Another organisation's importer learns nothing of the case, and cannot answer it.
    assert client.get(f"/api/cases/{case_id}", headers=acme).status_code == 404
    assert _step(client, acme, case_id, kind="response", at="2021-01-14").status_code == 404
    # The importer answers (updated CF-28 answers), but may not decide its own case.
    answered = _step(client, poof, case_id, kind="response", at="2021-01-14", note="Updated CF-28 answers")
    assert answered.status_code == 200, answered.text
    assert _step(client, poof, case_id, kind="decided", outcome="released-not-subject").status_code == 403
    for day in ("2021-01-22", "2021-01-26"):
        decided = _step(
            client, officer, case_id, kind="decided", outcome="excluded", at=day, note="Prohibited"
        )
        assert decided.status_code == 200, decided.text
    protested = _step(client, poof, case_id, kind="protested", at="2021-02-04", note="Protest and AFR")
    assert protested.status_code == 200, protested.text
    ruled = _step(
        client,
        officer,
        case_id,
        kind="ruled",
        at="2021-03-05",
        note="Ruling H317249: a WRAP audit did not rebut",
    )
    case = ruled.json()
    assert (case["state"], case["decision"]["outcome"], case["allowed"]) == ("ruled", "excluded", [])
    assert [(e["at"], e["kind"], e["by"]) for e in case["events"]] == [
        ("2020-12-23", "opened", "officer"),
        ("2020-12-23", "detained", "officer"),
        ("2021-01-14", "response", "poof"),
        ("2021-01-22", "decided", "officer"),
        ("2021-01-26", "decided", "officer"),
        ("2021-02-04", "protested", "poof"),
        ("2021-03-05", "ruled", "officer"),
    ]
    # Closed: nothing more is allowed, and the refusal says so.
    again = _step(client, officer, case_id, kind="decided", outcome="seized")
    assert again.status_code == 400
    assert "allowed: nothing (the case is closed)" in again.json()["detail"]
    actions = {(r.actor, r.action) for r in AuditLog(store).entries(limit=200) if r.subject == case_id}
    assert {("officer", "case.open"), ("poof", "case.response"), ("officer", "case.ruled")} <= actions
    # The importer sees its own case in its list; the other importer sees none of it.
    assert case_id in [c["id"] for c in client.get("/api/cases", headers=poof).json()["cases"]]
    assert case_id not in [c["id"] for c in client.get("/api/cases", headers=acme).json()["cases"]]


def _open_detained(client: TestClient, tokens: dict[str, dict[str, str]], title: str) -> str:
    opened = client.post(
        "/api/cases", json={"title": title, "org": "poof-apparel"}, headers=tokens["officer"]
    )
    case_id = str(opened.json()["id"])
    _step(client, tokens["officer"], case_id, kind="detained")
    _step(client, tokens["poof"], case_id, kind="response", note="Supplier map corrected")
    return case_id


def test_two_reviewers_deciding_at_once_one_wins_and_the_other_gets_a_conflict(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    case_id = _open_detained(client, tokens, "Race")
    version = client.get(f"/api/cases/{case_id}", headers=tokens["officer"]).json()["version"]
    results: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def decide(who: str, outcome: str) -> None:
        barrier.wait()
        results[who] = _step(
            client, tokens[who], case_id, kind="decided", outcome=outcome, version=version
        ).status_code

    threads = [
        threading.Thread(target=decide, args=("officer", "excluded")),
        threading.Thread(target=decide, args=("officer2", "seized")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [200, 409]
    case = client.get(f"/api/cases/{case_id}", headers=tokens["officer"]).json()
    winner = next(w for w, code in results.items() if code == 200)
    decisions = [e for e in case["events"] if e["kind"] == "decided"]
    assert [d["by"] for d in decisions] == [winner]
    assert case["version"] == version + 1


def test_an_accepted_rebuttal_needs_a_second_reviewer(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    case_id = _open_detained(client, tokens, "Rebutted")
    decided = _step(
        client, tokens["admin"], case_id, kind="decided", outcome="released-rebutted", note="Payroll clear"
    )
    assert decided.json()["state"] == "approval-pending"
    assert _step(client, tokens["officer"], case_id, kind="approved").status_code == 403  # not a reviewer
    own = _step(client, tokens["admin"], case_id, kind="approved")
    assert own.status_code == 400
    assert "second reviewer" in own.json()["detail"]
    approved = _step(client, tokens["reviewer"], case_id, kind="approved").json()
    assert (approved["state"], approved["decision"]["approved_by"]) == ("decided", "reviewer")


def test_a_step_dated_in_the_future_is_refused(client: TestClient, tokens: dict[str, dict[str, str]]) -> None:
    case_id = _open_detained(client, tokens, "Future")
    refused = _step(client, tokens["officer"], case_id, kind="decided", outcome="excluded", at="2999-01-01")
    assert refused.status_code == 422


def _case_routes(client: TestClient) -> list[tuple[str, str, Any]]:
    found = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        path = getattr(context, "path", "")
        if not re.match(r"/(api/)?(cases|register|statistics)", path):
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            found.append((method, path, context))
    assert len(found) >= 16, found
    return found


def test_every_case_route_answers_each_role_by_its_permission(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    case_id = _open_detained(client, tokens, "Matrix")
    wrong = []
    for method, path, route in _case_routes(client):
        url = path.replace("{case_id}", case_id).replace("{key}", "no-such-entry")
        need = route_permission(route)
        for name, (roles, _) in USERS.items():
            response = client.request(method, url, headers=tokens[name], json={"kind": "x", "reason": "r"})
            granted = frozenset().union(*(ROLE_PERMISSIONS[Role(r)] for r in roles))
            allowed = (method, path) in PUBLIC_ROUTES or (need is not None and Permission(need) in granted)
            if allowed and response.status_code in (401, 403):
                wrong.append(f"{method} {path} as {name}: {response.status_code} though allowed")
            if not allowed and response.status_code != 403:
                wrong.append(f"{method} {path} as {name}: {response.status_code}, not 403")
            if response.status_code >= 500:
                wrong.append(f"{method} {path} as {name}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_the_register_and_statistics_are_public_and_hold_no_case_ids(
    client: TestClient, tokens: dict[str, dict[str, str]], store: Store
) -> None:
    from accomplice.services import register
    from accomplice.settings import get_settings

    register.import_register(
        store,
        OPERATOR,
        get_settings().shared_dir / "data" / "accountability" / "enforcement_actions.csv",
        publish=False,
    )
    listed = client.get("/api/register")
    assert listed.status_code == 200
    assert any(e["name"] == DANDONG for e in listed.json())
    stats = client.get("/api/statistics/cases")
    assert stats.status_code == 200
    body = stats.text
    assert "CBP-2020" not in body
    assert "poof" not in body
    years = {b["key"]: b for b in stats.json()["by"]["fiscal_year"]}
    assert years["FY2021"]["cases"]["excluded"] >= 1
    csv_text = client.get("/api/statistics/cases.csv").text
    assert csv_text.startswith("dimension,group,detained_cases")


def _xlsx_bytes() -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["stage", "input kg", "output kg"])
    sheet.append(["sewing", 950, 930])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _zip_bomb() -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"0" * (40 * 1024 * 1024))
    return out.getvalue()


def test_documents_are_typed_by_content_kept_by_hash_and_served_as_attachments(
    client: TestClient, tokens: dict[str, dict[str, str]], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    case_id = _open_detained(client, tokens, "Documents")
    url = f"/api/cases/{case_id}/documents"
    workbook = _xlsx_bytes()
    sent = client.post(
        url,
        files={"file": ("mass-balance.xlsx", workbook)},
        data={"item": "production", "stage": "sewing"},
        headers=tokens["poof"],
    )
    assert sent.status_code == 201, sent.text
    document = sent.json()
    assert document["sha256"] == hashlib.sha256(workbook).hexdigest()
    assert document["media_type"].endswith("spreadsheetml.sheet")
    audit = [r for r in AuditLog(store).entries(limit=50) if r.action == "case.document"]
    assert audit[0].detail["sha256"] == document["sha256"]
    served = client.get(f"{url}/{document['id']}", headers=tokens["officer"])
    assert served.content == workbook
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"].startswith("attachment")
    # The other importer can neither read nor add.
    assert client.get(f"{url}/{document['id']}", headers=tokens["acme"]).status_code == 404
    # Bytes unlike their name, a zip bomb in an XLSX, an oversized file: refused, the case unchanged.
    html = client.post(
        url,
        files={"file": ("invoice.pdf", b"<html><script>alert(1)</script>")},
        data={"item": "invoice"},
        headers=tokens["poof"],
    )
    assert html.status_code == 422
    assert "not a document type accepted here" in html.text
    bomb = client.post(
        url, files={"file": ("ledger.xlsx", _zip_bomb())}, data={"item": "workforce"}, headers=tokens["poof"]
    )
    assert bomb.status_code == 422
    assert "zip bomb" in bomb.text
    monkeypatch.setenv("ACCOMPLICE_CASE_DOCUMENT_MAX_BYTES", str(len(workbook) - 1))
    large = client.post(
        url, files={"file": ("big.xlsx", workbook)}, data={"item": "production"}, headers=tokens["poof"]
    )
    assert large.status_code == 413
    assert len(client.get(url, headers=tokens["poof"]).json()) == 1
    assert store.file_path is not None
    assert list((store.file_path.with_name(f"{store.file_path.name}.documents") / "tmp").iterdir()) == []
    # The reviewer marks it; anything short of accepted needs its reason.
    review = f"{url}/{document['id']}/review"
    assert client.post(review, json={"mark": "inconsistent"}, headers=tokens["reviewer"]).status_code == 422
    marked = client.post(
        review,
        json={"mark": "inconsistent", "reason": "Headcount differs from payroll"},
        headers=tokens["reviewer"],
    )
    assert (marked.json()["review"], marked.json()["reviewed_by"]) == ("inconsistent", "reviewer")
    assert client.post(review, json={"mark": "accepted"}, headers=tokens["poof"]).status_code == 403


def test_the_case_pages_show_the_timeline_and_the_public_pages_need_no_login(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    case_id = _open_detained(client, tokens, "Pages <script>")
    page = client.get(f"/cases/{case_id}", headers=tokens["poof"])
    assert page.status_code == 200
    assert "Pages &lt;script&gt;" in page.text
    assert "Supplier map corrected" in page.text
    assert client.get(f"/cases/{case_id}", headers=tokens["acme"]).status_code == 404
    stepped = client.post(
        f"/cases/{case_id}/events",
        data={"kind": "decided", "outcome": "excluded", "note": "Prohibited", "version": "1"},
        headers=tokens["officer"],
        follow_redirects=False,
    )
    assert stepped.status_code == 409  # version 1 was read before the detention and the answer
    current = client.get(f"/api/cases/{case_id}", headers=tokens["officer"]).json()["version"]
    stepped = client.post(
        f"/cases/{case_id}/events",
        data={"kind": "decided", "outcome": "excluded", "note": "Prohibited", "version": str(current)},
        headers=tokens["officer"],
        follow_redirects=False,
    )
    assert stepped.status_code == 303
    pdf = client.get(f"/cases/{case_id}/file.pdf", headers=tokens["officer"])
    assert pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"].startswith("attachment")
    stats = client.get("/statistics")
    assert stats.status_code == 200
    assert "<svg" in stats.text
    assert "By fiscal year" in stats.text
    assert client.get("/register").status_code == 200


def test_the_reviewer_checks_mass_balance_and_payees_against_the_named_parties(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    opened = client.post(
        "/api/cases",
        json={"title": "Checks", "org": "poof-apparel", "parties": [DANDONG]},
        headers=tokens["officer"],
    )
    case_id = opened.json()["id"]
    body = {
        "stages": [
            {"stage": "knitting", "input_quantity": 1000, "output_quantity": 990, "unit": "kg"},
            {"stage": "sewing", "input_quantity": 990, "output_quantity": 1400, "unit": "kg"},
        ],
        "payees": ["Dandong Huayang Textiles & Garments Co Ltd", "Liaoning Hongxiang Trading"],
    }
    checked = client.post(f"/api/cases/{case_id}/checks", json=body, headers=tokens["reviewer"])
    assert checked.status_code == 200, checked.text
    result = checked.json()
    assert [m["balanced"] for m in result["mass_balance"]] == [True, False]
    assert [p["supplier"] for p in result["payees"]] == [DANDONG, None]
    assert client.post(f"/api/cases/{case_id}/checks", json=body, headers=tokens["poof"]).status_code == 403
