"""The designation charts (public: they count public list entries): designations per year by list, of
North Korea programmes, of Chinese and of Russian targets; entries per programme; and the gap between the
UN list and the OFAC, EU and UK lists over time. Plus an organisation's own screening and monitoring
activity (its staff only).

Year of a designation: the listing date the list publishes (`createdAt`: the UN's "listed on", the EU's
and UK's designation dates). OFAC's SDN files carry no listing date; their entries are counted under
"no date" rather than under the year this store first saw them, which would be the import's year.
The numbers are computed once per store content (its generation) and kept.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from accomplice.errors import InputError
from accomplice.render import ChartSeries
from accomplice.services.auth import Permission, Principal, require
from accomplice.services.dashboards import Chart, ChartProvider
from accomplice.services.list_twins import list_twins
from accomplice.store import Store
from accomplice.store.oversight_stats import Listing, listings, org_activity

__all__ = [
    "AUTHORITIES",
    "DATES_NOTE",
    "LIST_CHART_PROVIDERS",
    "country_is",
    "designation_listings",
    "is_dprk",
    "year_chart",
]

# The four authorities whose lists the dashboards compare, and the store's lists of each.
AUTHORITIES: dict[str, tuple[str, ...]] = {
    "UN": ("un",),
    "OFAC": ("ofac", "ofac_cons"),
    "EU": ("eu_prk", "eu_rus", "eu_ukr"),
    "UK": ("uk",),
}
NO_DATE = "no date"
# The programme ids that are North Korea's on each list (UN "DPRK", OFAC DPRK..DPRK4 and NKSPEA, ...).
DPRK_PROGRAM_MARKS = ("DPRK", "PRK", "North Korea")
# Programmes shown in the per-programme chart; the rest are summed as "other".
TOP_PROGRAMS = 12
# Store contents kept (per generation): one per store in practice, a second while a new version lands.
MAX_CACHED = 4

_CACHE: OrderedDict[tuple[str, str], list[Listing]] = OrderedDict()
_LOCK = threading.Lock()


def _authority(list_name: str) -> str | None:
    return next((a for a, names in AUTHORITIES.items() if list_name in names), None)


def designation_listings(store: Store) -> list[Listing]:
    """Every entry of the four authorities' lists, cached per store content."""
    mark = (store.url, store.generation())
    with _LOCK:
        found = _CACHE.get(mark)
        if found is None:
            found = listings(store, [n for names in AUTHORITIES.values() for n in names])
            _CACHE[mark] = found
        _CACHE.move_to_end(mark)
        while len(_CACHE) > MAX_CACHED:
            _CACHE.popitem(last=False)
        return found


def _year(listing: Listing) -> str:
    return listing.listed_on[:4] if listing.listed_on else NO_DATE


def _by_year(chosen: Iterable[Listing]) -> tuple[list[str], list[ChartSeries]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for listing in chosen:
        authority = _authority(listing.list_name)
        if authority is not None:
            counts[authority][_year(listing)] += 1
    years = sorted({y for c in counts.values() for y in c if y != NO_DATE})
    if any(NO_DATE in c for c in counts.values()):
        years.append(NO_DATE)
    series = []
    for authority in AUTHORITIES:
        series.append(ChartSeries(authority, tuple(float(counts[authority][y]) for y in years)))
    return years, series


def is_dprk(listing: Listing) -> bool:
    return listing.list_name == "eu_prk" or any(
        mark.lower() in p.lower() for p in listing.programs for mark in DPRK_PROGRAM_MARKS
    )


DATES_NOTE = (
    "Year: the listing date each list publishes (UN, EU, UK). OFAC's files give none: its entries are "
    "under 'no date'. Entries ever listed in the loaded versions, including those since removed."
)


def year_chart(
    store: Store,
    chart_id: str,
    title: str,
    keep: Callable[[Listing], bool],
    note: str,
    as_of: str | None = None,
) -> Chart:
    """Entries kept by `keep` per listing year and authority; with `as_of`, only those listed by then
    (undated entries stay under "no date")."""
    chosen = (
        x
        for x in designation_listings(store)
        if keep(x) and (as_of is None or not x.listed_on or x.listed_on <= as_of)
    )
    years, series = _by_year(chosen)
    return Chart(chart_id, title, "grouped", "year", tuple(years), tuple(series), note)


def _year_chart(
    chart_id: str, title: str, keep: Callable[[Listing], bool], note: str
) -> Callable[..., Chart]:
    def build(store: Store, principal: Principal) -> Chart:
        return year_chart(store, chart_id, title, keep, note)

    return build


def _programs(store: Store, principal: Principal) -> Chart:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for listing in designation_listings(store):
        authority = _authority(listing.list_name)
        if authority is None or not listing.is_current:
            continue
        for program in listing.programs or {"(none)"}:
            counts[program][authority] += 1
    ranked = sorted(counts, key=lambda p: (-sum(counts[p].values()), p))
    top, rest = ranked[:TOP_PROGRAMS], ranked[TOP_PROGRAMS:]
    categories = [*top, "other"] if rest else top
    series = [
        ChartSeries(
            a,
            tuple(
                float(counts[c][a] if c != "other" else sum(counts[p][a] for p in rest)) for c in categories
            ),
        )
        for a in AUTHORITIES
    ]
    note = (
        f"Entries listed now, by the programme the list names; the {TOP_PROGRAMS} largest, the rest as other."
    )
    return Chart(
        "designations-by-program",
        "Entries per programme, by list",
        "grouped",
        "programme",
        tuple(categories),
        tuple(series),
        note,
    )


def _gap(store: Store, principal: Principal) -> Chart:
    dprk = [x for x in designation_listings(store) if is_dprk(x)]
    twins = list_twins(store, [x.key for x in dprk])
    un_keys = {x.key for x in dprk if x.list_name == "un"}

    def on_other_lists(key: str) -> bool:
        return any(t != key and not t.startswith("un:") for t in twins.get(key, ()))

    def on_un(key: str) -> bool:
        return any(t in un_keys or t.startswith("un:") for t in twins.get(key, ()) if t != key)

    un_only = Counter(_year(x) for x in dprk if x.list_name == "un" and not on_other_lists(x.key))
    un_shared = Counter(_year(x) for x in dprk if x.list_name == "un" and on_other_lists(x.key))
    national_only = Counter(
        _year(x) for x in dprk if x.list_name != "un" and x.listed_on and not on_un(x.key)
    )
    undated = sum(1 for x in dprk if x.list_name != "un" and not x.listed_on and not on_un(x.key))
    years = sorted({*un_only, *un_shared, *national_only} - {NO_DATE})

    def cumulative(c: Counter[str]) -> tuple[float, ...]:
        running, out = 0.0, []
        for y in years:
            running += c[y]
            out.append(running)
        return tuple(out)

    series = (
        ChartSeries("UN-listed, on no OFAC/EU/UK list", cumulative(un_only)),
        ChartSeries("UN-listed, also OFAC/EU/UK", cumulative(un_shared)),
        ChartSeries("EU/UK-listed, not UN-listed", cumulative(national_only)),
    )
    note = (
        "North Korea programmes only; running totals by listing year. Entries are matched across lists as "
        "screening clusters them (UN reference, identifiers, exact names). "
        f"OFAC's DPRK entries without a UN twin, undated in its files, are not in the lines: {undated}."
    )
    return Chart(
        "designation-gap",
        "The designation gap: UN and national lists (DPRK)",
        "line",
        "year",
        tuple(years),
        series,
        note,
    )


def _activity(store: Store, principal: Principal) -> Chart:
    """The principal's organisation's jobs, screened rows, watchlist entries and alerts per month."""
    if not (principal.can(Permission.JOBS) or principal.can(Permission.WATCHLISTS)):
        require(principal, Permission.WATCHLISTS)
    scope = principal.org_scope
    if scope is None:  # the enforcement side: its own work, kept without an organisation, or an org's
        months = org_activity(store, principal.org, all_orgs=False)
        whose = principal.org or "the enforcement side (no organisation)"
    else:
        if not scope:
            raise InputError("org", "your account belongs to no organisation")
        org = next(iter(scope))
        months = org_activity(store, org, all_orgs=False)
        whose = org
    categories = tuple(m.month for m in months)
    series = (
        ChartSeries("batch jobs", tuple(float(m.jobs) for m in months)),
        ChartSeries("rows screened", tuple(float(m.rows_screened) for m in months)),
        ChartSeries("rows with matches", tuple(float(m.rows_with_matches) for m in months)),
        ChartSeries("watchlist entries added", tuple(float(m.watchlist_entries) for m in months)),
        ChartSeries("alerts raised", tuple(float(m.alerts) for m in months)),
    )
    return Chart(
        "screening-activity",
        f"Screening and monitoring of {whose}",
        "grouped",
        "month",
        categories,
        series,
        "Your organisation's own jobs, watchlists and alerts, per month.",
    )


def country_is(code: str) -> Callable[[Listing], bool]:
    return lambda x: code in x.countries


_PROVIDERS: Sequence[ChartProvider] = (
    ChartProvider(
        "designations-by-year",
        "Designations per year, by list",
        "designations",
        None,
        _year_chart("designations-by-year", "Designations per year, by list", lambda x: True, DATES_NOTE),
    ),
    ChartProvider(
        "designations-dprk",
        "North Korea programme designations per year",
        "designations",
        None,
        _year_chart("designations-dprk", "North Korea programme designations per year", is_dprk, DATES_NOTE),
    ),
    ChartProvider(
        "designations-china",
        "Chinese targets designated per year",
        "designations",
        None,
        _year_chart(
            "designations-china",
            "Chinese targets designated per year",
            country_is("cn"),
            DATES_NOTE + " Chinese: a country, nationality or citizenship of China (cn).",
        ),
    ),
    ChartProvider(
        "designations-russia",
        "Russian targets designated per year",
        "designations",
        None,
        _year_chart(
            "designations-russia",
            "Russian targets designated per year",
            country_is("ru"),
            DATES_NOTE + " Russian: a country, nationality or citizenship of Russia (ru).",
        ),
    ),
    ChartProvider(
        "designations-by-program", "Entries per programme, by list", "designations", None, _programs
    ),
    ChartProvider("designation-gap", "The designation gap between lists", "designations", None, _gap),
    ChartProvider(
        "screening-activity",
        "Your organisation's screening and monitoring",
        "activity",
        None,
        _activity,
        login=True,
    ),
)
# The designation charts depend on the lists only: kept per store content (see ChartProvider.per_lists).
LIST_CHART_PROVIDERS: Sequence[ChartProvider] = tuple(
    replace(p, per_lists=p.group == "designations") for p in _PROVIDERS
)
