"""A store loaded with every shared list, as `accomplice load all` (and `make run`) loads it.

Most tests load a chosen few lists; users load them all, and some answers only go wrong then (a firm
crowded out of the candidates by the EU Russia lists' Chinese companies, issue 10). Loading and indexing
everything takes a minute, so it is done once per test process and shared read-only; a test that writes
works on `copy_of_store` of it.
"""

from __future__ import annotations

from pathlib import Path

from accomplice import services
from accomplice.store import Store, open_store


def build_all_lists_store(path: Path, raw_dir: Path) -> Store:
    """Load every list of the shared catalogue into a new SQLite file and build its screening index.

    The index is built through `services.screening_index`, which caches it by store URL: every service,
    CLI command and app opened on the same URL in this process then screens with it at no further cost.
    """
    store = open_store(f"sqlite:///{path}")
    reports = services.load_shared(store, raw_dir)
    if len(reports) != len(services.SHARED_CATALOGUE):
        loaded = {str(r.list_name) for r in reports}
        raise AssertionError(f"only {len(reports)} of the shared lists were found in {raw_dir}: {loaded}")
    services.screening_index(store)
    return store
