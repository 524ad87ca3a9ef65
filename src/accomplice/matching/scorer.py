"""Combine features into one score in 0..1 per candidate, keeping the features that explain it."""

from __future__ import annotations

from dataclasses import dataclass

from accomplice.matching.features import (
    CAP_FEATURES,
    EVIDENCE_FEATURES,
    NAME_FEATURES,
    WEAK_ALIAS_FACTOR,
    identifier_matches,
    label_of,
)
from accomplice.matching.model import FeatureResult, IndexedEntity, NameForms, QueryEntity

__all__ = [
    "DEFAULT_THRESHOLD",
    "ScoredCandidate",
    "schema_kind",
    "schemas_compatible",
    "score_candidate",
    "score_names",
]

# Calibrated on the development sets (docs/benchmarks.md): the score at which a result is an alert.
DEFAULT_THRESHOLD = 0.80

PERSON = "Person"
ORGANISATIONS = {"Organization", "Company", "PublicBody"}
VEHICLES = {"Vessel", "Airplane", "Vehicle"}
# Broad schemas that may stand for several kinds: a LegalEntity can be a person or an organisation.
BROAD = {"LegalEntity", "Thing", ""}


def schema_kind(schema: str | None) -> str:
    if not schema or schema in BROAD:
        return "any"
    if schema == PERSON:
        return "person"
    if schema in ORGANISATIONS:
        return "organisation"
    if schema in VEHICLES:
        return "vehicle"
    return "any"


def schemas_compatible(query: str | None, candidate: str) -> bool:
    """A person cannot match an organisation or a vessel; broad schemas match anything."""
    q, c = schema_kind(query), schema_kind(candidate)
    if "any" in (q, c):
        # A LegalEntity query may be a person or an organisation, never a ship.
        return not ({q, c} & {"vehicle"} and {q, c} & {"person", "organisation"})
    return q == c


def schema_mismatch(query: QueryEntity, candidate: IndexedEntity) -> FeatureResult:
    """The query and the listed entity are different kinds of thing (a person, a company, a ship)."""
    detail = f"{query.schema or 'any'} vs listed {candidate.schema}"
    return FeatureResult("schema_mismatch", label_of(schema_mismatch), 0.0, detail, "cap")


def score_names(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """The best name feature for one pair of names, lowered by any cap that applies."""
    best: FeatureResult | None = None
    for feature in NAME_FEATURES:
        result = feature(query, candidate)
        if result is not None and (best is None or result.score > best.score):
            best = result
            if best.score >= 1.0:
                break
    if best is None:
        return None
    for cap in CAP_FEATURES:
        capped = cap(query, candidate)
        if capped is not None and capped.score < best.score:
            detail = f"{capped.detail}; otherwise {best.name} {best.score:.2f}"
            best = FeatureResult(capped.name, capped.label, capped.score, detail, "cap")
    if candidate.weak or query.weak:
        best = FeatureResult(
            best.name, best.label, best.score * WEAK_ALIAS_FACTOR, best.detail + " (weak alias)", best.kind
        )
    return best


def _comparable_pairs(
    query: QueryEntity, candidate: IndexedEntity, keys: frozenset[str] | None = None
) -> list[tuple[NameForms, NameForms]]:
    """Pairs of names that share at least one blocking key (a word, a skeleton, a syllable pair...).

    A listed entity may carry dozens of aliases; those that share nothing with the query name cannot
    reach the threshold and are not compared. If no pair shares a key (the candidate came through an
    identifier), every pair is compared. `keys`, when given, are the informative query keys (common words
    left out): pairs that share only "kim" or "trading" are not compared either.
    """
    if keys:
        pairs = [(q, c) for q in query.names for c in candidate.names if q.keys & c.keys & keys]
        if pairs:
            return pairs
    pairs = [(q, c) for q in query.names for c in candidate.names if q.keys & c.keys]
    return pairs or [(q, c) for q in query.names for c in candidate.names]


@dataclass(frozen=True, slots=True)
class ScoredCandidate:
    entity: IndexedEntity
    score: float
    features: tuple[FeatureResult, ...]


def score_candidate(
    query: QueryEntity, candidate: IndexedEntity, keys: frozenset[str] | None = None
) -> ScoredCandidate:
    """Score one candidate: best name pair, then evidence for and against, clipped to 0..1."""
    if not schemas_compatible(query.schema, candidate.schema):
        return ScoredCandidate(candidate, 0.0, (schema_mismatch(query, candidate),))
    best: FeatureResult | None = None
    for q_name, c_name in _comparable_pairs(query, candidate, keys):
        result = score_names(q_name, c_name)
        if result is not None and (best is None or result.score > best.score):
            best = result
    features: list[FeatureResult] = [best] if best is not None else []
    score = best.score if best is not None else 0.0
    decided = False
    for feature in EVIDENCE_FEATURES:
        result = feature(query, candidate)
        if result is None:
            continue
        features.append(result)
        if feature is identifier_matches:
            decided = True
        else:
            score += result.score
    if decided:
        score = max(score, identifier_matches_score(features))
    return ScoredCandidate(candidate, round(min(1.0, max(0.0, score)), 4), tuple(features))


def identifier_matches_score(features: list[FeatureResult]) -> float:
    return max(f.score for f in features if f.name == identifier_matches.__name__)
