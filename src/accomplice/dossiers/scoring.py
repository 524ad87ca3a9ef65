"""Candidate scores that explain themselves: each link to a listed party adds a reason with its weight.

A candidate is an entity that the target list does not name (yet): an entry of another list, a trade
party, an owner or subsidiary. Its score combines the reasons as independent pieces of evidence
(noisy-OR: 1 - Π(1 - w)), so that one strong link (a 50 % owner on the list) outweighs many weak ones
and the score stays in [0, 1]; each reason keeps its weight, source and the listed key it points at, as a
screening match keeps its features.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from accomplice.dossiers.claims import ClaimKind

__all__ = ["KIND_WEIGHTS", "MAX_REASONS_PER_KIND", "Candidate", "Reason", "score_of"]

# Weights: how strongly each kind of link alone suggests the candidate meets a designation criterion.
# Listed by another of the UN/EU/UK regimes: the strongest single sign (regimes follow each other; OFAC's
# own Russia and DPRK rounds repeat EU and UK entries). 50 % ownership by a designee blocks by operation of
# law (OFAC's 50 % rule), so it is near-certain; a shared registration number is the same company in
# practice; a shared address or phone is a front's usual trace but also a registered agent's, so weaker.
KIND_WEIGHTS: Mapping[ClaimKind, float] = {
    ClaimKind.LISTED: 0.6,
    ClaimKind.OWNED_BY_LISTED: 0.8,
    ClaimKind.MINORITY_OWNED_BY_LISTED: 0.4,
    ClaimKind.OWNS_LISTED: 0.35,
    ClaimKind.LINKED_TO_LISTED: 0.5,
    ClaimKind.SHARED_IDENTIFIER: 0.7,
    ClaimKind.SHARED_ADDRESS: 0.25,
    ClaimKind.SHARED_CONTACT: 0.35,
    ClaimKind.TRADES_WITH_LISTED: 0.3,
    ClaimKind.DPRK_LABOUR: 0.5,
    ClaimKind.ENFORCEMENT: 0.5,
    ClaimKind.CASE: 0.4,
    ClaimKind.INCIDENT: 0.3,
    ClaimKind.DPRK_NEXUS: 0.2,
}
# Twenty shared addresses at one business centre are one fact, not twenty: only the strongest few reasons
# of a kind count towards the score (all are still shown).
MAX_REASONS_PER_KIND = 2


@dataclass(frozen=True, slots=True)
class Reason:
    kind: ClaimKind
    text: str
    weight: float
    source: str  # the list or record the link comes from
    related_key: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    key: str | None
    country: str | None
    score: float
    reasons: tuple[Reason, ...]
    lists: tuple[str, ...] = ()  # the lists that already name it (empty for an unlisted party)


def score_of(reasons: Iterable[Reason]) -> float:
    """Noisy-OR of the reasons' weights, counting at most MAX_REASONS_PER_KIND reasons of each kind."""
    by_kind: dict[ClaimKind, list[float]] = {}
    for reason in reasons:
        by_kind.setdefault(reason.kind, []).append(reason.weight)
    miss = 1.0
    for weights in by_kind.values():
        for weight in sorted(weights, reverse=True)[:MAX_REASONS_PER_KIND]:
            miss *= 1.0 - weight
    return round(1.0 - miss, 4)
