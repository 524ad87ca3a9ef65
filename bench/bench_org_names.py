"""Organisation-name parsing: µs per name over every OFAC SDN entity name, and what it recognises.

Run: .venv/bin/python bench/bench_org_names.py
Baseline in the same run: rigour's org-type extraction (rigour.names.org_types.extract_org_types, the table
OpenSanctions' matcher uses) on the same names. Figures go to docs/names/organisations.md.
"""

from __future__ import annotations

import csv
import re
import sys
import time
from collections import Counter
from pathlib import Path

from rigour.names.org_types import extract_org_types

from accomplice.names import orgs
from accomplice.names.cyrillic import russian_skeleton_tokens
from accomplice.names.orgs import legal_forms_compatible, parse_org_name
from accomplice.settings import get_settings

CYRILLIC = re.compile("[\u0400-\u04ff]")


def _require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"missing benchmark input {path}; set ACCOMPLICE_SHARED to the shared folder")
    return path


def _ofac_entities(raw: Path) -> list[str]:
    path = _require(raw / "ofac" / "2024-05-03" / "sdn.csv")
    with path.open(encoding="latin-1", newline="") as handle:
        return [r[1] for r in csv.reader(handle) if len(r) > 3 and r[2].strip() == "-0-"]


def _time(label: str, fn: object, names: list[str]) -> float:
    assert callable(fn)
    start = time.perf_counter()
    for name in names:
        fn(name)
    per_name = (time.perf_counter() - start) / len(names) * 1e6
    print(f"{label:<58} {per_name:8.1f} µs/name  ({len(names)} names)")
    return per_name


def speed(names: list[str]) -> None:
    orgs._parse_cached.cache_clear()
    _time("parse_org_name, cold (parse cache empty)", parse_org_name, names)
    _time("parse_org_name, warm (every name cached)", parse_org_name, names)
    _time(
        "baseline: rigour extract_org_types (casefolded input)",
        lambda n: extract_org_types(n.casefold()),
        names,
    )


def coverage(names: list[str]) -> None:
    ours = [parse_org_name(n) for n in names]
    share = sum(1 for p in ours if p.legal_forms) / len(names)
    theirs = sum(1 for n in names if extract_org_types(n.casefold())) / len(names)
    print(f"OFAC entity names with a legal form recognised: ours {share:.1%}, rigour {theirs:.1%}")
    endings = Counter(
        n.replace(",", " ").replace(".", " ").split()[-1]
        for n, p in zip(names, ours, strict=True)
        if not p.legal_forms
    )
    print("top endings left unrecognised:", ", ".join(f"{w} {c}" for w, c in endings.most_common(15)))


def eu_agreement(raw: Path) -> None:
    csv.field_size_limit(1 << 30)
    for file in ("eu_journal_consolidated_32014R0269.csv", "eu_journal_consolidated_32014R0833.csv"):
        with _require(raw / "eu" / file).open(encoding="utf-8", newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if r["schema"] in ("LegalEntity", "Company")]
        both = forms = fits = brand_rows = brands = 0
        for row in rows:
            cyr = [a.strip() for a in row["alias"].split(";") if CYRILLIC.search(a)]
            if not cyr:
                continue
            en = parse_org_name(row["name"])
            ru = [parse_org_name(a) for a in cyr]
            fam = set().union(*(r.legal_families for r in ru))
            if en.legal_families and fam:
                both += 1
                forms += bool(en.legal_families & fam)
                fits += any(legal_forms_compatible(en, r) for r in ru if r.legal_forms)
            if en.brand and any(r.brand for r in ru):
                brand_rows += 1
                en_key = set(russian_skeleton_tokens(" ".join(t.text for t in en.brand)))
                brands += any(
                    en_key & set(russian_skeleton_tokens(" ".join(t.text for t in r.brand))) for r in ru
                )
        print(
            f"EU {file[-14:-4]}: legal-form family agrees {forms}/{both} = {forms / both:.1%}, "
            f"compatible {fits}/{both} = {fits / both:.1%}; "
            f"brand shares a skeleton token {brands}/{brand_rows} = {brands / brand_rows:.1%}"
        )


def cn_agreement(raw: Path) -> None:
    path = _require(raw / "opensanctions" / "source_tables" / "cn_countersanctions.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["Type"] in ("Company", "Organization") and r["Chinese name"]
        ]
    with_words = agree = jaccard_sum = 0.0
    forms = both_forms = compatible = 0
    for row in rows:
        zh, en = parse_org_name(row["Chinese name"]), parse_org_name(row["Name"])
        compatible += legal_forms_compatible(zh, en)
        if zh.words:
            with_words += 1
            a, b = set(zh.word_tokens), set(en.word_tokens)
            agree += bool(a & b)
            jaccard_sum += len(a & b) / len(a | b)
        if zh.legal_families and en.legal_families:
            both_forms += 1
            forms += bool(zh.legal_families & en.legal_families)
    print(
        f"PRC counter-sanctions ({len(rows)} firms): Chinese words shared with the English name "
        f"{agree:.0f}/{with_words:.0f} = {agree / with_words:.1%} "
        f"(mean Jaccard {jaccard_sum / with_words:.2f}); "
        f"legal-form family agrees {forms}/{both_forms} = {forms / both_forms:.1%}; "
        f"legal forms compatible {compatible}/{len(rows)} = {compatible / len(rows):.1%}"
    )


def main() -> None:
    raw = get_settings().raw_dir
    names = _ofac_entities(raw)
    speed(names)
    coverage(names)
    eu_agreement(raw)
    cn_agreement(raw)


if __name__ == "__main__":
    main()
