"""Korean in Cyrillic: the Kontsevich system both ways, and the traditional Russian spellings.

**Kontsevich** (Л. Р. Концевич, "Корейско-русская практическая транскрипция", after Kholodovich; the
system of Russian reference works): initial ㄱ к, ㄷ т, ㅂ п, ㅈ ч, ㅊ чх, ㅋ кх, ㅌ тх, ㅍ пх, ㅎ х, ㄹ р;
ㄱㄷㅂㅈ voiced to г д б дж between vowels or after ㄴㅁㅇㄹ; finals к н т ль м п, ㅇ н (нъ before a
vowel); vowels ㅏ а, ㅓ о, ㅗ о, ㅜ у, ㅡ ы, ㅣ и, ㅐ э, ㅔ е, ㅑ я, ㅕ ё, ㅛ ё, ㅠ ю, ㅒ йя, ㅖ йе (е after a
consonant), ㅘ ва, ㅙ вэ, ㅚ ве, ㅝ во, ㅞ ве, ㅟ ви, ㅢ ый (и after a consonant); assimilation at
syllable boundaries is written (ㄱ+ㄴ нн, ㄴ+ㄹ лл, ㅇ+ㄹ нн). Personal names: surname apart, the given
name one word — 김정은 Ким Чонын.

**Traditional Russian practice** (Soviet and Russian media, the Russian MFA) differs: the given name's
syllables are separate words (Ким Чен Ын), ㅓ after ч/с is often е (Ким Ир Сен, Ким Чен Ир), final ㄹ is
р as often as ль, ㅈ is чж or дж inside names (Ли Соль Чжу, Ким Ё Чжон), 이 is Ли, 최 is Цой as well as Чхве,
and ё is often printed е. :func:`cyrillic_keys` reads both.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from accomplice.names._segment import Scheme, segment_word
from accomplice.names.hangul import decompose, is_hangul_syllable
from accomplice.names.korean_keys import MAX_WORD_COST, RARE_COST, STANDARD_COST
from accomplice.names.korean_romanization import _name_parts, _phones

__all__ = ["cyrillic_keys", "hangul_to_cyrillic"]

_KONTSEVICH_INITIAL = {
    "k": "к", "g": "г", "kk": "кк", "kh": "кх", "t": "т", "d": "д", "tt": "тт", "th": "тх", "p": "п",
    "b": "б", "pp": "пп", "ph": "пх", "c": "ч", "j": "дж", "cc": "чч", "ch": "чх", "s": "с", "ss": "сс",
    "h": "х", "n": "н", "m": "м", "r": "р", "l": "л", "": "",
}  # fmt: skip
_KONTSEVICH_VOWEL = {
    "ㅏ": "а", "ㅐ": "э", "ㅑ": "я", "ㅒ": "йя", "ㅓ": "о", "ㅔ": "е", "ㅕ": "ё", "ㅖ": "йе", "ㅗ": "о",
    "ㅘ": "ва", "ㅙ": "вэ", "ㅚ": "ве", "ㅛ": "ё", "ㅜ": "у", "ㅝ": "во", "ㅞ": "ве", "ㅟ": "ви", "ㅠ": "ю",
    "ㅡ": "ы", "ㅢ": "ый", "ㅣ": "и",
}  # fmt: skip
_KONTSEVICH_FINAL = {"": "", "k": "к", "n": "н", "t": "т", "l": "ль", "m": "м", "p": "п", "ng": "н"}


def _kontsevich_word(word: str) -> str:
    syllables = [decompose(c) for c in word if is_hangul_syllable(c)]
    phones = _phones(syllables, assimilate=True, voicing=True)
    out: list[str] = []
    for k, (initial, vowel, final) in enumerate(phones):
        letters = _KONTSEVICH_INITIAL[initial]
        vowel_letters = _KONTSEVICH_VOWEL[vowel]
        if vowel in ("ㅖ", "ㅢ") and (initial or (k > 0 and phones[k - 1][2] in ("", "n", "m", "ng", "l"))):
            # ㅖ ㅢ are е и after a consonant, and inside a word after a vowel or ㄴㅁㅇㄹ.
            vowel_letters = "е" if vowel == "ㅖ" else "и"
        if initial == "" and k > 0 and phones[k - 1][2] == "ng":
            letters = "ъ"  # final ㅇ before a vowel: нъ (정은 Чонъын), not н + vowel
        letters += vowel_letters
        if final == "l" and k + 1 < len(phones) and phones[k + 1][0] == "l":
            letters += "л"  # ㄹㄹ is лл, not льл
        else:
            letters += _KONTSEVICH_FINAL[final]
        out.append(letters)
    text = "".join(out)
    return text[:1].upper() + text[1:]


def hangul_to_cyrillic(text: str, *, name: bool = True) -> str:
    """Kontsevich: 김정은 → ``Ким Чонъын``, 최룡해 → ``Чхве Рёнхэ``, 리설주 → ``Ри Сольчу``.

    With ``name`` the surname is a word apart and the given name one word, as the system prescribes for
    personal names; otherwise each word of ``text`` is transcribed as it stands.
    """
    words = [
        w if not any(map(is_hangul_syllable, w)) else _kontsevich_word(w) for w, _ in _name_parts(text, name)
    ]
    return " ".join(words)


# --- reading Cyrillic back --------------------------------------------------------------------------------
_CYR_INITIALS: dict[str, tuple[str, int]] = {
    "": ("", 0),
    "к": ("k", 0), "г": ("k", 0), "кх": ("k", 0), "кк": ("k", 0),
    "т": ("t", 0), "д": ("t", 0), "тх": ("t", 0), "тт": ("t", 0),
    "п": ("p", 0), "б": ("p", 0), "пх": ("p", 0), "пп": ("p", 0), "ф": ("p", RARE_COST),
    "ч": ("c", 0), "чж": ("c", 0), "дж": ("c", 0), "чх": ("c", 0), "чч": ("c", 0), "ц": ("c", 0),
    "ж": ("c", 1), "дз": ("c", RARE_COST), "цз": ("c", RARE_COST),
    "с": ("s", 0), "сс": ("s", 0), "ш": ("s", 1),
    "н": ("n", 0), "р": ("r", 0), "л": ("r", 0), "м": ("m", 0), "х": ("h", 0),
}  # fmt: skip
_CYR_VOWELS: dict[str, tuple[tuple[str, int], ...]] = {
    "а": (("a", 0),), "я": (("ya", 0),), "э": (("e", 0),),
    # е: ㅔ; ㅖ after a consonant or as йе; ё printed without its dots; traditional ㅓ after ч/с (Чен, Сен).
    "е": (("e", 0), ("ye", 0), ("yo", 1), ("o", 0)),
    "ё": (("yo", 0),), "йо": (("yo", 1),), "о": (("o", 0),), "у": (("u", 0),), "ы": (("u", 0),),
    "ю": (("yu", 0),), "йу": (("yu", 1),), "и": (("i", 0),), "ый": (("i", 0),), "ий": (("i", 1),),
    "йе": (("ye", 0),), "йя": (("ye", 0), ("ya", 1)), "ва": (("wa", 0),), "вэ": (("we", 0),),
    "ве": (("we", 0),), "ой": (("we", 0),), "во": (("wo", 0),), "ви": (("wi", 0),), "уй": (("wi", 1),),
}  # fmt: skip
# Cyrillic н cannot tell ㄴ from ㅇ (Kontsevich writes both н; 정 and 전 are both Чон).
_CYR_FINALS: dict[str, tuple[tuple[str, int], ...]] = {
    "": (("", 0),), "к": (("k", 0),), "г": (("k", 1),), "н": (("n", 0), ("ng", 0)), "нг": (("ng", 1),),
    "л": (("l", 0),), "р": (("l", 0),), "м": (("m", 0),), "п": (("p", 0),), "б": (("p", 1),),
    "т": (("t", 0),), "д": (("t", 1),),
}  # fmt: skip


def _cyrillic_onsets() -> dict[str, tuple[tuple[str, str, int], ...]]:
    onsets: dict[str, dict[tuple[str, str], int]] = {}
    for ispell, (initial, icost) in _CYR_INITIALS.items():
        for vspell, options in _CYR_VOWELS.items():
            for vowel, vcost in options:
                cost = icost + vcost
                if vspell == "е" and vowel == "o" and initial not in ("c", "s"):
                    continue  # the traditional е for ㅓ is written only after ч, чж, с (Чен, Сен)
                slot = onsets.setdefault(ispell + vspell, {})
                if slot.get((initial, vowel), cost + 1) > cost:
                    slot[(initial, vowel)] = cost
    return {s: tuple((i, v, c) for (i, v), c in slot.items()) for s, slot in onsets.items()}


CYRILLIC_SCHEME = Scheme.build("cyrillic", _cyrillic_onsets(), _CYR_FINALS, separators="-'ъ")
_CYRILLIC_WORD = re.compile("[а-яё'ъ\\-]+")
_SPLIT = re.compile(r"[\s,.;:/()\[\]\"«»]+")


@lru_cache(maxsize=65_536)
def _cyrillic_word_keys(word: str, max_cost: int) -> tuple[tuple[str, ...], ...]:
    if not _CYRILLIC_WORD.fullmatch(word):
        return ()
    return tuple(
        tuple(i + v + f for i, v, f in keys)
        for keys in segment_word(word, CYRILLIC_SCHEME, max_cost=max_cost)
    )


def cyrillic_keys(text: str, *, informal: bool = True) -> list[list[tuple[str, ...]]]:
    """Per word of a Korean name in Cyrillic, every plausible cut into syllables as key tuples.

    Reads Kontsevich (Ким Чонъын) and the traditional Russian spellings (Ким Чен Ын, Ким Ир Сен, Цой,
    Ли Соль Чжу); the soft sign is ignored and ъ is a syllable boundary. ``informal`` also admits rarer
    letters (ж, ш, ф). A word that cannot be Korean gives an empty list.
    """
    max_cost = MAX_WORD_COST if informal else STANDARD_COST
    plain = unicodedata.normalize("NFC", text).lower().replace("ь", "")
    words = [w.strip("-'") for w in _SPLIT.split(plain) if w.strip("-'")]
    return [list(_cyrillic_word_keys(w, max_cost)) for w in words]
