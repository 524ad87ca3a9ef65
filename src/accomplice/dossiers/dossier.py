"""A dossier: the target's identity, its listings and designation gap, the claims and the legal bases.

Assembled from values the services read (identity rows, listings, claims from the providers); nothing here
reads a store. The designation gap compares the four publishers whose DPRK listings bind most enablers'
counterparties: the UN, the EU, the UK and OFAC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from accomplice.dossiers.claims import Claim, Target
from accomplice.dossiers.legal import CriterionAssessment, LegalBasis, assess

__all__ = [
    "GAP_REGIMES",
    "DesignationGap",
    "Dossier",
    "IdentityRow",
    "Listing",
    "assemble",
    "designation_gap",
    "regime_of",
]

# The regimes the gap compares, in this order. OFAC means the SDN list (`ofac`); its non-SDN consolidated
# list (`ofac_cons`) blocks nothing, so a name there does not close the gap.
GAP_REGIMES = ("UN", "EU", "UK", "OFAC")


def regime_of(list_name: str) -> str | None:
    """The regime a loaded list belongs to (`eu_prk`, `eu_rus` … are the EU's), None for other lists."""
    if list_name in ("un", "uk", "ofac"):
        return list_name.upper()
    if list_name == "eu" or list_name.startswith("eu_"):
        return "EU"
    return None


@dataclass(frozen=True, slots=True)
class IdentityRow:
    """A name, identifier or address of the target, with its script and the list (and key) saying so."""

    field: str  # name, alias, registrationNumber, address, ...
    value: str
    script: str  # Latin, Hangul, Han, Cyrillic, ...
    source: str  # "ofac:24977 (ofac 2023-12-28)"


@dataclass(frozen=True, slots=True)
class Listing:
    list_name: str
    key: str
    since: str | None  # the first list version (date or label) that named it
    programs: tuple[str, ...]
    version: str  # the version as of the dossier's date


@dataclass(frozen=True, slots=True)
class DesignationGap:
    listed_by: tuple[str, ...]
    not_listed_by: tuple[str, ...]

    @property
    def summary(self) -> str:
        if not self.listed_by:
            return "named by none of " + ", ".join(GAP_REGIMES)
        if not self.not_listed_by:
            return "listed by all of " + ", ".join(self.listed_by)
        return f"listed by {', '.join(self.listed_by)} but not by {', '.join(self.not_listed_by)}"


def designation_gap(listings: Sequence[Listing]) -> DesignationGap:
    listed = {regime_of(x.list_name) for x in listings}
    return DesignationGap(
        tuple(r for r in GAP_REGIMES if r in listed), tuple(r for r in GAP_REGIMES if r not in listed)
    )


@dataclass(frozen=True, slots=True)
class Dossier:
    target: Target
    as_of: str
    identity: tuple[IdentityRow, ...]
    listings: tuple[Listing, ...]
    gap: DesignationGap
    claims: tuple[Claim, ...]
    assessments: tuple[CriterionAssessment, ...]
    # Areas whose evidence this installation cannot read yet (a provider not wired): said on the cover.
    missing_sources: tuple[str, ...] = ()

    @property
    def unsourced_claims(self) -> tuple[Claim, ...]:
        return tuple(c for c in self.claims if c.unsourced)


def assemble(
    target: Target,
    as_of: str,
    identity: Sequence[IdentityRow],
    listings: Sequence[Listing],
    claims: Sequence[Claim],
    bases: Mapping[str, LegalBasis],
    missing_sources: Sequence[str] = (),
) -> Dossier:
    """The dossier of these values: claims deduplicated by id (two providers seeing the same fact from the
    same source count once), kept in provider order, and assessed against the legal bases."""
    unique = tuple({c.id: c for c in claims}.values())
    return Dossier(
        target,
        as_of,
        tuple(identity),
        tuple(listings),
        designation_gap(listings),
        unique,
        tuple(assess(unique, bases)),
        tuple(missing_sources),
    )
