"""Hangul → Latin for Korean personal names: McCune–Reischauer, the DPRK's system, Revised Romanization.

Each system is implemented from its published rules; the sound changes between syllables are worked out
once, as abstract *phones*, and each system then spells the phones with its own letters.

- **McCune–Reischauer** (G. M. McCune & E. O. Reischauer, "The Romanization of the Korean Language",
  Transactions of the Korea Branch of the Royal Asiatic Society 29, 1939), as applied to names by ALA-LC:
  surname apart, given name one word (hyphenated by default), sound changes inside the given name (voicing
  of ㄱㄷㅂㅈ between voiced sounds, nasalisation, ㄹ→n after consonants, ㄴ+ㄹ→ll), breves on ŏ ŭ and
  the apostrophe of aspiration (ch' k' t' p') and of n'g. ``ascii=True`` drops breves and apostrophes, the
  form most lists print (``Kim Chong-un``). ㅅ before ㅣ is written ``s`` (ALA-LC; McCune–Reischauer's
  ``shi`` is rare in lists and keys the same).
- **DPRK** ("조선어의 라틴문자 표기법", 1992; revised 2002): ㅈ j, ㅊ ch, ㅋ kh, ㅌ th, ㅍ ph, ㄹ r before a
  vowel; ㄱㄷㅂ voiced to g d b after a vowel or ㄴㄹㅁㅇ. As the DPRK's own media spell names (KCNA, Rodong
  Sinmun): syllables of the given name as separate capitalised words, no breves, voicing across the given
  name's syllables but no other sound change, initial ㄹ kept — ``Kim Jong Un``, ``Ri Sol Ju``,
  ``Choe Ryong Hae``, ``Kim Kye Gwan``. ``breves=True`` keeps ŏ ŭ as the 1992 table prints them.
- **Revised Romanization** (Ministry of Culture and Tourism notice 2000-8): ㄱ g/k, ㄷ d/t, ㅂ b/p, ㅈ j,
  ㅊ ch, eo eu ae oe ui, no breves or apostrophes. Its rule 3.4 for names: surname first and apart, given
  name syllables optionally hyphenated, and *sound changes between the given name's syllables are not
  transcribed* (한복남 Han Bok-nam) — so given-name syllables are spelled one by one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from accomplice.names.hangul import FINALS, INITIALS, VOWELS, decompose, is_hangul_syllable

__all__ = [
    "romanize_dprk",
    "romanize_mr",
    "romanize_rr",
    "split_korean_name",
]

Syllable = tuple[int, int, int]

# --- phones -----------------------------------------------------------------------------------------------
# Initial phones: the lenis stops and ㅈ have a voiceless ("k") and a voiced ("g") value; aspirates end in h.
_BASE_INITIAL: dict[str, str] = {
    "ㄱ": "k", "ㄲ": "kk", "ㅋ": "kh", "ㄷ": "t", "ㄸ": "tt", "ㅌ": "th", "ㅂ": "p", "ㅃ": "pp", "ㅍ": "ph",
    "ㅈ": "c", "ㅉ": "cc", "ㅊ": "ch", "ㅅ": "s", "ㅆ": "ss", "ㅎ": "h", "ㄴ": "n", "ㅁ": "m", "ㄹ": "r",
    "ㅇ": "",
}  # fmt: skip
_VOICED = {"k": "g", "t": "d", "p": "b", "c": "j"}
# A final consonant carried over to a following vowel (연음): it is pronounced as that syllable's initial.
_LIAISON: dict[str, str] = {
    "ㄱ": "g", "ㄲ": "kk", "ㅋ": "kh", "ㄷ": "d", "ㅌ": "th", "ㅂ": "b", "ㅍ": "ph", "ㅈ": "j", "ㅊ": "ch",
    "ㅅ": "s", "ㅆ": "ss", "ㄴ": "n", "ㅁ": "m", "ㄹ": "r", "ㅎ": "",
}  # fmt: skip
# Neutralised finals (Standard Pronunciation, 표준 발음법 articles 8–11): seven sounds end a syllable.
_NEUTRAL_FINAL: dict[str, str] = {
    "": "", "ㄱ": "k", "ㄲ": "k", "ㅋ": "k", "ㄳ": "k", "ㄺ": "k", "ㄴ": "n", "ㄵ": "n", "ㄶ": "n",
    "ㄷ": "t", "ㅅ": "t", "ㅆ": "t", "ㅈ": "t", "ㅊ": "t", "ㅌ": "t", "ㅎ": "t", "ㄹ": "l", "ㄼ": "l",
    "ㄽ": "l", "ㄾ": "l", "ㅀ": "l", "ㅁ": "m", "ㄻ": "m", "ㅂ": "p", "ㅍ": "p", "ㅄ": "p", "ㄿ": "p",
    "ㅇ": "ng",
}  # fmt: skip
# Complex finals split before a vowel: the first letter stays, the second is carried over.
_COMPLEX_FINAL: dict[str, tuple[str, str]] = {
    "ㄳ": ("ㄱ", "ㅆ"), "ㄵ": ("ㄴ", "ㅈ"), "ㄶ": ("ㄴ", "ㅎ"), "ㄺ": ("ㄹ", "ㄱ"), "ㄻ": ("ㄹ", "ㅁ"),
    "ㄼ": ("ㄹ", "ㅂ"), "ㄽ": ("ㄹ", "ㅆ"), "ㄾ": ("ㄹ", "ㅌ"), "ㄿ": ("ㄹ", "ㅍ"), "ㅀ": ("ㄹ", "ㅎ"),
    "ㅄ": ("ㅂ", "ㅆ"),
}  # fmt: skip
_SONORANT_FINALS = frozenset(("", "n", "m", "ng", "l"))
_NASAL_OF_STOP = {"k": "ng", "t": "n", "p": "m"}


def _junction(
    final: str, initial: str, *, assimilate: bool, voicing: bool, liaison: bool = True
) -> tuple[str, str]:
    """Phones (final of the first syllable, initial of the second) where two syllables meet.

    ``assimilate`` applies the sound changes of the Standard Pronunciation (liaison, nasalisation, ㄹ→ㄴ,
    lateralisation, ㅎ aspiration); ``voicing`` voices ㄱㄷㅂㅈ after a vowel or ㄴㄹㅁㅇ; without
    ``liaison`` a final stays on its syllable before a vowel (a hyphenated 석우 is Sŏk-u, not Sŏ-gu).
    """
    base = _BASE_INITIAL[initial]
    if not assimilate or (initial == "ㅇ" and not liaison):
        neutral = _NEUTRAL_FINAL[final]
        if voicing and base in _VOICED and neutral in _SONORANT_FINALS:
            return neutral, _VOICED[base]
        return neutral, base
    if initial == "ㅇ":
        if final in ("", "ㅇ"):
            return _NEUTRAL_FINAL[final], ""
        if final in _COMPLEX_FINAL:
            first, second = _COMPLEX_FINAL[final]
            return _NEUTRAL_FINAL[first], _LIAISON[second]
        return "", _LIAISON[final]
    if final in ("ㅎ", "ㄶ", "ㅀ"):
        # ㅎ + ㄱㄷㅈ → aspirates; ㅎ + ㅅ → ㅆ; ㅎ + ㄴ → ㄴㄴ (표준 발음법 article 12).
        rest = {"ㅎ": "", "ㄶ": "n", "ㅀ": "l"}[final]
        if base in ("k", "t", "c"):
            return rest, {"k": "kh", "t": "th", "c": "ch"}[base]
        if base == "s":
            return rest, "ss"
        if base == "n":
            return rest or "n", "l" if rest == "l" else "n"
    neutral = _NEUTRAL_FINAL[final]
    if initial == "ㄹ":
        if neutral in ("n", "l"):
            return "l", "l"
        if neutral:
            return _NASAL_OF_STOP.get(neutral, neutral), "n"
        return "", "r"
    if neutral == "l" and initial == "ㄴ":
        return "l", "l"
    if neutral in _NASAL_OF_STOP and initial in ("ㄴ", "ㅁ"):
        return _NASAL_OF_STOP[neutral], base
    if base in _VOICED:
        if neutral == "l" and base in ("t", "c"):
            # ㄹ + ㄷ/ㅈ in Sino-Korean words is tensed, not voiced (일등, 결정; 설주 Sŏlchu).
            return neutral, base
        if voicing and neutral in _SONORANT_FINALS:
            return neutral, _VOICED[base]
    return neutral, base


def _phones(
    syllables: Sequence[Syllable], *, assimilate: bool, voicing: bool, liaison: bool = True
) -> list[tuple[str, str, str]]:
    """(initial phone, vowel letter, final phone) for each syllable of one word."""
    letters = [(INITIALS[i], VOWELS[v], FINALS[f]) for i, v, f in syllables]
    out: list[list[str]] = [[_BASE_INITIAL[i], v, _NEUTRAL_FINAL[f]] for i, v, f in letters]
    for k in range(1, len(letters)):
        final, initial = _junction(
            letters[k - 1][2], letters[k][0], assimilate=assimilate, voicing=voicing, liaison=liaison
        )
        out[k - 1][2] = final
        out[k][0] = initial
    return [(a, b, c) for a, b, c in out]


# --- letters of each system -------------------------------------------------------------------------------
_MR_INITIAL = {
    "k": "k", "g": "g", "kk": "kk", "kh": "k'", "t": "t", "d": "d", "tt": "tt", "th": "t'", "p": "p",
    "b": "b", "pp": "pp", "ph": "p'", "c": "ch", "j": "j", "cc": "tch", "ch": "ch'", "s": "s", "ss": "ss",
    "h": "h", "n": "n", "m": "m", "r": "r", "l": "l", "": "",
}  # fmt: skip
_MR_VOWEL = {
    "ㅏ": "a", "ㅐ": "ae", "ㅑ": "ya", "ㅒ": "yae", "ㅓ": "ŏ", "ㅔ": "e", "ㅕ": "yŏ", "ㅖ": "ye", "ㅗ": "o",
    "ㅘ": "wa", "ㅙ": "wae", "ㅚ": "oe", "ㅛ": "yo", "ㅜ": "u", "ㅝ": "wŏ", "ㅞ": "we", "ㅟ": "wi",
    "ㅠ": "yu", "ㅡ": "ŭ", "ㅢ": "ŭi", "ㅣ": "i",
}  # fmt: skip
_DPRK_INITIAL = {
    "k": "k", "g": "g", "kk": "kk", "kh": "kh", "t": "t", "d": "d", "tt": "tt", "th": "th", "p": "p",
    "b": "b", "pp": "pp", "ph": "ph", "c": "j", "j": "j", "cc": "jj", "ch": "ch", "s": "s", "ss": "ss",
    "h": "h", "n": "n", "m": "m", "r": "r", "l": "l", "": "",
}  # fmt: skip
_RR_INITIAL = {
    "k": "g", "g": "g", "kk": "kk", "kh": "k", "t": "d", "d": "d", "tt": "tt", "th": "t", "p": "b",
    "b": "b", "pp": "pp", "ph": "p", "c": "j", "j": "j", "cc": "jj", "ch": "ch", "s": "s", "ss": "ss",
    "h": "h", "n": "n", "m": "m", "r": "r", "l": "l", "": "",
}  # fmt: skip
_RR_VOWEL = {
    "ㅏ": "a", "ㅐ": "ae", "ㅑ": "ya", "ㅒ": "yae", "ㅓ": "eo", "ㅔ": "e", "ㅕ": "yeo", "ㅖ": "ye",
    "ㅗ": "o", "ㅘ": "wa", "ㅙ": "wae", "ㅚ": "oe", "ㅛ": "yo", "ㅜ": "u", "ㅝ": "wo", "ㅞ": "we",
    "ㅟ": "wi", "ㅠ": "yu", "ㅡ": "eu", "ㅢ": "ui", "ㅣ": "i",
}  # fmt: skip
_FINAL_LETTERS = {"": "", "k": "k", "n": "n", "t": "t", "l": "l", "m": "m", "p": "p", "ng": "ng"}
_BREVES = str.maketrans({"ŏ": "o", "ŭ": "u", "Ŏ": "O", "Ŭ": "U"})


def _spell(
    phones: Sequence[tuple[str, str, str]],
    initials: dict[str, str],
    vowels: dict[str, str],
    *,
    mr_apostrophes: bool = False,
) -> list[str]:
    """Each syllable's letters; ``mr_apostrophes`` adds McCune–Reischauer's n'g apostrophe and rh."""
    out: list[str] = []
    for k, (initial, vowel, final) in enumerate(phones):
        final_letters = _FINAL_LETTERS[final]
        if mr_apostrophes and final == "l" and k + 1 < len(phones) and phones[k + 1][0] == "h":
            # McCune–Reischauer writes ㄹ before ㅎ as r: 철호 Ch'ŏrho, 결혼 kyŏrhon.
            final_letters = "r"
        text = initials[initial] + vowels[vowel] + final_letters
        if mr_apostrophes and k > 0 and phones[k - 1][2] == "n" and initial == "g":
            # McCune–Reischauer separates n+g from ng with an apostrophe: 한국 Han'guk, 은경 Ŭn'gyŏng.
            text = "'" + text
        out.append(text)
    return out


# --- names ------------------------------------------------------------------------------------------------
def _syllables(word: str) -> list[Syllable]:
    return [decompose(c) for c in word if is_hangul_syllable(c)]


def split_korean_name(text: str) -> tuple[str, str]:
    """(surname, given name) of a Korean name in Hangul: 김정은 → ('김', '정은'), 남궁민수 → ('남궁', '민수').

    A space decides if there is one (``김 정은``, ``남궁 민``). Otherwise the surname is the first syllable,
    or the first two when they form a two-syllable surname of the surname table and either the name has four
    syllables or that surname is common (a given name is usually two syllables, so 남궁민 is 남궁 + 민).
    """
    from accomplice.names.korean_surnames import two_syllable_surname

    words = unicodedata.normalize("NFC", text).split()
    if not words:
        return "", ""
    if len(words) > 1:
        return words[0], " ".join(words[1:])
    word = words[0]
    if len(word) >= 3 and two_syllable_surname(word[:2], name_length=len(word)):
        return word[:2], word[2:]
    return word[:1], word[1:]


def _north_surname(surname: str) -> str:
    """The North Korean form of a surname that the South's initial-sound rule changed: 이 → 리, 임 → 림."""
    from accomplice.names.korean_surnames import surname_info

    entry = surname_info(surname)
    return entry.north[0] if entry is not None and entry.north else surname


def _name_parts(text: str, name: bool, north_surname: bool = False) -> list[tuple[str, bool]]:
    """Words of ``text`` with a flag telling which is a surname (romanized apart, without context)."""
    text = unicodedata.normalize("NFC", text)
    if not name:
        return [(w, False) for w in text.split()]
    surname, given = split_korean_name(text)
    if north_surname:
        surname = _north_surname(surname)
    parts = [(surname, True)] if surname else []
    parts.extend((w, False) for w in given.split())
    return parts


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


def _non_hangul_passthrough(word: str) -> bool:
    return not any(is_hangul_syllable(c) for c in word)


def romanize_mr(
    text: str, *, name: bool = True, hyphen: bool = True, ascii: bool = False, north_surname: bool = False
) -> str:
    """McCune–Reischauer: 김정은 → ``Kim Chŏng-ŭn``; ``ascii=True`` → ``Kim Chong-un``.

    With ``name`` the first syllable(s) are the surname (see :func:`split_korean_name`); 이 as a surname is
    written ``Yi`` as in ALA-LC and most McCune–Reischauer usage (the initial-sound rule already removed
    its ㄹ, so the bare vowel would be a lone ``I``). ``hyphen`` joins the given name's syllables with
    hyphens (ALA-LC), otherwise they are one word (``Chŏngŭn``). ``north_surname`` writes the surname in its
    North Korean form, as McCune–Reischauer texts on the DPRK do (이 ``Ri``, 임 ``Rim``, 노 ``Ro``).
    """
    words: list[str] = []
    for word, is_surname in _name_parts(text, name, north_surname):
        if _non_hangul_passthrough(word):
            words.append(word)
            continue
        syllables = _syllables(word)
        split = name and hyphen and not is_surname
        if is_surname and len(syllables) == 1 and syllables[0] == decompose("이"):
            spelled = ["yi"]
        else:
            phones = _phones(syllables, assimilate=True, voicing=True, liaison=not split)
            spelled = _spell(phones, _MR_INITIAL, _MR_VOWEL, mr_apostrophes=not split)
        joined = "-".join(spelled) if split else "".join(spelled)
        words.append(_capitalise(joined))
    out = " ".join(words)
    if ascii:
        out = out.translate(_BREVES).replace("'", "")
    return out


def romanize_dprk(text: str, *, name: bool = True, breves: bool = False, north_surname: bool = True) -> str:
    """The DPRK's romanization as its media print names: 김정은 → ``Kim Jong Un``, 최룡해 → ``Choe Ryong Hae``

    Each syllable of the given name is a capitalised word; ㄱㄷㅂ are voiced after a vowel or ㄴㄹㅁㅇ of
    the previous syllable of the same name (김계관 ``Kim Kye Gwan``) and no other sound change is written.
    ``breves=True`` keeps the 1992 table's ŏ ŭ (``Kim Jŏng Ŭn``). A surname in its South Korean form is
    written in its North Korean one (이설주 → ``Ri Sol Ju``) unless ``north_surname=False``.
    """
    words: list[str] = []
    for word, is_surname in _name_parts(text, name, north_surname):
        if _non_hangul_passthrough(word):
            words.append(word)
            continue
        # Names: voicing only (Kuk Ryol, not Kung Nyol); other words: the 1992 rules' sound changes.
        phones = _phones(_syllables(word), assimilate=not name, voicing=True)
        spelled = _spell(phones, _DPRK_INITIAL, _MR_VOWEL)
        if is_surname or not name:
            words.append(_capitalise("".join(spelled)))
        else:
            words.extend(_capitalise(s) for s in spelled)
    out = " ".join(words)
    return out if breves else out.translate(_BREVES)


def romanize_rr(text: str, *, name: bool = True, hyphen: bool = True) -> str:
    """Revised Romanization: 김정은 → ``Gim Jeong-eun``; 한복남 → ``Han Bok-nam``.

    Names follow rule 3.4: the surname apart, the given name's syllables spelled one by one (no sound
    change between them), hyphenated when ``hyphen``. Without ``name`` each word is romanized with the
    sound changes of the Standard Pronunciation (종로 → ``jongno``, 신라 → ``silla``).
    """
    words: list[str] = []
    for word, is_surname in _name_parts(text, name):
        if _non_hangul_passthrough(word):
            words.append(word)
            continue
        syllables = _syllables(word)
        if name:
            spelled = _spell(_phones(syllables, assimilate=False, voicing=False), _RR_INITIAL, _RR_VOWEL)
            joined = "-".join(spelled) if hyphen and not is_surname else "".join(spelled)
        else:
            joined = "".join(
                _spell(_phones(syllables, assimilate=True, voicing=True), _RR_INITIAL, _RR_VOWEL)
            )
        words.append(_capitalise(joined) if name else joined)
    return " ".join(words)
