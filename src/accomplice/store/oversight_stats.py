"""Aggregate reads for the oversight dashboards: every listing with its listing year, target countries
and programmes (from the statements of its own list), and an organisation's screening and monitoring
activity per month. Read-only; both backends."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from accomplice.store.clock import aware
from accomplice.store.schema import entity_lists, list_versions, statements
from accomplice.store.schema_jobs import jobs
from accomplice.store.schema_monitor import monitor_alerts, watchlist_entries, watchlists
from accomplice.store.store import Store

__all__ = ["ActivityMonth", "Listing", "listings", "org_activity"]

# Where a list states the target's country: its residence or registration, nationality, citizenship.
COUNTRY_PROPS = ("country", "nationality", "citizenship", "jurisdiction")
# The listing date as the list publishes it (UN "listed on", EU and UK designation dates, ...).
LISTING_DATE_PROP = "createdAt"
PROGRAM_PROP = "programId"


@dataclass(frozen=True, slots=True)
class Listing:
    """One entry of one list: when the list says it was listed (None: the list gives no date), the year
    of the first version of this store that held it, the target's countries and its programmes."""

    list_name: str
    key: str
    listed_on: str | None
    first_seen: str | None
    is_current: bool
    countries: frozenset[str]
    programs: frozenset[str]


def listings(store: Store, list_names: Sequence[str]) -> list[Listing]:
    """Every entry, current or not, of the given lists."""
    names = list(list_names)
    with store.engine.connect() as conn:
        versions = {
            (r.list_name, r.seq): (r.data_date or (aware(r.imported_at) or datetime.min).date().isoformat())
            for r in conn.execute(
                select(
                    list_versions.c.list_name,
                    list_versions.c.seq,
                    list_versions.c.data_date,
                    list_versions.c.imported_at,
                )
            )
        }
        entries = conn.execute(
            select(
                entity_lists.c.list_name,
                entity_lists.c.entity_key,
                entity_lists.c.first_seq,
                entity_lists.c.is_current,
            ).where(entity_lists.c.list_name.in_(names))
        ).all()
        dates = {
            (r.list_name, r.entity_key): r.first
            for r in conn.execute(
                select(
                    statements.c.list_name,
                    statements.c.entity_key,
                    func.min(statements.c.value).label("first"),
                )
                .where(statements.c.list_name.in_(names), statements.c.prop == LISTING_DATE_PROP)
                .group_by(statements.c.list_name, statements.c.entity_key)
            )
        }
        countries: dict[tuple[str, str], set[str]] = defaultdict(set)
        programs: dict[tuple[str, str], set[str]] = defaultdict(set)
        for r in conn.execute(
            select(statements.c.list_name, statements.c.entity_key, statements.c.prop, statements.c.value)
            .where(
                statements.c.list_name.in_(names),
                or_(statements.c.prop.in_(COUNTRY_PROPS), statements.c.prop == PROGRAM_PROP),
            )
            .distinct()
        ):
            target = programs if r.prop == PROGRAM_PROP else countries
            target[(r.list_name, r.entity_key)].add(r.value if r.prop == PROGRAM_PROP else r.value.lower())
    return [
        Listing(
            e.list_name,
            e.entity_key,
            dates.get((e.list_name, e.entity_key)),
            versions.get((e.list_name, e.first_seq)),
            bool(e.is_current),
            frozenset(countries.get((e.list_name, e.entity_key), ())),
            frozenset(programs.get((e.list_name, e.entity_key), ())),
        )
        for e in entries
    ]


@dataclass(frozen=True, slots=True)
class ActivityMonth:
    month: str  # YYYY-MM
    jobs: int
    rows_screened: int
    rows_with_matches: int
    watchlist_entries: int
    alerts: int


def _month(value: datetime | None) -> str:
    moment = aware(value)
    return moment.strftime("%Y-%m") if moment is not None else "unknown"


def org_activity(store: Store, org: str | None, *, all_orgs: bool) -> list[ActivityMonth]:
    """Screening jobs, rows screened, watchlist entries added and alerts raised, per month, of one
    organisation (`org`; None: objects kept without one) or of all (`all_orgs`)."""

    def scoped(column: object) -> object:
        if all_orgs:
            return and_(True)
        return column.is_(None) if org is None else column == org  # type: ignore[attr-defined]

    months: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    with store.engine.connect() as conn:
        for r in conn.execute(
            select(jobs.c.created_at, jobs.c.rows_done, jobs.c.rows_with_matches).where(scoped(jobs.c.org))  # type: ignore[arg-type]
        ):
            row = months[_month(r.created_at)]
            row[0] += 1
            row[1] += r.rows_done
            row[2] += r.rows_with_matches
        for r in conn.execute(
            select(watchlist_entries.c.created_at)
            .join(watchlists, watchlists.c.id == watchlist_entries.c.watchlist_id)
            .where(scoped(watchlists.c.org))  # type: ignore[arg-type]
        ):
            months[_month(r.created_at)][3] += 1
        for r in conn.execute(select(monitor_alerts.c.created_at).where(scoped(monitor_alerts.c.org))):  # type: ignore[arg-type]
            months[_month(r.created_at)][4] += 1
    return [ActivityMonth(m, *months[m]) for m in sorted(months)]
