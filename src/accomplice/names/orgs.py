"""Organisation and vessel names: legal forms, business words and the distinctive part.

A sanctioned firm is written ``DANDONG HONGXIANG INDUSTRIAL DEVELOPMENT CO LTD`` and
``丹东鸿祥实业发展有限公司``, ``GUDZON SHIPPING CO LLC`` and ``ООО «Гудзон»``, ``KOREA KWANGSON BANKING CORP``
and ``조선광선은행``. Parsing splits such a name into three parts that a matcher weighs differently:

* legal forms (``CO_LTD``, ``LLC``, ``JSC``…): evidence, kept as canonical codes with a broad family, because
  an LLC and a JSC of the same brand may be two firms, and ООО is LLC in every script;
* business words (``industrial``, ``shipping``, ``bank``…): canonical English tokens, common to thousands of
  names, so they weigh little;
* the brand: what is left (Dandong Hongxiang, Gudzon, Kwangson), which matters most. Han, Hangul and
  Cyrillic pieces carry a romanization.

Chinese and Korean names have no spaces: they are segmented by the longest match of legal forms and business
words from the right end (legal form first, then words), then of country words from the left, leaving the
brand. The tables are generated into ``_data/`` by ``scripts/gen_org_data.py`` from curated lists, ISO 20275
and rigour; see ``docs/names/organisations.md``.

Pure: no I/O except reading the packaged tables once at import.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from accomplice.names.cyrillic import ICAO_9303, skeleton_word, transliterate

__all__ = [
    "WEAK_FAMILIES",
    "BusinessWord",
    "LegalForm",
    "NameToken",
    "OrgName",
    "Romanizer",
    "VesselName",
    "business_word_table",
    "default_romanizer",
    "families_compatible",
    "legal_form_table",
    "legal_forms_compatible",
    "parse_org_name",
    "parse_vessel_name",
    "vessel_name_variants",
]

# Romanizes one Han or Hangul segment (a brand or vessel-name chunk) to Latin; None if it cannot.
Romanizer = Callable[[str], "str | None"]

LATIN = "latin"
CYRILLIC = "cyrillic"
HAN = "han"
HANGUL = "hangul"
KANA = "kana"
DIGITS = "digits"
OTHER = "other"


@dataclass(frozen=True, slots=True)
class LegalForm:
    """A legal form found in a name: canonical code, broad family and the text as written."""

    code: str
    family: str
    text: str


@dataclass(frozen=True, slots=True)
class BusinessWord:
    """A business word found in a name: canonical English token and the text as written."""

    canonical: str
    text: str


@dataclass(frozen=True, slots=True)
class NameToken:
    """One distinctive piece of a name: the text as written, its script and a lower-case Latin reading.

    ``script`` is one of "latin", "cyrillic", "han", "hangul", "kana", "digits", "other". ``latin`` is
    ASCII without spaces (Cyrillic through the ICAO passport scheme), or ``None`` for a Han, Hangul or other
    piece the romanizer could not read.
    """

    text: str
    script: str
    latin: str | None


@dataclass(frozen=True, slots=True)
class OrgName:
    """An organisation name split into legal forms, business words and brand tokens."""

    original: str
    legal_forms: tuple[LegalForm, ...]
    words: tuple[BusinessWord, ...]
    brand: tuple[NameToken, ...]

    @property
    def legal_codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.legal_forms)

    @property
    def legal_families(self) -> frozenset[str]:
        return frozenset(f.family for f in self.legal_forms)

    @property
    def word_tokens(self) -> tuple[str, ...]:
        return tuple(w.canonical for w in self.words)

    @property
    def brand_tokens(self) -> tuple[str, ...]:
        """Latin readings of the brand (the text itself where there is none)."""
        return tuple(t.latin if t.latin is not None else t.text for t in self.brand)

    @property
    def brand_key(self) -> str:
        """The brand with spaces and hyphens gone: JI SONG = JISONG, SHEN ZHONG = 沈忠 (shenzhong)."""
        return "".join(self.brand_tokens)


@dataclass(frozen=True, slots=True)
class VesselName:
    """A vessel name without prefixes (M/V, MT…) or number markers (No., 호, 號): tokens and hull number."""

    original: str
    tokens: tuple[NameToken, ...]
    number: int | None

    @property
    def name_tokens(self) -> tuple[str, ...]:
        return tuple(t.latin if t.latin is not None else t.text for t in self.tokens)

    @property
    def key(self) -> str:
        """Name without spaces, then the number: ``JI SONG 6`` = ``JISONG NO. 6`` → ``jisong 6``."""
        name = "".join(self.name_tokens)
        return name if self.number is None else f"{name} {self.number}"


# ---------------------------------------------------------------------------------------------------
# Text normalisation
# ---------------------------------------------------------------------------------------------------

_DROPPED_MARKS = "'’‘ʼ`´"
# Quotes and brackets of every script: «Гудзон», “…”, 「…」, 《…》, (…), […]. Their content stays.
_BRACKETS = '«»‹›“”„‟"「」『』《》〈〉【】〔〕（）()[]{}<>'
_FULLWIDTH_SPACE = "\u3000"
_ASCII_PIECE = re.compile(r"[A-Za-z]+|[0-9]+")
_DROP_ASCII_MARKS = str.maketrans("", "", "'`")


def _script_of(ch: str) -> str:
    if ch.isdigit():
        return DIGITS
    code = ord(ch)
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return HANGUL
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or code >= 0x20000:
        return HAN
    if 0x3040 <= code <= 0x30FF:
        return KANA
    if 0x0400 <= code <= 0x052F:
        return CYRILLIC
    if code < 0x0250 or 0x1E00 <= code <= 0x1EFF:
        return LATIN
    return OTHER


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str  # as written (NFKC)
    script: str
    key: str  # folded: lower-case ASCII for Latin and Cyrillic (passport transliteration), else the text


def _fold_latin(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum())


def _key(text: str, script: str) -> str:
    if script == CYRILLIC:
        return _fold_latin(transliterate(text.casefold(), ICAO_9303))
    if script in (LATIN, DIGITS):
        return _fold_latin(text)
    return text


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace(_FULLWIDTH_SPACE, " ")
    for bracketed, expansion in _BRACKETED_FORMS.items():
        if bracketed in text:
            text = text.replace(bracketed, f" {expansion} ")
    return text


def _pieces(text: str) -> list[_Piece]:
    """Split into runs of one script. Latin and Cyrillic runs are words; Han and Hangul runs stay whole."""
    if text.isascii():  # most list names: a regular expression is several times faster than the loop
        return [
            _Piece(m.group(), DIGITS if m.group()[0].isdigit() else LATIN, m.group().lower())
            for m in _ASCII_PIECE.finditer(text.translate(_DROP_ASCII_MARKS))
        ]
    out: list[_Piece] = []
    cur: list[str] = []
    cur_script = ""

    def flush() -> None:
        if cur:
            word = "".join(cur)
            key = _key(word, cur_script)
            if key:
                out.append(_Piece(word, cur_script, key))
            cur.clear()

    for ch in text:
        if ch in _DROPPED_MARKS:
            continue  # apostrophes inside romanized words: Ch'ongsong, U'nhaeng
        if not (ch.isalnum() or unicodedata.category(ch).startswith("M")):
            flush()
            continue
        script = _script_of(ch) if not unicodedata.category(ch).startswith("M") else cur_script
        if script != cur_script:
            flush()
            cur_script = script
        cur.append(ch)
    flush()
    return out


# ---------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------

_DATA = files("accomplice.names").joinpath("_data")


def _read_tsv(name: str) -> list[dict[str, str]]:
    text = _DATA.joinpath(name).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body), delimiter="\t"))


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: str  # "legal" or "word"
    value: str  # legal code or canonical word
    family: str
    short: bool  # a short abbreviation: recognised only at the edges of a name


# An alias of one token of at most this many letters (AO, SA, AG, CO, IP, BV…) is also an ordinary word or
# initials; it counts as a legal form only at the start or end of a name or next to another legal form.
_SHORT_ALIAS_LETTERS = 3


def _alias_keys(alias: str) -> tuple[str, ...]:
    return tuple(p.key for p in _pieces(_prepare_alias(alias)))


def _prepare_alias(alias: str) -> str:
    return unicodedata.normalize("NFKC", alias).replace(_FULLWIDTH_SPACE, " ")


@dataclass(slots=True)
class _Tables:
    # Latin/Cyrillic aliases: key tuple → entry; and the same through the Russian skeleton for Russian ones.
    words: dict[tuple[str, ...], _Entry]
    skeletons: dict[tuple[str, ...], _Entry]
    # Han/Hangul/Kana aliases written without spaces: text → entry.
    cjk: dict[str, _Entry]
    max_len: int
    max_cjk: int
    # First keys of the Latin/Cyrillic aliases: a position whose word starts none is skipped at once.
    first_words: frozenset[str]
    first_skeletons: frozenset[str]
    legal_rows: list[dict[str, str]]
    word_rows: list[dict[str, str]]


def _bracketed(rows: list[dict[str, str]]) -> dict[str, str]:
    """(주) → 주식회사: bracketed Korean and Japanese abbreviations, read before brackets are stripped."""
    out: dict[str, str] = {}
    by_code: dict[str, list[str]] = {}
    for row in rows:
        by_code.setdefault(row["code"], []).append(unicodedata.normalize("NFKC", row["alias"]))
    for aliases in by_code.values():
        for alias in aliases:
            if alias.startswith("(") and alias.endswith(")"):
                inner = alias[1:-1]
                spelled = [a for a in aliases if a != alias and not a.startswith("(") and a[:1] == inner[:1]]
                if spelled:
                    out[alias] = max(spelled, key=len)
    return out


def _load() -> _Tables:
    legal_rows = _read_tsv("legal_forms.tsv")
    word_rows = _read_tsv("business_words.tsv")
    words: dict[tuple[str, ...], _Entry] = {}
    skeletons: dict[tuple[str, ...], _Entry] = {}
    cjk: dict[str, _Entry] = {}

    def add(alias: str, entry: _Entry, russian: bool) -> None:
        pieces = _pieces(_prepare_alias(alias))
        if not pieces:
            return
        if all(p.script in (HAN, HANGUL, KANA) for p in pieces):
            cjk.setdefault("".join(p.text for p in pieces), entry)
            return
        keys = tuple(p.key for p in pieces)
        short = len(keys) == 1 and len(keys[0]) <= _SHORT_ALIAS_LETTERS and entry.kind == "legal"
        entry = _Entry(entry.kind, entry.value, entry.family, short)
        words.setdefault(keys, entry)
        # Russian aliases written in Cyrillic are also keyed by the Russian skeleton, which every
        # transliteration of them shares (общество = obshchestvo = obŝestvo); Latin aliases are not, so that
        # an English word is never matched loosely.
        if russian and not short and all(p.script == CYRILLIC for p in pieces):
            sk = tuple(skeleton_word(p.text) for p in pieces)
            if all(sk):
                skeletons.setdefault(sk, entry)

    for row in legal_rows:
        add(row["alias"], _Entry("legal", row["code"], row["family"], False), row["russian"] == "1")
    for row in word_rows:
        add(row["alias"], _Entry("word", row["canonical"], "", False), row["russian"] == "1")
    return _Tables(
        words=words,
        skeletons=skeletons,
        cjk=cjk,
        max_len=max(len(k) for k in [*words, *skeletons]),
        max_cjk=max(len(k) for k in cjk),
        first_words=frozenset(k[0] for k in words),
        first_skeletons=frozenset(k[0] for k in skeletons),
        legal_rows=legal_rows,
        word_rows=word_rows,
    )


_TABLES = _load()
_BRACKETED_FORMS = _bracketed(_TABLES.legal_rows)


def legal_form_table() -> list[tuple[str, str, str]]:
    """Every (code, family, alias) the parser knows, as generated into ``_data/legal_forms.tsv``."""
    return [(r["code"], r["family"], r["alias"]) for r in _TABLES.legal_rows]


def business_word_table() -> list[tuple[str, str]]:
    """Every (canonical, alias) the parser knows, as generated into ``_data/business_words.tsv``."""
    return [(r["canonical"], r["alias"]) for r in _TABLES.word_rows]


# Words that carry nothing in a name (of, and, the…), in the languages of the lists; dropped from the brand.
_STOPWORDS = frozenset(
    [
        "of",
        "and",
        "the",
        "for",
        "in",
        "at",
        "on",
        "by",
        "to",
        "de",
        "del",
        "la",
        "le",
        "les",
        "des",
        "du",
        "da",
        "do",
        "dos",
        "das",
        "et",
        "y",
        "e",
        "und",
        "der",
        "die",
        "das",
        "fur",
        "i",
        "в",
        "и",
        "на",
        "по",
        "с",
        "для",
    ]
)
# Country words are also peeled from the left of a Han or Hangul run (조선 광선 은행: Korea, Kwangson, bank).
_LEFT_WORDS = frozenset({"korea", "china", "hongkong", "macau", "russia"})
# A one-character Han or Hangul word (厂 factory, 총 general) is peeled only if it leaves at least this many
# characters: 지성 must not lose 성, but 大连造船厂 may lose 厂.
_MIN_LEFT_AFTER_ONE_CHAR = 2
# Han administrative suffixes that end a place name (辽宁省, 上海市, 丹东县): a brand chunk ends after them.
_PLACE_SUFFIXES = frozenset("省市县縣区區州盟旗镇鎮乡鄉村")
# Han brand runs are read two characters at a time (丹东 鸿祥), the commonest length of a place name and of
# a Chinese trade name; a place suffix extends a chunk to three.
_HAN_CHUNK = 2


# ---------------------------------------------------------------------------------------------------
# Romanization
# ---------------------------------------------------------------------------------------------------


def default_romanizer(segment: str) -> str | None:
    """Mandarin pinyin (no tones, no spaces) for Han; ``None`` for Hangul and anything else.

    Korean must be read as Korean (조선 Choson, 金正恩 as Kim Jong Un), which the caller wires in.
    """
    if not segment or any(_script_of(ch) != HAN for ch in segment):
        return None
    from pypinyin import Style, lazy_pinyin  # imported on first use: it loads its dictionaries

    return "".join(lazy_pinyin(segment, style=Style.NORMAL, errors="ignore")).lower() or None


def _latin_of(text: str, script: str, romanize: Romanizer | None) -> str | None:
    if script in (LATIN, DIGITS):
        return _fold_latin(text)
    if script == CYRILLIC:
        return _fold_latin(transliterate(text.casefold(), ICAO_9303))
    reader = romanize if romanize is not None else default_romanizer
    value = reader(text)
    if value is None and romanize is not None and script == HAN:
        value = default_romanizer(text)
    if value is None:
        return None
    folded = "".join(_fold_latin(part) for part in value.split())
    return folded or None


# ---------------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    text: str
    script: str
    key: str
    entry: _Entry | None = None
    span: int = 1  # number of items an alias covers, on its first item
    covered: bool = False  # inside an alias that starts earlier


def _segment_cjk(piece: _Piece) -> list[_Item]:
    """Peel legal forms and business words off a Han/Hangul run: right end first, then country words left."""
    text = piece.text
    right: list[_Item] = []
    while text:
        found = _longest_suffix(text)
        if found is None:
            break
        alias, entry = found
        right.append(_Item(alias, piece.script, alias, entry))
        text = text[: -len(alias)]
    left: list[_Item] = []
    while text:
        found = _longest_prefix(text)
        if found is None:
            break
        alias, entry = found
        left.append(_Item(alias, piece.script, alias, entry))
        text = text[len(alias) :]
    middle = [_Item(chunk, piece.script, chunk) for chunk in _brand_chunks(text, piece.script)]
    return [*left, *middle, *reversed(right)]


def _longest_suffix(text: str) -> tuple[str, _Entry] | None:
    for size in range(min(_TABLES.max_cjk, len(text)), 0, -1):
        alias = text[-size:]
        entry = _TABLES.cjk.get(alias)
        if entry is None:
            continue
        if size == 1 and len(text) - 1 < _MIN_LEFT_AFTER_ONE_CHAR:
            continue
        return alias, entry
    return None


def _longest_prefix(text: str) -> tuple[str, _Entry] | None:
    for size in range(min(_TABLES.max_cjk, len(text)), 1, -1):
        alias = text[:size]
        entry = _TABLES.cjk.get(alias)
        if entry is not None and entry.kind == "word" and entry.value in _LEFT_WORDS:
            return alias, entry
    return None


def _brand_chunks(text: str, script: str) -> list[str]:
    if not text:
        return []
    if script != HAN:
        return [text]
    chunks: list[str] = []
    i = 0
    while i < len(text):
        size = _HAN_CHUNK
        if i + size < len(text) and text[i + size] in _PLACE_SUFFIXES:
            size += 1
        if len(text) - (i + size) == 1:
            size += 1  # no lone character at the end: 鸿祥达 is one chunk, not 鸿祥 + 达
        chunks.append(text[i : i + size])
        i += size
    return chunks


def _items(text: str) -> list[_Item]:
    items: list[_Item] = []
    for piece in _pieces(_prepare(text)):
        if piece.script in (HAN, HANGUL, KANA):
            items.extend(_segment_cjk(piece))
        else:
            items.append(_Item(piece.text, piece.script, piece.key))
    return items


def _match_aliases(items: list[_Item]) -> None:
    """Mark the longest alias at each position of the Latin/Cyrillic items (left to right)."""
    i, n = 0, len(items)
    while i < n:
        head = items[i]
        if head.entry is not None or head.script in (HAN, HANGUL, KANA):
            i += 1
            continue
        by_word = head.key in _TABLES.first_words
        by_skeleton = head.script in (LATIN, CYRILLIC) and skeleton_word(head.text) in _TABLES.first_skeletons
        if not (by_word or by_skeleton):
            i += 1
            continue
        best: tuple[int, _Entry] | None = None
        for size in range(min(_TABLES.max_len, n - i), 0, -1):
            window = items[i : i + size]
            if any(it.entry is not None or it.script in (HAN, HANGUL, KANA) for it in window):
                continue
            entry = _TABLES.words.get(tuple(it.key for it in window)) if by_word else None
            if entry is None and by_skeleton and all(it.script in (LATIN, CYRILLIC) for it in window):
                entry = _TABLES.skeletons.get(tuple(skeleton_word(it.text) for it in window))
            if entry is not None:
                best = (size, entry)
                break
        if best is None:
            i += 1
            continue
        size, entry = best
        items[i].entry, items[i].span = entry, size
        for it in items[i + 1 : i + size]:
            it.covered = True
        i += size


def _drop_inner_short_forms(items: list[_Item]) -> None:
    """A short legal abbreviation counts only at an edge of the name or beside another legal form.

    United Shipbuilding Corporation JSC "35th Shipyard": JSC follows Corporation, so it counts.
    """
    heads = [it for it in items if not it.covered]

    def is_legal(it: _Item) -> bool:
        return it.entry is not None and it.entry.kind == "legal"

    changed = True
    while changed:
        changed = False
        for idx, it in enumerate(heads):
            if it.entry is None or not it.entry.short:
                continue
            before = [h for h in heads[:idx] if h.key not in _STOPWORDS]
            after = [h for h in heads[idx + 1 :] if h.key not in _STOPWORDS]
            at_edge = all(is_legal(h) for h in before) or all(is_legal(h) for h in after)
            beside = (before and is_legal(before[-1])) or (after and is_legal(after[0]))
            if not (at_edge or beside):
                it.entry = None
                changed = True


def parse_org_name(text: str, *, romanize: Romanizer | None = None) -> OrgName:
    """Split an organisation name into legal forms, business words and brand tokens.

    ``romanize`` reads a Han or Hangul brand piece in Latin (for Korean, the caller's Korean romanizer);
    without it, Han is read in Mandarin pinyin and Hangul pieces keep no Latin reading.

    >>> name = parse_org_name("丹东鸿祥实业发展有限公司")
    >>> name.brand_tokens, name.word_tokens, name.legal_codes
    (('dandong', 'hongxiang'), ('industrial', 'development'), ('CO_LTD',))
    """
    return _parse_org_name(text, romanize)


# Distinct names a screening run parses; each entry holds a handful of small objects.
_PARSE_CACHE_SIZE = 1 << 16


@lru_cache(maxsize=_PARSE_CACHE_SIZE)
def _parse_cached(text: str) -> tuple[_Item, ...]:
    items = _items(text)
    _match_aliases(items)
    _drop_inner_short_forms(items)
    return tuple(items)


def _parse_org_name(text: str, romanize: Romanizer | None) -> OrgName:
    items = _parse_cached(text)
    legal: list[LegalForm] = []
    words: list[BusinessWord] = []
    brand: list[NameToken] = []
    for idx, it in enumerate(items):
        if it.covered:
            continue
        if it.entry is not None:
            written = " ".join(x.text for x in items[idx : idx + it.span])
            if it.entry.kind == "legal":
                legal.append(LegalForm(it.entry.value, it.entry.family, written))
            else:
                words.append(BusinessWord(it.entry.value, written))
            continue
        if it.key in _STOPWORDS:
            continue
        brand.append(NameToken(it.text, it.script, _latin_of(it.text, it.script, romanize)))
    return OrgName(text, tuple(legal), tuple(words), tuple(brand))


# A bare "company" or "corporation" is weak evidence: it is often part of the name (United Shipbuilding
# Corporation = Объединенная судостроительная корпорация, an АО) or a translator's choice (PRC lists write
# 公司 for Inc., Ltd. and GmbH alike), so it is compatible with any other form.
WEAK_FAMILIES = frozenset({"COMPANY", "CORP"})


# "Limited" (Ltd, Co., Ltd.) is the English of a PRC 有限公司 (an LLC) and equally of a Japanese 株式会社 or a
# Korean 주식회사 (joint-stock companies: Samsung Electronics Co., Ltd. = 삼성전자 주식회사).
_COMPATIBLE_FAMILIES = frozenset({frozenset({"LIMITED", "LLC"}), frozenset({"LIMITED", "JSC"})})


def families_compatible(one: frozenset[str], other: frozenset[str]) -> bool:
    """True unless both sides carry a legal form and no strong family of one fits a family of the other.

    ООО and LLC agree; АО and JSC agree; Co., Ltd. fits both; an LLC and a JSC of one brand may be two
    firms and do not.
    """
    a = one - WEAK_FAMILIES
    b = other - WEAK_FAMILIES
    if not a or not b or a & b:
        return True
    return any(frozenset({x, y}) in _COMPATIBLE_FAMILIES for x in a for y in b)


def legal_forms_compatible(one: OrgName, other: OrgName) -> bool:
    """Whether two parsed names' legal forms can belong to the same firm (see `families_compatible`)."""
    return families_compatible(one.legal_families, other.legal_families)


# ---------------------------------------------------------------------------------------------------
# Vessels
# ---------------------------------------------------------------------------------------------------

# Prefixes that say "ship", not part of the name: motor vessel, motor tanker, steamship, fishing vessel…
_VESSEL_PREFIX = re.compile(
    r"^\s*(?:m\s*/\s*[vtsy]|m\.\s*[vtsy]\.?|s\.\s*s\.|s\s*/\s*s|f\s*/\s*v|(?:mv|mt|ms|ss|fv|my|mts|lpg|lng)\b)\.?\s+",
    re.IGNORECASE,
)
# Number markers: No. 6, NO 6, #6, 6호 (Korean), 6號/6号 (Chinese), Nº 6.
_NUMBER_BEFORE = re.compile(r"(?:\bno\b\.?|\bnr\b\.?|№|nº|#)\s*(?=\d)", re.IGNORECASE)
_NUMBER_AFTER = re.compile(r"(\d+)\s*(?:호|號|号)")
_MIN_PIECES_BEFORE_HO = 2
_MIN_HANGUL_WITH_HO = 3
_BRACKETED_PART = re.compile(r"\(([^()]*)\)")
_ROMAN = re.compile(r"^(?:x{0,2})(?:ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
# A Roman numeral ends a ship's name as its hull number (SEA MARINE I = SEA MARINE 1, CHEETAH II): after at
# least one name word, even a lone I is the number one, not an initial.
_MIN_ROMAN = 1
# Cyrillic letters that look like Latin ones, as found inside Latin ship names ("Cheetah IІ" with a
# Cyrillic І): read as the Latin letter they imitate when the name is otherwise Latin.
_CYRILLIC_LOOKALIKES = str.maketrans("ІіАВЕКМНОРСТХаеорсху", "IiABEKMHOPCTXaeopcxy")
_HAS_LATIN = re.compile(r"[A-Za-z]")
_HAS_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]{2,}")


def _roman(token: str) -> int | None:
    low = token.lower()
    if not low or not _ROMAN.match(low):
        return None
    total = 0
    for i, ch in enumerate(low):
        value = _ROMAN_VALUES[ch]
        nxt = _ROMAN_VALUES[low[i + 1]] if i + 1 < len(low) else 0
        total += -value if value < nxt else value
    return total if total >= _MIN_ROMAN else None


def parse_vessel_name(text: str, *, romanize: Romanizer | None = None) -> VesselName:
    """Name tokens and hull number of a vessel name.

    ``JI SONG 6``, ``JISONG 6``, ``M/V JI SONG NO. 6``, ``MV "JI SONG-6"`` and (with a Korean romanizer)
    ``지성 6호`` all give the key ``jisong 6``.
    """
    prepared = unicodedata.normalize("NFKC", text).replace(_FULLWIDTH_SPACE, " ")
    if _HAS_LATIN.search(prepared) and not _HAS_CYRILLIC_WORD.search(prepared):
        prepared = prepared.translate(_CYRILLIC_LOOKALIKES)
    prepared = "".join(" " if ch in _BRACKETS else ch for ch in prepared)
    prepared = _VESSEL_PREFIX.sub("", prepared)
    prepared = _NUMBER_AFTER.sub(r" \1 ", prepared)
    prepared = _NUMBER_BEFORE.sub(" ", prepared)
    pieces = _pieces(prepared)
    # DPRK ships are named "… Ho" (호, the ship marker) with or without a number: Jang Ja San Chong Nyon Ho
    # (장자산청년호). A trailing Latin "ho" after at least two name words, or 호 ending a Hangul run of three
    # syllables or more, is that marker; a two-word name such as Mu Ho keeps it.
    if len(pieces) >= _MIN_PIECES_BEFORE_HO + 1 and pieces[-1].key == "ho":
        pieces = pieces[:-1]
    pieces = [
        _Piece(p.text[:-1], p.script, p.key[:-1])
        if p.script == HANGUL and len(p.text) >= _MIN_HANGUL_WITH_HO and p.text.endswith("호")
        else p
        for p in pieces
    ]
    number: int | None = None
    # The hull number is the last number of the name (NAM SAN 8, BILLIONS NO. 18), Arabic or Roman.
    if pieces and pieces[-1].script == DIGITS:
        number = int(pieces[-1].key)
        pieces = pieces[:-1]
    elif len(pieces) > 1 and pieces[-1].script == LATIN and (roman := _roman(pieces[-1].text)) is not None:
        number = roman
        pieces = pieces[:-1]
    tokens = tuple(NameToken(p.text, p.script, _latin_of(p.text, p.script, romanize)) for p in pieces)
    return VesselName(text, tokens, number)


def vessel_name_variants(text: str, *, romanize: Romanizer | None = None) -> tuple[VesselName, ...]:
    """The vessel name and each former or other name given in brackets: ``Chol Ryong (Ryong Gun Bong)``."""
    outside = _BRACKETED_PART.sub(" ", text)
    names = [outside, *_BRACKETED_PART.findall(text)]
    out = [parse_vessel_name(n, romanize=romanize) for n in names if n.strip()]
    return tuple(v for v in out if v.tokens or v.number is not None)
