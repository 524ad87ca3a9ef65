"""Cantonese readings of Han names and the Hong Kong government romanization (陳大文 ⇄ Chan Tai Man).

Hong Kong, Macao and the Cantonese diaspora romanize names by their Cantonese sound, not by pinyin: 陳 is Chan
(pinyin Chen), 黃 Wong (Huang), 張 Cheung (Zhang). Readings come from ToJyutping's dictionary in Jyutping, the
Linguistic Society of Hong Kong's scheme (LSHK 1993), generated into ``_data/jyutping_characters.tsv``.

The Hong Kong government romanization (used by the Immigration Department for identity cards and
passports since the 19th century, never codified as a published table; described in the Hong Kong
Government Cantonese Romanisation literature) writes sounds in English-like spelling and leaves out what
English cannot show: tones, aspiration (p/b both "p", ch for z and c), vowel length (aa/a both "a"), and
the eo/oe/yu distinctions (徐 ceoi and 雷 leoi are "Tsui" and "Lui", like 梅 mui "Mui"). It also spells
one sound several ways (Chan/Tsang, Lee/Li/Lei, Chow/Chau, Poon/Pun, Sze/Si).

**Key space.** A Cantonese syllable key is the standard Hong Kong spelling of a toneless Jyutping syllable:
``can``, ``caan``, ``zan`` → ``"chan"``; ``lei`` → ``"lei"``; ``zoeng`` → ``"cheung"``. Han characters map to
keys through their Jyutping readings (:func:`han_cantonese_keys`), Latin words through every spelling
variant the government scheme and common practice use (:func:`latin_cantonese_keys`). Cantonese keys are a
separate key space from the pinyin keys of :mod:`accomplice.names.chinese` ("chan" means 陳 here and 禅
there): never compare one with the other.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from accomplice.names.chinese import MAX_WORD_LETTERS, split_chinese_name
from accomplice.names.hanzi import data_lines, han_variants, to_traditional
from accomplice.names.scripts import is_han
from accomplice.names.syllables import align_words, combine_pieces, latin_words, segment

__all__ = [
    "CANTONESE_SURNAME_READINGS",
    "cantonese_key",
    "cantonese_match",
    "han_cantonese_keys",
    "han_hk_romanizations",
    "han_jyutping",
    "hk_spellings",
    "latin_cantonese_keys",
]

# Jyutping onsets, longest first so that gw/kw/ng are found before g/k/n.
_ONSETS = ("gw", "kw", "ng", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "w", "z", "c", "s", "j")

# Hong Kong spellings of each Jyutping onset, standard first. Aspiration is not written (b and p are both p,
# z and c both ch or ts); j is written y.
_HK_ONSETS: Mapping[str, tuple[str, ...]] = {
    "": ("",),
    "b": ("p",),
    "p": ("p",),
    "m": ("m",),
    "f": ("f",),
    "d": ("t",),
    "t": ("t",),
    "n": ("n",),
    "l": ("l",),
    "g": ("k",),
    "k": ("k",),
    "ng": ("ng",),
    "h": ("h",),
    "gw": ("kw",),
    "kw": ("kw",),
    "w": ("w",),
    "z": ("ch", "ts", "tz"),  # 張 Cheung, 曾 Tsang, 謝 Tse
    "c": ("ch", "ts", "tz"),  # 陳 Chan, 徐 Tsui, 蔡 Choi/Tsoi
    "s": ("s", "sh"),  # 孫 Suen, 岑 Sham, 石 Shek
    "j": ("y",),  # 楊 Yeung, 葉 Yip, 阮 Yuen
}

# Hong Kong spellings of each Jyutping rhyme, standard first (examples: surnames as the Immigration Department
# writes them). Vowel length is not written (aa and a are both a).
_HK_RHYMES: Mapping[str, tuple[str, ...]] = {
    "aa": ("a", "ah"),  # 馬 Ma, 查 Cha
    "aai": ("ai",),  # 賴 Lai
    "aau": ("au",),  # 包 Pau
    "aam": ("am",),  # 譚 Tam
    "aan": ("an",),  # 顏 Ngan
    "aang": ("ang",),  # 彭 Pang
    "aap": ("ap",),
    "aat": ("at",),
    "aak": ("ak",),  # 白 Pak
    "ai": ("ai",),  # 黎 Lai
    "au": ("au", "ow"),  # 劉 Lau, 周 Chow
    "am": ("am", "um"),  # 林 Lam, 沈 Shum
    "an": ("an", "un"),  # 陳 Chan; 震 Chun, 新 Sun (short a before n is often written u)
    "ang": ("ang",),  # 鄧 Tang
    "ap": ("ap",),
    "at": ("at",),  # 吉 Kat
    "ak": ("ak",),
    "e": ("e", "eh"),  # 謝 Tse, 佘 Sheh
    "ei": ("ei", "ee", "i"),  # 李 Lee/Li/Lei, 基 Kei
    "eu": ("eu",),
    "em": ("em",),
    "eng": ("eng",),  # 鄭 Cheng
    "ep": ("ep",),
    "ek": ("ek",),  # 石 Shek
    "i": ("i", "ee"),  # 二 Yee
    "iu": ("iu",),  # 蕭 Siu, 趙 Chiu
    "im": ("im",),  # 詹 Chim
    "in": ("in",),  # 錢 Chin
    "ing": ("ing",),  # 程 Ching
    "ip": ("ip",),  # 葉 Yip
    "it": ("it",),  # 薛 Sit
    "ik": ("ik",),  # 易 Yik
    "o": ("o", "oh", "or"),  # 何 Ho, 柯 Or
    "oi": ("oi", "oy"),  # 蔡 Choi/Choy
    "ou": ("o", "ou", "oh"),  # 高 Ko, 杜 To, 蘇 So
    "on": ("on",),  # 韓 Hon
    "ong": ("ong",),  # 黃 Wong
    "ot": ("ot",),
    "ok": ("ok",),  # 郭 Kwok
    "u": ("u", "oo"),  # 胡 Wu, 古 Koo
    "ui": ("ui", "ooi"),  # 梅 Mui
    "un": ("un", "oon"),  # 潘 Poon, 門 Mun
    "ung": ("ung",),  # 鍾 Chung
    "ut": ("ut", "oot"),
    "uk": ("uk",),  # 陸 Luk
    "oe": ("oe",),
    "oeng": ("eung",),  # 張 Cheung, 梁 Leung
    "oek": ("euk",),  # 卓 Cheuk
    "eoi": ("ui", "eui"),  # 徐 Tsui, 呂 Lui, 許 Hui
    "eon": ("un", "eun"),  # 秦 Chun, 信 Shun
    "eot": ("ut",),
    "yu": ("u", "ue", "yu"),  # 朱 Chu, 余 Yu
    "yun": ("uen", "un", "yun"),  # 孫 Suen, 阮 Yuen
    "yut": ("uet", "ut", "yut"),  # 雪 Suet
    "m": ("m",),  # 唔
    "ng": ("ng",),  # 吳 Ng
}

# After s, z and c the rhyme i is spelt with a buzzing vowel: 施 Sze, 司徒 Szeto, 子 Tsz, 志 Chi.
_SIBILANT_I: Mapping[str, tuple[str, ...]] = {
    "s": ("sze", "si", "see", "shi"),
    "z": ("chi", "tsz", "tze", "tsze", "chee"),
    "c": ("chi", "tsz", "tze", "tsze", "chee"),
}

# Surnames whose Cantonese reading is not the character's usual one (traditional forms; simplified input is
# converted first), as the CUHK 粵語審音配詞字庫 marks them "姓": 曾 Tsang, 區 Au, 單 Sin, 仇 Sau, 解 Hai,
# 查 Cha, 翟 Chak, 任 Yam, 樂 Lok.
CANTONESE_SURNAME_READINGS: Mapping[str, tuple[str, ...]] = {
    "曾": ("zang",),
    "區": ("au",),
    "單": ("sin",),
    "仇": ("sau",),
    "解": ("haai",),
    "查": ("caa",),
    "翟": ("zaak",),
    "任": ("jam",),
    "樂": ("lok",),
}

# Longest Hong Kong spelling: "cheung", "chuen", "tsze" + rhyme… seven letters cover every variant.
_MAX_SURFACE = 8


def _split(jyutping: str) -> tuple[str, str]:
    """(onset, rhyme) of a toneless Jyutping syllable; syllabic m and ng have no onset."""
    if jyutping in ("m", "ng"):
        return "", jyutping
    for onset in _ONSETS:
        if jyutping.startswith(onset) and len(jyutping) > len(onset):
            return onset, jyutping[len(onset) :]
    return "", jyutping


@lru_cache(maxsize=4096)
def hk_spellings(jyutping: str) -> tuple[str, ...]:
    """Hong Kong spellings of one Jyutping syllable (tone digits ignored), standard first: can4 → ("chan",
    "tsan", "tzan"), lei5 → ("lei", "lee", "li"). Empty for something that is not a Jyutping syllable."""
    syllable = jyutping.rstrip("0123456789").lower()
    onset, rhyme = _split(syllable)
    if onset not in _HK_ONSETS or rhyme not in _HK_RHYMES:
        return ()
    if rhyme == "i" and onset in _SIBILANT_I:
        return _SIBILANT_I[onset]
    spellings: list[str] = []
    for head in _HK_ONSETS[onset]:
        for tail in _HK_RHYMES[rhyme]:
            if onset == "j" and tail.startswith("y"):
                continue  # jyu is "Yu", not "Yyu"
            spelling = head + tail
            if spelling not in spellings:
                spellings.append(spelling)
    return tuple(spellings)


def cantonese_key(jyutping: str) -> str:
    """The key of a Jyutping syllable: its standard Hong Kong spelling (can4, caan4, zan6 → "chan")."""
    spellings = hk_spellings(jyutping)
    return spellings[0] if spellings else ""


@lru_cache(maxsize=1)
def _jyutping_table() -> Mapping[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in data_lines("jyutping_characters.tsv"):
        char, _, readings = line.partition("\t")
        toneless: list[str] = []
        for reading in readings.split():
            syllable = reading.rstrip("0123456789")
            if syllable and syllable not in toneless:
                toneless.append(syllable)
        table[char] = tuple(toneless)
    return table


@lru_cache(maxsize=65536)
def _char_jyutping(char: str) -> tuple[str, ...]:
    table = _jyutping_table()
    for form in han_variants(char):
        if form in table:
            return table[form]
    return ()


def _han_chars(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if is_han(c))


@lru_cache(maxsize=16384)
def _han_jyutping(text: str, person: bool) -> tuple[tuple[str, ...], ...]:
    chars = _han_chars(text)
    readings = [_char_jyutping(c) for c in chars]
    if person and chars:
        surname, _ = split_chinese_name(text)
        if len(surname) == 1:
            special = CANTONESE_SURNAME_READINGS.get(to_traditional(surname))
            if special:
                readings[0] = special
    return tuple(readings)


def han_jyutping(text: str, *, person: bool = False) -> list[tuple[str, ...]]:
    """Toneless Jyutping readings of each Han character (simplified or traditional), most usual first.

    With ``person`` a surname with a special reading is read so (曾 → ("zang",), Tsang). Other characters are
    skipped; a character with no known reading gives an empty tuple.
    """
    return list(_han_jyutping(text, person))


def han_cantonese_keys(text: str, *, person: bool = False) -> list[tuple[str, ...]]:
    """Cantonese syllable keys (standard Hong Kong spellings) of each Han character: 陳大文 → [("chan",),
    ("tai",), ("man",)] (more where a character has several readings)."""
    result = []
    for readings in _han_jyutping(text, person):
        keys: list[str] = []
        for reading in readings:
            key = cantonese_key(reading)
            if key and key not in keys:
                keys.append(key)
        result.append(tuple(keys))
    return result


def han_hk_romanizations(text: str, *, person: bool = True) -> list[str]:
    """The name as Hong Kong documents write it, standard first: 陳大文 → "Chan Tai Man", "Chan Tai-man",
    "Tai Man Chan". Every syllable is a separate capitalised word, as on Hong Kong identity cards; a compound
    surname is also given joined (歐陽 → "Au Yeung" and "Auyeung")."""
    chars = _han_chars(text)
    if not chars:
        return []
    readings = _han_jyutping(text, person)
    words = [_display(r[0]).capitalize() if r else "" for r in readings]
    if any(not w for w in words):
        return []
    forms = _hk_forms(text, chars, words, person)
    # z and c are written Ch or Ts (陳 Chan but 曾 Tsang, 謝 Tse, 徐 Tsui): give the Ts spelling as well.
    sibilant = [
        hk_spellings(r[0])[1].capitalize() if r and _split(r[0])[0] in ("z", "c") else w
        for w, r in zip(words, readings, strict=True)
    ]
    if sibilant != words:
        for form in _hk_forms(text, chars, sibilant, person):
            if form not in forms:
                forms.append(form)
    return forms


def _display(jyutping: str) -> str:
    """The spelling to print: the key, except l + ei, which Hong Kong writes Lee (李 Lee, 利 Lee)."""
    return "lee" if jyutping == "lei" else cantonese_key(jyutping)


def _hk_forms(text: str, chars: str, words: list[str], person: bool) -> list[str]:
    surname, _ = split_chinese_name(text) if person else ("", chars)
    family = words[: len(surname)]
    rest = words[len(surname) :]
    forms: list[str] = []

    def add(form: str) -> None:
        if form and form not in forms:
            forms.append(form)

    if not family:
        add(" ".join(words))
        return forms
    head = " ".join(family)
    if rest:
        add(f"{head} {' '.join(rest)}")
        add(f"{head} {'-'.join(rest).capitalize()}")
        add(f"{' '.join(rest)} {head}")
        if len(family) > 1:
            add(f"{''.join(family).capitalize()} {' '.join(rest)}")
    else:
        add(head)
    return forms


@lru_cache(maxsize=1)
def _surfaces() -> Mapping[str, tuple[str, ...]]:
    """Hong Kong spelling → the keys it may stand for, over every syllable the character table uses."""
    syllables: set[str] = set()
    for readings in _jyutping_table().values():
        syllables.update(readings)
    table: dict[str, list[str]] = {}
    for syllable in sorted(syllables):
        spellings = hk_spellings(syllable)
        if not spellings:
            continue
        key = spellings[0]
        for spelling in spellings:
            keys = table.setdefault(spelling, [])
            if key not in keys:
                keys.append(key)
    # A spelling's own standard key first: "chun" is first Chun (秦), then Chuen (全) written short.
    return {s: tuple(sorted(keys, key=lambda k: k != s)) for s, keys in table.items()}


@lru_cache(maxsize=1)
def _vowel_initial() -> frozenset[str]:
    """Spellings without an initial consonant (Au, On, Ng…): within a hyphen-free piece they only come first,
    as in Auyeung; elsewhere Hong Kong spelling separates syllables with spaces or hyphens."""
    return frozenset(s for s in _surfaces() if s[:1] in "aeiou" or s in ("ng", "m"))


@lru_cache(maxsize=65536)
def _word_keys(word: str) -> tuple[tuple[str, ...], ...]:
    if not word.isascii() or "'" in word or len(word) > MAX_WORD_LETTERS or any(c.isdigit() for c in word):
        return ()
    pieces = [p for p in word.split("-") if p]
    surfaces = _surfaces()
    initial_only = _vowel_initial()
    return tuple(
        combine_pieces([segment(p, surfaces, _MAX_SURFACE, initial_only=initial_only) for p in pieces])
    )


def latin_cantonese_keys(text: str) -> list[list[tuple[str, ...]]]:
    """For each word of a Latin name, its readings as Cantonese syllable keys (Hong Kong spellings).

    "Chan Tai Man" → [[("chan",)], [("tai",)], [("man",)]]; "Cheung" → [[("cheung",)]]; "Tsang" →
    [[("chang",)]] (ts and ch are one sound); "Tai-man" → [[("tai", "man")]]. A word no Hong Kong spelling
    explains gives an empty list.
    """
    return [list(alternatives) for alternatives in _text_keys(text)]


@lru_cache(maxsize=65536)
def _text_keys(text: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    return tuple(_word_keys(word) for word in latin_words(text))


def cantonese_match(
    han: str, latin: str, *, person: bool, skip_unreadable: bool = False
) -> tuple[str, ...] | None:
    """The Cantonese keys on which a Han name and a Hong Kong-romanized name agree, or ``None``.

    陳大文 ⇄ "Chan Tai Man", "CHAN Tai-man" or "Tai Man Chan" → ("chan", "tai", "man").

    With ``skip_unreadable`` the Latin words that cannot be read at all (an English given name, as in "Donald
    Tsang Yam-kuen" or "Miles Yu Maochun") are left out, provided at least one word remains.
    """
    readings = han_cantonese_keys(han, person=person)
    if not readings or any(not r for r in readings):
        return None
    words = latin_cantonese_keys(latin)
    if skip_unreadable:
        words = [w for w in words if w]
    return align_words(readings, words, rotations=person)
