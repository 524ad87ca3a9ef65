"""Romanization-invariant syllable keys for Korean names.

Every Hangul syllable maps to one coarse key, *initial class + vowel class + final class*, built so that
what McCune–Reischauer (with or without breves and apostrophes), the DPRK system, Revised Romanization,
Kontsevich and the common informal spellings write for that syllable maps back to the same key. Each merge
below is one that some system or everyday spelling makes, so that keeping the letters apart would only
lose matches:

Initials (19 → 10):
- ㄱㄲㅋ → ``k``, ㄷㄸㅌ → ``t``, ㅂㅃㅍ → ``p``: MR and DPRK voice ㄱㄷㅂ to g d b inside words (김계관
  Kim Kye Gwan), RR always writes g d b, ASCII MR drops the apostrophe of k' t' p', and tense kk tt pp
  are often written single.
- ㅈㅉㅊ → ``c``: MR writes ㅈ and ㅊ both ``ch`` once the apostrophe goes (Chŏng 정 / Ch'oe 최 → Chong,
  Choe), DPRK writes ㅈ ``j`` and ㅊ ``ch``, Kontsevich ч / чх.
- ㅅㅆ → ``s``; ㄴ ``n``; ㄹ ``r`` (r or l in every system); ㅁ ``m``; ㅇ ``''``; ㅎ ``h``.

Vowels (21 → 13):
- ㅓ ㅗ → ``o``: ASCII MR and DPRK media drop the breve (Chŏng → Jong), Kontsevich writes both о.
- ㅜ ㅡ → ``u``: the same for ŭ (Ŭn → Un; Kontsevich у / ы are kept apart, but Latin cannot).
- ㅐ ㅔ → ``e``; ㅒ ㅖ → ``ye``: merged in Seoul speech and spelled ae/e interchangeably.
- ㅕ ㅛ → ``yo``: yŏ without breve is yo.
- ㅙ ㅚ ㅞ → ``we``: one sound [we] today; 최 is Choe, Choi, Chwe, Чхве, Цой.
- ㅢ ㅣ → ``i``: ㅢ after a consonant is pronounced ㅣ (Standard Pronunciation art. 5): 희 is Hŭi, Hui, Hee.
- ㅏ ``a``, ㅑ ``ya``, ㅘ ``wa``, ㅝ ``wo``, ㅟ ``wi``, ㅠ ``yu`` stay apart.

Finals (27 → 8, the seven sounds a Korean syllable can end in, Standard Pronunciation arts. 8–11):
ㄱㄲㅋㄳㄺ → ``k``, ㄴㄵㄶ → ``n``, ㄷㅅㅆㅈㅊㅌㅎ → ``t``, ㄹㄼㄽㄾㅀ → ``l``, ㅁㄻ → ``m``,
ㅂㅍㅄㄿ → ``p``, ㅇ → ``ng``, none → ``''``.

The South's initial-sound rule (리 → 이, 로 → 노) is *not* merged into the key, which stays faithful to the
writing; :func:`fold_initial_sound` is the documented equivalence a matcher applies to both sides to let a
North Korean spelling (Ri, Ryong, 리설주) meet a South Korean one (Lee, Yong, 이설주).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from accomplice.names._segment import Scheme, SyllableKey, segment_word
from accomplice.names.hangul import FINALS, INITIALS, VOWELS, decompose

__all__ = [
    "INFORMAL_COST",
    "STANDARD_COST",
    "fold_initial_sound",
    "hangul_keys",
    "latin_keys",
    "syllable_key",
]

INITIAL_CLASS: dict[str, str] = {
    "ㄱ": "k", "ㄲ": "k", "ㅋ": "k", "ㄷ": "t", "ㄸ": "t", "ㅌ": "t", "ㅂ": "p", "ㅃ": "p", "ㅍ": "p",
    "ㅈ": "c", "ㅉ": "c", "ㅊ": "c", "ㅅ": "s", "ㅆ": "s", "ㄴ": "n", "ㄹ": "r", "ㅁ": "m", "ㅇ": "",
    "ㅎ": "h",
}  # fmt: skip
VOWEL_CLASS: dict[str, str] = {
    "ㅏ": "a", "ㅐ": "e", "ㅑ": "ya", "ㅒ": "ye", "ㅓ": "o", "ㅔ": "e", "ㅕ": "yo", "ㅖ": "ye", "ㅗ": "o",
    "ㅘ": "wa", "ㅙ": "we", "ㅚ": "we", "ㅛ": "yo", "ㅜ": "u", "ㅝ": "wo", "ㅞ": "we", "ㅟ": "wi",
    "ㅠ": "yu", "ㅡ": "u", "ㅢ": "i", "ㅣ": "i",
}  # fmt: skip
FINAL_CLASS: dict[str, str] = {
    "": "", "ㄱ": "k", "ㄲ": "k", "ㅋ": "k", "ㄳ": "k", "ㄺ": "k", "ㄴ": "n", "ㄵ": "n", "ㄶ": "n",
    "ㄷ": "t", "ㅅ": "t", "ㅆ": "t", "ㅈ": "t", "ㅊ": "t", "ㅌ": "t", "ㅎ": "t", "ㄹ": "l", "ㄼ": "l",
    "ㄽ": "l", "ㄾ": "l", "ㅀ": "l", "ㅁ": "m", "ㄻ": "m", "ㅂ": "p", "ㅍ": "p", "ㅄ": "p", "ㄿ": "p",
    "ㅇ": "ng",
}  # fmt: skip
_INITIAL_LETTERS = frozenset("ktpcsnrmh")
_IOTIZED = ("i", "y")

# Spellings a published system or DPRK/Kontsevich practice writes cost 0; informal spellings cost 1 each.
STANDARD_COST = 0
INFORMAL_COST = 1
# An informal spelling that is also a plausible standard spelling of another syllable costs more, so that it
# only survives where nothing standard explains the word.
RARE_COST = 2
# A word's keys may use at most this many informal spellings in total; three covers "Choi Kyung Soo"-style
# words (one or two informal spellings per word) and stops long foreign words from parsing as Korean.
MAX_WORD_COST = 3


def syllable_key(syllable: str) -> str:
    """The key of one Hangul syllable: 정 → ``cong``, 은 → ``un``, 최 → ``cwe``, 리 → ``ri``."""
    initial, vowel, final = decompose(syllable)
    return _key_of_indices(initial, vowel, final)


@lru_cache(maxsize=12_000)
def _key_of_indices(initial: int, vowel: int, final: int) -> str:
    return INITIAL_CLASS[INITIALS[initial]] + VOWEL_CLASS[VOWELS[vowel]] + FINAL_CLASS[FINALS[final]]


_HANGUL_RUN = re.compile("[\uac00-\ud7a3]+")


def hangul_keys(text: str) -> list[tuple[str, ...]]:
    """Per Hangul word of ``text``, the tuple of its syllable keys: ``김 정은`` → [('kim',), ('cong', 'un')].

    Anything that is not a precomposed Hangul syllable separates words (conjoining jamo are composed first).
    """
    text = unicodedata.normalize("NFC", text)
    return [tuple(_key_of_indices(*decompose(c)) for c in run) for run in _HANGUL_RUN.findall(text)]


@lru_cache(maxsize=4096)
def fold_initial_sound(key: str) -> str:
    """The key as the South's initial-sound rule (두음법칙) would write it: ``ri`` → ``i``, ``ro`` → ``no``.

    Hangul Orthography arts. 10–12: ㄹ/ㄴ before ㅣ or a y-vowel become ㅇ, other ㄹ become ㄴ. Applied to
    both sides of a comparison it lets 리 / Ri / Lee / Rhee / Yi / 이 and 룡 / Ryong / Yong / 용 agree. It
    also merges those sounds inside a name (정렬 / 정열), a small loss: McCune–Reischauer's ``Chŏngnyŏl``
    already cannot tell them apart.
    """
    if not key or key[0] not in "rn":
        return key
    rest = key[1:]
    if rest.startswith(_IOTIZED):
        return rest
    return "n" + rest if key[0] == "r" else key


# --- Latin ------------------------------------------------------------------------------------------------
# Initial spellings → (class, cost). MR/DPRK/RR spellings cost 0; the rest are informal spellings seen in
# passports and Western lists (Zhang-like z, Vong-like v, Fil-like f are rare and cost RARE_COST).
_LATIN_INITIALS: dict[str, tuple[str, int]] = {
    "": ("", 0),
    "k": ("k", 0), "g": ("k", 0), "kk": ("k", 0), "k'": ("k", 0), "kh": ("k", 0), "gg": ("k", 1),
    "gh": ("k", 1), "c": ("k", RARE_COST), "q": ("k", RARE_COST),
    "t": ("t", 0), "d": ("t", 0), "tt": ("t", 0), "t'": ("t", 0), "th": ("t", 0), "dd": ("t", 1),
    "dh": ("t", 1),
    "p": ("p", 0), "b": ("p", 0), "pp": ("p", 0), "p'": ("p", 0), "ph": ("p", 0), "bb": ("p", 1),
    "bh": ("p", 1), "v": ("p", RARE_COST), "f": ("p", RARE_COST),
    "ch": ("c", 0), "j": ("c", 0), "jj": ("c", 0), "tch": ("c", 0), "ch'": ("c", 0), "chh": ("c", 1),
    "jh": ("c", 1), "tj": ("c", 1), "dj": ("c", RARE_COST), "z": ("c", RARE_COST), "zh": ("c", RARE_COST),
    "ts": ("c", RARE_COST), "tz": ("c", RARE_COST), "tsh": ("c", RARE_COST),
    "s": ("s", 0), "ss": ("s", 0), "sh": ("s", 0), "ssh": ("s", 1),
    "n": ("n", 0), "nh": ("n", 1),
    "r": ("r", 0), "l": ("r", 0), "rh": ("r", 1), "lh": ("r", 1),
    "m": ("m", 0), "mh": ("m", 1),
    "h": ("h", 0),
}  # fmt: skip
# Vowel spellings → ((class, cost), ...). Evidence for the informal ones: the "other romanizations" of the
# surname table (Kyung, Joung, Soon, Choi, Baik, Lee, Sym) and Korean passport practice.
_LATIN_VOWELS: dict[str, tuple[tuple[str, int], ...]] = {
    "a": (("a", 0),), "aa": (("a", 1),),
    "ae": (("e", 0),), "e": (("e", 0),), "ai": (("e", 1),), "ay": (("e", 1),), "ea": (("e", 1), ("i", 1)),
    "ei": (("e", 1),), "ey": (("e", 1), ("i", 1)),
    "ya": (("ya", 0),),
    "yae": (("ye", 0),), "ye": (("ye", 0), ("yo", RARE_COST)), "yai": (("ye", 1),), "yea": (("ye", 1),),
    "yei": (("ye", 1),),
    # ㅓ written u is the commonest informal spelling of all (Jung 정, Sung 성, Hyun 현, Chun 전).
    "o": (("o", 0),), "eo": (("o", 0),), "u": (("u", 0), ("o", 1)), "ou": (("u", 1), ("o", 1)),
    "oo": (("u", 1),), "eu": (("u", 0), ("o", RARE_COST)), "au": (("o", RARE_COST),),
    "yo": (("yo", 0),), "yeo": (("yo", 0),), "yu": (("yu", 0), ("yo", 1)), "you": (("yu", 1), ("yo", 1)),
    "yoe": (("yo", 1),), "yeu": (("yo", 1),), "yeou": (("yo", 1),), "yoo": (("yu", 1),),
    "wa": (("wa", 0),), "oa": (("wa", 1),), "ua": (("wa", 1),),
    "wae": (("we", 0),), "oe": (("we", 0),), "we": (("we", 0),), "oi": (("we", 1),), "oy": (("we", 1),),
    "wo": (("wo", 0),), "weo": (("wo", 0),), "wu": (("u", 1), ("wo", 1)), "woo": (("u", 1),),
    "wi": (("wi", 0),), "wee": (("wi", 1),), "wie": (("wi", 1),), "ui": (("i", 0), ("wi", RARE_COST)),
    "i": (("i", 0),), "eui": (("i", 0),), "yi": (("i", 0),), "ee": (("i", 1),), "ie": (("i", 1),),
    "yee": (("i", 1),), "y": (("i", RARE_COST),),
}  # fmt: skip
# Final spellings → ((class, cost), ...). g/b/r/d before a vowel are MR's liaison (석우 Sŏgu, 철우 Ch'ŏru).
_LATIN_FINALS: dict[str, tuple[tuple[str, int], ...]] = {
    "": (("", 0),),
    "k": (("k", 0),), "g": (("k", 1),), "ck": (("k", 1),), "kk": (("k", 1),),
    "n": (("n", 0),), "nn": (("n", 1),),
    "ng": (("ng", 0),),
    "l": (("l", 0),), "ll": (("l", 1),), "r": (("l", 1),), "lh": (("l", 1),),
    "m": (("m", 0),), "mm": (("m", 1),),
    "p": (("p", 0),), "b": (("p", 1),),
    "t": (("t", 0),), "d": (("t", RARE_COST),),
}  # fmt: skip


def _latin_onsets() -> dict[str, tuple[tuple[str, str, int], ...]]:
    onsets: dict[str, dict[tuple[str, str], int]] = {}

    def add(spelling: str, initial: str, vowel: str, cost: int) -> None:
        slot = onsets.setdefault(spelling, {})
        if slot.get((initial, vowel), cost + 1) > cost:
            slot[(initial, vowel)] = cost

    for ispell, (initial, icost) in _LATIN_INITIALS.items():
        for vspell, options in _LATIN_VOWELS.items():
            for vowel, vcost in options:
                add(ispell + vspell, initial, vowel, icost + vcost)
                # A silent h lengthening the vowel (Ahn, Oh, Roh, Sohn, Suh): informal.
                add(ispell + vspell + "h", initial, vowel, icost + vcost + 1)
                if vspell in ("a", "o", "u", "e"):
                    # A silent r after the vowel, English-style (Park, Bark, Mar, Sur, Hur): rare.
                    add(ispell + vspell + "r", initial, vowel, icost + vcost + RARE_COST)
    return {s: tuple((i, v, c) for (i, v), c in slot.items()) for s, slot in onsets.items()}


LATIN_SCHEME = Scheme.build("latin", _latin_onsets(), _LATIN_FINALS, separators="-'")

_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_LATIN_WORD = re.compile(r"[a-z'\-]+")
_SPLIT = re.compile(r"[\s,.;:/()\[\]\"]+")


def _latin_words(text: str) -> list[str]:
    """Lower-case words without diacritics (ŏ → o, ŭ → u); hyphens and apostrophes stay as boundaries."""
    folded = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    plain = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return [w.strip("-'") for w in _SPLIT.split(plain) if w.strip("-'")]


@cache
def _surname_exceptions() -> dict[str, tuple[SyllableKey, ...]]:
    """Surname spellings of the surname table that the rules cannot read at all (Papk, Tscha), as keys.

    A listed spelling that the rules read as a *different* syllable (감 "Kang", 후 "Hong") is left out: it
    would make two surnames agree that Korean keeps apart.
    """
    from accomplice.names.korean_surnames import surnames

    out: dict[str, tuple[SyllableKey, ...]] = {}
    for entry in surnames().values():
        keys = tuple(_key_triple(c) for c in entry.hangul)
        for spelling in entry.spellings:
            for word in _latin_words(spelling):
                if not segment_word(word, LATIN_SCHEME, max_cost=MAX_WORD_COST):
                    out.setdefault(word, keys)
    return out


def _key_triple(syllable: str) -> SyllableKey:
    i, v, f = decompose(syllable)
    return INITIAL_CLASS[INITIALS[i]], VOWEL_CLASS[VOWELS[v]], FINAL_CLASS[FINALS[f]]


@lru_cache(maxsize=65_536)
def _latin_word_keys(word: str, max_cost: int) -> tuple[tuple[str, ...], ...]:
    if not _LATIN_WORD.fullmatch(word):
        return ()
    word = word.replace("wh", "hw")  # Whang, Whong: English-style spelling of hw
    found = [
        tuple(i + v + f for i, v, f in keys) for keys in segment_word(word, LATIN_SCHEME, max_cost=max_cost)
    ]
    if not found and max_cost > 0:
        exception = _surname_exceptions().get(word)
        if exception is not None:
            found = [tuple(i + v + f for i, v, f in exception)]
    return tuple(found)


def latin_keys(text: str, *, informal: bool = True) -> list[list[tuple[str, ...]]]:
    """Per word of a romanized Korean name, every plausible cut into syllables as key tuples.

    ``Jong Un`` → [[('cong',)], [('un',), ('on',)]]; ``Chŏng-ŭn`` → [[('cong', 'un'), …]]; ``Smith`` → [[]].
    Reads McCune–Reischauer with or without breves and apostrophes, the DPRK system, Revised Romanization
    and, when ``informal``, the spellings of passports and Western lists (Lee, Park, Choi, Jung, Kyung,
    Soo); the cheapest (most standard) readings come first. Case-insensitive; a hyphen or apostrophe is a
    syllable boundary. A word that no syllable cut explains gives an empty list.
    """
    max_cost = MAX_WORD_COST if informal else STANDARD_COST
    return [list(_latin_word_keys(word, max_cost)) for word in _latin_words(text)]
