"""The Russian skeleton: speed per word, invariance under each scheme, agreement on rigour's groups.

Run: .venv/bin/python bench/bench_russian_skeleton.py
Baseline in the same run: the plain key a matcher would otherwise use, the ICAO 9303 transliteration of
Cyrillic (what a Russian passport prints) with accents stripped and lower-cased, Latin likewise folded.
Figures go to docs/names/russian.md.
"""

from __future__ import annotations

import re
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from accomplice.names.cyrillic import (
    BGN_PCGN,
    GOST_779,
    ICAO_9303,
    MVD_782,
    WIKIPEDIA,
    has_cyrillic,
    russian_skeleton,
    scheme_names,
    skeleton_word,
    transliterate,
)
from accomplice.settings import get_settings

RUSSIAN_WORD = re.compile(r"^[а-яё]+$")
CYRILLIC = re.compile("[\u0400-\u04ff]")
LATIN_FORM = re.compile(r"^[a-zà-ɏ'’\- ]+$")
ORIGIN_SCHEMES = (BGN_PCGN, ICAO_9303, WIKIPEDIA, MVD_782, GOST_779)


def plain_key(text: str) -> str:
    if has_cyrillic(text):
        text = transliterate(text, ICAO_9303)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if c.isascii() and (c.isalnum() or c == " ")).split())


def _groups(raw: Path) -> list[list[str]]:
    path = raw / "names" / "cross_script_equivalents" / "rigour_1.5.0_persons.txt"
    if not path.exists():
        sys.exit(f"missing benchmark input {path}; set ACCOMPLICE_SHARED to the shared folder")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        names, sep, _ = line.rpartition("=>")
        if sep:
            out.append([f.strip() for f in names.split(",") if f.strip()])
    return out


def speed(words: list[str]) -> None:
    raw_fn = skeleton_word.__wrapped__
    start = time.perf_counter()
    for w in words:
        raw_fn(w)
    cold = (time.perf_counter() - start) / len(words) * 1e6
    for w in words:
        skeleton_word(w)
    start = time.perf_counter()
    for w in words:
        skeleton_word(w)
    warm = (time.perf_counter() - start) / len(words) * 1e6
    print(f"skeleton_word: {cold:.1f} µs/word uncached, {warm:.2f} µs/word cached ({len(words)} words)")


def invariance(words: list[str]) -> None:
    print("share of rigour's Russian words whose skeleton survives transliteration (plain key in brackets):")
    for name in scheme_names():
        kept = plain = 0
        for w in words:
            latin = transliterate(w, name)
            kept += skeleton_word(latin) == skeleton_word(w)
            plain += plain_key(latin) == plain_key(w)
        print(f"  {name:<16} {kept / len(words):7.2%}   [{plain / len(words):7.2%}]")


def agreement(groups: list[list[str]], key: Callable[[str], str], label: str) -> None:
    pairs = []
    for g in groups:
        cyr = [f for f in g if CYRILLIC.search(f)]
        lat = [f for f in g if LATIN_FORM.match(f)]
        if cyr and lat:
            pairs.append((cyr, lat))
    ok = russian = russian_ok = 0
    true: set[tuple[str, str]] = set()
    by_cyr: dict[str, set[str]] = defaultdict(set)
    by_lat: dict[str, set[str]] = defaultdict(set)
    for cyr, lat in pairs:
        lk = {key(x) for x in lat}
        hit = any(key(c) in lk for c in cyr)
        ok += hit
        origin = {plain_key(transliterate(c, s)) for c in cyr for s in ORIGIN_SCHEMES}
        if any(plain_key(x) in origin for x in lat):
            russian += 1
            russian_ok += hit
        for c in cyr:
            by_cyr[key(c)].add(c)
            true.update((c, x) for x in lat)
        for x in lat:
            by_lat[key(x)].add(x)
    n_cyr = len({c for s in by_cyr.values() for c in s})
    n_lat = len({x for s in by_lat.values() for x in s})
    false = sum(1 for k, cs in by_cyr.items() for c in cs for x in by_lat.get(k, ()) if (c, x) not in true)
    cross = n_cyr * n_lat - len(true)
    print(
        f"{label:<9} groups {len(pairs)}: agree {ok / len(pairs):.2%}; Russian-origin {russian}: "
        f"{russian_ok / russian:.2%}; false agreement {false}/{cross} = {false / cross:.2e}"
    )


def main() -> None:
    groups = _groups(get_settings().raw_dir)
    words = sorted({f for g in groups for f in g if RUSSIAN_WORD.match(f)})
    speed(words)
    invariance(words)
    agreement(groups, russian_skeleton, "skeleton")
    agreement(groups, plain_key, "baseline")


if __name__ == "__main__":
    main()
