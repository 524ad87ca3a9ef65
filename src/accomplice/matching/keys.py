"""Blocking keys: what a name shares with its spellings in other scripts, romanizations and typos.

Every name is reduced to keys: its words, each word's consonant skeleton, its syllable bigrams in each
reading, its transliteration skeleton, its Wikidata name groups. Names that share no key are not compared.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable

from accomplice.matching.model import NameForms, SyllableReading

__all__ = ["name_keys"]

VOWELS = frozenset("aeiouy")
# Words shorter than this are initials or particles; they block on nothing by themselves.
MIN_WORD_KEY_LENGTH = 2
# The consonant skeleton of short words is too unspecific to be a key ("al" -> "l").
MIN_SKELETON_WORD_LENGTH = 4


def _skeleton(word: str) -> str:
    """Consonants of a word with repeats collapsed: robust to vowel typos and doubled letters."""
    out: list[str] = []
    for ch in word:
        if ch in VOWELS or not ch.isalpha():
            continue
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _syllable_keys(readings: Iterable[SyllableReading]) -> set[str]:
    keys = set()
    for reading in readings:
        flat = reading.flat
        system = reading.system[0]
        if len(flat) >= 2:
            keys.add(f"Y:{system}:{' '.join(sorted(flat))}")
        for a, b in itertools.pairwise(flat):
            keys.add(f"y:{system}:{a} {b}")
    return keys


def name_keys(forms: NameForms) -> frozenset[str]:
    """The blocking keys of one analysed name (computed once, when the name is analysed)."""
    keys: set[str] = set()
    for token in forms.tokens:
        if len(token) >= MIN_WORD_KEY_LENGTH:
            keys.add(f"w:{token}")
        if len(token) >= MIN_SKELETON_WORD_LENGTH:
            skeleton = _skeleton(token)
            if len(skeleton) >= 2:
                keys.add(f"s:{skeleton}")
    keys |= _syllable_keys(forms.syllables)
    keys.update(f"q:{group}" for group in forms.groups)
    for token in forms.skeleton:
        if len(token) >= MIN_WORD_KEY_LENGTH:
            keys.add(f"r:{token}")
    if forms.org is not None:
        org = forms.org
        if org.key:
            keys.add(f"w:{org.key}")
        for token in org.distinctive:
            if len(token) >= MIN_WORD_KEY_LENGTH:
                keys.add(f"w:{token}")
        keys |= _syllable_keys(org.syllables)
    if forms.vessel is not None:
        keys.add(f"w:{forms.vessel.key}")
        keys |= _syllable_keys(forms.vessel.syllables)
    # The same keys recur across millions of names: share one string object per key.
    return frozenset(sys.intern(k) for k in keys)
