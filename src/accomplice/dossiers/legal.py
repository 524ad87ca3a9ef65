"""Legal bases, the criteria each kind of claim supports, and whether the cited evidence meets a standard.

The bases are the compiled texts of `legal_bases.json` (executive orders 13687, 13722, 13810 and 13382,
NKSPEA, CAATSA §321, UN resolutions, the UK and EU regimes). A claim supports a criterion through its kind
(labour evidence → EO 13722 §2(a)(iv), NKSPEA §104(b)(1)(L) and §104(g)(1)(C) …) or because its own record
names the basis (an enforcement action's "EO 13722").

Standards of proof, weakest first: reasonable cause (reasonable grounds to suspect: the UK's regulation 6,
UFLPA entity listings, a CBP withhold release order), probable cause (a CBP Finding), clear and convincing
(CAATSA §321(b)'s rebuttal). A set of claims meets a standard when its sources are graded well enough and,
for the higher two, independent of each other — see `meets`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from accomplice.dossiers.claims import Claim, ClaimKind, Grade

__all__ = [
    "KIND_CRITERIA",
    "CriterionAssessment",
    "LegalBasis",
    "Standard",
    "assess",
    "criteria_named_in",
    "legal_bases_from",
    "meets",
    "standard_stated",
]


class Standard(StrEnum):
    REASONABLE_CAUSE = "reasonable cause"
    PROBABLE_CAUSE = "probable cause"
    CLEAR_AND_CONVINCING = "clear and convincing"


STANDARDS_WEAKEST_FIRST = (Standard.REASONABLE_CAUSE, Standard.PROBABLE_CAUSE, Standard.CLEAR_AND_CONVINCING)

# The grade one source must reach for each standard, and how many independent sources at that grade it
# takes. Reasonable cause: one usually-to-fairly reliable source reporting something possibly true (C3) is
# "reasonable grounds to suspect". Probable cause: more likely than not, so either one source that is
# usually reliable with probably-true information (B2) or two independent C3 sources corroborating each
# other. Clear and convincing ("highly probable", Colorado v. New Mexico): two independent B2 sources, or
# one official record (a government list entry or published designation, A1) — never a single report.
SINGLE_SOURCE = {
    Standard.REASONABLE_CAUSE: Grade("C", "3"),
    Standard.PROBABLE_CAUSE: Grade("B", "2"),
    Standard.CLEAR_AND_CONVINCING: Grade("A", "1"),
}
CORROBORATED = {
    Standard.REASONABLE_CAUSE: Grade("C", "3"),
    Standard.PROBABLE_CAUSE: Grade("C", "3"),
    Standard.CLEAR_AND_CONVINCING: Grade("B", "2"),
}
INDEPENDENT_SOURCES = 2

# Which criteria (legal_bases.json ids) each kind of claim supports. A listing supports the regimes that
# implement or follow it (a UN listing binds the EU and UK; a designee's owner/agent criteria).
KIND_CRITERIA: Mapping[ClaimKind, tuple[str, ...]] = {
    ClaimKind.LISTED: (),  # by program tag, see criteria_of_programs
    ClaimKind.OWNED_BY_LISTED: (
        "ofac-50pct-guidance",
        "eo13722-2-vii-ix",
        "eo13810-1-support",
        "eo13687-1a",
        "uk-dprk-regs-2019-reg6",
        "unscr1718-8d",
    ),
    ClaimKind.MINORITY_OWNED_BY_LISTED: ("eo13722-2-vii-ix", "eo13810-1-support", "uk-dprk-regs-2019-reg6"),
    ClaimKind.OWNS_LISTED: ("eo13722-2-vii-ix", "nkspea-104b-1-A"),
    ClaimKind.LINKED_TO_LISTED: ("eo13722-2-vii-ix", "eo13810-1-support", "nkspea-104b-1-A", "unscr1718-8d"),
    ClaimKind.SHARED_IDENTIFIER: ("eo13722-2-vii-ix", "eo13810-1-support", "uk-dprk-regs-2019-reg6"),
    ClaimKind.SHARED_ADDRESS: ("eo13722-2-vii-ix", "eo13810-1-support"),
    ClaimKind.SHARED_CONTACT: ("eo13722-2-vii-ix", "eo13810-1-support"),
    ClaimKind.TRADES_WITH_LISTED: ("eo13810-1-trade", "nkspea-104b-1-A", "eo13722-2-vii-ix"),
    ClaimKind.DPRK_LABOUR: (
        "eo13722-2-iv",
        "nkspea-104b-1-L",
        "nkspea-104g-1-C",
        "usc-9241b",
        "caatsa-321b-presumption",
        "unscr2375-17",
        "unscr2397-8",
    ),
    ClaimKind.ENFORCEMENT: (),  # by the action's own legal basis, see criteria_named_in
    ClaimKind.CASE: (),
    ClaimKind.INCIDENT: ("eo13722-2-iii", "nkspea-104a-4-5"),
    ClaimKind.DPRK_NEXUS: ("eo13810-1-nkperson", "eo13687-1a"),
}

# How an enforcement record or a list's program names a basis → the criteria it stands for.
_NAMED = (
    (re.compile(r"DPRK-NKSPEA|NKSPEA", re.I), ("nkspea-104a", "nkspea-104b-1-A")),
    (re.compile(r"\bDPRK4\b|13810", re.I), ("eo13810-1-support", "eo13810-1-trade")),
    (re.compile(r"\bDPRK3\b|13722", re.I), ("eo13722-2-vii-ix",)),
    (re.compile(r"\bDPRK2\b|13687", re.I), ("eo13687-1a",)),
    (re.compile(r"NPWMD|13382", re.I), ("eo13382-npwmd",)),
    (re.compile(r"worker|labou?r", re.I), ("eo13722-2-iv", "nkspea-104b-1-L")),
    (re.compile(r"human.rights", re.I), ("eo13722-2-iii", "nkspea-104a-4-5")),
    (re.compile(r"321\(b\)|9241a", re.I), ("caatsa-321b-presumption",)),
    (re.compile(r"1307", re.I), ("usc19-1307",)),
    (re.compile(r"\b(?:2371|2375|2397|2321|2270|1718)\b"), ("unscr1718-8d",)),
)


def criteria_named_in(text: str) -> tuple[str, ...]:
    """The criteria a legal-basis text or program tag names ("EO 13722 (exportation of workers)")."""
    found: list[str] = []
    for pattern, ids in _NAMED:
        if pattern.search(text):
            found.extend(i for i in ids if i not in found)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class LegalBasis:
    id: str
    instrument: str
    provision: str
    jurisdiction: str
    kind: str
    text: str
    relevance: str
    standard_of_proof: str | None
    source_title: str
    source_url: str
    verified: bool
    text_is_summary: bool

    @property
    def label(self) -> str:
        return f"{self.instrument}, {self.provision}"


def legal_bases_from(data: Mapping[str, Any]) -> dict[str, LegalBasis]:
    """The entries of legal_bases.json by id; a malformed entry raises ValueError naming it."""
    bases: dict[str, LegalBasis] = {}
    for number, entry in enumerate(data.get("entries", ()), start=1):
        try:
            basis = LegalBasis(
                id=str(entry["id"]),
                instrument=str(entry["instrument"]),
                provision=str(entry["provision"]),
                jurisdiction=str(entry["jurisdiction"]),
                kind=str(entry["kind"]),
                text=str(entry.get("text") or ""),
                relevance=str(entry.get("relevance") or ""),
                standard_of_proof=entry.get("standard_of_proof"),
                source_title=str(entry.get("source_title") or ""),
                source_url=str(entry.get("source_url") or ""),
                verified=bool(entry.get("verified")),
                text_is_summary=bool(entry.get("text_is_summary")),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"legal bases: entry {number} lacks field {exc}") from exc
        bases[basis.id] = basis
    return bases


# The standard each designation route applies where its text names one (legal_bases.json
# `standard_of_proof`); elsewhere an executive designation is taken on reasonable cause, the lowest, and
# the dossier says it assumed so.
def standard_stated(basis: LegalBasis) -> tuple[Standard, bool]:
    """The standard of a basis and whether its source states it (False: reasonable cause assumed)."""
    text = (basis.standard_of_proof or "").lower()
    if "clear and convincing" in text:
        return Standard.CLEAR_AND_CONVINCING, True
    if "probable cause" in text:
        return Standard.PROBABLE_CAUSE, True
    if "reasonable" in text:
        return Standard.REASONABLE_CAUSE, True
    return Standard.REASONABLE_CAUSE, False


def meets(claims: Sequence[Claim], standard: Standard) -> bool:
    """Whether sourced claims reach `standard`: one source at SINGLE_SOURCE grade, or
    INDEPENDENT_SOURCES distinct sources at CORROBORATED grade. Unsourced claims count for nothing."""
    sourced = [c.source for c in claims if c.source is not None]
    if any(s.grade.at_least(SINGLE_SOURCE[standard]) for s in sourced):
        return True
    independent = {s.id for s in sourced if s.grade.at_least(CORROBORATED[standard])}
    return len(independent) >= INDEPENDENT_SOURCES


@dataclass(frozen=True, slots=True)
class CriterionAssessment:
    """One criterion, the claims that support it, its standard, and which standards the evidence meets."""

    basis: LegalBasis
    claims: tuple[Claim, ...]
    standard: Standard
    standard_stated: bool
    met: tuple[Standard, ...]  # of STANDARDS_WEAKEST_FIRST

    @property
    def meets_own_standard(self) -> bool:
        return self.standard in self.met

    @property
    def unsourced(self) -> int:
        return sum(1 for c in self.claims if c.unsourced)


def criteria_of(claim: Claim) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*KIND_CRITERIA.get(claim.kind, ()), *claim.criteria)))


def assess(claims: Iterable[Claim], bases: Mapping[str, LegalBasis]) -> list[CriterionAssessment]:
    """Every criterion some claim supports, with its claims and the standards they meet; criteria unknown
    to `bases` are skipped (a provider naming one that the compiled file lacks)."""
    by_criterion: dict[str, list[Claim]] = {}
    for claim in claims:
        for criterion in criteria_of(claim):
            if criterion in bases:
                by_criterion.setdefault(criterion, []).append(claim)
    found = []
    for criterion, supporting in by_criterion.items():
        basis = bases[criterion]
        standard, stated = standard_stated(basis)
        met = tuple(s for s in STANDARDS_WEAKEST_FIRST if meets(supporting, s))
        found.append(CriterionAssessment(basis, tuple(supporting), standard, stated, met))
    found.sort(key=lambda a: (not a.meets_own_standard, -len(a.claims), a.basis.id))
    return found
