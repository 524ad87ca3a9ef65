"""Analyse a name once into every form the features compare: Latin words, syllable readings, skeletons.

The script-specific work is delegated to `accomplice.names`; this module decides which readings a name
gets from its scripts and its context (a Han name of a North Korean is read as Korean Hanja first).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rigour.text import ascii_text

from accomplice.matching.model import NameForms
from accomplice.names.normalize import fold

__all__ = ["NameHint", "analyze_name", "scripts_of"]

ANALYSIS_CACHE_SIZE = 500_000


@dataclass(frozen=True, slots=True)
class NameHint:
    """What the rest of a record says about how to read a name (hashable, so analysis can be cached)."""

    kind: str = "any"  # "person" | "organisation" | "vehicle" | "any"
    han: str = ""  # "ko" | "zh" | "ja" | "" (unknown: try Korean and Chinese readings)
    weak: bool = False


def scripts_of(text: str) -> frozenset[str]:
    found = set()
    for ch in text:
        code = ord(ch)
        if code < 0x80:
            if ch.isalpha():
                found.add("latin")
        elif 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            found.add("hangul")
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or code >= 0x20000:
            found.add("han")
        elif 0x3040 <= code <= 0x30FF:
            found.add("kana")
        elif 0x0400 <= code <= 0x052F:
            found.add("cyrillic")
        elif ch.isalpha():
            found.add("latin" if code < 0x250 or 0x1E00 <= code <= 0x1EFF else "other")
    return frozenset(found)


def _latin_tokens(text: str, scripts: frozenset[str]) -> tuple[tuple[str, ...], str | None]:
    folded = fold(text)
    if scripts <= {"latin"}:
        return tuple(folded.split()), None
    transliterated = fold(ascii_text(text))
    return tuple(transliterated.split()), "transliterated"


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
    return (NameForms(text=text, scripts=scripts, tokens=tokens, tokens_via=via, weak=hint.weak),)
