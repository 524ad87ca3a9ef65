"""Time OfacCsv.parse on a real OFAC set, against the loader of an earlier commit, in the same run.

    .venv/bin/python bench/bench_ofac_parse.py                 # 2023-12-28 set, baseline 9752b85
    .venv/bin/python bench/bench_ofac_parse.py --runs 9 --baseline <commit> --set ofac/2024-05-03/sdn.csv

Each tree runs in its own process: one first ("cold") parse, which also builds FollowTheMoney's and
rigour's lookup tables (what `accomplice load ofac` pays, once per process), then `--runs` timed parses;
the table gives the minimum and median of wall-clock and CPU time. CPU time is the steadier figure on a
busy machine. The baseline tree is `git archive <commit> src`, imported in place of
this checkout's src.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The commit before the loader was profiled and hardened (GC pause, cached cleaning, one label pattern).
DEFAULT_BASELINE = "9752b85"
DEFAULT_SET = "ofac/2023-12-28"

CHILD = """
import json, statistics, sys, time
from pathlib import Path
from accomplice.sources import get_format

fmt = get_format("ofac")
plan = fmt.plan(Path(sys.argv[1]))
started, cpu_started = time.perf_counter(), time.process_time()
records = len(fmt.parse(plan).records)
cold, cold_cpu = time.perf_counter() - started, time.process_time() - cpu_started
wall, cpu = [], []
for _ in range(int(sys.argv[2])):
    w, c = time.perf_counter(), time.process_time()
    fmt.parse(plan)
    wall.append(time.perf_counter() - w)
    cpu.append(time.process_time() - c)
print(json.dumps({"records": records, "cold": cold, "cold_cpu": cold_cpu, "wall": wall, "cpu": cpu}))
"""


def measure(src: Path, data: Path, runs: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(data), str(runs)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    found = json.loads(done.stdout)
    return {
        "records": found["records"],
        "cold": found["cold"],
        "cold_cpu": found["cold_cpu"],
        "wall_min": min(found["wall"]),
        "wall_median": statistics.median(found["wall"]),
        "cpu_min": min(found["cpu"]),
        "cpu_median": statistics.median(found["cpu"]),
    }


def baseline_tree(commit: str, target: Path) -> Path:
    archive = target / "src.tar"
    with archive.open("wb") as handle:
        subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], stdout=handle, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", default=DEFAULT_SET, help="path under the shared raw data folder")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git commit to compare against")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from accomplice.settings import get_settings

    data = get_settings().raw_dir / args.set
    if not data.exists():
        sys.exit(f"missing benchmark input {data}; set ACCOMPLICE_SHARED to the shared folder")
    with tempfile.TemporaryDirectory() as tmp:
        old_src = baseline_tree(args.baseline, Path(tmp))
        started = time.perf_counter()
        rows = [(f"baseline {args.baseline}", measure(old_src, data, args.runs))]
        rows.append(("this checkout", measure(ROOT / "src", data, args.runs)))
    print(
        f"OfacCsv.parse on {args.set}, {args.runs} timed runs each (benchmark took "
        f"{time.perf_counter() - started:.0f}s)\n"
    )
    print(
        "| loader | records | first parse wall s | first parse CPU s | wall min s | wall median s "
        "| CPU min s | CPU median s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in rows:
        print(
            f"| {name} | {m['records']:,.0f} | {m['cold']:.2f} | {m['cold_cpu']:.2f} | {m['wall_min']:.2f} "
            f"| {m['wall_median']:.2f} | {m['cpu_min']:.2f} | {m['cpu_median']:.2f} |"
        )
    old, new = rows[0][1], rows[1][1]
    print(
        f"\nCPU min: {old['cpu_min'] / new['cpu_min']:.1f}x faster; "
        f"wall min: {old['wall_min'] / new['wall_min']:.1f}x faster"
    )


if __name__ == "__main__":
    main()
