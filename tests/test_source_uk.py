"""UK HM Treasury consolidated list (ConList.csv) through the shipped mapping, on the 2014 and 2018 files."""

from __future__ import annotations

from pathlib import Path

import pytest

from accomplice import services
from accomplice.errors import InputError
from accomplice.lists.model import EntityRecord
from accomplice.sources import get_format
from accomplice.store import Store
from tests.helpers import BACKENDS

UK_2014 = "uk/hmt_conlist_2014-04-02.csv"
UK_2018 = "uk/hmt_conlist_2018-04-13.csv"
DPRK_REGIME = "North Korea (Democratic People's Republic of Korea)"


def _parse(raw_dir: Path, name: str) -> dict[str, EntityRecord]:
    fmt = get_format("uk")
    return {r.key: r for r in fmt.parse(fmt.plan(raw_dir / name)).records}


def _values(record: EntityRecord, prop: str) -> set[str]:
    return {v.value for v in record.values if v.prop == prop}


@pytest.fixture(scope="module")
def uk_2018(raw_dir: Path) -> dict[str, EntityRecord]:
    return _parse(raw_dir, UK_2018)


def test_uk_groups_become_one_entity_per_group_id(raw_dir: Path, uk_2018: dict[str, EntityRecord]) -> None:
    # 9,487 name rows and 2,106 Group IDs in the 2018 file (SOURCES.md); 8,950 rows, 2,297 groups in 2014
    assert len(uk_2018) == 2106
    assert sum(r.schema == "Person" for r in uk_2018.values()) == 1426
    assert sum(r.schema == "Organization" for r in uk_2018.values()) == 680
    assert len(_parse(raw_dir, UK_2014)) == 2297


def test_uk_dprk_person_merges_alias_and_birth_date_rows_as_the_file_states(
    uk_2018: dict[str, EntityRecord],
) -> None:
    # Group 13327: one Prime Alias and two AKA names, each written twice (DOB 22/02/1958 and 15/04/1957)
    jang = uk_2018["uk:13327"]
    assert jang.schema == "Person"
    assert jang.caption == "Bom Su JANG"
    assert _values(jang, "name") == {"Bom Su JANG"}
    assert _values(jang, "alias") == {"Hyon U JANG", "Pom Su JANG"}
    assert (_values(jang, "firstName"), _values(jang, "lastName")) == ({"Bom Su"}, {"JANG"})
    assert _values(jang, "birthDate") == {"1958-02-22", "1957-04-15"}
    assert _values(jang, "nationality") == {"kp"}
    assert _values(jang, "passportNumber") == {
        "836110034 (diplomatic). Passport date of expiration: 1.1.2020"
    }
    assert _values(jang, "position") == {"Tanchon Commercial Bank Representative in Syria"}
    assert _values(jang, "programId") == {DPRK_REGIME}
    assert _values(jang, "createdAt") == {"2016-03-05"}
    assert _values(jang, "modifiedAt") == {"2017-09-15"}


def test_uk_unknown_day_and_month_give_a_year_only(uk_2018: dict[str, EntityRecord]) -> None:
    # Group 11039 (SO Sang-kuk, DPRK): DOB 00/00/1932 ... 00/00/1938, one row per year and name
    so = uk_2018["uk:11039"]
    assert _values(so, "birthDate") == {str(year) for year in range(1932, 1939)}
    assert _values(so, "alias") == {"Sang Kuk SO"}


def test_uk_numbered_nationalities_become_several_countries(uk_2018: dict[str, EntityRecord]) -> None:
    # Group 13349: Nationality "1) Saudi Arabia 2) Qatar", DOB 00/00/1980 and 00/00/1981
    farooq = uk_2018["uk:13349"]
    assert _values(farooq, "nationality") == {"sa", "qa"}
    assert _values(farooq, "birthDate") == {"1980", "1981"}


def test_uk_dprk_entity_keeps_every_address(uk_2018: dict[str, EntityRecord]) -> None:
    omm = uk_2018["uk:13143"]
    assert omm.schema == "Organization"
    assert omm.caption == "OCEAN MARITIME MANAGEMENT COMPANY, LIMITED (OMM)"
    assert _values(omm, "address") == {
        "Dongheung-dong Changgwang Street, Chung-Ku, Pyongyang, PO Box 125, DPRK",
        "Donghung Dong, Central District, Pyongyang, PO Box 120, DPRK",
    }
    assert _values(omm, "country") == {"kp"}


@BACKENDS
def test_uk_2014_and_2018_files_load_as_versions_one_and_two(store: Store, raw_dir: Path) -> None:
    first = services.load_list(store, "uk", raw_dir / UK_2014)
    second = services.load_list(store, "uk", raw_dir / UK_2018)
    assert (first.version.seq, first.version.data_date, first.version.label) == (
        1,
        "2014-04-02",
        "2014-04-02",
    )
    assert (second.version.seq, second.version.data_date, second.version.label) == (
        2,
        "2018-04-13",
        "2018-04-13",
    )
    assert second.version.counts["entities"] == 2106
    assert {f.name for f in second.version.files} == {"hmt_conlist_2018-04-13.csv", "uk_hmt_conlist.yml"}
    again = services.load_list(store, "uk", raw_dir / UK_2018)
    assert again.unchanged
    info = next(i for i in store.lists() if i.name == "uk")
    assert info.licence == "Open Government Licence v3.0"


@BACKENDS
def test_uk_diff_lists_added_and_removed_dprk_groups(store: Store, raw_dir: Path) -> None:
    services.load_list(store, "uk", raw_dir / UK_2014)
    services.load_list(store, "uk", raw_dir / UK_2018)
    diff = services.filter_diff_by_program(store, store.diff("uk"), "North Korea")
    added = {c.key: c.caption for c in diff.added}
    removed = {c.key: c.caption for c in diff.removed}
    # Counted independently from the two files: DPRK groups of 2018 absent from 2014, and the reverse
    assert len(added) == 184
    assert added["uk:13143"] == "OCEAN MARITIME MANAGEMENT COMPANY, LIMITED (OMM)"
    assert removed == {
        "uk:11027": "Chang SONG-TAEK",
        "uk:11031": "Jon PYONG-HO",
        "uk:11035": "Paek SE-BONG",
        "uk:11037": "Pyon YONG RIP",
        "uk:12440": "Pak TO-CHUN",
    }


@pytest.mark.parametrize("sdn", ["ofac/2023-12-28/sdn.csv", "ofac/2024-05-03/sdn.csv"])
def test_ofac_sdn_csv_given_to_uk_is_one_line_error(raw_dir: Path, sdn: str) -> None:
    with pytest.raises(InputError) as caught:
        get_format("uk").plan(raw_dir / sdn)
    assert caught.value.path == str(raw_dir / sdn)
    assert caught.value.reason == (
        "missing columns Name 6, Name 1, Name 2, Name 3, Name 4 and 23 more; not a UK consolidated list?"
    )


@BACKENDS
def test_bad_uk_file_leaves_the_previous_uk_version_as_it_was(
    store: Store, tmp_path: Path, raw_dir: Path
) -> None:
    services.load_list(store, "uk", raw_dir / UK_2014)
    before = (store.versions("uk"), store.snapshot("uk", 1))
    # the 2018 list cut off inside a quoted "Other Information" field
    data = (raw_dir / UK_2018).read_bytes()
    cut = tmp_path / "hmt_conlist_cut.csv"
    cut.write_bytes(data[: data.index(b'"UN REF:QE.A.146.14.') + 30])
    with pytest.raises(InputError) as caught:
        services.load_list(store, "uk", cut)
    assert caught.value.line == 5
    assert (store.versions("uk"), store.snapshot("uk", 1)) == before
