"""Which listed entities are the same real-world entity across lists (OFAC, UN, EU, UK...).

A screening result should say "this is KOREA DAESONG BANK: ofac:12312, un:KPe.xxx, uk:11035" once, not
three times. Entities are joined only on evidence that does not come from fuzzy name matching:
- an explicit reference (the UK and EU lists cite the UN reference number, "UN Ref KPi.066");
- the same strong identifier (IMO number, SWIFT/BIC, LEI, Chinese USCC, Russian OGRN/INN);
- the same name, letter for letter, on lists of different publishers: for people only with the same
  date of birth; for firms and ships unless their countries differ.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from accomplice.matching.model import IndexedEntity, NameForms
from accomplice.matching.scorer import schema_kind, score_names
from accomplice.names.normalize import fold

__all__ = ["LIST_PRIORITY", "cluster_entities", "merge_clusters", "un_references"]

# Identifiers that name one entity worldwide. Passport and registration numbers are not in the list:
# they repeat across countries and are often partial.
STRONG_IDENTIFIERS = frozenset({"imo", "bic", "lei", "uscc", "ogrn", "inn"})
# Which list's key leads a cluster: the UN list is the common source of the DPRK designations.
LIST_PRIORITY = ("un", "ofac", "ofac_cons", "eu_prk", "uk")
_UN_REF = re.compile(
    r"\bUN\s*Ref(?:erence)?\.?\s*(?:No\.?)?\s*:?\s*([A-Z]{2}[ie])\s*\.\s*(\d{3})\b", re.IGNORECASE
)


def un_references(texts: Iterable[str]) -> frozenset[str]:
    """The UN list key an entity cites as its own: 'UN Ref.KPI.067' -> 'un:KPi.067'.

    Only the first reference of each text counts: lists give the entity's own reference first and may go
    on to cite related entries ("owned by ... (KPe.035)"), which are other entities.
    """
    found = set()
    for text in texts:
        match = _UN_REF.search(text)
        if match:
            prefix, number = match.groups()
            found.add(f"un:{prefix[:2].upper()}{prefix[2].lower()}.{number}")
    return frozenset(found)


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _list_rank(entity: IndexedEntity) -> tuple[int, str]:
    ranks = [LIST_PRIORITY.index(name) for name in entity.lists if name in LIST_PRIORITY]
    return (min(ranks) if ranks else len(LIST_PRIORITY), entity.key)


def _publisher(entity: IndexedEntity) -> str:
    first = entity.lists[0] if entity.lists else entity.key.partition(":")[0]
    return first.split("_")[0]


# Lists cite each other's reference numbers, but not always correctly: the 2018 UK list gives
# KOREA DAESONG BANK the UN number of DAEDONG CREDIT BANK. A cited entity joins only if one of its names
# also matches one of the citing entity's names this well: as well as two spellings of one name do.
REFERENCE_NAME_AGREEMENT = 0.9


def _names_agree(a: IndexedEntity, b: IndexedEntity) -> bool:
    for q in a.names:
        for c in b.names:
            result = score_names(q, c)
            if result is not None and result.score >= REFERENCE_NAME_AGREEMENT:
                return True
    return False


def cluster_entities(entities: Sequence[IndexedEntity]) -> list[tuple[str, ...]]:
    """For each entity (same order), the keys of its cluster, the leading key first."""
    sets = _UnionFind(len(entities))
    position = {e.key: i for i, e in enumerate(entities)}
    by_identifier: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    by_name: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, entity in enumerate(entities):
        for reference in entity.references:
            if reference in position and _names_agree(entity, entities[position[reference]]):
                sets.union(i, position[reference])
        for kind, value in entity.identifiers:
            if kind in STRONG_IDENTIFIERS:
                by_identifier[
                    (schema_kind(entity.schema).replace("any", "organisation"), kind, value)
                ].append(i)
        # A LegalEntity on a list that types people as Person is a firm or a body.
        kind_of = schema_kind(entity.schema).replace("any", "organisation")
        for forms in entity.names[:1]:
            if kind_of == "person":
                # Namesakes abound among people: the same name joins only with the same date of birth.
                for date in entity.birth_dates:
                    by_name[(kind_of, fold(forms.text), date)].append(i)
            else:
                by_name[(kind_of, fold(forms.text), "")].append(i)
    for members in by_identifier.values():
        for other in members[1:]:
            sets.union(members[0], other)
    for members in by_name.values():
        publishers = {_publisher(entities[i]) for i in members}
        if len(publishers) < 2:
            continue
        for other in members[1:]:
            a, b = entities[members[0]], entities[other]
            # Two firms of one name in different countries are different firms.
            if a.countries and b.countries and not a.countries & b.countries:
                continue
            sets.union(members[0], other)
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(entities)):
        clusters[sets.find(i)].append(i)
    keys: list[tuple[str, ...]] = [()] * len(entities)
    for members in clusters.values():
        ordered = sorted((entities[i] for i in members), key=_list_rank)
        cluster_keys = tuple(e.key for e in ordered)
        for i in members:
            keys[i] = cluster_keys
    return keys


def merge_clusters(entities: Sequence[IndexedEntity]) -> list[IndexedEntity]:
    """One entity per real-world entity: the cluster's names, dates, countries and identifiers together.

    The leading member (the UN entry first, see LIST_PRIORITY) gives the key, schema and caption; every
    member's key stays in `keys`. Scoring a cluster once is faster than scoring each list's copy, and
    uses every list's aliases and dates of birth as evidence.
    """
    members: dict[tuple[str, ...], list[IndexedEntity]] = defaultdict(list)
    for entity in entities:
        members[entity.keys or (entity.key,)].append(entity)
    merged = []
    for keys, group in members.items():
        lead = next((e for e in group if e.key == keys[0]), group[0])
        if len(group) == 1:
            merged.append(lead)
            continue
        names: dict[tuple[str, bool], NameForms] = {}
        for entity in sorted(group, key=lambda e: keys.index(e.key) if e.key in keys else len(keys)):
            for forms in entity.names:
                names.setdefault((forms.text, forms.weak), forms)
        merged.append(
            IndexedEntity(
                key=lead.key,
                schema=lead.schema,
                caption=lead.caption,
                names=tuple(names.values()),
                birth_dates=tuple(sorted({d for e in group for d in e.birth_dates})),
                countries=frozenset(c for e in group for c in e.countries),
                identifiers=frozenset(i for e in group for i in e.identifiers),
                lists=tuple(sorted({name for e in group for name in e.lists})),
                keys=keys,
                programs=tuple(sorted({p for e in group for p in e.programs})),
                fingerprint="+".join(e.fingerprint for e in sorted(group, key=lambda e: e.key)),
                references=frozenset(r for e in group for r in e.references),
            )
        )
    return merged
