"""Screening accuracy per kind of name, beside nomenklatura's logic-v2, and the screening fixtures' alerts.

    .venv/bin/python bench/bench_accuracy.py [--only kinds|aliases|fixtures] [--negatives N]

Sets:
- kinds: the golden cases of tests/cases/kinds.yaml (translated DPRK institutions, legal forms,
  abbreviations, acronyms, vessels, ordinary fuzz, precision), each pair scored by accomplice and by
  logic-v2 at their own thresholds. Known misses count as misses.
- aliases: every name the lists give a DPRK organisation in Korean or Chinese script (EU 2017/1509, UN)
  or in romanized Korean (UN and OFAC aliases such as CHOSON TAESONG UNHAENG), against the same entry's
  English names (positives) and against the English names of 3 other DPRK organisations (negatives).
- fixtures: OpenSanctions' screening fixtures screened against a store holding every shared list: the
  683 UN persons (clean and treated) and the 50,000 people on no list. Every alert on the negatives is
  printed for review (target: at most 0.01 %).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from accomplice import services
from accomplice.matching import DEFAULT_THRESHOLD, indexed_entity, query_entity, score_candidate
from accomplice.names.glossary import glossary
from baseline import LOGIC_V2_THRESHOLD, logic_v2, logic_v2_score, make_proxy
from bench_screening_accuracy import expected_keys, to_query
from common import RAW, SEED, Counts, Table, all_lists, bench_store, read_fixture
from gen_dprk_glossary import Entry, _eu_entries, _ofac_entries, _un_entries, latin_key

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases" / "kinds.yaml"
NEGATIVES_PER_POSITIVE = 3


def ours(query: str, listed: str, schema: str) -> float:
    scored = score_candidate(
        query_entity("q", [query], schema=schema), indexed_entity("c", schema, listed, {"name": [listed]})
    )
    return scored.score


def theirs(query: str, listed: str, schema: str) -> float:
    return logic_v2_score(make_proxy(schema, [query]), make_proxy(schema, [listed]))


def _pairs_table(
    label: str, groups: dict[str, list[tuple[str, str, str, bool]]], out: list[str], show_misses: bool
) -> None:
    table = Table(["kind", "pairs", "acc. P", "acc. R", "acc. F1", "l-v2 P", "l-v2 R", "l-v2 F1"])
    misses: list[str] = []
    their_alarms: list[str] = []
    total_ours, total_theirs = Counts(), Counts()
    for kind, pairs in groups.items():
        mine, other = Counts(), Counts()
        for query, listed, schema, match in pairs:
            score = ours(query, listed, schema)
            mine.add(score >= DEFAULT_THRESHOLD, match)
            total_ours.add(score >= DEFAULT_THRESHOLD, match)
            if (score >= DEFAULT_THRESHOLD) != match:
                misses.append(
                    f"{kind}: {query} ~ {listed} {score:.2f} (expected {'match' if match else 'none'})"
                )
            their_score = theirs(query, listed, schema)
            their = their_score >= LOGIC_V2_THRESHOLD
            if their and not match:
                their_alarms.append(f"{kind}: {query} ~ {listed} {their_score:.2f}")
            other.add(their, match)
            total_theirs.add(their, match)
        table.add(
            kind, len(pairs), mine.precision, mine.recall, mine.f1, other.precision, other.recall, other.f1
        )
    table.add(
        "all",
        sum(map(len, groups.values())),
        total_ours.precision,
        total_ours.recall,
        total_ours.f1,
        total_theirs.precision,
        total_theirs.recall,
        total_theirs.f1,
    )
    out.append(f"\n**{label}**\n\n{table.markdown()}")
    if show_misses and misses:
        out.append("\naccomplice's misses:\n" + "\n".join(f"- {m}" for m in misses))
    if show_misses and their_alarms:
        out.append("\nlogic-v2's false alarms:\n" + "\n".join(f"- {m}" for m in their_alarms))


def kinds(out: list[str]) -> None:
    cases: list[dict[str, Any]] = yaml.safe_load(CASES.read_text("utf-8"))
    groups: dict[str, list[tuple[str, str, str, bool]]] = defaultdict(list)
    for case in cases:
        groups[case["kind"]].append((case["query"], case["listed"], case["schema"], case["match"]))
    _pairs_table(f"Kinds of names ({CASES.relative_to(ROOT)})", groups, out, show_misses=True)


def _romanized_korean(name: str, romanized: frozenset[tuple[str, ...]]) -> bool:
    words = latin_key(name).split()
    return any(words[i : i + len(t)] == list(t) for t in romanized for i in range(len(words)))


# One pair: a query name against the names of one listed entry, the schema, and whether it is that entry.
AliasPair = tuple[str, tuple[str, ...], str, bool]


def alias_pairs() -> dict[str, list[AliasPair]]:
    """Korean, Chinese and romanized-Korean names of DPRK organisations, each against its own entry's
    English names (found if any of them scores at the threshold) and against 3 other entities' entries."""
    romanized = glossary().romanized
    entries: list[Entry] = [*_eu_entries(RAW), *_un_entries(RAW), *_ofac_entries(RAW)]
    by_entry: list[tuple[str, tuple[str, ...], list[tuple[str, str]]]] = []
    for who, latin, native in entries:
        korean = [n for n in latin if _romanized_korean(n, romanized)]
        english = tuple(n for n in latin if n not in korean)
        queries = [("Korean or Chinese script", n) for n in native] + [
            ("romanized Korean", n) for n in korean
        ]
        if english and queries:
            by_entry.append((who, english, queries))
    rng = random.Random(SEED)
    groups: dict[str, list[AliasPair]] = defaultdict(list)
    folded = {who: {latin_key(n) for n in english} for who, english, _ in by_entry}
    for who, english, queries in by_entry:
        # Other entries, but not another list's entry of the same entity (one English name in common).
        others = [names for w, names, _ in by_entry if w != who and not folded[w] & folded[who]]
        for label, query in queries:
            groups[label].append((query, english, "Organization", True))
            for names in rng.sample(others, min(NEGATIVES_PER_POSITIVE, len(others))):
                groups[label].append((query, names, "Organization", False))
    return groups


def _entity_scores(query: str, names: tuple[str, ...], schema: str) -> tuple[float, float]:
    mine = score_candidate(
        query_entity("q", [query], schema=schema),
        indexed_entity("c", schema, names[0], {"name": list(names)}),
    ).score
    return mine, logic_v2_score(make_proxy(schema, [query]), make_proxy(schema, list(names)))


def aliases(out: list[str]) -> None:
    table = Table(["names", "queries", "pairs", "acc. P", "acc. R", "acc. F1", "l-v2 P", "l-v2 R", "l-v2 F1"])
    misses = []
    for label, pairs in alias_pairs().items():
        mine, other = Counts(), Counts()
        for query, names, schema, match in pairs:
            score, their = _entity_scores(query, names, schema)
            mine.add(score >= DEFAULT_THRESHOLD, match)
            other.add(their >= LOGIC_V2_THRESHOLD, match)
            if (score >= DEFAULT_THRESHOLD) != match:
                misses.append(f"{label}: {query} ~ {' / '.join(names[:3])} {score:.2f} (expected {match})")
        queries = sum(1 for p in pairs if p[3])
        table.add(
            label,
            queries,
            len(pairs),
            mine.precision,
            mine.recall,
            mine.f1,
            other.precision,
            other.recall,
            other.f1,
        )
    out.append(
        "\n**DPRK organisations' names in Korean or Chinese script (EU 2017/1509, UN) and in romanized "
        f"Korean (UN, OFAC aliases), against the same entry's English names; {NEGATIVES_PER_POSITIVE} "
        "other entries each as negatives**\n"
    )
    out.append(table.markdown())
    out.append("\naccomplice's misses:\n" + "\n".join(f"- {m}" for m in misses))


def fixtures(args: argparse.Namespace, out: list[str]) -> None:
    store = bench_store("all", all_lists())
    started = time.perf_counter()
    index = services.build_screening_index(store)
    print(f"index of every shared list: {time.perf_counter() - started:.1f}s", file=sys.stderr)
    screener = index.screener
    clean = read_fixture("positives_un_untreated.csv")
    treated = read_fixture("positives_un_treated.csv")
    truth = expected_keys(index, clean)
    table = Table(["set", "rows", "recall (expected entity among the alerts)"])
    for label, rows in (("UN persons, clean", clean), ("UN persons, treated", treated)):
        rows = [r for r in rows if r.row in truth]
        found = 0
        for row in rows:
            matches = screener.screen(to_query(row), limit=50)
            found += any(truth[row.row] in m.keys for m in matches)
        table.add(label, len(rows), found / len(rows))
    out.append(
        f"\n**UN persons against every shared list** ({len(truth)} of {len(clean)} rows with a unique "
        "UN entry)\n"
    )
    out.append(table.markdown())

    negatives = read_fixture("negatives_global.csv")[: args.negatives]
    started = time.perf_counter()
    alerts = []
    for row in negatives:
        matches = screener.screen(to_query(row), limit=1)
        if matches:
            m = matches[0]
            reason = m.features[0].explain() if m.features else ""
            who = f"{row.name} ({row.birth_date or '-'}, {row.nationality or '-'})"
            alerts.append(f"{who} → {m.caption} [{m.key}] {m.score:.2f}: {reason}")
    seconds = time.perf_counter() - started
    rate = len(alerts) / max(1, len(negatives))
    out.append(
        f"\n**People on no list** ({len(negatives):,} negatives against every shared list, {seconds:.0f}s): "
        f"{len(alerts)} alerts, {rate:.4%} (target at most 0.01 %). Every alert:\n"
    )
    out.extend(f"- {a}" for a in alerts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["kinds", "aliases", "fixtures"])
    parser.add_argument("--negatives", type=int, default=50_000)
    args = parser.parse_args()
    out = [f"threshold: accomplice {DEFAULT_THRESHOLD}, logic-v2 {LOGIC_V2_THRESHOLD}"]
    if args.only in (None, "kinds", "aliases"):
        print(f"logic-v2 warm-up: {logic_v2()[2]:.1f}s", file=sys.stderr)
    if args.only in (None, "kinds"):
        kinds(out)
    if args.only in (None, "aliases"):
        aliases(out)
    if args.only in (None, "fixtures"):
        fixtures(args, out)
    print("\n".join(out))


if __name__ == "__main__":
    main()
