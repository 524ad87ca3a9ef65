"""One description of the exposure files' columns: the docs' tables are generated from it, the reader takes
its required columns and aliases from it, and each kind's record, its table and the description agree."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from accomplice.batch.exposure import COLUMNS, read_exposure_file
from accomplice.exposure.columns import FILE_COLUMNS, KINDS, RECORDS, REQUIRED
from accomplice.exposure.model import FACILITY_PREFIX, SHIPMENT_ROLES, Evidence, Shipment, Source
from accomplice.store.schema_exposure import (
    exposure_evidence,
    exposure_facilities,
    exposure_ownership,
    exposure_shipments,
    exposure_supply,
)

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gen_exposure_docs.py"
DOCS = ROOT / "docs" / "exposure-data.md"
DATA = Path(__file__).parent / "exposure_data"
# The file columns whose stored field has another name (the file says `vessel`, the record `vessel_name`).
SHIPMENT_FIELD_OF_COLUMN = {"date": "day", "vessel": "vessel_name", "imo": "vessel_imo"}
TABLES = {
    "shipments": exposure_shipments,
    "relations": exposure_supply,
    "ownership": exposure_ownership,
    "facilities": exposure_facilities,
    "evidence": exposure_evidence,
}
# The table columns that hold one record field in several columns (or under another name).
FIELD_OF_TABLE_COLUMN = {
    "start_date": "period",
    "end_date": "period",
    "source_id": "source",
    "subject_party": "subject",
    "subject_facility": "subject",
    **{role.value: "parties" for role in SHIPMENT_ROLES},
}
# One example file of each kind, from the docs' examples.
EXAMPLES = {
    "shipments": "shipments.csv",
    "relations": "relations.csv",
    "ownership": "ownership.csv",
    "facilities": "facilities.csv",
    "evidence": "evidence.jsonl",
}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_exposure_docs", SCRIPT)
    if spec is None or spec.loader is None:
        pytest.fail(f"{SCRIPT} is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_exposure_docs_column_tables_are_generated_from_the_description() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert text == _script().render(text), (
        "docs/exposure-data.md is out of date with accomplice/exposure/columns.py; run `make docs`"
    )
    for kind in ("sources", *KINDS):
        assert f"<!-- columns: {kind} -->" in text, f"docs/exposure-data.md has no column table for {kind}"


def test_reader_requires_and_aliases_what_the_description_says() -> None:
    for kind in KINDS:
        described = FILE_COLUMNS[kind]
        assert tuple(COLUMNS[kind].required) == tuple(c.name for c in described if c.required == REQUIRED)
        for column in described:
            for alias in column.aliases:
                assert COLUMNS[kind].aliases[alias] == column.name, (kind, alias)


def test_shipment_record_table_and_description_name_the_same_fields() -> None:
    fields = {f.name for f in dataclasses.fields(Shipment)} - {"parties"} | {r.value for r in SHIPMENT_ROLES}
    stored = {c.name for c in exposure_shipments.columns} - {"batch_id"}
    described = {SHIPMENT_FIELD_OF_COLUMN.get(c.name, c.name) for c in FILE_COLUMNS["shipments"]}
    assert stored == fields
    assert described == fields


def test_reader_gives_the_shipment_record_the_store_and_engine_use() -> None:
    parsed = read_exposure_file("shipments", DATA / "shipments.csv")
    shipments = [row for row in parsed.rows if isinstance(row, Shipment)]
    assert len(shipments) == len(parsed.rows) > 0
    assert any(s.vessel_name and s.vessel_imo for s in shipments)
    assert all(role in SHIPMENT_ROLES for s in shipments for role, _ in s.parties)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kinds_record_table_and_description_name_the_same_fields(kind: str) -> None:
    fields = {f.name for f in dataclasses.fields(RECORDS[kind])}
    described = {c.field for c in FILE_COLUMNS[kind]}
    stored = {FIELD_OF_TABLE_COLUMN.get(c.name, c.name) for c in TABLES[kind].columns} - {"batch_id"}
    assert described == fields, f"{kind}: columns fill {sorted(described ^ fields)} unlike the record"
    assert stored == fields, f"{kind}: the table holds {sorted(stored ^ fields)} unlike the record"


@pytest.mark.parametrize("kind", KINDS)
def test_reader_gives_each_kind_the_record_the_store_and_engine_use(kind: str) -> None:
    parsed = read_exposure_file(kind, DATA / EXAMPLES[kind])
    assert parsed.rows
    assert all(type(row) is RECORDS[kind] for row in parsed.rows)
    assert set(parsed.lines) == {row.id for row in parsed.rows}
    for row in parsed.rows:
        source = getattr(row, "source", None)
        assert source is None or isinstance(source, Source)


def test_reader_names_parties_by_norm_key_and_facilities_by_id() -> None:
    parsed = read_exposure_file("evidence", DATA / "evidence.jsonl")
    subjects = {row.subject for row in parsed.rows if isinstance(row, Evidence)}
    on_parties = {s for s in subjects if not s.startswith(FACILITY_PREFIX)}
    assert on_parties
    assert on_parties <= set(parsed.parties)
    assert "facility:amurles-tynda" in subjects
    assert all(not key.startswith(FACILITY_PREFIX) for key in parsed.parties)
