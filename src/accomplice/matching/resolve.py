"""Which listed entities are the same real-world entity across lists (OFAC, UN, EU, UK...).

A screening result should say "this is KOREA DAESONG BANK: ofac:12312, un:KPe.xxx, uk:11035" once, not
three times. Entities are joined only on evidence that does not come from fuzzy name matching:
- an explicit reference (the UK and EU lists cite the UN reference number, "UN Ref KPi.066");
- the same strong identifier (IMO number, SWIFT/BIC, LEI, Chinese USCC, Russian OGRN/INN);
- the same name, letter for letter, on lists of different publishers: for people only with the same
  date of birth; for firms and ships unless their countries differ;
`similar_name_links` proposes more (own names written alike: OFAC's KOREA KWANGSON BANKING CORP and the UN's
KOREA KWANGSON BANKING CORPORATION (KKBC)); bench/bench_grouping.py measures it, and it is not used yet.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from accomplice.matching.model import IndexedEntity, NameForms
from accomplice.matching.scorer import schema_kind, score_names
from accomplice.names.normalize import fold

__all__ = [
    "LIST_PRIORITY",
    "ClusterLink",
    "cluster_entities",
    "cluster_links",
    "link_reason",
    "merge_clusters",
    "similar_name_links",
    "un_references",
]

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


@dataclass(frozen=True, slots=True)
class ClusterLink:
    """Why two listed entries are one entity: the evidence that joined `a` and `b`.

    `kind` is "reference" (`a` cites `b`'s UN reference number, `evidence` = (b's key,)), "identifier"
    (both carry one strong identifier: (kind, value)), "name" (the same name letter for letter on lists
    of two publishers: (name,) for firms and ships, (name, date of birth) for people) or "names" (their own
    names once written alike: (a's name, b's name[, date of birth])).
    """

    a: str
    b: str
    kind: str
    evidence: tuple[str, ...]


def _kind_of(entity: IndexedEntity) -> str:
    # A LegalEntity on a list that types people as Person is a firm or a body.
    return schema_kind(entity.schema).replace("any", "organisation")


def _reference_links(entities: Sequence[IndexedEntity]) -> Iterable[ClusterLink]:
    position = {e.key: i for i, e in enumerate(entities)}
    for entity in entities:
        for reference in sorted(entity.references):
            if reference in position and _names_agree(entity, entities[position[reference]]):
                yield ClusterLink(entity.key, reference, "reference", (reference,))


def _identifier_links(entities: Sequence[IndexedEntity]) -> Iterable[ClusterLink]:
    by_identifier: dict[tuple[str, str, str], list[IndexedEntity]] = defaultdict(list)
    for entity in entities:
        for kind, value in sorted(entity.identifiers):
            if kind in STRONG_IDENTIFIERS:
                by_identifier[(_kind_of(entity), kind, value)].append(entity)
    for (_, kind, value), members in by_identifier.items():
        for other in members[1:]:
            yield ClusterLink(members[0].key, other.key, "identifier", (kind, value))


def _name_links(entities: Sequence[IndexedEntity]) -> Iterable[ClusterLink]:
    by_name: dict[tuple[str, str, str], list[IndexedEntity]] = defaultdict(list)
    for entity in entities:
        kind_of = _kind_of(entity)
        for forms in entity.names[:1]:
            if kind_of == "person":
                # Namesakes abound among people: the same name joins only with the same date of birth.
                for date in entity.birth_dates:
                    by_name[(kind_of, fold(forms.text), date)].append(entity)
            else:
                by_name[(kind_of, fold(forms.text), "")].append(entity)
    for (_, _, date), members in by_name.items():
        if len({_publisher(e) for e in members}) < 2:
            continue
        a = members[0]
        for b in members[1:]:
            # Two firms of one name in different countries are different firms.
            if a.countries and b.countries and not a.countries & b.countries:
                continue
            evidence = (a.names[0].text, date) if date else (a.names[0].text,)
            yield ClusterLink(a.key, b.key, "name", evidence)


def _name_key(kind: str, forms: NameForms) -> str | None:
    """A name as grouping compares it: a firm's brand and business words (legal forms, punctuation and
    brackets aside: KOREA KWANGSON BANKING CORP = KOREA KWANGSON BANKING CORPORATION), a person's words in
    any order (KIM, Jong Un = KIM JONG UN). None for names too generic to join on."""
    if forms.weak:
        return None
    if kind == "person":
        return " ".join(sorted(forms.tokens)) if len(forms.tokens) >= MIN_PERSON_NAME_WORDS else None
    org = forms.org
    if kind != "organisation" or org is None or not org.distinctive or org.translated:
        return None
    return f"{org.key}|{' '.join(sorted(org.words))}"


_BRACKETS = re.compile(r"\([^()]*\)")
# A person's name of one word ("Rashid") joins no one, even with a date of birth.
MIN_PERSON_NAME_WORDS = 2


def similar_name_links(entities: Sequence[IndexedEntity]) -> Iterable[ClusterLink]:
    """Entries of two publishers whose names are the same once written alike, any of their names: for
    people with the same date of birth, for firms unless their countries differ."""
    by_key: dict[tuple[str, str, str], dict[str, tuple[IndexedEntity, str]]] = defaultdict(dict)
    for entity in entities:
        kind = _kind_of(entity)
        if kind not in ("person", "organisation") or not entity.names:
            continue
        # The entry's own name only, with any bracketed part aside: aliases join too much (the UN gives
        # KOMID the alias KOREA KUMRYONG TRADING COMPANY and lists KOREA KUMRYONG TRADING CORPORATION
        # apart), and the grouping is the one step every index build pays for over all names.
        primary = entity.names[0].text
        own = {primary, " ".join(_BRACKETS.sub(" ", primary).split())}
        for forms in entity.names:
            if forms.text not in own:
                continue
            key = _name_key(kind, forms)
            if key is None:
                continue
            dates = entity.birth_dates if kind == "person" else ("",)
            for date in dates:
                by_key[(kind, key, date)].setdefault(entity.key, (entity, forms.text))
    for (_, _, date), found in by_key.items():
        members = list(found.values())
        if len(members) < 2 or len({_publisher(e) for e, _ in members}) < 2:
            continue
        a, a_name = members[0]
        for b, b_name in members[1:]:
            if _publisher(a) == _publisher(b):
                continue
            if a.countries and b.countries and not a.countries & b.countries:
                continue
            evidence = (a_name, b_name, date) if date else (a_name, b_name)
            yield ClusterLink(a.key, b.key, "names", evidence)


def cluster_links(entities: Sequence[IndexedEntity]) -> list[ClusterLink]:
    """Every pair of entries joined, with the evidence: the edges whose connected parts are the clusters.

    Given a cluster's members alone, it explains that cluster (the evidence between two entries does not
    depend on the other entries loaded).
    """
    # `similar_name_links` (own names written alike) is measured by bench/bench_grouping.py but not used yet:
    # with every shared list loaded it lowered the grouping's precision (0.996 to 0.965 over aliases).
    return [*_reference_links(entities), *_identifier_links(entities), *_name_links(entities)]


# Strong identifiers by the name an analyst knows them by, for the sentences of `link_reason`.
IDENTIFIER_LABELS = {
    "imo": "IMO number",
    "bic": "SWIFT/BIC",
    "lei": "LEI",
    "uscc": "unified social credit code",
    "ogrn": "OGRN",
    "inn": "INN",
}


def _publisher_label(key: str) -> str:
    """'uk:13414' -> 'UK', 'eu_prk:13' -> 'EU'; a FollowTheMoney id (no list prefix) stays as it is."""
    prefix, colon, _ = key.partition(":")
    return prefix.split("_")[0].upper() if colon else key


def link_reason(link: ClusterLink, about: str | None = None) -> str:
    """The evidence of one link as a sentence: "UK (uk:13414) cites UN reference KPi.029". The entry
    `about` (the one a page shows) is called "this entry"; the others go by their keys."""

    def who(key: str) -> str:
        return f"{_publisher_label(key)} ({'this entry' if key == about else key})"

    if link.kind == "reference":
        return f"{who(link.a)} cites UN reference {link.evidence[0].removeprefix('un:')}"
    pair = f"{who(link.a)} and {who(link.b)}"
    if link.kind == "identifier":
        kind, value = link.evidence
        return f"{pair} give the same {IDENTIFIER_LABELS.get(kind, kind)} {value}"
    if link.kind == "names":
        born = f", born {link.evidence[2]}" if len(link.evidence) > 2 else ""
        written = f"“{link.evidence[0]}” and “{link.evidence[1]}”"
        return f"{pair} give one name, {written} (legal forms, word order and punctuation aside){born}"
    born = f", born {link.evidence[1]}" if len(link.evidence) > 1 else ""
    return f"{pair} give the same name “{link.evidence[0]}”{born}"


def cluster_entities(entities: Sequence[IndexedEntity]) -> list[tuple[str, ...]]:
    """For each entity (same order), the keys of its cluster, the leading key first."""
    sets = _UnionFind(len(entities))
    position = {e.key: i for i, e in enumerate(entities)}
    for link in cluster_links(entities):
        sets.union(position[link.a], position[link.b])
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
        names: dict[tuple[str, bool, str], NameForms] = {}
        for entity in sorted(group, key=lambda e: keys.index(e.key) if e.key in keys else len(keys)):
            for forms in entity.names:
                translated = forms.org.translated if forms.org is not None else ""
                names.setdefault((forms.text, forms.weak, translated), forms)
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
