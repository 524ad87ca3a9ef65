"""The OFAC legacy CSV loader (sdn.csv + add.csv + alt.csv + sdn_comments.csv) on the real sets."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accomplice import services
from accomplice.errors import InputError
from accomplice.lists.model import EntityRecord
from accomplice.sources import Parsed, builder, get_format
from accomplice.sources.builder import _clean_value
from accomplice.sources.ofac_remarks import (
    DATE_LABELS,
    ID_LABELS,
    TEXT_LABELS,
    Clause,
    is_imo_number,
    parse_dates,
    parse_remarks,
    phone_forms,
    split_clauses,
)
from accomplice.store import Store
from tests.helpers import BACKENDS

OFAC_2023 = "ofac/2023-12-28"
OFAC_2024_SDN = "ofac/2024-05-03/sdn.csv"
OFAC_PARTIAL = "ofac/2025-12-partial"
OFAC_CONS = "ofac/consolidated_non_sdn_2025-12"
UN_FILE = "un/un_consolidated_2026-02-27.xml"
SET_FILES = ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv")


def _parse(path: Path) -> Parsed:
    fmt = get_format("ofac")
    return fmt.parse(fmt.plan(path))


def _values(record: EntityRecord, prop: str, component: str | None = None) -> list[str]:
    return [v.value for v in record.values if v.prop == prop and component in (None, v.component)]


def _csv(path: Path) -> list[list[str]]:
    """The file's rows read independently of the loader (plain csv, cp1252, DOS end-of-file dropped)."""
    text = path.read_bytes().decode("cp1252").rstrip().rstrip("\x1a")
    return list(csv.reader(io.StringIO(text, newline="")))


def _lines(path: Path) -> list[bytes]:
    """The file's lines as bytes, with their line ends, without the final 0x1A."""
    return path.read_bytes().rstrip(b"\x1a").splitlines(keepends=True)


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"the real OFAC data is missing at {path}")
    return path


@pytest.fixture(scope="module")
def set_2023(raw_dir: Path) -> Path:
    path = _require(raw_dir / OFAC_2023)
    for name in SET_FILES:
        _require(path / name)
    return path


@pytest.fixture(scope="module")
def parsed_2023(set_2023: Path) -> Parsed:
    return _parse(set_2023)


@pytest.fixture(scope="module")
def records(parsed_2023: Parsed) -> dict[str, EntityRecord]:
    return {r.key: r for r in parsed_2023.records}


def _copy_set(source: Path, target: Path, names: tuple[str, ...] = SET_FILES) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(source / name, target / name)
    return target


# -- the 2023-12-28 set -------------------------------------------------------------------------------


def test_2023_set_gives_every_entry_by_schema_and_links(
    parsed_2023: Parsed, set_2023: Path, records: dict[str, EntityRecord]
) -> None:
    counts = Counter(r.schema for r in parsed_2023.records)
    assert counts == {
        "Person": 6646,
        "Organization": 6033,
        "Vessel": 764,
        "Airplane": 378,
        "UnknownLink": 5956,
    }
    rows = _csv(set_2023 / "sdn.csv")
    assert len(rows) == 13821
    types = Counter(row[2].strip() for row in rows)
    assert types == {"individual": 6646, "-0-": 6033, "vessel": 764, "aircraft": 378}
    assert {f"ofac:{row[0]}" for row in rows} == {k for k, r in records.items() if r.schema != "UnknownLink"}


def test_trailing_dos_eof_byte_and_null_markers_leave_no_trace(
    set_2023: Path, records: dict[str, EntityRecord]
) -> None:
    raw = (set_2023 / "sdn.csv").read_bytes()
    assert raw.endswith(b'."\r\n\x1a')  # the premise: the file does end with the DOS byte
    last = _csv(set_2023 / "sdn.csv")[-1]
    final = records[f"ofac:{last[0]}"]
    assert _values(final, "notes")[0].endswith("FOR EXCHANGE AND REMITTANCE.")
    for record in records.values():
        for value in record.values:
            assert "\x1a" not in value.value, record.key
            assert value.value.strip() != "-0-", (record.key, value.prop)
    # 11581 has no title, call sign, vessel columns or owner: "-0- " each
    assert {v.prop for v in records["ofac:11581"].values} == {
        "name",
        "programId",
        "alias",
        "address",
        "country",
        "notes",
    }


def test_2023_set_has_no_repeated_entry_and_no_orphans_but_the_three_old_remarks(
    parsed_2023: Parsed,
) -> None:
    # The data README's "17069 duplicate" is not in these files: every ent_num of sdn.csv is unique (the
    # repetition handling is tested on an edited copy below). Only sdn_comments.csv, a few days older,
    # names three entries that sdn.csv no longer holds.
    assert not [w for w in parsed_2023.warnings if "repeated" in w]
    orphans = [w for w in parsed_2023.warnings if "absent from the primary file" in w]
    assert orphans == [
        "sdn_comments.csv: 3 remark rows of 3 entries absent from the primary file, skipped: "
        "12300 (line 1), 15599 (line 2), 15600 (line 3)"
    ]


def test_repeated_entry_17069_is_reported_and_first_row_kept(set_2023: Path, tmp_path: Path) -> None:
    folder = _copy_set(set_2023, tmp_path / "ofac")
    lines = _lines(set_2023 / "sdn.csv")
    (index,) = [i for i, line in enumerate(lines) if line.startswith(b"17069,")]
    changed = lines[index].replace(b'"General Cargo"', b'"Bulk Carrier"')
    assert changed != lines[index]
    (folder / "sdn.csv").write_bytes(b"".join([*lines, lines[index], changed]) + b"\x1a")
    parsed = _parse(folder)
    vessel = next(r for r in parsed.records if r.key == "ofac:17069")
    assert _values(vessel, "type") == ["General Cargo"]
    assert sum(r.key == "ofac:17069" for r in parsed.records) == 1
    first, again, other = index + 1, len(lines) + 1, len(lines) + 2
    assert (
        f"sdn.csv: 2 entry numbers repeated, first row kept: 17069 at line {again} (verbatim; first at "
        f"line {first}), 17069 at line {other} (with other values; first at line {first})"
    ) in parsed.warnings


def test_dprk_bank_kwangson_has_alias_address_country_and_program(records: dict[str, EntityRecord]) -> None:
    kkbc = records["ofac:11581"]
    assert kkbc.schema == "Organization"
    assert kkbc.caption == "KOREA KWANGSON BANKING CORP"
    assert _values(kkbc, "alias", "aliases") == ["KKBC"]
    assert _values(kkbc, "address", "addresses") == [
        "Jungson-dong, Sungri Street, Central District, Pyongyang, Korea, North"
    ]
    assert _values(kkbc, "country", "addresses") == ["kp"]
    assert _values(kkbc, "programId", "main") == ["NPWMD"]
    country = next(v for v in kkbc.values if v.prop == "country")
    assert country.original_value == "Korea, North"


def test_dprk_bank_daesong_has_swift_phone_and_email_from_remarks(records: dict[str, EntityRecord]) -> None:
    daesong = records["ofac:12312"]
    assert _values(daesong, "swiftBic") == ["KDBKKPPY"]  # "SWIFT/BIC KDBKKPPY"
    assert _values(daesong, "phone") == ["+85023818221"]  # "PHONE 850 2 381 8221"
    assert _values(daesong, "email") == ["kdb@co.chesin.com"]  # "EMAIL kdb@co.chesin.com."
    assert _values(daesong, "alias", "aliases") == ["TAESONG BANK", "CHOSON TAESONG UNHAENG"]
    assert _values(daesong, "programId") == ["DPRK"]
    # "850 2 18111 ext. 8221" is a switchboard extension FtM cannot store; it stays in the notes.
    assert "PHONE 850 2 18111 ext. 8221" in _values(daesong, "notes")[0]


def test_dprk_person_ri_song_un_has_identity_parsed_from_remarks(
    records: dict[str, EntityRecord], set_2023: Path
) -> None:
    row = next(r for r in _csv(set_2023 / "sdn.csv") if r[0] == "24997")
    assert row[11].startswith(
        "DOB 16 Dec 1955; POB N. Hwanghae, North Korea; nationality Korea, North; Gender Male;"
    )
    assert "Passport 836110063 (Korea, North) issued 04 Feb 2016 expires 04 Feb 2021" in row[11]
    ri = records["ofac:24997"]
    assert ri.schema == "Person"
    assert (_values(ri, "lastName"), _values(ri, "firstName")) == (["RI"], ["Song Un"])
    assert _values(ri, "birthDate") == ["1955-12-16"]
    assert _values(ri, "birthPlace") == ["N. Hwanghae, North Korea"]
    assert _values(ri, "nationality") == ["kp"]
    assert _values(ri, "gender") == ["male"]
    assert _values(ri, "passportNumber") == ["836110063"]
    assert _values(ri, "programId") == ["DPRK2"]
    assert _values(ri, "position") == ["Economic and Commercial Counsellor at DPRK Embassy in Mongolia"]


def test_vessels_take_imo_flag_and_the_vessel_columns(records: dict[str, EntityRecord]) -> None:
    chong = records["ofac:17069"]  # DPRK general cargo ship, columns: type and flag only
    assert chong.schema == "Vessel"
    assert _values(chong, "type") == ["General Cargo"]
    assert _values(chong, "flag") == ["kp"]  # "Democratic People's Republic of Korea"
    assert _values(chong, "imoNumber") == ["IMO7937317"]  # "Vessel Registration Identification IMO 7937317"
    assert _values(chong, "programId") == ["DPRK"]
    hua_fu = records["ofac:23764"]  # DPRK4 vessel with the tonnage column
    assert _values(hua_fu, "tonnage") == ["10,030"]
    assert _values(hua_fu, "flag") == ["pa"]
    artavil = records["ofac:15036"]  # every vessel column filled
    assert _values(artavil, "callSign") == ["T2EU4"]
    assert _values(artavil, "type") == ["Crude/Oil Products Tanker"]
    assert _values(artavil, "tonnage") == ["99,144"]
    assert _values(artavil, "grossRegisteredTonnage") == ["56,068"]
    assert _values(artavil, "flag") == ["ir"]
    assert _values(artavil, "pastFlags") == ["mt", "tv", "tz"]
    assert _values(artavil, "mmsi") == ["572469210"]
    assert _values(artavil, "previousName", "aliases") == ["ABADAN", "SHONA"]


def test_company_imo_number_and_vessel_imo_without_prefix_are_imo_numbers(
    records: dict[str, EntityRecord], set_2023: Path
) -> None:
    # "Company Number IMO 5434358" is a DPRK shipping company's IMO number; one is misprinted with six
    # digits and is kept as written, as a registration number.
    companies = re.findall(
        r"^(\d+),.*Company Number IMO (\d+)", (set_2023 / "sdn.csv").read_text(), re.MULTILINE
    )
    assert len(companies) == 35
    for ent_num, number in companies:
        company = records[f"ofac:{ent_num}"]
        if len(number) == 7:
            assert _values(company, "imoNumber") == [f"IMO{number}"], ent_num
        else:
            assert _values(company, "registrationNumber") == [f"IMO {number}"], ent_num
    assert _values(records["ofac:23513"], "registrationNumber") == ["IMO 543400"]  # HWASONG SHIPPING CO LTD
    # A vessel written without "IMO": seven digits with a valid IMO check digit.
    assert is_imo_number("8606173")
    plain = [r for r in records.values() if "Vessel Registration Identification 8606173" in str(r.values)]
    assert [_values(r, "imoNumber") for r in plain] == [["IMO8606173"]]


def test_aircraft_operator_resolves_to_the_listed_dprk_airline(records: dict[str, EntityRecord]) -> None:
    plane = records["ofac:20540"]  # P-532, "Aircraft Operator Air Koryo"
    assert plane.schema == "Airplane"
    assert _values(plane, "operator") == ["ofac:20520"]
    assert records["ofac:20520"].caption == "AIR KORYO"
    assert _values(plane, "model") == ["AN24-RV"]
    assert _values(plane, "buildDate") == ["1974"]


def test_vessel_owner_column_resolves_through_an_alias(records: dict[str, EntityRecord]) -> None:
    # Vess_owner "NITC" is alt.csv's alias of 15117 NATIONAL IRANIAN TANKER COMPANY
    assert _values(records["ofac:15904"], "owner") == ["ofac:15117"]
    assert _values(records["ofac:4238"], "notes")[-1] == "Vessel owner: Samir de Navegacion S.A."


def test_remarks_continued_in_comments_file_join_mid_word(
    records: dict[str, EntityRecord], set_2023: Path
) -> None:
    sdn = {r[0]: r for r in _csv(set_2023 / "sdn.csv")}
    comments = {r[0]: r[1] for r in _csv(set_2023 / "sdn_comments.csv")}
    # The premise, from the files: sdn.csv cuts LAZARUS GROUP's remark at 1,000 characters inside an alias.
    assert len(sdn["27307"][11]) == 1000
    assert sdn["27307"][11].endswith("a.k.a. 'WHOIS HACKIN")
    assert comments["27307"].startswith("G TEAM'; a.k.a. 'RED DOT'")
    lazarus = records["ofac:27307"]
    assert "WHOIS HACKING TEAM" in _values(lazarus, "alias")
    assert "GROUP 77" in _values(lazarus, "alias")  # only in the comments file
    notes = _values(lazarus, "notes")[0]
    assert notes == (sdn["27307"][11] + comments["27307"]).strip()
    # LI Jiadong: "...; P" + "hone Number 8613314257947; ..."
    assert sdn["28264"][11].endswith("; P")
    assert "+8613314257947" in _values(records["ofac:28264"], "phone")
    # TIAN Yinyin: the alias "snowsjohn" and her link to LAZARUS GROUP are in the continuation
    assert "snowsjohn" in _values(records["ofac:28263"], "alias")
    assert records["ofac:28263-linked-27307"].schema == "UnknownLink"


def test_linked_to_gives_relations_between_the_two_ofac_keys(
    records: dict[str, EntityRecord], set_2023: Path
) -> None:
    row = next(r for r in _csv(set_2023 / "sdn.csv") if r[0] == "22702")
    assert "Linked To: MANSUDAE OVERSEAS PROJECT GROUP OF COMPANIES" in row[11]
    link = records["ofac:22702-linked-20578"]  # KIM, Tong-chol -> MANSUDAE OVERSEAS PROJECT GROUP
    assert link.schema == "UnknownLink"
    assert _values(link, "subject") == ["ofac:22702"]
    assert _values(link, "object") == ["ofac:20578"]
    assert _values(link, "role") == ["Linked To"]
    assert records["ofac:20578"].caption == "MANSUDAE OVERSEAS PROJECT GROUP OF COMPANIES"
    # Every relation keeps both ends: a refused end would leave a relation pointing nowhere.
    links = [r for r in records.values() if r.schema == "UnknownLink"]
    for relation in links:
        subject, target = _values(relation, "subject"), _values(relation, "object")
        assert len(subject) == 1, relation.key
        assert len(target) == 1, relation.key
        assert subject[0] in records, relation.key
        assert target[0] in records, relation.key
        assert relation.key == f"{subject[0]}-linked-{target[0].removeprefix('ofac:')}"


def test_linked_to_a_shared_name_prefers_the_entry_of_the_same_program(
    records: dict[str, EntityRecord], parsed_2023: Parsed, set_2023: Path
) -> None:
    # Two entries are called MINISTRY OF STATE SECURITY: 20129 (DPRK3) and 25437 (CAATSA - RUSSIA).
    # KANG Song Nam (DPRK3) is linked to the DPRK one; BASOV (SSIDES) shares a program with neither.
    assert _values(records["ofac:20130-linked-20129"], "object") == ["ofac:20129"]
    assert not [k for k in records if k.startswith("ofac:25436-linked-")]
    ambiguous = [w for w in parsed_2023.warnings if "match several entries" in w]
    assert len(ambiguous) == 1
    assert "MINISTRY OF STATE SECURITY (ofac:20129 or ofac:25437)" in ambiguous[0]
    # A primary name beats another entry's alias: the 130 entries "Linked To: NATIONAL IRANIAN TANKER
    # COMPANY" are linked to 15117 of that name, not to its representative office 15119 that carries the
    # name as an alias.
    text = (set_2023 / "sdn.csv").read_text()
    assert text.count("Linked To: NATIONAL IRANIAN TANKER COMPANY") == 130
    assert not [k for k in records if k.endswith("-linked-15119")]
    assert len([k for k in records if k.endswith("-linked-15117")]) == 130


def test_person_name_is_split_at_the_comma(records: dict[str, EntityRecord]) -> None:
    kim = records["ofac:22702"]
    assert (_values(kim, "lastName"), _values(kim, "firstName")) == (["KIM"], ["Tong-chol"])
    assert _values(kim, "birthDate") == ["1968-08-07"]
    assert _values(kim, "passportNumber") == ["472336944"]


# -- alias types, the partial 2025-12 set, the consolidated list ----------------------------------------


def test_dotted_and_plain_alias_types_give_the_same_aliases(set_2023: Path, tmp_path: Path) -> None:
    # Every real alt.csv writes aka/fka/nka; OFAC's documentation (and older files) write a.k.a./f.k.a./n.k.a.
    rows = _csv(set_2023 / "alt.csv")
    assert Counter(r[2] for r in rows) == {"aka": 16507, "fka": 567, "nka": 17}
    folder = _copy_set(set_2023, tmp_path / "dotted")
    dotted = {b'"aka"': b'"a.k.a."', b'"fka"': b'"f.k.a."', b'"nka"': b'"n.k.a."'}
    data = (set_2023 / "alt.csv").read_bytes()
    for plain, with_dots in dotted.items():
        data = data.replace(b"," + plain + b",", b"," + with_dots + b",")
    assert data.count(b'"a.k.a."') == 16507
    (folder / "alt.csv").write_bytes(data)
    plain_parse = {r.key: r.values for r in _parse(set_2023).records}
    dotted_parse = {r.key: r.values for r in _parse(folder).records}
    assert dotted_parse == plain_parse


@pytest.fixture(scope="module")
def partial_set(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2024-05-03 sdn.csv with the add/alt/comments of about 2025-12 (their own sdn.csv is lost)."""
    partial = _require(raw_dir / OFAC_PARTIAL)
    folder = tmp_path_factory.mktemp("partial") / "ofac"
    folder.mkdir(parents=True)
    shutil.copyfile(_require(raw_dir / OFAC_2024_SDN), folder / "sdn.csv")
    for name in ("add.csv", "alt.csv", "sdn_comments.csv"):
        shutil.copyfile(_require(partial / name), folder / name)
    return folder


def test_partial_2025_files_attach_to_the_2024_entries_and_report_orphans(partial_set: Path) -> None:
    parsed = _parse(partial_set)
    records = {r.key: r for r in parsed.records}
    assert "BORDER TRADE SETTLEMENT BANK" in _values(records["ofac:11581"], "alias", "aliases")
    jon = records["ofac:48262"]  # DPRK2, listed after 2023-12-28
    assert _values(jon, "alias", "aliases") == ["CHO'N, Yo'n Ku'n"]
    assert _values(jon, "country", "addresses") == ["la"]
    known = {r[0] for r in _csv(partial_set / "sdn.csv")}
    for name, what in (("alt.csv", "alias"), ("add.csv", "address"), ("sdn_comments.csv", "remark")):
        orphans = [r[0] for r in _csv(partial_set / name) if r[0] not in known]
        assert orphans
        (warning,) = [w for w in parsed.warnings if w.startswith(f"{name}: ")]
        assert warning.startswith(
            f"{name}: {len(orphans)} {what} rows of {len(set(orphans))} entries absent from the primary file"
        )
    assert any(w.startswith("alt.csv: 2460 alias rows of 1567 entries") for w in parsed.warnings)
    # 22985's continuation belongs to a longer remark than the 2024 one: kept apart, and said so
    (misfit,) = [w for w in parsed.warnings if "remark continuations" in w]
    assert misfit.startswith("5 remark continuations follow a remark shorter than 1,000 characters")
    notes = _values(records["ofac:22985"], "notes")[0]
    assert "'KYONGYONG CREDIT BANK'.; 4X3191Z8; alt. Digital Currency Address" in notes


@BACKENDS
def test_partial_set_loads_as_a_version_with_orphans_in_its_warnings(store: Store, partial_set: Path) -> None:
    report = services.load_list(store, "ofac", partial_set, data_date="2025-12")
    assert report.version.seq == 1
    assert any("absent from the primary file" in w for w in report.version.warnings)
    detail = services.entity_detail(store, "ofac:48262")
    assert detail.values("alias") == ["CHO'N, Yo'n Ku'n"]


# -- a version without its comments file --------------------------------------------------------------

# The DPRK entries whose 2024-05-03 remark sdn.csv cuts at 1,000 characters, the rest being in a comments
# file that set lacks; read alone, they would lose aliases, passports and incorporation dates OFAC kept.
CUT_DPRK_ENTRIES = {
    "ofac:27307": "LAZARUS GROUP",
    "ofac:45430": "KIMSUKY",
    "ofac:39796": "TORNADO CASH",
    "ofac:28263": "TIAN, Yinyin",
    "ofac:28264": "LI, Jiadong",
    "ofac:42496": "WU, Huihui",
    "ofac:44718": "SEMENOV, Roman",
}
CARRIED_2024 = (
    "sdn_comments.csv absent: carried from the previous version the continuations of 17 of the 18 remarks "
    "cut at 1,000 characters; 1 stay cut (new entries, or remarks that changed): ofac:47682"
)


@pytest.fixture(scope="module")
def both_versions(web_store_url: str) -> Iterator[Store]:
    """The store holding 2023-12-28 then 2024-05-03 (sdn.csv alone), loaded through services.load_list."""
    from accomplice.store import open_store

    opened = open_store(web_store_url)
    yield opened
    opened.close()


def test_the_seven_dprk_remarks_are_cut_in_the_2024_sdn_csv(raw_dir: Path) -> None:
    rows = {f"ofac:{r[0]}": r for r in _csv(raw_dir / OFAC_2024_SDN)}
    for key, name in CUT_DPRK_ENTRIES.items():
        assert rows[key][1] == name
        assert len(rows[key][11]) == 1000, key
    assert not (raw_dir / "ofac/2024-05-03/sdn_comments.csv").exists()


def test_diff_of_a_version_without_comments_file_shows_no_cut_remark_losing_values(
    both_versions: Store,
) -> None:
    diff = services.diff_list(both_versions, "ofac", "2023-12-28", "2024-05-03")
    changed = {c.key: c for c in services.filter_diff_by_program(both_versions, diff, "DPRK").changed}
    for key in CUT_DPRK_ENTRIES:
        assert key not in changed, [(p.prop, p.removed) for p in changed[key].changes]
    # The values read from the carried continuation are current in the 2024-05-03 version.
    lazarus = services.entity_detail(both_versions, "ofac:27307")
    assert {"WHOIS HACKING TEAM", "APT-C-26", "ZINC"} <= set(lazarus.values("alias"))
    assert "2019" in services.entity_detail(both_versions, "ofac:39796").values("incorporationDate")
    assert "210302198701102136" in services.entity_detail(both_versions, "ofac:28264").values("idNumber")


def test_version_without_comments_file_says_its_remarks_were_carried(both_versions: Store) -> None:
    first, second = both_versions.versions("ofac")
    assert "remarks" in first.components
    assert "remarks" not in second.components
    assert CARRIED_2024 in second.warnings
    diff = services.diff_list(both_versions, "ofac", "2023-12-28", "2024-05-03")
    assert diff.carried_components == ("addresses", "aliases", "remarks")


def test_lone_sdn_csv_without_an_earlier_version_says_its_remarks_stay_cut(raw_dir: Path) -> None:
    parsed = _parse(raw_dir / OFAC_2024_SDN)
    (carry,) = [w for w in parsed.warnings if w.startswith("sdn_comments.csv absent")]
    assert carry.startswith(
        "sdn_comments.csv absent: carried from the previous version the continuations of 0 of the 18 "
        "remarks cut at 1,000 characters; 18 stay cut (no previous version holds them): "
    )


def test_consolidated_set_is_list_ofac_cons_with_ofac_keys(raw_dir: Path) -> None:
    folder = _require(raw_dir / OFAC_CONS)
    fmt = get_format("ofac")
    plan = fmt.plan(folder)
    assert plan.spec.name == "ofac_cons"
    assert {f.name for f in plan.files} == {
        "cons_prim.csv",
        "cons_add.csv",
        "cons_alt.csv",
        "cons_comments.csv",
    }
    parsed = fmt.parse(plan)
    assert Counter(r.schema for r in parsed.records) == {
        "Organization": 363,
        "Person": 79,
        "UnknownLink": 282,
    }
    assert all(r.key.startswith("ofac:") for r in parsed.records)
    prim = {f"ofac:{r[0]}" for r in _csv(folder / "cons_prim.csv")}
    assert prim == {r.key for r in parsed.records if r.schema != "UnknownLink"}


def test_consolidated_and_sdn_lists_share_sixty_entry_numbers_for_the_same_entities(
    raw_dir: Path, set_2023: Path
) -> None:
    cons = {r[0]: r[1] for r in _csv(raw_dir / OFAC_CONS / "cons_prim.csv")}
    sdn = {r[0]: r[1] for r in _csv(set_2023 / "sdn.csv")}
    shared = set(cons) & set(sdn)
    assert len(shared) == 60
    # OFAC numbers entries across all its lists: a shared number is the same entity on both lists.
    assert all(cons[n] == sdn[n] for n in shared)
    assert cons["17018"] == "PUBLIC JOINT STOCK COMPANY SBERBANK OF RUSSIA"


@BACKENDS
def test_entity_on_both_ofac_lists_is_one_entity_with_each_lists_provenance(
    store: Store, raw_dir: Path, set_2023: Path
) -> None:
    services.load_list(store, "ofac", set_2023, data_date="2023-12-28")
    before = store.snapshot("ofac", 1)
    services.load_list(store, "ofac", raw_dir / OFAC_CONS, data_date="2025-12")
    assert store.snapshot("ofac", 1) == before  # loading the other list changes nothing of this one
    sberbank = services.entity_detail(store, "ofac:17018")
    assert sberbank.entity.lists == ("ofac", "ofac_cons")
    programs = {(s.list_name, s.value) for s in sberbank.statements if s.prop == "programId"}
    assert ("ofac", "RUSSIA-EO14024") in programs
    assert {list_name for list_name, _ in programs} == {"ofac", "ofac_cons"}
    assert {s.first_seen for s in sberbank.statements if s.list_name == "ofac_cons"} == {"2025-12"}


# -- encodings ------------------------------------------------------------------------------------------


def test_real_ofac_files_are_plain_ascii(raw_dir: Path) -> None:
    # The premise of the next test: OFAC writes names without accents, so the real files cannot show
    # the decoding of latin-1 or cp1252 bytes; edited copies of real rows do.
    files = sorted((raw_dir / "ofac").glob("*/*.csv"))
    assert len(files) == 12
    for path in files:
        assert max(path.read_bytes().rstrip(b"\x1a")) < 0x80, path


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_accented_names_decode_from_cp1252_and_utf8(set_2023: Path, tmp_path: Path, encoding: str) -> None:
    lines = _lines(set_2023 / "sdn.csv")
    rows = [line for line in lines if line.startswith((b"24998,", b"24999,", b"25000,"))]
    text = b"".join(rows).decode("ascii")
    text = text.replace('"SAHIN, Huseyin"', '"SAHIN, Hüseyin"').replace('"CULHA, Erhan"', '"ÇULHA, Erhan"')
    alt = [line for line in _lines(set_2023 / "alt.csv") if line.startswith(b"25000,39444,")]
    alias = alt[0].decode("ascii").replace("IEROBEZOTU ATBILDIBU 'FALON", "IEROBEŽOTU ATBILDIBU ‘FALON")
    alias = alias.replace("INTERNATIONAL'\"", 'INTERNATIONAL’"')
    folder = tmp_path / "ofac"
    folder.mkdir(parents=True)
    (folder / "sdn.csv").write_bytes(text.encode(encoding) + b"\x1a")
    (folder / "alt.csv").write_bytes(alias.encode(encoding) + b"\x1a")
    if encoding == "cp1252":
        assert b"\x8e" in (folder / "alt.csv").read_bytes()  # Ž exists in cp1252, not in latin-1
    records = {r.key: r for r in _parse(folder).records}
    assert records["ofac:24998"].caption == "SAHIN, Hüseyin"
    assert _values(records["ofac:24998"], "firstName") == ["Hüseyin"]
    assert _values(records["ofac:24999"], "lastName") == ["ÇULHA"]
    assert _values(records["ofac:25000"], "alias") == [
        "SABIEDRIBA AR IEROBEŽOTU ATBILDIBU ‘FALON INTERNATIONAL’"
    ]
    assert _values(records["ofac:24999-linked-25000"], "object") == ["ofac:25000"]


# -- bad input ------------------------------------------------------------------------------------------

# Each maker copies the real 2023-12-28 set into a folder, breaks one file, and returns the path to load,
# the file named in the error, the line, and words the message must hold.
Broken = tuple[Path, Path, int | None, str]


def _broken_sdn(edit: Callable[[list[bytes]], tuple[list[bytes], int]]) -> Callable[[Path, Path], Broken]:
    def make(real: Path, tmp: Path) -> Broken:
        folder = _copy_set(real, tmp / "ofac")
        lines, line = edit(_lines(real / "sdn.csv"))
        (folder / "sdn.csv").write_bytes(b"".join(lines) + b"\x1a")
        return folder, folder / "sdn.csv", line, ""

    return make


def _index(lines: list[bytes], prefix: bytes) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


def _too_few_columns(lines: list[bytes]) -> tuple[list[bytes], int]:
    i = _index(lines, b"12312,")
    lines[i] = b'12312,"KOREA DAESONG BANK",-0- ,"DPRK"\r\n'
    return lines, i + 1


def _too_many_columns(lines: list[bytes]) -> tuple[list[bytes], int]:
    i = _index(lines, b"11581,")
    lines[i] = lines[i].replace(b'"KOREA KWANGSON BANKING CORP"', b"KOREA KWANGSON, BANKING CORP")
    return lines, i + 1


def _non_numeric_ent_num(lines: list[bytes]) -> tuple[list[bytes], int]:
    i = _index(lines, b"11581,")
    lines[i] = b"11581A," + lines[i][len(b"11581,") :]
    return lines, i + 1


def _nul_byte(lines: list[bytes]) -> tuple[list[bytes], int]:
    i = _index(lines, b"24997,")
    lines[i] = lines[i].replace(b"Hwanghae", b"Hwang\x00hae")
    return lines, i + 1


def _unbalanced_quote(lines: list[bytes]) -> tuple[list[bytes], int]:
    i = _index(lines, b"12312,")
    lines[i] = lines[i].replace(b'"KOREA DAESONG BANK"', b'"KOREA DAESONG BANK')
    return lines, i + 1


def _unclosed_last_quote(lines: list[bytes]) -> tuple[list[bytes], int]:
    # A quote opened on the last line runs to the end of the file; the error names where it opened.
    lines[-1] = lines[-1].replace(b'."\r\n', b".\r\n")
    return lines, len(lines)


def _un_xml_renamed(real: Path, tmp: Path) -> Broken:
    un = _require(real.parents[1] / UN_FILE)
    folder = tmp / "ofac"
    folder.mkdir(parents=True)
    shutil.copyfile(un, folder / "sdn.csv")
    return folder / "sdn.csv", folder / "sdn.csv", 1, ""


def _empty_sdn(real: Path, tmp: Path) -> Broken:
    folder = _copy_set(real, tmp / "ofac", ("add.csv", "alt.csv"))
    (folder / "sdn.csv").write_bytes(b"")
    return folder, folder / "sdn.csv", None, ""


def _only_dos_eof(real: Path, tmp: Path) -> Broken:
    folder = tmp / "ofac"
    folder.mkdir(parents=True)
    (folder / "sdn.csv").write_bytes(b"\r\n\x1a")
    return folder, folder / "sdn.csv", None, ""


def _folder_without_primary(real: Path, tmp: Path) -> Broken:
    # The real 2025-12-partial folder: add/alt/comments whose sdn.csv is lost.
    partial = _require(real.parents[1] / OFAC_PARTIAL)
    return partial, partial, None, ""


def _broken_alt(real: Path, tmp: Path) -> Broken:
    folder = _copy_set(real, tmp / "ofac")
    lines = _lines(real / "alt.csv")
    i = _index(lines, b"11581,12247,")
    lines[i] = b'11581,12247,"aka"\r\n'
    (folder / "alt.csv").write_bytes(b"".join(lines) + b"\x1a")
    return folder, folder / "alt.csv", i + 1, ""


BAD_INPUTS: dict[str, tuple[Callable[[Path, Path], Broken], str]] = {
    "too_few_columns": (_broken_sdn(_too_few_columns), "expected 12 columns, found 4"),
    "too_many_columns": (_broken_sdn(_too_many_columns), "expected 12 columns, found 13"),
    "non_numeric_ent_num": (_broken_sdn(_non_numeric_ent_num), "entry number '11581A' is not a number"),
    "nul_byte": (_broken_sdn(_nul_byte), "contains NUL bytes"),
    "unbalanced_quote": (_broken_sdn(_unbalanced_quote), "malformed CSV in the row starting here"),
    "unclosed_quote_at_end": (_broken_sdn(_unclosed_last_quote), "unexpected end of data"),
    "un_xml_renamed_sdn_csv": (_un_xml_renamed, "is XML, not an OFAC legacy CSV file"),
    "empty_sdn_csv": (_empty_sdn, "file is empty"),
    "only_dos_eof_byte": (_only_dos_eof, "holds no OFAC rows"),
    "folder_without_primary_file": (_folder_without_primary, "holds neither sdn.csv nor cons_prim.csv"),
    "alias_row_with_three_columns": (_broken_alt, "expected 5 columns, found 3"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_error_naming_file_and_line(
    case: str, set_2023: Path, tmp_path: Path
) -> None:
    make, words = BAD_INPUTS[case]
    target, named, line, _ = make(set_2023, tmp_path)
    with pytest.raises(InputError) as caught:
        _parse(target)
    error = caught.value
    message = str(error)
    assert error.path == str(named)
    assert error.line == line
    assert message.startswith(f"{named}:{line}: " if line else f"{named}: ")
    assert words in message
    assert "\n" not in message


@BACKENDS
def test_refused_files_leave_the_stored_ofac_version_exactly_as_it_was(
    store: Store, set_2023: Path, tmp_path: Path
) -> None:
    services.load_list(store, "ofac", set_2023, data_date="2023-12-28")
    before = store.snapshot("ofac", 1)
    for case in sorted(BAD_INPUTS):
        make, _ = BAD_INPUTS[case]
        target, _, _, _ = make(set_2023, tmp_path / case)
        with pytest.raises(InputError):
            services.load_list(store, "ofac", target)
        assert [v.seq for v in store.versions("ofac")] == [1], case
        assert store.snapshot("ofac", 1) == before, case


def test_parse_pauses_garbage_collection_and_restores_it(set_2023: Path, tmp_path: Path) -> None:
    assert gc.isenabled()
    _parse(_require(set_2023))
    assert gc.isenabled()
    make, _ = BAD_INPUTS["too_few_columns"]
    with pytest.raises(InputError):
        _parse(make(set_2023, tmp_path)[0])
    assert gc.isenabled()


def test_cached_cleaning_gives_what_followthemoney_gives(
    set_2023: Path, parsed_2023: Parsed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same parse with every value cleaned by FtM itself (the cache's wrapped function) gives the same
    # records: the cache changes the speed, not one value.
    assert _clean_value.cache_info().hits > 50_000  # countries, programs, dates repeat
    monkeypatch.setattr(builder, "_clean_value", _clean_value.__wrapped__)
    uncached = _parse(set_2023)
    assert [(r.key, r.schema, r.caption, r.values) for r in uncached.records] == [
        (r.key, r.schema, r.caption, r.values) for r in parsed_2023.records
    ]
    assert uncached.warnings == parsed_2023.warnings


# -- the remark parser ------------------------------------------------------------------------------------


def test_split_clauses_keeps_parentheses_whole_and_reads_apostrophes_as_text() -> None:
    # 11313's remark holds a parenthesis with ';' inside; 11170's POB is an Arabic name with an apostrophe.
    remark = (
        "DOB 1960; (Following data derived from an Eritrean passport: Alt. DOB: 10 October 1969; "
        "nationality: Eritrean); POB al 'Amarah, Iraq; alt. POB Baghdad, Iraq; a.k.a. 'ABU-MUHAMMAD'; "
        "a.k.a. 'K.A.S.'; Linked To: DANDONG ZHICHENG METALLIC MATERIAL CO., LTD."
    )
    assert split_clauses(remark) == [
        "DOB 1960",
        "(Following data derived from an Eritrean passport: Alt. DOB: 10 October 1969; "
        "nationality: Eritrean)",
        "POB al 'Amarah, Iraq",
        "alt. POB Baghdad, Iraq",
        "a.k.a. 'ABU-MUHAMMAD'",
        "a.k.a. 'K.A.S.'",
        "Linked To: DANDONG ZHICHENG METALLIC MATERIAL CO., LTD",
    ]
    assert split_clauses("Website www.x.com; Commander of the Faithful ('Amir al-Munineen').") == [
        "Website www.x.com",
        "Commander of the Faithful ('Amir al-Munineen')",
    ]
    # A parenthesis never closed (a remark cut short) does not swallow the clauses after it.
    assert split_clauses("Passport 12 (Korea, North; Gender Male") == [
        "Passport 12 (Korea, North",
        "Gender Male",
    ]
    assert split_clauses("-0- ") == []
    assert split_clauses("Registered by Co.") == ["Registered by Co."]  # an abbreviation keeps its stop


def test_apostrophe_in_a_place_name_does_not_hide_later_clauses(records: dict[str, EntityRecord]) -> None:
    # 11170: "POB al 'Amarah, Iraq; alt. POB al Kalamiy, Iraq; alt. POB Baghdad, Iraq; nationality Iraq;
    # a.k.a. 'ABU-MUHAMMAD'" once read as one clause from the first apostrophe to the alias's closing one.
    person = records["ofac:11170"]
    assert _values(person, "birthPlace") == ["al 'Amarah, Iraq", "al Kalamiy, Iraq", "Baghdad, Iraq"]
    assert _values(person, "nationality") == ["iq"]
    assert "ABU-MUHAMMAD" in _values(person, "alias")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18 Jun 1964", ["1964-06-18"]),
        ("circa 1947", ["1947"]),
        ("1960 to 1962", ["1960", "1961", "1962"]),
        ("Jan 1960", ["1960-01"]),
        ("circa 07 Jul 1966", ["1966-07-07"]),
        ("01 Jan 1961 to 31 Dec 1962", ["1961", "1962"]),
        ("01 Feb 1960 to 29 Feb 1960", ["1960-02"]),
        ("26 Sep 1946 to 07 Dec 1946", ["1946"]),
        ("Mar 1962 to Feb 1963", ["1962", "1963"]),
        ("circa 1979-1982", ["1979", "1980", "1981", "1982"]),
        ("1900 to 1950", ["1900", "1950"]),  # too wide for a span: two alternatives
        ("31 Feb 1960", ["1960-02"]),  # no such day
        ("Sept 1960", ["1960-09"]),
        ("1960.", ["1960"]),
        ("19601 and later", []),
        ("unknown", []),
    ],
)
def test_parse_dates_reads_ofac_date_expressions(text: str, expected: list[str]) -> None:
    assert parse_dates(text) == expected


@pytest.mark.parametrize("label", sorted(ID_LABELS))
def test_each_identifier_label_gives_its_property_number_and_country(label: str) -> None:
    clauses = parse_remarks(
        f"Gender Male; alt. {label} AB-1234/5 (Korea, North) issued 01 Jan 2015; EMAIL x@y.kp"
    )
    assert clauses[0] == Clause("gender", "Male")
    assert clauses[1] == Clause(ID_LABELS[label], "AB-1234/5", "Korea, North")
    assert clauses[2] == Clause("email", "x@y.kp")


@pytest.mark.parametrize("label", sorted(TEXT_LABELS))
def test_each_text_label_gives_its_property(label: str) -> None:
    assert parse_remarks(f"{label} Korea, North.") == [Clause(TEXT_LABELS[label], "Korea, North")]


@pytest.mark.parametrize("label", sorted(DATE_LABELS))
def test_each_date_label_gives_its_property(label: str) -> None:
    assert parse_remarks(f"{label} circa 01 Jan 1961 to 31 Dec 1962") == [
        Clause(DATE_LABELS[label], "1961"),
        Clause(DATE_LABELS[label], "1962"),
    ]


def test_imo_numbers_are_recognised_under_every_label_that_carries_them() -> None:
    assert parse_remarks(
        "Vessel Registration Identification IMO 7937317; Company Number IMO 5434358; "
        "alt. Identification Number IMO 9187629; Vessel Registration Identification 8606173; "
        "Vessel Registration Identification 15411 (Malta); Passport 1234567"
    ) == [
        Clause("imoNumber", "IMO7937317"),
        Clause("imoNumber", "IMO5434358"),
        Clause("imoNumber", "IMO9187629"),
        Clause("imoNumber", "IMO8606173"),
        Clause("registrationNumber", "15411", "Malta"),
        Clause("passportNumber", "1234567"),
    ]
    assert not is_imo_number("8606174")


def test_alias_clauses_accept_dotted_and_plain_types() -> None:
    assert parse_remarks(
        "a.k.a. 'KKBC'; aka 'K.K.B.C.'; f.k.a. 'OLD'; fka 'OLDER'; n.k.a. 'NEW'; nka 'NEWER'."
    ) == [
        Clause("alias", "KKBC"),
        Clause("alias", "K.K.B.C."),
        Clause("previousName", "OLD"),
        Clause("previousName", "OLDER"),
        Clause("alias", "NEW"),
        Clause("alias", "NEWER"),
    ]


def test_label_needs_a_word_boundary_and_a_value() -> None:
    assert parse_remarks("Passports lost; POB; DOBBS Street; Linked To:") == []


def test_phone_forms_cover_ofac_spellings() -> None:
    assert phone_forms("850 2 381 8221") == ["850 2 381 8221", "+850 2 381 8221"]
    assert phone_forms("0097282851500")[-1] == "+97282851500"
    assert phone_forms("No. 009613679153")[-1] == "+9613679153"
    assert phone_forms("850 2 381 8208/4188")[-1] == "+850 2 381 8208"
    assert phone_forms("+31 010-4951863") == ["+31 010-4951863"]


@settings(max_examples=300, deadline=timedelta(milliseconds=500))
@given(text=st.text(alphabet=st.characters(codec="cp1252"), max_size=300))
def test_parse_remarks_never_raises_on_arbitrary_text(text: str) -> None:
    clauses = parse_remarks(text)
    for clause in clauses:
        assert clause.value
        assert clause.value.strip() == clause.value
    for part in split_clauses(text):
        assert part
        assert part == part.strip()


@settings(max_examples=200, deadline=timedelta(milliseconds=500))
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(sorted({*ID_LABELS, *TEXT_LABELS, *DATE_LABELS, "a.k.a.", "alt.", "aka"})),
            st.sampled_from(["'", "(", ")", ";", ". ", " to ", "circa", "IMO", "Jan", "31", "1960", "0000"]),
            st.text(max_size=12),
        ),
        max_size=12,
    )
)
def test_parse_remarks_never_raises_on_label_soup(parts: list[str]) -> None:
    parse_remarks(" ".join(parts))


# -- fuzzing the whole loader --------------------------------------------------------------------------

SLICE_ENTRIES = (
    b"11581", b"12312", b"17069", b"20520", b"20540", b"22702", b"20578",
    b"24997", b"27307", b"28263", b"28264", b"15036",
)  # fmt: skip


@pytest.fixture(scope="module")
def small_slice(set_2023: Path) -> dict[str, bytes]:
    """The four files cut down to a dozen real entries (DPRK banks, people, a vessel, Air Koryo, LAZARUS)."""
    files: dict[str, bytes] = {}
    for name in SET_FILES:
        keep = [line for line in _lines(set_2023 / name) if line.split(b",", 1)[0] in SLICE_ENTRIES]
        files[name] = b"".join(keep) + b"\x1a"
    return files


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_small_slice_of_real_set_parses(small_slice: dict[str, bytes], tmp_path: Path) -> None:
    parsed = _parse(_write(tmp_path / "ofac", small_slice))
    keys = {r.key for r in parsed.records}
    assert {f"ofac:{n.decode()}" for n in SLICE_ENTRIES} <= keys
    assert "ofac:22702-linked-20578" in keys
    assert "ofac:28263-linked-27307" in keys


NASTY_BYTES = st.sampled_from([*b"\",;'()\r\n\x00\x1a\xff\x80\x92-0 "])
SPREAD = 7919  # a prime: spreads Hypothesis's small numbers over the whole file
BYTE_EDIT = st.tuples(
    st.sampled_from(SET_FILES),
    st.sampled_from(["replace", "insert", "delete", "truncate"]),
    st.integers(min_value=0, max_value=2**20),
    st.one_of(NASTY_BYTES, st.integers(min_value=0, max_value=255)),
)


def _mutate(files: dict[str, bytes], edits: list[tuple[str, str, int, int]]) -> dict[str, bytes]:
    out = {name: bytearray(data) for name, data in files.items()}
    for name, op, where, byte in edits:
        data = out[name]
        pos = (where * SPREAD) % max(len(data), 1)
        if op == "replace" and data:
            data[pos] = byte
        elif op == "insert":
            data.insert(pos, byte)
        elif op == "delete" and data:
            del data[pos]
        elif op == "truncate":
            del data[pos:]
    return {name: bytes(data) for name, data in out.items()}


@pytest.fixture(scope="module")
def warm_loader(small_slice: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Pay one-off costs (FtM's country tables, phone metadata) before Hypothesis times examples."""
    folder = _write(tmp_path_factory.mktemp("warm") / "ofac", small_slice)
    assert _parse(folder).records


@settings(
    max_examples=150,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edits=st.lists(BYTE_EDIT, min_size=1, max_size=6))
def test_byte_mutated_slice_either_loads_or_gives_input_error(
    small_slice: dict[str, bytes], warm_loader: None, tmp_path: Path, edits: list[tuple[str, str, int, int]]
) -> None:
    folder = _write(tmp_path / "ofac_fuzz", _mutate(small_slice, edits))
    outcome: Parsed | InputError
    try:
        outcome = _parse(folder)
    except InputError as exc:
        outcome = exc
    if isinstance(outcome, InputError):
        event(f"refused: {' '.join(outcome.reason.split()[:3])}")
        assert Path(outcome.path).parent == folder or Path(outcome.path) == folder
        assert "\n" not in str(outcome)
    else:
        event(f"loaded {len(outcome.records)} records")
        assert all(r.key.startswith("ofac:") for r in outcome.records)
        assert all(v.value for r in outcome.records for v in r.values)


# -- the command line --------------------------------------------------------------------------------------


def _accomplice_script() -> str:
    script = shutil.which("accomplice", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.fail(
            f"the accomplice console script is not installed beside {sys.executable}; run `make venv`"
        )
    return script


def _run(*args: str, columns: int = 250) -> subprocess.CompletedProcess[str]:
    # A wide console keeps Rich tables from wrapping values across lines.
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run(
        [_accomplice_script(), *args], capture_output=True, text=True, timeout=300, env=env, check=False
    )


@pytest.fixture(scope="module")
def cli_db(raw_dir: Path, set_2023: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A store loaded through the command line with both OFAC versions; returns (URL, first load's output)."""
    db = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.db'}"
    first = _run("--db", db, "load", "--no-index", "ofac", str(set_2023), "--date", "2023-12-28")
    assert first.returncode == 0, first.stderr
    second = _run(
        "--db",
        db,
        "load",
        "--no-index",
        "ofac",
        str(_require(raw_dir / OFAC_2024_SDN)),
        "--date",
        "2024-05-03",
    )
    assert second.returncode == 0, second.stderr
    return db, first.stdout + first.stderr


def test_cli_loads_the_2023_set_as_version_one(cli_db: tuple[str, str]) -> None:
    _, output = cli_db
    assert re.search(r"^ofac: version 1 \(2023-12-28\) — 19,777 entities", output, re.MULTILINE), output
    assert "warning: sdn_comments.csv: 3 remark rows of 3 entries absent from the primary file" in output
    assert "Traceback" not in output


def test_cli_entity_shows_kwangson_alias_address_and_program_with_provenance(cli_db: tuple[str, str]) -> None:
    db, _ = cli_db
    shown = _run("--db", db, "entity", "ofac:11581")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("KOREA KWANGSON BANKING CORP  ofac:11581  Organization  (listed; lists: ofac)")

    def row(prop: str, value: str) -> str:
        found = [line for line in lines if value in line and prop in line]
        assert len(found) == 1, (prop, value, shown.stdout)
        return found[0]

    # aliases and addresses come from files the 2024-05-03 version lacks: carried, last seen 2023-12-28
    assert "ofac 2023-12-28" in row("alias", "KKBC")
    assert "2024-05-03" not in row("alias", "KKBC")
    assert "ofac 2023-12-28" in row("address", "Jungson-dong, Sungri Street, Central District, Pyongyang")
    assert "ofac 2023-12-28 → 2024-05-03" in row("programId", "NPWMD")


def test_cli_entity_json_gives_daesong_swift_bic_with_first_and_last_seen(cli_db: tuple[str, str]) -> None:
    db, _ = cli_db
    shown = _run("--db", db, "entity", "ofac:12312", "--json")
    assert shown.returncode == 0, shown.stderr
    payload = json.loads(shown.stdout)
    assert payload["key"] == "ofac:12312"
    (swift,) = payload["properties"]["swiftBic"]
    assert swift["value"] == "KDBKKPPY"
    assert swift["list"] == "ofac"
    assert swift["first_seen"] == {"seq": 1, "label": "2023-12-28"}
    assert swift["last_seen"] == {"seq": 2, "label": "2024-05-03"}
    assert swift["current"] is True


def test_cli_diff_with_program_lists_the_added_dprk_entries(cli_db: tuple[str, str], raw_dir: Path) -> None:
    db, _ = cli_db
    old = {r[0] for r in _csv(raw_dir / OFAC_2023 / "sdn.csv")}
    new_dprk = {
        f"ofac:{r[0]}": r[1] for r in _csv(raw_dir / OFAC_2024_SDN) if r[0] not in old and "DPRK" in r[3]
    }
    assert "ofac:48262" in new_dprk
    shown = _run("--db", db, "lists", "diff", "ofac", "--program", "DPRK", "--json")
    assert shown.returncode == 0, shown.stderr
    diff = json.loads(shown.stdout)
    assert {c["key"]: c["caption"] for c in diff["added"]} == new_dprk
    table = _run("--db", db, "lists", "diff", "ofac", "--program", "DPRK", "--limit", "500")
    assert table.returncode == 0, table.stderr
    assert f"ofac: version 1 (2023-12-28) → 2 (2024-05-03): {len(new_dprk)} entities added" in table.stdout
    assert "ofac:48262" in table.stdout
    assert "JON, Yun Gun" in table.stdout


def test_cli_refuses_malformed_file_with_one_line_and_no_traceback(set_2023: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'refused.db'}"
    make, _ = BAD_INPUTS["too_few_columns"]
    folder, named, line, _ = make(set_2023, tmp_path)
    refused = _run("--db", db, "load", "--no-index", "ofac", str(folder))
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert lines == [f"error: {named}:{line}: expected 12 columns, found 4; not an OFAC sdn.csv row"]
    assert "Traceback" not in refused.stderr
    assert refused.stdout == ""


def _keys(path: Path) -> set[str]:
    return {f"ofac:{r[0]}" for r in _csv(path)}


def test_cli_lists_counts_entities_and_links_apart(cli_db: tuple[str, str], raw_dir: Path) -> None:
    db, _ = cli_db
    shown = _run("--db", db, "lists", "--json")
    assert shown.returncode == 0, shown.stderr
    (ofac,) = [item for item in json.loads(shown.stdout) if item["name"] == "ofac"]
    old, new = _keys(raw_dir / OFAC_2023 / "sdn.csv"), _keys(raw_dir / OFAC_2024_SDN)
    links = ofac["versions"][1]["counts"]["schema:UnknownLink"]
    assert (ofac["current_entities"], ofac["current_links"]) == (len(new), links)
    assert len(new) == 14_965
    latest = ofac["versions"][1]
    assert (latest["entities"], latest["links"]) == (len(new), links)
    assert latest["added"]["entities"] == len(new - old) == 1_256
    assert latest["removed"]["entities"] == len(old - new)
    assert latest["added"]["links"] == ofac["versions"][1]["counts"]["added_entities"] - len(new - old)
    table = _run("--db", db, "lists")
    assert re.search(rf"^.*ofac .*14,965 .*{links:,} ", table.stdout, re.MULTILINE), table.stdout


def test_cli_diff_counts_entities_and_links_apart(cli_db: tuple[str, str], raw_dir: Path) -> None:
    db, _ = cli_db
    shown = _run("--db", db, "lists", "diff", "ofac", "--json")
    assert shown.returncode == 0, shown.stderr
    diff = json.loads(shown.stdout)
    old, new = _keys(raw_dir / OFAC_2023 / "sdn.csv"), _keys(raw_dir / OFAC_2024_SDN)
    added_links = [c for c in diff["added"] if c["schema"] == "UnknownLink"]
    assert diff["counts"]["added"] == {"entities": len(new - old), "links": len(added_links)}
    assert diff["counts"]["added"]["entities"] + diff["counts"]["added"]["links"] == len(diff["added"])
    assert diff["counts"]["removed"]["entities"] == len(old - new)
    table = _run("--db", db, "lists", "diff", "ofac", "--limit", "1")
    removed_links = diff["counts"]["removed"]["links"]
    assert (
        f"ofac: version 1 (2023-12-28) → 2 (2024-05-03): {len(new - old):,} entities added, "
        f"{len(old - new):,} removed, {diff['counts']['changed']['entities']:,} changed; "
        f"{len(added_links):,} links added, {removed_links:,} removed" in table.stdout
    ), table.stdout
    assert "Added links" in table.stdout


def test_cli_lists_table_at_80_columns_keeps_each_title_on_one_line(cli_db: tuple[str, str]) -> None:
    db, _ = cli_db
    shown = _run("--db", db, "lists", columns=80)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), shown.stdout
    (row,) = [line for line in lines if " ofac " in line]
    # One line per list: the row holds the title's start, cut with an ellipsis, and every count.
    for part in ("OFAC Spec", "…", "14,965"):
        assert part in row, shown.stdout
    body = [line for line in lines if line.startswith(("│", "┃"))]
    assert len(body) == 2, shown.stdout  # the header and the one list
