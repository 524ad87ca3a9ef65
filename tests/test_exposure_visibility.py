"""The exposure visibility rules (services/exposure_visibility.py), one test per rule, on real principals
of each role: whose records count in whose trace, who sees confidential sources, who adds evidence."""

from __future__ import annotations

from accomplice.services.auth import Principal, Role
from accomplice.services.exposure_visibility import (
    counts_in_trace,
    may_add_evidence,
    may_see_confidential,
    own_orgs,
    reader_scope,
    sees_record,
    trust_scope,
)
from accomplice.store.exposure import SHARED

ACME = Principal("acme-buyer", frozenset({Role.IMPORTER}), "acme")
ANALYST = Principal("analyst", frozenset({Role.ANALYST}), "cbp")
RESEARCHER = Principal("researcher", frozenset({Role.RESEARCHER}), "ngo")
ORPHAN_IMPORTER = Principal("nobody", frozenset({Role.IMPORTER}), None)


def test_an_importer_reads_within_its_organisation_and_the_enforcement_side_reads_everything() -> None:
    assert reader_scope(ACME) == frozenset({"acme"})
    assert reader_scope(ORPHAN_IMPORTER) == frozenset()
    assert reader_scope(ANALYST) is None
    assert reader_scope(None) is None  # the local operator (CLI, library)


def test_shared_and_own_records_count_in_an_importers_trace_and_anothers_never() -> None:
    acme = reader_scope(ACME)
    assert counts_in_trace(SHARED, acme)
    assert counts_in_trace("acme", acme)
    assert not counts_in_trace("globex", acme)
    assert not counts_in_trace("acme", reader_scope(ORPHAN_IMPORTER))
    assert trust_scope(acme) == frozenset({"acme", SHARED})


def test_every_record_counts_in_the_enforcement_sides_trace() -> None:
    for org in (SHARED, "acme", "globex"):
        assert counts_in_trace(org, reader_scope(ANALYST))
    assert trust_scope(None) is None


def test_a_reader_sees_exactly_the_records_that_count_in_its_traces() -> None:
    for scope in (reader_scope(ACME), reader_scope(ANALYST)):
        for org in (SHARED, "acme", "globex"):
            assert sees_record(org, scope) == counts_in_trace(org, scope)


def test_an_importers_own_shipments_and_documents_are_its_organisations_only() -> None:
    assert own_orgs(reader_scope(ACME)) == frozenset({"acme"})
    assert own_orgs(frozenset({"acme", SHARED})) == frozenset({"acme"})
    assert own_orgs(reader_scope(ANALYST)) is None


def test_confidential_sources_are_shown_only_with_the_permission() -> None:
    assert may_see_confidential(RESEARCHER)
    assert not may_see_confidential(ACME)
    assert not may_see_confidential(None)


def test_only_the_enforcement_side_adds_labour_evidence() -> None:
    assert may_add_evidence(ANALYST)
    assert may_add_evidence(RESEARCHER)
    assert not may_add_evidence(ACME)
    assert not may_add_evidence(ORPHAN_IMPORTER)
