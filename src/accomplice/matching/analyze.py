"""Analyse a name once into every form the features compare: Latin words, syllable readings, skeletons.

The script-specific work is delegated to `accomplice.names`; this module decides which readings a name
gets from its scripts and its context (a Han name of a North Korean is read as Korean Hanja first).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice, product

from rigour.text import ascii_text

from accomplice.matching.model import NameForms, SyllableReading
from accomplice.names.cantonese import han_cantonese_keys, latin_cantonese_keys
from accomplice.names.chinese import han_pinyin, latin_pinyin_keys, split_chinese_name
from accomplice.names.normalize import fold
from accomplice.names.scripts import Script
from accomplice.names.scripts import scripts_of as _scripts_of

__all__ = ["NameHint", "analyze_name", "scripts_of"]

ANALYSIS_CACHE_SIZE = 500_000
# Readings kept per name and system: heteronyms and ambiguous segmentations multiply; the first few
# (most likely) readings carry the evidence, the rest only cost time and false agreements.
MAX_READINGS = 16


@dataclass(frozen=True, slots=True)
class NameHint:
    """What the rest of a record says about how to read a name (hashable, so analysis can be cached)."""

    kind: str = "any"  # "person" | "organisation" | "vehicle" | "any"
    han: str = ""  # "ko" | "zh" | "ja" | "" (unknown: try Korean and Chinese readings)
    weak: bool = False


def scripts_of(text: str) -> frozenset[str]:
    return frozenset(str(s) for s in _scripts_of(text))


def _latin_tokens(text: str, scripts: frozenset[str]) -> tuple[tuple[str, ...], str | None]:
    folded = fold(text)
    if scripts <= {"latin"}:
        return tuple(folded.split()), None
    transliterated = fold(ascii_text(text))
    return tuple(transliterated.split()), "transliterated"


def _bounded_product(per_word: Sequence[Sequence[tuple[str, ...]]]) -> list[tuple[tuple[str, ...], ...]]:
    if not per_word or any(not alternatives for alternatives in per_word):
        return []
    return list(islice(product(*per_word), MAX_READINGS))


# East Asian personal names: a surname of one syllable (rarely two) and a given name of one or two.
MAX_GIVEN_NAME_SYLLABLES = 2
MAX_SURNAME_SYLLABLES = 2


def _shaped_like_east_asian_name(words: tuple[tuple[str, ...], ...]) -> bool:
    """A surname word and a given name of one or two syllables (in one or two words), either order."""
    if not 2 <= len(words) <= 3:
        return False
    for surname, given in ((words[0], words[1:]), (words[-1], words[:-1])):
        given_syllables = sum(len(w) for w in given)
        if len(surname) == 1 and 1 <= given_syllables <= MAX_GIVEN_NAME_SYLLABLES:
            return True
    return False


def _latin_readings(
    text: str, system: str, per_word: list[list[tuple[str, ...]]], via: str, person: bool
) -> list[SyllableReading]:
    return [
        SyllableReading(system, words, via, confident=person and _shaped_like_east_asian_name(words))
        for words in _bounded_product(per_word)
    ]


def _han_words(chars: list[tuple[str, ...]], split: int | None) -> list[tuple[tuple[str, ...], ...]]:
    """Readings of Han characters grouped into words (surname | given name when `split` is given)."""
    readings = list(islice(product(*chars), MAX_READINGS)) if chars else []
    if split is None or not 0 < split < len(chars):
        return [(tuple(r),) for r in readings]
    return [(tuple(r[:split]), tuple(r[split:])) for r in readings]


def _chinese_readings(text: str, person: bool) -> list[SyllableReading]:
    han = "".join(ch for ch in text if not ch.isspace())
    split = len(split_chinese_name(han)[0]) if person else None
    readings = []
    pinyin = han_pinyin(han, person=person)
    for words in _han_words(pinyin, split):
        readings.append(SyllableReading("pinyin", words, "read in pinyin", confident=person))
    cantonese = han_cantonese_keys(han, person=person)
    for words in _han_words(cantonese, split):
        readings.append(SyllableReading("jyutping", words, "read in Cantonese", confident=person))
    return readings


# Words of a Latin name as romanizations see them: apostrophes kept (Wade–Giles p' is not p).
_RAW_WORDS = re.compile(r"[^\w'’ʼ]+")
WORD_CACHE_SIZE = 300_000


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _pinyin_word(word: str) -> tuple[tuple[str, ...], ...]:
    keys = latin_pinyin_keys(word)
    return tuple(keys[0]) if len(keys) == 1 else ()


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _cantonese_word(word: str) -> tuple[tuple[str, ...], ...]:
    keys = latin_cantonese_keys(word)
    return tuple(keys[0]) if len(keys) == 1 else ()


def _per_word(text: str, reader: Callable[[str], tuple[tuple[str, ...], ...]]) -> list[list[tuple[str, ...]]]:
    """Segmentations of each word, or nothing when one word cannot be read (names are read whole)."""
    per_word = []
    for word in _RAW_WORDS.split(text):
        if not word:
            continue
        alternatives = reader(word)
        if not alternatives:
            return []
        per_word.append(list(alternatives))
    return per_word


def _syllable_readings(text: str, scripts: frozenset[str], hint: NameHint) -> tuple[SyllableReading, ...]:
    person = hint.kind == "person"
    readings: list[SyllableReading] = []
    if scripts <= {"latin"}:
        readings += _latin_readings(
            text, "pinyin", _per_word(text, _pinyin_word), "pinyin or Wade–Giles", person
        )
        readings += _latin_readings(
            text, "jyutping", _per_word(text, _cantonese_word), "Hong Kong spelling", person
        )
    elif Script.HAN in scripts and scripts <= {"han"} and hint.han in ("zh", ""):
        readings += _chinese_readings(text, person)
    return tuple(readings)


@lru_cache(maxsize=ANALYSIS_CACHE_SIZE)
def analyze_name(text: str, hint: NameHint = NameHint()) -> tuple[NameForms, ...]:
    """All the ways to read `text`: usually one NameForms, several when the script is ambiguous."""
    text = text.strip()
    if not text:
        return ()
    scripts = scripts_of(text)
    tokens, via = _latin_tokens(text, scripts)
    if not tokens:
        return ()
    syllables = _syllable_readings(text, scripts, hint)
    return (
        NameForms(
            text=text, scripts=scripts, tokens=tokens, tokens_via=via, syllables=syllables, weak=hint.weak
        ),
    )


def readings_of(forms: Iterable[NameForms], system: str) -> list[SyllableReading]:
    return [r for f in forms for r in f.syllables if r.system == system]
