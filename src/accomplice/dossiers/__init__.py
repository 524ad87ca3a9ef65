"""Designation dossiers and the candidate finder: claims with sources and grades, the legal bases they
support, the standards of proof they meet, the designation gap, and candidate scores that explain themselves.

Pure: values in, values out. The services read the store through claim providers (services.dossiers).
"""

from __future__ import annotations

from accomplice.dossiers.claims import Claim, ClaimKind, ClaimProvider, Grade, SourceRef, Target
from accomplice.dossiers.dossier import (
    GAP_REGIMES,
    DesignationGap,
    Dossier,
    IdentityRow,
    Listing,
    assemble,
    designation_gap,
    regime_of,
)
from accomplice.dossiers.legal import (
    CriterionAssessment,
    LegalBasis,
    Standard,
    assess,
    criteria_named_in,
    legal_bases_from,
    meets,
)
from accomplice.dossiers.scoring import KIND_WEIGHTS, Candidate, Reason, score_of

__all__ = [
    "GAP_REGIMES",
    "KIND_WEIGHTS",
    "Candidate",
    "Claim",
    "ClaimKind",
    "ClaimProvider",
    "CriterionAssessment",
    "DesignationGap",
    "Dossier",
    "Grade",
    "IdentityRow",
    "LegalBasis",
    "Listing",
    "Reason",
    "SourceRef",
    "Standard",
    "Target",
    "assemble",
    "assess",
    "criteria_named_in",
    "designation_gap",
    "legal_bases_from",
    "meets",
    "regime_of",
    "score_of",
]
