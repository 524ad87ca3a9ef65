"""Decisions: an analyst records that a screened name is (or is not) a listed entity, and why."""

from __future__ import annotations

from datetime import UTC, datetime

from accomplice.errors import InputError, NotFoundError
from accomplice.matching.decisions import (
    JUDGEMENTS,
    Decision,
    require_reason,
)
from accomplice.services.auth import AuthError, ForbiddenError, Permission, Principal
from accomplice.services.screening import ScreeningIndex, ScreeningRecord, screening_index
from accomplice.store import Store
from accomplice.store.audit import AuditEntry


def checked_reason(reason: str) -> str:
    """A decision's reason, trimmed; InputError when it is empty or blank (see `require_reason`). The
    interfaces check it before anything slow, and `decide` again for every caller."""
    try:
        return require_reason(reason)
    except ValueError as exc:
        raise InputError("reason", str(exc)) from None


def decide(
    store: Store,
    principal: Principal,
    *,
    name: str,
    entity_key: str,
    judgement: str,
    reason: str,
    schema: str | None = None,
    birth_date: str | None = None,
    nationality: str | None = None,
    index: ScreeningIndex | None = None,
) -> Decision:
    """Record that screening `name` against `entity_key` is (or is not) a true match, and why: a
    decision without a reason (empty or blank) is refused with InputError.

    Needs the DECIDE permission; the decision names the principal's user, is its organisation's (an
    importer's) or the enforcement side's shared one (see Principal.decision_org), and is audited in the
    same transaction. `index` gets the decision only when it holds that organisation's decisions.
    """
    if not principal.is_authenticated or principal.user is None:
        raise AuthError("a decision needs the analyst who takes it: log in first")
    if not principal.can(Permission.DECIDE):
        raise ForbiddenError(f"{principal.user} may not record decisions (needs the 'decide' permission)")
    org = principal.decision_org
    if org is None:
        raise ForbiddenError(f"{principal.user} has no organisation to record decisions for")
    user = principal.user
    if judgement not in JUDGEMENTS:
        raise InputError("decision", f"judgement must be one of {', '.join(JUDGEMENTS)}, not {judgement!r}")
    reason = checked_reason(reason)
    index = index or screening_index(store)
    fingerprints = index.entity_fingerprints([entity_key])
    if entity_key not in fingerprints:
        raise NotFoundError(f"no listed entity with key {entity_key!r}")
    record = ScreeningRecord("decision", name, schema, birth_date, nationality)
    decision = Decision(
        query_fingerprint=record.fingerprint,
        query_text=name,
        entity_key=entity_key,
        judgement=judgement,
        reason=reason,
        user=user,
        # The fingerprint of the entity as screening sees it (all lists' copies together), so that a
        # change on any list asks the question again.
        entity_fingerprint=fingerprints[entity_key],
        created_at=datetime.now(UTC),
        org=org,
    )
    audit = AuditEntry(
        user,
        "decision.add",
        entity_key,
        {"query": name, "judgement": judgement, "reason": reason, "org": org},
    )
    store.add_decision(decision, audit)
    if index.decisions_org == org:
        index.decisions[(decision.query_fingerprint, entity_key)] = decision
    return decision
