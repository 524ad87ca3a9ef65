"""Exposure data per organisation: an importer sees its own shipments, declared suppliers and documents,
shared (enforcement) records, and no more — and its documents tick the rebuttal checklist.

The store holds the hand-checked exposure files as shared records (entered by a researcher), then two
importers' own files: "acme" ships from a Chinese trader; "globex" declares that the trader buys from
Dandong Haiyang Seafood, whose plants held North Korean workers (shared evidence). Globex's declaration
does not count in acme's traces (one importer must not flag another's goods), only in globex's and the
enforcement side's. Acme's documents answer the flag on a second entry, from a supplier the shared records
flag. tests/test_exposure_trust.py tests the trust model kind by kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.errors import InputError
from accomplice.services import auth as accounts
from accomplice.services import exposure
from accomplice.store import Store, open_store
from accomplice.store.audit import AuditLog
from accomplice.store.exposure import ExposureStore
from tests.helpers import BACKENDS, bearer_tokens, seed_two_importer_orgs

DATA = Path(__file__).parent / "exposure_data"
OPERATOR = accounts.operator_principal("tester")
TRADER = "Yantai Blue Sea Trading Co. Ltd."
HAIYANG = "Dandong Haiyang Seafood Processing Co. Ltd."
ACME_SHIPMENT = {
    "id": "ACME-2018-001",
    "date": "2018-09-14",
    "importer": "Acme Frozen Foods Inc.",
    "importer_country": "us",
    "exporter": TRADER,
    "exporter_country": "cn",
    "goods_description": "frozen cod fillets",
    "hs_code": "0304.71",
}
# Flagged for acme too: Qingdao buys from Dandong Haiyang in the shared records.
ACME_FLAGGED = {**ACME_SHIPMENT, "id": "ACME-2018-003", "exporter": "Qingdao Ocean Harvest Foods Co. Ltd."}
GLOBEX_RELATION = {
    "supplier": HAIYANG,
    "supplier_country": "cn",
    "buyer": TRADER,
    "buyer_country": "cn",
    "goods": "frozen cod fillets",
    "hs_prefixes": "0304",
    "start": "2017",
    "end": "2020",
    "source_title": "Globex supplier survey",
}
# The smallest PDF a reader opens: enough for the content check, which looks at the magic number.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="module")
def org_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path_factory.mktemp('orgs') / 'accomplice.db'}")
    seed_two_importer_orgs(opened)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def client(org_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(org_store)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def auth(org_store: Store) -> dict[str, dict[str, str]]:
    return bearer_tokens(org_store)


@pytest.fixture(scope="module")
def importers_data(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    stored = client.post(
        "/api/shipments", json={"items": [ACME_SHIPMENT, ACME_FLAGGED]}, headers=auth["acme"]
    )
    assert stored.status_code == 201, stored.text
    declared = client.post("/api/relations", json={"items": [GLOBEX_RELATION]}, headers=auth["globex"])
    assert declared.status_code == 201, declared.text


def _text(value: Any) -> str:
    return repr(value)


@pytest.mark.usefixtures("importers_data")
def test_importer_sees_its_own_shipments_and_not_the_shared_or_other_orgs(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    assert client.get(f"/api/shipments/{ACME_SHIPMENT['id']}/trace", headers=auth["acme"]).status_code == 200
    # Another organisation's entry is "not found", exactly as an id nobody holds.
    other = client.get(f"/api/shipments/{ACME_SHIPMENT['id']}/trace", headers=auth["globex"])
    assert other.status_code == 404
    assert client.get("/api/shipments/NO-SUCH-ENTRY/trace", headers=auth["globex"]).json() == {
        "detail": "no stored shipment with id 'NO-SUCH-ENTRY'"
    }
    assert client.get("/api/shipments/ENT-2018-0412/trace", headers=auth["acme"]).status_code == 404
    assert client.get("/api/shipments/ENT-2018-0412/trace", headers=auth["analyst"]).status_code == 200
    page = client.get("/shipments", headers=auth["acme"])
    assert ACME_SHIPMENT["id"] in page.text
    assert "ENT-2018-0412" not in page.text
    everything = client.get("/shipments", headers=auth["analyst"])
    assert ACME_SHIPMENT["id"] in everything.text
    assert "ENT-2018-0412" in everything.text


@pytest.mark.usefixtures("importers_data")
def test_another_orgs_declared_supplier_counts_for_the_enforcement_side_not_the_importer(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    own = client.get(f"/api/shipments/{ACME_SHIPMENT['id']}/trace", headers=auth["acme"]).json()
    assert own["flagged"] is False
    assert own["reasons"] == []
    assert "Haiyang" not in _text(own)
    assert "Globex" not in _text(own)
    page = client.get(f"/shipments/{ACME_SHIPMENT['id']}", headers=auth["acme"])
    assert page.status_code == 200
    assert "Haiyang" not in page.text
    assert exposure.WITHHELD_PATH not in page.text
    # The enforcement side sees the whole path, with the evidence and its source.
    full = client.get(f"/api/shipments/{ACME_SHIPMENT['id']}/trace", headers=auth["analyst"]).json()
    [full_path] = full["paths"]
    assert "withheld" not in full_path
    assert [h["kind"] for h in full_path["hops"]] == ["ships", "supplies"]
    assert full_path["hops"][1]["from_name"] == HAIYANG
    assert full_path["hops"][1]["source"]["title"] == "Globex supplier survey"
    assert full_path["evidence"]["subject_name"] == HAIYANG


@pytest.mark.usefixtures("importers_data")
def test_importer_lists_shared_and_own_relations_but_not_another_importers(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    def suppliers(who: str) -> set[tuple[str, str]]:
        rows = client.get("/api/relations", headers=auth[who]).json()
        return {(r["supplier_name"], r["buyer_name"]) for r in rows}

    assert (HAIYANG, TRADER) in suppliers("globex")
    assert (HAIYANG, TRADER) not in suppliers("acme")
    assert (HAIYANG, TRADER) in suppliers("analyst")
    # Shared records (the researcher's) are everyone's with the read permission.
    assert (HAIYANG, "Qingdao Ocean Harvest Foods Co. Ltd.") in suppliers("acme")


@pytest.mark.usefixtures("importers_data")
def test_importer_cannot_open_a_party_only_another_importer_names(
    client: TestClient, auth: dict[str, dict[str, str]], org_store: Store
) -> None:
    [acme_party] = [p for p in exposure.list_parties(org_store) if p.name == "Acme Frozen Foods Inc."]
    assert client.get(f"/api/parties/{acme_party.id}/exposure", headers=auth["acme"]).status_code == 200
    assert client.get(f"/api/parties/{acme_party.id}/exposure", headers=auth["globex"]).status_code == 404
    assert client.get(f"/parties/{acme_party.id}", headers=auth["globex"]).status_code == 404
    assert client.get(f"/api/parties/{acme_party.id}/exposure", headers=auth["analyst"]).status_code == 200


@pytest.mark.usefixtures("importers_data")
def test_two_importers_declaring_the_same_supplier_keep_separate_records(
    client: TestClient, auth: dict[str, dict[str, str]], org_store: Store
) -> None:
    again = client.post("/api/relations", json={"items": [GLOBEX_RELATION]}, headers=auth["acme"])
    assert again.status_code == 201, again.text
    assert again.json()["unchanged"] is False
    orgs = ExposureStore(org_store).record_orgs()["relations"]
    assert sorted(org for org in orgs.values()) == ["acme", "globex"]
    globex_rows = client.get("/api/relations", headers=auth["globex"]).json()
    assert sum(r["supplier_name"] == HAIYANG and r["buyer_name"] == TRADER for r in globex_rows) == 1


@pytest.mark.usefixtures("importers_data")
def test_importer_cannot_take_over_another_orgs_entry_id(
    client: TestClient, auth: dict[str, dict[str, str]], org_store: Store
) -> None:
    hijack = {**ACME_SHIPMENT, "importer": "Globex Seafood LLC", "goods_description": "nothing"}
    refused = client.post("/api/shipments", json={"items": [hijack]}, headers=auth["globex"])
    assert refused.status_code == 422
    assert "already used by a record of another organisation" in refused.json()["detail"][0]["msg"]
    [kept] = ExposureStore(org_store).shipments([ACME_SHIPMENT["id"]])
    assert kept.goods == "frozen cod fillets"
    # Nor may the enforcement side silently move an importer's entry to the shared records.
    assert (
        client.post("/api/shipments", json={"items": [hijack]}, headers=auth["researcher"]).status_code == 422
    )


def test_importer_cannot_add_labour_evidence(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    evidence = {
        "subject": "Globex Seafood LLC",
        "start": "2018",
        "statement": "a competitor's plant",
        "source_title": "rumour",
    }
    refused = client.post("/api/evidence", json={"items": [evidence]}, headers=auth["acme"])
    assert refused.status_code == 403
    assert "importers cannot add labour evidence" in refused.json()["detail"]


def _upload(
    client: TestClient,
    headers: dict[str, str],
    subject: str,
    kind: str,
    content: bytes,
    name: str,
    entry: str = ACME_SHIPMENT["id"],
    **form: str,
) -> Any:
    return client.post(
        f"/api/shipments/{entry}/documents",
        headers=headers,
        data={"subject": subject, "kind": kind, **form},
        files={"file": (name, content, "application/octet-stream")},
    )


def _checklist(client: TestClient, headers: dict[str, str]) -> dict[tuple[str, str], bool]:
    trace = client.get(f"/api/shipments/{ACME_FLAGGED['id']}/trace", headers=headers).json()
    return {(i["party"], i["kind"]): i["held"] for i in trace["rebuttal"]}


@pytest.mark.usefixtures("importers_data")
def test_uploaded_document_ticks_the_checklist_and_stays_within_the_org(
    client: TestClient, auth: dict[str, dict[str, str]], org_store: Store
) -> None:
    before = _checklist(client, auth["acme"])
    trader = next(p for (p, kind) in before if kind == "purchase_orders" and p != ACME_FLAGGED["id"])
    assert before[(trader, "purchase_orders")] is False
    stored = _upload(
        client,
        auth["acme"],
        trader,
        "purchase_orders",
        PDF,
        "PO-7781.pdf",
        entry=ACME_FLAGGED["id"],
        note="March order",
    )
    assert stored.status_code == 201, stored.text
    document = stored.json()
    assert document["media_type"] == "application/pdf"
    assert document["size"] == len(PDF)
    after = _checklist(client, auth["acme"])
    assert after[(trader, "purchase_orders")] is True
    assert sum(after.values()) == sum(before.values()) + 1
    # The same document seen by the enforcement side ticks the same item.
    assert _checklist(client, auth["analyst"])[(trader, "purchase_orders")] is True
    download = client.get(document["download"], headers=auth["acme"])
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert client.get(document["download"], headers=auth["globex"]).status_code == 404
    assert client.get(document["download"], headers=auth["analyst"]).status_code == 200
    listed = client.get(f"/api/shipments/{ACME_FLAGGED['id']}/documents", headers=auth["acme"]).json()
    assert [d["file_name"] for d in listed] == ["PO-7781.pdf"]
    entries = [e for e in AuditLog(org_store).entries() if e.action == "exposure.document.add"]
    assert entries
    assert entries[-1].actor == "acme"
    assert entries[-1].detail["sha256"] == document["sha256"]


@pytest.mark.usefixtures("importers_data")
def test_party_wide_document_counts_for_every_shipment_of_the_org(
    client: TestClient, auth: dict[str, dict[str, str]], org_store: Store
) -> None:
    trader = next(p for (p, kind) in _checklist(client, auth["acme"]) if kind == "workforce_records")
    stored = _upload(
        client,
        auth["acme"],
        trader,
        "workforce_records",
        b"name,nationality\nLi Wei,CN\n",
        "payroll.csv",
        entry=ACME_FLAGGED["id"],
        every_shipment="true",
    )
    assert stored.status_code == 201, stored.text
    assert stored.json()["shipment"] is None
    assert stored.json()["media_type"] == "text/csv"
    second = {**ACME_FLAGGED, "id": "ACME-2019-002", "date": "2019-02-02"}
    assert client.post("/api/shipments", json={"items": [second]}, headers=auth["acme"]).status_code == 201
    trace = client.get("/api/shipments/ACME-2019-002/trace", headers=auth["acme"]).json()
    held = {(i["party"], i["kind"]): i["held"] for i in trace["rebuttal"]}
    assert held[(trader, "workforce_records")] is True
    assert held[(trader, "purchase_orders")] is False  # that one was for the first entry only


@pytest.mark.usefixtures("importers_data")
def test_documents_that_are_not_documents_are_refused(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    html = b"<html><script>alert(document.cookie)</script></html>"
    # Served as text/plain and only ever as an attachment, markup is harmless: it is kept as text.
    as_text = _upload(client, auth["acme"], ACME_SHIPMENT["id"], "executive_summary", html, "summary.pdf")
    assert as_text.status_code == 201
    assert as_text.json()["media_type"] == "text/plain"
    binary = _upload(
        client, auth["acme"], ACME_SHIPMENT["id"], "executive_summary", b"MZ\x90\x00\x03", "a.exe"
    )
    assert binary.status_code == 422
    assert "not a document type accepted here" in binary.json()["detail"][0]["msg"]
    wrong_kind = _upload(client, auth["acme"], ACME_SHIPMENT["id"], "selfie", PDF, "a.pdf")
    assert wrong_kind.status_code == 422
    assert "unknown document kind" in wrong_kind.json()["detail"][0]["msg"]
    stranger = _upload(client, auth["acme"], "party:someone-else", "purchase_orders", PDF, "a.pdf")
    assert stranger.status_code == 422
    empty = _upload(client, auth["acme"], ACME_SHIPMENT["id"], "executive_summary", b"", "a.pdf")
    assert empty.status_code == 422
    other_org = _upload(client, auth["globex"], ACME_SHIPMENT["id"], "executive_summary", PDF, "a.pdf")
    assert other_org.status_code == 404


@pytest.mark.usefixtures("importers_data")
def test_web_upload_form_stores_the_document_and_shows_it(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    page = client.get(f"/shipments/{ACME_SHIPMENT['id']}", headers=auth["acme"])
    assert 'action="/shipments/ACME-2018-001/documents"' in page.text
    sent = client.post(
        f"/shipments/{ACME_SHIPMENT['id']}/documents",
        headers=auth["acme"],
        data={"subject": ACME_SHIPMENT["id"], "kind": "supply_chain_map"},
        files={"file": ("chain map.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    shown = client.get(f"/shipments/{ACME_SHIPMENT['id']}", headers=auth["acme"])
    assert "chain map.png" in shown.text
    refused = client.post(
        f"/shipments/{ACME_SHIPMENT['id']}/documents",
        headers=auth["acme"],
        data={"subject": ACME_SHIPMENT["id"], "kind": "supply_chain_map"},
        files={"file": ("x.exe", b"MZ\x90\x00", "application/octet-stream")},
    )
    assert refused.status_code == 422
    assert "not a document type accepted here" in refused.text
    # A reader without the write permission sees the documents but no form.
    assert (
        client.get(f"/shipments/{ACME_SHIPMENT['id']}", headers=auth["analyst"]).text.count(
            'class="upload document-upload"'
        )
        == 0
    )


@BACKENDS
def test_same_file_from_two_orgs_is_two_batches_and_a_clash_writes_nothing(store: Store) -> None:
    shared = exposure.import_file(store, "shipments", DATA / "shipments.csv", user="researcher")
    acme_relations = exposure.import_file(store, "relations", DATA / "relations.csv", user="a", org="acme")
    globex_relations = exposure.import_file(
        store, "relations", DATA / "relations.csv", user="g", org="globex"
    )
    assert not acme_relations.batch.unchanged
    assert not globex_relations.batch.unchanged
    assert acme_relations.batch.org == "acme"
    assert globex_relations.batch.org == "globex"
    assert set(acme_relations.record_ids).isdisjoint(globex_relations.record_ids)
    again = exposure.import_file(store, "relations", DATA / "relations.csv", user="a", org="acme")
    assert again.batch.unchanged
    assert again.batch.id == acme_relations.batch.id
    before = ExposureStore(store).batches()
    with pytest.raises(InputError, match="already used by a record of another organisation"):
        exposure.import_file(store, "shipments", DATA / "shipments.csv", user="a", org="acme")
    assert ExposureStore(store).batches() == before
    assert len(ExposureStore(store).shipments(orgs={"acme"})) == 0
    assert len(ExposureStore(store).shipments(orgs={""})) == len(shared.record_ids)


@pytest.mark.usefixtures("importers_data")
def test_party_resolutions_are_decided_by_the_enforcement_side_not_by_importers(
    client: TestClient, auth: dict[str, dict[str, str]], org_store: Store
) -> None:
    [trader] = [p for p in exposure.list_parties(org_store) if p.name == TRADER]
    body = {"reason": "not the firm the screening took it for"}
    refused = client.post(f"/api/parties/{trader.id}/split", json=body, headers=auth["acme"])
    assert refused.status_code == 403
    split = client.post(f"/api/parties/{trader.id}/split", json=body, headers=auth["analyst"])
    assert split.status_code == 200, split.text
    assert split.json()["status"] == "split"
    assert split.json()["decision"]["by"] == "analyst"
    unknown = client.post(
        f"/api/parties/{trader.id}/confirm", json={"entity": "un:NO-SUCH"}, headers=auth["analyst"]
    )
    assert unknown.status_code == 404


@pytest.mark.usefixtures("importers_data")
def test_party_page_form_records_a_resolution_for_the_enforcement_side_only(
    client: TestClient, auth: dict[str, dict[str, str]], org_store: Store
) -> None:
    [importer] = [p for p in exposure.list_parties(org_store) if p.name == "Acme Frozen Foods Inc."]
    page = client.get(f"/parties/{importer.id}", headers=auth["analyst"])
    assert 'class="upload resolution-form"' in page.text
    assert (
        'class="upload resolution-form"'
        not in client.get(f"/parties/{importer.id}", headers=auth["acme"]).text
    )
    url = f"/parties/{importer.id}/resolution"
    form = {"action": "confirm", "entity": "un:NO-SUCH", "reason": "checked the registry"}
    assert client.post(url, data=form, headers=auth["acme"]).status_code == 403
    wrong = client.post(url, data=form, headers=auth["analyst"])
    assert wrong.status_code == 422
    assert "no listed entity with key" in wrong.text
    done = client.post(
        url, data={"action": "split", "reason": "a US firm"}, headers=auth["analyst"], follow_redirects=False
    )
    assert done.status_code == 303
    [after] = [p for p in exposure.list_parties(org_store) if p.id == importer.id]
    assert after.status == "split"
    assert after.decision is not None
    assert after.decision.user == "analyst"


def test_importer_uploads_a_shipments_file_through_the_api_and_the_page(
    client: TestClient, auth: dict[str, dict[str, str]], org_store: Store
) -> None:
    csv = (
        b"entry_id,entry_date,importer,importer_country,exporter,exporter_country,goods_description,hs_code\n"
        b"GLX-2019-0101,2019-06-03,Globex Seafood LLC,us,Qingdao Ocean Harvest Foods Co. Ltd.,cn,"
        b"frozen pollock fillets,0304.75\n"
    )
    stored = client.post(
        "/api/exposure/shipments/file",
        headers=auth["globex"],
        files={"file": ("entries.csv", csv, "text/csv")},
    )
    assert stored.status_code == 201, stored.text
    assert stored.json()["ids"] == ["GLX-2019-0101"]
    assert ExposureStore(org_store).record_orgs()["shipments"]["GLX-2019-0101"] == "globex"
    assert client.get("/api/shipments/GLX-2019-0101/trace", headers=auth["acme"]).status_code == 404
    bad = csv.replace(b"2019-06-03", b"someday").replace(b"GLX-2019-0101", b"GLX-2019-0102")
    refused = client.post(
        "/shipments/import",
        headers=auth["globex"],
        data={"kind": "shipments"},
        files={"file": ("entries-2.csv", bad, "text/csv")},
    )
    assert refused.status_code == 422
    assert "entries-2.csv:2: &#39;someday&#39; is not a date" in refused.text
    assert ExposureStore(org_store).shipments(["GLX-2019-0102"]) == []
    page = client.post(
        "/shipments/import",
        headers=auth["globex"],
        data={"kind": "shipments"},
        files={"file": ("entries-3.csv", bad.replace(b"someday", b"2019-07-01"), "text/csv")},
    )
    assert page.status_code == 200
    assert "entries-3.csv: imported as batch" in page.text
    assert "GLX-2019-0102" in page.text
    evidence = (
        b'{"subject": "Qingdao Ocean Harvest Foods Co. Ltd.", "start": "2019", "statement": "x", '
        b'"source_title": "y"}\n'
    )
    for url, form in (("/api/exposure/evidence/file", {}), ("/shipments/import", {"kind": "evidence"})):
        answer = client.post(url, headers=auth["globex"], data=form, files={"file": ("e.jsonl", evidence)})
        assert answer.status_code == 403, url


def test_exposure_upload_in_a_legacy_encoding_is_refused_unless_named(
    client: TestClient, auth: dict[str, dict[str, str]], org_store: Store
) -> None:
    csv = (
        "entry_id,entry_date,importer,importer_country,exporter,exporter_country,goods_description,hs_code\n"
        "GLX-2020-0001,2020-01-15,Globex Seafood LLC,us,ООО Восток-Рыба,ru,минтай мороженый,0303.67\n"
    ).encode("cp1251")
    files = {"file": ("entries-cp1251.csv", csv, "text/csv")}
    refused = client.post("/api/exposure/shipments/file", headers=auth["globex"], files=files)
    assert refused.status_code == 422
    message = refused.json()["detail"][0]["msg"]
    assert message.startswith("entries-cp1251.csv:2: not UTF-8")
    assert "cp1251" in message
    assert ExposureStore(org_store).shipments(["GLX-2020-0001"]) == []
    named = client.post(
        "/api/exposure/shipments/file", headers=auth["globex"], files=files, data={"encoding": "cp1251"}
    )
    assert named.status_code == 201, named.text
    [record] = ExposureStore(org_store).shipments(["GLX-2020-0001"])
    assert record.goods == "минтай мороженый"


@pytest.mark.usefixtures("importers_data")
def test_clean_trace_lists_no_upstream_party_that_only_another_orgs_records_name(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    exporter = "Weihai Sunrise Aquatic Products Co. Ltd."
    hidden = "Rongcheng Coastal Fishery Co. Ltd."
    entry = {**ACME_SHIPMENT, "id": "ACME-2018-CLEAN", "exporter": exporter}
    assert client.post("/api/shipments", json={"items": [entry]}, headers=auth["acme"]).status_code == 201
    relation = {**GLOBEX_RELATION, "supplier": hidden, "buyer": exporter, "source_title": "Globex audit"}
    declared = client.post("/api/relations", json={"items": [relation]}, headers=auth["globex"])
    assert declared.status_code == 201

    def checked(who: str) -> list[str]:
        trace = client.get("/api/shipments/ACME-2018-CLEAN/trace", headers=auth[who]).json()
        assert trace["flagged"] is False
        return [p["name"] for p in trace["checked"]["parties"]]

    assert hidden in checked("analyst")
    assert exporter in checked("acme")
    assert hidden not in checked("acme")
    page = client.get("/shipments/ACME-2018-CLEAN", headers=auth["acme"])
    assert page.status_code == 200
    assert hidden not in page.text
