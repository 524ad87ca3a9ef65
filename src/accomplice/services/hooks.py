"""The use cases that react to another's events, wired together where the application is assembled.

`lists.load_list` runs POST_IMPORT_HOOKS after a new list version lands, without knowing who listens;
this module says who does (monitoring re-screens the watchlists). `accomplice/__init__.py` calls
`register_post_import_hooks()` once, so every entry point (the library, the CLI, the API and the pages,
the tests) loads lists with the same hooks, and no module registers itself as a side effect of its import.
"""

from __future__ import annotations

from accomplice.services.dashboard_cases import CASE_CHART_PROVIDERS
from accomplice.services.dashboard_incidents import INCIDENT_CHART_PROVIDERS
from accomplice.services.dashboard_lists import LIST_CHART_PROVIDERS
from accomplice.services.dashboards import CHART_PROVIDERS, ChartProvider, register_chart_provider
from accomplice.services.dossier_incidents import INCIDENTS_AREA, incident_claims
from accomplice.services.dossier_providers import ProviderFactory, register_provider
from accomplice.services.lists import POST_IMPORT_HOOKS, PostImportHook
from accomplice.services.monitor import rescreen_after_import

# In the order they run after an import.
APPLICATION_HOOKS: tuple[PostImportHook, ...] = (rescreen_after_import,)


def register_post_import_hooks() -> None:
    """Register the application's post-import hooks; calling it again registers none twice."""
    for hook in APPLICATION_HOOKS:
        if hook not in POST_IMPORT_HOOKS:
            POST_IMPORT_HOOKS.append(hook)


# -- dashboards -------------------------------------------------------------------------------------------
# Chart providers of every area, in the order the dashboards show them. Cases and incidents add theirs here
# (e.g. `*CASE_CHART_PROVIDERS` from services.cases), so that services.dashboards imports no area.

APPLICATION_CHARTS: tuple[ChartProvider, ...] = (
    *LIST_CHART_PROVIDERS,
    *CASE_CHART_PROVIDERS,
    *INCIDENT_CHART_PROVIDERS,
)


def register_chart_providers() -> None:
    """Register the application's chart providers; calling it again registers none twice."""
    for provider in APPLICATION_CHARTS:
        if provider.id not in CHART_PROVIDERS:
            register_chart_provider(provider)


# Evidence providers of the areas built on dossiers' own (lists, exposure, enforcement actions), by area.
APPLICATION_DOSSIER_PROVIDERS: tuple[tuple[str, ProviderFactory], ...] = ((INCIDENTS_AREA, incident_claims),)


def register_dossier_providers() -> None:
    """Register every area's dossier evidence provider (again: replaces, never doubles)."""
    for area, factory in APPLICATION_DOSSIER_PROVIDERS:
        register_provider(area, factory)
