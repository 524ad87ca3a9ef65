"""Micro-benchmark of the Chinese name functions: µs per call, cold (first call) and warm (lru_cache hit).

Run: .venv/bin/python bench/bench_chinese_names.py
Words and names come from the PRC counter-sanctions list (Taiwanese persons) and the rigour 1.5.0 groups, so
that the cold figures are for words the caches have not seen.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable
from pathlib import Path

from accomplice.names.cantonese import cantonese_match, han_hk_romanizations, latin_cantonese_keys
from accomplice.names.chinese import han_pinyin, latin_pinyin_keys, pinyin_match, pinyin_name_forms
from accomplice.names.scripts import han_language, scripts_of
from accomplice.settings import get_settings

# The brief's target for a typical Latin word through latin_pinyin_keys.
TARGET_WORD_US = 20.0


def _time(label: str, fn: Callable[[str], object], inputs: list[str]) -> float:
    start = time.perf_counter()
    for item in inputs:
        fn(item)
    per_call = (time.perf_counter() - start) / len(inputs) * 1e6
    print(f"{label:<48} {per_call:8.2f} µs/call  ({len(inputs)} calls)")
    return per_call


def main() -> None:
    raw = get_settings().raw_dir
    groups = raw / "names" / "cross_script_equivalents" / "rigour_1.5.0_persons.txt"
    latin: list[str] = []
    han: list[str] = []
    for line in groups.read_text(encoding="utf-8").splitlines()[:60000]:
        names, _, _ = line.rpartition("=>")
        for form in (f.strip() for f in names.split(",")):
            if re.fullmatch(r"[a-z'\- ]+", form):
                latin.append(form)
            elif form and all("\u4e00" <= c <= "\u9fff" for c in form):
                han.append(form)
    latin = list(dict.fromkeys(latin))[:20000]
    han = list(dict.fromkeys(han))[:10000]
    path = Path(raw) / "opensanctions" / "source_tables" / "cn_countersanctions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        pairs = [(r["Chinese name"], r["Name"]) for r in csv.DictReader(handle) if r["Chinese name"]]
    # Load tables and pypinyin once, outside the timings.
    latin_pinyin_keys("warm up")
    latin_cantonese_keys("warm up")
    han_pinyin("马", person=True)
    han_hk_romanizations("陳")
    han_language("马")
    print(f"inputs: {len(latin)} Latin words, {len(han)} Han names, {len(pairs)} list pairs")
    cold = _time("latin_pinyin_keys, cold", latin_pinyin_keys, latin)
    _time("latin_pinyin_keys, warm", latin_pinyin_keys, latin)
    _time("latin_cantonese_keys, cold", latin_cantonese_keys, latin[::2])
    _time("han_pinyin(person=True), cold", lambda t: han_pinyin(t, person=True), han)
    _time("pinyin_name_forms, cold", pinyin_name_forms, han[::2])
    _time("han_hk_romanizations, cold", han_hk_romanizations, han[1::2])
    _time("scripts_of, cold", scripts_of, han[::3] + latin[::3])
    _time("han_language, cold", han_language, han[2::3])
    start = time.perf_counter()
    for h, lat in pairs:
        pinyin_match(h, lat, person=True, skip_unreadable=True)
        cantonese_match(h, lat, person=True, skip_unreadable=True)
    per_pair = (time.perf_counter() - start) / len(pairs) * 1e6
    print(
        f"{'pinyin_match + cantonese_match per list pair':<48} {per_pair:8.2f} µs/call  ({len(pairs)} calls)"
    )
    verdict = "meets" if cold < TARGET_WORD_US else "misses"
    print(f"latin_pinyin_keys cold {cold:.1f} µs per name {verdict} the {TARGET_WORD_US:.0f} µs target")


if __name__ == "__main__":
    main()
