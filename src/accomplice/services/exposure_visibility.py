"""Whose exposure records count in whose trace, and what a reader is shown: the rules in one place.

The trust model (docs/exposure-data.md, "Whose records"):

- Shared records (stored by the enforcement side: analysts, researchers, admins, the CLI without
  `--org`) count for everyone.
- An organisation's records (an importer's shipments, declared relations, ownership, facilities) count
  in its own traces, and in the enforcement side's, never in another organisation's: one importer must
  not be able to flag, or clear, a competitor's goods.
- The enforcement side traces with every record, whoever stored it.

A reader's *scope* (`OrgScope`) is None for the enforcement side and the set of its organisations for
an importer; everything here is a pure function of it, the record's organisation and the reader's
permissions, so that the services and the cached views apply the same rule.
"""

from __future__ import annotations

from accomplice.services.auth import Permission, Principal
from accomplice.store.exposure import SHARED

__all__ = [
    "OrgScope",
    "counts_in_trace",
    "may_add_evidence",
    "may_see_confidential",
    "own_orgs",
    "reader_scope",
    "sees_record",
    "trust_scope",
]

# The organisations whose records a reader may see: None = every organisation's (enforcement roles);
# a set = shared records plus those of these organisations (an importer: its own).
OrgScope = frozenset[str] | None


def reader_scope(principal: Principal | None) -> OrgScope:
    """The reader's scope: None for the enforcement side, its own organisation for an importer. No
    principal is the local operator (the CLI, a library caller): the enforcement side."""
    return None if principal is None else principal.org_scope


def may_see_confidential(principal: Principal | None) -> bool:
    """Whether confidential sources (an informant, a partner's report) are shown in full to the reader;
    the local operator (no principal) sees them as any reader without the permission does."""
    return principal is not None and principal.can(Permission.CONFIDENTIAL)


def may_add_evidence(principal: Principal) -> bool:
    """Labour evidence taints every organisation's shipments that name its subject, so only the
    enforcement side adds it: one importer must not be able to flag a competitor's suppliers."""
    return principal.org_scope is None


def trust_scope(orgs: OrgScope) -> frozenset[str] | None:
    """The organisations whose records count in the traces of a reader limited to `orgs` (None: all)."""
    return None if orgs is None else frozenset(orgs) | {SHARED}


def counts_in_trace(record_org: str, orgs: OrgScope) -> bool:
    """Whether a record of organisation `record_org` counts in the traces of a reader limited to `orgs`:
    shared records and the reader's own for an importer, every record for the enforcement side."""
    return orgs is None or record_org == SHARED or record_org in orgs


def sees_record(record_org: str, orgs: OrgScope) -> bool:
    """Whether a reader limited to `orgs` may see (list, open) a record of `record_org`: the same records
    that count in its traces, so that a path never rests on a record the reader cannot open."""
    return counts_in_trace(record_org, orgs)


def own_orgs(orgs: OrgScope) -> frozenset[str] | None:
    """Whose shipments and documents a reader limited to `orgs` may see: its own organisations' only
    (shared shipments are the enforcement side's cases), every one's for the enforcement side (None)."""
    return None if orgs is None else frozenset(orgs) - {SHARED}
