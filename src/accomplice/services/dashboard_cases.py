"""The dashboards' §321(b) enforcement charts: cases by fiscal year, industry and origin, per status.

Aggregates only (the counts CBP's public UFLPA dashboard shows), from services.case_stats, which counts
again only when a case changed: public, as the case statistics page is.
"""

from __future__ import annotations

from collections.abc import Sequence

from accomplice.render import ChartSeries
from accomplice.services.auth import Principal
from accomplice.services.case_stats import DIMENSION_LABELS, STATUSES, case_statistics
from accomplice.services.dashboards import Chart, ChartProvider
from accomplice.store import Store

__all__ = ["CASE_CHART_PROVIDERS"]

NOTE = (
    "Cases under CAATSA §321(b), by where each stands (a detained case counts as detained and by its "
    "outcome; released, excluded and seized are final). Aggregates only."
)


def _by(dimension: str, title: str) -> ChartProvider:
    def build(store: Store, principal: Principal) -> Chart:
        buckets = case_statistics(store).by[dimension]
        series = tuple(
            ChartSeries(status, tuple(float(b.cases[status]) for b in buckets)) for status in STATUSES
        )
        return Chart(
            f"cases-by-{dimension.replace('_', '-')}",
            title,
            "grouped",
            DIMENSION_LABELS[dimension],
            tuple(b.key for b in buckets),
            series,
            NOTE,
        )

    return ChartProvider(f"cases-by-{dimension.replace('_', '-')}", title, "cases", None, build)


CASE_CHART_PROVIDERS: Sequence[ChartProvider] = (
    _by("fiscal_year", "§321(b) cases per fiscal year, by status"),
    _by("hs_section", "§321(b) cases per industry (HS section), by status"),
    _by("origin", "§321(b) cases per country of origin, by status"),
)
