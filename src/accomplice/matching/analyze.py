"""Analyse a name once into every form the features compare: Latin words, syllable readings, skeletons.

The script-specific work is delegated to `accomplice.names`; this module decides which readings a name
gets from its scripts and its context (a Han name of a North Korean is read as Korean Hanja first).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from itertools import islice, product

from rigour.names import Name, NameTypeTag, analyze_names
from rigour.text import ascii_text

from accomplice.matching.keys import name_keys
from accomplice.matching.model import NameForms, NameHint, OrgForm, SyllableReading, VesselForm, shared
from accomplice.matching.phrase_groups import PhraseTagger
from accomplice.names import korean
from accomplice.names.cantonese import han_cantonese_keys, latin_cantonese_keys
from accomplice.names.chinese import han_pinyin, latin_pinyin_keys, split_chinese_name
from accomplice.names.cyrillic import russian_skeleton_tokens, transliterate
from accomplice.names.glossary import translate_institution
from accomplice.names.normalize import fold
from accomplice.names.orgs import default_romanizer, parse_org_name, parse_vessel_name
from accomplice.names.scripts import Script
from accomplice.names.scripts import scripts_of as _scripts_of

__all__ = [
    "NameHint",
    "add_known_groups",
    "analyze_name",
    "group_texts",
    "scripts_of",
    "text_groups",
    "use_phrase_tagger",
]

ANALYSIS_CACHE_SIZE = 500_000
# Readings kept per name and system: heteronyms and ambiguous segmentations multiply; the first few
# (most likely) readings carry the evidence, the rest only cost time and false agreements.
MAX_READINGS = 16


def scripts_of(text: str) -> frozenset[str]:
    return shared(frozenset(str(s) for s in _scripts_of(text)))


def _latin_tokens(text: str, scripts: frozenset[str]) -> tuple[tuple[str, ...], str | None]:
    """Latin words of a name: folded as written, or transliterated by the script's own standard."""
    if scripts <= {"latin"}:
        return tuple(sys.intern(t) for t in fold(text).split()), None
    if scripts <= {"hangul"}:
        return tuple(fold(korean.romanize_dprk(text)).split()), "romanized"
    if scripts <= {"cyrillic"}:
        return tuple(fold(transliterate(text)).split()), "transliterated (BGN/PCGN)"
    if scripts <= {"han"}:
        readings = han_pinyin("".join(text.split()), person=False)
        return tuple(r[0] for r in readings if r), "read in pinyin"
    # Other scripts (Arabic, Hebrew, Greek, Devanagari, Thai, kana...): ICU's transliterators.
    return tuple(fold(ascii_text(text)).split()), "transliterated"


def _bounded_product(per_word: Sequence[Sequence[tuple[str, ...]]]) -> list[tuple[tuple[str, ...], ...]]:
    if not per_word or any(not alternatives for alternatives in per_word):
        return []
    return list(islice(product(*per_word), MAX_READINGS))


# Korean readings of a Hanja name kept: the surname reading and the initial-sound variants.
MAX_HANJA_READINGS = 4
# East Asian personal names: a surname of one syllable (rarely two) and a given name of one or two.
MAX_GIVEN_NAME_SYLLABLES = 2
MAX_SURNAME_SYLLABLES = 2


def _shaped_like_east_asian_name(words: tuple[tuple[str, ...], ...]) -> bool:
    """A surname word and a given name of one or two syllables (in one or two words), either order."""
    if not 2 <= len(words) <= 3:
        return False
    for surname, given in ((words[0], words[1:]), (words[-1], words[:-1])):
        given_syllables = sum(len(w) for w in given)
        if len(surname) == 1 and 1 <= given_syllables <= MAX_GIVEN_NAME_SYLLABLES:
            return True
    return False


def _latin_readings(
    text: str, system: str, per_word: list[list[tuple[str, ...]]], via: str, person: bool
) -> list[SyllableReading]:
    return [
        SyllableReading(
            system, words, via, confident=person and _shaped_like_east_asian_name(words), romanized=True
        )
        for words in _bounded_product(per_word)
    ]


def _han_words(chars: list[tuple[str, ...]], split: int | None) -> list[tuple[tuple[str, ...], ...]]:
    """Readings of Han characters grouped into words (surname | given name when `split` is given)."""
    readings = list(islice(product(*chars), MAX_READINGS)) if chars else []
    if split is None or not 0 < split < len(chars):
        return [(tuple(r),) for r in readings]
    return [(tuple(r[:split]), tuple(r[split:])) for r in readings]


def _chinese_readings(text: str, person: bool) -> list[SyllableReading]:
    han = "".join(ch for ch in text if not ch.isspace())
    split = len(split_chinese_name(han)[0]) if person else None
    readings = []
    pinyin = han_pinyin(han, person=person)
    for words in _han_words(pinyin, split):
        readings.append(SyllableReading("pinyin", words, "read in pinyin", confident=person))
    cantonese = han_cantonese_keys(han, person=person)
    for words in _han_words(cantonese, split):
        readings.append(SyllableReading("jyutping", words, "read in Cantonese", confident=person))
    return readings


# Words of a Latin name as romanizations see them: apostrophes kept (Wade–Giles p' is not p).
_RAW_WORDS = re.compile(r"[^\w'’ʼ]+")
# The same, keeping hyphens inside words, so that a hyphenated given name can be read both ways.
_WORDS = re.compile(r"[^\w'’ʼ-]+|(?<!\w)-|-(?!\w)")
WORD_CACHE_SIZE = 300_000


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _pinyin_word(word: str) -> tuple[tuple[str, ...], ...]:
    keys = latin_pinyin_keys(word)
    return tuple(keys[0]) if len(keys) == 1 else ()


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _cantonese_word(word: str) -> tuple[tuple[str, ...], ...]:
    keys = latin_cantonese_keys(word)
    return tuple(keys[0]) if len(keys) == 1 else ()


# In romanized Korean an apostrophe marks aspiration (ch'), stands in for a breve (o' = ŏ) or splits
# syllables; lists place it loosely ("MY'ONG", "Kyo'ng"). The syllable keys merge aspirated and plain
# consonants and ŏ/o, so apostrophes carry nothing the keys keep: drop them before reading.
_APOSTROPHES = str.maketrans("", "", "'’ʼ‘`´")


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _korean_word(word: str) -> tuple[tuple[str, ...], ...]:
    keys = korean.latin_keys(word.translate(_APOSTROPHES))
    if len(keys) != 1:
        return ()
    return tuple(_folded(k) for k in keys[0])


def _folded(keys: tuple[str, ...]) -> tuple[str, ...]:
    """North and South spellings agree: 리/이, 룡/용 (the initial-sound rule, folded on both sides)."""
    return tuple(korean.fold_initial_sound(k) for k in keys)


@lru_cache(maxsize=1)
def korean_surname_spellings() -> frozenset[str]:
    """Every romanized spelling of every Korean surname in our table (standard and common ones)."""
    from accomplice.names.korean_surnames import surnames

    spellings = set()
    for hangul in surnames():
        info = korean.surname_info(hangul)
        if info is None:
            continue
        for value in (info.rr, info.mr, info.dprk, *info.others):
            if value:
                spellings.add(fold(value).replace(" ", ""))
        for north in info.north:
            spellings.add(fold(korean.romanize_dprk(north)).replace(" ", ""))
    return frozenset(spellings)


def _korean_surname_word(word: str) -> bool:
    return fold(word).replace(" ", "") in korean_surname_spellings()


def _latin_korean_readings(text: str, person: bool) -> list[SyllableReading]:
    per_word = _per_word(text, _korean_word)
    if not per_word:
        return []
    words = [w for w in _WORDS.split(text) if w]
    surname_at_end = _korean_surname_word(words[0]) or _korean_surname_word(words[-1])
    return [
        SyllableReading(
            "korean",
            reading,
            "romanized Korean",
            confident=person and surname_at_end and _shaped_like_east_asian_name(reading),
            romanized=True,
        )
        for reading in _bounded_product(per_word)
    ]


def _hangul_readings(text: str, person: bool, via: str) -> list[SyllableReading]:
    words = text.split()
    if person and len(words) == 1 and len(words[0]) >= 2:
        words = [w for w in korean.split_korean_name(words[0]) if w]
    keyed = tuple(_folded(tuple(k for part in korean.hangul_keys(w) for k in part)) for w in words)
    if not keyed or any(not w for w in keyed):
        return []
    return [SyllableReading("korean", keyed, via, confident=person)]


def _cyrillic_korean_readings(text: str, person: bool) -> list[SyllableReading]:
    per_word = [[_folded(k) for k in alternatives] for alternatives in korean.cyrillic_keys(text)]
    if not per_word or any(not alternatives for alternatives in per_word):
        return []
    return [
        SyllableReading(
            "korean",
            reading,
            "Korean name in Cyrillic",
            confident=person and _shaped_like_east_asian_name(reading),
            romanized=True,
        )
        for reading in _bounded_product(per_word)
    ]


def _per_word(text: str, reader: Callable[[str], tuple[tuple[str, ...], ...]]) -> list[list[tuple[str, ...]]]:
    """Segmentations of each word, or nothing when one word cannot be read (names are read whole).

    Hyphens inside a word are read both as syllable breaks and as nothing, since writers place them
    inconsistently ("Chŏn-gwŏn" for Chŏng-wŏn).
    """
    per_word = []
    for word in _WORDS.split(text):
        if not word:
            continue
        pieces = [p for p in word.split("-") if p]
        alternatives: list[tuple[str, ...]] = []
        split = [reader(p) for p in pieces]
        if all(split):
            alternatives += [
                tuple(k for part in combo for k in part) for combo in islice(product(*split), MAX_READINGS)
            ]
        if len(pieces) > 1:
            alternatives += [a for a in reader("".join(pieces)) if a not in alternatives]
        if not alternatives:
            return []
        per_word.append(alternatives)
    return per_word


def _syllable_readings(text: str, scripts: frozenset[str], hint: NameHint) -> tuple[SyllableReading, ...]:
    """Syllable readings of a name in Korean, pinyin and Cantonese, as far as the script allows."""
    # Without a schema a name may be a person's: read it as one (companies rarely have the shape).
    person = hint.kind in ("person", "any")
    readings: list[SyllableReading] = []
    if scripts <= {"latin"}:
        readings += _latin_korean_readings(text, person)
        readings += _latin_readings(
            text, "pinyin", _per_word(text, _pinyin_word), "pinyin or Wade–Giles", person
        )
        readings += _latin_readings(
            text, "jyutping", _per_word(text, _cantonese_word), "Hong Kong spelling", person
        )
    elif scripts <= {"hangul"}:
        readings += _hangul_readings(text, person, "Hangul")
    elif scripts <= {"cyrillic"}:
        readings += _cyrillic_korean_readings(text, person)
    elif Script.HAN in scripts and scripts <= {"han"}:
        if hint.han in ("ko", ""):
            for reading in korean.hanja_to_hangul(text, person=person)[:MAX_HANJA_READINGS]:
                readings += _hangul_readings(reading, person, f"Hanja {text} read as {reading}")
        if hint.han in ("zh", ""):
            readings += _chinese_readings(text, person)
    return tuple(readings)


def _romanizer(han: str) -> Callable[[str], str | None]:
    """Latin reading of a non-Latin segment of a firm's or ship's name (Hangul, Hanja or Chinese)."""

    def romanize(segment: str) -> str | None:
        segment_scripts = scripts_of(segment)
        if "hangul" in segment_scripts:
            return fold(korean.romanize_dprk(segment, name=False)).replace(" ", "")
        if "han" in segment_scripts and han == "ko":
            readings = korean.hanja_to_hangul(segment, person=False)
            if readings:
                return fold(korean.romanize_dprk(readings[0], name=False)).replace(" ", "")
        return default_romanizer(segment)

    return romanize


def _part_readings(text: str, hint: NameHint) -> tuple[SyllableReading, ...]:
    """Syllable readings of a brand or a ship's name (no surname shape to check)."""
    if not text.strip():
        return ()
    return _syllable_readings(text, scripts_of(text), NameHint("organisation", hint.han))


def _org_form(text: str, hint: NameHint) -> OrgForm | None:
    parsed = parse_org_name(text, romanize=_romanizer(hint.han))
    if hint.kind == "any" and not parsed.legal_forms and not parsed.words:
        return None  # nothing says this is a firm: read it as a person's name only
    distinctive = tuple(f for t in parsed.brand_tokens if (f := fold(t).replace(" ", "")))
    brand_text = " ".join(token.text for token in parsed.brand)
    return OrgForm(
        distinctive=distinctive,
        syllables=_part_readings(brand_text, hint),
        skeleton=russian_skeleton_tokens(brand_text) if brand_text else (),
        words=frozenset(parsed.word_tokens),
        legal_forms=frozenset(parsed.legal_codes),
        legal_families=parsed.legal_families,
        native=any(token.script != "latin" for token in parsed.brand),
    )


def names_a_firm(org: OrgForm | None) -> bool:
    """A name with a legal form ("Co. Ltd.", "有限公司", "ООО") is a firm's, whatever the schema says.

    Read as a person's name, its whole text becomes syllable keys: 有限公司 alone gives a dozen (you·xian,
    gong·si in pinyin, yau·han in Cantonese, yu·han in Korean...) that every Chinese firm on the lists
    shares. Under a broad schema (any, LegalEntity) they outweighed the firm's own brand, and with the EU
    Russia lists loaded 丹东鸿祥实业发展有限公司 lost its place among the candidates to a hundred other
    companies. So a broad query or listing with a legal form is read as the firm it names.
    """
    return org is not None and bool(org.legal_forms)


# A hull number in the name ("JI SONG 6", "지성 6호"): without a schema, a name with one may be a ship.
_HAS_NUMBER = re.compile(r"\d")
# Hull numbers and their markers, removed before reading a ship's name as syllables.
_NUMBER_OR_MARKER = re.compile(r"\d+\s*(?:호|號|号)?|\b(?:no|nr)\b\.?|[#№]", re.IGNORECASE)


def _vessel_form(text: str, hint: NameHint) -> VesselForm | None:
    if hint.kind == "any" and not _HAS_NUMBER.search(text):
        return None
    parsed = parse_vessel_name(text, romanize=_romanizer(hint.han))
    tokens = tuple(f for t in parsed.name_tokens if (f := fold(t).replace(" ", "")))
    if not tokens:
        return None
    name_part = " ".join(_NUMBER_OR_MARKER.sub(" ", text).split())
    return VesselForm(
        tokens, _part_readings(name_part, hint), parsed.number, native=not scripts_of(text) <= {"latin"}
    )


# Stands in for rigour's person tagger once a persisted index with the tagger's phrases is open
# (matching.phrase_groups): the same names, without the 7.5 s of CPU rigour spends building its tagger.
_PHRASE_TAGGER: list[PhraseTagger] = []


def use_phrase_tagger(tagger: PhraseTagger | None) -> None:
    """Read names with `tagger` instead of rigour's own tagger (the answers are the same); None: with
    rigour's own again."""
    _PHRASE_TAGGER[:] = [tagger] if tagger is not None else []
    rigour_name.cache_clear()
    text_groups.cache_clear()


@lru_cache(maxsize=WORD_CACHE_SIZE)
def rigour_name(text: str) -> Name | None:
    """The name as rigour analyses it (parts, and the name groups of single and multi-word spans)."""
    if _PHRASE_TAGGER:
        return _PHRASE_TAGGER[0].name(text)
    names = analyze_names(NameTypeTag.PER, [text], phonetics=False, numerics=False)
    return next(iter(names)) if len(names) == 1 else None


def _groups_of(name: Name | None) -> frozenset[str]:
    if name is None:
        return frozenset()
    return frozenset(sys.intern(str(span.symbol.id)) for span in name.spans)


# Name groups already known for some texts (a persisted index carries those of every name it holds):
# rigour builds its person-name tagger on first use (about 9 s of CPU), which a process answering one
# query should not pay for words the lists already have. Each lookup gives rigour's own earlier answer.
GroupLookup = Callable[[str], "frozenset[str] | None"]
_KNOWN_GROUPS: list[GroupLookup] = []


# Lookups kept: the newest index's, and a few before it (a server that reopened a rebuilt index).
MAX_KNOWN_GROUPS = 2


def add_known_groups(lookup: GroupLookup) -> None:
    """Answer name-group questions from `lookup` before asking rigour (results are the same)."""
    _KNOWN_GROUPS.append(lookup)
    del _KNOWN_GROUPS[:-MAX_KNOWN_GROUPS]
    text_groups.cache_clear()


@lru_cache(maxsize=WORD_CACHE_SIZE)
def text_groups(text: str) -> frozenset[str]:
    """The name groups of a word (or a whole name in another script), as rigour gives them."""
    for lookup in reversed(_KNOWN_GROUPS):
        found = lookup(text)
        if found is not None:
            return found
    return _groups_of(rigour_name(text))


def group_texts(text: str) -> list[str]:
    """The texts `_groups` asks rigour about for a name: its words (Latin) or the whole name."""
    if scripts_of(text) <= {"latin"}:
        return text.replace(",", " ").split()
    return [text]


def _groups(text: str, scripts: frozenset[str]) -> frozenset[str]:
    """The Wikidata name groups (via rigour) of a name's words.

    Latin names are looked up word by word (cached: screening batches repeat words); names in other
    scripts whole, since one word there may be two in Latin letters (ジョンチョル = jong chol).
    """
    if scripts <= {"latin"}:
        groups: set[str] = set()
        # Words as written (rigour normalises them itself); hyphenated given names stay whole, since
        # rigour knows some only as one name ("jong-chol").
        for word in text.replace(",", " ").split():
            groups |= text_groups(word)
        return frozenset(groups)
    return text_groups(text)


def _skeleton(text: str, scripts: frozenset[str]) -> tuple[tuple[str, ...], str | None]:
    if scripts <= {"latin"}:
        return russian_skeleton_tokens(text), None
    if scripts <= {"cyrillic"}:
        return russian_skeleton_tokens(text), "transliterated from Cyrillic (BGN/PCGN, GOST 7.79, ICAO 9303)"
    return (), None


# A name read without context: any kind of thing, any Han reading.
NO_HINT = NameHint()


@lru_cache(maxsize=ANALYSIS_CACHE_SIZE)
def analyze_name(text: str, hint: NameHint = NO_HINT) -> tuple[NameForms, ...]:
    """All the ways to read `text`: usually one NameForms, several when the script is ambiguous."""
    text = text.strip()
    if not text:
        return ()
    scripts = scripts_of(text)
    tokens, via = _latin_tokens(text, scripts)
    if not tokens:
        return ()
    org = _org_form(text, hint) if hint.kind in ("organisation", "any") else None
    as_person = hint.kind == "person" or (hint.kind == "any" and not names_a_firm(org))
    skeleton, skeleton_via = _skeleton(text, scripts) if as_person else ((), None)
    groups = _groups(text, scripts) if as_person else frozenset()
    syllables = _syllable_readings(text, scripts, hint) if as_person else ()
    forms = NameForms(
        text=text,
        scripts=scripts,
        tokens=tokens,
        tokens_via=via,
        syllables=syllables,
        skeleton=skeleton,
        skeleton_via=skeleton_via,
        org=org,
        vessel=_vessel_form(text, hint) if hint.kind in ("vehicle", "any") else None,
        groups=groups,
        weak=hint.weak,
        hint=hint,
        **NameForms.derived(syllables),  # type: ignore[arg-type]
    )
    readings = [forms]
    translated = _translated_form(forms) if hint.kind in ("organisation", "any") else None
    if translated is not None:
        readings.append(translated)
    joined = {"joined": "".join(tokens), "joined_sorted": "".join(sorted(tokens))}
    return tuple(replace(f, keys=name_keys(f), **joined) for f in readings)  # type: ignore[arg-type]


def _translated_form(forms: NameForms) -> NameForms | None:
    """A second reading of a North Korean institution's name: its English by the DPRK glossary.

    원자력공업성 romanizes as wonjaryokkongopsong, which shares nothing with MINISTRY OF ATOMIC ENERGY
    INDUSTRY; translated word by word it is "nuclear industry ministry", which the organisation features
    compare as they compare any two firms' names. The name as written keeps its own reading beside it.
    """
    english = translate_institution(forms.text)
    if english is None:
        return None
    org = _org_form(english, NameHint("organisation", forms.hint.han))
    if org is None or not (org.distinctive or org.words):
        return None
    return NameForms(
        text=forms.text,
        scripts=forms.scripts,
        tokens=forms.tokens,
        tokens_via=forms.tokens_via,
        org=replace(org, translated=english),
        weak=forms.weak,
        hint=forms.hint,
        **NameForms.derived(()),  # type: ignore[arg-type]
    )


def readings_of(forms: Iterable[NameForms], system: str) -> list[SyllableReading]:
    return [r for f in forms for r in f.syllables if r.system == system]
