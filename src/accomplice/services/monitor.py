"""Continuous monitoring: watchlists of counterparties, re-screened whenever a list gets a new version.

An entry is screened as soon as it is added: each of its matches raises a **new** alert (unless an analyst
has already decided it) and is remembered. Each later screening (after every import that lands a new list
version, or on `accomplice monitor run`) compares its matches with the remembered ones and raises an alert
only for

- a **new** match: a listed entity the entry did not match before;
- a **changed** match: a listed entity it matched before whose values changed since (entity fingerprint);
- a **removed** match: a listed entity it matched before that is no longer listed at all.

A match an analyst has decided (match or not-a-match, `services.decide`) on the entity as it is now is
never alerted again; once that entity changes, the decision is outdated and the change is alerted.

Alerts are shown in the UI and API and carried out by webhooks: each batch of alerts is queued in the
same transaction that raises them (an outbox), then POSTed as JSON, signed, and retried with exponential
backoff until the receiver answers 2xx. See `deliver_due` for the signature and replay protection.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from accomplice.batch.inputs import read_rows
from accomplice.errors import InputError, NotFoundError
from accomplice.lists.model import ImportReport, ProgressFn, VersionInfo
from accomplice.matching import Match
from accomplice.services import outbound
from accomplice.services.auth import (
    AuthError,
    ForbiddenError,
    Permission,
    Principal,
    is_enforcement_account,
    owner_decision_org,
)
from accomplice.services.lists import MAX_KEY_CHARS
from accomplice.services.screening import (
    ScreeningIndex,
    ScreeningRecord,
    as_record,
    clean_query,
    record_from_row,
    screen_record,
    screening_index,
    with_decisions,
)
from accomplice.store import Store
from accomplice.store.audit import AuditEntry
from accomplice.store.clock import utc_now
from accomplice.store.monitor import (
    Alert,
    Delivery,
    EntryMatch,
    MonitorStore,
    NewAlert,
    NewEntry,
    OrgScope,
    Watchlist,
    WatchlistEntry,
    Webhook,
)
from accomplice.store.schema_monitor import ALERT_KINDS, ALERT_STATES

__all__ = [
    "ALERT_KINDS",
    "ALERT_STATES",
    "DELIVERY_BATCH",
    "DELIVERY_HEADER",
    "MAX_ATTEMPTS",
    "MAX_NAME_CHARS",
    "MAX_UPLOAD_ENTRIES",
    "MAX_URL_CHARS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WEBHOOK_TIMEOUT_SECONDS",
    "AddReport",
    "Alert",
    "DeliveryReport",
    "EntryView",
    "OrgScope",
    "RescreenReport",
    "Watchlist",
    "WatchlistEntry",
    "Webhook",
    "acknowledge_alert",
    "add_entries",
    "add_entries_from_file",
    "add_entries_from_upload",
    "alert_json",
    "alerts",
    "alerts_per_version",
    "create_watchlist",
    "create_webhook",
    "delete_watchlist",
    "delete_webhook",
    "deliver_due",
    "deliveries",
    "entry_views",
    "get_alert",
    "get_watchlist",
    "get_webhook",
    "remove_entry",
    "rescreen",
    "rescreen_after_import",
    "retry_delay",
    "set_webhook_active",
    "sign",
    "start_delivery_worker",
    "watchlist_named",
    "watchlists",
    "webhooks",
]

# Matches remembered per entry: the screening page shows ten; an entry with more is a common name whose
# eleventh candidate is noise, not a counterparty to alert on.
MONITOR_MATCH_LIMIT = 10
# Longest watchlist or entry name accepted: far above any real name, small enough to render and index.
MAX_NAME_CHARS = 500
# Entries accepted in one upload: a bank's counterparty file is tens of thousands of rows; more is a
# mistake (a whole customer database), better split than re-screened on every import.
MAX_UPLOAD_ENTRIES = 100_000

# --- webhooks ---------------------------------------------------------------------------------------

SIGNATURE_HEADER = "X-Accomplice-Signature"
TIMESTAMP_HEADER = "X-Accomplice-Timestamp"
# The delivery's id, also in the body: a receiver can drop a repeat before it parses or verifies anything.
DELIVERY_HEADER = "X-Accomplice-Delivery"
# A receiver that has not answered in this time is treated as down and retried later: long enough for a
# slow endpoint behind a queue, short enough that one hung receiver does not hold the worker for minutes.
WEBHOOK_TIMEOUT_SECONDS = 10.0
# First retry after half a minute (a receiver restarting), then doubling: 30 s, 1 min, 2 min ... so that a
# receiver down for hours is not hammered, with no wait above six hours (alerts stay timely once it is
# back). Sixteen attempts span about 38 hours (30 s x (2^10 - 1) + 5 waits of 6 h), enough to ride out a
# receiver down for a day; after that the delivery is given up (kept with its last status and error).
RETRY_BASE_SECONDS = 30
RETRY_FACTOR = 2
RETRY_MAX_DELAY_SECONDS = 6 * 3600
MAX_ATTEMPTS = 16
# A claimed delivery is pushed this far into the future while being sent, so that another worker does not
# send it too; if the worker dies mid-send, the delivery is due again after this lease.
CLAIM_LEASE_SECONDS = 3 * WEBHOOK_TIMEOUT_SECONDS
# Deliveries sent per pass of the worker; the rest wait for the next pass.
DELIVERY_BATCH = 50
# How often the server's worker looks for due deliveries: the shortest retry delay, so no retry is late
# by more than its own length.
DELIVERY_POLL_SECONDS = 15.0
# Webhook URLs longer than this are not real endpoints.
MAX_URL_CHARS = outbound.MAX_URL_CHARS
# Secrets of 32 random bytes (256 bits), the HMAC-SHA256 key size.
SECRET_BYTES = 32
# Error texts kept per delivery attempt: the first line of the reason, enough to diagnose.
MAX_ERROR_CHARS = 500


def _monitor(store: Store) -> MonitorStore:
    return MonitorStore(store)


# --- watchlists and entries ---------------------------------------------------------------------------


def _clean_name(text: str, what: str) -> str:
    cleaned = clean_query(text)
    if not cleaned:
        raise InputError(what, "a name is required")
    if len(cleaned) > MAX_NAME_CHARS:
        raise InputError(
            what, f"the name is {len(cleaned):,} characters long; at most {MAX_NAME_CHARS} are kept"
        )
    return cleaned


# An organisation name no one has: a principal that may see its objects may see every organisation's.
_ANY_OTHER_ORG = "\x00any other organisation"


def _scope(principal: Principal) -> OrgScope:
    """Check that `principal` may keep watchlists, and which organisations' objects it sees."""
    if not principal.is_authenticated:
        raise AuthError("log in first")
    if not principal.can(Permission.WATCHLISTS):
        raise ForbiddenError(f"{principal.user} may not do this (needs the 'watchlists' permission)")
    return OrgScope.everything() if principal.sees_org(_ANY_OTHER_ORG) else OrgScope.only(principal.org)


class _Sides:
    """Which objects an organisation's importers may see: only those kept by their own side.

    An analyst of an organisation keeps watchlists and webhooks under that organisation too, but they are
    the enforcement side's (what is watched, and where alerts go, are investigative choices): the
    organisation's importers must neither see nor delete them, nor receive their alerts. Each creator's
    account is looked up once per call."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._enforcement: dict[str | None, bool] = {}

    def enforcement(self, created_by: str | None) -> bool:
        if created_by not in self._enforcement:
            self._enforcement[created_by] = is_enforcement_account(self.store, created_by)
        return self._enforcement[created_by]

    def visible(self, principal: Principal, org: str | None, created_by: str | None) -> bool:
        if not principal.sees_org(org):
            return False
        return principal.org_scope is None or not self.enforcement(created_by)


def _audit(principal: Principal, action: str, subject: str, **detail: object) -> AuditEntry:
    return AuditEntry(principal.user, action, subject, {"org": principal.org, **detail})


def create_watchlist(store: Store, principal: Principal, name: str) -> Watchlist:
    """A new watchlist owned by the principal's organisation."""
    _scope(principal)
    name = _clean_name(name, "watchlist")
    return _monitor(store).create_watchlist(
        name,
        org=principal.org,
        created_by=principal.user,
        audit=_audit(principal, "watchlist.create", name),
    )


def watchlists(store: Store, principal: Principal) -> list[Watchlist]:
    sides = _Sides(store)
    found = _monitor(store).watchlists(_scope(principal))
    return [w for w in found if sides.visible(principal, w.org, w.created_by)]


def get_watchlist(store: Store, principal: Principal, watchlist_id: int) -> Watchlist:
    """The watchlist, if it exists and the principal may see it (another org's is "not found", not
    "forbidden", so that ids do not reveal which exist)."""
    _scope(principal)
    found = _monitor(store).watchlist(watchlist_id)
    if found is None or not _Sides(store).visible(principal, found.org, found.created_by):
        raise NotFoundError(f"no watchlist {watchlist_id}")
    return found


def watchlist_named(store: Store, principal: Principal, name: str, *, create: bool = False) -> Watchlist:
    """The watchlist the principal sees by this name (or id), created for its organisation if asked."""
    wanted = clean_query(name)
    for found in watchlists(store, principal):
        if found.name == wanted or str(found.id) == wanted:
            return found
    if not create:
        raise NotFoundError(f"no watchlist named {wanted!r}")
    return create_watchlist(store, principal, wanted)


def delete_watchlist(store: Store, principal: Principal, watchlist_id: int) -> None:
    found = get_watchlist(store, principal, watchlist_id)
    _monitor(store).delete_watchlist(
        watchlist_id, _audit(principal, "watchlist.delete", str(watchlist_id), name=found.name)
    )


def _new_entry(record: ScreeningRecord, where: str) -> NewEntry:
    if not record.id.strip():
        raise InputError(where, "an entry needs an id (your reference for it)")
    identifiers = list(record.identifiers)
    if record.imo:
        identifiers.append(("imo", record.imo))
    return NewEntry(
        ref=record.id.strip()[:MAX_KEY_CHARS],
        name=_clean_name(record.name, where),
        schema=record.schema,
        birth_date=record.birth_date,
        nationality=record.nationality,
        identifiers=tuple(identifiers),
    )


def _record(entry: WatchlistEntry) -> ScreeningRecord:
    return ScreeningRecord(
        str(entry.id),
        entry.name,
        entry.schema,
        entry.birth_date,
        entry.nationality,
        None,
        entry.identifiers,
    )


@dataclass(frozen=True, slots=True)
class AddReport:
    added: int
    baseline_matches: int
    alerts: int = 0


def add_entries(
    store: Store,
    principal: Principal,
    watchlist_id: int,
    rows: Iterable[dict[str, object] | ScreeningRecord],
    *,
    source: str = "entries",
    index: ScreeningIndex | None = None,
) -> AddReport:
    """Add entries (screening input rows) to a watchlist and screen them at once; their matches alert."""
    get_watchlist(store, principal, watchlist_id)
    entries = []
    for position, row in enumerate(rows, start=1):
        record = as_record(row, position) if isinstance(row, dict) else row
        entries.append(_new_entry(record, f"{source}:{position}" if isinstance(row, dict) else source))
        if len(entries) > MAX_UPLOAD_ENTRIES:
            raise InputError(source, f"more than {MAX_UPLOAD_ENTRIES:,} entries; split the file")
    return _add(store, principal, watchlist_id, entries, source, index)


def _add(
    store: Store,
    principal: Principal,
    watchlist_id: int,
    entries: Sequence[NewEntry],
    source: str,
    index: ScreeningIndex | None,
    progress: ProgressFn | None = None,
) -> AddReport:
    ids = _monitor(store).add_entries(
        watchlist_id,
        entries,
        created_by=principal.user,
        audit=_audit(
            principal, "watchlist.entries.add", str(watchlist_id), entries=len(entries), source=source
        ),
    )
    report = rescreen(store, index=index, only_unscreened=True, progress=progress)
    return AddReport(len(ids), report.matches, len(report.alerts))


def add_entries_from_file(
    store: Store,
    principal: Principal,
    watchlist_id: int,
    path: str | Path,
    *,
    index: ScreeningIndex | None = None,
    progress: ProgressFn | None = None,
    encoding: str | None = None,
) -> AddReport:
    """Add every row of a CSV/XLSX/JSONL file (the columns of `accomplice screen`); a bad row adds nothing.

    `encoding` names that of a text file that is neither UTF-8 nor UTF-16 with a byte-order mark.
    """
    get_watchlist(store, principal, watchlist_id)
    records = []
    for line, row in read_rows(path, encoding=encoding):
        record = record_from_row(row)
        records.append(_new_entry(record, f"{path}:{line}"))
        if len(records) > MAX_UPLOAD_ENTRIES:
            raise InputError(str(path), f"more than {MAX_UPLOAD_ENTRIES:,} entries; split the file", line)
    if not records:
        raise InputError(str(path), "holds no entries")
    return _add(store, principal, watchlist_id, records, Path(path).name, index, progress)


# An upload larger than this is not a counterparty file (100,000 rows of CSV are about 10 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Uploads are spooled in pieces of this size, to stop at MAX_UPLOAD_BYTES without holding more in memory.
UPLOAD_CHUNK_BYTES = 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".jsonl", ".ndjson", ".json", ".txt")


def add_entries_from_upload(
    store: Store,
    principal: Principal,
    watchlist_id: int,
    filename: str,
    stream: BinaryIO,
    *,
    index: ScreeningIndex | None = None,
) -> AddReport:
    """Spool an uploaded file to a private temporary folder (bounded in size) and add its rows."""
    name = Path(filename).name or "entries.csv"
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise InputError(name, "use a .csv, .xlsx or .jsonl file")
    get_watchlist(store, principal, watchlist_id)
    with tempfile.TemporaryDirectory(prefix="accomplice-upload-") as folder:
        target = Path(folder) / name
        size = 0
        with target.open("wb") as out:
            while chunk := stream.read(UPLOAD_CHUNK_BYTES):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise InputError(name, f"is larger than {MAX_UPLOAD_BYTES // 2**20} MB; split it")
                out.write(chunk)
        try:
            return add_entries_from_file(store, principal, watchlist_id, target, index=index)
        except InputError as exc:
            # Name the file as the user knows it, not the temporary path.
            raise InputError(name, exc.reason, exc.line) from None


def remove_entry(store: Store, principal: Principal, watchlist_id: int, entry_id: int) -> None:
    get_watchlist(store, principal, watchlist_id)
    audit = _audit(principal, "watchlist.entries.remove", str(watchlist_id), entry=entry_id)
    if not _monitor(store).delete_entry(watchlist_id, entry_id, audit):
        raise NotFoundError(f"watchlist {watchlist_id} has no entry {entry_id}")


@dataclass(frozen=True, slots=True)
class EntryView:
    """An entry with its current matches (best first), as the watchlist page shows it."""

    entry: WatchlistEntry
    matches: tuple[EntryMatch, ...]

    @property
    def best(self) -> EntryMatch | None:
        return self.matches[0] if self.matches else None


def entry_views(store: Store, principal: Principal, watchlist_id: int) -> list[EntryView]:
    get_watchlist(store, principal, watchlist_id)
    monitor = _monitor(store)
    entries = monitor.entries(watchlist_id)
    matches = monitor.matches([e.id for e in entries])
    return [EntryView(e, tuple(matches.get(e.id, ()))) for e in entries]


# --- re-screening ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RescreenReport:
    entries: int
    matches: int
    alerts: tuple[Alert, ...]
    seconds: float


def _entry_match(match: Match, fingerprint: str) -> EntryMatch:
    return EntryMatch(
        match.key,
        fingerprint,
        match.score,
        match.schema,
        match.caption,
        match.lists,
        tuple(match.explanation),
        match.decision,
    )


def _decided_on_current_entity(
    index: ScreeningIndex, query_fingerprint: str, match: Match, fingerprint: str
) -> bool:
    """An analyst decided this pair (either way) while the listed entity had the values it has now."""
    for key in (match.key, *match.keys):
        decision = index.decisions.get((query_fingerprint, key))
        if decision is not None and decision.entity_fingerprint == fingerprint:
            return True
    return False


class _WatchlistDecisions:
    """The screening index each watchlist is screened with: the shared index with the decisions of the
    watchlist's keeper (`owner_decision_org`), read once per watchlist and once per organisation."""

    def __init__(self, store: Store, shared: ScreeningIndex) -> None:
        self.store = store
        self.shared = shared
        self._org_of: dict[int, str | None] = {}
        self._indexes: dict[str | None, ScreeningIndex] = {}

    def index_for(self, entry: WatchlistEntry) -> ScreeningIndex:
        if entry.watchlist_id not in self._org_of:
            self._org_of[entry.watchlist_id] = owner_decision_org(self.store, entry.owner, entry.org)
        org = self._org_of[entry.watchlist_id]
        if org not in self._indexes:
            self._indexes[org] = with_decisions(self.store, self.shared, org)
        return self._indexes[org]


class _Causes:
    """The list version whose import an alert is attributed to: among the versions just imported, the
    one of a list that states the entity; otherwise that list's latest version."""

    def __init__(self, store: Store, reports: Sequence[ImportReport]) -> None:
        self.store = store
        self.imported = {r.list_name: r.version for r in reports if not r.unchanged}
        self.latest: dict[str, VersionInfo | None] = {}

    def of(self, lists: Sequence[str]) -> VersionInfo | None:
        for name in lists:
            if name in self.imported:
                return self.imported[name]
        for name in lists:
            if name not in self.latest:
                try:
                    self.latest[name] = self.store.version(name)
                except NotFoundError:
                    self.latest[name] = None
            if self.latest[name] is not None:
                return self.latest[name]
        return None


def _new_alert(
    entry: WatchlistEntry,
    kind: str,
    key: str,
    caption: str,
    score: float,
    explanation: Sequence[str],
    cause: VersionInfo | None,
) -> NewAlert:
    return NewAlert(
        watchlist_id=entry.watchlist_id,
        entry_id=entry.id,
        entry_ref=entry.ref,
        entry_name=entry.name,
        org=entry.org,
        entity_key=key,
        caption=caption,
        kind=kind,
        score=score,
        explanation=tuple(explanation),
        list_name=cause.list_name if cause else None,
        list_seq=cause.seq if cause else None,
        list_label=cause.label if cause else None,
    )


def rescreen(
    store: Store,
    *,
    reports: Sequence[ImportReport] = (),
    index: ScreeningIndex | None = None,
    only_unscreened: bool = False,
    progress: ProgressFn | None = None,
) -> RescreenReport:
    """Screen every watchlist entry against the current lists and raise alerts for what changed.

    `only_unscreened` screens just the entries never screened (new uploads: their first alerts).
    """
    started = time.perf_counter()
    monitor = _monitor(store)
    entries = monitor.entries()
    if only_unscreened:
        entries = [e for e in entries if e.screened_generation is None]
    if not entries:
        return RescreenReport(0, 0, (), time.perf_counter() - started)
    shared = index or screening_index(store, progress=progress)
    previous = monitor.matches([e.id for e in entries])
    causes = _Causes(store, reports)
    decisions = _WatchlistDecisions(store, shared)
    screened: list[tuple[int, list[EntryMatch]]] = []
    alerts: list[NewAlert] = []
    total = 0
    for done, entry in enumerate(entries, start=1):
        record = _record(entry)
        index = decisions.index_for(entry)
        found = screen_record(index, record, limit=MONITOR_MATCH_LIMIT)
        fingerprints = index.entity_fingerprints([m.key for m in found])
        current = [_entry_match(m, fingerprints.get(m.key, "")) for m in found]
        screened.append((entry.id, current))
        total += len(current)
        # A first screening alerts too: its matches are all new to the entry's keeper (a counterparty
        # added today that is listed already is the alert that matters most), unless already decided.
        alerts.extend(_changes(index, causes, entry, record, found, fingerprints, previous.get(entry.id, [])))
        if progress and (done % 500 == 0 or done == len(entries)):
            progress("re-screening watchlists", done, len(entries))
    created = monitor.record_screening(
        screened, alerts, generation=shared.generation, payload_of=_payload, receives=_receiver(store)
    )
    return RescreenReport(len(entries), total, tuple(created), time.perf_counter() - started)


def _changes(
    index: ScreeningIndex,
    causes: _Causes,
    entry: WatchlistEntry,
    record: ScreeningRecord,
    found: Sequence[Match],
    fingerprints: dict[str, str],
    before: Sequence[EntryMatch],
) -> list[NewAlert]:
    known = {m.entity_key: m for m in before}
    query_fp = record.fingerprint
    alerts = []
    still: set[str] = set()
    for match in found:
        fingerprint = fingerprints.get(match.key, "")
        prior = next((known[k] for k in (match.key, *match.keys) if k in known), None)
        still.update((match.key, *match.keys))
        if prior is not None and prior.entity_fingerprint == fingerprint:
            continue
        if _decided_on_current_entity(index, query_fp, match, fingerprint):
            continue
        # A pair an analyst decided on earlier (and that left the state, as a not-a-match does) is not
        # new to them: the entity changed since their decision.
        decided_before = any((query_fp, k) in index.decisions for k in (match.key, *match.keys))
        kind = "new" if prior is None and not decided_before else "changed"
        alerts.append(
            _new_alert(
                entry, kind, match.key, match.caption, match.score, match.explanation, causes.of(match.lists)
            )
        )
    for key, prior in known.items():
        # Only a delisting is alerted: a match that merely fell below the threshold, or that an analyst
        # has since decided is not a match, leaves quietly.
        if key in still or index.screener.index.get(key) is not None:
            continue
        explanation = (f"{key} ({prior.caption}) is no longer on any loaded list.",)
        alerts.append(
            _new_alert(entry, "removed", key, prior.caption, prior.score, explanation, causes.of(prior.lists))
        )
    return alerts


def rescreen_after_import(store: Store, reports: Sequence[ImportReport]) -> RescreenReport | None:
    """The post-import hook: after a new list version lands, re-screen every watchlist entry.

    Costs one count query when no watchlist has entries, so that loading lists stays as fast as before.
    """
    if not any(not r.unchanged for r in reports) or _monitor(store).count_entries() == 0:
        return None
    return rescreen(store, reports=reports)


# --- alerts ---------------------------------------------------------------------------------------


def alerts(
    store: Store,
    principal: Principal,
    *,
    watchlist_id: int | None = None,
    state: str | None = None,
    kind: str | None = None,
    list_name: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[Alert]:
    if state is not None and state not in ALERT_STATES:
        raise InputError("state", f"must be one of {', '.join(ALERT_STATES)}")
    if kind is not None and kind not in ALERT_KINDS:
        raise InputError("kind", f"must be one of {', '.join(ALERT_KINDS)}")
    found = _monitor(store).alerts(
        _scope(principal),
        watchlist_id=watchlist_id,
        state=state,
        kind=kind,
        list_name=list_name,
        limit=limit,
        offset=offset,
    )
    keepers = _watchlist_keepers(store, {a.watchlist_id for a in found})
    sides = _Sides(store)
    return [a for a in found if sides.visible(principal, a.org, keepers.get(a.watchlist_id))]


def _watchlist_keepers(store: Store, ids: set[int]) -> dict[int, str | None]:
    """Who keeps each watchlist (its creator): an alert is seen by whoever may see its watchlist."""
    monitor = _monitor(store)
    keepers: dict[int, str | None] = {}
    for watchlist_id in ids:
        found = monitor.watchlist(watchlist_id)
        keepers[watchlist_id] = found.created_by if found is not None else None
    return keepers


def get_alert(store: Store, principal: Principal, alert_id: int) -> Alert:
    _scope(principal)
    found = _monitor(store).alert(alert_id)
    keeper = _watchlist_keepers(store, {found.watchlist_id}).get(found.watchlist_id) if found else None
    if found is None or not _Sides(store).visible(principal, found.org, keeper):
        raise NotFoundError(f"no alert {alert_id}")
    return found


def acknowledge_alert(store: Store, principal: Principal, alert_id: int) -> Alert:
    """Mark the alert acknowledged by the principal (acknowledging again keeps the first who and when)."""
    found = get_alert(store, principal, alert_id)
    acknowledged = _monitor(store).acknowledge(
        alert_id,
        user=principal.user,
        at=utc_now(),
        audit=_audit(principal, "alert.acknowledge", str(alert_id), entity=found.entity_key),
    )
    assert acknowledged is not None
    return acknowledged


def alerts_per_version(store: Store, principal: Principal) -> list[tuple[str, int, str, int]]:
    """(list, version, label, alerts) for every list version that raised alerts the principal sees."""
    return _monitor(store).alerts_per_version(_scope(principal))


def alert_json(alert: Alert) -> dict[str, object]:
    """An alert as the API returns it and webhooks carry it."""
    return {
        "id": alert.id,
        "watchlist": alert.watchlist_id,
        "entry": {"id": alert.entry_id, "ref": alert.entry_ref, "name": alert.entry_name},
        "org": alert.org,
        "entity": {"key": alert.entity_key, "caption": alert.caption},
        "kind": alert.kind,
        "score": round(alert.score, 4),
        "explanation": list(alert.explanation),
        "list_version": (
            {"list": alert.list_name, "seq": alert.list_seq, "label": alert.list_label}
            if alert.list_name
            else None
        ),
        "state": alert.state,
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "created_at": alert.created_at.isoformat(),
    }


# --- webhooks -------------------------------------------------------------------------------------


def _check_events(events: Sequence[str] | None) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(events)) if events else ALERT_KINDS
    unknown = [e for e in chosen if e not in ALERT_KINDS]
    if unknown:
        raise InputError(
            "events", f"unknown alert kind(s) {', '.join(unknown)}; use {', '.join(ALERT_KINDS)}"
        )
    return chosen


def create_webhook(
    store: Store,
    principal: Principal,
    url: str,
    *,
    events: Sequence[str] | None = None,
    allow_private: bool | None = None,
) -> Webhook:
    """Register an endpoint for the principal's organisation's alerts (all organisations' for a webhook
    created by someone without an organisation). The returned webhook carries its secret, which is never
    shown again.

    The URL is http(s) to a public address (see `services.outbound`); `allow_private` overrides the
    ACCOMPLICE_WEBHOOK_ALLOW_PRIVATE setting.
    """
    _scope(principal)
    url = outbound.check_url(url, allow_private_hosts=allow_private)
    chosen = _check_events(events)
    return _monitor(store).create_webhook(
        url,
        secrets.token_hex(SECRET_BYTES),
        events=chosen,
        org=principal.org,
        created_by=principal.user,
        audit=_audit(principal, "webhook.create", url, events=list(chosen)),
    )


def webhooks(store: Store, principal: Principal) -> list[Webhook]:
    sides = _Sides(store)
    return [
        h
        for h in _monitor(store).webhooks(_scope(principal))
        if sides.visible(principal, h.org, h.created_by)
    ]


def get_webhook(store: Store, principal: Principal, webhook_id: int) -> Webhook:
    _scope(principal)
    found = _monitor(store).webhook(webhook_id)
    if found is None or not _Sides(store).visible(principal, found.org, found.created_by):
        raise NotFoundError(f"no webhook {webhook_id}")
    return found


def set_webhook_active(store: Store, principal: Principal, webhook_id: int, active: bool) -> Webhook:
    get_webhook(store, principal, webhook_id)
    _monitor(store).set_webhook_active(
        webhook_id, active, _audit(principal, "webhook.activate", str(webhook_id), active=active)
    )
    return get_webhook(store, principal, webhook_id)


def delete_webhook(store: Store, principal: Principal, webhook_id: int) -> None:
    found = get_webhook(store, principal, webhook_id)
    _monitor(store).delete_webhook(
        webhook_id, _audit(principal, "webhook.delete", str(webhook_id), url=found.url)
    )


def deliveries(store: Store, principal: Principal, webhook_id: int) -> list[Delivery]:
    get_webhook(store, principal, webhook_id)
    return _monitor(store).deliveries(webhook_id)


def _receiver(store: Store) -> Callable[[Webhook, Sequence[Alert]], list[Alert]]:
    """Which of an organisation's alerts a webhook receives: an importer's webhook only those of its
    side's watchlists (see `_Sides`); an enforcement-side webhook all of them."""
    sides = _Sides(store)
    keepers: dict[int, str | None] = {}

    def receives(hook: Webhook, chosen: Sequence[Alert]) -> list[Alert]:
        if sides.enforcement(hook.created_by):
            return list(chosen)
        missing = {a.watchlist_id for a in chosen} - keepers.keys()
        keepers.update(_watchlist_keepers(store, missing))
        return [a for a in chosen if not sides.enforcement(keepers.get(a.watchlist_id))]

    return receives


def _payload(hook: Webhook, chosen: Sequence[Alert]) -> str:
    return json.dumps(
        {"event": "alerts", "webhook": hook.id, "alerts": [alert_json(a) for a in chosen]},
        ensure_ascii=False,
        sort_keys=True,
    )


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, ... at most six hours."""
    seconds = RETRY_BASE_SECONDS * RETRY_FACTOR ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, RETRY_MAX_DELAY_SECONDS))


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    attempted: int
    delivered: int
    failed: int
    given_up: int


def _body(delivery: Delivery, attempt: int, sent_at: int) -> bytes:
    """The stored payload with the delivery id, the attempt number and the send time added.

    The time is inside the signed body (and repeated in the timestamp header), so a receiver can refuse
    a replayed request: the signature covers it, and it cannot be moved forward without the secret.
    """
    data: dict[str, Any] = json.loads(delivery.payload)
    data.update(delivery=delivery.id, attempt=attempt, sent_at=sent_at)
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


def deliver_due(
    store: Store,
    *,
    now: datetime | None = None,
    limit: int = DELIVERY_BATCH,
    allow_private: bool | None = None,
) -> DeliveryReport:
    """Send every delivery that is due, once each; failures are rescheduled with `retry_delay`.

    Each request is `POST url` with a JSON body and the headers
    `X-Accomplice-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the webhook secret>` and
    `X-Accomplice-Timestamp: <unix seconds>` (equal to the body's `sent_at`) and `X-Accomplice-Delivery:
    <id>` (equal to the body's `delivery`). A receiver should compute the HMAC over the raw body bytes and
    compare in constant time, refuse a `sent_at` more than five minutes from its clock (replay
    protection), and treat `delivery` as an idempotency key. Delivery is at least once: a retry after a
    lost answer, or after the server died between sending and recording the answer, carries the same
    delivery id and the same alerts (tests/test_kill9_workers.py). Only a 2xx answer counts; redirects
    are not followed.

    A host that resolves to a private, loopback or link-local address now (see `services.outbound`) is
    not sent to: the attempt fails with that reason and is retried like any other. `allow_private`
    overrides the ACCOMPLICE_WEBHOOK_ALLOW_PRIVATE setting.
    """
    allowed = outbound.allow_private(allow_private)
    now = now or utc_now()
    monitor = _monitor(store)
    claimed = monitor.claim_due(now, now + timedelta(seconds=CLAIM_LEASE_SECONDS), limit)
    delivered = failed = given_up = 0
    for delivery, hook in claimed:
        attempt = delivery.attempts + 1
        sent_at = int(now.timestamp())
        body = _body(delivery, attempt, sent_at)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "accomplice-webhooks",
            SIGNATURE_HEADER: sign(hook.secret, body),
            TIMESTAMP_HEADER: str(sent_at),
            DELIVERY_HEADER: str(delivery.id),
        }
        status: int | None = None
        error: str | None = None
        try:
            status = outbound.post(
                hook.url, body, headers, timeout=WEBHOOK_TIMEOUT_SECONDS, allow_private_hosts=allowed
            )
        except Exception as exc:  # any transport failure is a failed attempt, retried later
            error = (str(exc).splitlines() or [type(exc).__name__])[0][:MAX_ERROR_CHARS] or type(exc).__name__
        ok = status is not None and 200 <= status < 300
        if status is not None and not ok:
            error = f"HTTP {status}"
        if ok:
            delivered += 1
            next_at = None
        elif attempt >= MAX_ATTEMPTS:
            given_up += 1
            next_at = None
        else:
            failed += 1
            next_at = now + retry_delay(attempt)
        monitor.record_attempt(
            delivery.id,
            attempts=attempt,
            status_code=status,
            error=error,
            delivered_at=now if ok else None,
            next_attempt_at=next_at,
        )
    return DeliveryReport(len(claimed), delivered, failed, given_up)


def start_delivery_worker(store: Store, stop: threading.Event) -> threading.Thread:
    """The server's background worker: sends due deliveries every DELIVERY_POLL_SECONDS until `stop`."""

    def run() -> None:
        while not stop.is_set():
            try:
                deliver_due(store)
            except Exception:  # a database hiccup must not kill the worker; the next pass retries
                import logging

                logging.getLogger(__name__).exception("webhook delivery pass failed")
            stop.wait(DELIVERY_POLL_SECONDS)

    thread = threading.Thread(target=run, name="webhook-deliveries", daemon=True)
    thread.start()
    return thread
