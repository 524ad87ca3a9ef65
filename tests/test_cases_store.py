"""The case store on SQLite and PostgreSQL alike: the migration creates exactly the schema's tables, a write
that read an old version changes nothing, and an import is one transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from accomplice.store import Store
from accomplice.store.cases import CaseFields, CaseStore, NewCase, NewEvent, RegisterEntry, StaleCase

BACKENDS = pytest.mark.parametrize("store_url", ["sqlite", "postgres"], indirect=True)


def _fields(state: str, detained: date | None = None) -> CaseFields:
    return CaseFields(state, detained, None, None, None, None, None, "")


def _event(day: str, kind: str) -> NewEvent:
    return NewEvent(datetime.fromisoformat(day).replace(tzinfo=UTC), kind, "officer", date_only=True)


def _case(case_id: str) -> NewCase:
    return NewCase(
        case_id, "Garments", "poof", "tip", date(2020, 12, 23), "officer", parties=("Dandong Huayang",)
    )


@BACKENDS
def test_migration_creates_the_case_tables_exactly_as_the_schema_defines_them(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from accomplice.store import schema_cases
    from accomplice.store.schema import metadata

    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    tables = {getattr(schema_cases, name).name for name in schema_cases.__all__}
    assert len(tables) == 5
    assert [d for d in diffs if any(name in repr(d) for name in tables)] == []


@BACKENDS
def test_a_write_on_an_old_version_changes_nothing(store: Store) -> None:
    cases = CaseStore(store)
    cases.create(_case("A"), [_event("2020-12-23", "detained")], _fields("detained"), audit=None)
    version = cases.append("A", 1, [_event("2021-01-14", "response")], _fields("responded"), audit=None)
    assert version == 2
    with pytest.raises(StaleCase):
        cases.append("A", 1, [_event("2021-01-22", "decided")], _fields("decided"), audit=None)
    stored = cases.get("A")
    assert stored is not None
    assert (stored.state, stored.version, [e.kind for e in stored.events]) == (
        "responded",
        2,
        ["detained", "response"],
    )
    assert stored.events[0].at == datetime(2020, 12, 23, tzinfo=UTC)
    assert stored.events[0].date_only


@BACKENDS
def test_an_import_that_fails_part_way_writes_nothing(store: Store) -> None:
    cases = CaseStore(store)
    cases.create(_case("A"), [_event("2020-12-23", "detained")], _fields("detained"), audit=None)
    with pytest.raises(StaleCase):
        cases.import_histories(
            [(_case("B"), [_event("2021-02-01", "detained")], _fields("detained"))],
            [("A", 7, [_event("2021-01-14", "response")], _fields("responded"))],
            audit=None,
        )
    assert not cases.exists("B")
    page, total = cases.page(orgs=None)
    assert ([c.id for c in page], total) == (["A"], 1)
    assert cases.page(orgs=frozenset({"acme"}))[1] == 0


@BACKENDS
def test_the_register_updates_by_key_and_records_removals(store: Store) -> None:
    cases = CaseStore(store)
    entry = RegisterEntry(
        "mokran-llc",
        "MOKRAN LLC",
        ("MOKRAN LLC",),
        "Russia",
        "2020-11-19",
        "US Treasury OFAC",
        "designation (SDN)",
        "EO 13722",
        "blocked",
        "construction",
        "https://example.org",
        ("ofac:30083",),
    )
    assert cases.upsert_register([entry], audit=None) == (1, 0)
    assert cases.upsert_register([entry], audit=None) == (0, 1)
    removal = cases.request_removal("mokran-llc", "dissolved in 2024", "counsel", audit=None)
    assert removal is not None
    decided = cases.decide_removal(removal.id, True, "officer", "confirmed", audit=None)
    assert decided is not None
    assert decided.outcome == "granted"
    assert [e.status for e in cases.register()] == ["removed"]
    assert cases.register(include_removed=False) == []
    assert cases.decide_removal(removal.id, False, "officer", "", audit=None) is None  # decided once only
