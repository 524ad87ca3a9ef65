"""Cyrillic → Latin transliteration under the published schemes, and a scheme-invariant skeleton.

Two jobs, kept apart:

* :func:`transliterate` writes Cyrillic text in Latin letters under one named scheme (BGN/PCGN, GOST 7.79-2000
  systems A and B, ICAO Doc 9303 as used in Russian passports since 2013, the Wikipedia/English-press
  practice, the older MVD passport schemes, …). The tables come from nalgeon/iuliia (MIT), generated into
  ``_data/cyrillic_schemes.json`` by ``scripts/gen_cyrillic_schemes.py``; the context rules (a letter after
  another letter or at the start of a word, a letter before another letter, the last two letters of a
  word) are applied as the scheme files define them.
* :func:`russian_skeleton` maps a name written in Cyrillic *or* in any of those Latin spellings (and the
  French- and German-style spellings of older passports) to one comparable key, so that ``Щеглова``,
  ``Shcheglova``, ``Ščeglova``, ``Shheglova`` and ``Chtcheglova`` share a key. Each merge is listed in
  :data:`SKELETON_MERGES` with the confusion that motivates it; ``docs/names/russian.md`` measures them.

Pure: no I/O except reading the packaged table once at import.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

__all__ = [
    "BGN_PCGN",
    "GOST_779",
    "GOST_779_B",
    "GOST_52535",
    "ICAO_9303",
    "MVD_310",
    "MVD_310_FR",
    "MVD_782",
    "SCREENING_SCHEMES",
    "SKELETON_MERGES",
    "WIKIPEDIA",
    "Scheme",
    "get_scheme",
    "has_cyrillic",
    "russian_skeleton",
    "russian_skeleton_tokens",
    "scheme_names",
    "skeleton_word",
    "transliterate",
    "transliterations",
]

# Scheme names as the iuliia files spell them.
BGN_PCGN = "bgn_pcgn"  # US Board on Geographic Names / UK PCGN, 1947: US and UK government usage.
GOST_779 = "gost_779"  # GOST 7.79-2000 system A (= ISO 9:1995), one Latin letter per Cyrillic letter.
GOST_779_B = "gost_779_alt"  # GOST 7.79-2000 system B: ASCII only (x for х, cz for ц, shh for щ).
ICAO_9303 = "icao_doc_9303"  # ICAO Doc 9303: machine-readable zone of Russian passports since 2013.
WIKIPEDIA = "wikipedia"  # English Wikipedia and the English-language press.
MVD_310 = "mvd_310"  # MVD order 310 (1997): Russian passports 1997-2010, English variant.
MVD_310_FR = "mvd_310_fr"  # MVD order 310, French variant: Soviet and early Russian passports (ou, tch, j).
MVD_782 = "mvd_782"  # MVD order 782 (2000): Russian passports 2000-2010.
GOST_52535 = "gost_52535"  # GOST R 52535.1-2006: Russian passports 2010-2013 (tc for ц, ia/iu).

# The schemes whose spellings a screening analyst meets in list entries and passports; the others
# (library and scientific systems, Telegram, Yandex) are shipped and tested but rarer in lists.
SCREENING_SCHEMES: tuple[str, ...] = (
    BGN_PCGN,
    ICAO_9303,
    WIKIPEDIA,
    GOST_779,
    GOST_779_B,
    MVD_310,
    MVD_310_FR,
    MVD_782,
    GOST_52535,
)

_DATA_FILE = "cyrillic_schemes.json"
# How many words of how many schemes we remember: a screening run sees a few hundred thousand distinct
# name words at most, and each entry costs a few hundred bytes.
_WORD_CACHE_SIZE = 1 << 18
# iuliia treats the last two letters of a word as its ending, and only in words longer than that.
_ENDING_LENGTH = 2


@dataclass(frozen=True, slots=True)
class Scheme:
    """One transliteration scheme: letter mapping plus the three kinds of context rules."""

    name: str
    description: str
    url: str
    mapping: Mapping[str, str]
    prev: Mapping[str, str]
    next: Mapping[str, str]
    ending: Mapping[str, str]


def _load_schemes() -> dict[str, Scheme]:
    raw: dict[str, Any] = json.loads(
        files("accomplice.names").joinpath("_data", _DATA_FILE).read_text(encoding="utf-8")
    )
    out: dict[str, Scheme] = {}
    for name, entry in raw["schemes"].items():
        scheme = Scheme(
            name=name,
            description=entry["description"],
            url=entry["url"],
            mapping=dict(entry["mapping"]),
            prev=dict(entry["prev_mapping"]),
            next=dict(entry["next_mapping"]),
            ending=dict(entry["ending_mapping"]),
        )
        out[name] = scheme
        for alias in entry.get("aliases", ()):
            out[alias] = scheme
    return out


_SCHEMES = _load_schemes()


def scheme_names() -> tuple[str, ...]:
    """Names of every shipped scheme (aliases such as ``iso_9_1995`` left out), sorted."""
    return tuple(sorted({s.name for s in _SCHEMES.values()}))


def get_scheme(name: str) -> Scheme:
    """The scheme called ``name``; ``ValueError`` naming the known ones if there is none."""
    try:
        return _SCHEMES[name]
    except KeyError:
        raise ValueError(
            f"unknown transliteration scheme {name!r}; known: {', '.join(scheme_names())}"
        ) from None


# Stress marks (acute, grave) are not part of Russian spelling; dictionaries and Wikipedia add them
# (Влади́мир). They would split a word in two, so they go before anything else.
_STRESS_MARKS = re.compile("[\u0300\u0301]")
_LETTERS = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile("[\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f]")


def has_cyrillic(text: str) -> bool:
    """True if ``text`` holds at least one Cyrillic letter."""
    return _CYRILLIC.search(text) is not None


def _cap(value: str) -> str:
    return value[:1].upper() + value[1:]


def _apply_case(value: str, source: str) -> str:
    """Write ``value`` in the case of the Cyrillic ``source`` it stands for."""
    if source.isupper():
        return value.upper() if len(source) > 1 else _cap(value)
    if source[:1].isupper():
        return _cap(value)
    return value


def _letters(stem: str, scheme: Scheme) -> list[str]:
    out: list[str] = []
    lower = stem.lower()
    last = len(stem) - 1
    for i, cur in enumerate(lower):
        prev = lower[i - 1] if i > 0 else ""
        nxt = lower[i + 1] if i < last else ""
        value = scheme.prev.get(prev + cur)
        if value is None:
            value = scheme.next.get(cur + nxt)
        if value is None:
            value = scheme.mapping.get(cur)
        if value is None:
            out.append(stem[i])
            continue
        out.append(_cap(value) if stem[i].isupper() else value)
    return out


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def _transliterate_word(word: str, name: str) -> str:
    scheme = _SCHEMES[name]
    # An all-capitals word (ИВАНОВ, as lists write surnames) is written in capitals throughout rather
    # than as "YUliya": transliterate it in lower case and raise the result.
    if len(word) > 1 and word.isupper():
        return _transliterate_word(word.lower(), name).upper()
    if len(word) > _ENDING_LENGTH and scheme.ending:
        ending = word[-_ENDING_LENGTH:]
        value = scheme.ending.get(ending.lower())
        if value is not None:
            return "".join(_letters(word[:-_ENDING_LENGTH], scheme)) + _apply_case(value, ending)
    return "".join(_letters(word, scheme))


def transliterate(text: str, scheme: str = BGN_PCGN) -> str:
    """Write the Cyrillic letters of ``text`` in Latin under ``scheme``; everything else is kept.

    >>> transliterate("Юлия Щеглова", ICAO_9303)
    'Iuliia Shcheglova'
    """
    name = get_scheme(scheme).name
    text = _STRESS_MARKS.sub("", unicodedata.normalize("NFC", text))
    if not has_cyrillic(text):
        return text
    return _LETTERS.sub(lambda m: _transliterate_word(m.group(), name), text)


def transliterations(text: str, schemes: Iterable[str] = SCREENING_SCHEMES) -> dict[str, str]:
    """``text`` under each of ``schemes``: scheme name → Latin form (empty if ``text`` has no Cyrillic)."""
    if not has_cyrillic(text):
        return {}
    return {name: transliterate(text, name) for name in schemes}


# ---------------------------------------------------------------------------------------------------
# The skeleton
# ---------------------------------------------------------------------------------------------------

# Each merge the skeleton makes, with the spellings it unites and why they must be united. The tests
# check every example; docs/names/russian.md reports what the merges cost in false agreements.
SKELETON_MERGES: tuple[tuple[str, str], ...] = (
    (
        "х: kh h x(GOST-B before a consonant) ch(German)",
        "BGN/ICAO kh, GOST-A h, GOST-B x: Khodorkovsky = "
        "Hodorkovskij = Xodorkovskij; German ch (Chodorkowski) joins the sibilant class below, see docs",
    ),
    (
        "ц: ts tz tc c cz(GOST-B) ć",
        "ts (BGN, ICAO), c (GOST-A, Czech, Polish), tc (passports 2010-2013), tz (German): Tsoy = Tcoi = Coj",
    ),
    (
        "ш щ ч ж: sh sch shch shh ŝ šč ch tch tsch chtch č š ž zh cz sz ż ç",
        "one sibilant class: French "
        "ch is ш (Chostakovitch), German sch is ш and ж (Schukow), mosmetro sch is щ; no Latin spelling "
        "keeps all four apart across schemes",
    ),
    (
        "й и ы and glides y j i ĭ ï",
        "й is y (BGN), j (GOST), i (ICAO), ĭ (ALA-LC); ы is y; ICAO writes "
        "-ий as -ii and Wikipedia as -y: Dmitriy = Dmitrii = Dmitry = Dmitrij",
    ),
    (
        "я ю: ya ia ja â ä / yu iu ju û iou",
        "glide + vowel, whatever letter writes the glide: Yakovlev = Iakovlev = Jakowlew = Âkovlev",
    ),
    (
        "е ё э: e ye je ie è ë yo jo io (and o after a sibilant)",
        "BGN writes word-initial е as ye, ICAO and "
        "MVD-310 write ё as e, others as yo/jo/io/ë; Russian writes ё as е in most texts: Fyodor = Fedor = "
        "Fiodor = Fjodor; after ш ч щ ж, ё is written o by German and French (Gorbatschow)",
    ),
    (
        "ъ ь dropped; ' ’ ʹ ʺ ` · dropped",
        "signs are written ', ’, ʹ, ʺ, ` or not at all: Il'in = Ilin; Ilyin's y is the glide class",
    ),
    ("double letters single", "Vassili (French/German ss between vowels) = Vasili; Andreev = Andreyev"),
    ("w → v; final -off → -ov; ph → f", "German/Polish w (Wladimir), emigré -off (Smirnoff)"),
    (
        "French ou → u; gu before e/i → g; -ine → -in; j → ж in words with ou",
        "MVD-310 French: Iouri, Guennadi, Poutine, Joukov",
    ),
    ("Latin x → ks; c → k before a o u and consonants", "English Maxim, Alexander, Victor, Nicolai"),
    ("Ukrainian г → h when the word has і ї є ґ", "Ukrainian spelling Григорій is written Hryhoriy"),
)

_SIBILANT = "x"  # class letter for ш щ ч ж
_TS = "c"  # class letter for ц
_GLIDE = "i"  # class letter for и ы й and the glides

# Cyrillic letters, lower case, straight to skeleton classes (no detour through a Latin spelling, whose
# digraphs would be ambiguous: ё+у written "you" is not French "ou"). ь and ъ are dropped: most schemes
# write nothing or a sign; a following vowel brings its own glide (я ю ё) or needs none (е).
_CYR_CLASSES: dict[str, tuple[str, ...]] = {
    "а": ("a",), "б": ("b",), "в": ("v",), "г": ("g",), "д": ("d",), "е": ("e",), "ё": (_GLIDE, "o"),
    "ж": (_SIBILANT,), "з": ("z",), "и": (_GLIDE,), "й": (_GLIDE,), "к": ("k",), "л": ("l",), "м": ("m",),
    "н": ("n",), "о": ("o",), "п": ("p",), "р": ("r",), "с": ("s",), "т": ("t",), "у": ("u",), "ф": ("f",),
    "х": ("h",), "ц": (_TS,), "ч": (_SIBILANT,), "ш": (_SIBILANT,), "щ": (_SIBILANT,), "ъ": (),
    "ы": (_GLIDE,), "ь": (), "э": ("e",), "ю": (_GLIDE, "u"), "я": (_GLIDE, "a"),
    # Ukrainian and Belarusian
    "і": (_GLIDE,), "ї": (_GLIDE,), "є": ("e",), "ґ": ("g",), "ў": ("u",),
    # Serbian and Macedonian
    "ђ": ("d", _SIBILANT), "ј": (_GLIDE,), "љ": ("l", _GLIDE), "њ": ("n", _GLIDE), "ћ": (_SIBILANT,),
    "џ": ("d", _SIBILANT), "ѓ": ("g", _GLIDE), "ќ": ("k", _GLIDE), "ѕ": ("d", "z"),
    # Kazakh, Kyrgyz, Tatar, Bashkir, Tajik letters met in Central Asian names on Russian-language lists
    "ә": ("a",), "ғ": ("g",), "қ": ("k",), "ң": ("n",), "ө": ("o",), "ұ": ("u",), "ү": ("u",), "һ": ("h",),
    "ҳ": ("h",), "ҷ": (_SIBILANT,),
}  # fmt: skip
_UKRAINIAN_MARKERS = frozenset("іїєґ")
# Letter pairs whose plain Latin spelling reads as one other sound; read them so here too, so that
# the Cyrillic and the Latin forms agree: тс/тз are written ts/tz (ц), сч/сз are written sch/sz (щ, ш).
_CYR_PAIRS: dict[str, str] = {"тс": _TS, "тз": _TS, "сч": _SIBILANT, "сз": _SIBILANT}

# Latin letters with diacritics (or special letters) read before the marks are stripped, because the
# mark carries the Cyrillic letter: č is ч, not c; â is я in GOST 7.79-A, not a.
_LATIN_SPECIAL: dict[str, str] = {
    "č": "ch", "ć": "ch", "ĉ": "ch", "ç": "ch", "š": "sh", "ŝ": "shch", "ž": "zh", "ż": "zh", "ź": "z",
    "ś": "s", "ń": "n", "ł": "l", "đ": "dj", "â": "ya", "û": "yu", "ä": "ya", "ë": "yo", "ĭ": "y",
    "ȳ": "y", "ı": "i", "ß": "ss", "æ": "e", "œ": "e", "ø": "o",
}  # fmt: skip
# Hard and soft signs and the separators some schemes put between letters (BGN's middle dot).
_DROPPED = frozenset("'’‘ʹʺʼʻ`´\"”“·ˮ′″")

# Latin graphemes, longest first at each position, to skeleton classes.
_GRAPHEMES: dict[str, str] = {
    "schtsch": _SIBILANT, "shtch": _SIBILANT, "chtch": _SIBILANT, "szcz": _SIBILANT, "shch": _SIBILANT,
    "tsch": _SIBILANT, "tsj": _SIBILANT, "tsh": _SIBILANT, "tch": _SIBILANT, "sch": _SIBILANT,
    "shh": _SIBILANT, "sh": _SIBILANT, "ch": _SIBILANT, "zh": _SIBILANT, "cz": _SIBILANT, "sz": _SIBILANT,
    "tzh": _SIBILANT, "szh": _SIBILANT,
    "kh": "h", "gh": "g", "ph": "f", "ck": "k", "ts": _TS, "tz": _TS, "tc": _TS, "ou": "u",
    "a": "a", "b": "b", "d": "d", "e": "e", "f": "f", "g": "g", "h": "h", "i": _GLIDE, "j": _GLIDE,
    "k": "k", "l": "l", "m": "m", "n": "n", "o": "o", "p": "p", "q": "k", "r": "r", "s": "s", "t": "t",
    "u": "u", "v": "v", "w": "v", "y": _GLIDE, "z": "z",
}  # fmt: skip
# For each first letter, the lengths of the graphemes starting with it, longest first.
_GRAPHEME_SIZES: dict[str, tuple[int, ...]] = {
    first: tuple(sorted({len(g) for g in _GRAPHEMES if g[0] == first}, reverse=True))
    for first in {g[0] for g in _GRAPHEMES}
}
_VOWELS = frozenset("aeiouy")
_LATIN_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxz")
# c before these is k in English spellings (Victor, Nicolai, Constantin); elsewhere c is ц.
_C_AS_K_BEFORE = frozenset("aoulrtk")
_C_DIGRAPH_SECOND = frozenset("hzk")  # ch, cz, ck are read as graphemes
# French -ine (MVD-310: ин → ine) needs a stem long enough not to strip a real short word.
_FRENCH_INE_MIN = 5
_OFF_LENGTH = 3


def _latin_word(word: str) -> str:
    """Lower-case Latin → plain letters a-z: special letters spelt out, marks stripped, signs dropped.

    Letters of other scripts (Greek, Hangul, Devanagari…) are kept whole with their marks.
    """
    if word.isascii():
        return "".join(ch for ch in word if ch not in _DROPPED)
    out: list[str] = []
    for ch in word:
        if ch < "\x80":
            if ch not in _DROPPED:
                out.append(ch)
            continue
        if ch in _DROPPED:
            continue
        special = _LATIN_SPECIAL.get(ch)
        if special is not None:
            out.append(special)
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        if decomposed[0] < "\x80":
            out.append(decomposed[0])
        elif unicodedata.combining(ch) and out and out[-1][-1:] < "\x80":
            continue  # a mark on a Latin letter (ALA-LC's tie bar in t͡s)
        else:
            out.append(ch)
    return "".join(out)


def _cyrillic_classes(run: str, ukrainian: bool) -> list[str]:
    out: list[str] = []
    i, n = 0, len(run)
    while i < n:
        ch = run[i]
        pair = run[i : i + 2]
        if pair in _CYR_PAIRS:
            out.append(_CYR_PAIRS[pair])
            i += 2
            continue
        if ch == "о" and i + 1 < n and run[i + 1] == "у":
            out.append("u")  # оу reads as French ou in Latin (Poutine); read it so here too
            i += 2
            continue
        if ch == "г" and i + 2 < n and run[i + 1] == "у" and run[i + 2] in "еэи":
            out.append("g")  # гу before е/и reads as French gu (Guennadi); read it so here too
            i += 2
            continue
        if ukrainian and ch == "г":
            out.append("h")  # Ukrainian г is h in Ukrainian spellings (Hryhoriy)
        else:
            out.extend(_CYR_CLASSES.get(ch, (ch,)))
        i += 1
    return out


def _latin_classes(latin: str) -> list[str]:
    """Split a Latin word into skeleton classes, longest grapheme first."""
    french = "ou" in latin
    out: list[str] = []
    i, n = 0, len(latin)
    while i < n:
        ch = latin[i]
        nxt = latin[i + 1] if i + 1 < n else ""
        if ch == "x":
            # English x is ks (Maxim, Alexei); GOST-B and GOST 7.0.34 write х as x, which shows where a
            # consonant follows (Xrushhyov) or in the -yx ending (Chernyx).
            after_y = i > 0 and latin[i - 1] == "y" and i + 1 == n
            out.extend(("h",) if (nxt in _LATIN_CONSONANTS and nxt != "s") or after_y else ("k", "s"))
            i += 1
            continue
        if ch == "c" and nxt not in _C_DIGRAPH_SECOND:
            out.append("k" if nxt in _C_AS_K_BEFORE else _TS)
            i += 1
            continue
        if ch == "g" and nxt == "u" and i + 2 < n and latin[i + 2] in "ei":
            out.append("g")  # French gu before e/i (Guennadi, Sneguireva)
            i += 2
            continue
        if ch == "j" and french:
            out.append(_SIBILANT)  # French j is ж (Joukov, Jirinovski)
            i += 1
            continue
        if ch == "d" and nxt == "j":
            out.extend(("d", _SIBILANT))  # dj is дж (French Djamboul) and Serbian ђ (Djokovic)
            i += 2
            continue
        for size in _GRAPHEME_SIZES.get(ch, ()):
            cls = _GRAPHEMES.get(latin[i : i + size])
            if cls is not None:
                out.append(cls)
                i += size
                break
        else:
            out.append(ch)  # digits and letters of other scripts stand for themselves
            i += 1
    return out


def _reduce(cls: list[str]) -> str:
    # Emigré and older French/German spellings end -ов in -off (Smirnoff, Ivanoff).
    if len(cls) > _OFF_LENGTH and cls[-3:] == ["o", "f", "f"]:
        cls = [*cls[:-2], "v"]
    out: list[str] = []
    glide_before = False
    for c in cls:
        if c == _GLIDE:
            if out and out[-1] == _GLIDE:
                continue
            out.append(c)
            continue
        if c in "eo" and out and out[-1] == _GLIDE:
            # A glide before e/o is ye/je/ie (е) or yo/jo/io (ё): drop it; ё and е are one vowel.
            out.pop()
            glide_before = True
        if c == "o" and (glide_before or (out and out[-1] == _SIBILANT)):
            c = "e"
        glide_before = False
        if c in (_TS, _SIBILANT) and out and out[-1] == "t":
            out.pop()  # tts/tc/tch: the t of the affricate is written or not (Bittsevsky, Bitsevsky)
        if out and out[-1] == c:
            continue  # double letters
        out.append(c)
    word = "".join(out)
    if len(word) >= _FRENCH_INE_MIN and word.endswith("ine"):
        word = word[:-1]
    return word


@lru_cache(maxsize=_WORD_CACHE_SIZE)
def skeleton_word(word: str) -> str:
    """The skeleton of one word (no spaces or hyphens inside), Cyrillic or Latin."""
    lowered = _STRESS_MARKS.sub("", unicodedata.normalize("NFC", word)).casefold()
    if not has_cyrillic(lowered):
        return _reduce(_latin_classes(_latin_word(lowered)))
    ukrainian = not _UKRAINIAN_MARKERS.isdisjoint(lowered)
    classes: list[str] = []
    for match in _CYRILLIC_RUNS.finditer(lowered):
        run = match.group()
        if _CYRILLIC.match(run):
            classes.extend(_cyrillic_classes(run, ukrainian))
        else:
            classes.extend(_latin_classes(_latin_word(run)))
    return _reduce(classes)


_CYRILLIC_RUNS = re.compile(
    "[\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f]+|[^\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f]+"
)
# Signs that may stand inside a word (Il'in, s”yesh’, GOST-B y`); elsewhere they separate words.
_INWORD_SIGNS = frozenset("'’‘ʹʺʼ`´”ˮ")
# BGN/PCGN's middle dot sits between two letters of a word (Ty·ay·a); Chinese and Japanese names written
# in other scripts use a middle dot between the given name and surname (弗拉基米尔·普京).
_MIDDLE_DOT = "·"


def _words(text: str) -> list[str]:
    words: list[str] = []
    cur: list[str] = []
    n = len(text)
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if cat[0] in "LMN" or ch in _INWORD_SIGNS:
            cur.append(ch)
            continue
        if ch == _MIDDLE_DOT and cur and i + 1 < n and cur[-1].isascii() and text[i + 1].isascii():
            cur.append(ch)
            continue
        if cur:
            words.append("".join(cur))
            cur = []
    if cur:
        words.append("".join(cur))
    return words


def russian_skeleton_tokens(text: str) -> tuple[str, ...]:
    """The skeleton of each word of ``text``, in order; words that reduce to nothing are left out."""
    out: list[str] = []
    for word in _words(text):
        key = skeleton_word(word)
        if key:
            out.append(key)
    return tuple(out)


def russian_skeleton(text: str) -> str:
    """One comparable key for a Russian name in Cyrillic or in any common Latin spelling.

    Words are keyed one by one and joined by single spaces, in the order given.

    >>> russian_skeleton("Щеглова") == russian_skeleton("Shcheglova") == russian_skeleton("Ščeglova")
    True
    """
    return " ".join(russian_skeleton_tokens(text))
