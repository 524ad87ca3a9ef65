"""Segment one written word (Latin or Cyrillic) into Korean syllables, as romanization-invariant keys.

A *scheme* says how a script spells the parts of a Korean syllable: onsets (initial consonant + vowel) and
finals, each spelling with the key classes it can stand for and a cost (0 for what a published system or
established practice writes, more for informal spellings). The engine finds every way to cut the word into
onset+final syllables, takes the cheapest key choices per cut, adds the alternatives that the writing's
sound changes hide (MR writes 종로 Chongno: ``ngn`` may be ㅇ+ㄹ), and returns the key tuples cheapest
first. Hyphens and the scheme's separators (MR's apostrophe, Cyrillic ъ) are syllable boundaries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["JUNCTION_ALTERNATIVES", "Scheme", "SyllableKey", "segment_word"]

# (initial class, vowel class, final class) of one syllable, e.g. ("c", "o", "ng") for 정.
SyllableKey = tuple[str, str, str]

# At most this many cuts of one word are expanded: a Korean name word has one to three plausible cuts; more
# only arise from long non-Korean words, which should cost little.
MAX_CUTS = 16
# Partial key sequences kept while expanding one cut, cheapest first. Thirty-two covers the alternatives of
# a three-syllable word (informal vowels, nasal assimilation) without letting a long word explode.
BEAM = 32
# Key tuples returned per word; beyond this the alternatives are informal spellings of long words.
MAX_SEGMENTATIONS = 32
# The longest romanized Korean syllable is six letters ("ssyeong" aside, which has seven) and a name written
# without spaces has at most five syllables (a three-syllable given name after a two-syllable surname):
# a longer "word" is not Korean, and segmenting it would only cost time (and recursion depth).
MAX_WORD_LETTERS = 36

# Sound changes that hide the written syllables (Standard Pronunciation arts. 18–20; written out by
# McCune–Reischauer and Kontsevich): for a written (previous final, next initial), the other
# (final, initial) pairs that sound — and so are spelled — the same, with a cost.
JUNCTION_ALTERNATIVES: Mapping[tuple[str, str], tuple[tuple[str, str, int], ...]] = {
    ("ng", "n"): (("k", "n", 1), ("ng", "r", 1), ("k", "r", 1)),  # 학년 hangnyŏn, 종로, 독립 tongnip
    ("ng", "m"): (("k", "m", 1),),  # 박명 Pangmyŏng
    ("n", "n"): (("t", "n", 1),),  # 맏누이 mannui
    ("n", "m"): (("t", "m", 1),),
    ("m", "n"): (("m", "r", 1), ("p", "r", 1), ("p", "n", 1)),  # 남루 namnu, 법률 pŏmnyul
    ("m", "m"): (("p", "m", 1),),  # 십만 simman
    ("l", "r"): (("n", "r", 1), ("l", "n", 1)),  # 신라 Silla, 설날 sŏllal
}


@dataclass(frozen=True, slots=True)
class Scheme:
    """How one script spells Korean syllables."""

    name: str
    # spelling → ((initial class, vowel class, cost), ...)
    onsets: Mapping[str, tuple[tuple[str, str, int], ...]]
    # spelling → ((final class, cost), ...); "" must be present (no final)
    finals: Mapping[str, tuple[tuple[str, int], ...]]
    # characters that mark a syllable boundary and are skipped
    separators: frozenset[str] = field(default_factory=lambda: frozenset("-'"))
    max_onset: int = 0
    max_final: int = 0
    # every proper prefix of an onset spelling, so that the scan stops as soon as no spelling can match
    onset_prefixes: frozenset[str] = frozenset()
    final_lengths: tuple[int, ...] = ()

    @staticmethod
    def build(
        name: str,
        onsets: Mapping[str, tuple[tuple[str, str, int], ...]],
        finals: Mapping[str, tuple[tuple[str, int], ...]],
        separators: Iterable[str] = "-'",
    ) -> Scheme:
        return Scheme(
            name=name,
            onsets=dict(onsets),
            finals=dict(finals),
            separators=frozenset(separators),
            max_onset=max(len(s) for s in onsets),
            max_final=max(len(s) for s in finals),
            onset_prefixes=frozenset(s[:k] for s in onsets for k in range(1, len(s) + 1)),
            final_lengths=tuple(sorted({len(f) for f in finals})),
        )


# An edge of the cut graph: the syllable spelled word[start:end], with its onset and final options.
_Edge = tuple[int, tuple[tuple[str, str, int], ...], tuple[tuple[str, int], ...]]


def _edges(word: str, scheme: Scheme) -> list[list[_Edge]]:
    """For each position, the syllables that can start there (end, onset options, final options)."""
    n = len(word)
    out: list[list[_Edge]] = [[] for _ in range(n + 1)]
    onsets, finals, prefixes = scheme.onsets, scheme.finals, scheme.onset_prefixes
    for i in range(n):
        if word[i] in scheme.separators:
            continue
        for j in range(i + 1, min(n, i + scheme.max_onset) + 1):
            piece = word[i:j]
            if piece not in prefixes:
                break
            onset = onsets.get(piece)
            if onset is None:
                continue
            for length in scheme.final_lengths:
                if j + length > n:
                    break
                final = finals.get(word[j : j + length])
                if final is not None:
                    out[i].append((j + length, onset, final))
    for edges in out:
        # Longest syllables first: the cut with the fewest syllables is the likeliest reading, and the
        # search below stops after MAX_CUTS cuts.
        edges.sort(key=lambda edge: -edge[0])
    return out


def _cuts(
    word: str, scheme: Scheme
) -> list[list[tuple[tuple[tuple[str, str, int], ...], tuple[tuple[str, int], ...]]]]:
    """Every cut of the word into syllables (at most MAX_CUTS), as lists of (onset options, final options)."""
    n = len(word)
    edges = _edges(word, scheme)
    separators = scheme.separators
    # reachable_end[i]: a full cut exists from i to the end (backwards pass keeps the search linear).
    reachable = [False] * (n + 1)
    reachable[n] = True
    for i in range(n - 1, -1, -1):
        if word[i] in separators:
            reachable[i] = reachable[i + 1]
        else:
            reachable[i] = any(reachable[end] for end, _, _ in edges[i])
    if not reachable[0]:
        return []
    cuts: list[list[tuple[tuple[tuple[str, str, int], ...], tuple[tuple[str, int], ...]]]] = []
    path: list[tuple[tuple[tuple[str, str, int], ...], tuple[tuple[str, int], ...]]] = []

    def walk(i: int) -> None:
        if len(cuts) >= MAX_CUTS:
            return
        while i < n and word[i] in separators:
            i += 1
        if i == n:
            if path:
                cuts.append(list(path))
            return
        for end, onset, final in edges[i]:
            if reachable[end]:
                path.append((onset, final))
                walk(end)
                path.pop()

    walk(0)
    return cuts


def _expand(
    cut: list[tuple[tuple[tuple[str, str, int], ...], tuple[tuple[str, int], ...]]], max_cost: int
) -> list[tuple[int, tuple[SyllableKey, ...]]]:
    partials: list[tuple[int, tuple[SyllableKey, ...]]] = [(0, ())]
    for onset_options, final_options in cut:
        grown: dict[tuple[SyllableKey, ...], int] = {}
        for cost, keys in partials:
            for initial, vowel, onset_cost in onset_options:
                for final, final_cost in final_options:
                    total = cost + onset_cost + final_cost
                    if total > max_cost:
                        continue
                    syllable = (initial, vowel, final)
                    candidate = (*keys, syllable)
                    if grown.get(candidate, max_cost + 1) > total:
                        grown[candidate] = total
                    if not keys:
                        continue
                    prev = keys[-1]
                    for prev_final, next_initial, extra in JUNCTION_ALTERNATIVES.get((prev[2], initial), ()):
                        if total + extra > max_cost:
                            continue
                        alt = (*keys[:-1], (prev[0], prev[1], prev_final), (next_initial, vowel, final))
                        if grown.get(alt, max_cost + 1) > total + extra:
                            grown[alt] = total + extra
        partials = sorted(((c, k) for k, c in grown.items()), key=lambda item: item[0])[:BEAM]
        if not partials:
            return []
    return partials


def segment_word(word: str, scheme: Scheme, *, max_cost: int) -> list[tuple[SyllableKey, ...]]:
    """Key tuples of one normalised word (lower case, scheme letters only), cheapest first; [] if none."""
    if len(word) > MAX_WORD_LETTERS:
        return []
    best: dict[tuple[SyllableKey, ...], int] = {}
    for cut in _cuts(word, scheme):
        for cost, keys in _expand(cut, max_cost):
            if best.get(keys, max_cost + 1) > cost:
                best[keys] = cost
    ranked = sorted(best.items(), key=lambda item: (item[1], len(item[0])))
    return [keys for keys, _ in ranked[:MAX_SEGMENTATIONS]]
