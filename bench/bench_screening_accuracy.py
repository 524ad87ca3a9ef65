"""Screening accuracy: accomplice beside nomenklatura's logic-v2, on the shared name benchmarks.

    .venv/bin/python bench/bench_screening_accuracy.py [--negatives N] [--logic-v2-negatives N] [--pairs N]

Sets (all under ../shared/data/raw/names):
- UN fixture (OpenSanctions' candidate-generation benchmark): 683 UN-listed persons, clean and "treated"
  (typos, dropped and reordered words, shifted dates), screened against the loaded UN list. The expected
  entity of each row is the UN entry whose name and date of birth equal the clean row. Recall = rows whose
  expected entity scores at or above the threshold. False alarms = negatives (50,000 people on no list)
  with any result at or above the threshold.
- Cross-script pairs from rigour's Wikidata name groups: a form in the script vs a Latin form of the same
  group (positive), and vs a Latin form of another group (negatives, 3 per positive). Seeded.
- The 22 watchman cross-script pairs, and the 170 OFAC Sanctions List Search scores (agreement).
- Organisations and vessels: names of the same DPRK entity or ship across OFAC, UN, EU and UK (joined by
  IMO number or by UN reference) as positives, other entities of the same schema as negatives.

logic-v2 gets the same candidates as accomplice's index proposes, plus the 10 nearest names by
brute-force rapidfuzz (WRatio), so that it is judged on its scoring, not on a missing index.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accomplice import services
from accomplice.matching import DEFAULT_THRESHOLD, indexed_entity, query_entity, score_candidate
from accomplice.matching.model import IndexedEntity
from accomplice.matching.screen import CANDIDATES_SCORED
from accomplice.names.normalize import fold
from baseline import LOGIC_V2_THRESHOLD, logic_v2, logic_v2_score, make_proxy, proxy_of
from common import (
    RAW,
    SEED,
    Counts,
    Table,
    all_lists,
    bench_store,
    cross_script_pairs,
    read_fixture,
    require,
    script_of,
    un_only,
)

BRUTE_FORCE_EXTRA = 10


def pair_score(a: str, b: str, schema: str = "Person") -> float:
    """accomplice's score for two bare names (no other evidence)."""
    query = query_entity("q", [a], schema=schema)
    candidate = indexed_entity("c", schema, b, {"name": [b]})
    return score_candidate(query, candidate).score


def expected_keys(index: services.ScreeningIndex, rows: list) -> dict[int, str]:  # type: ignore[type-arg]
    by_name: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for entity in index.screener.index:
        for forms in entity.names:
            by_name[fold(forms.text)].append(entity)
    found = {}
    for row in rows:
        entities = {e.key: e for e in by_name.get(fold(row.name), [])}
        if len(entities) > 1 and row.birth_date:
            entities = {k: e for k, e in entities.items() if row.birth_date in e.birth_dates}
        if len(entities) == 1:
            found[row.row] = next(iter(entities))
    return found


def to_query(row):  # type: ignore[no-untyped-def]
    return services.to_query(
        services.ScreeningRecord(
            str(row.row), row.name, "Person", row.birth_date or None, row.nationality or None
        )
    )


def un_fixture(args: argparse.Namespace, out: list[str]) -> None:
    store = bench_store("un", un_only())
    index = services.build_screening_index(store)
    screener = index.screener
    clean = read_fixture("positives_un_untreated.csv")
    treated = read_fixture("positives_un_treated.csv")
    negatives = read_fixture("negatives_global.csv")[: args.negatives]
    truth = expected_keys(index, clean)
    names = [(forms.text, e) for e in index.screener.index for forms in e.names]
    choices = [n for n, _ in names]
    algorithm_warmup = logic_v2()[2]
    print(f"logic-v2 warm-up (data load, excluded from timings): {algorithm_warmup:.1f}s", file=sys.stderr)

    def logic_candidates(query, row):  # type: ignore[no-untyped-def]
        cands = {c.entity.key: c.entity for c in screener.index.candidates(query, CANDIDATES_SCORED)}
        for _, _, position in process.extract(row.name, choices, scorer=fuzz.WRatio, limit=BRUTE_FORCE_EXTRA):
            entity = names[position][1]
            cands[entity.key] = entity
        return cands.values()

    def logic_hits(row):  # type: ignore[no-untyped-def]
        query = to_query(row)
        proxy = make_proxy(
            "Person", [row.name], birth_dates=list(query.birth_dates), countries=sorted(query.countries)
        )
        return {
            e.key
            for e in logic_candidates(query, row)
            if logic_v2_score(proxy, proxy_of(e)) >= LOGIC_V2_THRESHOLD
        }

    table = Table(["set", "rows", "accomplice recall", "logic-v2 recall"])
    for label, rows in (("UN persons, clean", clean), ("UN persons, treated", treated)):
        ours = theirs = 0
        rows = [r for r in rows if r.row in truth]
        started = time.perf_counter()
        for row in rows:
            matches = screener.screen(to_query(row), limit=50)
            ours += truth[row.row] in {m.key for m in matches}
        ours_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for row in rows:
            theirs += truth[row.row] in logic_hits(row)
        theirs_seconds = time.perf_counter() - started
        table.add(label, len(rows), ours / len(rows), theirs / len(rows))
        print(f"{label}: ours {ours_seconds:.1f}s, logic-v2 {theirs_seconds:.1f}s", file=sys.stderr)
    out.append(
        f"Expected UN entity resolved for {len(truth)} of {len(clean)} fixture rows "
        "(the rest have names that are not unique in the UN list).\n"
    )
    out.append(table.markdown())

    alarms = 0
    alarm_examples = []
    for row in negatives:
        matches = screener.screen(to_query(row), limit=1)
        if matches:
            alarms += 1
            if len(alarm_examples) < 10:
                alarm_examples.append(f"{row.name} → {matches[0].caption} ({matches[0].score})")
    rng = random.Random(SEED)
    sample = rng.sample(negatives, min(args.logic_v2_negatives, len(negatives)))
    their_alarms = sum(1 for row in sample if logic_hits(row))
    alarms_table = Table(["negatives", "accomplice false alarms", "rate", "logic-v2 sample", "logic-v2 rate"])
    alarms_table.add(
        len(negatives), alarms, alarms / len(negatives), len(sample), their_alarms / max(1, len(sample))
    )
    out.append("\n" + alarms_table.markdown())
    out.append("\nExamples of accomplice false alarms: " + "; ".join(alarm_examples))


def korean_full_name_pairs(limit: int) -> dict[str, list[tuple[str, str, bool]]]:
    """Whole Korean names in Hangul vs their romanization: DPRK-style McCune–Reischauer (1,350 names) and
    South Korean conventional spellings (918 names). Negatives pair a name with another row's romanization.
    Few of these people are in Wikidata, so no matcher can look them up."""
    korean = RAW / "names" / "korean"
    mr = [
        tuple(line.split("\t"))
        for line in require(korean / "mcr_person_names_hangul_to_mr.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
        if "\t" in line
    ]
    conventional = [
        (r["fullNameHangul"], r["fullNameRomanized"])
        for r in json.loads(require(korean / "korean_names_1000.json").read_text(encoding="utf-8"))
    ]
    sets = {}
    for label, rows in (
        ("hangul, DPRK-style MR names", mr),
        ("hangul, South Korean conventional", conventional),
    ):
        rng = random.Random(f"{SEED}:{label}")
        rows = list(rows)
        rng.shuffle(rows)
        rows = rows[:limit]
        pairs = [(h, latin, True) for h, latin in rows]
        for h, latin in rows:
            for _ in range(3):
                other = rng.choice(rows)[1]
                if other != latin:
                    pairs.append((h, other, False))
        sets[label] = pairs
    return sets


def cross_script(args: argparse.Namespace, out: list[str]) -> None:
    table = Table(
        [
            "script vs Latin",
            "pairs",
            "acc. precision",
            "acc. recall",
            "acc. F1",
            "l-v2 precision",
            "l-v2 recall",
            "l-v2 F1",
        ]
    )
    sets = {
        f"{script} (rigour groups)": cross_script_pairs(script, args.pairs)
        for script in ("hangul", "han", "kana", "cyrillic")
    }
    sets.update(korean_full_name_pairs(args.pairs))
    for script, pairs in sets.items():
        ours, theirs = Counts(), Counts()
        for a, b, same in pairs:
            ours.add(pair_score(a, b) >= DEFAULT_THRESHOLD, same)
            theirs.add(
                logic_v2_score(make_proxy("Person", [a]), make_proxy("Person", [b])) >= LOGIC_V2_THRESHOLD,
                same,
            )
        table.add(
            script,
            len(pairs),
            ours.precision,
            ours.recall,
            ours.f1,
            theirs.precision,
            theirs.recall,
            theirs.f1,
        )
    out.append(table.markdown())


def watchman(out: list[str]) -> None:
    path = require(RAW / "names" / "matching_benchmarks" / "watchman_cross_script_pairs.csv")
    table = Table(["query", "expected", "script", "accomplice", "logic-v2"])
    ours_hits = theirs_hits = total = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.startswith("#"):
                continue
            query, expected, _min_score, _desc = next(csv.reader([line]))
            ours = pair_score(query, expected)
            theirs = logic_v2_score(make_proxy("Person", [query]), make_proxy("Person", [expected]))
            ours_hits += ours >= DEFAULT_THRESHOLD
            theirs_hits += theirs >= LOGIC_V2_THRESHOLD
            total += 1
            table.add(query, expected, script_of(query), round(ours, 3), round(theirs, 3))
    out.append(table.markdown())
    out.append(
        f"\nFound at each matcher's threshold: accomplice {ours_hits}/{total}, "
        f"logic-v2 {theirs_hits}/{total}."
    )


def ofac_sls(out: list[str]) -> None:
    path = require(RAW / "names" / "matching_benchmarks" / "ofac_sls_search_scores.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ours = [pair_score(r["query_name"], r["result_name"], "LegalEntity") for r in rows]
    official = [float(r["ofac_score"]) / 100 for r in rows]
    theirs = [
        logic_v2_score(
            make_proxy("LegalEntity", [r["query_name"]]), make_proxy("LegalEntity", [r["result_name"]])
        )
        for r in rows
    ]

    def spearman(x: list[float], y: list[float]) -> float:
        def ranks(v: list[float]) -> list[float]:
            order = sorted(range(len(v)), key=lambda i: v[i])
            r = [0.0] * len(v)
            i = 0
            while i < len(order):
                j = i
                while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
                    j += 1
                for k in range(i, j + 1):
                    r[order[k]] = (i + j) / 2
                i = j + 1
            return r

        rx, ry = ranks(x), ranks(y)
        mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
        cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
        vx = sum((a - mx) ** 2 for a in rx) ** 0.5
        vy = sum((b - my) ** 2 for b in ry) ** 0.5
        return cov / (vx * vy) if vx and vy else 0.0

    # OFAC's tool lists everything above its slider; 0.9 is the setting screening teams commonly use.
    official_hits = [s >= 0.9 for s in official]
    agree_ours = sum(a == (b >= DEFAULT_THRESHOLD) for a, b in zip(official_hits, ours, strict=True)) / len(
        rows
    )
    agree_theirs = sum(
        a == (b >= LOGIC_V2_THRESHOLD) for a, b in zip(official_hits, theirs, strict=True)
    ) / len(rows)
    table = Table(
        [
            "pairs",
            "Spearman vs OFAC (accomplice)",
            "Spearman vs OFAC (logic-v2)",
            "agreement at OFAC 90 (accomplice)",
            "agreement at OFAC 90 (logic-v2)",
        ]
    )
    table.add(len(rows), spearman(ours, official), spearman(theirs, official), agree_ours, agree_theirs)
    out.append(table.markdown())


ORG_SCHEMAS = ("Organization", "Company", "LegalEntity")


def _identifiers_conflict(a: IndexedEntity, b: IndexedEntity) -> bool:
    kinds = {k for k, _ in a.identifiers} & {k for k, _ in b.identifiers}
    return any(
        not ({v for k, v in a.identifiers if k == kind} & {v for k, v in b.identifiers if k == kind})
        for kind in kinds
    )


def cross_list_schema(schema: str, out: list[str]) -> None:
    """One real ship or firm as two lists write it vs other ships or firms.

    Entities are read from the store one list entry at a time (before screening merges them): ships are
    joined by IMO number, firms by the UN reference that OFAC, the EU and the UK cite. A positive is two
    entries of one group from two lists; each gets three negatives: the first entry against an entry of
    another group.
    """
    store = bench_store("all", all_lists())
    schemas = (schema,) if schema == "Vessel" else ORG_SCHEMAS
    groups: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for row, props in store.iter_current_properties(schemas):
        entity = indexed_entity(row.key, row.schema, row.caption, props, row.lists)
        if schema == "Vessel":
            for kind, value in entity.identifiers:
                if kind == "imo":
                    groups[f"imo:{value}"].append(entity)
        else:
            if row.key.startswith("un:"):
                groups[row.key].append(entity)
            for reference in entity.references:
                if reference.startswith("un:"):
                    groups[reference].append(entity)
    if schema != "Vessel":
        # A cited UN reference can be wrong (the UK list of 2018 cites KPe.023, DAEDONG CREDIT BANK, for
        # KOREA DAESONG BANK): an entry whose SWIFT/BIC or other identifier contradicts the UN entry's
        # is not that entry.
        for ref, members in groups.items():
            anchor = next((e for e in members if e.key == ref), None)
            if anchor is not None:
                groups[ref] = [e for e in members if e is anchor or not _identifiers_conflict(anchor, e)]
    rng = random.Random(SEED)
    multi = [g for g in groups.values() if len({e.lists[0] for e in g if e.lists}) > 1]
    # Whole list entries are compared, every name and alias of one against every one of the other (the
    # best pair decides), without identifiers: one entry's names must find the other's. Single names
    # would not do: a renamed ship or a firm's translated name shares nothing with its other names.
    pairs = []
    for group in multi:
        a, b = rng.sample(group, 2)
        if a.lists == b.lists:
            continue
        pairs.append((a, b, True))
        others = [g for g in multi if g is not group]
        for _ in range(3):
            pairs.append((a, rng.choice(rng.choice(others)), False))
    ours, theirs = Counts(), Counts()
    label = "Vessel" if schema == "Vessel" else "Organization"
    for a, b, same in pairs:
        names_a = [f.text for f in a.names]
        names_b = [f.text for f in b.names]
        query = query_entity("q", names_a, schema=label)
        candidate = indexed_entity("c", label, names_b[0], {"name": names_b})
        ours.add(score_candidate(query, candidate).score >= DEFAULT_THRESHOLD, same)
        theirs.add(
            logic_v2_score(make_proxy(label, names_a), make_proxy(label, names_b)) >= LOGIC_V2_THRESHOLD,
            same,
        )
    table = Table(["schema", "groups", "pairs", "acc. P", "acc. R", "acc. F1", "l-v2 P", "l-v2 R", "l-v2 F1"])
    table.add(
        label,
        len(multi),
        len(pairs),
        ours.precision,
        ours.recall,
        ours.f1,
        theirs.precision,
        theirs.recall,
        theirs.f1,
    )
    out.append(table.markdown())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--negatives", type=int, default=50_000)
    parser.add_argument("--logic-v2-negatives", type=int, default=2_000)
    parser.add_argument("--pairs", type=int, default=500, help="positive pairs per script")
    parser.add_argument(
        "--only", choices=["un", "scripts", "watchman", "ofac", "vessels", "organisations"], default=None
    )
    args = parser.parse_args()
    out: list[str] = [f"threshold: accomplice {DEFAULT_THRESHOLD}, logic-v2 {LOGIC_V2_THRESHOLD}\n"]
    steps = {
        "un": lambda: un_fixture(args, out),
        "scripts": lambda: cross_script(args, out),
        "watchman": lambda: watchman(out),
        "ofac": lambda: ofac_sls(out),
        "vessels": lambda: cross_list_schema("Vessel", out),
        "organisations": lambda: cross_list_schema("Organization", out),
    }
    for name, step in steps.items():
        if args.only and name != args.only:
            continue
        out.append(f"\n### {name}\n")
        started = time.perf_counter()
        step()
        print(f"{name}: {time.perf_counter() - started:.1f}s", file=sys.stderr)
    print("\n".join(out))


if __name__ == "__main__":
    main()
