"""One description of the exposure files' columns: the docs' tables are generated from it, the reader takes
its required columns and aliases from it, and the shipment record, its table and the description agree."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from accomplice.batch.exposure import COLUMNS, read_exposure_file
from accomplice.exposure.columns import FILE_COLUMNS, KINDS, REQUIRED
from accomplice.exposure.model import SHIPMENT_ROLES, Shipment
from accomplice.store.schema_exposure import exposure_shipments

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gen_exposure_docs.py"
DOCS = ROOT / "docs" / "exposure-data.md"
DATA = Path(__file__).parent / "exposure_data"
# The file columns whose stored field has another name (the file says `vessel`, the record `vessel_name`).
SHIPMENT_FIELD_OF_COLUMN = {"date": "day", "vessel": "vessel_name", "imo": "vessel_imo"}


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
