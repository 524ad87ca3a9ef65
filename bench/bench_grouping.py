"""How well screening groups one entity's entries across lists, with the lists' own UN references as truth.

    .venv/bin/python bench/bench_grouping.py [--show N]

The EU and UK lists cite the UN reference of the entries they take over ("UN Ref KPi.066"). Those
citations are the truth: two entries belong together when they are, or cite, the same UN entry. The
grouping (matching.resolve) joins entries on a cited reference, a strong identifier, or the same name
(with the same date of birth for people); it is measured twice on a store holding every shared list:

- in full, as screening uses it (references included: a check that name-checked citations are kept);
- without the references, which shows what the other signals find on their own: this is how OFAC's
  entries, which cite no UN reference, join their UN, EU and UK twins.

Precision and recall are over pairs of entries among those that cite or carry a UN reference.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accomplice.matching import indexed_entity
from accomplice.matching.model import IndexedEntity
from accomplice.matching.resolve import ClusterLink, cluster_links, link_reason, similar_name_links
from accomplice.services.screening import TARGET_SCHEMAS
from common import Table, all_lists, bench_store

Pair = tuple[str, str]


def _pairs_of(groups: Iterable[Iterable[str]]) -> set[Pair]:
    pairs: set[Pair] = set()
    for group in groups:
        members = sorted(set(group))
        pairs.update(combinations(members, 2))
    return pairs


def _components(keys: Iterable[str], links: Iterable[Pair]) -> list[set[str]]:
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in links:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    groups: dict[str, set[str]] = defaultdict(set)
    for k in parent:
        groups[find(k)].add(k)
    return list(groups.values())


def truth_pairs(entities: list[IndexedEntity]) -> tuple[set[Pair], set[str]]:
    """Pairs of entries that are or cite one UN entry, and the entries the truth speaks about."""
    keys = {e.key for e in entities}
    cites = [(e.key, r) for e in entities for r in e.references if r in keys]
    universe = {k for pair in cites for k in pair}
    return _pairs_of(_components(universe, cites)), universe


def measure(
    label: str, links: list[ClusterLink], keys: set[str], truth: set[Pair], universe: set[str], table: Table
) -> set[Pair]:
    # Groups over every entry (an OFAC entry may be what joins a UK and a UN entry), judged on the
    # entries the references speak about.
    groups = _components(keys, [(link.a, link.b) for link in links])
    joined = _pairs_of(group & universe for group in groups)
    hits = len(joined & truth)
    precision = hits / len(joined) if joined else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    table.add(label, len(truth), len(joined), precision, recall, f1)
    return joined


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--show", type=int, default=15, help="wrong and missed pairs to print")
    args = parser.parse_args()
    store = bench_store("all", all_lists())
    started = time.perf_counter()
    entities = [
        indexed_entity(row.key, row.schema, row.caption, props, row.lists)
        for row, props in store.iter_current_properties(TARGET_SCHEMAS)
    ]
    print(
        f"{len(entities):,} entries read and analysed in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    truth, universe = truth_pairs(entities)
    started = time.perf_counter()
    links = cluster_links(entities)
    seconds = time.perf_counter() - started
    without = [link for link in links if link.kind != "reference"]
    candidates = list(similar_name_links(entities))
    table = Table(["grouping", "true pairs", "joined pairs", "precision", "recall", "F1"])
    keys = {e.key for e in entities}
    measure("full (references, identifiers, names)", links, keys, truth, universe, table)
    joined = measure("without references (identifiers, names)", without, keys, truth, universe, table)
    with_similar = [*without, *candidates]
    measure("without references, + own names written alike", with_similar, keys, truth, universe, table)
    by_kind: dict[str, int] = defaultdict(int)
    for link in links:
        by_kind[link.kind] += 1
    groups = _components({e.key for e in entities}, [(link.a, link.b) for link in links])
    multi = [g for g in groups if len(g) > 1]
    ofac_joined = sum(
        1 for g in multi if any(k.startswith("ofac") for k in g) and len({k.split(":")[0] for k in g}) > 1
    )
    print(f"Entries: {len(entities):,}; entries the UN references speak about: {len(universe):,}")
    print(f"Links: {dict(sorted(by_kind.items()))}; grouping took {seconds:.2f}s")
    print(
        f"Groups of several entries: {len(multi):,}; with an OFAC entry and another list's: {ofac_joined}\n"
    )
    print(table.markdown())
    reasons = {(min(link.a, link.b), max(link.a, link.b)): link_reason(link) for link in without}
    captions = {e.key: e.caption for e in entities}
    wrong = sorted(joined - truth)[: args.show]
    missed = sorted(truth - joined)[: args.show]
    if wrong:
        print("\nJoined without references but not the same UN entry:")
        for a, b in wrong:
            print(f"- {a} {captions[a]} ~ {b} {captions[b]}: {reasons.get((a, b), 'through another entry')}")
    if missed:
        print("\nSame UN entry, not joined without references (first ones):")
        for a, b in missed:
            print(f"- {a} {captions[a]} ~ {b} {captions[b]}")


if __name__ == "__main__":
    main()
