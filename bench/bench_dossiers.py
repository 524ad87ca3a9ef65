"""Dossiers: time to build a dossier and render its PDF (50 claims, two figures); the candidate finder
over every shared list, today and back-dated, with the backtest figure.

Runs on a store loaded with every shared list (`accomplice --db URL load all`, given as --db); the PDF is
of the Mansudae group (ofac:20578), whose claims are repeated with distinct texts up to 50, and whose
supply paths are the exposure examples' if imported.

    .venv/bin/python bench/bench_dossiers.py --db sqlite:///build/dev.db
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any, TypeVar

from accomplice.services import candidates, dossier_documents, dossiers
from accomplice.services.auth import operator_principal
from accomplice.store import open_store

T = TypeVar("T")
CLAIMS = 50
KEY = "ofac:20578"


def _timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _padded(content: dict[str, Any], claims: int) -> dict[str, Any]:
    """The dossier with its claims repeated (distinct ids and texts) up to `claims`."""
    found = list(content["claims"])
    base = list(found)
    while len(found) < claims:
        item = dict(base[len(found) % len(base)])
        item["id"] = f"{item['id']}-{len(found)}"
        item["text"] = f"{item['text']} (copy {len(found)})"
        found.append(item)
    # The second figure needs supply-chain paths: the exposure examples' chain (tests/exposure_data), in case
    # the store holds no exposure data; drawing it is what is timed.
    paths = content["supply_paths"] or [
        {
            "nodes": [
                "Pacific Coast Seafood Importers LLC",
                "Qingdao Ocean Harvest Foods Co. Ltd.",
                "Dandong Haiyang Seafood Processing Co. Ltd.",
            ],
            "keys": ["party:a", "party:b", "party:c"],
            "hops": ["supplies", "supplies"],
            "reason": "labour evidence",
        }
    ]
    return {**content, "claims": found[:claims], "supply_paths": paths}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="store URL with every shared list loaded")
    args = parser.parse_args()
    store = open_store(args.db)
    principal = operator_principal("bench")
    seconds, built = _timed(lambda: dossiers.build_dossier(store, principal, KEY, "2024-05-03"))
    print(f"build dossier {KEY} as of 2024-05-03: {seconds:.2f} s ({len(built.dossier.claims)} claims)")
    content = _padded(dossiers.dossier_json(built), CLAIMS)
    bases = dossiers.basis_texts(content)
    seconds, pdf = _timed(lambda: dossier_documents.dossier_pdf(content, basis_texts=bases))
    print(f"PDF of {len(content['claims'])} claims and two figures: {seconds:.2f} s, {len(pdf):,} bytes")
    seconds, docx = _timed(lambda: dossier_documents.dossier_docx(content))
    print(f"DOCX: {seconds:.2f} s, {len(docx):,} bytes")
    for day in (None, "2023-12-28"):
        seconds, run = _timed(
            lambda day=day: candidates.find_candidates(store, principal, as_of=day, top=100)  # type: ignore[misc]
        )
        print(f"candidates as of {run.day}: {seconds:.2f} s, {run.considered:,} scored")
    seconds, result = _timed(
        lambda: candidates.backtest(store, principal, day="2023-12-28", later="2024-05-03", top=100)
    )
    print(
        f"backtest 2023-12-28 -> 2024-05-03: {result.found} of {result.added:,} additions in the top "
        f"{result.top} ({seconds:.2f} s)"
    )
    store.close()


if __name__ == "__main__":
    main()
