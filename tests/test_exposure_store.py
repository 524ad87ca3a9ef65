"""The exposure store contract on SQLite and PostgreSQL, and the readers' one-line errors.

These stores hold no lists, so every party stays a party of its own; resolution against the real lists
is tested in test_exposure_trace.py.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from accomplice.batch.exposure import parse_date, read_exposure_file
from accomplice.errors import InputError
from accomplice.services import exposure
from accomplice.store import Store
from accomplice.store.exposure import ExposureStore, PartyDecision
from tests.helpers import BACKENDS

DATA = Path(__file__).parent / "exposure_data"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@BACKENDS
def test_import_records_one_batch_with_file_checksum_counts_and_user(store: Store) -> None:
    result = exposure.import_file(store, "relations", DATA / "relations.csv", user="analyst1")
    batches = ExposureStore(store).batches()
    assert [(b.kind, b.file_name, b.user) for b in batches] == [("relations", "relations.csv", "analyst1")]
    assert batches[0].counts == {"sources": 2, "parties": 8, "relations": 5}
    assert len(batches[0].checksum) == 64
    assert result.resolved == 0
    relations = ExposureStore(store).supply()
    first = next(r for r in relations if r.tier == 2 and r.hs_prefixes == ("0304",))
    assert first.period.start == date(2017, 1, 1)
    assert first.source is not None
    assert first.source.reliability == "B"


@BACKENDS
def test_reimport_of_identical_file_is_a_no_op(store: Store, tmp_path: Path) -> None:
    first = exposure.import_file(store, "relations", DATA / "relations.csv", user="a")
    copy = shutil.copy(DATA / "relations.csv", tmp_path / "renamed.csv")
    again = exposure.import_file(store, "relations", copy, user="b")
    assert again.batch.unchanged
    assert again.batch.id == first.batch.id
    assert len(ExposureStore(store).batches()) == 1
    assert len(ExposureStore(store).supply()) == 5


@BACKENDS
def test_bad_line_stops_the_import_and_nothing_is_written(store: Store, tmp_path: Path) -> None:
    bad = _write(
        tmp_path / "relations.csv",
        "supplier,buyer,start\nDandong Haiyang Seafood,Qingdao Ocean Harvest,2017\nA,B,31/12/2019\n",
    )
    with pytest.raises(InputError, match=r"relations\.csv:3: '31/12/2019' is not a date"):
        exposure.import_file(store, "relations", bad, user="a")
    exposure_store = ExposureStore(store)
    assert exposure_store.batches() == []
    assert exposure_store.parties() == []
    assert exposure_store.supply() == []


@BACKENDS
def test_same_name_and_country_in_one_file_is_one_party_another_country_another(store: Store) -> None:
    exposure.import_file(store, "relations", DATA / "relations.csv", user="a")
    exposure.import_file(store, "facilities", DATA / "facilities.csv", user="a")
    parties = ExposureStore(store).parties()
    names = [p.name for p in parties]
    assert names.count("Qingdao Ocean Harvest Foods Co. Ltd.") == 1
    assert names.count("OOO Amurles-Eksport") == 1  # named in both files: one party
    assert len(ExposureStore(store).facilities()) == 2


@BACKENDS
def test_corrected_record_with_the_same_id_replaces_the_old_one(store: Store, tmp_path: Path) -> None:
    header = "id,owner,owned,share,source_title\n"
    exposure.import_file(
        store,
        "ownership",
        _write(tmp_path / "a.csv", header + "own-1,Wang Jianguo,Hongyuan,40,Register\n"),
        user="a",
    )
    exposure.import_file(
        store,
        "ownership",
        _write(tmp_path / "b.csv", header + "own-1,Wang Jianguo,Hongyuan,45,Register\n"),
        user="a",
    )
    assert [(o.id, o.share) for o in ExposureStore(store).ownership()] == [("own-1", 45.0)]
    assert len(ExposureStore(store).batches()) == 2


@BACKENDS
def test_party_decisions_are_appended_and_the_newest_applies(store: Store) -> None:
    result = exposure.import_file(store, "ownership", DATA / "ownership.csv", user="a")
    party = result.parties[0]
    exposure_store = ExposureStore(store)
    exposure_store.add_party_decision(PartyDecision(party.id, "confirmed", "ofac:20564", "analyst1"))
    assert exposure_store.parties(ids=[party.id])[0].entity_key == "ofac:20564"
    exposure.split_party(store, party.id, user="analyst2", reason="different city")
    current = exposure_store.parties(ids=[party.id])[0]
    assert (current.status, current.entity_key, current.decision and current.decision.user) == (
        "split",
        None,
        "analyst2",
    )
    assert [d.action for d in exposure_store.party_decisions(party.id)] == ["confirmed", "split"]


@BACKENDS
def test_evidence_and_facilities_round_trip_with_confidential_source(store: Store) -> None:
    exposure.import_file(store, "facilities", DATA / "facilities.csv", user="a")
    exposure.import_file(store, "evidence", DATA / "evidence.jsonl", user="a")
    evidence = {e.subject: e for e in ExposureStore(store).evidence()}
    camp = evidence["facility:amurles-tynda"]
    assert camp.source.confidential
    assert camp.period.start == date(2018, 5, 1)
    assert camp.period.end == date(2020, 10, 31)
    assert camp.workers == 40
    listed = exposure.list_evidence(store)
    hidden = next(e for e in listed if e["subject"] == "facility:amurles-tynda")
    assert hidden["source"] == {
        "id": "conf-2021-017",
        "title": "confidential source conf-2021-017",
        "confidential": True,
    }


@BACKENDS
def test_shipments_keep_every_role_and_the_vessel(store: Store) -> None:
    exposure.import_file(store, "shipments", DATA / "shipments.csv", user="a")
    shipment = ExposureStore(store).shipments(["ENT-2018-0412"])[0]
    assert [role for role, _ in shipment.parties] == ["importer", "exporter"]
    assert (shipment.hs_code, shipment.vessel_name, shipment.vessel_imo) == (
        "030475",
        "COSCO SHIPPING ROSE",
        "9783526",
    )
    assert shipment.day == date(2018, 6, 12)


@BACKENDS
def test_xlsx_file_imports_like_csv(store: Store, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Facility ID", "Operator", "Operator Country", "Name", "Start"])
    sheet.append(["plant-7", "Hunchun Ocean Foods Co. Ltd.", "cn", "Hunchun plant", date(2016, 3, 1)])
    book.save(tmp_path / "facilities.xlsx")
    exposure.import_file(store, "facilities", tmp_path / "facilities.xlsx", user="a")
    [facility] = ExposureStore(store).facilities()
    assert (facility.id, facility.name, facility.period.start) == (
        "facility:plant-7",
        "Hunchun plant",
        date(2016, 3, 1),
    )


# --- readers: one-line errors naming file and line ------------------------------------------------------


def test_missing_required_column_names_the_file_and_header_line(tmp_path: Path) -> None:
    bad = _write(tmp_path / "rel.csv", "supplier,tier\nDandong Haiyang,2\n")
    with pytest.raises(InputError, match=r"rel\.csv:1: missing column\(s\) buyer"):
        read_exposure_file("relations", bad)


def test_share_above_one_hundred_is_refused(tmp_path: Path) -> None:
    bad = _write(tmp_path / "own.csv", "owner,owned,share\nA Co,B Co,50\nC Co,D Co,120\n")
    with pytest.raises(InputError, match=r"own\.csv:3: share '120' is outside 0–100"):
        read_exposure_file("ownership", bad)


def test_cyrillic_file_in_cp1251_is_refused_as_wrong_encoding(tmp_path: Path) -> None:
    bad = _write(tmp_path / "ev.jsonl", '{"subject": "ООО Амурлес", "source_title": "Отчёт"}\n', "cp1251")
    with pytest.raises(InputError, match=r"ev\.jsonl:1: not UTF-8 text \(byte 0xce\); it .* cp1251"):
        read_exposure_file("evidence", bad)
    named = read_exposure_file("evidence", bad, encoding="cp1251")
    assert [p.name for p in named.parties.values()] == ["ООО Амурлес"]


def test_evidence_without_a_source_is_refused(tmp_path: Path) -> None:
    bad = _write(tmp_path / "ev.csv", "subject,statement\nDandong Haiyang,workers seen\n")
    with pytest.raises(InputError, match=r"ev\.csv:2: a source is required"):
        read_exposure_file("evidence", bad)


def test_unknown_country_is_refused(tmp_path: Path) -> None:
    bad = _write(tmp_path / "rel.csv", "supplier,supplier_country,buyer\nA,Atlantis,B\n")
    with pytest.raises(InputError, match=r"rel\.csv:2: unknown country 'Atlantis'"):
        read_exposure_file("relations", bad)


def test_shipment_naming_no_party_is_refused(tmp_path: Path) -> None:
    bad = _write(tmp_path / "s.csv", "id,date,goods\nE-1,2019-01-02,shirts\n")
    with pytest.raises(InputError, match=r"s\.csv:2: names no party"):
        read_exposure_file("shipments", bad)


def test_ftm_reference_to_unknown_entity_is_refused_when_stored(store: Store, tmp_path: Path) -> None:
    bad = _write(
        tmp_path / "o.ftm.json",
        '{"id": "o1", "schema": "Ownership", "properties": {"owner": ["nobody"], "asset": ["ofac:1"]}}\n',
    )
    with pytest.raises(InputError, match=r"o\.ftm\.json:1: refers to '(nobody|ofac:1)'"):
        exposure.import_file(store, "ownership", bad, user="a")
    assert ExposureStore(store).batches() == []


def test_year_or_month_stands_for_its_first_or_last_day() -> None:
    assert parse_date("2017") == date(2017, 1, 1)
    assert parse_date("2017", end=True) == date(2017, 12, 31)
    assert parse_date("2020-02", end=True) == date(2020, 2, 29)
    assert parse_date("2019-03-01 00:00:00") == date(2019, 3, 1)


@BACKENDS
def test_migration_creates_exposure_tables_exactly_as_the_schema_defines_them(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from accomplice.store import schema_exposure
    from accomplice.store.schema import metadata

    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    exposure_tables = {getattr(schema_exposure, name).name for name in schema_exposure.__all__}
    assert len(exposure_tables) == 10
    mine = [d for d in diffs if any(name in repr(d) for name in exposure_tables)]
    assert mine == []
