"""Shared helpers for the benchmark scripts: data paths, bench stores, fixtures, metrics, tables."""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from accomplice import services
from accomplice.settings import get_settings
from accomplice.store import Store, open_store

OUT = Path(__file__).resolve().parent / "out"
RAW = get_settings().raw_dir
FIXTURES = RAW / "names" / "screening_fixtures"
SEED = 20261128


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"missing benchmark input {path}; set ACCOMPLICE_SHARED to the shared folder")
    return path


def bench_store(name: str, catalogue: Sequence[services.SharedListFile]) -> Store:
    """A SQLite store under bench/out holding exactly `catalogue`, rebuilt when the catalogue changes."""
    OUT.mkdir(exist_ok=True)
    digest = hashlib.sha256(json.dumps([c.path for c in catalogue]).encode()).hexdigest()[:12]
    path = OUT / f"{name}-{digest}.db"
    if not path.exists():
        # Build beside the final name and rename on success, so a failed build never looks complete.
        building = path.with_suffix(".building")
        for leftover in OUT.glob(building.name + "*"):
            leftover.unlink()
        started = time.perf_counter()
        store = open_store(f"sqlite:///{building}")
        services.load_shared(store, RAW, catalogue=catalogue)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        building.rename(path)
        print(f"built {path.name} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return open_store(f"sqlite:///{path}")


def un_only() -> list[services.SharedListFile]:
    return [c for c in services.SHARED_CATALOGUE if c.format == "un"]


def all_lists() -> list[services.SharedListFile]:
    return list(services.SHARED_CATALOGUE)


@dataclass(frozen=True, slots=True)
class FixtureRow:
    row: int
    name: str
    birth_date: str
    nationality: str
    schema: str = "Person"


def read_fixture(name: str) -> list[FixtureRow]:
    path = require(FIXTURES / name)
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            FixtureRow(i, r["full_name"], r.get("date_of_birth", ""), r.get("nationality", ""))
            for i, r in enumerate(csv.DictReader(handle))
        ]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, predicted: bool, actual: bool) -> None:
        if predicted and actual:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif actual:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Table:
    headers: Sequence[str]
    rows: list[Sequence[object]] = field(default_factory=list)

    def add(self, *row: object) -> None:
        self.rows.append(row)

    def markdown(self) -> str:
        def cell(value: object) -> str:
            return f"{value:.3f}" if isinstance(value, float) else str(value)

        lines = ["| " + " | ".join(self.headers) + " |", "|" + "---|" * len(self.headers)]
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines)


SCRIPT_PATTERNS = {
    "hangul": re.compile(r"[\uac00-\ud7a3]"),
    "kana": re.compile(r"[\u3040-\u30ff]"),
    "han": re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]"),
    "cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "latin": re.compile(r"[A-Za-zÀ-ɏ]"),
}


def script_of(text: str) -> str:
    for script, pattern in SCRIPT_PATTERNS.items():
        if pattern.search(text):
            return script
    return "other"


def rigour_groups() -> Iterator[list[str]]:
    path = require(RAW / "names" / "cross_script_equivalents" / "rigour_1.5.0_persons.txt")
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            names, _, _qid = line.rstrip("\n").rpartition(" => ")
            forms = [n.strip() for n in names.split(", ") if n.strip()]
            if len(forms) > 1:
                yield forms


def cross_script_pairs(
    script: str, positives: int, negatives_per_positive: int = 3
) -> list[tuple[str, str, bool]]:
    """Same-group (script, Latin) pairs as positives; pairs across groups as negatives. Seeded."""
    rng = random.Random(f"{SEED}:{script}")
    groups = []
    for forms in rigour_groups():
        scripted = [f for f in forms if script_of(f) == script]
        latin = [f for f in forms if script_of(f) == "latin"]
        if scripted and latin:
            groups.append((scripted, latin))
    rng.shuffle(groups)
    chosen = groups[:positives]
    pairs = [(rng.choice(s), rng.choice(lat), True) for s, lat in chosen]
    for s, _ in chosen:
        for _ in range(negatives_per_positive):
            _, other_latin = groups[rng.randrange(len(groups))]
            pairs.append((rng.choice(s), rng.choice(other_latin), False))
    return pairs


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def chunked(items: Sequence[object], size: int) -> Iterable[Sequence[object]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
