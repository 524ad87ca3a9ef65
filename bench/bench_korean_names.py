"""Micro-benchmark of the Korean name functions on the 1,350 MR person names of the shared data.

Prints µs per call for the keys (cold: caches cleared; warm: second pass) and the romanizers.
Usage: ``python bench/bench_korean_names.py``
"""

from __future__ import annotations

import time
from collections.abc import Callable

from accomplice.names import kontsevich, korean_keys
from accomplice.names.korean import (
    cyrillic_keys,
    hangul_keys,
    hangul_to_cyrillic,
    hanja_to_hangul,
    korean_name_keys,
    latin_keys,
    romanize_dprk,
    romanize_mr,
    romanize_rr,
)
from accomplice.settings import get_settings


def _per_call(fn: Callable[[str], object], inputs: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in inputs:
            fn(text)
        best = min(best, time.perf_counter() - start)
    return best / len(inputs) * 1e6


def _cold(fn: Callable[[str], object], inputs: list[str], clear: Callable[[], None]) -> float:
    clear()
    start = time.perf_counter()
    for text in inputs:
        fn(text)
    return (time.perf_counter() - start) / len(inputs) * 1e6


def main() -> None:
    path = get_settings().raw_dir / "names/korean/mcr_person_names_hangul_to_mr.tsv"
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    hangul = [h for h, _ in rows]
    mr = [m for _, m in rows]
    dprk = [romanize_dprk(h) for h in hangul]
    cyrillic = [hangul_to_cyrillic(h) for h in hangul]
    words = [w for m in dprk for w in m.split()]
    latin_keys("warm up the surname exceptions")
    print(f"{len(rows)} names, {len(words)} DPRK-style words\n")
    print(f"{'function':<42}{'µs/call':>10}")
    cold = [
        ("latin_keys(MR name), cold", lambda t: latin_keys(t), mr, korean_keys._latin_word_keys.cache_clear),
        (
            "latin_keys(DPRK word), cold",
            lambda t: latin_keys(t),
            words,
            korean_keys._latin_word_keys.cache_clear,
        ),
        (
            "cyrillic_keys(Kontsevich name), cold",
            cyrillic_keys,
            cyrillic,
            kontsevich._cyrillic_word_keys.cache_clear,
        ),
    ]
    for label, fn, inputs, clear in cold:
        print(f"{label:<42}{_cold(fn, inputs, clear):>10.1f}")
    warm: list[tuple[str, Callable[[str], object], list[str]]] = [
        ("latin_keys(MR name), warm", latin_keys, mr),
        ("latin_keys(DPRK word), warm", latin_keys, words),
        ("cyrillic_keys(Kontsevich name), warm", cyrillic_keys, cyrillic),
        ("hangul_keys(Hangul name)", hangul_keys, hangul),
        ("korean_name_keys(Hangul name)", korean_name_keys, hangul),
        ("korean_name_keys(MR name), warm", korean_name_keys, mr),
        ("romanize_mr", romanize_mr, hangul),
        ("romanize_dprk", romanize_dprk, hangul),
        ("romanize_rr", romanize_rr, hangul),
        ("hangul_to_cyrillic", hangul_to_cyrillic, hangul),
        ("hanja_to_hangul(金正恩)", hanja_to_hangul, ["金正恩", "李雪主", "崔龍海"] * 400),
    ]
    for label, fn, inputs in warm:
        print(f"{label:<42}{_per_call(fn, inputs):>10.1f}")


if __name__ == "__main__":
    main()
