"""Pure matching core: name analysis, a candidate index, and scoring features that explain themselves."""

from __future__ import annotations

from accomplice.matching.analyze import NameHint, analyze_name
from accomplice.matching.build import indexed_entity, query_entity
from accomplice.matching.index import CandidateIndex
from accomplice.matching.model import FeatureResult, IndexedEntity, Match, NameForms, QueryEntity
from accomplice.matching.scorer import DEFAULT_THRESHOLD, score_candidate
from accomplice.matching.screen import Screener

__all__ = [
    "DEFAULT_THRESHOLD",
    "CandidateIndex",
    "FeatureResult",
    "IndexedEntity",
    "Match",
    "NameForms",
    "NameHint",
    "QueryEntity",
    "Screener",
    "analyze_name",
    "indexed_entity",
    "query_entity",
    "score_candidate",
]
