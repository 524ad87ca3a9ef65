"""Claim providers: each reads one kind of record and yields claims about a dossier's target on a day.

What exists in the store today: the lists (listings with programs, relations between entries, identifiers,
addresses and contacts shared with listed entries), the exposure data (ownership, supply relations,
labour evidence) and the shared enforcement actions (`accountability/enforcement_actions.csv`).

The seam for the other areas: cases and rulings (issue 13) and incidents (issue 14) are not in this
installation yet. Each will add a class with a `name` and `claims(target, as_of)` (dossiers.ClaimProvider)
yielding `ClaimKind.CASE` / `ClaimKind.INCIDENT` claims, and register its factory with
`register_provider(area, factory)` from `services/hooks.py`; until then the area is named in
`UNWIRED_AREAS` and every dossier says on its cover that its evidence was not searched.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from accomplice.dossiers import Claim, ClaimKind, ClaimProvider, Grade, SourceRef, Target, criteria_named_in
from accomplice.dossiers.asof import ListsAsOf
from accomplice.exposure.model import Period, Source
from accomplice.services.auth import Principal
from accomplice.services.dossier_lists import EntityOnDay, entities_on, holding
from accomplice.services.exposure import read_records
from accomplice.services.exposure_visibility import may_see_confidential
from accomplice.settings import get_settings
from accomplice.store import Store
from accomplice.store.dossiers import DossierStore

__all__ = [
    "ADDRESS_PROPS",
    "CONTACT_PROPS",
    "IDENTIFIER_PROPS",
    "MAX_SHARING_ENTRIES",
    "MIN_ADDRESS_WORDS",
    "UNWIRED_AREAS",
    "EnforcementAction",
    "EnforcementClaims",
    "ExposureClaims",
    "ListClaims",
    "accountability_dir",
    "default_providers",
    "enforcement_actions",
    "list_source",
    "register_provider",
    "specific_address",
    "unwired_areas",
]

IDENTIFIER_PROPS = (
    "registrationNumber",
    "taxNumber",
    "idNumber",
    "imoNumber",
    "passportNumber",
    "swiftBic",
    "leiCode",
    "innCode",
    "ogrnCode",
    "vatCode",
    "dunsCode",
    "uscCode",
)
ADDRESS_PROPS = ("address",)
CONTACT_PROPS = ("phone", "email", "website")
# A value shared by more entries than this ("Pyongyang, Korea, North", a Moscow business centre that hosts
# hundreds of firms) ties nobody to anybody in particular; it is left out rather than made a claim.
MAX_SHARING_ENTRIES = 25
# An address of fewer words ("Pyongyang, DPRK", "Moscow, Russia") names a city, not a building: no tie.
MIN_ADDRESS_WORDS = 3


def specific_address(value: str) -> bool:
    return len("".join(c if c.isalnum() else " " for c in value).split()) >= MIN_ADDRESS_WORDS


# Properties whose value names another entity (ref_key) and what the link means for the named one.
OWNER_PROPS = ("owner",)
OWNED_PROPS = ("asset", "owned")
# An official list entry: the government says so itself (A: reliable source, 1: the list is the fact).
LIST_GRADE = Grade("A", "1")
# Where relations carry a share of ownership.
SHARE_PROPS = ("percentage", "sharesValue")
MAJORITY_SHARE = 50.0


def accountability_dir() -> Path:
    return get_settings().shared_dir / "data" / "accountability"


def list_source(list_name: str, key: str, since: str | None = None) -> SourceRef:
    return SourceRef(
        f"list:{list_name}", f"{list_name} list entry {key}", LIST_GRADE, None, since, official=True
    )


@dataclass(slots=True)
class ListClaims:
    """Listings, relations between entries, and values shared with other listed entries, on the day."""

    store: Store
    asof: ListsAsOf
    name: str = "lists"
    _entities: dict[str, EntityOnDay] = field(default_factory=dict)

    def entities(self, keys: Sequence[str]) -> dict[str, EntityOnDay]:
        missing = [k for k in keys if k not in self._entities]
        if missing:
            self._entities.update(entities_on(self.store, self.asof, missing))
        return {k: self._entities[k] for k in keys if k in self._entities}

    def claims(self, target: Target, as_of: str) -> Iterator[Claim]:
        own = self.entities(list(target.keys))
        yield from self._listings(own.values())
        yield from self._relations(target)
        yield from self._shared(target, own.values())

    def _listings(self, own: Iterable[EntityOnDay]) -> Iterator[Claim]:
        for entity in own:
            for list_name, since in sorted(entity.lists.items()):
                programs = sorted(
                    {s.value for s in entity.statements if s.prop == "programId" and s.list_name == list_name}
                )
                criteria = tuple(c for p in programs for c in criteria_named_in(p))
                text = f"Listed on {list_name} as {entity.key} since {since}"
                text += f" under {', '.join(programs)}" if programs else ""
                yield Claim(
                    ClaimKind.LISTED,
                    text,
                    list_source(list_name, entity.key, since),
                    self.name,
                    related_key=entity.key,
                    criteria=tuple(dict.fromkeys(criteria)),
                    date=since,
                    detail={"list": list_name, "programs": ", ".join(programs)},
                )

    def _relations(self, target: Target) -> Iterator[Claim]:
        dossiers = DossierStore(self.store)
        keys = set(target.keys)
        pointing = holding(dossiers.statements_referring_to(sorted(keys)), self.asof)
        relation_keys = sorted({r.entity_key for r in pointing} - keys)
        relations = self.entities(relation_keys)
        own = self.entities(sorted(keys))
        # The target's own values that name others (a vessel's owner, a link it is subject of).
        outgoing = [s for e in own.values() for s in e.statements if s.ref_key and s.ref_key not in keys]
        others = sorted(
            {r.ref_key for e in relations.values() for r in e.statements if r.ref_key}
            | {s.ref_key for s in outgoing if s.ref_key} - keys
        )
        listed = self.entities(others)
        for relation in relations.values():
            refs = {r.prop: r.ref_key for r in relation.statements if r.ref_key}
            mine = next((p for p, k in refs.items() if k in keys), None)
            if mine is None:
                continue
            if relation.lists and relation.schema not in (
                "UnknownLink",
                "Ownership",
                "Directorship",
                "Associate",
                "Family",
                "Employment",
                "Representation",
                "Membership",
            ):
                # A listed entity (a vessel) whose value names the target: the target owns/operates it.
                kind = ClaimKind.OWNS_LISTED if mine in OWNER_PROPS else ClaimKind.LINKED_TO_LISTED
                yield self._link_claim(kind, relation, relation.key, mine, target)
                continue
            for prop, other in refs.items():
                if other in keys or other not in listed:
                    continue
                share = _share(relation)
                if relation.schema == "Ownership" and prop in OWNER_PROPS:
                    kind = (
                        ClaimKind.OWNED_BY_LISTED
                        if share is None or share >= MAJORITY_SHARE
                        else ClaimKind.MINORITY_OWNED_BY_LISTED
                    )
                    if share is None:
                        kind = ClaimKind.MINORITY_OWNED_BY_LISTED
                elif relation.schema == "Ownership":
                    kind = ClaimKind.OWNS_LISTED
                else:
                    kind = ClaimKind.LINKED_TO_LISTED
                yield self._link_claim(kind, relation, other, prop, target, share)
        for statement in outgoing:
            if statement.ref_key in listed:
                kind = (
                    ClaimKind.OWNED_BY_LISTED if statement.prop in OWNER_PROPS else ClaimKind.LINKED_TO_LISTED
                )
                yield Claim(
                    kind,
                    f"{statement.list_name} names {statement.ref_key} as its {statement.prop}",
                    list_source(statement.list_name, statement.entity_key),
                    self.name,
                    related_key=statement.ref_key,
                    detail={"relation": statement.prop},
                )

    def _link_claim(
        self,
        kind: ClaimKind,
        relation: EntityOnDay,
        other: str,
        prop: str,
        target: Target,
        share: float | None = None,
    ) -> Claim:
        roles = ", ".join(sorted({r.value for r in relation.statements if r.prop == "role"}))
        list_name = next(iter(relation.lists))
        text = f"{list_name} {relation.schema} {relation.key}: {target.caption} — {other}"
        if roles:
            text += f" ({roles})"
        if share is not None:
            text += f", {share:g} %"
        return Claim(
            kind,
            text,
            list_source(list_name, relation.key, relation.lists[list_name]),
            self.name,
            related_key=other,
            detail={"relation": relation.schema, "role": roles, "via": prop},
        )

    def _shared(self, target: Target, own: Iterable[EntityOnDay]) -> Iterator[Claim]:
        groups = (
            (IDENTIFIER_PROPS, ClaimKind.SHARED_IDENTIFIER),
            (ADDRESS_PROPS, ClaimKind.SHARED_ADDRESS),
            (CONTACT_PROPS, ClaimKind.SHARED_CONTACT),
        )
        keys = set(target.keys)
        entities = list(own)
        for props, kind in groups:
            values = sorted(
                {
                    v
                    for e in entities
                    for v in e.values(*props)
                    if kind is not ClaimKind.SHARED_ADDRESS or specific_address(v)
                }
            )
            if not values:
                continue
            rows = holding(DossierStore(self.store).statements_with_values(props, values), self.asof)
            by_value: dict[str, set[str]] = {}
            for row in rows:
                if row.entity_key not in keys:
                    by_value.setdefault(row.value, set()).add(row.entity_key)
            for value, sharers in sorted(by_value.items()):
                if len(sharers) > MAX_SHARING_ENTRIES:
                    continue
                for other, entity in sorted(self.entities(sorted(sharers)).items()):
                    list_name = next(iter(entity.lists))
                    yield Claim(
                        kind,
                        f"Shares {value!r} with {other} ({', '.join(sorted(entity.lists))})",
                        list_source(list_name, other, entity.lists[list_name]),
                        self.name,
                        related_key=other,
                        detail={"value": value},
                    )


def _share(relation: EntityOnDay) -> float | None:
    for value in relation.values(*SHARE_PROPS):
        try:
            return float(value.strip().rstrip("%"))
        except ValueError:
            continue
    return None


# -- enforcement actions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnforcementAction:
    line: int
    date: str
    authority: str
    action: str
    target_name: str
    target_name_original: str
    legal_basis: str
    outcome: str
    source_title: str
    source_url: str
    source_date: str
    verified: bool
    list_keys: tuple[str, ...]
    notes: str


def enforcement_actions(path: Path | None = None) -> list[EnforcementAction]:
    """The shared enforcement actions; a row missing a column raises ValueError naming its line."""
    path = path or accountability_dir() / "enforcement_actions.csv"
    found = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                found.append(
                    EnforcementAction(
                        line,
                        row["date"],
                        row["authority"],
                        row["action"],
                        row["target_name"],
                        row["target_name_original"],
                        row["legal_basis"],
                        row["outcome"],
                        row["source_title"],
                        row["source_url"],
                        row["source_date"],
                        row["verified"].strip().lower() == "true",
                        tuple(k.strip() for k in row["list_keys"].split(";") if k.strip()),
                        row["notes"],
                    )
                )
            except (KeyError, AttributeError) as exc:
                raise ValueError(f"{path.name} line {line}: missing column {exc}") from exc
    return found


# A government or UN page is an official source; a verified secondary report of an official action
# (news quoting Treasury) is usually reliable and probably true; an unverified row cannot be judged.
OFFICIAL_HOSTS = (".gov", "un.org", "europa.eu", "gov.uk")
OFFICIAL_GRADE = Grade("A", "2")
VERIFIED_SECONDARY_GRADE = Grade("B", "2")
UNVERIFIED_GRADE = Grade("F", "6")


def _action_grade(action: EnforcementAction) -> tuple[Grade, bool]:
    host = urlsplit(action.source_url).hostname or ""
    if action.verified and host.endswith(OFFICIAL_HOSTS):
        return OFFICIAL_GRADE, True
    return (VERIFIED_SECONDARY_GRADE if action.verified else UNVERIFIED_GRADE), False


def _norm(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


@dataclass(slots=True)
class EnforcementClaims:
    """Published enforcement actions (OFAC and UN designations, CBP detentions) naming the target, by list
    key or by exact name (any script), dated on or before the day."""

    actions: Sequence[EnforcementAction]
    names: Callable[[Target], Iterable[str]]
    name: str = "enforcement-actions"

    def claims(self, target: Target, as_of: str) -> Iterator[Claim]:
        keys = set(target.keys)
        names = {_norm(n) for n in (target.caption, *self.names(target)) if n.strip()}
        for action in self.actions:
            if action.date[:10] > as_of:
                continue
            by_key = bool(keys & set(action.list_keys))
            by_name = _norm(action.target_name) in names or (
                action.target_name_original and _norm(action.target_name_original) in names
            )
            if not (by_key or by_name):
                continue
            grade, official = _action_grade(action)
            source = (
                SourceRef(
                    f"enforcement:{action.line}",
                    action.source_title,
                    grade,
                    action.source_url or None,
                    action.source_date,
                    official,
                )
                if action.source_title
                else None
            )
            criteria = criteria_named_in(f"{action.legal_basis} {action.action} {action.outcome}")
            kind = ClaimKind.DPRK_LABOUR if "labour" in action.legal_basis.lower() else ClaimKind.ENFORCEMENT
            yield Claim(
                kind,
                f"{action.date} {action.authority}: {action.action} — {action.outcome}",
                source,
                self.name,
                criteria=criteria,
                date=action.date,
                detail={
                    "legal_basis": action.legal_basis,
                    "notes": action.notes,
                    "name_original": action.target_name_original,
                },
            )


# -- exposure -----------------------------------------------------------------------------------------


def _exposure_source(source: Source | None, confidential: bool) -> SourceRef | None:
    if source is None:
        return None
    grade = Grade.parse(source.reliability) if source.reliability else Grade("F", "6")
    if source.confidential and not confidential:
        return SourceRef(f"exposure:{source.id}", "confidential source (withheld)", grade)
    published = source.published.isoformat() if source.published else None
    return SourceRef(f"exposure:{source.id}", source.title, grade, source.url, published)


def _started_by(period: Period, day: date) -> bool:
    return period.start is None or period.start <= day


@dataclass(slots=True)
class ExposureClaims:
    """Ownership, supply relations and labour evidence of the exposure data about the target's nodes
    (its list keys, or the trade parties resolved to them), begun by the day."""

    store: Store
    listed_on_day: Callable[[Sequence[str]], set[str]]
    confidential: bool
    name: str = "exposure"

    def claims(self, target: Target, as_of: str) -> Iterator[Claim]:
        records = read_records(self.store)
        day = date.fromisoformat(as_of)
        nodes = set(target.keys) | {
            node for pid, node in records.nodes.items() if pid in target.keys or node in target.keys
        }
        others = {o.owner for o in records.ownership} | {o.owned for o in records.ownership}
        others |= {r.supplier for r in records.supply} | {r.buyer for r in records.supply}
        listed = self.listed_on_day(sorted(others - nodes))
        name_of = records.names.get
        for own in records.ownership:
            if not _started_by(own.period, day):
                continue
            share = f" {own.share:g} %" if own.share is not None else ""
            if own.owned in nodes and own.owner in listed:
                majority = own.share is not None and own.share >= MAJORITY_SHARE
                kind = ClaimKind.OWNED_BY_LISTED if majority else ClaimKind.MINORITY_OWNED_BY_LISTED
                text = f"Owned{share} by listed {name_of(own.owner, own.owner)} ({own.owner})"
                yield Claim(
                    kind,
                    text,
                    _exposure_source(own.source, self.confidential),
                    self.name,
                    related_key=own.owner,
                    detail={"record": own.id},
                )
            elif own.owner in nodes and own.owned in listed:
                text = f"Owns{share} of listed {name_of(own.owned, own.owned)} ({own.owned})"
                yield Claim(
                    ClaimKind.OWNS_LISTED,
                    text,
                    _exposure_source(own.source, self.confidential),
                    self.name,
                    related_key=own.owned,
                    detail={"record": own.id},
                )
        for rel in records.supply:
            if not _started_by(rel.period, day):
                continue
            if rel.supplier in nodes and rel.buyer in listed:
                other, verb = rel.buyer, "Supplies"
            elif rel.buyer in nodes and rel.supplier in listed:
                other, verb = rel.supplier, "Buys from"
            else:
                continue
            yield Claim(
                ClaimKind.TRADES_WITH_LISTED,
                f"{verb} listed {name_of(other, other)} ({other})",
                _exposure_source(rel.source, self.confidential),
                self.name,
                related_key=other,
                detail={"record": rel.id},
            )
        for evidence in records.evidence:
            if evidence.subject in nodes and _started_by(evidence.period, day):
                workers = f" ({evidence.workers} workers)" if evidence.workers else ""
                yield Claim(
                    ClaimKind.DPRK_LABOUR,
                    f"{evidence.statement}{workers}",
                    _exposure_source(evidence.source, self.confidential),
                    self.name,
                    detail={"record": evidence.id},
                )


# -- the providers of a dossier --------------------------------------------------------------------------

ProviderFactory = Callable[[Store, Principal, ListsAsOf], ClaimProvider]
_REGISTERED: dict[str, ProviderFactory] = {}
# Areas whose records would give evidence but whose provider no module has registered yet.
UNWIRED_AREAS = ("cases and rulings (issue 13)", "incidents (issue 14)")


def register_provider(area: str, factory: ProviderFactory) -> None:
    """Add an area's provider to every dossier (called once at start-up, from services/hooks.py)."""
    _REGISTERED[area] = factory


def unwired_areas() -> tuple[str, ...]:
    return tuple(a for a in UNWIRED_AREAS if a not in _REGISTERED)


def default_providers(
    store: Store,
    principal: Principal,
    asof: ListsAsOf,
    lists: ListClaims,
    names: Callable[[Target], Iterable[str]],
) -> list[ClaimProvider]:
    def listed_on_day(keys: Sequence[str]) -> set[str]:
        return {k for k, e in lists.entities(keys).items() if e.lists}

    providers: list[ClaimProvider] = [
        lists,
        EnforcementClaims(enforcement_actions(), names),
        ExposureClaims(store, listed_on_day, may_see_confidential(principal)),
    ]
    providers.extend(factory(store, principal, asof) for factory in _REGISTERED.values())
    return providers
