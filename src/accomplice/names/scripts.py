"""Which writing systems a name uses, and in which language its Han characters should be read.

Script detection works on code-point blocks after NFKC normalisation, so full-width Latin (`ＫＩＭ`),
half-width katakana, Kangxi radicals, circled ideographs (`㈱`) and CJK compatibility ideographs count as
the script they stand for. Digits, punctuation, spaces, symbols and combining marks belong to no script.

Han characters are shared by Chinese, Japanese and Korean (Hanja), and a name in Han characters is read
quite differently in each: 金正恩 is Kim Jong Un in Korean and Jin Zheng'en in Mandarin. :func:`han_language`
decides from the name and its record which reading is right, or answers ``None`` so that the matcher tries
both.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from accomplice.names.hanzi import is_simplified_only

__all__ = [
    "HanLanguage",
    "HanLanguageDecision",
    "Script",
    "decide_han_language",
    "han_language",
    "has_script",
    "is_han",
    "scripts_of",
]


class Script(StrEnum):
    """A writing system as far as name matching cares; everything else is ``OTHER``."""

    LATIN = "latin"
    HANGUL = "hangul"
    HAN = "han"
    KANA = "kana"
    CYRILLIC = "cyrillic"
    ARABIC = "arabic"
    OTHER = "other"


HanLanguage = Literal["ko", "zh", "ja"]

# Code-point blocks (Unicode 16.0 Blocks.txt / Scripts.txt), checked after NFKC so that compatibility forms
# have already become the characters they stand for.
_HAN_RANGES = (
    (0x2E80, 0x2FDF),  # CJK Radicals Supplement, Kangxi Radicals
    (0x3005, 0x3005),  # 々 ideographic iteration mark (佐々木): Script=Han
    (0x3007, 0x3007),  # 〇 ideographic number zero: Script=Han
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3038, 0x303B),
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs (12 of them are unified and survive NFKC)
    (0x20000, 0x3FFFF),  # planes 2 and 3: Extensions B-I and the compatibility supplement
)
_HANGUL_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0xA960, 0xA97F),
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xD7B0, 0xD7FF),
    (0xFFA0, 0xFFDC),  # half-width jamo (NFKC maps them, kept for completeness)
)
_KANA_RANGES = (
    (0x3040, 0x309F),  # Hiragana
    (0x30A1, 0x30FA),  # Katakana letters; 30A0 ゠ and 30FB ・ are punctuation shared with Chinese
    (0x30FC, 0x30FF),  # ー prolonged sound mark, ヽヾ iteration marks, ヿ
    (0x31F0, 0x31FF),  # Katakana Phonetic Extensions
    (0x32D0, 0x32FE),  # circled katakana
    (0xFF66, 0xFF9D),  # half-width katakana
    (0x1AFF0, 0x1B16F),  # Kana Extended, Kana Supplement, small kana
)
_CYRILLIC_RANGES = ((0x0400, 0x052F), (0x1C80, 0x1C8F), (0x2DE0, 0x2DFF), (0xA640, 0xA69F))
_ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_LATIN_RANGES = (
    (0x0041, 0x005A),
    (0x0061, 0x007A),
    (0x00C0, 0x024F),  # Latin-1 letters and Extended-A/B (× and ÷ are excluded below)
    (0x0250, 0x02AF),  # IPA
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2C60, 0x2C7F),
    (0xA720, 0xA7FF),
    (0xFF21, 0xFF3A),  # full-width letters (NFKC maps them; kept for completeness)
    (0xFF41, 0xFF5A),
)
_TABLE: tuple[tuple[Script, tuple[tuple[int, int], ...]], ...] = (
    (Script.HAN, _HAN_RANGES),
    (Script.HANGUL, _HANGUL_RANGES),
    (Script.KANA, _KANA_RANGES),
    (Script.LATIN, _LATIN_RANGES),
    (Script.CYRILLIC, _CYRILLIC_RANGES),
    (Script.ARABIC, _ARABIC_RANGES),
)
_NOT_LATIN = frozenset({0x00D7, 0x00F7})


@lru_cache(maxsize=65536)
def _char_script(char: str) -> Script | None:
    """The script of one (already normalised) character, or None for digits, punctuation and marks."""
    code = ord(char)
    if code < 0x80:
        return Script.LATIN if char.isalpha() else None
    for script, ranges in _TABLE:
        for low, high in ranges:
            if low <= code <= high:
                if code in _NOT_LATIN:
                    return None
                return script
    category = unicodedata.category(char)
    if category[0] == "L":
        return Script.OTHER
    return None


@lru_cache(maxsize=4096)
def scripts_of(text: str) -> frozenset[Script]:
    """Every script that the letters of ``text`` belong to (empty for digits and punctuation only)."""
    found: set[Script] = set()
    for char in unicodedata.normalize("NFKC", text):
        script = _char_script(char)
        if script is not None:
            found.add(script)
    return frozenset(found)


def has_script(text: str, script: Script) -> bool:
    """True when at least one letter of ``text`` is written in ``script``."""
    return script in scripts_of(text)


def is_han(char: str) -> bool:
    """True for a single Han character (after NFKC, so compatibility ideographs count)."""
    normal = unicodedata.normalize("NFKC", char)
    return len(normal) == 1 and _char_script(normal) is Script.HAN


# --- Which language are these Han characters in? ---------------------------------------------------------

# ISO 3166-1 codes (alpha-2, and alpha-3 as some lists write them) whose names are written in Hanja, in
# Chinese characters or in Japanese kanji. Taiwan, Hong Kong, Macao and Singapore write Chinese names in
# Han script.
_KOREAN_COUNTRIES = frozenset({"kp", "kr", "prk", "kor"})
_CHINESE_COUNTRIES = frozenset({"cn", "hk", "tw", "mo", "sg", "chn", "hkg", "twn", "mac", "sgp"})
_JAPANESE_COUNTRIES = frozenset({"jp", "jpn"})

# Company words that only one of the three languages uses in Han script. Chinese firms end in 公司 (gongsi);
# Korean uses 會社/会社 (hoesa) and 公社 (gongsa), Japanese 株式会社/有限会社 with the shinjitai 会.
_CHINESE_COMPANY_WORDS = ("公司",)
_JAPANESE_COMPANY_WORDS = ("株式会社", "有限会社", "合同会社")


@dataclass(frozen=True, slots=True)
class HanLanguageDecision:
    """The language to read Han characters in (``None``: unknown, try both) and the rule that decided it."""

    language: HanLanguage | None
    reason: str


def _normal_countries(countries: Iterable[str]) -> frozenset[str]:
    return frozenset(c.strip().lower() for c in countries if c and c.strip())


def decide_han_language(
    text: str,
    *,
    schema: str | None = None,
    countries: Iterable[str] = (),
    other_names: Iterable[str] = (),
) -> HanLanguageDecision:
    """Decide whether the Han characters in ``text`` are Korean Hanja, Chinese or Japanese kanji.

    Rules (each is evidence a human analyst would accept):

    1. No Han character in ``text`` → unknown (nothing to read).
    2. Kana in ``text`` → ``ja``: only Japanese mixes kana with kanji.
    3. Hangul in ``text`` → ``ko``: only Korean mixes Hangul with Hanja.
    4. What the characters say: shapes only simplified Chinese writes (马, 东, 鸿 — not shapes Japan shares,
       like 国) → ``zh``, since the PRC's simplified forms are used neither in Hanja nor in Japanese kanji;
       Japanese company words (株式会社 with shinjitai 会) → ``ja``; the Chinese company word 公司 → ``zh``.
    5. What the record says: another name in kana → ``ja``; in Hangul → ``ko`` (a Korean record gives its
       Hangul name beside the Hanja, a Japanese one its kana reading); else countries (nationality,
       jurisdiction, address; ISO 3166 alpha-2 or alpha-3): kp/kr → ``ko``; jp → ``ja``;
       cn/hk/tw/mo/sg → ``zh``; countries pointing to different languages → unknown.
    6. When 4 and 5 agree, or only one speaks, that language. When they disagree — a North Korean firm
       written by a Chinese source in simplified characters — unknown, so that both readings are tried.
    7. Otherwise unknown, including a Korean-surname-shaped three-character person name such as 金正恩 with no
       other evidence: 金, 李, 朴 are Chinese surnames too, so the matcher tries both readings.

    ``schema`` (an FtM schema such as ``Person`` or ``Company``) is accepted for the caller's convenience and
    recorded in the reason; the rules above already cover what it would add.
    """
    normal = unicodedata.normalize("NFKC", text)
    scripts = scripts_of(normal)
    if Script.HAN not in scripts:
        return HanLanguageDecision(None, "no Han characters")
    if Script.KANA in scripts:
        return HanLanguageDecision("ja", "kana in the name")
    if Script.HANGUL in scripts:
        return HanLanguageDecision("ko", "Hangul in the name")
    writing = _writing_evidence(normal)
    record = _record_evidence(other_names, countries)
    if writing is not None and record is not None:
        if writing.language == record.language:
            return HanLanguageDecision(writing.language, f"{writing.reason}; {record.reason}")
        if record.language is not None:
            # e.g. a North Korean firm as a Chinese source writes it (朝鲜…): read it both ways.
            return HanLanguageDecision(None, f"{writing.reason} but {record.reason}: try both readings")
    if writing is not None:
        return writing
    if record is not None:
        return record
    what = f" ({schema})" if schema else ""
    return HanLanguageDecision(None, f"no evidence{what}: try every reading")


def _writing_evidence(normal: str) -> HanLanguageDecision | None:
    """What the characters themselves say: simplified-only shapes, language-specific company words."""
    marks = [c for c in normal if is_simplified_only(c)]
    if marks:
        return HanLanguageDecision("zh", f"simplified Chinese characters {''.join(marks[:4])}")
    for word in _JAPANESE_COMPANY_WORDS:
        if word in normal:
            return HanLanguageDecision("ja", f"Japanese company word {word}")
    for word in _CHINESE_COMPANY_WORDS:
        if word in normal:
            return HanLanguageDecision("zh", f"Chinese company word {word}")
    return None


def _record_evidence(other_names: Iterable[str], countries: Iterable[str]) -> HanLanguageDecision | None:
    """What the rest of the record says: its other names' scripts, then its countries."""
    other_scripts: set[Script] = set()
    for other in other_names:
        other_scripts |= scripts_of(other)
    if Script.KANA in other_scripts and Script.HANGUL not in other_scripts:
        return HanLanguageDecision("ja", "another name of the record is in kana")
    if Script.HANGUL in other_scripts and Script.KANA not in other_scripts:
        return HanLanguageDecision("ko", "another name of the record is in Hangul")
    codes = _normal_countries(countries)
    votes: dict[HanLanguage, list[str]] = {}
    for code in sorted(codes):
        if code in _KOREAN_COUNTRIES:
            votes.setdefault("ko", []).append(code)
        elif code in _CHINESE_COUNTRIES:
            votes.setdefault("zh", []).append(code)
        elif code in _JAPANESE_COUNTRIES:
            votes.setdefault("ja", []).append(code)
    if len(votes) == 1:
        language, which = next(iter(votes.items()))
        return HanLanguageDecision(language, f"country {', '.join(which)}")
    if len(votes) > 1:
        return HanLanguageDecision(
            None, f"countries disagree ({', '.join(sorted(codes))}): try every reading"
        )
    return None


def han_language(
    text: str,
    *,
    schema: str | None = None,
    countries: Iterable[str] = (),
    other_names: Iterable[str] = (),
) -> HanLanguage | None:
    """``"ko"``, ``"zh"`` or ``"ja"`` for the Han characters in ``text``, or ``None`` when unknown.

    See :func:`decide_han_language` for the rules and for the reason to show an analyst.
    """
    return decide_han_language(text, schema=schema, countries=countries, other_names=other_names).language
