"""Match features: small named functions whose first docstring line is the explanation users read.

Name features compare two analysed names and return a similarity in 0..1 with the evidence; the best one
over all name pairs is the name score. Caps lower a name score when a feature knows the names belong to
different people. Evidence features compare the rest of the record (dates of birth, countries,
identifiers, schema) and return an adjustment. `matching.scorer` combines them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import TypeVar

from rigour.names.symbol import pair_symbols

from accomplice.matching.analyze import rigour_name
from accomplice.matching.compare import (
    QUERY_COVERAGE_WEIGHT,
    TokenAlignment,
    align_tokens,
    compact_similarity,
    compare_syllables,
    expand_abbreviations,
    initials_of,
)
from accomplice.matching.model import (
    FeatureResult,
    IndexedEntity,
    NameForms,
    OrgForm,
    QueryEntity,
    SyllableReading,
)
from accomplice.names.orgs import families_compatible

__all__ = [
    "CAP_FEATURES",
    "EVIDENCE_FEATURES",
    "NAME_FEATURES",
    "label_of",
]

F = TypeVar("F", bound=Callable[..., "FeatureResult | None"])
NameFeature = Callable[[NameForms, NameForms], FeatureResult | None]
EvidenceFeature = Callable[[QueryEntity, IndexedEntity], FeatureResult | None]
NAME_FEATURES: list[NameFeature] = []
CAP_FEATURES: list[NameFeature] = []
EVIDENCE_FEATURES: list[EvidenceFeature] = []

# --- tuning numbers, each with its reason ---------------------------------------------------------
# Agreement of two different scripts or romanizations through coarse syllable keys is strong but not
# letter-for-letter evidence: the keys merge sounds that romanizations confuse (ŏ/o, ŭ/u, k/g), so two
# different names can share keys. It sits above the default threshold, but a conflicting date of birth
# brings it below.
CROSS_SCRIPT_AGREEMENT = 0.92
# Name parts that Wikidata's name lists (through rigour) put in one group: curated, but a group may
# hold homonyms, so a little below agreement by reading.
KNOWN_EQUIVALENT_AGREEMENT = 0.9
# Korean given names are two syllables: one syllable apart is usually another person (Kim Jong Il vs
# Kim Jong Un), so a one-syllable difference caps the name score well below the alert threshold.
KOREAN_ONE_SYLLABLE_CAP = 0.55
# A weak alias (a nickname, a generic word) alone must not raise an alert.
WEAK_ALIAS_FACTOR = 0.8
# Firms: the distinctive part (brand, place) carries most of the identity; business words (bank,
# trading) and legal forms only confirm or separate firms that share a brand.
ORG_BRAND_WEIGHT = 0.8
# Agreement credited when one name states no business words at all: neither support nor conflict.
ORG_WORDS_UNSTATED = 0.75
# Brands less alike than this are different firms whatever their generic words share.
ORG_BRAND_MIN_SIMILARITY = 0.5
ORG_BRAND_CAP = 0.6
# Business words that say where or how big a firm is, not what it does: they cannot conflict.
GENERIC_ORG_WORDS = frozenset(
    {
        "korea",
        "china",
        "russia",
        "hongkong",
        "macau",
        "general",
        "global",
        "international",
        "group",
        "union",
        "association",
        "enterprise",
        "branch",
        "center",
        "corporation_kr",
        "development",
        "commercial",
        "economic",
        "management",
        "services",
        "holding",
        "capital",
        "department",
        "bureau",
        "committee",
    }
)
# Two firms of one brand in different businesses (a bank, a trading company) are related at most.
ORG_BUSINESS_CAP = 0.7
# Incompatible legal forms: possibly related firms, not the same one; below the alert threshold.
LEGAL_FORM_CAP = 0.7
# One word against a personal name of several: a lone surname (Kim, Lee, Wang, Ivanov) is shared by
# millions, so it may show among the results of a low threshold but never alerts.
LONE_NAME_PART_CAP = 0.6
# An acronym equal to the initials of every word of a firm's name: a strong sign, but initials are few
# and firms many, so it stays below an exact name (and an analyst sees "initials" in the explanation).
ACRONYM_AGREEMENT = 0.85
# Acronyms of two letters are initials of thousands of names; longer than six are rarely acronyms.
MIN_ACRONYM_LETTERS = 3
MAX_ACRONYM_LETTERS = 6
# Same ship name in the same script, number markers aside.
VESSEL_NAME_AGREEMENT = 0.95
# Sister ships (JI SONG 6 and JI SONG 8) share a name and differ in hull number.
VESSEL_NUMBER_CAP = 0.5
# Dates of birth: agreement to the day is strong support; a year alone is weaker; no agreement at all
# while both sides give dates is a conflict — but lists carry wrong and alternative dates, so it lowers
# rather than vetoes.
BIRTH_DATE_EXACT_BONUS = 0.06
BIRTH_DATE_YEAR_BONUS = 0.03
BIRTH_DATE_CONFLICT_PENALTY = 0.15
# Years this close are not a conflict: lists often give "circa" or approximate years.
BIRTH_YEAR_TOLERANCE = 1
# Countries on lists mix nationality, residence and address, so they support and conflict mildly.
COUNTRY_AGREEMENT_BONUS = 0.02
COUNTRY_CONFLICT_PENALTY = 0.08
# An identical strong identifier (IMO, SWIFT/BIC, LEI, passport) decides unless the schemas clash.
IDENTIFIER_MATCH_SCORE = 0.98
# Two different IMO numbers are two different ships whatever their names.
IMO_CONFLICT_PENALTY = 0.5
OTHER_ID_CONFLICT_PENALTY = 0.05


@cache
def label_of(func: Callable[..., object]) -> str:
    doc = (func.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""


FEATURE_KINDS: dict[str, str] = {}


def _register(registry: list[F], kind: str) -> Callable[[F], F]:
    def decorator(func: F) -> F:
        if not func.__doc__:
            raise TypeError(f"feature {func.__name__} needs a docstring: it is the explanation users read")
        FEATURE_KINDS[func.__name__] = kind
        registry.append(func)
        return func

    return decorator


def _result(func: Callable[..., object], score: float, detail: str | Callable[[], str]) -> FeatureResult:
    return FeatureResult(
        func.__name__, label_of(func), score, detail, FEATURE_KINDS.get(func.__name__, "evidence")
    )


def _shown(forms: NameForms) -> str:
    return (
        forms.text if not forms.tokens_via else f"{forms.text} ({forms.tokens_via}: {' '.join(forms.tokens)})"
    )


# --- name features ----------------------------------------------------------------------------------


@_register(NAME_FEATURES, "name")
def name_letters_equal(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """The names are written with the same letters (case, accents, punctuation and word order aside)."""
    if not query.tokens or sorted(query.tokens) != sorted(candidate.tokens):
        return None
    if (query.tokens_via or candidate.tokens_via) and query.text != candidate.text:
        return None  # equal transliterations of different scripts: the cross-script features judge those
    return _result(name_letters_equal, 1.0, f"{query.text} = {candidate.text}")


def _evidential(
    query: NameForms, candidate: NameForms
) -> tuple[tuple[SyllableReading, ...], tuple[SyllableReading, ...]]:
    """Readings that can speak for a pair of names.

    Any Latin word may happen to split into syllables ("Mohammed" = mo·ham·met), so two romanized
    readings agree as evidence only when both are shaped like East Asian names. When one side is written
    in the language's own script (Hangul, Hanja, Chinese characters), it is surely such a name, and a
    romanization that agrees with it syllable for syllable is evidence whatever its shape.
    """
    q = tuple(r for r in query.syllables if not r.romanized or r.confident or candidate.native)
    c = tuple(r for r in candidate.syllables if not r.romanized or r.confident or query.native)
    return q, c


def _syllable_detail(query: NameForms, candidate: NameForms, system: str) -> tuple[str, int] | None:
    if system not in query.systems or system not in candidate.systems:
        return None
    agreement = compare_syllables(*_evidential(query, candidate), system)
    if agreement is None:
        return None
    q, c = agreement.query, agreement.candidate
    keys = "·".join(q.flat)
    detail = f"{query.text} ({q.via}) = {candidate.text} ({c.via}) [{keys}]"
    return detail, agreement.mismatches


@_register(NAME_FEATURES, "name")
def korean_syllables_agree(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """Read as Korean, both names have the same syllables, whatever the script or romanization."""
    if query.via_hanja or candidate.via_hanja:
        return None
    found = _syllable_detail(query, candidate, "korean")
    if found is None or found[1] != 0:
        return None
    return _result(korean_syllables_agree, CROSS_SCRIPT_AGREEMENT, found[0])


@_register(NAME_FEATURES, "name")
def hanja_reading_agrees(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """The Korean reading of the Hanja (Chinese characters) in one name equals the other name."""
    if not (query.via_hanja or candidate.via_hanja):
        return None
    found = _syllable_detail(query, candidate, "korean")
    if found is None or found[1] != 0:
        return None
    return _result(hanja_reading_agrees, CROSS_SCRIPT_AGREEMENT, found[0])


@_register(NAME_FEATURES, "name")
def pinyin_syllables_agree(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """Read in Mandarin (pinyin or Wade–Giles), both names have the same syllables."""
    found = _syllable_detail(query, candidate, "pinyin")
    if found is None or found[1] != 0:
        return None
    return _result(pinyin_syllables_agree, CROSS_SCRIPT_AGREEMENT, found[0])


@_register(NAME_FEATURES, "name")
def cantonese_syllables_agree(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """Read in Cantonese (Hong Kong spelling), both names have the same syllables."""
    found = _syllable_detail(query, candidate, "jyutping")
    if found is None or found[1] != 0:
        return None
    return _result(cantonese_syllables_agree, CROSS_SCRIPT_AGREEMENT, found[0])


@_register(NAME_FEATURES, "name")
def cyrillic_transliterations_agree(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """The Cyrillic name and the Latin name are the same under a standard transliteration."""
    if not query.skeleton or not candidate.skeleton:
        return None
    if not (query.skeleton_via or candidate.skeleton_via):
        return None  # two Latin names: name_words_close already compared them
    alignment = align_tokens(query.skeleton, candidate.skeleton)
    if alignment is None:
        return None
    score = CROSS_SCRIPT_AGREEMENT * alignment.score
    via = query.skeleton_via or candidate.skeleton_via
    skeletons = f"{' '.join(query.skeleton)} ≈ {' '.join(candidate.skeleton)}"
    detail = f"{query.text} = {candidate.text} ({via}: {skeletons})"
    return _result(cyrillic_transliterations_agree, score, detail)


@_register(NAME_FEATURES, "name")
def name_parts_known_equivalent(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """Word for word, the names are the same names in Wikidata's name lists (블라디미르 = Vladimir)."""
    if not (query.groups & candidate.groups):
        return None
    if query.scripts == candidate.scripts == {"latin"}:
        return None  # spelling variants of Latin names are name_words_close's to judge
    q_name, c_name = rigour_name(query.text), rigour_name(candidate.text)
    if q_name is None or c_name is None:
        return None
    q_parts, c_parts = len(q_name.parts), len(c_name.parts)
    best = 0.0
    shown: list[str] = []
    for edges in pair_symbols(q_name, c_name):
        q_used = {p.index for e in edges for p in e.qps}
        c_used = {p.index for e in edges for p in e.rps}
        share = (
            QUERY_COVERAGE_WEIGHT * len(q_used) / q_parts
            + (1 - QUERY_COVERAGE_WEIGHT) * len(c_used) / c_parts
        )
        if share > best:
            best = share
            shown = [
                f"{' '.join(p.form for p in e.qps)} = {' '.join(p.form for p in e.rps)}"
                + (f" ({e.symbol.id})" if e.symbol is not None else "")
                for e in edges
            ]
    if not shown:
        return None
    detail = f"{query.text} ~ {candidate.text}: {', '.join(shown)}"
    return _result(name_parts_known_equivalent, KNOWN_EQUIVALENT_AGREEMENT * best, detail)


@_register(NAME_FEATURES, "name")
def name_words_close(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """The names' words match with small spelling differences, in any order."""
    if query.org is not None and candidate.org is not None:
        return None  # firms: org_names_agree weighs the brand above generic words like "bank"
    q_tokens, c_tokens, notes = _comparable_words(query, candidate)
    alignment = align_tokens(q_tokens, c_tokens)
    if alignment is None:
        return None
    if notes:
        alignment = replace(alignment, pairs=(*alignment.pairs, *((n, n, 1.0) for n in notes)))
    # Machine transliteration of another script is weaker evidence than the same letters.
    factor = CROSS_SCRIPT_AGREEMENT if query.tokens_via or candidate.tokens_via else 1.0
    compact = compact_similarity(
        (query.joined, query.joined_sorted), (candidate.joined, candidate.joined_sorted)
    )
    if compact > alignment.score:
        return _result(name_words_close, compact * factor, lambda: _compact_detail(query, candidate, compact))
    return _result(
        name_words_close, alignment.score * factor, lambda: _words_detail(query, candidate, alignment)
    )


# Russian (and Ukrainian, Belarusian) patronymics in Latin letters: Petrovich, Valeryevich, Ivanovna.
_PATRONYMIC_ENDINGS = ("ovich", "evich", "ovych", "evych", "ovna", "evna", "ichna", "yevich", "ievich")
# A patronymic is dropped only from a name that keeps a given name and a surname without it.
MIN_WORDS_WITHOUT_PATRONYMIC = 2


def _is_patronymic(token: str) -> bool:
    return len(token) > 6 and token.endswith(_PATRONYMIC_ENDINGS)


def _without_patronymic(tokens: tuple[str, ...]) -> tuple[str, ...]:
    kept = tuple(t for t in tokens if not _is_patronymic(t))
    return kept if len(kept) >= MIN_WORDS_WITHOUT_PATRONYMIC else tokens


def _comparable_words(
    query: NameForms, candidate: NameForms
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The words of two names as a person's names compare: a patronymic that only one side gives is
    left out (Ivan Petrovich Sidorov is Ivan Sidorov). Returns both word lists and the notes for the
    explanation. (Counting a word as another of its Wikidata name group, Volodymyr as Vladimir, raised
    28 of 56 alerts on 50,000 people on no list: the groups join yang and yong, jiang and kong.)"""
    q, c = query.tokens, candidate.tokens
    if "person" not in (query.kind, candidate.kind) and query.kind != "any":
        return q, c, ()
    notes: list[str] = []
    q_has, c_has = any(map(_is_patronymic, q)), any(map(_is_patronymic, c))
    if q_has != c_has:
        dropped = [t for t in (q if q_has else c) if _is_patronymic(t)]
        q, c = (_without_patronymic(q), c) if q_has else (q, _without_patronymic(c))
        if len(dropped) and (q if q_has else c) != (query.tokens if q_has else candidate.tokens):
            notes.append(f"patronymic {' '.join(dropped)} given on one side only")
    return q, c, tuple(notes)


def _via(query: NameForms, candidate: NameForms) -> str:
    via = "; ".join(
        f"{f.text} {f.tokens_via} as {' '.join(f.tokens)}" for f in (query, candidate) if f.tokens_via
    )
    return f" ({via})" if via else ""


def _compact_detail(query: NameForms, candidate: NameForms, compact: float) -> str:
    shown = f"{' '.join(query.tokens)} ≈ {' '.join(candidate.tokens)}"
    return f"{shown} (as one word: {compact:.2f}){_via(query, candidate)}"


def _words_detail(query: NameForms, candidate: NameForms, alignment: TokenAlignment) -> str:
    pairs = ", ".join(f"{q}≈{c}" if q != c else q for q, c, _ in alignment.pairs)
    extra = ""
    if alignment.unmatched_query:
        extra += f"; not in listed name: {' '.join(alignment.unmatched_query)}"
    if alignment.unmatched_candidate:
        extra += f"; only in listed name: {' '.join(alignment.unmatched_candidate)}"
    return f"{pairs}{extra}{_via(query, candidate)}"


@_register(NAME_FEATURES, "name")
def acronym_of_name(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """One name is the initials of the other's words (KKBC = Korea Kwangson Banking Corporation)."""
    for short, full in ((query, candidate), (candidate, query)):
        if len(short.tokens) != 1 or full.org is None or len(full.tokens) < MIN_ACRONYM_LETTERS:
            continue
        if short.kind == "person" or full.kind == "person":
            continue
        letters = short.tokens[0]
        if not (MIN_ACRONYM_LETTERS <= len(letters) <= MAX_ACRONYM_LETTERS and letters.isalpha()):
            continue
        if initials_of(full.tokens) == letters:
            return _result(acronym_of_name, ACRONYM_AGREEMENT, f"{short.text} = {full.text} (initials)")
    return None


def _brand_similarity(query: OrgForm, candidate: OrgForm) -> tuple[float, str] | None:
    """How alike two brands are, and how we know: same letters, same syllables, same skeleton, or close.

    Agreement through a reading (syllables, transliteration) counts as cross-script agreement.
    """
    if not query.distinctive or not candidate.distinctive:
        return None
    if query.key == candidate.key:
        return 1.0, f"{' '.join(query.distinctive)} = {' '.join(candidate.distinctive)}"
    reading = _brand_reading(query, candidate)
    if reading is not None:
        return (1.0 if query.native or candidate.native else CROSS_SCRIPT_AGREEMENT), reading
    q_words, c_words, abbreviations = expand_abbreviations(query.distinctive, candidate.distinctive)
    shown = f"{' '.join(query.distinctive)} ≈ {' '.join(candidate.distinctive)}"
    if abbreviations:
        shown += f" (abbreviations {', '.join(abbreviations)})"
        if sorted(q_words) == sorted(c_words):
            return 1.0, shown
    alignment = align_tokens(q_words, c_words)
    compact = compact_similarity(
        ("".join(q_words), "".join(sorted(q_words))), ("".join(c_words), "".join(sorted(c_words)))
    )
    score = max(alignment.score if alignment else 0.0, compact)
    return score, shown


def _brand_reading(query: OrgForm, candidate: OrgForm) -> str | None:
    """Evidence that two differently written brands are read alike (syllables or transliteration)."""
    shown = f"{' '.join(query.distinctive)} = {' '.join(candidate.distinctive)}"
    for system in ("korean", "pinyin", "jyutping"):
        agreement = compare_syllables(query.syllables, candidate.syllables, system)
        if agreement is not None and agreement.mismatches == 0:
            return f"{shown} read as {system} [{'·'.join(agreement.query.flat)}]"
    if query.skeleton and candidate.skeleton and query.skeleton == candidate.skeleton:
        return f"{shown} (transliteration)"
    return None


def _words_agreement(query: OrgForm, candidate: OrgForm) -> tuple[float, str]:
    if not query.words or not candidate.words:
        # One side names no business: nothing agrees or conflicts ("ООО Гудзон" vs "GUDZON SHIPPING").
        return ORG_WORDS_UNSTATED, ""
    common = query.words & candidate.words
    return len(common) / len(query.words | candidate.words), (
        f"; business words {', '.join(sorted(query.words))} vs {', '.join(sorted(candidate.words))}"
    )


@_register(NAME_FEATURES, "name")
def org_names_agree(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """The firms' distinctive names agree, and their business words and legal forms are equivalent."""
    if query.org is None or candidate.org is None:
        return None
    brand = _brand_similarity(query.org, candidate.org)
    if brand is None:
        return _words_only_agree(query, candidate)
    brand_score, brand_detail = brand
    words_score, words_detail = _words_agreement(query.org, candidate.org)
    score = ORG_BRAND_WEIGHT * brand_score + (1 - ORG_BRAND_WEIGHT) * words_score
    # A translation, like a reading in another script, agrees on meaning, not letter for letter.
    if query.org.native or candidate.org.native or query.org.translated or candidate.org.translated:
        score *= CROSS_SCRIPT_AGREEMENT
    forms = ""
    if query.org.legal_forms or candidate.org.legal_forms:
        forms = f"; legal forms {'/'.join(sorted(query.org.legal_forms)) or '-'} vs "
        forms += "/".join(sorted(candidate.org.legal_forms)) or "-"
    shown = f"{_translation_shown(query)} ~ {_translation_shown(candidate)}"
    return _result(org_names_agree, score, f"{shown}: {brand_detail}{words_detail}{forms}")


def _words_only_agree(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """Two names made only of business words (KOREA INTERNATIONAL CHEMICAL JOINT VENTURE COMPANY, or
    its translation from Korean): with no brand, the words are the identity and must all agree."""
    q, c = query.org, candidate.org
    if q is None or c is None or q.distinctive or c.distinctive or not q.words or q.words != c.words:
        return None
    if not q.words - GENERIC_ORG_WORDS:
        return None  # "Korea General Corporation" names no one
    score = CROSS_SCRIPT_AGREEMENT if (q.native or c.native or q.translated or c.translated) else 1.0
    shown = f"{_translation_shown(query)} ~ {_translation_shown(candidate)}"
    return _result(org_names_agree, score, f"{shown}: business words {', '.join(sorted(q.words))} alike")


def _translation_shown(forms: NameForms) -> str:
    if forms.org is None or not forms.org.translated:
        return forms.text
    return f"{forms.text} (translated by the DPRK glossary: {forms.org.translated})"


@_register(NAME_FEATURES, "name")
def vessel_names_agree(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """The ships' names agree once prefixes (M/V), number markers (No., 호) and spacing are set aside."""
    if query.vessel is None or candidate.vessel is None:
        return None
    q, c = query.vessel, candidate.vessel
    if q.number != c.number:
        return None  # vessel_number_differs says why
    if q.key == c.key:
        how = f"{' '.join(q.tokens)} = {' '.join(c.tokens)}"
    else:
        agreement = compare_syllables(q.syllables, c.syllables, "korean")
        if agreement is None or agreement.mismatches:
            return None
        how = f"{' '.join(q.tokens)} = {' '.join(c.tokens)} read as Korean [{'·'.join(agreement.query.flat)}]"
    number = f" No. {q.number}" if q.number is not None else ""
    score = CROSS_SCRIPT_AGREEMENT if (q.native or c.native) else VESSEL_NAME_AGREEMENT
    return _result(vessel_names_agree, score, f"{query.text} ~ {candidate.text}: {how}{number}")


# --- caps ---------------------------------------------------------------------------------------------


def _one_syllable_apart(query: NameForms, candidate: NameForms, system: str) -> str | None:
    """Detail when both names, read confidently in `system`, agree in every syllable but one."""
    if system not in query.systems or system not in candidate.systems:
        return None
    q_conf = tuple(r for r in query.syllables if r.system == system and r.confident)
    c_conf = tuple(r for r in candidate.syllables if r.system == system and r.confident)
    if not q_conf or not c_conf:
        return None
    agreement = compare_syllables(q_conf, c_conf, system)
    if agreement is None or agreement.mismatches != 1:
        return None
    # Some other reading (an informal spelling, another segmentation) may agree fully: then it is not a
    # different given name.
    exact = compare_syllables(query.syllables, candidate.syllables, system)
    if exact is not None and exact.mismatches == 0:
        return None
    return f"{'·'.join(agreement.query.flat)} vs {'·'.join(agreement.candidate.flat)}"


@_register(CAP_FEATURES, "cap")
def korean_given_name_differs(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """Both are Korean names and one syllable differs: another person (Korean given names have two)."""
    detail = _one_syllable_apart(query, candidate, "korean")
    return None if detail is None else _result(korean_given_name_differs, KOREAN_ONE_SYLLABLE_CAP, detail)


@_register(CAP_FEATURES, "cap")
def chinese_given_name_differs(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """Both are Chinese names and one syllable differs: another person (given names have one or two)."""
    for system in ("pinyin", "jyutping"):
        detail = _one_syllable_apart(query, candidate, system)
        if detail is not None:
            return _result(chinese_given_name_differs, KOREAN_ONE_SYLLABLE_CAP, detail)
    return None


@_register(CAP_FEATURES, "cap")
def vessel_number_differs(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """The ships' names agree but their hull numbers differ: sister ships, not the same ship."""
    if query.vessel is None or candidate.vessel is None:
        return None
    q, c = query.vessel, candidate.vessel
    if (q.number is None and c.number is None) or q.number == c.number:
        return None
    detail = (
        f"No. {q.number if q.number is not None else '-'} vs No. {c.number if c.number is not None else '-'}"
    )
    return _result(vessel_number_differs, VESSEL_NUMBER_CAP, detail)


def _may_be_a_person(query: NameForms) -> bool:
    """The query is screened as a person's name, or as anything, and nothing marks it as a firm's or a
    ship's (a legal form, a business word, a hull number)."""
    return query.kind in ("person", "any") and query.org is None and query.vessel is None


@_register(CAP_FEATURES, "cap")
def lone_name_part(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """One word names only part of a listed person's name: a lone surname (Kim, Wang, Ivanov) is no match.

    Only a listed person's name of several words is capped. A firm's or a ship's name (KIMSUKY, "Gazprom
    PMC", JI SONG 6) and a listed one-word alias keep their score: there one word may be the whole name.
    """
    if len(query.tokens) != 1 or len(candidate.tokens) < 2:
        return None
    if candidate.kind != "person" or not _may_be_a_person(query):
        return None
    alignment = align_tokens(query.tokens, candidate.tokens)
    if alignment is None or not alignment.pairs:
        return None  # the word is not one of the listed words ("KIMJONGUN" is the whole name run together)
    detail = f"{query.text} is one word of {candidate.text}"
    return _result(lone_name_part, LONE_NAME_PART_CAP, detail)


@_register(CAP_FEATURES, "cap")
def legal_forms_conflict(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """The firms' legal forms cannot be the same firm's (an LLC and a joint-stock company of one name)."""
    if query.org is None or candidate.org is None:
        return None
    if families_compatible(query.org.legal_families, candidate.org.legal_families):
        return None
    detail = f"{'/'.join(sorted(query.org.legal_forms))} vs {'/'.join(sorted(candidate.org.legal_forms))}"
    return _result(legal_forms_conflict, LEGAL_FORM_CAP, detail)


@_register(CAP_FEATURES, "cap")
def org_business_differs(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """The firms are in different lines of business (a bank and a trading company), whatever their brand."""
    if query.org is None or candidate.org is None:
        return None
    q = query.org.words - GENERIC_ORG_WORDS
    c = candidate.org.words - GENERIC_ORG_WORDS
    if not q or not c or q & c:
        return None
    return _result(
        org_business_differs, ORG_BUSINESS_CAP, f"{', '.join(sorted(q))} vs {', '.join(sorted(c))}"
    )


@_register(CAP_FEATURES, "cap")
def org_brand_differs(query: NameForms, candidate: NameForms) -> FeatureResult | None:
    """The firms share only generic words: their distinctive names differ."""
    if query.org is None or candidate.org is None:
        return None
    brand = _brand_similarity(query.org, candidate.org)
    if brand is None or brand[0] >= ORG_BRAND_MIN_SIMILARITY:
        return None
    if acronym_of_name(query, candidate) is not None:
        return None  # an acronym has no brand of its own to differ: its letters are the other's words
    return _result(org_brand_differs, ORG_BRAND_CAP, brand[1])


# --- evidence features --------------------------------------------------------------------------------


def _date_agreement(query: tuple[str, ...], candidate: tuple[str, ...]) -> tuple[str, str, str] | None:
    """('exact'|'year'|'close'|'conflict', query date, listed date) for the best pair of dates."""
    best: tuple[int, str, str, str] | None = None
    for q in query:
        for c in candidate:
            common = min(len(q), len(c))
            if common >= 10 and q[:10] == c[:10]:
                rank, kind = 3, "exact"
            elif q[:4] == c[:4] and (common < 10 or q[:7] == c[:7] or common < 7):
                rank, kind = 2, "year"
            elif q[:4].isdigit() and c[:4].isdigit() and abs(int(q[:4]) - int(c[:4])) <= BIRTH_YEAR_TOLERANCE:
                rank, kind = 1, "close"
            else:
                rank, kind = 0, "conflict"
            if best is None or rank > best[0]:
                best = (rank, kind, q, c)
    return None if best is None else (best[1], best[2], best[3])


@_register(EVIDENCE_FEATURES, "evidence")
def birth_date_supports(query: QueryEntity, candidate: IndexedEntity) -> FeatureResult | None:
    """The dates of birth agree."""
    found = _date_agreement(query.birth_dates, candidate.birth_dates)
    if found is None or found[0] not in ("exact", "year"):
        return None
    bonus = BIRTH_DATE_EXACT_BONUS if found[0] == "exact" else BIRTH_DATE_YEAR_BONUS
    return _result(birth_date_supports, bonus, f"{found[1]} ~ listed {found[2]}")


@_register(EVIDENCE_FEATURES, "evidence")
def birth_date_conflicts(query: QueryEntity, candidate: IndexedEntity) -> FeatureResult | None:
    """Both give dates of birth and none of them agree."""
    found = _date_agreement(query.birth_dates, candidate.birth_dates)
    if found is None or found[0] != "conflict":
        return None
    listed = ", ".join(sorted(candidate.birth_dates)[:3])
    return _result(
        birth_date_conflicts,
        -BIRTH_DATE_CONFLICT_PENALTY,
        f"{', '.join(query.birth_dates)} vs listed {listed}",
    )


@_register(EVIDENCE_FEATURES, "evidence")
def country_supports(query: QueryEntity, candidate: IndexedEntity) -> FeatureResult | None:
    """A nationality or country is the same on both sides."""
    common = query.countries & candidate.countries
    if not common:
        return None
    return _result(country_supports, COUNTRY_AGREEMENT_BONUS, ", ".join(sorted(common)))


@_register(EVIDENCE_FEATURES, "evidence")
def country_conflicts(query: QueryEntity, candidate: IndexedEntity) -> FeatureResult | None:
    """Both give countries and they have none in common."""
    if not query.countries or not candidate.countries or query.countries & candidate.countries:
        return None
    detail = f"{', '.join(sorted(query.countries))} vs listed {', '.join(sorted(candidate.countries))}"
    return _result(country_conflicts, -COUNTRY_CONFLICT_PENALTY, detail)


@_register(EVIDENCE_FEATURES, "evidence")
def identifier_matches(query: QueryEntity, candidate: IndexedEntity) -> FeatureResult | None:
    """An identifier (IMO number, SWIFT/BIC, passport, registration number) is the same on both sides."""
    common = query.identifiers & candidate.identifiers
    if not common:
        return None
    shown = ", ".join(f"{kind} {value}" for kind, value in sorted(common))
    return _result(identifier_matches, IDENTIFIER_MATCH_SCORE, shown)


@_register(EVIDENCE_FEATURES, "evidence")
def identifier_conflicts(query: QueryEntity, candidate: IndexedEntity) -> FeatureResult | None:
    """Both give an identifier of the same kind and the numbers differ."""
    q_kinds = {kind for kind, _ in query.identifiers}
    c_kinds = {kind for kind, _ in candidate.identifiers}
    clashes = []
    penalty = 0.0
    for kind in sorted(q_kinds & c_kinds):
        q_values = {v for k, v in query.identifiers if k == kind}
        c_values = {v for k, v in candidate.identifiers if k == kind}
        if q_values & c_values:
            continue
        clashes.append(f"{kind} {', '.join(sorted(q_values))} vs listed {', '.join(sorted(c_values))}")
        penalty += IMO_CONFLICT_PENALTY if kind == "imo" else OTHER_ID_CONFLICT_PENALTY
    if not clashes:
        return None
    return _result(identifier_conflicts, -penalty, "; ".join(clashes))
