"""The flow of a §321(b) case: which event may follow which state, and the clocks the law sets.

A case is the replay of its dated events. CBP runs CAATSA §321(b) detentions as it runs 19 U.S.C. §1307 and
UFLPA ones: a detention notice gives the importer 30 days to answer (19 CFR 12.42 and the detention notice
itself), CBP may ask for information (Form 28) at any point before it decides, the decision releases,
excludes or seizes the goods, and the importer may protest a decision within 180 days (19 U.S.C. §1514(c)(3)),
which a ruling closes. A decision that accepts the importer's rebuttal needs a second reviewer (four eyes):
it is the exception to the presumption, and the law asks for a report to Congress of each one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

__all__ = [
    "APPROVAL_OUTCOMES",
    "EVENT_KINDS",
    "IMPORT_KINDS",
    "OUTCOMES",
    "PROTEST_WINDOW_DAYS",
    "RESPONSE_DAYS",
    "STATES",
    "CaseEvent",
    "CaseState",
    "FlowError",
    "allowed_kinds",
    "apply",
    "fiscal_month",
    "fiscal_year",
    "is_overdue",
    "replay",
    "response_deadline",
]

# The detention notice's clock: the importer has 30 days to answer with its evidence.
RESPONSE_DAYS = 30
# 19 U.S.C. §1514(c)(3): a protest is filed within 180 days of the decision protested.
PROTEST_WINDOW_DAYS = 180
# The US federal fiscal year starts on 1 October (FY2021 = Oct 2020 – Sep 2021), as CBP's statistics count.
FISCAL_YEAR_FIRST_MONTH = 10

OUTCOMES = ("released-not-subject", "released-rebutted", "excluded", "seized")
# Outcomes that wait for a second reviewer before they take effect.
APPROVAL_OUTCOMES = frozenset({"released-rebutted"})

# Event kinds, in the order of the flow; `approved` is the second reviewer's signature on a rebuttal.
EVENT_KINDS = (
    "opened",
    "detained",
    "information-requested",
    "response",
    "decided",
    "approved",
    "protested",
    "ruled",
)
IMPORT_KINDS = frozenset(EVENT_KINDS)

STATES = (
    "open",
    "detained",
    "information-requested",
    "responded",
    "approval-pending",
    "decided",
    "protested",
    "ruled",
)
# Which event may follow which state, and the state it leads to. `None` is a case that has no event yet:
# a detention may open it by itself (an entity-level action detains all goods of a producer at once).
# A decided case may take another decision: one case can hold several entries (Dandong Huayang's two
# entries were excluded on 22 and 26 January 2021).
_NEXT: Mapping[str | None, Mapping[str, str]] = {
    None: {"opened": "open", "detained": "detained"},
    "open": {"detained": "detained", "information-requested": "information-requested", "decided": "decided"},
    "detained": {
        "information-requested": "information-requested",
        "response": "responded",
        "decided": "decided",
    },
    "information-requested": {
        "information-requested": "information-requested",
        "response": "responded",
        "decided": "decided",
    },
    "responded": {
        "information-requested": "information-requested",
        "response": "responded",
        "decided": "decided",
    },
    "approval-pending": {"approved": "decided", "decided": "decided"},
    "decided": {"decided": "decided", "protested": "protested"},
    "protested": {"ruled": "ruled"},
    "ruled": {},
}


class FlowError(ValueError):
    """An event the case's state does not allow; the message names the state and what it allows."""


@dataclass(frozen=True, slots=True)
class CaseEvent:
    at: datetime
    kind: str
    by: str | None = None
    note: str = ""
    party: str | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class CaseState:
    """Where a case stands after its events: the state and the dates its clocks run from."""

    state: str | None = None
    last_at: datetime | None = None
    detained_on: date | None = None
    decided_on: date | None = None
    outcome: str | None = None
    decided_by: str | None = None
    approved_by: str | None = None
    decision_note: str = ""

    @property
    def deadline(self) -> date | None:
        """The answer's due date: 30 days from the detention notice."""
        return response_deadline(self.detained_on)

    @property
    def protest_deadline(self) -> date | None:
        return self.decided_on + timedelta(days=PROTEST_WINDOW_DAYS) if self.decided_on else None


def response_deadline(detained_on: date | None) -> date | None:
    return detained_on + timedelta(days=RESPONSE_DAYS) if detained_on else None


def allowed_kinds(state: str | None) -> tuple[str, ...]:
    return tuple(_NEXT[state])


def _refuse(state: str | None, kind: str) -> FlowError:
    allowed = allowed_kinds(state)
    where = f"a case in state {state!r}" if state else "a case with no events yet"
    options = ", ".join(allowed) if allowed else "nothing (the case is closed)"
    return FlowError(f"{kind!r} cannot follow on {where}; allowed: {options}")


def apply(current: CaseState, event: CaseEvent) -> CaseState:
    """The state after `event`, or FlowError when the flow does not allow it."""
    if event.kind not in IMPORT_KINDS:
        raise FlowError(f"unknown event kind {event.kind!r}; known: {', '.join(EVENT_KINDS)}")
    if current.last_at is not None and event.at < current.last_at:
        raise FlowError(
            f"{event.kind!r} on {event.at.date().isoformat()} is dated before the case's last event "
            f"({current.last_at.date().isoformat()}): events go in date order"
        )
    following = _NEXT[current.state].get(event.kind)
    if following is None:
        raise _refuse(current.state, event.kind)
    day = event.at.date()
    moved = replace(current, state=following, last_at=event.at)
    if event.kind == "detained" and current.detained_on is None:
        return replace(moved, detained_on=day)
    if event.kind == "decided":
        if event.outcome not in OUTCOMES:
            raise FlowError(f"a decision needs an outcome, one of: {', '.join(OUTCOMES)}")
        pending = event.outcome in APPROVAL_OUTCOMES
        return replace(
            moved,
            state="approval-pending" if pending else "decided",
            decided_on=day,
            outcome=event.outcome,
            decided_by=event.by,
            approved_by=None,
            decision_note=event.note,
        )
    if event.kind == "approved":
        if event.by is not None and event.by == current.decided_by:
            raise FlowError(
                f"{event.by} decided this case and cannot also approve it: an accepted rebuttal needs a "
                "second reviewer"
            )
        return replace(moved, approved_by=event.by)
    if event.kind == "protested":
        deadline = current.protest_deadline
        if deadline is not None and day > deadline:
            raise FlowError(
                f"the protest of {day.isoformat()} is late: a decision of {current.decided_on} may be "
                f"protested until {deadline.isoformat()} ({PROTEST_WINDOW_DAYS} days)"
            )
    return moved


def replay(events: Iterable[CaseEvent]) -> CaseState:
    state = CaseState()
    for event in events:
        state = apply(state, event)
    return state


def is_overdue(state: CaseState, today: date) -> bool:
    """Whether the importer's answer is late: still awaited, and past the 30 days."""
    deadline = state.deadline
    return state.state in {"detained", "information-requested"} and deadline is not None and today > deadline


def fiscal_year(day: date) -> int:
    """The US federal fiscal year of a day: FY2021 runs from 1 October 2020 to 30 September 2021."""
    return day.year + 1 if day.month >= FISCAL_YEAR_FIRST_MONTH else day.year


def fiscal_month(day: date) -> str:
    """The calendar month of a day as CBP's dashboard labels it (YYYY-MM)."""
    return f"{day.year:04d}-{day.month:02d}"
