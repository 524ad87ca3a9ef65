"""OpenSanctions targets.simple.csv and the source tables (PRC, DoD 1260H, INKSNA, BIS MEU) via mappings."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from accomplice import services
from accomplice.lists.model import EntityRecord
from accomplice.sources import get_format
from accomplice.sources.base import Parsed
from accomplice.sources.mapping import shipped_mapping
from accomplice.store import Store
from tests.helpers import BACKENDS

TARGETS = "opensanctions/ftm_samples/ua_war_sanctions_targets.simple.csv"
CN = "opensanctions/source_tables/cn_countersanctions.csv"
DOD = "opensanctions/source_tables/us_dod_1260h_chinese_military_companies.csv"
INKSNA = "opensanctions/source_tables/us_state_inksna.csv"
MIEU = "opensanctions/source_tables/us_bis_mieu.csv"


def _parse(raw_dir: Path, name: str, mapping: str) -> tuple[str, Parsed]:
    fmt = get_format("csv", mapping=shipped_mapping(mapping))
    plan = fmt.plan(raw_dir / name)
    return plan.spec.name, fmt.parse(plan)


def _by_key(parsed: Parsed) -> dict[str, EntityRecord]:
    return {r.key: r for r in parsed.records}


def _values(record: EntityRecord, prop: str) -> set[str]:
    return {v.value for v in record.values if v.prop == prop}


def test_targets_simple_keeps_opensanctions_ids_and_schemas(raw_dir: Path) -> None:
    list_name, parsed = _parse(raw_dir, TARGETS, "opensanctions_targets_simple.yml")
    assert list_name == "os_ukraine_war_and_sanctions"
    assert parsed.data_date == "2026-03-13"
    assert Counter(r.schema for r in parsed.records) == {
        "Person": 1543,
        "Company": 1524,
        "Vessel": 1340,
        "LegalEntity": 1193,
    }
    rosalin = _by_key(parsed)["NK-24cf2zYe7LEKhr2zFck73j"]
    assert (rosalin.schema, rosalin.caption) == ("Vessel", "ROSALIN")
    assert _values(rosalin, "alias") == {"Ceram Sea", "Gold Sun", "Nurkez"}
    assert _values(rosalin, "country") == {"lr", "pa", "sg", "st"}
    assert _values(rosalin, "imoNumber") == {"IMO9253325"}
    assert _values(rosalin, "programId") == {"UA-WS-MARE"}


def test_targets_simple_routes_vessel_identifiers_by_kind(raw_dir: Path) -> None:
    _, parsed = _parse(raw_dir, TARGETS, "opensanctions_targets_simple.yml")
    with (raw_dir / TARGETS).open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["identifiers"] == "667001255;9LU2058;IMO9380673")
    vessel = _by_key(parsed)[row["id"]]
    assert _values(vessel, "imoNumber") == {"IMO9380673"}
    assert _values(vessel, "mmsi") == {"667001255"}
    assert _values(vessel, "registrationNumber") == {"9LU2058"}


def test_prc_countersanctions_keep_chinese_names_exactly(raw_dir: Path) -> None:
    list_name, parsed = _parse(raw_dir, CN, "cn_countersanctions.yml")
    assert list_name == "cn_countersanctions"
    with (raw_dir / CN).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    records = _by_key(parsed)
    # 610 rows name 457 targets (case-, accent- and punctuation-folded English names)
    assert len(records) == 457
    assert Counter(r.schema for r in parsed.records) == {"Company": 254, "Person": 166, "Organization": 37}
    ned = records["cn_countersanctions:national-endowment-for-democracy"]
    assert _values(ned, "name") == {"National Endowment for Democracy", "美国国家民主基金会"}
    # every Chinese name of the file is a name of its target, character for character
    stored = {v.value for r in parsed.records for v in r.values if v.prop == "name"}
    chinese = {row["Chinese name"] for row in rows if row["Chinese name"]}
    assert chinese <= stored
    # rows on several lists merge: two Chinese renderings of one person's name
    taiclet = records["cn_countersanctions:james-donald-taiclet"]
    assert {"詹姆斯·泰克里特", "詹姆斯·唐纳德·泰克里特"} <= _values(taiclet, "name")
    assert _values(taiclet, "wikidataId") == {"Q110610881"}


def test_prc_countersanctions_read_two_digit_years(raw_dir: Path) -> None:
    _, parsed = _parse(raw_dir, CN, "cn_countersanctions.yml")
    assert not any("createdAt" in w for w in parsed.warnings)
    created = {v.value for r in parsed.records for v in r.values if v.prop == "createdAt"}
    assert "2020-07-13" in created  # "13.07.20" in the file


def test_dod_1260h_companies_and_their_parents(raw_dir: Path) -> None:
    list_name, parsed = _parse(raw_dir, DOD, "us_dod_1260h.yml")
    assert list_name == "us_dod_1260h"
    assert Counter(r.schema for r in parsed.records) == {"Company": 228, "Ownership": 141}
    records = _by_key(parsed)
    hitech = records["us_dod_1260h:avic-aviation-high-technology-company-limited"]
    assert _values(hitech, "alias") == {"AVIC Aviation Hi-Tech"}
    owned = [r for r in parsed.records if r.schema == "Ownership" and _values(r, "asset") == {hitech.key}]
    assert [_values(r, "owner") for r in owned] == [
        {"us_dod_1260h:aviation-industry-corporation-of-china-ltd"}
    ]
    # the parent is the listed company itself, not a second entity
    avic = records["us_dod_1260h:aviation-industry-corporation-of-china-ltd"]
    assert "Aviation Industry Corporation of China Ltd." in _values(avic, "name")
    assert _values(avic, "programId") == {"US-DOD-1260H"}
    # "Semiconductor Manufacturing International (Beijing) Corporation" is not its parent SMIC
    assert "us_dod_1260h:semiconductor-manufacturing-international-beijing-corporation" in records


def test_inksna_and_bis_mieu_tables(raw_dir: Path) -> None:
    list_name, inksna = _parse(raw_dir, INKSNA, "us_state_inksna.yml")
    assert list_name == "us_state_inksna"
    assert Counter(r.schema for r in inksna.records) == {"Person": 14, "Company": 14}
    dprk = sorted(r.caption for r in inksna.records if _values(r, "country") == {"kp"})
    assert len(dprk) == 3
    assert "Ch'oe Ch'o'l-min" in dprk
    list_name, mieu = _parse(raw_dir, MIEU, "us_bis_mieu.yml")
    assert list_name == "us_bis_mieu"
    assert len(mieu.records) == 13
    china = _by_key(mieu)["us_bis_mieu:intelligence-bureau-of-the-joint-staff-department"]
    assert (_values(china, "country"), _values(china, "programId")) == ({"cn"}, {"US-BIS-MIEU"})


MY_CATALOGUE = [item for item in services.SHARED_CATALOGUE if item.format in ("csv", "ftm", "uk", "eu")]


@pytest.mark.slow
@BACKENDS
def test_shared_catalogue_lists_of_mapped_formats_load_and_reload_unchanged(
    store: Store, raw_dir: Path
) -> None:
    reports = services.load_shared(store, raw_dir, catalogue=MY_CATALOGUE)
    assert len(reports) == len(MY_CATALOGUE) == 11
    assert {r.list_name for r in reports} == {
        "eu_prk",
        "eu_ukr",
        "eu_rus",
        "uk",
        "os_sample",
        "os_ukraine_war_and_sanctions",
        "cn_countersanctions",
        "us_dod_1260h",
        "us_state_inksna",
        "us_bis_mieu",
    }
    assert [v.seq for v in store.versions("uk")] == [1, 2]
    again = services.load_shared(store, raw_dir, catalogue=MY_CATALOGUE)
    assert all(r.unchanged for r in again)
    # an OpenSanctions id names the same entity wherever it is loaded from
    assert store.entity("NK-24cf2zYe7LEKhr2zFck73j") is not None
