"""Designation dossiers: build one for a target as of a day, keep its versions through review.

`build_dossier` resolves the target (a list key, its entries on other lists, or a trade party), reads the
lists as they stood on the day (services.dossier_lists), asks every claim provider
(services.dossier_providers) and assembles the dossier with the legal bases (dossiers.legal). Versions are
stored as the dossier's JSON (`dossier_json`) and move draft → reviewed → approved, each step by someone
other than the people of the steps before; an approved version is never changed, a rebuild is a new one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from accomplice.dossiers import (
    Claim,
    ClaimKind,
    Dossier,
    Grade,
    IdentityRow,
    LegalBasis,
    Listing,
    SourceRef,
    Target,
    assemble,
    legal_bases_from,
)
from accomplice.errors import InputError, NotFoundError
from accomplice.names.scripts import Script, scripts_of
from accomplice.services.auth import Permission, Principal, require
from accomplice.services.dossier_lists import EntityOnDay, lists_on
from accomplice.services.dossier_providers import (
    ADDRESS_PROPS,
    CONTACT_PROPS,
    IDENTIFIER_PROPS,
    ListClaims,
    accountability_dir,
    default_providers,
    unwired_areas,
)
from accomplice.services.exposure_cache import cached_view
from accomplice.services.list_twins import list_twins
from accomplice.store import Store
from accomplice.store.audit import AuditEntry
from accomplice.store.dossiers import CommentRecord, DossierStore, DossierVersionRecord
from accomplice.store.exposure import ExposureStore

__all__ = [
    "MAX_TEXT",
    "NAME_PROPS",
    "BuiltDossier",
    "approve_dossier_version",
    "basis_texts",
    "build_dossier",
    "claims_of",
    "comment_dossier_claim",
    "dossier_comments",
    "dossier_json",
    "dossier_version",
    "dossier_versions",
    "legal_bases",
    "parse_day",
    "resolve_target",
    "review_dossier_version",
    "save_dossier_version",
]

NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
OTHER_IDENTITY_PROPS = ("nationality", "country", "jurisdiction", "birthDate", "incorporationDate")
MAX_TEXT = 4_000  # a comment's characters


def parse_day(text: str | None) -> str:
    """An ISO day (default: today); a bad one raises InputError naming the value."""
    if text is None or not text.strip():
        return date.today().isoformat()
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InputError("--as-of", f"not a date (YYYY-MM-DD): {text[:40]!r}") from None


@cache
def _bases_of(path: Path) -> dict[str, LegalBasis]:
    with path.open(encoding="utf-8") as fh:
        return legal_bases_from(json.load(fh))


def legal_bases() -> dict[str, LegalBasis]:
    """The compiled legal bases of the shared data (accountability/legal_bases.json)."""
    path = accountability_dir() / "legal_bases.json"
    if not path.exists():
        raise NotFoundError(f"{path}: legal bases not found (set ACCOMPLICE_SHARED)")
    return _bases_of(path)


def resolve_target(store: Store, key: str) -> Target:
    """A list key (with its entries on other lists) or an exposure party id; NotFoundError otherwise."""
    row = store.entity(key)
    if row is not None:
        twins = list_twins(store, [key]).get(key, (key,))
        return Target(key, row.caption, row.schema, tuple(twins))
    parties = ExposureStore(store).parties(ids=[key])
    if parties:
        party = parties[0]
        aliases = (party.entity_key,) if party.entity_key else ()
        return Target(party.id, party.name, party.schema, aliases, party.country)
    raise NotFoundError(f"no listed entity or trade party with key {key[:200]!r}")


def _script(text: str) -> str:
    found = sorted(s.value for s in scripts_of(text) if s is not Script.OTHER)
    return "+".join(found) if found else "—"


def _identity(entities: Iterable[EntityOnDay]) -> list[IdentityRow]:
    rows: dict[tuple[str, str], IdentityRow] = {}
    props = (*NAME_PROPS, *IDENTIFIER_PROPS, *ADDRESS_PROPS, *CONTACT_PROPS, *OTHER_IDENTITY_PROPS)
    for entity in entities:
        for s in entity.statements:
            if s.prop not in props:
                continue
            for value in dict.fromkeys((s.value, s.original_value or s.value)):
                if (s.prop, value) in rows:
                    continue
                since = entity.lists.get(s.list_name, "")
                rows[(s.prop, value)] = IdentityRow(
                    s.prop, value, _script(value), f"{s.entity_key} ({s.list_name} {since})"
                )
    order = {p: i for i, p in enumerate(props)}
    return sorted(rows.values(), key=lambda r: (order[r.field], r.value))


def _listings(entities: Iterable[EntityOnDay], versions: dict[str, str]) -> list[Listing]:
    found = []
    for entity in entities:
        for list_name, since in sorted(entity.lists.items()):
            programs = tuple(
                sorted(
                    {s.value for s in entity.statements if s.prop == "programId" and s.list_name == list_name}
                )
            )
            found.append(Listing(list_name, entity.key, since, programs, versions.get(list_name, "")))
    return found


@dataclass(frozen=True, slots=True)
class BuiltDossier:
    dossier: Dossier
    lists_used: tuple[str, ...]  # how each list was read on the day (dossiers.asof.ListsAsOf.describe)
    names: dict[str, str]  # caption of every key the claims name
    # Supply-chain paths of the exposure data: {"nodes": [names], "hops": [kinds], "reason": str}.
    paths: tuple[dict[str, Any], ...] = ()


# Exposure paths per node of the target: the figure shows the few strongest, as a trace does.
MAX_PATHS = 5


def _supply_paths(store: Store, target: Target, day: str) -> list[dict[str, Any]]:
    view = cached_view(store)
    nodes = [
        n
        for n in dict.fromkeys((*target.keys, *(view.nodes.get(k, k) for k in target.keys)))
        if n in view.names
    ]
    found = []
    for node in nodes:
        for path in view.engine.exposure(node, date.fromisoformat(day), max_paths=MAX_PATHS):
            if not path.hops:
                continue
            chain = [path.hops[0].from_node, *(h.to_node for h in path.hops)]
            found.append(
                {
                    "nodes": [f"{view.names.get(n, n)}" for n in chain],
                    "keys": chain,
                    "hops": [
                        h.kind.value + (f" {h.share:g} %" if h.share is not None else "") for h in path.hops
                    ],
                    "reason": path.reason.value.replace("_", " "),
                }
            )
    return found


def build_dossier(store: Store, principal: Principal, key: str, as_of: str | None = None) -> BuiltDossier:
    """The dossier of `key` as of the day (default today), from every provider."""
    require(principal, Permission.DOSSIERS_READ)
    day = parse_day(as_of)
    target = resolve_target(store, key)
    asof = lists_on(store, day)
    lists = ListClaims(store, asof)
    own = lists.entities(list(target.keys))

    def names(t: Target) -> list[str]:
        return [v for e in lists.entities(list(t.keys)).values() for v in e.values(*NAME_PROPS)] + [
            s.original_value
            for e in lists.entities(list(t.keys)).values()
            for s in e.statements
            if s.prop in NAME_PROPS and s.original_value
        ]

    claims: list[Claim] = []
    for provider in default_providers(store, principal, asof, lists, names):
        claims.extend(provider.claims(target, day))
    versions = {name: f"{s.version.label} (seq {s.version.seq})" for name, s in asof.states.items()}
    identity = _identity(own.values())
    identity += [
        IdentityRow(
            "name",
            c.detail["name_original"],
            _script(c.detail["name_original"]),
            c.source.title if c.source else c.provider,
        )
        for c in claims
        if c.detail.get("name_original") and all(r.value != c.detail["name_original"] for r in identity)
    ]
    dossier = assemble(
        target,
        day,
        identity,
        _listings(own.values(), versions),
        claims,
        legal_bases(),
        unwired_areas(),
    )
    related = sorted({c.related_key for c in dossier.claims if c.related_key})
    rows = store.entity_rows(related)
    captions = {k: r.caption for k, r in rows.items()}
    captions[target.key] = target.caption
    return BuiltDossier(dossier, tuple(asof.describe()), captions, tuple(_supply_paths(store, target, day)))


# -- JSON (the stored content and the annex) ---------------------------------------------------------------


def _claim_json(claim: Claim) -> dict[str, Any]:
    source = claim.source
    return {
        "id": claim.id,
        "kind": claim.kind.value,
        "text": claim.text,
        "provider": claim.provider,
        "related_key": claim.related_key,
        "date": claim.date,
        "unsourced": claim.unsourced,
        "source": None
        if source is None
        else {
            "id": source.id,
            "title": source.title,
            "grade": str(source.grade),
            "url": source.url,
            "date": source.date,
            "official": source.official,
        },
        "criteria": list(dict.fromkeys(claim.criteria)),
        "detail": dict(claim.detail),
    }


def dossier_json(built: BuiltDossier) -> dict[str, Any]:
    """The dossier as JSON: what a version stores, the API returns and the `.json` annex holds (with the
    FollowTheMoney entities of dossier_ftm)."""
    d = built.dossier
    ids = {c.id for c in d.claims}
    return {
        "target": {
            "key": d.target.key,
            "caption": d.target.caption,
            "schema": d.target.schema,
            "keys": list(d.target.keys),
            "country": d.target.country,
        },
        "as_of": d.as_of,
        "lists_used": list(built.lists_used),
        "identity": [
            {"field": r.field, "value": r.value, "script": r.script, "source": r.source} for r in d.identity
        ],
        "listings": [
            {
                "list": x.list_name,
                "key": x.key,
                "since": x.since,
                "programs": list(x.programs),
                "version": x.version,
            }
            for x in d.listings
        ],
        "designation_gap": {
            "listed_by": list(d.gap.listed_by),
            "not_listed_by": list(d.gap.not_listed_by),
            "summary": d.gap.summary,
        },
        "claims": [_claim_json(c) for c in d.claims],
        "unsourced_claims": len(d.unsourced_claims),
        "criteria": [
            {
                "id": a.basis.id,
                "label": a.basis.label,
                "jurisdiction": a.basis.jurisdiction,
                "standard": a.standard.value,
                "standard_stated": a.standard_stated,
                "met": [s.value for s in a.met],
                "meets_own_standard": a.meets_own_standard,
                "claims": [c.id for c in a.claims if c.id in ids],
                "relevance": a.basis.relevance,
            }
            for a in d.assessments
        ],
        "not_searched": list(d.missing_sources),
        "names": built.names,
        "supply_paths": list(built.paths),
    }


# -- versions and review -----------------------------------------------------------------------------------


def save_dossier_version(store: Store, principal: Principal, built: BuiltDossier) -> DossierVersionRecord:
    """Store the built dossier as a new draft version of its target (never over an earlier one)."""
    require(principal, Permission.DOSSIERS_WRITE)
    d = built.dossier
    audit = AuditEntry(principal.user, "dossier.version", d.target.key, {"as_of": d.as_of})
    return DossierStore(store).add_version(
        d.target.key, d.as_of, d.target.caption, dossier_json(built), principal.user or "", audit
    )


def dossier_versions(
    store: Store, principal: Principal, target_key: str | None = None
) -> list[DossierVersionRecord]:
    require(principal, Permission.DOSSIERS_READ)
    return DossierStore(store).versions(target_key)


def dossier_version(store: Store, principal: Principal, version_id: int) -> DossierVersionRecord:
    require(principal, Permission.DOSSIERS_READ)
    return DossierStore(store).version(version_id)


def review_dossier_version(store: Store, principal: Principal, version_id: int) -> DossierVersionRecord:
    """Mark a draft reviewed; its author may not review it."""
    require(principal, Permission.DOSSIERS_WRITE)
    dossiers = DossierStore(store)
    version = dossiers.version(version_id)
    if version.state != "draft":
        raise InputError("dossier version", f"{version_id} is {version.state}, not a draft")
    if principal.user == version.created_by:
        raise InputError("review", "a dossier is reviewed by someone other than its author")
    audit = AuditEntry(principal.user, "dossier.review", version.target_key, {"id": version_id})
    dossiers.advance(version_id, "draft", "reviewed", principal.user or "", audit)
    return dossiers.version(version_id)


def approve_dossier_version(store: Store, principal: Principal, version_id: int) -> DossierVersionRecord:
    """Approve a reviewed version; neither its author nor its reviewer may approve it."""
    require(principal, Permission.DOSSIERS_APPROVE)
    dossiers = DossierStore(store)
    version = dossiers.version(version_id)
    if version.state != "reviewed":
        raise InputError(
            "dossier version", f"{version_id} is {version.state}; only a reviewed one is approved"
        )
    if principal.user in (version.created_by, version.reviewed_by):
        raise InputError(
            "approval", "a dossier is approved by someone other than its author and its reviewer"
        )
    audit = AuditEntry(principal.user, "dossier.approve", version.target_key, {"id": version_id})
    dossiers.advance(version_id, "reviewed", "approved", principal.user or "", audit)
    return dossiers.version(version_id)


def comment_dossier_claim(
    store: Store, principal: Principal, version_id: int, claim_id: str, text: str
) -> int:
    """A comment on one claim of a version (any state: an approved version is commented, never edited)."""
    require(principal, Permission.DOSSIERS_WRITE)
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise InputError("comment", f"between 1 and {MAX_TEXT} characters")
    dossiers = DossierStore(store)
    version = dossiers.version(version_id)
    if claim_id not in {c["id"] for c in version.content.get("claims", ())}:
        raise InputError("comment", f"dossier version {version_id} has no claim {claim_id[:40]!r}")
    audit = AuditEntry(
        principal.user, "dossier.comment", version.target_key, {"id": version_id, "claim": claim_id}
    )
    return dossiers.add_comment(version_id, claim_id, principal.user or "", text, audit)


def dossier_comments(store: Store, principal: Principal, version_id: int) -> list[CommentRecord]:
    require(principal, Permission.DOSSIERS_READ)
    return DossierStore(store).comments(version_id)


def claims_of(content: Mapping[str, Any]) -> list[Claim]:
    """The claims of a stored dossier's JSON, as the figures need them (kind, related key)."""
    found = []
    for c in content.get("claims", ()):
        source = c.get("source")
        ref = (
            None
            if source is None
            else SourceRef(
                source["id"],
                source["title"],
                Grade.parse(source["grade"]),
                source.get("url"),
                source.get("date"),
                bool(source.get("official")),
            )
        )
        found.append(
            Claim(
                ClaimKind(c["kind"]),
                c["text"],
                ref,
                c["provider"],
                c.get("related_key"),
                tuple(c.get("criteria", ())),
                c.get("date"),
                dict(c.get("detail", {})),
            )
        )
    return found


def basis_texts(content: Mapping[str, Any]) -> list[dict[str, str]]:
    """The text of each criterion the dossier cites (its annex)."""
    bases = legal_bases()
    return [
        {"id": c["id"], "text": bases[c["id"]].text} for c in content.get("criteria", ()) if c["id"] in bases
    ]
