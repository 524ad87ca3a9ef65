"""The lists as they stood on a day: for each list, the version then in force and what it covered.

A dossier "as of" a date is reproducible from the list versions of that day: a statement holds when its
interval of versions contains, for its component, the latest version up to that day that covered the
component (a version that re-published only the alias file carries the main file of the one before).

A version's day is the date the list itself gives (`data_date`), else a date written in its label or file
names (`hmt_conlist_2018-04-13.csv`), else the day it was imported: a list whose date is unknown is not
taken to have existed before the installation received it. That keeps a back-dated dossier or candidate
run from seeing designations made after its date.

A list with no version by the day (the UN file of 2026 for a 2023 dossier, the undated EU files) is still
read when its entries carry their own listing date (`createdAt`): its oldest version then stands in, and an
entry counts only from its listing date ("entry-dated"). Entries delisted before that version are missing
from it, so such a list can only under-report the day's listings, never add later ones.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from accomplice.lists.model import VersionInfo

__all__ = ["ListState", "ListsAsOf", "lists_as_of", "version_day"]

_DATE_IN_TEXT = re.compile(r"(\d{4}-\d{2}-\d{2})")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2})?(-\d{2})?$")


def version_day(version: VersionInfo) -> tuple[str, str]:
    """The version's day (ISO) and where it came from: "list", "file name" or "import"."""
    if version.data_date and _PARTIAL_DATE.match(version.data_date):
        # A month ("2025-12") counts from its last possible day: not in force before the month is over.
        day = version.data_date
        if len(day) == len("2025-12"):
            day += "-31"
        elif len(day) == len("2025"):
            day += "-12-31"
        return day, "list"
    for text in (version.label, *(f.name for f in version.files)):
        found = _DATE_IN_TEXT.search(text)
        if found:
            return found.group(1), "file name"
    return version.imported_at.date().isoformat(), "import"


@dataclass(frozen=True, slots=True)
class ListState:
    """One list on the day: the version in force and, per component, the version whose values hold."""

    version: VersionInfo
    day: str
    day_from: str
    coverage: Mapping[str, int]
    # True when the version is later than the day: each entry counts only from its own `createdAt`.
    entry_dated: bool = False

    def holds(self, component: str, first_seq: int, last_seq: int | None) -> bool:
        at = self.coverage.get(component)
        return at is not None and first_seq <= at and (last_seq is None or last_seq >= at)


@dataclass(frozen=True, slots=True)
class ListsAsOf:
    day: str
    states: Mapping[str, ListState]
    # Lists that had no version yet on the day (left out), with their first version's day.
    not_yet: Mapping[str, str]

    def entry_dated(self, list_name: str) -> bool:
        state = self.states.get(list_name)
        return state is not None and state.entry_dated

    def holds(self, list_name: str, component: str, first_seq: int, last_seq: int | None) -> bool:
        state = self.states.get(list_name)
        return state is not None and state.holds(component, first_seq, last_seq)

    def describe(self) -> list[str]:
        lines = [
            f"{name}: version {s.version.seq} ({s.version.label}, dated {s.day} from the {s.day_from})"
            + (f", entries listed by {self.day} only" if s.entry_dated else "")
            for name, s in sorted(self.states.items())
        ]
        lines += [f"{name}: no version yet (first dated {day})" for name, day in sorted(self.not_yet.items())]
        return lines


def lists_as_of(
    versions: Mapping[str, Sequence[VersionInfo]], day: str, entry_dated_lists: Collection[str] = ()
) -> ListsAsOf:
    """Each list's state on `day` (ISO date); versions are given in seq order, list by list.
    `entry_dated_lists`: lists whose entries carry a listing date, usable before their first version."""
    states: dict[str, ListState] = {}
    not_yet: dict[str, str] = {}
    for name, items in versions.items():
        coverage: dict[str, int] = {}
        in_force: tuple[VersionInfo, str, str] | None = None
        for version in items:
            vday, source = version_day(version)
            if vday > day:
                continue
            in_force = (version, vday, source)
            for component in version.components:
                coverage[component] = version.seq
        if in_force is None:
            if not items:
                continue
            if name not in entry_dated_lists:
                not_yet[name] = min(version_day(v)[0] for v in items)
                continue
            oldest = items[0]
            vday, source = version_day(oldest)
            states[name] = ListState(oldest, vday, source, dict.fromkeys(oldest.components, oldest.seq), True)
            continue
        states[name] = ListState(in_force[0], in_force[1], in_force[2], coverage)
    return ListsAsOf(day, states, not_yet)
