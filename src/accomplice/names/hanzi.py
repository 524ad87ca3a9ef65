"""Han characters: simplified ⇄ traditional forms, character by character.

Names need no phrase-level conversion: a personal or company name is matched character by character, and the
one-to-many cases (发 → 發/髮, 后 → 後/后) are handled by keeping every form. The tables are OpenCC's
``STCharacters.txt`` and ``TSCharacters.txt`` (Apache-2.0), generated into ``_data/`` by
``scripts/gen_chinese_data.py``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

__all__ = [
    "data_lines",
    "han_variants",
    "is_simplified_only",
    "simplified_to_traditional_table",
    "to_simplified",
    "to_traditional",
    "traditional_to_simplified_table",
]


def data_lines(name: str) -> list[str]:
    """The rows of one of our generated tables in ``names/_data/``, without its ``#`` header."""
    text = resources.files("accomplice.names").joinpath("_data", name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _read_table(name: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in data_lines(name):
        key, _, values = line.partition("\t")
        table[key] = tuple(values.split())
    return table


@lru_cache(maxsize=1)
def simplified_to_traditional_table() -> Mapping[str, tuple[str, ...]]:
    """Simplified character → its traditional forms, most usual first (OpenCC STCharacters)."""
    return _read_table("opencc_st_characters.tsv")


@lru_cache(maxsize=1)
def traditional_to_simplified_table() -> Mapping[str, tuple[str, ...]]:
    """Traditional character → its simplified forms, most usual first (OpenCC TSCharacters)."""
    return _read_table("opencc_ts_characters.tsv")


@lru_cache(maxsize=1)
def _simplified_only() -> frozenset[str]:
    traditional = traditional_to_simplified_table()
    shinjitai = frozenset(data_lines("japanese_shinjitai.txt"))
    return frozenset(
        char
        for char, forms in simplified_to_traditional_table().items()
        if char not in forms and char not in traditional and char not in shinjitai
    )


def is_simplified_only(char: str) -> bool:
    """True for a character only simplified Chinese writes: OpenCC changes it to a traditional form, it is not
    itself traditional, and Japan does not write the same shape (国, 会 and 学 are shared with shinjitai)."""
    return char in _simplified_only()


def _convert(text: str, table: Mapping[str, tuple[str, ...]]) -> str:
    normal = unicodedata.normalize("NFKC", text)
    return "".join(table[c][0] if c in table else c for c in normal)


@lru_cache(maxsize=8192)
def to_simplified(text: str) -> str:
    """``text`` with each traditional character replaced by its usual simplified form (習近平 → 习近平).

    NFKC first, so CJK compatibility ideographs and full-width forms become the ordinary characters.
    """
    return _convert(text, traditional_to_simplified_table())


@lru_cache(maxsize=8192)
def to_traditional(text: str) -> str:
    """``text`` with each simplified character replaced by its usual traditional form (马晓红 → 馬曉紅).

    Where one simplified character stands for several traditional ones (发 → 發/髮) this keeps the first;
    use :func:`han_variants` to get them all.
    """
    return _convert(text, simplified_to_traditional_table())


@lru_cache(maxsize=8192)
def han_variants(char: str) -> tuple[str, ...]:
    """``char`` (NFKC) followed by its other simplified and traditional forms, without repeats."""
    normal = unicodedata.normalize("NFKC", char)
    forms = [normal]
    for table in (traditional_to_simplified_table(), simplified_to_traditional_table()):
        for form in table.get(normal, ()):
            if form not in forms:
                forms.append(form)
    # A traditional character's simplified form may itself have other traditional forms (發 → 发 → 髮).
    for form in list(forms[1:]):
        for other in simplified_to_traditional_table().get(form, ()):
            if other not in forms:
                forms.append(other)
    return tuple(forms)
