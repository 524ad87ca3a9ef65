"""Low-level comparisons used by the features: Latin word alignment and syllable-sequence agreement."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from rapidfuzz.distance import OSA

from accomplice.matching.model import SyllableReading

__all__ = [
    "SyllableAgreement",
    "TokenAlignment",
    "abbreviates",
    "align_tokens",
    "compact_similarity",
    "compare_syllables",
    "expand_abbreviations",
    "initials_of",
]

# Two words closer than this (optimal string alignment, transpositions count once) may be the same word
# misspelt; below it they are different words. 0.6 admits one edit in a 3-letter word pair... but not two.
WORD_MIN_SIMILARITY = 0.6
# How much of the score comes from covering the query's words versus the listed name's words: a query
# that is wholly inside a longer listed name ("RESHAD" in "HABIBULLAH RESHAD") is likelier the same
# person than a listed name that covers only part of a long query.
QUERY_COVERAGE_WEIGHT = 0.7
# Edits allowed between two names compared as one string: a typo or two, not a different word.
COMPACT_MAX_EDITS = 2
# A number in a name (a hull number, "No. 2 branch") decides as much as a word: JI SONG 6 is not JI SONG 8.
NUMBER_WEIGHT = 4.0
# Single letters (initials) carry little weight but still count.
MIN_WORD_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class TokenAlignment:
    score: float
    pairs: tuple[tuple[str, str, float], ...]
    unmatched_query: tuple[str, ...]
    unmatched_candidate: tuple[str, ...]


def _weight(token: str) -> float:
    if token.isdigit():
        return NUMBER_WEIGHT
    return max(MIN_WORD_WEIGHT, float(len(token)))


def align_tokens(query: tuple[str, ...], candidate: tuple[str, ...]) -> TokenAlignment | None:
    """Pair each query word with its closest listed word (order-free), and score the coverage."""
    if not query or not candidate:
        return None
    q_weights = [_weight(t) for t in query]
    c_weights = [_weight(t) for t in candidate]
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[str, str, float]] = []
    q_cover = c_cover = 0.0
    # Identical words pair first (most names share some); only the rest need edit distances.
    positions: dict[str, list[int]] = {}
    for j, c in enumerate(candidate):
        positions.setdefault(c, []).append(j)
    for i, q in enumerate(query):
        free = positions.get(q)
        if free:
            j = free.pop(0)
            used_q.add(i)
            used_c.add(j)
            pairs.append((q, q, 1.0))
            q_cover += q_weights[i]
            c_cover += c_weights[j]
    if len(used_q) < len(query) and len(used_c) < len(candidate):
        scored = []
        for i, q in enumerate(query):
            if i in used_q:
                continue
            for j, c in enumerate(candidate):
                if j in used_c:
                    continue
                # score_cutoff lets the C code stop as soon as the pair cannot reach the minimum.
                sim = OSA.normalized_similarity(q, c, score_cutoff=WORD_MIN_SIMILARITY)
                if sim:
                    scored.append((sim, -abs(i - j), i, j))
        scored.sort(reverse=True)
        for sim, _, i, j in scored:
            if i in used_q or j in used_c:
                continue
            used_q.add(i)
            used_c.add(j)
            pairs.append((query[i], candidate[j], sim))
            q_cover += q_weights[i] * sim
            c_cover += c_weights[j] * sim
    score = QUERY_COVERAGE_WEIGHT * q_cover / sum(q_weights) + (1 - QUERY_COVERAGE_WEIGHT) * c_cover / sum(
        c_weights
    )
    return TokenAlignment(
        score,
        tuple(pairs),
        tuple(t for i, t in enumerate(query) if i not in used_q),
        tuple(t for j, t in enumerate(candidate) if j not in used_c),
    )


# Shortest abbreviation read as one (NATL, DEV): two letters are initials, not a shortened word.
MIN_ABBREVIATION_LENGTH = 3


def abbreviates(short: str, word: str) -> bool:
    """`short` is a shortening of `word` the way lists shorten business words: NATL national, DEV
    development, ADMIN administration, MFG manufacturing (the same first letter, the rest of the letters in
    order, and either a prefix or the same last letter)."""
    if len(short) < MIN_ABBREVIATION_LENGTH or len(short) >= len(word) or short[0] != word[0]:
        return False
    if not short.isalpha() or not word.isalpha():
        return False
    if word.startswith(short):
        return True
    if short[-1] != word[-1]:
        return False
    position = 0
    for ch in short:
        position = word.find(ch, position) + 1
        if position == 0:
            return False
    return True


def expand_abbreviations(
    query: tuple[str, ...], candidate: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Both word lists with each abbreviation replaced by the word it shortens on the other side, and
    the abbreviations so read ("natl=national"), for the explanation."""
    q_words, c_words = set(query), set(candidate)
    read: list[str] = []

    def expand(tokens: tuple[str, ...], other: set[str], mine: set[str]) -> tuple[str, ...]:
        out = []
        for token in tokens:
            if token not in other:
                full = next((w for w in sorted(other - mine) if abbreviates(token, w)), None)
                if full is not None:
                    read.append(f"{token}={full}")
                    token = full
            out.append(token)
        return tuple(out)

    expanded_q = expand(query, c_words, q_words)
    expanded_c = expand(candidate, q_words, c_words)
    return expanded_q, expanded_c, tuple(read)


# Words an acronym leaves out: KOREAN COMMITTEE FOR SPACE TECHNOLOGY is KCST.
ACRONYM_SKIPPED_WORDS = frozenset({"of", "for", "the", "and", "de", "du"})


def initials_of(tokens: tuple[str, ...]) -> str:
    return "".join(t[0] for t in tokens if t and t not in ACRONYM_SKIPPED_WORDS and not t.isdigit())


def compact_similarity(query: tuple[str, str], candidate: tuple[str, str]) -> float:
    """Similarity of two names with spaces removed, as (written, sorted words) strings.

    Catches words split or joined differently ("MYONGC HIN" / "MYONG CHIN", "Jongun" / "Jong Un"). Only
    near-identical strings count: a long name absorbs a whole different word within a small ratio
    ("...KWANGSON BANKING..." vs "...KWANGSONG TRADING..."), so more than a typo's worth of edits is 0.
    """
    best = 0.0
    for q, c in zip(query, candidate, strict=True):
        if not q or not c:
            continue
        edits = OSA.distance(q, c, score_cutoff=COMPACT_MAX_EDITS)
        if edits <= COMPACT_MAX_EDITS:
            best = max(best, 1.0 - edits / max(len(q), len(c)))
    return best


@dataclass(frozen=True, slots=True)
class SyllableAgreement:
    """How two syllable readings line up: all agree, or how many syllables differ."""

    mismatches: int
    query: SyllableReading
    candidate: SyllableReading
    syllables: int


def compare_syllables(
    query: tuple[SyllableReading, ...], candidate: tuple[SyllableReading, ...], system: str
) -> SyllableAgreement | None:
    """Best agreement between any query reading and any candidate reading of the same system.

    Readings agree position by position once word order is allowed to differ; names of different
    syllable counts do not agree at all (a missing syllable is not a spelling variant).
    """
    best: SyllableAgreement | None = None
    q_readings = [r for r in query if r.system == system]
    c_readings = [r for r in candidate if r.system == system]
    for q, c in product(q_readings, c_readings):
        q_flat = q.flat
        if len(q_flat) != len(c.flat) or not q_flat:
            continue
        for c_order in c.orders:
            if q_flat == c_order:
                return SyllableAgreement(0, q, c, len(q_flat))
            mismatches = sum(a != b for a, b in zip(q_flat, c_order, strict=True))
            if best is None or mismatches < best.mismatches:
                best = SyllableAgreement(mismatches, q, c, len(q_flat))
                if mismatches == 0:
                    return best
    return best
