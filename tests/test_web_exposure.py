"""The exposure pages (/shipments, /shipments/{id}, /parties/{id}, /evidence) over the exposure fixtures.

The store holds no sanctions list: the seafood and timber chains flag through labour evidence alone
(tests/test_exposure_interfaces.py does the same); party resolution is tested elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.services import exposure
from accomplice.store import Store, open_store
from accomplice.store.exposure import ExposureStore

DATA = Path(__file__).parent / "exposure_data"
KINDS = (
    ("relations", "relations.csv"),
    ("ownership", "ownership.csv"),
    ("facilities", "facilities.csv"),
    ("evidence", "evidence.jsonl"),
    ("shipments", "shipments.csv"),
)
# The timber entry flags through a confidential interview (conf-2021-017) about a Russian logging camp.
CONFIDENTIAL_TITLE = "Interview with a former worker"


def load_fixtures(store: Store) -> None:
    for kind, name in KINDS:
        exposure.import_file(store, kind, DATA / name, user="analyst1")


def _bearer(store: Store, name: str, role: str) -> dict[str, str]:
    operator = accounts.operator_principal("tester")
    accounts.add_user(store, operator, name=name, roles=[role])
    return {"Authorization": f"Bearer {accounts.issue_token(store, operator, user=name).secret}"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'web.db'}")
    load_fixtures(opened)
    yield opened
    opened.close()


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store, run_jobs=False)) as test_client:
        yield test_client


@pytest.fixture
def analyst(store: Store) -> dict[str, str]:
    """An analyst reads exposure data but not confidential sources."""
    return _bearer(store, "analyst1", "analyst")


@pytest.fixture
def researcher(store: Store) -> dict[str, str]:
    """A researcher holds the confidential permission."""
    return _bearer(store, "researcher1", "researcher")


def _svg(html: str) -> str:
    match = re.search(r'<svg class="flow".*?</svg>', html, re.S)
    assert match, "the page has no flow chart"
    return match.group(0)


def test_flagged_shipment_page_draws_the_tainting_path_in_red_with_its_sources(
    client: TestClient, analyst: dict[str, str]
) -> None:
    response = client.get("/shipments/ENT-2018-0412", headers=analyst)
    assert response.status_code == 200, response.text
    html = response.text
    assert "Presumptively barred" in html
    svg = _svg(html)
    # Importer, exporter and the tier-2 processor are boxes; the processor is where the taint comes from.
    for name in ("Pacific Coast Seafood Importers", "Qingdao Ocean Harvest Foods", "Dandong Haiyang Seafood"):
        assert name in svg
    tainted = re.findall(r'<path d="[^"]+" class="edge edge-(\w+) tainted"', svg)
    assert sorted(tainted) == ["ships", "supplies"]
    assert re.search(
        r'class="node node-party tainted origin">\s*<a href="/parties/party:dandong-haiyang', svg
    )
    assert len(re.findall(r'class="node node-party tainted origin"', svg)) == 1
    assert "tainting path" in html  # the legend
    # Each hop's source below the chart, and the evidence with its source and grade.
    assert "Importer supplier declaration to CBP (tier map)" in html
    assert "The Outlaw Ocean Project: Seafood from North Korean labour in Chinese plants" in html
    assert "Rebuttal checklist" in html
    assert "Workforce records: employee lists, wage and payroll records" in html


def test_clean_shipment_page_says_what_was_checked(client: TestClient, analyst: dict[str, str]) -> None:
    html = client.get("/shipments/ENT-2019-0588", headers=analyst).text
    assert "No taint found" in html
    assert "What was checked" in html
    assert "Rebuttal checklist" not in html
    assert " tainted" not in _svg(html)


def test_confidential_source_is_withheld_from_an_analyst_and_shown_to_a_researcher(
    client: TestClient, analyst: dict[str, str], researcher: dict[str, str]
) -> None:
    hidden = client.get("/shipments/ENT-2019-1107", headers=analyst).text
    assert "confidential source conf-2021-017" in hidden
    assert CONFIDENTIAL_TITLE not in hidden
    assert "forty North Korean loggers" not in hidden
    shown = client.get("/shipments/ENT-2019-1107", headers=researcher).text
    assert CONFIDENTIAL_TITLE in shown
    assert "forty North Korean loggers" in shown
    register = client.get("/evidence", headers=analyst).text
    assert "withheld: confidential source" in register
    assert CONFIDENTIAL_TITLE not in register
    assert CONFIDENTIAL_TITLE in client.get("/evidence", headers=researcher).text


def test_evidence_register_filters_by_subject_and_grade_without_revealing_withheld_grades(
    client: TestClient, analyst: dict[str, str], researcher: dict[str, str]
) -> None:
    by_subject = client.get("/evidence", params={"subject": "haiyang"}, headers=analyst).text
    assert "Dandong Haiyang Seafood" in by_subject
    assert "Tynda logging camp" not in by_subject
    # The confidential record is graded C: an analyst's grade filter must not find it, a researcher's does.
    assert "Tynda logging camp" not in client.get("/evidence", params={"grade": "C"}, headers=analyst).text
    assert "Tynda logging camp" in client.get("/evidence", params={"grade": "C"}, headers=researcher).text


def test_party_page_shows_resolution_upstream_paths_buyers_and_shipments(
    client: TestClient, store: Store, analyst: dict[str, str]
) -> None:
    exporter = next(p for p in ExposureStore(store).parties() if p.name.startswith("Qingdao Ocean"))
    html = client.get(f"/parties/{exporter.id}", headers=analyst).text
    assert "Exposed" in html
    assert "none — a party of its own" in html  # no list is loaded: it resolved to no listed entity
    assert "Dandong Haiyang Seafood Processing Co. Ltd." in html
    assert "Pacific Coast Seafood Importers LLC" in html  # its buyer
    assert 'href="/shipments/ENT-2018-0412"' in html
    assert client.get("/parties/party:nobody", headers=analyst).status_code == 404


def test_shipment_list_shows_state_and_the_month_chart(client: TestClient, analyst: dict[str, str]) -> None:
    html = client.get("/shipments", headers=analyst).text
    assert "5 entries" in html
    assert "2 flagged" in html
    assert 'href="/shipments/ENT-2016-0091"' in html
    assert re.search(r'<rect [^>]*class="flagged"><title>2018-06: 1 flagged</title>', html)
    flagged_only = client.get("/shipments", params={"state": "flagged"}, headers=analyst).text
    assert "ENT-2019-0588" not in flagged_only
    assert "ENT-2019-1107" in flagged_only


def test_names_from_trade_data_are_escaped_in_pages_and_chart(
    client: TestClient, store: Store, analyst: dict[str, str]
) -> None:
    hostile = '<script>alert("x")</script> Trading & Co'
    exposure.add_rows(
        store,
        "shipments",
        [
            {
                "id": "ENT-XSS-1",
                "date": "2019-03-01",
                "importer": "Great Lakes Apparel Inc.",
                "exporter": hostile,
            }
        ],
        user="analyst1",
    )
    html = client.get("/shipments/ENT-XSS-1", headers=analyst).text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(" in _svg(html)
    assert "&lt;script&gt;" in client.get("/shipments", headers=analyst).text


def test_exposure_pages_refuse_anonymous_and_send_to_login(client: TestClient) -> None:
    for path in ("/shipments", "/shipments/ENT-2018-0412", "/evidence", "/parties/party:x"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert f'href="/login?next={path.replace(":", "%3A").replace("/", "%2F")}"' in response.text


def test_exposure_pages_need_the_exposure_read_permission(client: TestClient, store: Store) -> None:
    admin = _bearer(store, "boss", "admin")
    assert client.get("/evidence", headers=admin).status_code == 200
    operator = accounts.operator_principal("tester")
    scoped = accounts.issue_token(store, operator, user="boss", scopes=["screen"]).secret
    refused = client.get("/shipments", headers={"Authorization": f"Bearer {scoped}"})
    assert refused.status_code == 403


def test_owners_are_drawn_with_dashed_ownership_arrows_and_their_share(
    client: TestClient, analyst: dict[str, str]
) -> None:
    svg = _svg(client.get("/shipments/ENT-2017-0233", headers=analyst).text)
    assert "Wang Jianguo" in svg
    assert "丹东鸿祥实业发展有限公司" in svg  # the CJK owner's name as text, in the page's CJK-capable font
    assert len(re.findall(r'class="edge edge-owns"', svg)) == 2
    assert re.search(r'class="edge-label own"[^>]*>60%</text>', svg)
    assert re.search(r'class="edge-label own"[^>]*>40%</text>', svg)
