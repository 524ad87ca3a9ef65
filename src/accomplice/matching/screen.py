"""Screen a query against the index: candidates, full scores, threshold, best first."""

from __future__ import annotations

from dataclasses import dataclass, replace

from accomplice.matching.index import CandidateIndex
from accomplice.matching.model import Match, QueryEntity
from accomplice.matching.scorer import DEFAULT_THRESHOLD, ScoredCandidate, score_candidate

__all__ = ["CANDIDATES_SCORED", "Screener"]

# Candidates scored in full per query. The blocking weights put the true entity among the first four for
# every treated UN fixture row (bench/bench_screening_accuracy.py); 8 leaves room for common names.
CANDIDATES_SCORED = 8


def _match(scored: ScoredCandidate) -> Match:
    entity = scored.entity
    return Match(
        key=entity.key,
        keys=entity.keys,
        score=scored.score,
        schema=entity.schema,
        caption=entity.caption,
        lists=entity.lists,
        # A returned match keeps its evidence as text (it is read, stored and sent between processes).
        features=tuple(replace(f, evidence=f.detail) for f in scored.features),
    )


@dataclass(slots=True)
class Screener:
    index: CandidateIndex
    threshold: float = DEFAULT_THRESHOLD

    def match_of(self, query: QueryEntity, key: str) -> Match | None:
        """Score one given entity against the query, whatever the threshold (for confirmed matches)."""
        entity = self.index.get(key)
        if entity is None:
            return None
        return _match(score_candidate(query, entity))

    def screen(self, query: QueryEntity, *, threshold: float | None = None, limit: int = 10) -> list[Match]:
        cutoff = self.threshold if threshold is None else threshold
        matches = []
        for candidate in self.index.candidates(query, CANDIDATES_SCORED):
            scored = score_candidate(query, candidate.entity, candidate.keys)
            if scored.score >= cutoff:
                matches.append(_match(scored))
        # Best first; among equals, the member that leads its cluster (the UN entry before the others).
        matches.sort(key=lambda m: (-m.score, m.keys.index(m.key) if m.key in m.keys else 0, m.key))
        # One result per real-world entity: the best-scoring member of each cluster speaks for it.
        seen: set[str] = set()
        unique = []
        for match in matches:
            cluster = match.keys[0] if match.keys else match.key
            if cluster not in seen:
                seen.add(cluster)
                unique.append(match)
        return unique[:limit]
