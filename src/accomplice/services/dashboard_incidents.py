"""The dashboards' incident charts: published records only, by act type and year, and by country.

Public pages show aggregates of published records alone (a restricted record is its team's until it is
reviewed and published: services.incidents.publish), so these charts read the public versions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from accomplice.render import ChartSeries
from accomplice.services.auth import Principal
from accomplice.services.dashboards import Chart, ChartProvider
from accomplice.services.incidents import public_incidents
from accomplice.store import Store

__all__ = ["INCIDENT_CHART_PROVIDERS"]

# Published records read per page while counting; the charts read them all.
PAGE = 500
NOTE = "Published incident records only (restricted records are not counted on public pages)."


def _published(store: Store) -> list[dict[str, object]]:
    records: list[dict[str, object]] = []
    while True:
        total, page = public_incidents(store, limit=PAGE, offset=len(records))
        records.extend(page)
        if not page or len(records) >= total:
            return records


def _year(record: dict[str, object]) -> str:
    start = str(record.get("date_start") or record.get("date") or "")
    return start[:4] if start[:4].isdigit() else "no date"


def _by_type_and_year(store: Store, principal: Principal) -> Chart:
    records = _published(store)
    years = sorted({_year(r) for r in records})
    kinds = sorted({str(r.get("type") or "other") for r in records})
    counts = Counter((str(r.get("type") or "other"), _year(r)) for r in records)
    series = tuple(ChartSeries(k, tuple(float(counts[(k, y)]) for y in years)) for k in kinds)
    return Chart(
        "incidents-by-type",
        "Published incidents per year, by act type",
        "grouped",
        "year",
        tuple(years),
        series,
        NOTE,
    )


def _by_country(store: Store, principal: Principal) -> Chart:
    counts = Counter(str(r.get("country") or "??").lower() for r in _published(store))
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return Chart(
        "incidents-by-country",
        "Published incidents by country",
        "bar",
        "country",
        tuple(c for c, _ in ordered),
        (ChartSeries("incidents", tuple(float(n) for _, n in ordered)),),
        NOTE,
    )


INCIDENT_CHART_PROVIDERS: Sequence[ChartProvider] = (
    ChartProvider(
        "incidents-by-type", "Published incidents per year, by act type", "incidents", None, _by_type_and_year
    ),
    ChartProvider("incidents-by-country", "Published incidents by country", "incidents", None, _by_country),
)
