"""Dossier evidence from documented abuses: the incidents that name the target as a perpetrator.

A claim per incident the dossier's author may read (services.incidents: restricted records stay their
team's), citing each of the incident's sources with its own Admiralty grade; an incident without a source
gives one unsourced claim, which the dossier flags rather than hides. Victims never appear: the claim
says what happened, where and when, and how many people it concerned as the record summarises it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from accomplice.dossiers.asof import ListsAsOf
from accomplice.dossiers.claims import Claim, ClaimKind, ClaimProvider, Grade, SourceRef, Target
from accomplice.services.auth import Principal
from accomplice.services.incidents import incidents_of_entities
from accomplice.store import Store

__all__ = ["INCIDENTS_AREA", "IncidentClaims", "incident_claims"]

# The area's name as services.dossier_providers.UNWIRED_AREAS names it.
INCIDENTS_AREA = "incidents (issue 14)"
UNGRADED = "F6"


class IncidentClaims:
    """Claims from the incident records that name one of the target's keys as perpetrator."""

    name = "incidents"

    def __init__(self, store: Store, principal: Principal) -> None:
        self._store = store
        self._principal = principal

    def claims(self, target: Target, as_of: str) -> Iterable[Claim]:
        seen: set[str] = set()
        for key, views in incidents_of_entities(self._store, self._principal, list(target.keys)).items():
            for view in views:
                row = view.row
                if row.ref in seen or (row.date_sort and row.date_sort[:10] > as_of):
                    continue
                seen.add(row.ref)
                yield from self._of_record(row.ref, row.title, row.date_edtf, row.place, row.body, key)

    def _of_record(
        self, ref: str, title: str, date: str, place: str, body: dict[str, Any], key: str
    ) -> Iterator[Claim]:
        where = f" in {place}" if place else ""
        text = f"Named as perpetrator in incident {ref}: {title} ({date}{where})"
        detail = {"incident": ref}
        sources = [s for s in body.get("sources") or [] if isinstance(s, dict) and s.get("title")]
        if not sources:
            yield Claim(ClaimKind.INCIDENT, text, None, self.name, related_key=key, date=date, detail=detail)
            return
        for i, source in enumerate(sources):
            try:
                grade = Grade.parse(str(source.get("grade") or UNGRADED))
            except ValueError:
                grade = Grade.parse(UNGRADED)
            ref_source = SourceRef(
                id=f"incident:{ref}:{i}",
                title=str(source["title"]),
                grade=grade,
                url=str(source["url"]) if source.get("url") else None,
                date=str(source["date"]) if source.get("date") else None,
            )
            yield Claim(
                ClaimKind.INCIDENT, text, ref_source, self.name, related_key=key, date=date, detail=detail
            )


def incident_claims(store: Store, principal: Principal, asof: ListsAsOf) -> ClaimProvider:
    """The provider factory services.hooks registers for every dossier."""
    return IncidentClaims(store, principal)
