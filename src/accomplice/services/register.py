"""The CAATSA register: entities found to use North Korean labour, modelled on the UFLPA Entity List (name
in every script, effective date, the action that put it there, its evidence, removal requests and their
outcome), and the historical cases an enforcement-actions file holds.

`import_register(path)` reads a file shaped like the shared `accountability/enforcement_actions.csv`: one
action a row. A row goes on the register when it names an entity and is about North Korean labour; rows
about unnamed importers, general guidance, human-rights designations and rows the file itself marks "not a
labour action" are left out (they are history, not findings of forced labour). Rows of the same entity
merge into one entry, effective from its earliest action. CBP's detentions in the file become cases with
their dated steps (`historical_cases`).
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from accomplice.cases import CaseEvent, replay
from accomplice.cases.register import REGISTER_LIST_NAME, REGISTER_PROGRAM
from accomplice.errors import InputError, NotFoundError
from accomplice.services.auth import Permission, Principal, require
from accomplice.services.cases import DEFAULT_LEGAL_BASIS, derived_fields, event_at
from accomplice.services.lists import load_list
from accomplice.store import Store
from accomplice.store.audit import AuditEntry
from accomplice.store.cases import CaseStore, NewCase, NewEvent, RegisterEntry, RegisterRemoval
from accomplice.store.clock import utc_now

__all__ = [
    "REGISTER_COLUMNS",
    "RegisterReport",
    "decide_removal",
    "historical_cases",
    "import_register",
    "load_seed",
    "publish_as_list",
    "read_register_rows",
    "register_csv_rows",
    "register_entries",
    "register_ftm",
    "request_removal",
]

REGISTER_COLUMNS = ("date", "action", "target_name")
# Markers of rows that are not a finding against a named entity that used North Korean labour.
_NOT_NAMED = re.compile(r"\bnot named\b|general guidance", re.IGNORECASE)
_NOT_LABOUR = re.compile(r"not a labour action", re.IGNORECASE)
_HUMAN_RIGHTS_SECTOR = "human rights"
# "Dandong Huayang ... (manufacturer); Poof Apparel (importer)": the importer is not the one found to use
# the labour, so the register keeps the other parties of such a row.
_IMPORTER = re.compile(r"\(importer\)", re.IGNORECASE)
_ROLE = re.compile(r"\s*\((manufacturer|producer|exporter)\)\s*$", re.IGNORECASE)
_DAY_MONTH_YEAR = r"(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4})"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EXCLUSIONS = re.compile(
    r"exclusion on (\d{1,2}) and (\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4})"
)
_SUBMITTED = re.compile(r"submitted " + _DAY_MONTH_YEAR)
_PROTESTED = re.compile(r"protest filed " + _DAY_MONTH_YEAR, re.IGNORECASE)
_RULING = re.compile(r"\bRuling (H\d+)")


@dataclass(frozen=True, slots=True)
class RegisterReport:
    added: int
    updated: int
    cases_created: int


def read_register_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REGISTER_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(str(path), f"missing column(s): {', '.join(missing)}", 1)
            return [
                (reader.line_num, {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)})
                for row in reader
            ]
    except UnicodeDecodeError:
        raise InputError(str(path), "not UTF-8 text") from None
    except csv.Error as bad:
        raise InputError(str(path), f"not CSV: {bad}") from None
    except OSError as err:
        raise InputError(str(path), f"cannot read: {err.strerror}") from None


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def _entity_names(target: str) -> list[str]:
    parts = [p.strip() for p in target.split(";") if p.strip()]
    return [_ROLE.sub("", p) for p in parts if not _IMPORTER.search(p)]


def _is_finding(row: dict[str, str]) -> bool:
    return not (
        _NOT_NAMED.search(row.get("target_name", ""))
        or _NOT_LABOUR.search(row.get("notes", ""))
        or row.get("hs_code_or_sector", "").casefold().startswith(_HUMAN_RIGHTS_SECTOR)
        or not row.get("target_name")
    )


def _entity_key(name: str) -> str:
    """One entry per entity: the ruling on Dandong Huayang and its detention name the same company."""
    return _slug(name)[:255]


def _entries(rows: Iterable[tuple[int, dict[str, str]]], path: str) -> list[RegisterEntry]:
    merged: dict[str, RegisterEntry] = {}
    for line, row in rows:
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", row["date"]):
            raise InputError(
                path, f"`date` is {row['date']!r}, not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)", line
            )
        if not _is_finding(row):
            continue
        for name in _entity_names(row["target_name"]):
            key = _entity_key(name)
            names = [name] + [n for n in (row.get("target_name_original", ""),) if n]
            keys = [k for k in row.get("list_keys", "").split(";") if k.strip()]
            entry = RegisterEntry(
                key=key,
                name=name,
                names=tuple(names),
                country=row.get("country", ""),
                effective_date=row["date"],
                authority=row.get("authority", ""),
                action=row["action"],
                legal_basis=row.get("legal_basis", ""),
                evidence=row.get("outcome", ""),
                sector=row.get("hs_code_or_sector", ""),
                source_url=row.get("source_url", ""),
                list_keys=tuple(k.strip() for k in keys),
            )
            before = merged.get(key)
            if before is None:
                merged[key] = entry
                continue
            first, later = (
                (before, entry) if before.effective_date <= entry.effective_date else (entry, before)
            )
            merged[key] = replace(
                first,
                names=tuple(dict.fromkeys((*first.names, *later.names))),
                action=f"{first.action}; {later.action}",
                evidence=f"{first.evidence} | {later.evidence}",
                list_keys=tuple(dict.fromkeys((*first.list_keys, *later.list_keys))),
            )
    return list(merged.values())


def _day(day: str, month: str, year: str) -> date:
    return date(int(year), _MONTHS.index(month[:3]) + 1, int(day))


@dataclass
class _History:
    case: NewCase
    events: list[NewEvent]


def _event(day: date, kind: str, note: str, party: str | None = None, outcome: str | None = None) -> NewEvent:
    when, date_only = event_at(day)
    return NewEvent(when, kind, "CBP", note, party, outcome, date_only)


def historical_cases(rows: Iterable[tuple[int, dict[str, str]]]) -> list[tuple[NewCase, list[NewEvent]]]:
    """The CBP detentions of an enforcement-actions file as cases with their dated steps: the detention,
    the answers it names ("submitted 14 Jan 2021"), the exclusions ("exclusion on 22 and 26 Jan 2021"),
    and, from a later row on the same entity, the protest ("Protest filed 4 Feb 2021") and the ruling."""
    histories: dict[str, _History] = {}
    for _line, row in rows:
        if "CBP" not in row.get("authority", "") or len(row["date"]) != len("2020-12-23"):
            continue
        names = _entity_names(row["target_name"])
        if not names:
            continue
        name, key = names[0], _entity_key(names[0])
        day = date.fromisoformat(row["date"])
        text = f"{row['action']} {row.get('outcome', '')} {row.get('notes', '')}"
        if "detention" in row["action"].casefold():
            entity_level = "all merchandise" in row["action"].casefold()
            case = NewCase(
                id=f"CBP-{row['date']}-{_slug(name)}"[:64].rstrip("-"),
                title=f"{name}: {row['action']}",
                org=None,
                source="entity" if entity_level else "import",
                opened_on=day,
                created_by="CBP",
                parties=tuple(p.strip() for p in row["target_name"].split(";")),
                legal_basis=row.get("legal_basis") or DEFAULT_LEGAL_BASIS,
                evidence_summary=row.get("outcome", ""),
                origin=row.get("country") or None,
            )
            events = [_event(day, "detained", row["action"], name)]
            for match in _SUBMITTED.finditer(text):
                events.append(_event(_day(*match.groups()), "response", "updated CF-28 answers and records"))
            for match in _EXCLUSIONS.finditer(text):
                first, second, month, year = match.groups()
                for d in (first, second):
                    events.append(
                        _event(_day(d, month, year), "decided", row.get("outcome", ""), name, "excluded")
                    )
            histories[key] = _History(case, events)
        elif key in histories:
            history = histories[key]
            for match in _PROTESTED.finditer(text):
                history.events.append(
                    _event(_day(*match.groups()), "protested", "protest and application for further review")
                )
            ruling = _RULING.search(row["action"])
            if ruling:
                history.events.append(
                    _event(day, "ruled", f"Ruling {ruling.group(1)}: {row.get('outcome', '')}", name)
                )
    return [(h.case, sorted(h.events, key=lambda e: e.at)) for h in histories.values()]


def import_register(
    store: Store, principal: Principal, path: Path, *, with_cases: bool = True, publish: bool = True
) -> RegisterReport:
    """Load a register file: its findings onto the register (updating entries already there; with `publish`,
    loaded again as the list `caatsa`), and its CBP detentions as historical cases (those not yet in the
    store)."""
    require(principal, Permission.REGISTER_WRITE)
    rows = read_register_rows(path)
    entries = _entries(rows, str(path))
    cases = CaseStore(store)
    added, updated = cases.upsert_register(
        entries,
        audit=AuditEntry(principal.user, "register.import", path.name, {"entries": len(entries)}),
    )
    if publish:
        publish_as_list(store)
    created = 0
    if with_cases and principal.can(Permission.CASES_ACT):
        new = []
        for case, events in historical_cases(rows):
            if cases.exists(case.id):
                continue
            state = replay(CaseEvent(e.at, e.kind, e.by, e.note, e.party, e.outcome) for e in events)
            new.append((case, events, derived_fields(state, [])))
        if new:
            cases.import_histories(
                new,
                [],
                audit=AuditEntry(principal.user, "case.import", path.name, {"cases": len(new)}),
            )
        created = len(new)
    return RegisterReport(added, updated, created)


def publish_as_list(store: Store, label: str | None = None) -> int:
    """Load the register's current entries as a version of the list `caatsa` (FtM), so that it is screened
    like any list and a shipment party resolved to an entry is flagged by the trace; a no-op when nothing
    changed. The number of entries published."""
    entries = register_entries(store, include_removed=False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{REGISTER_LIST_NAME}.ftm.json"
        with path.open("w", encoding="utf-8") as out:
            for entity in register_ftm(entries):
                out.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
        load_list(
            store,
            "ftm",
            path,
            list_name=REGISTER_LIST_NAME,
            label=label or utc_now().date().isoformat(),
            skip_known=True,
        )
    return len(entries)


def load_seed(store: Store, principal: Principal, path: Path) -> RegisterReport | None:
    """The shared enforcement actions into the register and the historical cases (`accomplice load all`);
    None when the file is not there."""
    return import_register(store, principal, path) if path.is_file() else None


def register_entries(store: Store, *, include_removed: bool = True) -> list[RegisterEntry]:
    """The register is public, as the UFLPA Entity List is: no permission to read it."""
    return CaseStore(store).register(include_removed=include_removed)


def request_removal(store: Store, principal: Principal, key: str, reason: str) -> RegisterRemoval:
    """Anyone with an account may ask for an entry's removal (the listed entity's counsel, an importer)."""
    require(principal, Permission.CASES_READ)
    if not reason.strip():
        raise InputError("reason", "a removal request gives its reason")
    removal = CaseStore(store).request_removal(
        key,
        reason.strip(),
        principal.user,
        audit=AuditEntry(principal.user, "register.removal-request", key, {}),
    )
    if removal is None:
        raise NotFoundError(f"no register entry {key!r}")
    return removal


def decide_removal(
    store: Store, principal: Principal, removal_id: int, *, granted: bool, note: str
) -> RegisterRemoval:
    require(principal, Permission.REGISTER_WRITE)
    removal = CaseStore(store).decide_removal(
        removal_id,
        granted,
        principal.user,
        note.strip(),
        audit=AuditEntry(principal.user, "register.removal-decision", str(removal_id), {"granted": granted}),
    )
    if removal is None:
        raise NotFoundError(f"no pending removal request {removal_id}")
    if granted:
        publish_as_list(store)  # the entry leaves the list that screening and the trace read
    return removal


REGISTER_CSV_COLUMNS = (
    "key",
    "name",
    "names",
    "country",
    "effective_date",
    "authority",
    "action",
    "legal_basis",
    "evidence",
    "sector",
    "source_url",
    "list_keys",
    "status",
)


def register_csv_rows(entries: Iterable[RegisterEntry]) -> Iterator[list[str]]:
    yield list(REGISTER_CSV_COLUMNS)
    for e in entries:
        yield [
            e.key,
            e.name,
            "; ".join(e.names),
            e.country,
            e.effective_date,
            e.authority,
            e.action,
            e.legal_basis,
            e.evidence,
            e.sector,
            e.source_url,
            "; ".join(e.list_keys),
            e.status,
        ]


def register_ftm(entries: Iterable[RegisterEntry]) -> Iterator[dict[str, object]]:
    """FollowTheMoney entities (one per line of an FtM JSON lines file): each entry as a LegalEntity with its
    names, country and the sanction (the register action) that lists it."""
    for e in entries:
        entity_id = f"caatsa-register-{e.key}"
        yield {
            "id": entity_id,
            "schema": "LegalEntity",
            "properties": {
                "name": [e.name],
                "alias": [n for n in e.names if n != e.name],
                "country": [e.country] if e.country else [],
                "topics": ["sanction.linked"],
                "notes": [e.evidence] if e.evidence else [],
                "sourceUrl": [e.source_url] if e.source_url else [],
            },
        }
        yield {
            "id": f"{entity_id}-sanction",
            "schema": "Sanction",
            "properties": {
                "entity": [entity_id],
                "authority": [e.authority],
                "program": [REGISTER_PROGRAM],
                "reason": [e.action],
                "provisions": [e.legal_basis] if e.legal_basis else [],
                "startDate": [e.effective_date],
                "status": [e.status],
            },
        }
