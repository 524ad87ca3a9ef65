"""Values of the matching core: analysed names, query and indexed entities, feature results, matches."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # decisions.py builds on this module: the name is for annotations only
    from accomplice.matching.decisions import Decision

__all__ = [
    "FeatureResult",
    "IndexedEntity",
    "Match",
    "NameForms",
    "NameHint",
    "OrgForm",
    "QueryEntity",
    "SyllableReading",
    "VesselForm",
]


@dataclass(frozen=True, slots=True)
class NameHint:
    """What the rest of a record says about how to read a name (hashable, so analysis can be cached)."""

    kind: str = "any"  # "person" | "organisation" | "vehicle" | "any"
    han: str = ""  # "ko" | "zh" | "ja" | "" (unknown: try Korean and Chinese readings)
    weak: bool = False


# A name read as syllables (Korean syllable keys, pinyin, jyutping): words of syllable keys.
SyllableWords = tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class SyllableReading:
    """One way of reading a name as syllables in one system, and how we got there (for the explanation)."""

    system: str  # "korean" | "pinyin" | "jyutping"
    words: SyllableWords
    via: str  # e.g. "Hanja 金正恩 read as 김정은" or "romanized Korean"
    # True when the name surely is a name of that language (written in its script, or shaped like one:
    # a surname word and a given name of one or two syllables). Only confident readings may veto.
    confident: bool = False
    # True when read from Latin or Cyrillic letters (any Latin word may happen to segment into syllables);
    # False when read from the language's own script (Hangul, Hanja, Chinese characters).
    romanized: bool = False
    # Derived in __post_init__ (hot path): the syllables in written order, and with the first or the last
    # word moved to the other end ("surname given" and "given surname"; syllables inside a word keep
    # their order, so only whole words move).
    flat: tuple[str, ...] = field(init=False, compare=False, repr=False)
    orders: tuple[tuple[str, ...], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Syllable keys repeat across millions of names: share one string object per key.
        words = tuple(tuple(sys.intern(s) for s in word) for word in self.words)
        object.__setattr__(self, "words", words)
        flat = tuple(s for word in words for s in word)
        orders = [flat]
        if len(words) > 1:
            orders.append(tuple(s for w in (*words[1:], words[0]) for s in w))
            orders.append(tuple(s for w in (words[-1], *words[:-1]) for s in w))
        object.__setattr__(self, "flat", flat)
        object.__setattr__(self, "orders", tuple(dict.fromkeys(orders)))


@dataclass(frozen=True, slots=True)
class OrgForm:
    """An organisation name split into what distinguishes it and what any firm could be called."""

    distinctive: tuple[str, ...]  # Latin tokens of the brand/place part ("dandong", "hongxiang")
    syllables: tuple[SyllableReading, ...]  # the brand read as syllables (Korean, pinyin), when it can be
    skeleton: tuple[str, ...]  # the brand's scheme-invariant Russian skeleton
    words: frozenset[str]  # business words as canonical English tokens (trading, bank, shipping...)
    legal_forms: frozenset[str]  # canonical legal-form codes (LLC, JSC, CO_LTD...)
    legal_families: frozenset[str]  # their families, for compatibility across translations
    native: bool  # the brand was written in another script than Latin
    # The name as the DPRK institutional glossary renders it in English (names.glossary), when this form
    # reads that rendering rather than the name as written: agreement through it is cross-script evidence.
    translated: str = ""

    @property
    def key(self) -> str:
        return "".join(self.distinctive)


@dataclass(frozen=True, slots=True)
class VesselForm:
    """A ship's name without prefixes (M/V) and number markers (No., 호): name tokens and hull number."""

    tokens: tuple[str, ...]
    syllables: tuple[SyllableReading, ...]
    number: int | None
    native: bool

    @property
    def key(self) -> str:
        return "".join(self.tokens)


@dataclass(frozen=True, slots=True)
class NameForms:
    """One name analysed once, for every comparison it will take part in."""

    text: str
    scripts: frozenset[str]
    tokens: tuple[str, ...]  # folded Latin tokens (non-Latin names: a transliteration)
    tokens_via: str | None  # how non-Latin text became Latin, for the explanation
    syllables: tuple[SyllableReading, ...] = ()
    skeleton: tuple[str, ...] = ()  # scheme-invariant Russian skeleton tokens
    skeleton_via: str | None = None
    org: OrgForm | None = None
    vessel: VesselForm | None = None
    # The Wikidata name groups (via rigour) of the name's words: 블라디미르 and Vladimir share one.
    groups: frozenset[str] = frozenset()
    # Derived once so that features can skip what cannot apply without looking inside.
    systems: frozenset[str] = frozenset()  # syllable systems this name has readings in
    via_hanja: bool = False  # a Korean reading came from Hanja
    native: bool = False  # some reading comes from the language's own script, not from Latin letters
    keys: frozenset[str] = frozenset()  # blocking keys (matching.keys): names sharing none are not compared
    # The words run together, as written and sorted, for comparisons that ignore word boundaries.
    joined: str = ""
    joined_sorted: str = ""

    @staticmethod
    def derived(syllables: tuple[SyllableReading, ...]) -> dict[str, object]:
        return {
            "systems": shared(frozenset(r.system for r in syllables)),
            "via_hanja": any(r.system == "korean" and r.via.startswith("Hanja") for r in syllables),
            "native": any(not r.romanized for r in syllables),
        }

    weak: bool = False  # a weak alias (short nickname, generic name): never enough on its own
    # How the name was read: analysing `text` again with this hint gives this NameForms back, which is
    # what lets a persisted index store names as text and analyse only the candidates a query touches.
    hint: NameHint = NameHint()

    @property
    def kind(self) -> str:
        """What the record says the name belongs to ("person", "organisation", "vehicle" or "any"): a name
        of a listed Person is a person's name, whatever its words look like."""
        return self.hint.kind

    @property
    def compact(self) -> str:
        return "".join(self.tokens)


_SHARED: dict[frozenset[str], frozenset[str]] = {}


def shared(values: frozenset[str]) -> frozenset[str]:
    """One instance of each small set that millions of names repeat (scripts, reading systems)."""
    return _SHARED.setdefault(values, values)


@dataclass(frozen=True, slots=True)
class FeatureResult:
    """What one feature found: its name, the sentence users read, a score and the evidence.

    `kind` says how the score is used: "name" (a similarity that becomes the name score), "cap" (an upper
    bound on it), "evidence" (an adjustment added to it) or "decision" (an analyst's judgement).
    """

    name: str
    label: str
    score: float
    # The evidence as a sentence, or a function that writes it: scoring compares thousands of name pairs
    # and only the winners' evidence is ever read, so features defer the writing.
    evidence: str | Callable[[], str]
    kind: str = "evidence"

    @property
    def detail(self) -> str:
        evidence = self.evidence
        return evidence if isinstance(evidence, str) else evidence()

    def explain(self) -> str:
        score = f"{self.score:+.2f}" if self.kind == "evidence" else f"{self.score:.2f}"
        return f"{self.label.rstrip('.')}: {self.detail} ({self.name} {score})"


@dataclass(frozen=True, slots=True)
class QueryEntity:
    """What a user screens: one or more names and the evidence that helps decide."""

    id: str
    names: tuple[NameForms, ...]
    schema: str | None = None
    birth_dates: tuple[str, ...] = ()
    countries: frozenset[str] = frozenset()
    identifiers: frozenset[tuple[str, str]] = frozenset()  # (kind, normalised value)


@dataclass(slots=True)
class IndexedEntity:
    """A listed entity as the index holds it: everything scoring needs, nothing more."""

    key: str
    schema: str
    caption: str
    names: tuple[NameForms, ...]
    birth_dates: tuple[str, ...] = ()
    countries: frozenset[str] = frozenset()
    identifiers: frozenset[tuple[str, str]] = frozenset()
    lists: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()  # every list key of the same real-world entity
    programs: tuple[str, ...] = ()
    fingerprint: str = ""  # hash of the entity's values, to tell whether a decision is still current
    references: frozenset[str] = frozenset()  # keys this entity says it is (UK/EU cite "UN Ref KPi.066")


@dataclass(frozen=True, slots=True)
class Match:
    key: str
    keys: tuple[str, ...]
    score: float
    schema: str
    caption: str
    lists: tuple[str, ...]
    features: tuple[FeatureResult, ...] = field(default_factory=tuple)
    decision: str | None = None  # "match" / "no-match" when a human decided
    # The analyst's decision applied (who, when, why), so that every output can say it; None when none
    # applies (undecided, or decided on values the listed entity no longer has).
    decided: Decision | None = None

    @property
    def explanation(self) -> list[str]:
        return [f.explain() for f in self.features]
