"""End to end on the real DPRK lists: import trade data, resolve parties by screening, trace shipments.

The fixtures in tests/exposure_data are hand-made but realistic: a Dandong seafood processor with North
Korean workers two tiers up a pollock importer's chain, a Russian logging firm whose camp holds North
Korean loggers (a confidential source), and a firm 60% owned by Dandong Hongxiang, which is named in
Chinese characters and resolves across scripts to OFAC's listing.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import accomplice
from accomplice import services
from accomplice.errors import InputError, NotFoundError
from accomplice.services import ScreeningIndex, exposure, exposure_cache
from accomplice.services.exposure_pages import shipment_rows
from accomplice.store import Store
from accomplice.store.exposure import ExposureStore, PartyRecord
from tests.helpers import copy_of_store

DATA = Path(__file__).parent / "exposure_data"
HONGXIANG = "ofac:20564"  # DANDONG HONGXIANG INDUSTRIAL DEVELOPMENT CO LTD (NPWMD, North Korea remark)
# KOREA RYONBONG GENERAL CORPORATION: listed by the UK under "North Korea (Democratic People's Republic of
# Korea)", by the UN under 1718 and by OFAC (a blocking listing, which the 50% rule carries to what it owns).
RYONBONG_UK = "uk:10893"
RYONBONG_UN = "un:KPe.002"
RYONBONG_OFAC = "ofac:9347"
IMPORT_ORDER = (
    ("relations", "relations.csv"),
    ("ownership", "ownership.csv"),
    ("facilities", "facilities.csv"),
    ("evidence", "evidence.jsonl"),
)


@pytest.fixture(scope="module")
def index(screening_store: Store) -> ScreeningIndex:
    return services.screening_index(screening_store)


@pytest.fixture
def lists_store(screening_store: Store, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the store holding the real DPRK lists, for tests that write to it."""
    store = copy_of_store(screening_store, tmp_path / "exposure.db")
    yield store
    store.close()


def _import_all(store: Store, index: ScreeningIndex) -> None:
    for kind, name in IMPORT_ORDER:
        exposure.import_file(store, kind, DATA / name, user="analyst1", index=index)


def _trace_all(store: Store, index: ScreeningIndex, **options: bool) -> dict[str, dict[str, object]]:
    out = io.StringIO()
    exposure.trace_file(store, DATA / "shipments.csv", out, user="analyst1", index=index, **options)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    return {str(item["shipment"]): item for item in lines}


def test_chinese_name_of_owner_resolves_across_scripts_to_ofac_listing(
    lists_store: Store, index: ScreeningIndex
) -> None:
    result = exposure.import_file(lists_store, "ownership", DATA / "ownership.csv", user="a", index=index)
    by_name = {p.name: p for p in result.parties}
    hongxiang = by_name["丹东鸿祥实业发展有限公司"]
    assert hongxiang.entity_key == HONGXIANG
    assert hongxiang.score is not None
    assert hongxiang.score >= 0.8
    assert hongxiang.explanation
    assert hongxiang.status == "auto"
    assert by_name["Liaoning Hongyuan Trading Co. Ltd."].entity_key is None
    assert by_name["Liaoning Hongyuan Trading Co. Ltd."].id.startswith(
        "party:liaoning-hongyuan-trading-co-ltd-"
    )


def test_seafood_shipment_is_flagged_through_tier_two_processor_with_labour_source(
    lists_store: Store, index: ScreeningIndex
) -> None:
    _import_all(lists_store, index)
    item = _trace_all(lists_store, index)["ENT-2018-0412"]
    assert item["flagged"] is True
    assert item["reasons"] == ["labour_evidence"]
    path = item["paths"][0]  # type: ignore[index]
    names = [(h["kind"], h["from_name"], h["to_name"]) for h in path["hops"]]
    assert names == [
        ("ships", "Qingdao Ocean Harvest Foods Co. Ltd.", "ENT-2018-0412"),
        ("supplies", "Dandong Haiyang Seafood Processing Co. Ltd.", "Qingdao Ocean Harvest Foods Co. Ltd."),
    ]
    assert path["hops"][1]["source"]["title"] == "Importer supplier declaration to CBP (tier map)"
    evidence = path["evidence"]
    assert evidence["workers"] == 400
    assert evidence["source"]["reliability"] == "B"
    assert evidence["source"]["url"] == "https://www.theoutlawocean.com/investigations/"
    checklist = item["rebuttal"]
    assert {i["kind"] for i in checklist} >= {"workforce_records", "supply_chain_map"}  # type: ignore[union-attr]
    assert all(i["held"] is False for i in checklist)  # type: ignore[union-attr]


def test_confidential_source_is_shown_only_by_its_id_unless_reader_may_see_it(
    lists_store: Store, index: ScreeningIndex
) -> None:
    _import_all(lists_store, index)
    hidden = _trace_all(lists_store, index)["ENT-2019-1107"]
    path = hidden["paths"][0]  # type: ignore[index]
    kinds = [h["kind"] for h in path["hops"]]
    assert (kinds[0], kinds[-1]) == ("ships", "operates")
    assert path["hops"][-1]["from_name"] == "OOO Amurles-Eksport"
    assert path["hops"][-1]["to_name"] == "Tynda logging camp"
    assert path["evidence"]["source"] == {
        "id": "conf-2021-017",
        "title": "confidential source conf-2021-017",
        "confidential": True,
    }
    assert "loggers" not in json.dumps(hidden)
    shown = _trace_all(lists_store, index, may_see_confidential=True)["ENT-2019-1107"]
    source = shown["paths"][0]["evidence"]["source"]  # type: ignore[index]
    assert source["title"] == "Interview with a former worker (held by the investigating NGO)"


def test_firm_sixty_percent_owned_by_hongxiang_is_blocked_and_its_shipment_flagged(
    lists_store: Store, index: ScreeningIndex
) -> None:
    _import_all(lists_store, index)
    traces = _trace_all(lists_store, index)
    ore = traces["ENT-2017-0233"]
    assert "blocked_by_ownership" in ore["reasons"]  # type: ignore[operator]
    owned = next(p for p in ore["paths"] if p["reason"] == "blocked_by_ownership")  # type: ignore[union-attr]
    assert owned["blocked_share"] == 60.0
    owns = [h for h in owned["hops"] if h["kind"] == "owns"]
    assert owns[0]["from"] == HONGXIANG
    assert owns[0]["source"]["reliability"] == "A"
    direct = traces["ENT-2016-0091"]
    assert direct["reasons"] == ["dprk_listed"]
    assert direct["paths"][0]["listing"]["entity"] == HONGXIANG  # type: ignore[index]
    assert direct["paths"][0]["listing"]["dprk"] is True  # type: ignore[index]


def test_clean_shipment_shows_what_was_checked(lists_store: Store, index: ScreeningIndex) -> None:
    _import_all(lists_store, index)
    item = _trace_all(lists_store, index)["ENT-2019-0588"]
    assert item["flagged"] is False
    assert item["paths"] == []
    assert "rebuttal" not in item
    checked = item["checked"]
    assert {p["name"] for p in checked["parties"]} >= {  # type: ignore[index]
        "Ningbo Sunrise Textiles Co. Ltd.",
        "Great Lakes Apparel Inc.",
    }
    assert checked["relations"] >= 1  # type: ignore[index]


def test_split_decision_takes_party_off_the_listed_entity(lists_store: Store, index: ScreeningIndex) -> None:
    _import_all(lists_store, index)
    before = _trace_all(lists_store, index)["ENT-2016-0091"]
    exporter = next(p for p in before["parties"] if p["role"] == "exporter")  # type: ignore[union-attr]
    assert exporter["resolved"] == HONGXIANG
    record = exposure.split_party(lists_store, exporter["id"], user="analyst2", reason="other firm")
    assert record.status == "split"
    assert record.entity_key is None
    after = _trace_all(lists_store, index)["ENT-2016-0091"]
    assert after["flagged"] is False
    again = exposure.confirm_party(lists_store, exporter["id"], HONGXIANG, user="analyst3")
    assert again.status == "confirmed"
    assert _trace_all(lists_store, index)["ENT-2016-0091"]["flagged"] is True
    actions = [d.action for d in ExposureStore(lists_store).party_decisions(exporter["id"])]
    assert actions == ["split", "confirmed"]


def test_confirm_to_unknown_entity_is_refused(lists_store: Store, index: ScreeningIndex) -> None:
    result = exposure.import_file(lists_store, "ownership", DATA / "ownership.csv", user="a", index=index)
    with pytest.raises(NotFoundError):
        exposure.confirm_party(lists_store, result.parties[0].id, "ofac:does-not-exist", user="a")


def test_ftm_ownership_refers_to_listed_entity_by_key(lists_store: Store, index: ScreeningIndex) -> None:
    result = exposure.import_file(
        lists_store, "ownership", DATA / "ownership.ftm.json", user="a", index=index
    )
    assert result.batch.counts["ownership"] == 2
    view = exposure.build_view(lists_store)
    found = exposure.party_exposure(lists_store, HONGXIANG)
    assert found["exposed"] is True
    xinyuan = next(p for p in view.parties.values() if p.name == "Dandong Xinyuan Logistics Co. Ltd.")
    owned = exposure.party_exposure(lists_store, xinyuan.id)
    assert "blocked_by_ownership" in {p["reason"] for p in owned["paths"]}  # type: ignore[union-attr]


def test_evidence_naming_unknown_facility_is_refused_with_its_line(
    lists_store: Store, index: ScreeningIndex, tmp_path: Path
) -> None:
    bad = tmp_path / "evidence.csv"
    bad.write_text("facility,source_title,start\nnowhere-camp,Some report,2019\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"evidence\.csv:2: facility 'facility:nowhere-camp' is not stored"):
        exposure.import_file(lists_store, "evidence", bad, user="a", index=index)
    assert ExposureStore(lists_store).batches() == []


def test_flags_of_the_shipments_page_agree_with_a_trace_of_each_shipment(
    lists_store: Store, index: ScreeningIndex
) -> None:
    _import_all(lists_store, index)
    traced = _trace_all(lists_store, index)
    rows = {row.record.id: row for row in shipment_rows(lists_store)}
    assert set(rows) == set(traced)
    assert {sid: list(row.reasons) for sid, row in rows.items()} == {
        sid: item["reasons"] for sid, item in traced.items()
    }
    assert {sid for sid, row in rows.items() if row.flagged} == {
        "ENT-2018-0412",
        "ENT-2019-1107",
        "ENT-2017-0233",
        "ENT-2016-0091",
    }


def test_uk_dprk_regime_name_is_read_as_dprk() -> None:
    regime = "North Korea (Democratic People's Republic of Korea)"
    assert exposure.is_dprk_listing(RYONBONG_UK, "uk", [regime])
    assert not exposure.is_dprk_listing("uk:1", "uk", ["Republic of Korea trade"])


def test_party_resolved_to_a_uk_entry_takes_the_listings_of_its_un_and_ofac_twins(
    lists_store: Store, index: ScreeningIndex
) -> None:
    _import_all(lists_store, index)
    clean = _trace_all(lists_store, index)["ENT-2019-0588"]
    assert clean["flagged"] is False
    exporter = next(p for p in clean["parties"] if p["role"] == "exporter")  # type: ignore[union-attr]
    exposure.confirm_party(lists_store, exporter["id"], RYONBONG_UK, user="analyst2")
    item = _trace_all(lists_store, index)["ENT-2019-0588"]
    assert item["reasons"] == ["dprk_listed"]
    listing = item["paths"][0]["listing"]  # type: ignore[index]
    # The path names the list entry that carries the listing, for the party resolved to the UK one.
    assert listing["entity"] in {RYONBONG_UK, RYONBONG_UN}
    assert item["paths"][0]["hops"][0]["from"] == RYONBONG_UK  # type: ignore[index]
    entries = {
        p["listing"]["entity"]
        for p in exposure.party_exposure(lists_store, exporter["id"], max_paths=10)["paths"]  # type: ignore[union-attr]
        if "listing" in p
    }
    assert entries >= {RYONBONG_UK, RYONBONG_UN, RYONBONG_OFAC}


def _request(sid: str, importer: str, exporter: str, exporter_country: str) -> dict[str, object]:
    return {
        "id": sid,
        "date": "2019-03-01",
        "importer": importer,
        "importer_country": "us",
        "exporter": exporter,
        "exporter_country": exporter_country,
    }


def test_traced_request_naming_a_listed_entity_no_stored_party_is_resolved_to_is_flagged(
    lists_store: Store, index: ScreeningIndex
) -> None:
    _import_all(lists_store, index)
    stored = exposure_cache.cached_view(lists_store)
    assert not any(p.node == RYONBONG_UN for p in stored.parties.values())
    [item] = exposure.trace_rows(
        lists_store,
        [_request("REQ-1", "Lakeside Outdoor Goods Inc.", "KOREA RYONBONG GENERAL CORPORATION", "kp")],
        index=index,
    )
    assert item["reasons"] == ["dprk_listed"]
    assert item["paths"][0]["listing"]["entity"] == RYONBONG_UN  # type: ignore[index]
    # The request's parties were not stored and the cached engine was left as it was.
    assert exposure_cache.cached_view(lists_store) is stored
    assert RYONBONG_UN not in stored.names


def test_traced_request_with_new_parties_of_their_own_uses_the_cached_engine(
    lists_store: Store, index: ScreeningIndex
) -> None:
    _import_all(lists_store, index)
    [item] = exposure.trace_rows(
        lists_store,
        [_request("REQ-2", "Lakeside Outdoor Goods Inc.", "Ningbo Sunrise Textiles Co. Ltd.", "cn")],
        index=index,
    )
    assert item["flagged"] is False
    assert [p["name"] for p in item["parties"]] == [  # type: ignore[union-attr]
        "Lakeside Outdoor Goods Inc.",
        "Ningbo Sunrise Textiles Co. Ltd.",
    ]
    stored = exposure_cache.cached_view(lists_store)
    new = next(p for p in item["parties"] if p["name"] == "Lakeside Outdoor Goods Inc.")  # type: ignore[union-attr]
    extended = exposure_cache.cached_view(
        lists_store,
        extra_parties=[PartyRecord(new["id"], "Lakeside Outdoor Goods Inc.", "us", "Company", "x")],
    )
    assert extended.engine is stored.engine
    assert new["id"] in extended.parties
    assert new["id"] not in stored.parties


def test_the_library_trace_returns_what_the_cli_writes(lists_store: Store, index: ScreeningIndex) -> None:
    _import_all(lists_store, index)
    expected = _trace_all(lists_store, index)
    traced = accomplice.trace(DATA / "shipments.csv", store=lists_store, user="analyst1")
    assert {str(item["shipment"]): item for item in traced} == expected
    assert traced[0]["shipment"] == next(iter(expected))
