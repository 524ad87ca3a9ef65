"""Hangul basics: syllable ⇄ jamo arithmetic and script detection.

Unicode lays out the 11,172 precomposed syllables U+AC00–U+D7A3 as
``0xAC00 + (initial * 21 + vowel) * 28 + final`` (Unicode Standard, §3.12 "Conjoining Jamo Behavior"), so
decomposition is arithmetic, not a table. Conjoining jamo sequences (U+1100 block) are composed first by NFC.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

__all__ = [
    "FINALS",
    "INITIALS",
    "VOWELS",
    "Script",
    "compose",
    "contains_cyrillic",
    "contains_hangul",
    "contains_hanja",
    "decompose",
    "dominant_script",
    "initial_sound_rule",
    "is_hangul_syllable",
    "is_hanja",
    "jamo",
]

SYLLABLE_BASE = 0xAC00
SYLLABLE_LAST = 0xD7A3
VOWEL_COUNT = 21
FINAL_COUNT = 28

# Compatibility jamo letters, in Unicode's order of the conjoining initials, medials and finals.
INITIALS: tuple[str, ...] = tuple("ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ")
VOWELS: tuple[str, ...] = tuple("ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ")
FINALS: tuple[str, ...] = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")

_INITIAL_INDEX = {letter: i for i, letter in enumerate(INITIALS)}
_VOWEL_INDEX = {letter: i for i, letter in enumerate(VOWELS)}
_FINAL_INDEX = {letter: i for i, letter in enumerate(FINALS)}

Script = Literal["hangul", "hanja", "cyrillic", "latin", "other", "none"]
_SCRIPT_ORDER: tuple[Script, ...] = ("hangul", "hanja", "cyrillic", "latin", "other")


def is_hangul_syllable(char: str) -> bool:
    """True for one precomposed Hangul syllable (가–힣)."""
    return len(char) == 1 and SYLLABLE_BASE <= ord(char) <= SYLLABLE_LAST


def decompose(syllable: str) -> tuple[int, int, int]:
    """Indices (initial 0–18, vowel 0–20, final 0–27; 0 = no final) of one precomposed syllable.

    Raises ``ValueError`` for anything else, so that callers cannot mistake a non-syllable for ㄱㅏ.
    """
    if not is_hangul_syllable(syllable):
        raise ValueError(f"not a Hangul syllable: {syllable!r}")
    offset = ord(syllable) - SYLLABLE_BASE
    return offset // (VOWEL_COUNT * FINAL_COUNT), (offset // FINAL_COUNT) % VOWEL_COUNT, offset % FINAL_COUNT


def jamo(syllable: str) -> tuple[str, str, str]:
    """The syllable's letters as compatibility jamo: 정 → ('ㅈ', 'ㅓ', 'ㅇ'); no final is ''."""
    initial, vowel, final = decompose(syllable)
    return INITIALS[initial], VOWELS[vowel], FINALS[final]


def compose(initial: str, vowel: str, final: str = "") -> str:
    """One syllable from compatibility jamo: compose('ㅈ', 'ㅓ', 'ㅇ') → '정'.

    Raises ``ValueError`` for a letter that cannot stand in that position.
    """
    try:
        i, v, f = _INITIAL_INDEX[initial], _VOWEL_INDEX[vowel], _FINAL_INDEX[final]
    except KeyError as exc:
        raise ValueError(f"cannot compose {initial!r} {vowel!r} {final!r}") from exc
    return chr(SYLLABLE_BASE + (i * VOWEL_COUNT + v) * FINAL_COUNT + f)


def is_hanja(char: str) -> bool:
    """True for a CJK unified or compatibility ideograph (any extension), as Korean writes Hanja."""
    if len(char) != 1:
        return False
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x323AF
    )


def _is_cyrillic(char: str) -> bool:
    return 0x0400 <= ord(char) <= 0x052F


def contains_hangul(text: str) -> bool:
    """True if any precomposed Hangul syllable occurs in ``text``."""
    return any(SYLLABLE_BASE <= ord(c) <= SYLLABLE_LAST for c in text)


def contains_hanja(text: str) -> bool:
    """True if any CJK ideograph occurs in ``text``."""
    return any(is_hanja(c) for c in text)


def contains_cyrillic(text: str) -> bool:
    """True if any Cyrillic letter occurs in ``text``."""
    return any(_is_cyrillic(c) for c in text)


def dominant_script(text: str) -> Script:
    """The script of most letters of ``text`` (NFC first): hangul, hanja, cyrillic, latin, other or none.

    A tie goes to the first in that order, so a mixed 金정은 reads as Hangul, the script we can key directly.
    """
    counts = {"hangul": 0, "hanja": 0, "cyrillic": 0, "latin": 0, "other": 0}
    for char in unicodedata.normalize("NFC", text):
        if is_hangul_syllable(char):
            counts["hangul"] += 1
        elif is_hanja(char):
            counts["hanja"] += 1
        elif not char.isalpha():
            continue
        elif _is_cyrillic(char):
            counts["cyrillic"] += 1
        elif char.isascii() or "LATIN" in unicodedata.name(char, ""):
            counts["latin"] += 1
        else:
            counts["other"] += 1
    best: Script = "none"
    best_count = 0
    for script in _SCRIPT_ORDER:
        if counts[script] > best_count:
            best, best_count = script, counts[script]
    return best


# The initial-sound rule (두음법칙), Hangul Orthography (한글 맞춤법, 1988) articles 10–12: at the start of a
# Sino-Korean word, ㄴ before ㅣ ㅑ ㅕ ㅛ ㅠ ㅖ becomes ㅇ (女 녀 → 여), ㄹ before the same vowels becomes ㅇ
# (李 리 → 이) and ㄹ before any other vowel becomes ㄴ (盧 로 → 노). South Korea applies it, including to
# surnames and to the first syllable of given names; North Korea does not (리설주, 최룡해).
_IOTIZED_VOWELS = frozenset("ㅣㅑㅕㅛㅠㅖㅒ")


def initial_sound_rule(syllable: str) -> str:
    """The syllable as South Korean spelling writes it at the start of a word: 리 → 이, 로 → 노, 녀 → 여.

    Anything that is not a ㄴ/ㄹ-initial syllable is returned unchanged.
    """
    if not is_hangul_syllable(syllable):
        return syllable
    initial, vowel, final = jamo(syllable)
    if initial == "ㄹ":
        return compose("ㅇ" if vowel in _IOTIZED_VOWELS else "ㄴ", vowel, final)
    if initial == "ㄴ" and vowel in _IOTIZED_VOWELS:
        return compose("ㅇ", vowel, final)
    return syllable
