"""The public dashboards count §321(b) cases as the case statistics do, and published incidents only."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.services.case_stats import STATUSES, case_statistics
from accomplice.services.incidents import load_seed as load_incidents
from accomplice.services.register import load_seed as load_register
from accomplice.settings import get_settings
from accomplice.store import Store

ENFORCEMENT = Path("data") / "accountability" / "enforcement_actions.csv"


def test_the_case_charts_hold_the_case_statistics_and_need_no_login(store: Store) -> None:
    admin = accounts.operator_principal("tester")
    loaded = load_register(store, admin, get_settings().shared_dir / ENFORCEMENT)
    assert loaded is not None
    assert loaded.cases_created > 0
    stats = case_statistics(store)
    with TestClient(create_app(store)) as anonymous:
        chart = anonymous.get("/api/stats/cases-by-fiscal-year")
        assert chart.status_code == 200, chart.text[:300]
        body = chart.json()
    assert body["categories"] == [b.key for b in stats.by["fiscal_year"]]
    by_status = {s["name"]: s["values"] for s in body["series"]}
    assert set(by_status) == set(STATUSES)
    for i, bucket in enumerate(stats.by["fiscal_year"]):
        for status in STATUSES:
            assert by_status[status][i] == bucket.cases[status]
    assert sum(sum(v) for k, v in by_status.items() if k != "detained") == stats.total_cases


def test_the_incident_charts_count_published_records_only(store: Store) -> None:
    admin = accounts.operator_principal("tester")
    seeded = load_incidents(store, admin, get_settings().raw_dir.parent)
    assert seeded is not None
    assert seeded.added > 0
    with TestClient(create_app(store)) as anonymous:
        body = anonymous.get("/api/stats/incidents-by-type").json()
    # The shared incidents load restricted: nothing is published, so nothing is counted in public.
    assert sum(sum(s["values"]) for s in body["series"]) == 0
