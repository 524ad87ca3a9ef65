"""The candidate finder: entities a list does not name (yet) that the evidence ties to ones it does.

One pass over the statements that held on the day (services.dossier_lists) builds, per entity, its lists,
countries, identifiers, addresses, contacts and relations; the exposure data adds trade parties, their
owners, suppliers and labour evidence. Every entity that the target list (OFAC's SDN list by default) does
not name — nor names through a twin entry of the same entity — and that has at least one tie is scored
(dossiers.scoring): listed by another regime, owned or controlled by a listed person (the 50 % rule and
below), linked to one by a list, sharing an identifier, address, phone, e-mail or website with one,
trading with one, named in labour evidence. Each reason says which link and which source.

`backtest` runs the finder on an earlier day and counts how many of the entities that the target list
added by a later version land in the top N: a measure of whether the signals point where designations
went.
"""

from __future__ import annotations

import contextlib
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from accomplice.batch.csv_cells import formula_safe_writer
from accomplice.dossiers import Candidate, ClaimKind, Reason, regime_of, score_of
from accomplice.dossiers.scoring import KIND_WEIGHTS
from accomplice.errors import InputError
from accomplice.lists.model import ENTITY_ID_PROP
from accomplice.services.auth import Permission, Principal, record_audit, require
from accomplice.services.dossier_lists import LISTING_DATE_PROP, holding, lists_on
from accomplice.services.dossier_providers import (
    ADDRESS_PROPS,
    CONTACT_PROPS,
    IDENTIFIER_PROPS,
    MAJORITY_SHARE,
    MAX_SHARING_ENTRIES,
)
from accomplice.services.dossiers import parse_day
from accomplice.services.exposure import read_records
from accomplice.services.list_twins import list_twins
from accomplice.store import Store
from accomplice.store.dossiers import DossierStore, StatementRow

__all__ = [
    "CANDIDATE_SCHEMAS",
    "DEFAULT_TOP",
    "LIST_WEIGHTS",
    "MAX_TOP",
    "Backtest",
    "CandidateRun",
    "backtest",
    "candidates_csv",
    "candidates_json",
    "find_candidates",
]

# Entities that can be designated; relations (UnknownLink, Ownership, Sanction) and addresses cannot.
CANDIDATE_SCHEMAS = frozenset({"Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane"})
# Being on another list, by list: the regimes that designate DPRK and Russia enablers (UN, EU, UK) most;
# other US government lists (military end users, 1260H, INKSNA) and OFAC's non-blocking lists less; the
# OpenSanctions Ukraine-war compilation, which mixes official and researched entries, least. China's
# counter-sanctions list names Western persons that China punishes, not enablers: no weight.
LIST_WEIGHTS: Mapping[str, float] = {
    "UN": 0.6,
    "EU": 0.6,
    "UK": 0.6,
    "ofac_cons": 0.45,
    "us_bis_mieu": 0.5,
    "us_dod_1260h": 0.45,
    "us_state_inksna": 0.5,
    "os_ukraine_war_and_sanctions": 0.3,
    "os_sample": 0.2,
    "cn_countersanctions": 0.0,
}
COUNTRY_PROPS = ("country", "nationality", "jurisdiction", "citizenship", "addressCountry")
OWNER_PROPS = ("owner", "parent", "director")
VALUE_PROPS = (*IDENTIFIER_PROPS, *ADDRESS_PROPS, *CONTACT_PROPS)
RELATION_SCHEMAS = frozenset(
    {
        "UnknownLink",
        "Ownership",
        "Directorship",
        "Associate",
        "Family",
        "Employment",
        "Representation",
        "Membership",
        "Succession",
    }
)
# Regimes follow each other in waves (OFAC's May 2024 Russia round repeated EU and UK listings of the
# months before): a listing by another regime within this many days of the run's day is a second reason.
RECENT_DAYS = 365
RECENT_LISTING_WEIGHT = 0.3
DEFAULT_TOP = 50
MAX_TOP = 10_000


def _kind_of(prop: str) -> ClaimKind:
    if prop in IDENTIFIER_PROPS:
        return ClaimKind.SHARED_IDENTIFIER
    if prop in ADDRESS_PROPS:
        return ClaimKind.SHARED_ADDRESS
    return ClaimKind.SHARED_CONTACT


def _normal(prop: str, value: str) -> str:
    """Values compared across lists: identifiers by letters and digits only, the rest case- and
    punctuation-insensitive (one list writes "No. 213-214,  Building 2", another "No 213-214 Building 2")."""
    if prop in IDENTIFIER_PROPS:
        return "".join(c for c in value.upper() if c.isalnum())
    return " ".join("".join(c if c.isalnum() else " " for c in value.casefold()).split())


# A normalised value this short ("CN", "1") identifies nothing.
MIN_VALUE_CHARS = 6


@cache
def _country_code(value: str) -> str | None:
    from followthemoney.types import registry

    cleaned = registry.country.clean(value)
    return cleaned.lower() if cleaned else None


@dataclass(slots=True)
class _Entity:
    key: str
    schema: str = ""
    name: str = ""
    lists: dict[str, str] = field(default_factory=dict)
    countries: set[str] = field(default_factory=set)
    values: list[tuple[str, str, str]] = field(default_factory=list)  # (prop, raw, normalised)
    refs: list[tuple[str, str]] = field(default_factory=list)  # (prop, key)
    share: float | None = None


@dataclass(frozen=True, slots=True)
class CandidateRun:
    day: str
    target_list: str
    candidates: tuple[Candidate, ...]
    lists_used: tuple[str, ...]
    considered: int  # entities scored before the cut


def _entities(rows: Iterable[StatementRow]) -> dict[str, _Entity]:
    found: dict[str, _Entity] = {}
    for row in rows:
        entity = found.get(row.entity_key)
        if entity is None:
            entity = found[row.entity_key] = _Entity(row.entity_key, row.schema)
        if row.prop == ENTITY_ID_PROP:
            entity.lists.setdefault(row.list_name, "")
        elif row.prop == LISTING_DATE_PROP:
            entity.lists[row.list_name] = row.value[:10]
        elif row.prop == "name" and not entity.name:
            entity.name = row.value
        elif row.prop in COUNTRY_PROPS:
            code = _country_code(row.value)
            if code:
                entity.countries.add(code)
        elif row.prop in VALUE_PROPS:
            normal = _normal(row.prop, row.value)
            # An "address" that is only a country ("Cayman Islands") ties nobody to anybody.
            if len(normal) >= MIN_VALUE_CHARS and not (
                row.prop in ADDRESS_PROPS and _country_code(row.value)
            ):
                entity.values.append((row.prop, row.value, normal))
        elif row.prop in ("percentage", "sharesValue"):
            with contextlib.suppress(ValueError):
                entity.share = float(row.value.strip().rstrip("%"))
        if row.ref_key:
            entity.refs.append((row.prop, row.ref_key))
    return {k: e for k, e in found.items() if e.lists}


def _list_reasons_of(list_name: str, since: str, target_list: str, day: str) -> list[Reason]:
    regime = regime_of(list_name)
    weight = LIST_WEIGHTS.get(regime or list_name, LIST_WEIGHTS.get(list_name, 0.3))
    if not weight or list_name == target_list:
        return []
    when = f" since {since}" if since else ""
    found = [
        Reason(
            ClaimKind.LISTED,
            f"listed by {regime or list_name} ({list_name}){when}, not by {target_list}",
            weight,
            list_name,
        )
    ]
    if since and regime and _days_between(since, day) <= RECENT_DAYS:
        found.append(
            Reason(
                ClaimKind.LISTED,
                f"listed by {regime} within {RECENT_DAYS} days before {day}",
                RECENT_LISTING_WEIGHT,
                list_name,
            )
        )
    return found


def _days_between(first: str, last: str) -> int:
    try:
        return (date.fromisoformat(last) - date.fromisoformat(first[:10])).days
    except ValueError:
        return RECENT_DAYS + 1


def find_candidates(
    store: Store,
    principal: Principal,
    *,
    target_list: str = "ofac",
    as_of: str | None = None,
    country: str | None = None,
    top: int = DEFAULT_TOP,
    exposure: bool = True,
) -> CandidateRun:
    """The `top` entities `target_list` does not name on the day, ranked by their ties to ones it does."""
    require(principal, Permission.DOSSIERS_READ)
    if not 1 <= top <= MAX_TOP:
        raise InputError("--top", f"between 1 and {MAX_TOP}")
    if target_list not in {info.name for info in store.lists()}:
        raise InputError("--list", f"no list {target_list[:64]!r} in the store")
    day = parse_day(as_of)
    country_code = country.strip().lower() if country else None
    asof = lists_on(store, day)
    entities = _entities(holding(DossierStore(store).iter_statements(), asof))
    listed = {k for k, e in entities.items() if target_list in e.lists and e.schema in CANDIDATE_SCHEMAS}
    reasons: dict[str, list[Reason]] = defaultdict(list)
    names = {k: e.name or k for k, e in entities.items()}
    _list_reasons(entities, listed, target_list, reasons, day)
    _relation_reasons(entities, listed, target_list, reasons, names)
    _shared_value_reasons(entities, listed, target_list, reasons, names)
    extra_names: dict[str, str] = {}
    extra_countries: dict[str, set[str]] = {}
    if exposure:
        _exposure_reasons(store, date.fromisoformat(day), listed, reasons, extra_names, extra_countries)
    twins = list_twins(store, sorted(reasons))
    already = {k for k in reasons if k in listed or any(t in listed for t in twins.get(k, ()))}
    already |= _same_as_listed(entities, listed)
    scored = []
    for key, found in reasons.items():
        entity = entities.get(key)
        if key in already or (entity is not None and entity.schema not in CANDIDATE_SCHEMAS):
            continue
        countries = entity.countries if entity else extra_countries.get(key, set())
        if country_code and country_code not in countries:
            continue
        ordered = tuple(sorted(found, key=lambda r: -r.weight))
        scored.append(
            Candidate(
                names.get(key) or extra_names.get(key, key),
                None if key.startswith("party:") and entity is None and key not in names else key,
                ",".join(sorted(countries)) or None,
                score_of(ordered),
                ordered,
                tuple(sorted(entity.lists)) if entity else (),
            )
        )
    # Equal scores: more reasons first (more independent ties), then by name for a stable order.
    scored.sort(key=lambda c: (-c.score, -len(c.reasons), c.name, c.key or ""))
    record_audit(
        store,
        principal,
        "candidates.find",
        target_list,
        {"as_of": day, "country": country_code, "top": top, "considered": len(scored)},
    )
    return CandidateRun(day, target_list, tuple(scored[:top]), tuple(asof.describe()), len(scored))


def _list_reasons(
    entities: Mapping[str, _Entity],
    listed: set[str],
    target_list: str,
    reasons: dict[str, list[Reason]],
    day: str,
) -> None:
    for key, entity in entities.items():
        if key in listed or entity.schema not in CANDIDATE_SCHEMAS:
            continue
        for list_name, since in sorted(entity.lists.items()):
            reasons[key].extend(_list_reasons_of(list_name, since, target_list, day))


def _relation_reasons(
    entities: Mapping[str, _Entity],
    listed: set[str],
    target_list: str,
    reasons: dict[str, list[Reason]],
    names: Mapping[str, str],
) -> None:
    for relation in entities.values():
        source = next(iter(relation.lists))
        if relation.schema in RELATION_SCHEMAS:
            ends = [k for _prop, k in relation.refs]
            for prop, key in relation.refs:
                others = [o for o in ends if o != key and o in listed]
                if key in listed or not others:
                    continue
                other = others[0]
                if relation.schema == "Ownership" and prop in ("asset", "owned"):
                    share = relation.share
                    kind = (
                        ClaimKind.OWNED_BY_LISTED
                        if share is not None and share >= MAJORITY_SHARE
                        else ClaimKind.MINORITY_OWNED_BY_LISTED
                    )
                    held = f" {share:g} %" if share is not None else ""
                    text = f"owned{held} by listed {names.get(other, other)} ({other})"
                elif relation.schema == "Ownership":
                    kind, text = ClaimKind.OWNS_LISTED, f"owns listed {names.get(other, other)} ({other})"
                else:
                    kind = ClaimKind.LINKED_TO_LISTED
                    text = f"{relation.schema} with listed {names.get(other, other)} ({other})"
                reasons[key].append(
                    Reason(kind, f"{text} [{source} {relation.key}]", KIND_WEIGHTS[kind], source, other)
                )
        elif relation.key in listed:
            # A listed vessel or company naming its owner/operator: the named one controls a listed asset.
            for prop, key in relation.refs:
                if key not in listed:
                    kind = ClaimKind.OWNS_LISTED if prop in OWNER_PROPS else ClaimKind.LINKED_TO_LISTED
                    reasons[key].append(
                        Reason(
                            kind,
                            f"{prop} of listed {names.get(relation.key, relation.key)} "
                            f"({relation.key}) [{source}]",
                            KIND_WEIGHTS[kind],
                            source,
                            relation.key,
                        )
                    )


def _same_as_listed(entities: Mapping[str, _Entity], listed: set[str]) -> set[str]:
    """Entries with the passport, registration or other identifier of a listed entry of the same schema:
    the same person or firm under another list's entry (screening's clusters miss some), so already
    designated rather than a candidate. The dossier still shows the shared identifier as a claim."""
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for key in listed:
        entity = entities[key]
        for prop, _raw, normal in entity.values:
            if prop in IDENTIFIER_PROPS:
                holders[(entity.schema, normal)].add(key)
    return {
        key
        for key, entity in entities.items()
        if key not in listed
        and any(
            prop in IDENTIFIER_PROPS and holders.get((entity.schema, normal))
            for prop, _raw, normal in entity.values
        )
    }


def _shared_value_reasons(
    entities: Mapping[str, _Entity],
    listed: set[str],
    target_list: str,
    reasons: dict[str, list[Reason]],
    names: Mapping[str, str],
) -> None:
    holders: dict[str, set[str]] = defaultdict(set)
    for key, entity in entities.items():
        if entity.schema in CANDIDATE_SCHEMAS:
            for _prop, _raw, normal in entity.values:
                holders[normal].add(key)
    for key, entity in entities.items():
        if key in listed or entity.schema not in CANDIDATE_SCHEMAS:
            continue
        seen: set[tuple[str, str]] = set()
        for prop, raw, normal in entity.values:
            sharers = holders[normal]
            if len(sharers) > MAX_SHARING_ENTRIES:
                continue
            for other in sorted(sharers & listed):
                if (normal, other) in seen:
                    continue
                seen.add((normal, other))
                kind = _kind_of(prop)
                source = next(iter(entity.lists))
                reasons[key].append(
                    Reason(
                        kind,
                        f"same {prop} {raw!r} as listed {names.get(other, other)} ({other}) [{source}]",
                        KIND_WEIGHTS[kind],
                        source,
                        other,
                    )
                )


def _exposure_reasons(
    store: Store,
    day: date,
    listed: set[str],
    reasons: dict[str, list[Reason]],
    names: dict[str, str],
    countries: dict[str, set[str]],
) -> None:
    records = read_records(store)
    for pid, party in records.parties.items():
        node = records.nodes.get(pid, pid)
        names.setdefault(node, party.name)
        if party.country:
            countries.setdefault(node, set()).add(party.country.lower())

    def started(start: date | None) -> bool:
        return start is None or start <= day

    def source_of(src: object) -> str:
        title = getattr(src, "title", None)
        grade = getattr(src, "reliability", "")
        return f"{title} ({grade})" if title else "exposure data (no source)"

    for own in records.ownership:
        if not started(own.period.start):
            continue
        if own.owner in listed and own.owned not in listed:
            majority = own.share is not None and own.share >= MAJORITY_SHARE
            kind = ClaimKind.OWNED_BY_LISTED if majority else ClaimKind.MINORITY_OWNED_BY_LISTED
            share = f" {own.share:g} %" if own.share is not None else ""
            reasons[own.owned].append(
                Reason(
                    kind,
                    f"owned{share} by listed {own.owner}",
                    KIND_WEIGHTS[kind],
                    source_of(own.source),
                    own.owner,
                )
            )
        elif own.owned in listed and own.owner not in listed:
            reasons[own.owner].append(
                Reason(
                    ClaimKind.OWNS_LISTED,
                    f"owns listed {own.owned}",
                    KIND_WEIGHTS[ClaimKind.OWNS_LISTED],
                    source_of(own.source),
                    own.owned,
                )
            )
    for rel in records.supply:
        if not started(rel.period.start):
            continue
        for node, other in ((rel.supplier, rel.buyer), (rel.buyer, rel.supplier)):
            if other in listed and node not in listed:
                reasons[node].append(
                    Reason(
                        ClaimKind.TRADES_WITH_LISTED,
                        f"trades with listed {other}",
                        KIND_WEIGHTS[ClaimKind.TRADES_WITH_LISTED],
                        source_of(rel.source),
                        other,
                    )
                )
    for evidence in records.evidence:
        if started(evidence.period.start) and evidence.subject not in listed:
            reasons[evidence.subject].append(
                Reason(
                    ClaimKind.DPRK_LABOUR,
                    f"labour evidence: {evidence.statement[:160]}",
                    KIND_WEIGHTS[ClaimKind.DPRK_LABOUR],
                    source_of(evidence.source),
                )
            )


# -- outputs -------------------------------------------------------------------------------------------


def candidates_json(run: CandidateRun) -> list[dict[str, object]]:
    return [
        {
            "name": c.name,
            "key": c.key,
            "score": c.score,
            "country": c.country,
            "lists": list(c.lists),
            "reasons": [
                {
                    "kind": r.kind.value,
                    "text": r.text,
                    "weight": r.weight,
                    "source": r.source,
                    "related_key": r.related_key,
                }
                for r in c.reasons
            ],
        }
        for c in run.candidates
    ]


def candidates_csv(run: CandidateRun) -> str:
    """One row per candidate: rank, name, key, score, country, lists, reasons (formula-safe cells)."""
    out = io.StringIO()
    writer = formula_safe_writer(out)
    writer.writerow(["rank", "name", "key", "score", "country", "lists", "reasons"])
    for rank, c in enumerate(run.candidates, start=1):
        writer.writerow(
            [
                rank,
                c.name,
                c.key or "",
                f"{c.score:.4f}",
                c.country or "",
                ";".join(c.lists),
                " | ".join(r.text for r in c.reasons),
            ]
        )
    return out.getvalue()


# -- the backtest ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Backtest:
    day: str
    later_version: str
    added: int  # entities the later version added (designatable schemas)
    top: int
    hits: tuple[tuple[int, str, str], ...]  # (rank, candidate key, the added key it is)
    considered: int

    @property
    def found(self) -> int:
        return len(self.hits)


def backtest(
    store: Store, principal: Principal, *, day: str, later: str, target_list: str = "ofac", top: int = 100
) -> Backtest:
    """Run the finder on `day` and count the entities `target_list`'s version `later` added that rank in
    the top `top` (a candidate counts when it is the added entry or a twin of it on another list)."""
    run = find_candidates(store, principal, target_list=target_list, as_of=day, top=top)
    version = store.version(target_list, later)
    earlier = [v for v in store.versions(target_list) if v.seq < version.seq]
    if not earlier:
        raise InputError("backtest", f"{target_list} has no version before {later}")
    diff = store.diff(target_list, earlier[-1].seq, version.seq)
    added = {e.key for e in diff.added if e.schema in CANDIDATE_SCHEMAS}
    keys = [c.key for c in run.candidates if c.key]
    twins = list_twins(store, keys)
    hits = []
    for rank, candidate in enumerate(run.candidates, start=1):
        if candidate.key is None:
            continue
        same = [k for k in twins.get(candidate.key, (candidate.key,)) if k in added]
        if same:
            hits.append((rank, candidate.key, same[0]))
    return Backtest(day, version.label, len(added), top, tuple(hits), run.considered)
