"""Turning the hand-checked YAML cases into engine values, and shipments into columnar tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from accomplice.exposure.engine import ExposureEngine
from accomplice.exposure.model import (
    Evidence,
    Facility,
    Listing,
    Ownership,
    Party,
    Period,
    Shipment,
    ShipmentRole,
    Source,
    SupplyRelation,
)
from accomplice.exposure.tables import ShipmentTable, day_number

CASES = Path(__file__).resolve().parent.parent / "cases" / "exposure"
ROLES = ("exporter", "manufacturer", "consignee", "importer")


def load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(CASES.glob("*.yaml")):
        cases.extend(yaml.safe_load(path.read_text(encoding="utf-8")))
    return cases


def _period(row: dict[str, Any]) -> Period:
    return Period(row.get("start"), row.get("end"))


def _source(name: str | None) -> Source:
    name = name or "src-default"
    return Source(id=name, title=f"Source {name}", reliability="B")


def engine_of(case: dict[str, Any]) -> ExposureEngine:
    return ExposureEngine.from_values(
        parties=[Party(p, p) for p in case.get("parties", [])],
        listings=[
            Listing(
                r["party"],
                r["key"],
                dprk=r.get("dprk", False),
                blocked=r.get("blocked", True),
                period=_period(r),
            )
            for r in case.get("listings", [])
        ],
        supply=[
            SupplyRelation(
                r["id"],
                r["supplier"],
                r["buyer"],
                _period(r),
                tuple(r.get("hs", ())),
                source=_source(r.get("source")),
            )
            for r in case.get("supply", [])
        ],
        ownership=[
            Ownership(r["id"], r["owner"], r["owned"], r.get("share"), _period(r))
            for r in case.get("ownership", [])
        ],
        facilities=[Facility(r["id"], r["operator"], period=_period(r)) for r in case.get("facilities", [])],
        evidence=[
            Evidence(r["id"], r["subject"], _period(r), _source(r.get("source")))
            for r in case.get("evidence", [])
        ],
    )


def shipment_of(row: dict[str, Any]) -> Shipment:
    parties = tuple((ShipmentRole(role), row[role]) for role in ROLES if role in row)
    day = row["day"]
    assert isinstance(day, date)
    return Shipment(row["id"], day, parties, hs_code=row.get("hs", ""))


def shipment_table(engine: ExposureEngine, shipments: Sequence[Shipment]) -> ShipmentTable:
    """The same shipments as columns, for the bulk path."""
    codes = sorted({s.hs_code for s in shipments if s.hs_code})
    code_index = {c: i for i, c in enumerate(codes)}
    ids = list(engine.tables.party_ids)
    index = {p: i for i, p in enumerate(ids)}

    def column(role: ShipmentRole) -> list[int]:
        return [index[s.party(role)[0]] if s.party(role) else -1 for s in shipments]

    return ShipmentTable(
        day=np.array([day_number(s.day) for s in shipments]),
        hs=np.array([code_index[s.hs_code] if s.hs_code else -1 for s in shipments]),
        importer=np.array(column(ShipmentRole.IMPORTER)),
        exporter=np.array(column(ShipmentRole.EXPORTER)),
        manufacturer=np.array(column(ShipmentRole.MANUFACTURER)),
        consignee=np.array(column(ShipmentRole.CONSIGNEE)),
        hs_codes=codes,
        ids=[s.id for s in shipments],
    )
