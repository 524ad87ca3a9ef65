"""Whose exposure records count in whose trace: one test per record kind, two importers and the
enforcement side (docs/exposure-data.md, "Whose records").

Shared records (the researcher's hand-checked files) count for everyone; an importer's records count
in its own traces and the enforcement side's, never in another importer's. "globex" declares facts about
the suppliers of "acme"; acme's traces of its own shipments must not change, globex's and the analyst's
must. The store holds the real DPRK lists (OFAC, UN, EU, UK), so that parties resolve to listings.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.services import exposure
from accomplice.store import Store
from accomplice.store.exposure import ExposureStore
from tests.helpers import bearer_tokens, copy_of_store, seed_two_importer_orgs

DATA = Path(__file__).parent / "exposure_data"
OPERATOR = accounts.operator_principal("tester")
# One clean exporter per record kind, so that each test's facts taint only its own shipments.
EXPORTERS = {
    "relations": "Rizhao Clearwater Seafood Co. Ltd.",
    "ownership": "Shidao Harbour Foods Co. Ltd.",
    "facilities": "Longkou Pacific Processing Co. Ltd.",
    "evidence": "Penglai Bay Fisheries Co. Ltd.",
    "decisions": "Weifang Northern Star Foods Co. Ltd.",
    "checked": "Rushan Silver Coast Aquatic Co. Ltd.",
}
TRADER = "Yantai Blue Sea Trading Co. Ltd."
HAIYANG = "Dandong Haiyang Seafood Processing Co. Ltd."  # North Korean workers (shared evidence)
QINGDAO = "Qingdao Ocean Harvest Foods Co. Ltd."  # flagged through the shared records
RYONBONG = "KOREA RYONBONG GENERAL CORPORATION"  # UN 1718, OFAC SDN, UK DPRK regime
HONGXIANG = "丹东鸿祥实业发展有限公司"  # OFAC's DANDONG HONGXIANG (a blocking listing)
RYONBONG_UN = "un:KPe.002"
PERIOD = {"start": "2017", "end": "2020"}


def _shipment(entry: str, importer: str, exporter: str) -> dict[str, str]:
    return {
        "id": entry,
        "date": "2018-09-14",
        "importer": importer,
        "importer_country": "us",
        "exporter": exporter,
        "exporter_country": "cn",
        "goods_description": "frozen cod fillets",
        "hs_code": "0304.71",
    }


@pytest.fixture(scope="module")
def trust_store(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = copy_of_store(screening_store, tmp_path_factory.mktemp("trust") / "exposure.db")
    seed_two_importer_orgs(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(trust_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(trust_store)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def auth(trust_store: Store) -> dict[str, dict[str, str]]:
    return bearer_tokens(trust_store)


def _post(client: TestClient, who: dict[str, str], kind: str, *items: dict[str, Any]) -> Any:
    answer = client.post(f"/api/{kind}", json={"items": list(items)}, headers=who)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _both_ship_from(client: TestClient, auth: dict[str, dict[str, str]], case: str) -> tuple[str, str]:
    """An acme and a globex shipment from the case's exporter: (acme's entry, globex's entry)."""
    exporter = EXPORTERS[case]
    acme, globex = f"ACME-{case.upper()}", f"GLX-{case.upper()}"
    _post(client, auth["acme"], "shipments", _shipment(acme, "Acme Frozen Foods Inc.", exporter))
    _post(client, auth["globex"], "shipments", _shipment(globex, "Globex Seafood LLC", exporter))
    return acme, globex


def _trace(client: TestClient, who: dict[str, str], entry: str) -> dict[str, Any]:
    answer = client.get(f"/api/shipments/{entry}/trace", headers=who)
    assert answer.status_code == 200, answer.text
    trace: dict[str, Any] = answer.json()
    return trace


def _reasons(client: TestClient, who: dict[str, str], entry: str) -> list[str]:
    return list(_trace(client, who, entry)["reasons"])


def test_another_importers_relation_to_a_listed_supplier_does_not_flag_your_shipment(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    acme, globex = _both_ship_from(client, auth, "relations")
    relation = {
        "supplier": RYONBONG,
        "supplier_country": "kp",
        "buyer": EXPORTERS["relations"],
        "buyer_country": "cn",
        "hs_prefixes": "0304",
        **PERIOD,
        "source_title": "Globex supplier survey",
    }
    _post(client, auth["globex"], "relations", relation)
    own = _trace(client, auth["acme"], acme)
    assert own["flagged"] is False
    assert own["reasons"] == []
    assert "withheld" not in repr(own)
    assert _reasons(client, auth["globex"], globex) == ["dprk_listed"]
    # The enforcement side traces with every organisation's records.
    assert _reasons(client, auth["analyst"], acme) == ["dprk_listed"]
    assert _reasons(client, auth["analyst"], globex) == ["dprk_listed"]


def test_another_importers_ownership_row_does_not_block_your_exporter(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    acme, globex = _both_ship_from(client, auth, "ownership")
    owned = {
        "owner": HONGXIANG,
        "owner_country": "cn",
        "owned": EXPORTERS["ownership"],
        "owned_country": "cn",
        "share": "60",
        "start": "2012",
        "source_title": "Globex register extract",
    }
    _post(client, auth["globex"], "ownership", owned)
    own = _trace(client, auth["acme"], acme)
    assert own["flagged"] is False
    assert "withheld" not in repr(own)
    assert "blocked_by_ownership" in _reasons(client, auth["globex"], globex)
    assert "blocked_by_ownership" in _reasons(client, auth["analyst"], acme)
    # The /shipments page flags each reader's rows on the records that reader trusts.
    flagged = "/shipments?state=flagged"
    assert acme not in client.get(flagged, headers=auth["acme"]).text
    assert acme in client.get(flagged, headers=auth["analyst"]).text
    assert globex in client.get(flagged, headers=auth["globex"]).text


def test_another_importers_facility_does_not_carry_shared_evidence_to_your_exporter(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    acme, globex = _both_ship_from(client, auth, "facilities")
    plant = {"id": "glx-plant-longkou", "operator": EXPORTERS["facilities"], "operator_country": "cn"}
    _post(client, auth["globex"], "facilities", plant)
    evidence = {
        "facility": "glx-plant-longkou",
        **PERIOD,
        "statement": "North Korean workers at the plant",
        "source_title": "Field report",
    }
    _post(client, auth["researcher"], "evidence", evidence)
    assert _trace(client, auth["acme"], acme)["flagged"] is False
    assert _reasons(client, auth["globex"], globex) == ["labour_evidence"]
    assert _reasons(client, auth["analyst"], acme) == ["labour_evidence"]


def test_an_organisations_evidence_counts_in_its_own_traces_and_the_enforcement_sides_only(
    client: TestClient, auth: dict[str, dict[str, str]], trust_store: Store
) -> None:
    acme, globex = _both_ship_from(client, auth, "evidence")
    # Importers cannot send evidence through the API; an operator may file it for one (CLI --org).
    item = {
        "subject": EXPORTERS["evidence"],
        "subject_country": "cn",
        **PERIOD,
        "statement": "globex's own audit found North Korean workers",
        "source_title": "Globex audit",
    }
    exposure.add_rows(trust_store, "evidence", [item], user="operator", org="globex")
    assert _trace(client, auth["acme"], acme)["flagged"] is False
    assert _reasons(client, auth["globex"], globex) == ["labour_evidence"]
    assert _reasons(client, auth["analyst"], acme) == ["labour_evidence"]
    listed = {e["statement"] for e in client.get("/api/evidence", headers=auth["acme"]).json()}
    assert item["statement"] not in listed


def test_shared_records_count_for_every_importer(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    _post(client, auth["acme"], "shipments", _shipment("ACME-SHARED", "Acme Frozen Foods Inc.", QINGDAO))
    _post(client, auth["globex"], "shipments", _shipment("GLX-SHARED", "Globex Seafood LLC", QINGDAO))
    for who, entry in (("acme", "ACME-SHARED"), ("globex", "GLX-SHARED"), ("analyst", "ACME-SHARED")):
        trace = _trace(client, auth[who], entry)
        assert trace["reasons"] == ["labour_evidence"], who
        assert all("withheld" not in path for path in trace["paths"]), who


def test_another_organisations_shipments_are_neither_shown_nor_counted(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    _post(client, auth["globex"], "shipments", _shipment("GLX-ONLY", "Globex Seafood LLC", TRADER))
    assert client.get("/api/shipments/GLX-ONLY/trace", headers=auth["acme"]).status_code == 404
    assert client.get("/api/shipments/GLX-ONLY/trace", headers=auth["analyst"]).status_code == 200
    assert "GLX-ONLY" not in client.get("/shipments", headers=auth["acme"]).text
    assert "GLX-ONLY" in client.get("/shipments", headers=auth["analyst"]).text


def test_another_importers_party_wide_document_does_not_tick_your_checklist(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    _post(client, auth["acme"], "shipments", _shipment("ACME-DOC", "Acme Frozen Foods Inc.", QINGDAO))
    _post(client, auth["globex"], "shipments", _shipment("GLX-DOC", "Globex Seafood LLC", QINGDAO))
    [node] = [
        p["node"] for p in _trace(client, auth["globex"], "GLX-DOC")["parties"] if p["role"] == "exporter"
    ]
    stored = client.post(
        "/api/shipments/GLX-DOC/documents",
        headers=auth["globex"],
        data={"subject": node, "kind": "workforce_records", "every_shipment": "true"},
        files={"file": ("payroll.csv", b"name,nationality\nLi Wei,CN\n", "text/csv")},
    )
    assert stored.status_code == 201, stored.text

    def held(who: str, entry: str) -> bool:
        items = _trace(client, auth[who], entry)["rebuttal"]
        return any(i["party"] == node and i["kind"] == "workforce_records" and i["held"] for i in items)

    assert held("globex", "GLX-DOC")
    assert not held("acme", "ACME-DOC")
    assert not held("analyst", "ACME-DOC")  # a document counts for its own organisation's shipments
    assert held("analyst", "GLX-DOC")


def test_the_enforcement_sides_party_decision_counts_for_every_importer(
    client: TestClient, auth: dict[str, dict[str, str]], trust_store: Store
) -> None:
    acme, globex = _both_ship_from(client, auth, "decisions")
    assert _trace(client, auth["acme"], acme)["flagged"] is False
    [party] = [p for p in exposure.list_parties(trust_store) if p.name == EXPORTERS["decisions"]]
    body = {"entity": RYONBONG_UN, "reason": "the registry names it as Ryonbong's front"}
    refused = client.post(f"/api/parties/{party.id}/confirm", json=body, headers=auth["globex"])
    assert refused.status_code == 403
    decided = client.post(f"/api/parties/{party.id}/confirm", json=body, headers=auth["analyst"])
    assert decided.status_code == 200, decided.text
    for who, entry in (("acme", acme), ("globex", globex), ("analyst", acme)):
        assert _reasons(client, auth[who], entry) == ["dprk_listed"], who


def test_each_importer_sees_its_own_equivalent_record_not_the_others_withheld_duplicate(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    relation = {
        "supplier": HAIYANG,
        "supplier_country": "cn",
        "buyer": TRADER,
        "buyer_country": "cn",
        "hs_prefixes": "0304",
        **PERIOD,
        "source_title": "Supplier survey",
    }
    own_ids = {who: _post(client, auth[who], "relations", relation)["ids"][0] for who in ("acme", "globex")}
    assert own_ids["acme"] != own_ids["globex"]
    _post(client, auth["acme"], "shipments", _shipment("ACME-DUP", "Acme Frozen Foods Inc.", TRADER))
    _post(client, auth["globex"], "shipments", _shipment("GLX-DUP", "Globex Seafood LLC", TRADER))
    for who, entry in (("acme", "ACME-DUP"), ("globex", "GLX-DUP")):
        trace = _trace(client, auth[who], entry)
        assert trace["reasons"] == ["labour_evidence"], who
        for path in trace["paths"]:
            assert "withheld" not in path, who
            records = [h["record"] for h in path["hops"] if h["kind"] == "supplies"]
            assert records == [own_ids[who]], who


def test_checked_counts_only_the_records_the_reader_may_see(
    client: TestClient, auth: dict[str, dict[str, str]], trust_store: Store
) -> None:
    exporter = EXPORTERS["checked"]
    _post(client, auth["acme"], "shipments", _shipment("ACME-CHECKED", "Acme Frozen Foods Inc.", exporter))
    relation = {
        "supplier": "Shandong Quiet Waters Fishery Co. Ltd.",
        "supplier_country": "cn",
        "buyer": exporter,
        "buyer_country": "cn",
        **PERIOD,
        "source_title": "Globex audit",
    }
    _post(client, auth["globex"], "relations", relation)
    mine = _trace(client, auth["acme"], "ACME-CHECKED")["checked"]
    assert mine["relations"] == 0
    assert "Shandong Quiet Waters" not in repr(mine)
    everything = _trace(client, auth["analyst"], "ACME-CHECKED")["checked"]
    assert everything["relations"] == 1
    assert ExposureStore(trust_store).record_orgs()["relations"]  # globex's relation is stored
