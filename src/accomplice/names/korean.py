"""Korean names across scripts: the public surface the screening engine codes against.

Hangul basics (:mod:`accomplice.names.hangul`), romanizers (:mod:`~accomplice.names.korean_romanization`),
romanization-invariant keys (:mod:`~accomplice.names.korean_keys`), Kontsevich Cyrillic
(:mod:`~accomplice.names.kontsevich`), Hanja readings (:mod:`~accomplice.names.hanja`) and the surname table
(:mod:`~accomplice.names.korean_surnames`), plus :func:`korean_name_keys`, which reads a whole name in any
of those scripts into comparable key tuples.

Two names *agree* when their key sets intersect. Keys are per syllable, so 김정은 / Kim Jong Un / Kim
Chŏng-ŭn / Gim Jeong-eun / Ким Чен Ын / 金正恩 all give ``('kim', 'cong', 'un')`` while Kim Jong Il gives
``('kim', 'cong', 'il')``: a one-syllable difference is visible to the matcher, which should treat it as
another person.
"""

from __future__ import annotations

import itertools
import unicodedata

from accomplice.names.hangul import (
    compose,
    contains_cyrillic,
    contains_hangul,
    contains_hanja,
    decompose,
    dominant_script,
    initial_sound_rule,
    is_hangul_syllable,
    jamo,
)
from accomplice.names.hanja import hanja_reading, hanja_to_hangul
from accomplice.names.kontsevich import cyrillic_keys, hangul_to_cyrillic
from accomplice.names.korean_keys import fold_initial_sound, hangul_keys, latin_keys, syllable_key
from accomplice.names.korean_romanization import romanize_dprk, romanize_mr, romanize_rr, split_korean_name
from accomplice.names.korean_surnames import Surname, surname_info

__all__ = [
    "Surname",
    "compose",
    "contains_cyrillic",
    "contains_hangul",
    "contains_hanja",
    "cyrillic_keys",
    "decompose",
    "dominant_script",
    "fold_initial_sound",
    "hangul_keys",
    "hangul_to_cyrillic",
    "hanja_reading",
    "hanja_to_hangul",
    "initial_sound_rule",
    "is_hangul_syllable",
    "jamo",
    "korean_name_keys",
    "korean_names_agree",
    "latin_keys",
    "romanize_dprk",
    "romanize_mr",
    "romanize_rr",
    "split_korean_name",
    "surname_info",
    "syllable_key",
]

# Whole-name key tuples kept per name: the product of each word's readings, cheapest first. A three-word
# DPRK-style name has at most a few dozen; the cap only bites on long informal or non-Korean strings.
MAX_NAME_KEYS = 256


def _fold(keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold_initial_sound(k) for k in keys)


def korean_name_keys(text: str, *, fold: bool = True, informal: bool = True) -> frozenset[tuple[str, ...]]:
    """Every key tuple a Korean name in any script may stand for, syllables of all words in order.

    Hangul gives one tuple (``김 정은`` → ``('kim', 'cong', 'un')``); Hanja gives its Korean readings, North
    and South; Latin and Cyrillic give every cut of every word, combined (at most ``MAX_NAME_KEYS``). A
    Latin or Cyrillic name with a word that cannot be Korean gives the empty set. ``fold`` applies the
    initial-sound equivalence (리 = 이 = Ri = Lee) to every syllable; ``informal`` admits informal spellings
    (Lee, Park, Choi, Jung) besides McCune–Reischauer, DPRK, Revised Romanization and Kontsevich.
    """
    text = unicodedata.normalize("NFC", text)
    found: set[tuple[str, ...]] = set()
    script = dominant_script(text)
    if contains_hanja(text) and script in ("hangul", "hanja"):
        for reading in hanja_to_hangul(text):
            found.add(tuple(itertools.chain.from_iterable(hangul_keys(reading))))
    elif script == "hangul":
        found.add(tuple(itertools.chain.from_iterable(hangul_keys(text))))
    elif script in ("latin", "cyrillic"):
        per_word = (
            latin_keys(text, informal=informal)
            if script == "latin"
            else cyrillic_keys(text, informal=informal)
        )
        if not per_word or any(not options for options in per_word):
            return frozenset()
        for combination in itertools.islice(itertools.product(*per_word), MAX_NAME_KEYS):
            found.add(tuple(itertools.chain.from_iterable(combination)))
    found.discard(())
    if fold:
        return frozenset(_fold(keys) for keys in found)
    return frozenset(found)


def korean_names_agree(a: str, b: str, *, informal: bool = True) -> bool:
    """True if two names, in any scripts, can be the same Korean name syllable for syllable."""
    return bool(korean_name_keys(a, informal=informal) & korean_name_keys(b, informal=informal))
