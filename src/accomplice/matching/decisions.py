"""Analysts' decisions on screening results, and how they override scores. Pure: values in, values out."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from accomplice.matching.model import FeatureResult, Match
from accomplice.names.normalize import fold

__all__ = [
    "JUDGEMENTS",
    "Decision",
    "apply_decisions",
    "dismissed",
    "entity_fingerprint",
    "latest_decisions",
    "query_fingerprint",
    "require_reason",
    "without_dismissed",
]

JUDGEMENTS = ("match", "no-match")


@dataclass(frozen=True, slots=True)
class Decision:
    query_fingerprint: str
    query_text: str
    entity_key: str
    judgement: str  # "match" | "no-match"
    reason: str
    user: str
    entity_fingerprint: str
    created_at: datetime
    # Whose decision: "" = the enforcement side's shared decisions, else the member organisation whose
    # compliance team took it. Screening applies one organisation's decisions only (never a mix).
    org: str = ""


def require_reason(reason: str) -> str:
    """The reason, trimmed; ValueError when there is none. Every decision is read later by someone who
    must know why it was taken, and a "not a match" without a reason would hide a hit without a trace."""
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise ValueError("a decision needs a reason: say why the pair is (or is not) a match")
    return cleaned


def dismissed(match: Match) -> bool:
    """An analyst decided this pair is not a match, on the listed entity's current values."""
    return match.decision == "no-match"


def without_dismissed(matches: Iterable[Match]) -> list[Match]:
    """The matches an analyst has not dismissed: what `--hide-decided` shows."""
    return [m for m in matches if not dismissed(m)]


def query_fingerprint(
    name: str, *, schema: str | None = None, birth_date: str | None = None, nationality: str | None = None
) -> str:
    """Who was screened: the folded name with the evidence that tells namesakes apart."""
    parts = [fold(name), (schema or "").lower(), (birth_date or "").strip(), fold(nationality or "")]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def entity_fingerprint(props: Mapping[str, Sequence[str]]) -> str:
    """The listed entity's values as of now; a decision taken on other values is asked again."""
    digest = hashlib.sha256()
    for prop in sorted(props):
        for value in sorted(props[prop]):
            digest.update(f"{prop}\x1f{value}\x1e".encode())
    return digest.hexdigest()[:32]


def latest_decisions(decisions: Iterable[Decision]) -> dict[tuple[str, str], Decision]:
    """The newest decision for each (query, entity) pair: decisions are append-only."""
    latest: dict[tuple[str, str], Decision] = {}
    for decision in sorted(decisions, key=lambda d: d.created_at):
        latest[(decision.query_fingerprint, decision.entity_key)] = decision
    return latest


def _decision_feature(decision: Decision, stale: bool) -> FeatureResult:
    when = decision.created_at.strftime("%Y-%m-%d")
    verdict = "a match" if decision.judgement == "match" else "not a match"
    detail = f"{decision.user} on {when}: {verdict}" + (f" — {decision.reason}" if decision.reason else "")
    if stale:
        return FeatureResult(
            "decision_outdated",
            "An analyst decided on this pair, but the listed entity has changed since: decide again.",
            0.0,
            detail,
            "decision",
        )
    return FeatureResult(
        "analyst_decided", "An analyst has already decided on this pair.", 0.0, detail, "decision"
    )


def apply_decisions(
    matches: Sequence[Match],
    fingerprint: str,
    decisions: Mapping[tuple[str, str], Decision],
    entity_fingerprints: Mapping[str, str],
    decided_extra: Sequence[Match] = (),
) -> list[Match]:
    """Override scores with remembered decisions: a match scores 1; a non-match keeps its score, is marked
    with its decision and comes after every match still to review, so that no output loses its trace.

    A decision on an entity whose values changed since is not applied; it is shown as outdated.
    `decided_extra` holds below-threshold matches that an analyst has confirmed, to be brought back.
    """
    result: list[Match] = []
    seen = set()
    for match in [*matches, *decided_extra]:
        if match.key in seen:
            continue
        seen.add(match.key)
        # A decision may name any list key of the entity (ofac:20157 for the UN-led cluster it is in).
        decision = next(
            (
                decisions[(fingerprint, key)]
                for key in (match.key, *match.keys)
                if (fingerprint, key) in decisions
            ),
            None,
        )
        if decision is None:
            if match in matches:
                result.append(match)
            continue
        stale = entity_fingerprints.get(match.key) != decision.entity_fingerprint
        feature = _decision_feature(decision, stale)
        if stale:
            if match in matches:
                result.append(replace(match, features=(feature, *match.features)))
            continue
        score = 1.0 if decision.judgement == "match" else match.score
        result.append(
            replace(
                match,
                score=score,
                decision=decision.judgement,
                decided=decision,
                features=(feature, *match.features),
            )
        )
    result.sort(key=lambda m: (dismissed(m), -m.score, m.key))
    return result
