"""EU Official Journal consolidated tables (OpenSanctions layout) through the shipped mapping."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from accomplice import services
from accomplice.errors import InputError
from accomplice.lists.model import EntityRecord
from accomplice.sources import get_format
from accomplice.store import Store
from tests.helpers import BACKENDS

EU_FILES = {
    "eu_prk": "eu/eu_journal_consolidated_32017R1509.csv",
    "eu_ukr": "eu/eu_journal_consolidated_32014R0269.csv",
    "eu_rus": "eu/eu_journal_consolidated_32014R0833.csv",
}


@pytest.fixture(scope="module")
def eu(raw_dir: Path) -> dict[str, dict[str, EntityRecord]]:
    parsed = {}
    for list_name, name in EU_FILES.items():
        fmt = get_format("eu")
        plan = fmt.plan(raw_dir / name)
        assert plan.spec.name == list_name
        parsed[list_name] = {r.key: r for r in fmt.parse(plan).records}
    return parsed


def _values(record: EntityRecord, prop: str) -> set[str]:
    return {v.value for v in record.values if v.prop == prop}


@pytest.mark.parametrize(
    ("list_name", "schemas"),
    [
        ("eu_prk", {"Person": 157, "LegalEntity": 94, "Vessel": 75}),
        ("eu_ukr", {"Person": 1984, "LegalEntity": 622, "Company": 196}),
        ("eu_rus", {"LegalEntity": 1085, "Vessel": 633, "Asset": 28}),
    ],
)
def test_eu_table_gives_one_entity_per_listing_with_its_schema(
    eu: dict[str, dict[str, EntityRecord]], raw_dir: Path, list_name: str, schemas: dict[str, int]
) -> None:
    with (raw_dir / EU_FILES[list_name]).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert Counter(r.schema for r in eu[list_name].values()) == schemas
    # every row is a listing of its own: keys are unique within the file
    assert len(eu[list_name]) == len(rows)


def test_eu_keys_are_unique_across_the_three_regulations(eu: dict[str, dict[str, EntityRecord]]) -> None:
    keys = [key for records in eu.values() for key in records]
    assert len(keys) == len(set(keys)) == 326 + 2802 + 1746
    assert all(key.startswith("eu:3201") for key in keys)


def test_eu_dprk_vessel_chon_myong_1_is_listed_twice_with_its_imo(
    eu: dict[str, dict[str, EntityRecord]],
) -> None:
    listings = {k: r for k, r in eu["eu_prk"].items() if "IMO8712362" in _values(r, "imoNumber")}
    assert set(listings) == {"eu:32017R1509:XIV.A:1", "eu:32017R1509:XIV.B:9"}
    for record in listings.values():
        assert record.schema == "Vessel"
        assert record.caption == "CHON MYONG 1"
        assert _values(record, "programId") == {"EU-PRK"}
    assert _values(listings["eu:32017R1509:XIV.A:1"], "program") == {"Asset freeze, Annex XIV.A"}
    assert _values(listings["eu:32017R1509:XIV.B:9"], "program") == {
        "Transportation restrictions, Annex XIV.B"
    }


def test_eu_dprk_person_has_alias_birth_date_and_nationality(eu: dict[str, dict[str, EntityRecord]]) -> None:
    yun = eu["eu_prk"]["eu:32017R1509:XIII.A:1"]
    assert (yun.schema, yun.caption) == ("Person", "Yun Ho-jin")
    assert _values(yun, "alias") == {"Yun Ho-chin"}
    assert _values(yun, "birthDate") == {"1944-10-13"}
    assert _values(yun, "nationality") == {"kp"}
    assert _values(yun, "address") == {"Pyongyang, DPRK"}
    assert _values(yun, "createdAt") == {"2009-07-16"}
    assert _values(yun, "sourceUrl") == {
        "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32017R1509"
    }


def test_eu_rows_without_entry_number_are_keyed_by_their_folded_name(
    eu: dict[str, dict[str, EntityRecord]],
) -> None:
    # 32017R1509 annex XIII.B lists 22 OMM vessels without entry numbers
    hoe_ryong = eu["eu_prk"]["eu:32017R1509:XIII.B:hoe-ryong"]
    assert _values(hoe_ryong, "imoNumber") == {"IMO9041552"}
    named = [k for k in eu["eu_prk"] if not k.rpartition(":")[2].isdigit()]
    assert len(named) == 22
    assert all(k.startswith("eu:32017R1509:XIII.B:") for k in named)


def test_eu_multi_valued_cells_split_on_the_separators_the_data_uses(
    eu: dict[str, dict[str, EntityRecord]],
) -> None:
    aksyonov = eu["eu_ukr"]["eu:32014R0269:I.PERSONS:1"]
    assert _values(aksyonov, "alias") == {
        "Sergei Valerievich AKSENOV (Сергей Валерьевич АКСЁНОВ)",
        "Serhiy Valeriyovych AKSYONOV (Сергiй Валерiйович АКСЬОНОВ)",
    }
    emails = {v for r in eu["eu_prk"].values() for v in _values(r, "email")}
    assert {"ryonha@silibank.com", "sjc117@hotmail.com", "millim@silibank.com"} <= emails


@BACKENDS
def test_eu_files_load_as_three_lists_named_by_program(store: Store, raw_dir: Path) -> None:
    for list_name, name in EU_FILES.items():
        report = services.load_list(store, "eu", raw_dir / name)
        assert (report.list_name, report.version.seq) == (list_name, 1)
    infos = {i.name: i for i in store.lists()}
    assert infos["eu_prk"].current_entities == 326
    assert infos["eu_prk"].title == (
        "EU sanctions EU-PRK: listings of consolidated Regulation 32017R1509 (Official Journal)"
    )
    assert services.load_list(store, "eu", raw_dir / EU_FILES["eu_prk"]).unchanged
    vessel = services.entity_detail(store, "eu:32017R1509:XIV.A:1")
    assert vessel.values("imoNumber") == ["IMO8712362"]


@pytest.mark.parametrize("sdn", ["ofac/2023-12-28/sdn.csv", "ofac/2024-05-03/sdn.csv"])
def test_ofac_sdn_csv_given_to_eu_is_one_line_error(raw_dir: Path, sdn: str) -> None:
    with pytest.raises(InputError) as caught:
        get_format("eu").plan(raw_dir / sdn)
    assert caught.value.path == str(raw_dir / sdn)
    assert caught.value.reason.startswith(
        "missing columns celex, recordId, programKey, annex, measure and 40 more"
    )
    assert caught.value.reason.endswith("not an EU Official Journal sanctions table (OpenSanctions layout)?")
