"""§321(b) cases: open one (from a flagged shipment, an entity-level action or by hand), move it through the
flow (detain, request information, answer, decide, approve, protest, rule), read it, and find overdue ones.

Each step is a dated event with its actor, checked against the flow (`accomplice.cases`), written with the
case's derived columns under an optimistic version (two reviewers deciding at once: one wins, the other gets
a conflict) and recorded in the audit log in the same transaction. An importer reads and answers only its
own organisation's cases; another organisation's case is "not found".
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from accomplice.cases import (
    CaseEvent,
    CaseState,
    FlowError,
    MassBalanceLine,
    PayeeFinding,
    allowed_kinds,
    apply,
    is_overdue,
    mass_balance,
    payee_findings,
    replay,
)
from accomplice.errors import AccompliceError, InputError, NotFoundError
from accomplice.services.auth import ForbiddenError, Permission, Principal, record_audit, require
from accomplice.services.exposure import trace_stored_one
from accomplice.services.exposure_cache import cached_view
from accomplice.services.jobs import ConflictError
from accomplice.store import Store
from accomplice.store.audit import AuditEntry
from accomplice.store.cases import CaseFields, CaseRow, CaseStore, EventRow, NewCase, NewEvent, StaleCase
from accomplice.store.clock import utc_now

__all__ = [
    "DEFAULT_LEGAL_BASIS",
    "KIND_PERMISSIONS",
    "MAX_NOTE_CHARS",
    "CaseConflictError",
    "CaseView",
    "FlowRefusedError",
    "OverdueReport",
    "ReviewChecks",
    "act",
    "alert_overdue",
    "case_json",
    "derived_fields",
    "event_at",
    "event_json",
    "get_case",
    "list_cases",
    "open_case",
    "open_from_shipment",
    "overdue_cases",
    "review_checks",
]

DEFAULT_LEGAL_BASIS = (
    "CAATSA §321(b) (22 U.S.C. 9241a; NKSPEA §302A): goods made wholly or in part with the labour of North "
    "Korean nationals are presumed forced-labour goods; 19 U.S.C. §1307 prohibits their entry"
)
# Notes and reasons are read by people and printed in the case file; a bound keeps a page a page.
MAX_NOTE_CHARS = 20_000
# Who may add each event: the enforcement side moves the case, the reviewer signs an accepted rebuttal, the
# importer answers and protests (the enforcement side may record an answer received on paper).
KIND_PERMISSIONS: dict[str, tuple[Permission, ...]] = {
    "opened": (Permission.CASES_ACT,),
    "detained": (Permission.CASES_ACT,),
    "information-requested": (Permission.CASES_ACT,),
    "response": (Permission.CASES_RESPOND, Permission.CASES_ACT),
    "decided": (Permission.CASES_ACT,),
    "approved": (Permission.CASES_APPROVE,),
    "protested": (Permission.CASES_RESPOND, Permission.CASES_ACT),
    "ruled": (Permission.CASES_ACT,),
}


class CaseConflictError(ConflictError):
    """The case changed since the caller read it (HTTP 409): read it again and decide on what is there."""


class FlowRefusedError(AccompliceError):
    """A step the case's state does not allow (HTTP 400), naming the steps it allows."""


@dataclass(frozen=True, slots=True)
class CaseView:
    case: CaseRow
    state: CaseState
    overdue: bool

    @property
    def allowed(self) -> tuple[str, ...]:
        return allowed_kinds(self.case.state)


def event_at(value: datetime | date) -> tuple[datetime, bool]:
    """An event's time in UTC, and whether it was dated to the day only; never in the future."""
    if isinstance(value, datetime):
        when, date_only = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC), False
    else:
        when, date_only = datetime.combine(value, time(0), tzinfo=UTC), True
    if when > utc_now():
        raise InputError("at", f"{value.isoformat()} is in the future: a step is recorded when it happened")
    return when, date_only


def _core(event: EventRow | NewEvent) -> CaseEvent:
    return CaseEvent(event.at, event.kind, event.by, event.note, event.party, event.outcome)


def derived_fields(state: CaseState, parties: Sequence[str] = ()) -> CaseFields:
    assert state.state is not None
    return CaseFields(
        state=state.state,
        detained_on=state.detained_on,
        deadline=state.deadline,
        decided_on=state.decided_on,
        outcome=state.outcome,
        decided_by=state.decided_by,
        approved_by=state.approved_by,
        decision_note=state.decision_note,
        parties=tuple(parties),
    )


def _view(case: CaseRow, today: date | None = None) -> CaseView:
    state = replay(_core(e) for e in case.events)
    return CaseView(case, state, is_overdue(state, today or utc_now().date()))


def _visible(store: Store, principal: Principal, case_id: str) -> CaseRow:
    case = CaseStore(store).get(case_id)
    if case is None or not principal.sees_org(case.org):
        # Another organisation's case is "not found": an importer learns nothing of others' cases.
        raise NotFoundError(f"no case {case_id!r}")
    return case


def get_case(store: Store, principal: Principal, case_id: str) -> CaseView:
    require(principal, Permission.CASES_READ)
    case = _visible(store, principal, case_id)
    # A case names suppliers and evidence: who read it is recorded.
    record_audit(store, principal, "case.read", case_id, {})
    return _view(case)


def list_cases(
    store: Store,
    principal: Principal,
    *,
    state: str | None = None,
    query: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[CaseView], int]:
    require(principal, Permission.CASES_READ)
    rows, total = CaseStore(store).page(
        orgs=principal.org_scope, state=state, query=query, limit=limit, offset=offset
    )
    today = utc_now().date()
    return [
        CaseView(r, CaseState(state=r.state, detained_on=r.detained_on), _overdue(r, today)) for r in rows
    ], total


def _overdue(case: CaseRow, today: date) -> bool:
    return is_overdue(CaseState(state=case.state, detained_on=case.detained_on), today)


def _new_id(opened: date) -> str:
    return f"C-{opened.isoformat()}-{secrets.token_hex(3)}"


def _note(note: str, field: str = "note") -> str:
    if len(note) > MAX_NOTE_CHARS:
        raise InputError(field, f"is {len(note):,} characters long; at most {MAX_NOTE_CHARS:,} are kept")
    return note.strip()


def open_case(
    store: Store,
    principal: Principal,
    *,
    title: str,
    org: str | None = None,
    source: str = "tip",
    note: str = "",
    shipments: Sequence[str] = (),
    parties: Sequence[str] = (),
    trace: object = None,
    legal_basis: str = DEFAULT_LEGAL_BASIS,
    evidence_summary: str = "",
    origin: str | None = None,
    hs_code: str | None = None,
    value: float | None = None,
    at: datetime | date | None = None,
    case_id: str | None = None,
) -> CaseView:
    """Open a case (by hand from a tip, or for the callers below) with its `opened` event."""
    require(principal, Permission.CASES_ACT)
    title = title.strip()
    if not title:
        raise InputError("title", "a case needs a title")
    when, date_only = event_at(at or utc_now())
    case = NewCase(
        id=case_id or _new_id(when.date()),
        title=title,
        org=org or None,
        source=source,
        opened_on=when.date(),
        created_by=principal.user,
        shipments=tuple(shipments),
        parties=tuple(parties),
        trace=trace,
        legal_basis=legal_basis,
        evidence_summary=_note(evidence_summary, "evidence_summary"),
        origin=origin,
        hs_code=hs_code,
        value=value,
    )
    if CaseStore(store).exists(case.id):
        raise CaseConflictError(f"there is already a case {case.id!r}")
    event = NewEvent(when, "opened", principal.user, _note(note), None, None, date_only)
    state = apply(CaseState(), _core(event))
    CaseStore(store).create(
        case,
        [event],
        derived_fields(state),
        audit=AuditEntry(principal.user, "case.open", case.id, {"source": source, "org": case.org}),
    )
    return get_case(store, principal, case.id)


def open_from_shipment(
    store: Store, principal: Principal, shipment_id: str, *, note: str = "", case_id: str | None = None
) -> CaseView:
    """Open a case on a flagged stored shipment, its trace (paths, sources, checklist) frozen into it."""
    require(principal, Permission.CASES_ACT)
    trace = trace_stored_one(store, shipment_id, principal)
    if not trace.get("flagged"):
        raise FlowRefusedError(f"shipment {shipment_id!r} is not flagged: its trace found no exposure")
    org = cached_view(store).record_orgs.get("shipments", {}).get(shipment_id) or None
    parties = [str(p.get("name") or p.get("node")) for p in _dicts(trace.get("parties"))]
    value = trace.get("value")
    return open_case(
        store,
        principal,
        title=f"Shipment {shipment_id}: {trace.get('goods') or 'goods'}",
        org=org,
        source="shipment",
        note=note or "; ".join(str(r) for r in _list(trace.get("reasons"))),
        shipments=[shipment_id],
        parties=parties,
        trace=trace,
        evidence_summary="; ".join(str(r) for r in _list(trace.get("reasons"))),
        origin=str(trace.get("origin") or "") or None,
        hs_code=str(trace.get("hs_code") or "") or None,
        value=float(value) if isinstance(value, int | float) else None,
        case_id=case_id,
    )


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _dicts(value: object) -> list[dict[str, object]]:
    return [v for v in _list(value) if isinstance(v, dict)]


def act(
    store: Store,
    principal: Principal,
    case_id: str,
    kind: str,
    *,
    note: str = "",
    party: str | None = None,
    outcome: str | None = None,
    version: int | None = None,
    at: datetime | date | None = None,
) -> CaseView:
    """Add one step to a case: checked for permission, organisation, the flow and the version read."""
    needs = KIND_PERMISSIONS.get(kind)
    if needs is None:
        raise FlowRefusedError(f"unknown step {kind!r}; known: {', '.join(KIND_PERMISSIONS)}")
    if not any(principal.can(p) for p in needs):
        require(principal, needs[0])
    case = _visible(store, principal, case_id)
    if principal.org_scope is not None and case.org not in principal.org_scope:
        raise ForbiddenError(f"{principal.user} may act only on its own organisation's cases")
    if version is not None and version != case.version:
        raise CaseConflictError(
            f"case {case_id} changed since you read it (version {version}, now {case.version}); read it again"
        )
    when, date_only = event_at(at or utc_now())
    event = NewEvent(when, kind, principal.user, _note(note), party, outcome, date_only)
    current = replay(_core(e) for e in case.events)
    try:
        state = apply(current, _core(event))
    except FlowError as refused:
        raise FlowRefusedError(f"case {case_id}: {refused}") from None
    detail: dict[str, object] = {"kind": kind, "version": case.version + 1}
    if outcome:
        detail["outcome"] = outcome
    try:
        CaseStore(store).append(
            case_id,
            case.version,
            [event],
            derived_fields(state, [party] if party else []),
            audit=AuditEntry(principal.user, f"case.{kind}", case_id, detail),
        )
    except StaleCase:
        raise CaseConflictError(
            f"case {case_id} changed while you were deciding (another step was recorded first); read it again"
        ) from None
    return _view(_visible(store, principal, case_id))


@dataclass(frozen=True, slots=True)
class OverdueReport:
    cases: tuple[str, ...]
    deliveries: int


def _overdue_payload(webhook_id: int, overdue: Sequence[CaseRow]) -> str:
    return json.dumps(
        {
            "event": "cases-overdue",
            "webhook": webhook_id,
            "cases": [
                {
                    "id": c.id,
                    "title": c.title,
                    "state": c.state,
                    "deadline": c.deadline.isoformat() if c.deadline else None,
                }
                for c in overdue
            ],
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def alert_overdue(store: Store, today: date | None = None) -> OverdueReport:
    """Send one alert for each case whose answer is past its 30 days, once per case, through the webhooks
    (monitoring's signed, retried deliveries). Run by `accomplice cases overdue` (cron) or the server."""
    rows = CaseStore(store).overdue(today or utc_now().date())
    queued = CaseStore(store).queue_overdue_alerts(rows, _overdue_payload)
    return OverdueReport(tuple(r.id for r in rows), queued)


@dataclass(frozen=True, slots=True)
class ReviewChecks:
    mass_balance: list[MassBalanceLine]
    payees: list[PayeeFinding]


def review_checks(
    store: Store,
    principal: Principal,
    case_id: str,
    *,
    stages: Sequence[tuple[str, float, float, str]],
    payees: Sequence[str],
) -> ReviewChecks:
    """The reviewer's checks on a rebuttal: declared input and output per stage (mass balance), and the
    payees of the payment proofs against the case's named parties and the suppliers of its frozen trace."""
    require(principal, Permission.CASES_APPROVE)
    view = get_case(store, principal, case_id)
    suppliers = list(view.case.parties)
    trace = view.case.trace
    if isinstance(trace, dict):
        suppliers += [str(p.get("name")) for p in _dicts(trace.get("parties")) if p.get("name")]
    checks = ReviewChecks(mass_balance(stages), payee_findings(payees, suppliers))
    record_audit(
        store,
        principal,
        "case.checks",
        case_id,
        {
            "unbalanced": [line.stage for line in checks.mass_balance if not line.balanced],
            "unknown_payees": [f.payee for f in checks.payees if f.supplier is None],
        },
    )
    return checks


def overdue_cases(store: Store, principal: Principal, today: date | None = None) -> list[CaseRow]:
    require(principal, Permission.CASES_READ)
    rows = CaseStore(store).overdue(today or utc_now().date())
    return [r for r in rows if principal.sees_org(r.org)]


def _day_text(at: datetime, date_only: bool) -> str:
    return at.date().isoformat() if date_only else at.isoformat(timespec="seconds")


def event_json(event: EventRow) -> dict[str, object]:
    return {
        "at": _day_text(event.at, event.date_only),
        "kind": event.kind,
        "by": event.by,
        "note": event.note,
        "party": event.party,
        "outcome": event.outcome,
    }


def _reasons(note: str) -> list[str]:
    return [line.strip() for line in note.splitlines() if line.strip()]


def case_json(view: CaseView, *, with_trace: bool = True) -> dict[str, object]:
    """The JSON of `accomplice cases show ID --json` and the API: the case, its events in date order and
    its decision."""
    c, s = view.case, view.state
    decision = None
    if c.outcome:
        decision = {
            "outcome": c.outcome,
            "reasons": _reasons(c.decision_note),
            "decided_on": c.decided_on.isoformat() if c.decided_on else None,
            "decided_by": c.decided_by,
            "approved_by": c.approved_by,
            "approval_pending": c.state == "approval-pending",
        }
    payload: dict[str, object] = {
        "id": c.id,
        "title": c.title,
        "org": c.org,
        "source": c.source,
        "state": c.state,
        "deadline": c.deadline.isoformat() if c.deadline else None,
        "overdue": view.overdue,
        "protest_deadline": s.protest_deadline.isoformat() if s.protest_deadline else None,
        "opened_on": c.opened_on.isoformat(),
        "shipments": list(c.shipments),
        "parties": list(c.parties),
        "legal_basis": c.legal_basis,
        "evidence_summary": c.evidence_summary,
        "origin": c.origin,
        "hs_code": c.hs_code,
        "value": c.value,
        "version": c.version,
        "allowed": list(view.allowed),
        "events": [event_json(e) for e in c.events],
        "decision": decision,
    }
    if with_trace:
        payload["trace"] = c.trace
    return payload
