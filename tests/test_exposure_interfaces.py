"""`accomplice exposure` / `accomplice trace` and the /api exposure endpoints, over a store without lists.

Labour evidence needs no list: the seafood and timber chains flag through their sources alone. Party
resolution against the real lists is tested in test_exposure_trace.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from accomplice.api import create_app
from accomplice.cli.app import app, state
from accomplice.services import auth as accounts
from accomplice.store import Store, open_store

DATA = Path(__file__).parent / "exposure_data"
KINDS = (
    ("relations", "relations.csv"),
    ("ownership", "ownership.csv"),
    ("facilities", "facilities.csv"),
    ("evidence", "evidence.jsonl"),
)


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'accomplice.db'}"
    if state.store is not None:
        state.store.close()
    state.store = None


def _run(db_url: str, *args: str) -> str:
    state.store = None
    result = CliRunner().invoke(app, ["--db", db_url, *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_cli_imports_every_kind_then_traces_a_shipment_file_to_jsonl(db_url: str, tmp_path: Path) -> None:
    for kind, name in KINDS:
        output = _run(db_url, "exposure", "import", kind, str(DATA / name), "--user", "analyst1")
        assert "imported as batch" in output
    again = _run(db_url, "exposure", "import", "relations", str(DATA / "relations.csv"))
    assert "already imported" in again
    out = tmp_path / "traces.jsonl"
    _run(db_url, "trace", str(DATA / "shipments.csv"), "--output", str(out))
    traces = {t["shipment"]: t for t in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert list(traces) == [
        "ENT-2018-0412",
        "ENT-2019-1107",
        "ENT-2017-0233",
        "ENT-2019-0588",
        "ENT-2016-0091",
    ]
    assert traces["ENT-2018-0412"]["reasons"] == ["labour_evidence"]
    assert (
        traces["ENT-2019-1107"]["paths"][0]["evidence"]["source"]["title"]
        == "confidential source conf-2021-017"
    )
    assert traces["ENT-2019-0588"]["flagged"] is False
    stored = tmp_path / "stored.jsonl"
    _run(db_url, "trace", "--stored", "--output", str(stored), "--show-confidential")
    lines = [json.loads(line) for line in stored.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["shipment"] == "ENT-2016-0091"  # stored shipments come by date
    timber = next(t for t in lines if t["shipment"] == "ENT-2019-1107")
    assert "Interview" in timber["paths"][0]["evidence"]["source"]["title"]


def test_cli_bad_file_is_one_line_error_and_nonzero_exit(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "own.csv"
    bad.write_text("owner,owned,share\nA Co,B Co,101\n", encoding="utf-8")
    state.store = None
    result = CliRunner().invoke(app, ["--db", db_url, "exposure", "import", "ownership", str(bad)])
    assert result.exit_code != 0
    assert "own.csv:2: share '101' is outside 0–100" in str(result.exception)


def test_cli_split_records_the_decision(db_url: str) -> None:
    _run(db_url, "exposure", "import", "ownership", str(DATA / "ownership.csv"))
    store = open_store(db_url)
    try:
        from accomplice.store.exposure import ExposureStore

        party = ExposureStore(store).parties()[0]
    finally:
        store.close()
    output = _run(db_url, "exposure", "split", party.id, "--user", "analyst2", "--reason", "other firm")
    assert f"recorded: {party.id}" in output
    listing = _run(db_url, "exposure", "parties")
    assert "split" in listing
    assert "analyst2" in listing


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    store: Store = open_store(f"sqlite:///{tmp_path / 'api.db'}")
    from accomplice.services import exposure

    for kind, name in KINDS:
        exposure.import_file(store, kind, DATA / name, user="analyst1")
    exposure.import_file(store, "shipments", DATA / "shipments.csv", user="analyst1")
    # Exposure data needs an account: a researcher reads and writes it.
    operator = accounts.operator_principal("tester")
    accounts.add_user(store, operator, name="researcher1", roles=["researcher"])
    token = accounts.issue_token(store, operator, user="researcher1").secret
    with TestClient(create_app(store), headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client
    store.close()


def test_api_exposure_needs_the_exposure_permissions(client: TestClient) -> None:
    assert client.get("/api/evidence", headers={"Authorization": ""}).status_code == 401
    store = client.app.state.store  # type: ignore[attr-defined]
    operator = accounts.operator_principal("tester")
    accounts.add_user(store, operator, name="reader", roles=["analyst"])
    reader = {"Authorization": f"Bearer {accounts.issue_token(store, operator, user='reader').secret}"}
    assert client.get("/api/evidence", headers=reader).status_code == 200
    assert client.post("/api/evidence", json={"items": [{"subject": "X"}]}, headers=reader).status_code == 403


def test_api_traces_shipments_in_the_body_without_storing_them(client: TestClient) -> None:
    body = {
        "shipments": [
            {
                "id": "NEW-1",
                "date": "2019-02-01",
                "importer": "Pacific Coast Seafood Importers LLC",
                "importer_country": "us",
                "exporter": "Qingdao Ocean Harvest Foods Co. Ltd.",
                "exporter_country": "cn",
                "hs_code": "0304.75",
            }
        ]
    }
    response = client.post("/api/trace", json=body)
    assert response.status_code == 200, response.text
    [trace] = response.json()
    assert trace["reasons"] == ["labour_evidence"]
    assert client.get("/api/shipments/NEW-1/trace").status_code == 404


def test_api_bad_shipment_is_422_naming_the_item(client: TestClient) -> None:
    response = client.post(
        "/api/trace", json={"shipments": [{"id": "X", "date": "someday", "importer": "A"}]}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].startswith("request:1: 'someday' is not a date")


def test_api_stored_shipment_trace_and_party_exposure(client: TestClient) -> None:
    trace = client.get("/api/shipments/ENT-2018-0412/trace").json()
    assert trace["flagged"] is True
    processor = trace["paths"][0]["hops"][1]["from"]
    exposure = client.get(f"/api/parties/{processor}/exposure", params={"day": "2018-06-01"}).json()
    assert exposure["exposed"] is True
    assert exposure["paths"][0]["reason"] == "labour_evidence"
    before = client.get(f"/api/parties/{processor}/exposure", params={"day": "2015-06-01"}).json()
    assert before["exposed"] is False  # the evidence covers 2017-2019
    assert client.get("/api/parties/party:nobody/exposure").status_code == 404


def test_api_posts_evidence_and_relations_and_lists_them(client: TestClient) -> None:
    relation = {
        "supplier": "Hunchun Ocean Foods Co. Ltd.",
        "supplier_country": "cn",
        "buyer": "Pacific Coast Seafood Importers LLC",
        "buyer_country": "us",
        "hs_prefixes": "0304",
        "start": "2018",
        "source_title": "Bill of lading records",
    }
    created = client.post("/api/relations", json={"items": [relation]})
    assert created.status_code == 201, created.text
    assert created.json()["counts"]["relations"] == 1
    again = client.post("/api/relations", json={"items": [relation]})
    assert again.json()["unchanged"] is True
    evidence = {
        "subject": "Hunchun Ocean Foods Co. Ltd.",
        "subject_country": "cn",
        "start": "2018",
        "statement": "North Korean workers at the plant",
        "source_title": "NGO field report",
        "source_reliability": "C",
    }
    assert client.post("/api/evidence", json={"items": [evidence]}).status_code == 201
    listed = client.get("/api/evidence").json()
    assert any(e["subject_name"] == "Hunchun Ocean Foods Co. Ltd." for e in listed)
    relations = client.get("/api/relations").json()
    assert any(r["supplier_name"] == "Hunchun Ocean Foods Co. Ltd." for r in relations)
    bad = client.post(
        "/api/evidence", json={"items": [{"subject": "X", "source_title": "Y", "start": "May"}]}
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["msg"].startswith("request:1")
