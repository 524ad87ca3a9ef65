"""Claims: what a dossier asserts about its target, each with its source, grade and the kind of conduct.

A claim is one sentence of evidence ("owned 60 % by ofac:12345", "named in the 2020-11-19 designation
press release") with where it comes from and how far the source can be trusted. Claims come from
providers (`ClaimProvider`): one per kind of record the installation holds (list entries, list history,
exposure data, enforcement actions; cases and incidents once those areas exist). The dossier never drops
a claim: one without a source is kept and flagged, so that a reader sees the gap instead of a clean page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

__all__ = [
    "CREDIBILITY",
    "RELIABILITY",
    "Claim",
    "ClaimKind",
    "ClaimProvider",
    "Grade",
    "SourceRef",
    "Target",
]

# NATO's Admiralty code: the source's reliability (A completely reliable … E unreliable, F cannot be judged)
# and the information's credibility (1 confirmed by other sources … 5 improbable, 6 cannot be judged).
RELIABILITY = "ABCDEF"
CREDIBILITY = "123456"


@dataclass(frozen=True, slots=True, order=True)
class Grade:
    """An Admiralty grade such as B2; orders best first (A1 < B2 < F6)."""

    reliability: str
    credibility: str

    @classmethod
    def parse(cls, text: str) -> Grade:
        """`B2` → Grade("B", "2"); a lone letter (`C`, as exposure sources carry) reads as credibility 3
        ("possibly true"), the code's neutral middle, not as confirmed."""
        code = text.strip().upper()
        if len(code) == 1 and code in RELIABILITY:
            return cls(code, "3")
        if len(code) == 2 and code[0] in RELIABILITY and code[1] in CREDIBILITY:
            return cls(code[0], code[1])
        raise ValueError(f"not an Admiralty grade (A-F then 1-6, e.g. B2): {text!r}")

    def at_least(self, other: Grade) -> bool:
        """True when both halves are as good as `other`'s or better."""
        return self.reliability <= other.reliability and self.credibility <= other.credibility

    def __str__(self) -> str:
        return self.reliability + self.credibility


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a claim comes from: an identifier to group claims by source, a title, and maybe a URL/date."""

    id: str
    title: str
    grade: Grade
    url: str | None = None
    date: str | None = None
    # An official record (a government list entry, a published designation): the strongest kind of source.
    official: bool = False


class ClaimKind(StrEnum):
    """The conduct or status a claim shows; criteria (dossiers.legal) are chosen by kind."""

    LISTED = "listed"  # designated on a sanctions list, under named programs
    OWNED_BY_LISTED = "owned-by-listed"  # held 50 % or more by listed persons (blocked by operation of law)
    MINORITY_OWNED_BY_LISTED = "minority-owned-by-listed"  # a share below 50 %, or control without a share
    OWNS_LISTED = "owns-listed"  # owns a listed entity (parent of a designee)
    LINKED_TO_LISTED = (
        "linked-to-listed"  # a list names it as linked to, acting for, operating for a designee
    )
    SHARED_IDENTIFIER = "shared-identifier"  # the same registration/tax/IMO/passport number as a listed entry
    SHARED_ADDRESS = "shared-address"
    SHARED_CONTACT = "shared-contact"  # phone, e-mail, website
    TRADES_WITH_LISTED = "trades-with-listed"  # supplies or buys from a listed party
    DPRK_LABOUR = "dprk-labour"  # evidence of North Korean workers
    ENFORCEMENT = "enforcement"  # a published enforcement action names it
    CASE = "case"  # a case or ruling (cases area)
    INCIDENT = "incident"  # took part in a recorded incident (incidents area)
    DPRK_NEXUS = "dprk-nexus"  # North Korean nationality, registration or address


@dataclass(frozen=True, slots=True)
class Target:
    """Whom the dossier is about: a list key, or a trade party's id for an entity no list names."""

    key: str
    caption: str
    schema: str = "LegalEntity"
    # Other keys of the same entity (its entries on other lists, its trade-party ids): providers look up all.
    aliases: tuple[str, ...] = ()
    country: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key, *(k for k in self.aliases if k != self.key))


@dataclass(frozen=True, slots=True)
class Claim:
    """One asserted fact about the target, with the source it rests on (None: unsourced, flagged)."""

    kind: ClaimKind
    text: str
    source: SourceRef | None
    provider: str
    # The listed entity the claim ties the target to, when there is one (the owner, the shared-address twin).
    related_key: str | None = None
    # Criterion ids (legal_bases.json) the provider names itself, beyond those the kind implies
    # (an enforcement action's own legal basis).
    criteria: tuple[str, ...] = ()
    date: str | None = None
    detail: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """A stable id for comments: the same fact from the same source keeps its id across versions."""
        basis = "\x1f".join((self.kind, self.text, self.source.id if self.source else "", self.provider))
        return hashlib.sha256(basis.encode()).hexdigest()[:16]

    @property
    def unsourced(self) -> bool:
        return self.source is None


class ClaimProvider(Protocol):
    """Yields claims about a target as of a date. Providers live in services (they read the store); the
    core only assembles what they yield. `name` is on every claim so a reader knows where it came from."""

    name: str

    def claims(self, target: Target, as_of: str) -> Iterable[Claim]: ...
