"""Mandarin readings of Chinese names and a romanization-invariant pinyin syllable key.

Han side: :func:`han_pinyin` gives the toneless Hanyu Pinyin readings of every character (pypinyin, with all
heteronyms), reading the first character(s) of a person's name as a surname (单 Shan, 曾 Zeng, 欧阳
Ouyang). :func:`pinyin_name_forms` writes the name the ways documents do ("Ma Xiaohong", "Ma Xiao-hong",
"Xiaohong Ma").

Latin side: :func:`latin_pinyin_keys` reads each Latin word as pinyin (with or without tone marks or numbers,
apostrophes, ü/u/v/yu) and as Wade–Giles (with or without aspiration apostrophes and umlauts) and returns its
possible syllable sequences in canonical toneless pinyin. A key is therefore a tuple of pinyin syllables: the
same key comes out of 毛泽东, "Mao Zedong" and "Mao Tse-tung".

Standards: GB/T 16159-2012 (Basic rules of the Chinese phonetic alphabet orthography) and GB/T 28039-2011
(Chinese phonetic alphabet spelling rules for Chinese names): surname first and written apart from the given
name, a compound surname and a given name each written as one word, an apostrophe before a syllable starting
with a, o or e. ISO 7098:2015 (Romanization of Chinese). Wade–Giles as tabulated by the Library of Congress
conversion (2000) and the University of Chicago Library table, through pypinyin's table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from accomplice.names.hanzi import data_lines, to_simplified
from accomplice.names.scripts import is_han
from accomplice.names.syllables import MAX_ALTERNATIVES, align_words, combine_pieces, latin_words, segment

__all__ = [
    "COMPOUND_SURNAMES",
    "SURNAME_READINGS",
    "han_pinyin",
    "latin_pinyin_keys",
    "pinyin_match",
    "pinyin_name_forms",
    "pinyin_syllables",
    "pinyin_to_wade_giles",
    "split_chinese_name",
    "wade_giles_name_forms",
    "wade_giles_to_pinyin",
]

# Surnames whose reading differs from the character's usual one (simplified forms; traditional input is
# simplified before the lookup). Readings as the 现代汉语词典 (7th ed., 2016) gives them under "姓", the
# reference GB/T 28039-2011 §5 defers to; a surname with two readings in use lists both.
SURNAME_READINGS: Mapping[str, tuple[str, ...]] = {
    "单": ("shan",),
    "曾": ("zeng",),
    "区": ("ou",),
    "仇": ("qiu",),
    "解": ("xie",),
    "朴": ("piao",),
    "查": ("zha",),
    "盖": ("ge",),
    "缪": ("miao",),
    "乐": ("yue", "le"),
    "覃": ("qin", "tan"),
    "员": ("yun",),
    "秘": ("bi",),
    "种": ("chong",),
    "召": ("shao",),
    "纪": ("ji",),
    "褚": ("chu",),
    "折": ("she",),
    "翟": ("zhai", "di"),
    "句": ("gou",),
    "过": ("guo",),
    "洗": ("xian",),
    "相": ("xiang",),
    "藏": ("zang",),
    "贲": ("ben",),
    "能": ("nai",),
    "宁": ("ning",),
    "长": ("chang",),
    "重": ("chong",),
    "行": ("xing", "hang"),
    "薄": ("bo",),
    "谌": ("chen",),
    "莘": ("shen",),
    "郇": ("huan", "xun"),
    "曲": ("qu",),
    "厍": ("she",),
    "隗": ("wei", "kui"),
    "柏": ("bai",),
    "华": ("hua",),
    "任": ("ren",),
    "那": ("na",),
    "都": ("du",),
    "尉": ("wei",),
    "繁": ("po",),
    "粘": ("nian",),
    "沈": ("shen",),
    "石": ("shi",),
    "万": ("wan",),
    "阚": ("kan",),
    "瞿": ("qu",),
}

# Compound (two-character) surnames, simplified, with their readings: the ones in the 百家姓 and in current
# use. 尉迟 Yuchi, 万俟 Moqi, 单于 Chanyu and 长孙 Zhangsun read differently from their characters alone.
COMPOUND_SURNAMES: Mapping[str, tuple[str, str]] = {
    "欧阳": ("ou", "yang"),
    "司马": ("si", "ma"),
    "诸葛": ("zhu", "ge"),
    "上官": ("shang", "guan"),
    "司徒": ("si", "tu"),
    "东方": ("dong", "fang"),
    "夏侯": ("xia", "hou"),
    "皇甫": ("huang", "fu"),
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "单于": ("chan", "yu"),
    "澹台": ("tan", "tai"),
    "公孙": ("gong", "sun"),
    "令狐": ("ling", "hu"),
    "慕容": ("mu", "rong"),
    "宇文": ("yu", "wen"),
    "轩辕": ("xuan", "yuan"),
    "端木": ("duan", "mu"),
    "百里": ("bai", "li"),
    "呼延": ("hu", "yan"),
    "赫连": ("he", "lian"),
    "闻人": ("wen", "ren"),
    "宗政": ("zong", "zheng"),
    "濮阳": ("pu", "yang"),
    "淳于": ("chun", "yu"),
    "太史": ("tai", "shi"),
    "申屠": ("shen", "tu"),
    "公冶": ("gong", "ye"),
    "钟离": ("zhong", "li"),
    "拓跋": ("tuo", "ba"),
    "独孤": ("du", "gu"),
    "南宫": ("nan", "gong"),
    "西门": ("xi", "men"),
    "司空": ("si", "kong"),
    "左丘": ("zuo", "qiu"),
    "东郭": ("dong", "guo"),
    "公羊": ("gong", "yang"),
    "仲孙": ("zhong", "sun"),
    "乐正": ("yue", "zheng"),
    "巫马": ("wu", "ma"),
    "段干": ("duan", "gan"),
    "第五": ("di", "wu"),
}

# A longest pinyin syllable (zhuang, chuang, shuang) has six letters; the longest surface forms we accept
# (passport "lyue", Wade–Giles "ch'iung", "hsiung") have seven.
_MAX_SURFACE = 7

# The longest Chinese name word in practice is a hyphenated or run-on given name of three syllables
# (Zhuangshuangzhuang has 18 letters); a longer Latin word is not Chinese, and refusing it early bounds the
# work a hostile input can cause.
MAX_WORD_LETTERS = 32

# GB/T 16159-2012 §5.1.8: a syllable starting with a, o or e that follows another syllable is written after an
# apostrophe (Xi'an). Documents drop the apostrophe often enough that "Xian" must still read xi + an, but a
# bare a, o or e inside a word (xia + o + hong) is an interjection reading no name uses, so those three may
# only start a word or follow an apostrophe or hyphen.
_BARE_VOWELS = frozenset({"a", "o", "e"})

# Middle dots that Chinese puts between the parts of a transliterated foreign name (约翰·史密斯): such a name
# has no Chinese surname at its head.
_NAME_DOTS = frozenset("·・‧•∙⋅")


# --- tables ------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """The 409 toneless pinyin syllables of GB 2312 characters (ü written v), from ``_data/``."""
    return frozenset(data_lines("pinyin_syllables.txt"))


@lru_cache(maxsize=1)
def _wade_giles_pairs() -> tuple[tuple[str, str], ...]:
    pairs = []
    for line in data_lines("wade_giles_pinyin.tsv"):
        pinyin, _, wade_giles = line.partition("\t")
        pairs.append((pinyin, wade_giles))
    return tuple(pairs)


def _add(table: dict[str, list[str]], surface: str, key: str) -> None:
    keys = table.setdefault(surface, [])
    if key not in keys:
        keys.append(key)


@lru_cache(maxsize=1)
def _pinyin_surfaces() -> Mapping[str, tuple[str, ...]]:
    """Surface spelling (folded: lower case, ü as v) → the pinyin syllables it writes."""
    table: dict[str, list[str]] = {}
    for syllable in sorted(pinyin_syllables()):
        _add(table, syllable, syllable)
    for syllable in sorted(pinyin_syllables()):
        if syllable[:1] in ("l", "n") and "v" in syllable:
            # lü/nü: written lu (the umlaut dropped, as in passports before 2012), lyu (passports since 2012,
            # per the Ministry of Public Security rule) or lü/lv.
            _add(table, syllable.replace("v", "u"), syllable)
            _add(table, syllable.replace("v", "yu"), syllable)
    return {surface: tuple(keys) for surface, keys in table.items()}


def _fold_wade_giles(form: str) -> str:
    decomposed = unicodedata.normalize("NFD", form.lower()).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _wade_giles_surfaces() -> Mapping[str, tuple[str, ...]]:
    """Wade–Giles spelling (folded) → pinyin syllables, with the lossy spellings documents really use.

    Besides the table form (ch'ü), documents drop the aspiration apostrophe (chü: ju or qu), the umlaut
    (ch'u, chu) and both, and write ssu as szu; every such spelling maps to all the syllables it may stand
    for.
    """
    table: dict[str, list[str]] = {}
    # Exact table forms first, so that a spelling's own syllable leads ("tse" → ze before ce from "ts'e").
    for pinyin, wade_giles in _wade_giles_pairs():
        _add(table, _fold_wade_giles(wade_giles), pinyin)
    for pinyin, wade_giles in _wade_giles_pairs():
        folded = _fold_wade_giles(wade_giles)
        variants = {
            folded.replace("'", ""),
            folded.replace("v", "u"),
            folded.replace("'", "").replace("v", "u"),
        }
        if folded.startswith("ss"):
            variants |= {"sz" + v[2:] for v in (*variants, folded)}
        for variant in sorted(variants):
            _add(table, variant, pinyin)
    return {surface: tuple(keys) for surface, keys in table.items()}


@lru_cache(maxsize=1)
def _wade_giles_zero_initial() -> frozenset[str]:
    """Wade–Giles syllables with no initial consonant (a, ên, i, o, yu…): within a hyphen-free piece they
    may only come first: Wade–Giles separates a name's syllables with hyphens, it does not run them on."""
    return frozenset(s for s in _wade_giles_surfaces() if s[:1] in "aeiouv")


@lru_cache(maxsize=1)
def _pinyin_to_wade_giles() -> Mapping[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for pinyin, wade_giles in _wade_giles_pairs():
        _add(table, pinyin, wade_giles)
    return {k: tuple(v) for k, v in table.items()}


def wade_giles_to_pinyin(syllable: str) -> tuple[str, ...]:
    """The pinyin syllables a Wade–Giles syllable may stand for.

    "hsiao" → ("xiao",); "chen" → ("zhen", "chen"), since documents often drop the apostrophe of ch'en.
    """
    return _wade_giles_surfaces().get(_fold_wade_giles(syllable.replace("’", "'")), ())


def pinyin_to_wade_giles(syllable: str) -> tuple[str, ...]:
    """The Wade–Giles spelling of a toneless pinyin syllable ("xiao" → ("hsiao",), "qing" → ("ch'ing",))."""
    return _pinyin_to_wade_giles().get(_fold_wade_giles(syllable), ())


# --- Han → pinyin ------------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _char_readings(char: str) -> tuple[str, ...]:
    """All toneless readings of one Han character, usual first; via its other forms when pypinyin has none."""
    from pypinyin import Style, pinyin  # imported on first use: pypinyin loads its dictionaries at import

    for form in (char, to_simplified(char)):
        found = pinyin(form, style=Style.NORMAL, heteronym=True, errors="ignore")
        if found and found[0]:
            readings: list[str] = []
            for reading in found[0]:
                reading = reading.replace("ü", "v")
                if reading and reading not in readings:
                    readings.append(reading)
            return tuple(readings)
    return ()


def _han_chars(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if is_han(c))


def split_chinese_name(text: str) -> tuple[str, str]:
    """Split a Chinese person's name in Han characters into (surname, given name).

    A compound surname (欧阳, 司马, 诸葛…) is taken when the name has at least three characters; otherwise
    the first character is the surname (GB/T 28039-2011 §4). A transliterated foreign name (with a middle dot,
    约翰·史密斯) or a single character has no surname: ("", name).
    """
    normal = unicodedata.normalize("NFKC", text).strip()
    if any(c in _NAME_DOTS for c in normal):
        return "", _han_chars(normal)
    chars = _han_chars(normal)
    if len(chars) < 2:
        return "", chars
    if len(chars) >= 3 and to_simplified(chars[:2]) in COMPOUND_SURNAMES:
        return chars[:2], chars[2:]
    return chars[:1], chars[1:]


@lru_cache(maxsize=16384)
def _han_pinyin(text: str, person: bool) -> tuple[tuple[str, ...], ...]:
    chars = _han_chars(text)
    readings = [_char_readings(c) for c in chars]
    if person:
        surname, _ = split_chinese_name(text)
        if len(surname) == 2:
            for i, syllable in enumerate(COMPOUND_SURNAMES[to_simplified(surname)]):
                readings[i] = (syllable,)
        elif len(surname) == 1:
            special = SURNAME_READINGS.get(to_simplified(surname))
            if special:
                readings[0] = special
    return tuple(readings)


def han_pinyin(text: str, *, person: bool) -> list[tuple[str, ...]]:
    """Toneless pinyin readings of each Han character of ``text``, in order (other characters are skipped).

    Every reading (heteronym) pypinyin knows is a candidate, usual first; ü is written ``v`` (lü → "lv").
    With ``person`` the surname is read as a surname, and only so: 单 → ("shan",), 曾 → ("zeng",),
    欧阳 → ("ou",), ("yang",); see :data:`SURNAME_READINGS` and :data:`COMPOUND_SURNAMES`. A character with no
    known reading gives an empty tuple, so positions stay aligned with the characters.
    """
    return list(_han_pinyin(text, person))


def _best_syllables(chars: str) -> list[str]:
    """The most likely reading of each character, using pypinyin's phrase dictionary for context."""
    from pypinyin import Style, lazy_pinyin

    syllables = [_char_readings(c)[:1] for c in chars]
    if all(syllables):
        # pypinyin's phrase dictionary picks the reading in context (长江 chang, 行长 zhang).
        return [s.replace("ü", "v") for s in lazy_pinyin(chars, style=Style.NORMAL)]
    return [s[0] if s else "" for s in syllables]


def _written(syllables: list[str]) -> str:
    """Syllables joined into one pinyin word, with GB/T 16159 §5.1.8's apostrophe before a, o, e."""
    out = ""
    for syllable in syllables:
        if out and syllable[:1] in ("a", "o", "e"):
            out += "'"
        out += syllable
    return out.replace("v", "ü")


@lru_cache(maxsize=4096)
def _name_parts(text: str, person: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(surname syllables, given-name syllables) for a person; ((), all syllables) otherwise."""
    if person:
        surname, given = split_chinese_name(text)
        if surname:
            readings = _han_pinyin(surname + given, True)
            head = tuple(r[0] if r else "" for r in readings[: len(surname)])
            # Usual readings of the surname come from the surname tables; the given name takes pypinyin's
            # phrase-aware reading (长江 chang, 行长 zhang).
            return head, tuple(_best_syllables(given))
        return (), tuple(_best_syllables(given))
    return (), tuple(_best_syllables(_han_chars(text)))


def pinyin_name_forms(text: str, *, person: bool = True) -> list[str]:
    """The usual written forms of a Han name in pinyin, most standard first.

    A person (GB/T 28039-2011: surname first, given name as one word): 马晓红 → "Ma Xiaohong", "Ma Xiao Hong",
    "Ma Xiao-hong", "Xiaohong Ma", "Xiao Hong Ma"; a lü/nü syllable is also given in the passport spelling
    with "yu" (吕 → "Lü …", "Lyu …"). Not a person: every syllable capitalised and separated
    ("Dan Dong Hong Xiang"), then joined ("Dandonghongxiang") — word division in company names is left to the
    matcher, which compares syllables, not words.
    """
    surname, given = _name_parts(text, person)
    if not surname and not given:
        return []
    forms: list[str] = []

    def add(form: str) -> None:
        if form and form not in forms:
            forms.append(form)

    if surname:
        family = _written(list(surname)).capitalize()
        if given:
            joined = _written(list(given)).capitalize()
            spaced = " ".join(_written([s]).capitalize() for s in given)
            hyphened = "-".join(_written([s]) for s in given).capitalize()
            add(f"{family} {joined}")
            add(f"{family} {spaced}")
            add(f"{family} {hyphened}")
            add(f"{joined} {family}")
            add(f"{spaced} {family}")
        else:
            add(family)
    else:
        add(" ".join(_written([s]).capitalize() for s in given if s))
        add(_written([s for s in given if s]).capitalize())
    if any("ü" in form for form in forms):
        for form in list(forms):
            add(form.replace("ü", "yu").replace("Ü", "Yu"))
    return forms


def wade_giles_name_forms(text: str, *, person: bool = True) -> list[str]:
    """The name in Wade–Giles as Taiwan, Hong Kong and older Western sources write it.

    毛泽东 → "Mao Tse-tung"; 习近平 → "Hsi Chin-p'ing", then the same without apostrophes ("Hsi Chin-ping").
    """
    surname, given = _name_parts(text, person)

    def wg(syllable: str) -> str:
        found = _pinyin_to_wade_giles().get(syllable)
        return found[0] if found else syllable

    if not surname and not given:
        return []
    if surname:
        head = "".join(wg(s) for s in surname).capitalize()
        form = f"{head} {'-'.join(wg(s) for s in given).capitalize()}" if given else head
    else:
        form = " ".join(wg(s).capitalize() for s in given if s)
    form = form.replace("v", "ü")
    plain = form.replace("'", "")
    return [form] if plain == form else [form, plain]


# --- Latin → pinyin keys -----------------------------------------------------------------------------------


def _split_on_digits(piece: str) -> list[str]:
    """Tone numbers (xi2, jin4ping2) end a syllable: split there. Other digits make the piece unreadable."""
    parts = []
    current = ""
    for char in piece:
        if char.isdigit():
            if char not in "012345" or not current:
                return [""]
            parts.append(current)
            current = ""
        else:
            current += char
    if current:
        parts.append(current)
    return parts


def _piece_alternatives(piece: str) -> list[tuple[str, ...]]:
    """Readings of one hyphen-free piece of a word, as pinyin and as Wade–Giles, most natural first."""
    found: list[tuple[str, ...]] = []
    seen: set[tuple[str, ...]] = set()

    def take(alternatives: list[tuple[str, ...]]) -> None:
        for alternative in alternatives:
            if alternative not in seen and len(found) < MAX_ALTERNATIVES:
                seen.add(alternative)
                found.append(alternative)

    # Pinyin: apostrophes and tone numbers divide syllables.
    sub_pieces = [p for part in piece.split("'") for p in _split_on_digits(part)] if piece else []
    pinyin_shape = _shape("pinyin")
    if sub_pieces and all(sub_pieces) and all(pinyin_shape.fullmatch(p) for p in sub_pieces):
        surfaces = _pinyin_surfaces()
        take(
            combine_pieces(
                [segment(p, surfaces, _MAX_SURFACE, initial_only=_BARE_VOWELS) for p in sub_pieces]
            )
        )
    # Wade–Giles: the apostrophe is part of the syllable (ch'en); tone numbers (hsi2) still divide.
    wade_giles = _split_on_digits(piece)
    wade_giles_shape = _shape("wade-giles")
    if wade_giles and all(wade_giles) and all(wade_giles_shape.fullmatch(p) for p in wade_giles):
        surfaces = _wade_giles_surfaces()
        initial_only = _wade_giles_zero_initial()
        take(
            combine_pieces(
                [segment(p, surfaces, _MAX_SURFACE, initial_only=initial_only) for p in wade_giles]
            )
        )
    found.sort(key=len)
    return found


@lru_cache(maxsize=2)
def _shape(system: str) -> re.Pattern[str]:
    """A regular expression for "a run of this system's spellings": rejects most non-Chinese words in about a
    microsecond, before the slower segmentation that lists every reading."""
    surfaces = _pinyin_surfaces() if system == "pinyin" else _wade_giles_surfaces()
    alternatives = sorted(surfaces, key=lambda s: (-len(s), s))
    return re.compile("(?:" + "|".join(re.escape(s) for s in alternatives) + ")+")


@lru_cache(maxsize=65536)
def _word_keys(word: str) -> tuple[tuple[str, ...], ...]:
    if not word.isascii() or len(word) > MAX_WORD_LETTERS:
        return ()
    pieces = [p for p in word.split("-") if p]
    return tuple(combine_pieces([_piece_alternatives(p) for p in pieces]))


@lru_cache(maxsize=65536)
def _text_keys(text: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    return tuple(_word_keys(word) for word in latin_words(text))


def latin_pinyin_keys(text: str) -> list[list[tuple[str, ...]]]:
    """For each word of a Latin-script name, its possible readings as toneless pinyin syllables.

    "Xiaohong" → [("xiao", "hong")]; "Xian" → [("xian",), ("xi", "an")]; "Xi'an" → [("xi", "an")];
    "Hsiao-hung" → [("xiao", "hong")] (Wade–Giles); "Chen" → [("chen",), ("zhen",)] (pinyin, or Wade–Giles
    without its apostrophe). Tone marks and numbers are ignored; ü, v, yu (passport spelling) and, for lü/nü,
    plain u are accepted. A word that cannot be Chinese (Saunders) gives an empty list; readings per word are
    capped at :data:`~accomplice.names.syllables.MAX_ALTERNATIVES`.
    """
    return [list(alternatives) for alternatives in _text_keys(text)]


def pinyin_match(
    han: str, latin: str, *, person: bool, skip_unreadable: bool = False
) -> tuple[str, ...] | None:
    """The pinyin syllables on which a Han name and a Latin name agree, or ``None`` when they do not.

    Every Han character and every Latin word must be used once; a person's words may start anywhere (so
    "Xiaohong Ma" matches 马晓红 as well as "Ma Xiaohong" and "MA, Xiao-hong" do). The result, in character
    order, is the evidence to show: 毛泽东 ⇄ "Mao Tse-tung" → ("mao", "ze", "dong").

    With ``skip_unreadable`` the Latin words that cannot be read at all (an English given name, as in "Donald
    Tsang Yam-kuen" or "Miles Yu Maochun") are left out, provided at least one word remains.
    """
    readings = han_pinyin(han, person=person)
    if not readings or any(not r for r in readings):
        return None
    words = latin_pinyin_keys(latin)
    if skip_unreadable:
        words = [w for w in words if w]
    return align_words(readings, words, rotations=person)
