"""Text folding shared by every name comparison: case, accents, apostrophes, punctuation, width.

Fast on purpose: this runs for every query name and every indexed name. Heavier transliteration (ICU,
romanization) lives in the script-specific modules and is only used where the script calls for it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold", "fold_tokens", "strip_marks"]

# Letters that NFKD does not decompose into a base letter plus a combining mark.
SPECIAL_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ı": "i",
        "þ": "th",
        "ŋ": "ng",
        "ʻ": "",
        "ʼ": "",
        "ʹ": "",
        "ʿ": "",
        "ʾ": "",
    }
)
# Apostrophes and quotes inside words are romanization marks (MR's aspiration Ch'ŏng, Arabic ʿayn),
# not word boundaries: "CH'OL" and "CHOL" are the same word.
APOSTROPHES = re.compile(r"[\u0027\u0060\u00b4\u2018\u2019\u201b\u2032\u02bc\u02bb\u055a\uff07]")
# Everything that is not a letter, a digit or a combining mark separates words.
SEPARATORS = re.compile(r"[^\w]+|_")
FOLD_CACHE_SIZE = 200_000


def strip_marks(text: str) -> str:
    """Remove combining marks after canonical decomposition: 'Chŏng-ŭn' -> 'Chong-un'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=FOLD_CACHE_SIZE)
def fold(text: str) -> str:
    """Lower-case, accent-free, width-normalised text with single spaces between words.

    Non-Latin letters (Hangul, Han, Cyrillic) pass through unchanged apart from case and width, so the
    script-specific modules still see them.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(SPECIAL_LETTERS)
    text = APOSTROPHES.sub("", text)
    text = strip_marks(text)
    # Hangul syllables decompose under NFKD; recompose so Korean text survives the mark stripping.
    text = unicodedata.normalize("NFC", text)
    return " ".join(SEPARATORS.sub(" ", text).split())


def fold_tokens(text: str) -> tuple[str, ...]:
    return tuple(fold(text).split())
