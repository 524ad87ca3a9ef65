"""Dashboards: a registry of chart providers, each turning the store into one chart's numbers.

A provider says who may see its chart (`needs`: None for the public statistics, else a permission) and
builds a `Chart` — categories, named series and a note on what the numbers count — for a principal. Pages,
the API, CSV downloads and briefs all read the same `Chart`, so a figure, the table beside it, its CSV and
its JSON never disagree.

Providers of other areas (case statistics, incident counts) plug in through `register_chart_provider`,
called from `services.hooks.register_chart_providers` where the application is assembled, never on import.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from accomplice.errors import NotFoundError
from accomplice.render import ChartSeries, bar_chart_svg, chart_csv, grouped_bar_chart_svg, line_chart_svg
from accomplice.services.auth import Permission, Principal, require
from accomplice.store import Store

__all__ = [
    "CHART_PROVIDERS",
    "Chart",
    "ChartProvider",
    "chart",
    "chart_providers",
    "chart_svg",
    "chart_table_csv",
    "register_chart_provider",
]

KINDS = ("bar", "grouped", "line")


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    kind: str  # "bar" (one series), "grouped" (bars side by side) or "line"
    category_header: str  # what the categories are ("year", "month", "programme")
    categories: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    note: str = ""  # what is counted and what is not (e.g. lists that publish no listing date)

    def rows(self) -> list[tuple[str, tuple[float, ...]]]:
        return [(c, tuple(s.values[i] for s in self.series)) for i, c in enumerate(self.categories)]


@dataclass(frozen=True, slots=True)
class ChartProvider:
    id: str  # the chart's address: /stats/{id}, /api/stats/{id}
    title: str
    group: str  # the dashboard it shows on: "designations", "activity", "cases", "incidents"
    needs: Permission | None  # None: public (aggregates of public data or of published records only)
    build: Callable[[Store, Principal], Chart]
    # Needs a logged-in principal but no one permission (an organisation's own activity): checked by build.
    login: bool = False
    # The chart depends on the loaded lists only (and is the same for everyone): kept per store content
    # (`Store.generation()`), so a page asks the statements once per list import, not once per visit.
    per_lists: bool = False


CHART_PROVIDERS: dict[str, ChartProvider] = {}
_LOCK = threading.Lock()
# Charts kept (per_lists providers): every chart of a store or two.
MAX_KEPT_CHARTS = 64
_KEPT: OrderedDict[tuple[str, str, str], Chart] = OrderedDict()


def register_chart_provider(provider: ChartProvider) -> None:
    """Add (or replace, by id) a chart provider."""
    with _LOCK:
        CHART_PROVIDERS[provider.id] = provider


def _visible(provider: ChartProvider, principal: Principal) -> bool:
    if provider.needs is not None:
        return principal.can(provider.needs)
    return principal.is_authenticated if provider.login else True


def chart_providers(principal: Principal, group: str | None = None) -> list[ChartProvider]:
    """The providers whose charts `principal` may see (anonymous: the public ones), in registration order."""
    return [
        p for p in CHART_PROVIDERS.values() if _visible(p, principal) and (group is None or p.group == group)
    ]


def chart(store: Store, principal: Principal, chart_id: str) -> Chart:
    provider = CHART_PROVIDERS.get(chart_id)
    if provider is None:
        raise NotFoundError(f"no chart {chart_id!r}")
    if provider.needs is not None:
        require(principal, provider.needs)
    if not provider.per_lists:
        return provider.build(store, principal)
    mark = (store.url, store.generation(), chart_id)
    with _LOCK:
        kept = _KEPT.get(mark)
    if kept is None:
        kept = provider.build(store, principal)
        with _LOCK:
            _KEPT[mark] = kept
            while len(_KEPT) > MAX_KEPT_CHARTS:
                _KEPT.popitem(last=False)
    return kept


def chart_svg(c: Chart, *, width: int = 640, height: int = 260) -> str:
    if c.kind == "line":
        return line_chart_svg(c.categories, c.series, title=c.title, width=width, height=height)
    if c.kind == "bar" and len(c.series) == 1:
        points = list(zip(c.categories, c.series[0].values, strict=True))
        return bar_chart_svg(points, title=c.title, width=width, height=height)
    return grouped_bar_chart_svg(c.categories, c.series, title=c.title, width=width, height=height)


def chart_table_csv(c: Chart) -> str:
    return chart_csv(c.categories, c.series, category_header=c.category_header)
