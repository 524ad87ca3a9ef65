"""What an entity page says about the listing itself: the same entity's entries on other lists and why
screening takes them for one entity, and the dates the list gives (which the loaded versions are not).

A loaded version's date is when this installation first read the entry ("first seen in the loaded
version of 2023-12-28"), not when the publisher designated it; the UN, EU and UK lists state their own
listing date (FollowTheMoney `createdAt`) and the UN and UK lists the dates of amendments (`modifiedAt`).
OFAC's files state neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from accomplice.matching.resolve import link_reason
from accomplice.services import EntityDetail
from accomplice.services.list_twins import Twin

__all__ = ["ListDates", "TwinView", "list_dates", "twin_views"]


@dataclass(frozen=True, slots=True)
class TwinView:
    """One "also listed as" entry: the other list's entry and the evidence joining it."""

    key: str
    caption: str
    schema: str
    listed: bool
    lists: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ListDates:
    """The dates one list gives for the entry: listed on (may be several: a re-listing) and last amended."""

    list_name: str
    listed_on: tuple[str, ...]
    amended: str | None


def twin_views(page_key: str, twins: Sequence[Twin]) -> tuple[TwinView, ...]:
    return tuple(
        TwinView(
            t.entity.key,
            t.entity.caption,
            t.entity.schema,
            t.entity.is_current,
            t.entity.lists,
            tuple(link_reason(link, page_key) for link in t.links),
        )
        for t in twins
    )


def list_dates(detail: EntityDetail) -> tuple[ListDates, ...]:
    """Per list, the listing and amendment dates it states for the entry (none for OFAC)."""
    created: dict[str, set[str]] = {}
    modified: dict[str, set[str]] = {}
    for s in detail.statements:
        if s.is_current and s.prop == "createdAt":
            created.setdefault(s.list_name, set()).add(s.value)
        elif s.is_current and s.prop == "modifiedAt":
            modified.setdefault(s.list_name, set()).add(s.value)
    return tuple(
        ListDates(
            name, tuple(sorted(created.get(name, ()))), max(modified[name]) if name in modified else None
        )
        for name in sorted(created.keys() | modified.keys())
    )
