"""The pure matcher on golden pairs (tests/cases/pairs.yaml), and the rules every feature follows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from accomplice.matching import DEFAULT_THRESHOLD, indexed_entity, query_entity, score_candidate
from accomplice.matching.features import CAP_FEATURES, EVIDENCE_FEATURES, NAME_FEATURES, label_of

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "pairs.yaml").read_text("utf-8")
)


def _score(case: dict[str, Any]) -> tuple[float, list[str], list[str]]:
    query = query_entity("q", [case["query"]], schema=case["schema"])
    listed_schema = case.get("listed_schema", case["schema"])
    candidate = indexed_entity("list:1", listed_schema, case["listed"], {"name": [case["listed"]]})
    scored = score_candidate(query, candidate)
    return scored.score, [f.name for f in scored.features], [f.explain() for f in scored.features]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['query']} vs {c['listed']}" for c in CASES])
def test_golden_pair(case: dict[str, Any]) -> None:
    score, features, explanation = _score(case)
    assert (score >= DEFAULT_THRESHOLD) is case["match"], f"{score}: {explanation} — {case['reason']}"
    if "feature" in case:
        assert features, explanation
        assert features[0] == case["feature"], explanation


def test_every_feature_explains_itself_in_one_sentence() -> None:
    for feature in (*NAME_FEATURES, *CAP_FEATURES, *EVIDENCE_FEATURES):
        label = label_of(feature)
        assert label, f"{feature.__name__} has no docstring"
        assert label.endswith("."), f"{feature.__name__}: {label!r}"
        assert len(label) < 120, f"{feature.__name__}: {label!r}"


def test_explanation_names_the_reading_used() -> None:
    _, _, explanation = _score(
        {"query": "金正恩", "listed": "KIM, Jong Un", "schema": "Person", "match": True, "reason": ""}
    )
    assert "金正恩 read as 김정은" in explanation[0]
    assert "kim·cong·un" in explanation[0]


def test_date_of_birth_conflict_lowers_a_cross_script_agreement_below_the_threshold() -> None:
    query = query_entity("q", ["김정은"], schema="Person", birth_dates=["1950-01-01"])
    candidate = indexed_entity(
        "list:1", "Person", "KIM, Jong Un", {"name": ["KIM, Jong Un"], "birthDate": ["1984-01-08"]}
    )
    scored = score_candidate(query, candidate)
    assert scored.score < DEFAULT_THRESHOLD
    assert "birth_date_conflicts" in [f.name for f in scored.features]


def test_identical_imo_number_decides_for_a_renamed_ship() -> None:
    query = query_entity("q", ["SOME NEW NAME"], schema="Vessel", identifiers=[("imo", "IMO 8712362")])
    candidate = indexed_entity(
        "list:1", "Vessel", "CHON MYONG 1", {"name": ["CHON MYONG 1"], "imoNumber": ["8712362"]}
    )
    scored = score_candidate(query, candidate)
    assert scored.score >= DEFAULT_THRESHOLD
    assert "identifier_matches" in [f.name for f in scored.features]


def test_different_imo_numbers_separate_ships_of_one_name() -> None:
    query = query_entity("q", ["CHON MYONG 1"], schema="Vessel", identifiers=[("imo", "9999999")])
    candidate = indexed_entity(
        "list:1", "Vessel", "CHON MYONG 1", {"name": ["CHON MYONG 1"], "imoNumber": ["8712362"]}
    )
    assert score_candidate(query, candidate).score < DEFAULT_THRESHOLD
