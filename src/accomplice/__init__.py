"""accomplice: screen, trace and document the enablers of North Korea's forced labour and sanctions evasion.

The public API is what `__all__` lists; everything else is internal and may change.
"""

from __future__ import annotations

import getpass
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from accomplice.errors import AccompliceError, InputError, NotFoundError, OfflineError
from accomplice.matching import Match
from accomplice.services import ScreeningRecord, ScreeningResult, load_list, load_shared
from accomplice.services.hooks import (
    register_chart_providers,
    register_dossier_providers,
    register_post_import_hooks,
)
from accomplice.store import Store, open_store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__version__ = "0.1.0"

# The application is assembled here, before any entry point (library, CLI, API, pages) can load a list:
# a new list version re-screens the watchlists whichever of them loaded it.
register_post_import_hooks()
# The dashboards' charts, of every area, registered once for every entry point.
register_chart_providers()
register_dossier_providers()

__all__ = [
    "AccompliceError",
    "InputError",
    "Match",
    "NotFoundError",
    "OfflineError",
    "ScreeningRecord",
    "ScreeningResult",
    "Store",
    "__version__",
    "load_list",
    "load_shared",
    "open_store",
    "screen",
    "screen_name",
    "trace",
]


def screen(
    records: Iterable[ScreeningRecord | dict[str, object]],
    *,
    store: Store | None = None,
    threshold: float | None = None,
    limit: int = 10,
    engine: str = "local",
    spark: SparkSession | None = None,
) -> list[ScreeningResult]:
    """Screen records (dicts with `name` and optional `id`, `schema`, `birth_date`, `nationality`, `imo`).

    Results come in input order, each with the matches at or above the threshold, best first, and the
    explanation of every match. `engine="spark"` screens them on Apache Spark (`spark`: a SparkSession,
    default the active one or a local one) with the same results: the store's persisted index ships to
    the executors (docs/spark.md; `pip install 'accomplice[spark]'`).
    """
    from accomplice import services

    store = store or open_store()
    items = [services.as_record(item, i) for i, item in enumerate(records, start=1)]
    if engine == "spark":
        from accomplice.batch.spark import spark_session
        from accomplice.services.screening_spark import screen_records_on_spark

        session = spark or spark_session()
        return screen_records_on_spark(session, store, items, threshold=threshold, limit=limit)
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r}; use local or spark")
    index = services.screening_index(store)
    return list(services.screen_records(index, items, threshold=threshold, limit=limit, workers=1))


def screen_name(
    name: str,
    *,
    store: Store | None = None,
    threshold: float | None = None,
    schema: str | None = None,
    birth_date: str | None = None,
    nationality: str | None = None,
    imo: str | None = None,
) -> list[Match]:
    """Screen one name: `screen_name("김정은")` or `screen_name("JI SONG 6", schema="Vessel", imo="...")`."""
    from accomplice import services

    index = services.screening_index(store or open_store())
    record = services.ScreeningRecord("1", name, schema, birth_date, nationality, imo)
    return services.screen_record(index, record, threshold=threshold)


def trace(
    shipments: str | Path,
    *,
    store: Store | None = None,
    max_paths: int = 3,
    user: str | None = None,
) -> list[dict[str, object]]:
    """Import a file of shipments (CSV, XLSX or JSONL; a no-op if already imported) and trace each one
    under CAATSA §321(b): `flagged`, `reasons`, dated evidence `paths` with their sources, and the
    rebuttal checklist, exactly as `accomplice trace FILE` writes them (docs/exposure-data.md)."""
    from accomplice.services import exposure

    out = io.StringIO()
    exposure.trace_file(
        store or open_store(), shipments, out, user=user or getpass.getuser(), max_paths=max_paths
    )
    return [json.loads(line) for line in out.getvalue().splitlines()]
