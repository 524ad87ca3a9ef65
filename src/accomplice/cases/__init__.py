"""§321(b) cases as values: the flow's states and the events that move between them, the deadlines of the
law (30 days to answer a detention, 180 days to protest a decision), the fiscal year, the checks a reviewer
runs (mass balance, payees) and the four-eyes rule. No I/O: the store and the services build on this."""

from accomplice.cases.checks import MassBalanceLine, PayeeFinding, mass_balance, payee_findings
from accomplice.cases.flow import (
    APPROVAL_OUTCOMES,
    EVENT_KINDS,
    IMPORT_KINDS,
    OUTCOMES,
    PROTEST_WINDOW_DAYS,
    RESPONSE_DAYS,
    STATES,
    CaseEvent,
    CaseState,
    FlowError,
    allowed_kinds,
    apply,
    fiscal_month,
    fiscal_year,
    is_overdue,
    replay,
    response_deadline,
)

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
    "MassBalanceLine",
    "PayeeFinding",
    "allowed_kinds",
    "apply",
    "fiscal_month",
    "fiscal_year",
    "is_overdue",
    "mass_balance",
    "payee_findings",
    "replay",
    "response_deadline",
]
