"""The reviewer's two arithmetic checks on a rebuttal: mass balance per stage, and who was paid.

Mass balance: a stage cannot put out more than went in (less what the process loses); more output than
input means goods from an undeclared source, the commonest sign of transshipment or a hidden supplier.
Payees: a payment proof to a company that is not a named supplier breaks the supplier map the importer
gave, so the trace no longer describes the chain that was paid.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

__all__ = ["MassBalanceLine", "PayeeFinding", "mass_balance", "payee_findings"]

# Output may exceed input by this fraction before a stage is flagged: scales, moisture and rounding in
# declared quantities make an exact balance rare even in an honest chain.
MASS_BALANCE_TOLERANCE = 0.02
# A payee's name must score this high (rapidfuzz token_set_ratio, 0–100) against a supplier's to count as
# that supplier: high enough that "Dandong Huayang" ≠ "Dandong Huaxin", low enough to pass "Co., Ltd."
# against "Co".
PAYEE_MATCH_SCORE = 90.0
_LEGAL_FORMS = re.compile(r"\b(co|company|ltd|limited|llc|inc|corp|corporation|gmbh|sarl|cc)\b")


@dataclass(frozen=True, slots=True)
class MassBalanceLine:
    stage: str
    input_quantity: float
    output_quantity: float
    unit: str
    balanced: bool
    excess: float  # output above input (with the tolerance), 0 when balanced


def mass_balance(stages: Iterable[tuple[str, float, float, str]]) -> list[MassBalanceLine]:
    """One line per (stage, input, output, unit): balanced when output ≤ input × (1 + tolerance)."""
    lines = []
    for stage, given, made, unit in stages:
        limit = given * (1 + MASS_BALANCE_TOLERANCE)
        excess = max(0.0, made - limit)
        lines.append(MassBalanceLine(stage, given, made, unit, excess == 0.0, round(excess, 6)))
    return lines


@dataclass(frozen=True, slots=True)
class PayeeFinding:
    payee: str
    supplier: str | None  # the named supplier it matches, or None
    score: float


def _plain(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(_LEGAL_FORMS.sub(" ", re.sub(r"[^\w\s]", " ", folded)).split())


def payee_findings(payees: Iterable[str], suppliers: Sequence[str]) -> list[PayeeFinding]:
    """For each payee, the named supplier it is (or None: paid to someone outside the supplier map)."""
    plain_suppliers = [(_plain(s), s) for s in suppliers]
    findings = []
    for payee in payees:
        best: tuple[float, str | None] = (0.0, None)
        plain = _plain(payee)
        for key, supplier in plain_suppliers:
            score = float(fuzz.token_set_ratio(plain, key))
            if score > best[0]:
                best = (score, supplier)
        matched = best[1] if best[0] >= PAYEE_MATCH_SCORE else None
        findings.append(PayeeFinding(payee, matched, best[0]))
    return findings
