"""Oversight: the dashboards over every shared list, the tracker's pages and a brief's PDF.

Takes a store loaded with every shared list (`accomplice load all`, or the path given), loads the COI
tracker into it, then times through the app (TestClient, as a browser would ask):

- each chart's JSON the first time (computed from the statements) and again (kept per store content);
- the /stats page (every public chart, SVG and tables), /coi and /coi/items/90a, warm;
- `accomplice brief --topic china` as PDF, and as DOCX.

    .venv/bin/python bench/bench_oversight.py --db sqlite:////path/to/all.db
"""

from __future__ import annotations

import argparse
import statistics
import time

from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.services import briefs, dashboards, oversight
from accomplice.services.auth import ANONYMOUS, operator_principal
from accomplice.settings import get_settings
from accomplice.store import open_store

ROUNDS = 5


def _median_ms(run: object, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a store with every shared list (accomplice load all)")
    args = parser.parse_args()
    store = open_store(args.db)
    operator = operator_principal("bench")
    coi = get_settings().shared_dir / "data" / "accountability" / "coi_recommendations.json"
    oversight.load_coi(store, operator, coi)
    print(f"store {store.url} ({store.backend}), {sum(i.current_entities for i in store.lists()):,} entities")
    for provider in dashboards.chart_providers(ANONYMOUS):
        started = time.perf_counter()
        dashboards.chart(store, ANONYMOUS, provider.id)
        cold = (time.perf_counter() - started) * 1000
        warm = _median_ms(lambda p=provider: dashboards.chart(store, ANONYMOUS, p.id))
        print(f"chart {provider.id:28} first {cold:9.1f} ms   again {warm:7.1f} ms")
    with TestClient(create_app(store, warm_index=False)) as client:
        for path in ("/stats", "/coi", "/coi/items/90a", "/api/stats/designations-china", "/coi/report"):
            client.get(path)
            print(f"page {path:32} {_median_ms(lambda p=path: client.get(p)):9.1f} ms (median of {ROUNDS})")
    made = briefs.make_brief(store, operator, "china", "2026-12-01")
    started = time.perf_counter()
    pdf = briefs.brief_pdf(briefs.make_brief(store, operator, "china", "2026-12-01"))
    print(f"brief china PDF {(time.perf_counter() - started):6.2f} s ({len(pdf):,} bytes)")
    started = time.perf_counter()
    docx = briefs.brief_docx(made)
    print(f"brief china DOCX {(time.perf_counter() - started):5.2f} s ({len(docx):,} bytes)")
    store.close()


if __name__ == "__main__":
    main()
