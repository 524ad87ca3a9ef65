"""Batch jobs: what running a file as a server job costs beside `accomplice screen` on the same file.

    .venv/bin/python bench/bench_jobs.py [--rows 10000] [--db URL]

- Baseline (same run): `services.screen_file` — the CLI's path — screening the file into JSONL, in
  process, one worker, with the same screening index.
- Job: the same file submitted as a job and run by `JobWorker` in this thread: the whole-file check at
  submission, then screening with results and progress written to the store every
  `PROGRESS_EVERY_ROWS` rows (one transaction each), then the JSONL download streamed from the store.
- The file: real names from the shared screening fixtures, one in ten a UN-listed name (clean or treated),
  the others clean names of many scripts, `--rows` of them, as CSV with id,name,birth_date,nationality.
- Order: baseline, job, baseline again (the first pass warms caches such as country-name lookups); the
  table shows both baseline passes and compares the job with the faster one.
- The store: by default the DPRK lists of OFAC, UN, EU and UK in SQLite under bench/out (built once);
  `--db` names another store that holds lists (e.g. PostgreSQL after `accomplice load`).
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accomplice import services
from accomplice.services import jobs as job_services
from accomplice.services.auth import operator_principal
from accomplice.store import open_store
from common import OUT, Table, bench_store, read_fixture

DPRK_LISTS = (
    services.SharedListFile("ofac", "ofac/2023-12-28", data_date="2023-12-28"),
    services.SharedListFile("un", "un/un_consolidated_2026-02-27.xml"),
    services.SharedListFile("eu", "eu/eu_journal_consolidated_32017R1509.csv"),
    services.SharedListFile("uk", "uk/hmt_conlist_2018-04-13.csv"),
)


# One row in this many is a UN-listed name (clean or treated), the rest clean names: a supplier file with
# a few hits, as screening teams see them.
POSITIVE_EVERY = 10


def names_file(rows: int) -> bytes:
    negatives = itertools.cycle(read_fixture("negatives_global.csv"))
    positives = itertools.cycle(
        read_fixture("positives_un_untreated.csv") + read_fixture("positives_un_treated.csv")
    )
    people = (next(positives) if i % POSITIVE_EVERY == 0 else next(negatives) for i in itertools.count())
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["id", "name", "birth_date", "nationality"])
    for i, p in enumerate(itertools.islice(people, rows)):
        writer.writerow([i, p.name, p.birth_date, p.nationality])
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--db", help="store URL (default: DPRK lists in SQLite under bench/out)")
    args = parser.parse_args()
    store = open_store(args.db) if args.db else bench_store("jobs-dprk", DPRK_LISTS)
    started = time.perf_counter()
    index = services.screening_index(store)
    print(f"index: {index.entities:,} entities in {time.perf_counter() - started:.1f}s", file=sys.stderr)

    data = names_file(args.rows)
    OUT.mkdir(exist_ok=True)
    source = OUT / f"jobs-{args.rows}.csv"
    source.write_bytes(data)

    def baseline() -> tuple[services.ScreenFileReport, str, float]:
        out = io.StringIO()
        started = time.perf_counter()
        report = services.screen_file(store, source, out, workers=1, index=index)
        return report, out.getvalue(), time.perf_counter() - started

    report, baseline_text, first_s = baseline()

    principal = operator_principal("bench")
    started = time.perf_counter()
    job = job_services.submit_job(store, principal, file_name=source.name, data=data)
    submit_s = time.perf_counter() - started
    worker = job_services.JobWorker(store)
    started = time.perf_counter()
    assert worker.run_next(), "the job was not claimed"
    run_s = time.perf_counter() - started
    done = job_services.get_job(store, principal, job.id)
    assert done.state == "done", done
    started = time.perf_counter()
    downloaded = "".join(job_services.result_lines(store, principal, job.id, "jsonl"))
    download_s = time.perf_counter() - started
    _, again_text, second_s = baseline()
    baseline_s = min(first_s, second_s)
    identical = downloaded == baseline_text == again_text

    table = Table(["path", "rows", "seconds", "rows/s", "note"])
    for label, seconds in (("first pass", first_s), ("second pass", second_s)):
        table.add(
            f"screen_file, CLI path ({label})", report.rows, seconds, f"{report.rows / seconds:,.0f}", ""
        )
    table.add("job: submit (whole-file check, store)", done.rows_total, submit_s, "", f"{len(data):,} bytes")
    table.add(
        "job: worker run",
        done.rows_done,
        run_s,
        f"{done.rows_done / run_s:,.0f}",
        f"{(run_s - baseline_s) / done.rows_done * 1000:+.2f} ms/row vs the faster baseline pass",
    )
    table.add("job: JSONL download", done.rows_done, download_s, f"{done.rows_done / download_s:,.0f}", "")
    print(
        f"store: {store.backend}; rows with matches {done.rows_with_matches:,}; JSONL identical: {identical}"
    )
    print(table.markdown())
    if not identical:
        sys.exit("the job's JSONL differs from screen_file's")


if __name__ == "__main__":
    main()
