"""`accomplice cases import FILE`: bring an existing case history in, one dated event a row (CSV or JSON
lines), checked against the flow before anything is written.

Columns: `case` (the external case id, kept as the case's id), `at` (YYYY-MM-DD or an ISO time), `kind`
(opened, detained, information-requested, response, decided, approved, protested, ruled), `note`, `party`,
`outcome` (for `decided`); optional `by`, `title`, `org`, `origin`, `hs_code`, `value`, `shipment`. Events
of a case go in date order and in the order of the flow, after whatever the store already holds for that
case: a row that breaks it refuses the whole file, naming its line, and nothing is imported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from accomplice.cases import OUTCOMES, CaseEvent, CaseState, FlowError, apply, replay
from accomplice.errors import InputError
from accomplice.services.auth import Permission, Principal, require
from accomplice.services.cases import (
    DEFAULT_LEGAL_BASIS,
    MAX_NOTE_CHARS,
    CaseConflictError,
    derived_fields,
    event_at,
)
from accomplice.store import Store
from accomplice.store.audit import AuditEntry
from accomplice.store.cases import CaseFields, CaseStore, NewCase, NewEvent, StaleCase

__all__ = ["MAX_IMPORT_ROWS", "REQUIRED_COLUMNS", "ImportReport", "import_events", "read_event_rows"]

REQUIRED_COLUMNS = ("case", "at", "kind")
# A history file is a case's events, not a data dump: a bound keeps one import one reviewable transaction.
MAX_IMPORT_ROWS = 200_000
MAX_ID_CHARS = 64  # the column's width


@dataclass(frozen=True, slots=True)
class ImportReport:
    cases_created: int
    cases_updated: int
    events: int
    case_ids: tuple[str, ...]


@dataclass
class _Pending:
    case_id: str
    first_line: int
    version: int | None  # None: a new case
    state: CaseState
    events: list[NewEvent] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    shipments: list[str] = field(default_factory=list)
    row: dict[str, str] = field(default_factory=dict)


def _rows_csv(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError("", f"missing column(s): {', '.join(missing)}", 1)
    for row in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}


def _rows_jsonl(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as bad:
            raise InputError("", f"not JSON: {bad.msg}", number) from None
        if not isinstance(value, dict):
            raise InputError("", "each line must be a JSON object", number)
        yield number, {str(k): "" if v is None else str(v).strip() for k, v in value.items()}


def read_event_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of a history file, each with its line number; InputError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(str(path), "not UTF-8 text") from None
    except OSError as err:
        raise InputError(str(path), f"cannot read: {err.strerror}") from None
    jsonl = path.suffix.lower() in {".jsonl", ".ndjson", ".json"} or text.lstrip().startswith("{")
    try:
        rows = list((_rows_jsonl if jsonl else _rows_csv)(text))
    except InputError as bad:
        raise InputError(str(path), bad.reason, bad.line) from None
    except csv.Error as bad:
        raise InputError(str(path), f"not CSV: {bad}") from None
    if len(rows) > MAX_IMPORT_ROWS:
        raise InputError(str(path), f"{len(rows):,} events; at most {MAX_IMPORT_ROWS:,} per file")
    return rows


def _when(value: str) -> datetime | date:
    if len(value) == len("2020-12-23"):
        return date.fromisoformat(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _event(row: dict[str, str], actor: str | None) -> NewEvent:
    if not row.get("at"):
        raise ValueError("`at` is empty: each event needs its date (YYYY-MM-DD)")
    try:
        when, date_only = event_at(_when(row["at"]))
    except ValueError:
        raise ValueError(f"`at` is {row['at']!r}, not a date (YYYY-MM-DD) or an ISO time") from None
    outcome = row.get("outcome") or None
    if row["kind"] == "decided" and outcome not in OUTCOMES:
        raise ValueError(f"a `decided` row needs `outcome`, one of: {', '.join(OUTCOMES)} (got {outcome!r})")
    note = row.get("note", "")
    if len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"`note` is {len(note):,} characters long; at most {MAX_NOTE_CHARS:,}")
    return NewEvent(
        when, row["kind"], row.get("by") or actor, note, row.get("party") or None, outcome, date_only
    )


def _begin(store: CaseStore, case_id: str, line: int, row: dict[str, str]) -> _Pending:
    existing = store.get(case_id)
    if existing is None:
        return _Pending(case_id, line, None, CaseState(), row=row)
    state = replay(CaseEvent(e.at, e.kind, e.by, e.note, e.party, e.outcome) for e in existing.events)
    return _Pending(case_id, line, existing.version, state, row=row)


def _float(value: str, line: int, path: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InputError(path, f"`value` is {value!r}, not a number", line) from None


def import_events(store: Store, principal: Principal, path: Path) -> ImportReport:
    """Check every row of the file against the flow, then write all of it in one transaction."""
    require(principal, Permission.CASES_ACT)
    rows = read_event_rows(path)
    cases = CaseStore(store)
    pending: dict[str, _Pending] = {}
    where = str(path)
    for line, row in rows:
        case_id = row.get("case", "")
        if not case_id:
            raise InputError(where, "`case` is empty: each event names its case", line)
        if len(case_id) > MAX_ID_CHARS:
            raise InputError(where, f"`case` is longer than {MAX_ID_CHARS} characters", line)
        if case_id not in pending:
            pending[case_id] = _begin(cases, case_id, line, row)
        case = pending[case_id]
        try:
            event = _event(row, principal.user)
            case.state = apply(
                case.state, CaseEvent(event.at, event.kind, event.by, event.note, event.party, event.outcome)
            )
        except (FlowError, ValueError) as refused:
            raise InputError(where, f"case {case_id}: {refused}; nothing was imported", line) from None
        case.events.append(event)
        if event.party and event.party not in case.parties:
            case.parties.append(event.party)
        if row.get("shipment") and row["shipment"] not in case.shipments:
            case.shipments.append(row["shipment"])
    new: list[tuple[NewCase, list[NewEvent], CaseFields]] = []
    existing: list[tuple[str, int, list[NewEvent], CaseFields]] = []
    for case in pending.values():
        derived = derived_fields(case.state, case.parties)
        if case.version is None:
            first = case.row
            new.append(
                (
                    NewCase(
                        id=case.case_id,
                        title=first.get("title") or (case.parties[0] if case.parties else case.case_id),
                        org=first.get("org") or None,
                        source="import",
                        opened_on=case.events[0].at.date(),
                        created_by=principal.user,
                        shipments=tuple(case.shipments),
                        parties=tuple(case.parties),
                        legal_basis=first.get("legal_basis") or DEFAULT_LEGAL_BASIS,
                        evidence_summary=first.get("evidence_summary", ""),
                        origin=first.get("origin") or None,
                        hs_code=first.get("hs_code") or None,
                        value=_float(first.get("value", ""), case.first_line, where),
                    ),
                    case.events,
                    derived,
                )
            )
        else:
            existing.append((case.case_id, case.version, case.events, derived))
    events = sum(len(c.events) for c in pending.values())
    try:
        cases.import_histories(
            new,
            existing,
            audit=AuditEntry(
                principal.user,
                "case.import",
                path.name,
                {"cases": len(pending), "events": events, "created": len(new)},
            ),
        )
    except StaleCase as moved:
        raise CaseConflictError(f"case {moved} changed during the import; nothing was imported") from None
    return ImportReport(len(new), len(existing), events, tuple(pending))
