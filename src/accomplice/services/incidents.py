"""Documented abuses: import, read by pseudonym, unmask with a reason and a second factor, publish the
redacted version, export, search, timelines and the accountability graph of a listed entity.

Rules (see docs/incidents.md):
- a record is restricted to its team (its organisation; "" = the shared team) until published;
- a victim's identifying fields are sealed with the key of `incident_keys` and appear nowhere else; every
  read shows the victim's pseudonym; unmasking needs `victims`, a stated reason and, for an account, a TOTP
  code, and leaves an audit row;
- publication and export refuse what the victims' consent does not cover (`incidents.consent`).
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import pyotp

from accomplice.errors import AccompliceError, InputError, NotFoundError
from accomplice.incidents.consent import consent_problem, covers
from accomplice.incidents.dates import parse_partial_date
from accomplice.incidents.model import (
    Identity,
    Incident,
    IncidentInputError,
    Victim,
    incident_from_json,
)
from accomplice.incidents.public import PUBLIC_FIELDS, public_version
from accomplice.incidents.vocab import ACT_TYPES, PERPETRATOR_KINDS, label
from accomplice.services.auth import ForbiddenError, Permission, Principal, require
from accomplice.services.incident_keys import (
    KeyProblem,
    Keyring,
    add_new_key,
    key_file_path,
    open_sealed,
    read_keyring,
    seal,
    write_keyring,
)
from accomplice.services.screening import ScreeningIndex, ScreeningRecord, screen_record, screening_index
from accomplice.store import Store
from accomplice.store.audit import AuditEntry
from accomplice.store.incidents import (
    IncidentFilter,
    IncidentRow,
    IncidentStore,
    NewIncident,
    NewVictim,
    PerpetratorRow,
    SealedRow,
)

__all__ = [
    "MIN_REASON",
    "EntityGraph",
    "GraphShipment",
    "ImportReport",
    "IncidentPage",
    "IncidentView",
    "KeyProblem",
    "TimelineBucket",
    "Unmasked",
    "UpstreamAbuses",
    "VictimView",
    "cite_as_labour_evidence",
    "enrol_totp",
    "entity_graph",
    "export_public",
    "export_public_ftm",
    "export_records",
    "import_csv",
    "import_file",
    "import_lines",
    "incident_page",
    "incident_view",
    "key_problem",
    "load_seed",
    "public_incident",
    "public_incidents",
    "publish",
    "rotate_key",
    "shipment_abuses",
    "timeline",
    "unmask",
]

# A stated reason is a sentence, not "x": short enough for a real one ("family tracing request").
MIN_REASON = 10
# Screening must be this sure (and not dismissed) before a perpetrator is shown as a listed entity.
RESOLVE_THRESHOLD = 0.85
# A list key written in a perpetrator's role by the documenter ("... (ofac:22704)") names the entity.
_KEY_IN_TEXT = re.compile(r"\b((?:ofac|un|eu|uk):[A-Za-z0-9.\-]+[A-Za-z0-9])")
SEED_FILE = Path("accountability") / "incidents.jsonl"
# Perpetrators repeat across an import (the same security bureau in hundreds of records): each distinct
# (name, kind, role) is screened once per import.
RESOLVE_CACHE = 65_536
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class ImportReport:
    path: str
    added: int
    already: list[str]
    victims: int


@dataclass(frozen=True, slots=True)
class VictimView:
    pseudonym: str
    role: str
    consent: str
    family_in_dprk: bool


@dataclass(frozen=True, slots=True)
class IncidentView:
    """A record as its readers see it: victims by pseudonym only."""

    row: IncidentRow
    victims: tuple[VictimView, ...] = ()

    @property
    def ref(self) -> str:
        return self.row.ref

    def acts_labelled(self, language: str = "en") -> list[tuple[str, str]]:
        return [(a, label(ACT_TYPES, a, language)) for a in self.row.acts]

    def as_json(self) -> dict[str, object]:
        record = record_json(self.row)
        record["state"] = self.row.state
        record["team"] = self.row.org
        record["victims"] = [
            {
                "pseudonym": v.pseudonym,
                "role": v.role,
                "consent": v.consent,
                "family_in_dprk": v.family_in_dprk,
            }
            for v in self.victims
        ]
        return record


@dataclass(frozen=True, slots=True)
class IncidentPage:
    total: int
    items: list[IncidentView]
    key_problem: str | None = None


@dataclass(frozen=True, slots=True)
class Unmasked:
    pseudonym: str
    role: str
    identity: Identity


@dataclass(frozen=True, slots=True)
class TimelineBucket:
    year: int
    count: int
    acts: dict[str, int] = field(default_factory=dict)


# -- reading and visibility -----------------------------------------------------------------------------


def _visible_orgs(actor: Principal) -> frozenset[str] | None:
    """The teams whose restricted records `actor` sees: its own and the shared team; all for an admin."""
    require(actor, Permission.INCIDENTS_READ)
    if actor.can(Permission.MANAGE_USERS):
        return None
    return frozenset({"", actor.org or ""})


def record_json(row: IncidentRow) -> dict[str, object]:
    """The record in the shape of the shared incidents.jsonl (no victims: they are never in a row)."""
    body = row.body
    return {
        "id": row.ref,
        "title": row.title,
        "type": row.record_type,
        "acts": list(row.acts),
        "date": row.date_edtf,
        "date_start": body.get("date_start"),
        "date_end": body.get("date_end"),
        "date_precision": row.date_precision,
        "place": row.place,
        "place_precision": row.place_precision,
        "country": row.country,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "perpetrators": [
            {"name": p.name, "kind": p.kind, "role": p.role, "degree": p.degree, "entity_key": p.entity_key}
            for p in row.perpetrators
        ],
        "victims_summary": body.get("victims_summary", ""),
        "narrative": body.get("narrative", ""),
        "sources": body.get("sources", []),
        "interventions": body.get("interventions", []),
        "verified": bool(body.get("verified")),
        "notes": body.get("notes", ""),
    }


def _victim_views(store: Store, row: IncidentRow) -> tuple[VictimView, ...]:
    return tuple(
        VictimView(v.pseudonym, v.role, v.consent, v.family_in_dprk)
        for v in IncidentStore(store).victims(row.id)
    )


def incident_page(
    store: Store,
    actor: Principal,
    *,
    query: str | None = None,
    country: str | None = None,
    act: str | None = None,
    entity_key: str | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> IncidentPage:
    """The records `actor` may read that match, newest first (victims counted, not named)."""
    where = IncidentFilter(
        orgs=_visible_orgs(actor), query=query, country=country, act=act, entity_key=entity_key
    )
    total, rows = IncidentStore(store).find(where, limit=limit, offset=offset)
    return IncidentPage(total, [IncidentView(r) for r in rows], key_problem(store))


def _visible_row(store: Store, actor: Principal, ref: str) -> IncidentRow:
    row = IncidentStore(store).get(ref)
    orgs = _visible_orgs(actor)
    if row is None or (orgs is not None and row.org not in orgs):
        raise NotFoundError(f"no incident {ref!r}")
    return row


def incident_view(store: Store, actor: Principal, ref: str) -> IncidentView:
    row = _visible_row(store, actor, ref)
    return IncidentView(row, _victim_views(store, row))


# -- import ---------------------------------------------------------------------------------------------


def _resolver(store: Store, index: ScreeningIndex | None) -> Any:
    """A function name → (entity key, score) or None, through the screening index (`index`, or the
    store's); None for a store without lists."""
    from accomplice.services.lists import list_infos

    if index is None:
        if not list_infos(store):
            return None
        index = screening_index(store)

    @lru_cache(maxsize=RESOLVE_CACHE)
    def resolve(name: str, kind: str, role: str) -> tuple[str, float] | None:
        for key in _KEY_IN_TEXT.findall(role):
            if store.entity(key) is not None:
                return key, 1.0
        if "(not named)" in name:
            return None
        record = ScreeningRecord("incident", name, "Person" if kind == "person" else None, None, None)
        matches = screen_record(index, record, threshold=RESOLVE_THRESHOLD, limit=1)
        best = matches[0] if matches and matches[0].decision != "no-match" else None
        return (best.key, round(best.score, 4)) if best else None

    return resolve


def _search_text(incident: Incident) -> str:
    """What search reads: every non-identifying text of the record, act labels in all four languages."""
    parts = [incident.ref, incident.title, incident.place, incident.victims_summary, incident.narrative]
    parts += [f"{p.name} {p.role}" for p in incident.perpetrators]
    parts += [s.title for s in incident.sources]
    for act in incident.act_types:
        term = ACT_TYPES[act]
        parts += [term.en, term.ko, term.zh, term.ru]
    return "\n".join(p for p in parts if p)


def _new_incident(
    incident: Incident, org: str, by: str | None, resolve: Any, keyring: Keyring | None
) -> NewIncident:
    perpetrators = []
    for p in incident.perpetrators:
        found = resolve(p.name, p.kind, p.role) if resolve is not None else None
        perpetrators.append(
            PerpetratorRow(
                p.name, p.kind, p.role, p.degree, found[0] if found else None, found[1] if found else None
            )
        )
    victims = []
    for v in incident.victims:
        assert keyring is not None  # checked by the caller before any record is built
        # Random, so that nothing of the person can be read back from it.
        pseudonym = f"V-{secrets.token_hex(5).upper()}"
        key_id, sealed = seal(
            keyring, pseudonym, json.dumps(v.identity.as_json(), ensure_ascii=False).encode()
        )
        victims.append(NewVictim(pseudonym, v.role, v.consent, v.family_in_dprk, key_id, sealed))
    body = {
        "date_start": incident.date_start,
        "date_end": incident.date_end,
        "victims_summary": incident.victims_summary,
        "narrative": incident.narrative,
        "sources": [
            {
                "title": s.title,
                "url": s.url,
                "date": s.date,
                "reliability_note": s.note,
                "grade": s.grade,
                "connection": s.connection,
            }
            for s in incident.sources
        ],
        "interventions": [
            {"party": i.party, "action": i.action, "date": i.date} for i in incident.interventions
        ],
        "verified": incident.verified,
        "notes": incident.notes,
    }
    values = {
        "ref": incident.ref,
        "org": org,
        "title": incident.title,
        "record_type": incident.record_type,
        "acts": list(incident.act_types),
        "date_edtf": incident.date,
        "date_sort": parse_partial_date(incident.date_start.rstrip("~")).earliest.isoformat(),
        "date_precision": incident.date_precision,
        "place": incident.place,
        "place_precision": incident.place_precision,
        "country": incident.country,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "body": body,
        "search_text": _search_text(incident),
        "created_by": by,
    }
    return NewIncident(values, tuple(perpetrators), tuple(victims))


def parse_lines(lines: Iterable[str], path: str) -> list[Incident]:
    """Every record of a JSON lines text; InputError names the line and the field at fault."""
    records: list[Incident] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            incident = incident_from_json(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not JSON ({exc.msg})", number) from exc
        except IncidentInputError as exc:
            raise InputError(path, str(exc), number) from exc
        if incident.ref in seen:
            raise InputError(path, f"id {incident.ref!r} appears twice", number)
        seen.add(incident.ref)
        records.append(incident)
    return records


def import_lines(
    store: Store, actor: Principal, lines: Iterable[str], path: str, *, index: ScreeningIndex | None = None
) -> ImportReport:
    """Import incidents (JSON lines) for `actor`'s team in one transaction; records already stored (by
    id) are left as they are. Victims need the key: without one nothing is written."""
    require(actor, Permission.INCIDENTS_WRITE)
    records = parse_lines(lines, path)
    victims = sum(len(r.victims) for r in records)
    keyring = read_keyring(key_file_path(store)) if victims else None
    resolve = _resolver(store, index)
    org = actor.org or ""
    built = [_new_incident(r, org, actor.user, resolve, keyring) for r in records]
    audit = AuditEntry(
        actor.user, "incidents.import", path, {"records": len(records), "victims": victims, "team": org}
    )
    added, already = IncidentStore(store).add(built, audit)
    return ImportReport(path, added, already, victims if added else 0)


def import_file(
    store: Store, actor: Principal, path: Path, *, index: ScreeningIndex | None = None
) -> ImportReport:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(str(path), "no such file") from exc
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    return import_lines(store, actor, text.splitlines(), str(path), index=index)


def import_csv(
    store: Store,
    actor: Principal,
    path: Path,
    mapping_path: Path | None = None,
    *,
    index: ScreeningIndex | None = None,
) -> ImportReport:
    """Import a CSV through a column mapping (a YAML/JSON file), or Uwazi's export without one. Victims are
    never read from CSV: identifying fields go through JSON lines, which say what each field is."""
    import csv

    import yaml

    from accomplice.incidents.columns import UWAZI_MAPPING, ColumnMapping, record_from_row

    mapping = UWAZI_MAPPING
    if mapping_path is not None:
        try:
            mapping = ColumnMapping.from_json(yaml.safe_load(mapping_path.read_text(encoding="utf-8")) or {})
        except (OSError, yaml.YAMLError, ValueError, AttributeError) as exc:
            raise InputError(str(mapping_path), f"not a column mapping ({exc})") from exc
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError as exc:
        raise InputError(str(path), "no such file") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(str(path), f"not a UTF-8 CSV file ({exc})") from exc
    # Line numbers of the file: the header is line 1.
    lines = [""] + [json.dumps(record_from_row(row, mapping), ensure_ascii=False) for row in rows]
    return import_lines(store, actor, lines, str(path), index=index)


def load_seed(store: Store, actor: Principal, shared_data: Path) -> ImportReport | None:
    """The shared incidents file (26 public, sourced incidents; no victims named), if present. Loaded
    restricted: the shared README asks that no record be published before its source is re-checked."""
    path = shared_data / SEED_FILE
    return import_file(store, actor, path) if path.exists() else None


# -- the key, unmasking, second factor ------------------------------------------------------------------


def key_problem(store: Store) -> str | None:
    """Why the victims' sealed records cannot be opened (no key file, wrong key); None if they can, or if
    there is nothing sealed yet."""
    sealed = IncidentStore(store).one_sealed_per_key()
    if not sealed:
        return None
    try:
        keyring = read_keyring(key_file_path(store))
        for row in sealed:
            open_sealed(keyring, row.key_id, row.bound_to, row.sealed)
    except KeyProblem as exc:
        return str(exc)
    return None


def rotate_key(store: Store, actor: Principal) -> int:
    """A new key; every sealed value re-sealed with it in one transaction; then the old keys dropped."""
    require(actor, Permission.MANAGE_USERS)
    path = key_file_path(store)
    old = read_keyring(path)
    rows = IncidentStore(store).sealed_rows()
    plain = [(r, open_sealed(old, r.key_id, r.bound_to, r.sealed)) for r in rows]  # fails before writing
    keyring = add_new_key(old)
    resealed = []
    for row, value in plain:
        key_id, sealed = seal(keyring, row.bound_to, value)
        resealed.append(SealedRow(row.table, row.row_key, row.bound_to, key_id, sealed))
    audit = AuditEntry(
        actor.user, "keys.rotate", str(path), {"records": len(resealed), "key": keyring.current_id}
    )
    count = IncidentStore(store).reseal(resealed, audit)
    write_keyring(path, keyring.keys[:1])
    return count


def _totp(store: Store, user: str) -> pyotp.TOTP | None:
    row = IncidentStore(store).totp(user)
    if row is None:
        return None
    keyring = read_keyring(key_file_path(store))
    return pyotp.TOTP(open_sealed(keyring, row.key_id, row.bound_to, row.sealed).decode())


def enrol_totp(store: Store, actor: Principal, user: str | None = None) -> str:
    """A new TOTP secret for `user` (default: the actor), sealed; returns its otpauth:// URI to scan.
    A user enrols itself; an admin may enrol (reset) another."""
    target = user or actor.user
    if target is None:
        raise ForbiddenError("log in first")
    if target != actor.user:
        require(actor, Permission.MANAGE_USERS)
    else:
        require(actor, Permission.VICTIMS)
    secret = pyotp.random_base32()
    keyring = read_keyring(key_file_path(store))
    key_id, sealed = seal(keyring, f"totp:{target}", secret.encode())
    IncidentStore(store).set_totp(target, key_id, sealed, AuditEntry(actor.user, "totp.enrol", target, {}))
    return pyotp.TOTP(secret).provisioning_uri(name=target, issuer_name="accomplice")


def _check_second_factor(store: Store, actor: Principal, code: str | None) -> None:
    """Accounts holding `victims` confirm each unmasking with a TOTP code. The operator at the command
    line is exempt: whoever runs it on the server can read the key file anyway."""
    if actor.user is None or actor.user.startswith("cli:"):
        return
    totp = _totp(store, actor.user)
    if totp is None:
        raise ForbiddenError(f"{actor.user} has no second factor: enrol one first (accomplice keys totp)")
    if not code or not totp.verify(code.strip(), valid_window=1):
        raise ForbiddenError("the second-factor code is missing or wrong")


def unmask(store: Store, actor: Principal, ref: str, reason: str, otp: str | None = None) -> list[Unmasked]:
    """The real identities of a record's victims and witnesses, for a stated reason; one audit row."""
    require(actor, Permission.VICTIMS)
    row = _visible_row(store, actor, ref)
    stated = (reason or "").strip()
    if len(stated) < MIN_REASON:
        raise ForbiddenError(
            f"state why you need to see who the victims are (at least {MIN_REASON} characters)"
        )
    _check_second_factor(store, actor, otp)
    victims = IncidentStore(store).victims(row.id)
    keyring = read_keyring(key_file_path(store))
    opened = [
        Unmasked(
            v.pseudonym,
            v.role,
            Identity.from_json(json.loads(open_sealed(keyring, v.key_id, v.pseudonym, v.sealed))),
        )
        for v in victims
    ]
    from accomplice.services.auth import record_audit

    record_audit(
        store,
        actor,
        "incidents.unmask",
        ref,
        {"reason": stated, "pseudonyms": [v.pseudonym for v in victims]},
    )
    return opened


# -- publication and export -----------------------------------------------------------------------------


def _consent_victims(store: Store, row: IncidentRow) -> list[tuple[str, Victim]]:
    return [
        (v.pseudonym, Victim(Identity(""), v.consent, v.family_in_dprk, v.role))
        for v in IncidentStore(store).victims(row.id)
    ]


def publish(store: Store, actor: Principal, ref: str) -> dict[str, object]:
    """Publish the redacted version of a record; refused where a victim's consent does not cover it."""
    require(actor, Permission.INCIDENTS_PUBLISH)
    row = _visible_row(store, actor, ref)
    problem = consent_problem(_consent_victims(store, row), "publish-anonymised")
    if problem:
        raise ForbiddenError(f"{ref} is not published: {problem}")
    roles = [v.role for v in IncidentStore(store).victims(row.id)]
    public = public_version(record_json(row), roles)
    IncidentStore(store).publish(
        ref, public, actor.user, AuditEntry(actor.user, "incidents.publish", ref, {"victims": len(roles)})
    )
    return public


def public_incidents(
    store: Store, *, query: str | None = None, limit: int = PAGE_SIZE, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """Published records' public versions: for anyone."""
    total, rows = IncidentStore(store).find(
        IncidentFilter(published_only=True, query=query), limit=limit, offset=offset
    )
    return total, [dict(r.public or {}) for r in rows]


def public_incident(store: Store, ref: str) -> dict[str, Any]:
    row = IncidentStore(store).get(ref)
    if row is None or row.state != "published" or row.public is None:
        raise NotFoundError(f"no published incident {ref!r}")
    return dict(row.public)


def export_public(store: Store, out: IO[str]) -> int:
    """Every published record's public version, as JSON lines; only PUBLIC_FIELDS leave."""
    count = 0
    offset = 0
    while True:
        _, page = public_incidents(store, limit=500, offset=offset)
        if not page:
            return count
        for record in page:
            out.write(
                json.dumps({k: v for k, v in record.items() if k in PUBLIC_FIELDS}, ensure_ascii=False) + "\n"
            )
            count += 1
        offset += len(page)


def export_records(store: Store, actor: Principal, out: IO[str], *, purpose: str = "internal") -> int:
    """The records `actor` may read, victims by pseudonym, as JSON lines. `purpose` "share-un" leaves out
    (and counts) records whose victims did not consent to sharing with the UN repository."""
    orgs = _visible_orgs(actor)
    count = 0
    offset = 0
    while True:
        _, rows = IncidentStore(store).find(IncidentFilter(orgs=orgs), limit=500, offset=offset)
        if not rows:
            break
        offset += len(rows)
        for row in rows:
            view = IncidentView(row, _victim_views(store, row))
            if any(not covers(v.consent, purpose) for v in view.victims):
                continue
            out.write(json.dumps(view.as_json(), ensure_ascii=False, default=str) + "\n")
            count += 1
    from accomplice.services.auth import record_audit

    record_audit(store, actor, "incidents.export", purpose, {"records": count})
    return count


# -- timelines ------------------------------------------------------------------------------------------


def timeline(
    store: Store,
    actor: Principal,
    *,
    country: str | None = None,
    act: str | None = None,
    entity_key: str | None = None,
) -> list[TimelineBucket]:
    """Incidents per year (by the earliest day their date may mean) with their acts."""
    page = incident_page(store, actor, country=country, act=act, entity_key=entity_key, limit=100_000)
    years: dict[int, Counter[str]] = {}
    for item in page.items:
        year = int(item.row.date_sort[:4])
        years.setdefault(year, Counter()).update(item.row.acts)
    return [
        TimelineBucket(y, sum(1 for i in page.items if int(i.row.date_sort[:4]) == y), dict(c))
        for y, c in sorted(years.items())
    ]


def perpetrator_kinds() -> list[tuple[str, str]]:
    return [(code, term.en) for code, term in PERPETRATOR_KINDS.items()]


def incidents_of_entities(
    store: Store, actor: Principal, keys: Sequence[str]
) -> dict[str, list[IncidentView]]:
    """For each listed entity key, the records `actor` may read that name it as perpetrator (for traces
    and graph pages)."""
    found: dict[str, list[IncidentView]] = {}
    for key in keys:
        page = incident_page(store, actor, entity_key=key, limit=100)
        if page.items:
            found[key] = page.items
    return found


def iter_refs(page: IncidentPage) -> Iterator[str]:
    return (item.ref for item in page.items)


class IncidentKeyError(AccompliceError):
    """Raised by interfaces that cannot go on without the key (an unmasking page)."""


# -- the accountability graph ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GraphShipment:
    id: str
    date: str
    goods: str
    importer: str
    exporter: str
    flagged: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EntityGraph:
    """One entity's four layers: abuses it took part in → its listings → its owners, suppliers and
    buyers → the shipments that reach it and their flags."""

    key: str
    caption: str
    schema: str
    lists: tuple[str, ...]
    abuses: list[IncidentView]
    upstream: list[tuple[str, str, str]]  # (node, name, relation)
    downstream: list[tuple[str, str]]  # (node, name)
    shipments: list[GraphShipment]
    exposure_shown: bool  # False: the reader may not read exposure data, so layers 3-4 are left out


def entity_graph(store: Store, actor: Principal, key: str) -> EntityGraph:
    """The four layers of a listed entity, as `actor` may see them (exposure layers need
    `exposure:read`; an importer sees its own organisation's shipments only)."""
    page = incident_page(store, actor, entity_key=key, limit=200)
    entity = store.entity(key)
    if entity is None:
        raise NotFoundError(f"no listed entity {key!r}")
    upstream: list[tuple[str, str, str]] = []
    downstream: list[tuple[str, str]] = []
    shipments: list[GraphShipment] = []
    shown = actor.can(Permission.EXPOSURE_READ)
    if shown:
        from accomplice.services.exposure_pages import party_page, shipment_rows

        try:
            party = party_page(store, key, principal=actor, max_paths=1)
        except NotFoundError:
            party = None  # no trade party resolves to it: no exposure layers to show
        if party is not None:
            upstream, downstream = party.upstream, party.downstream
            ids = {s.id for s in party.shipments}
            for row in shipment_rows(store, actor):
                if row.record.id in ids:
                    shipments.append(
                        GraphShipment(
                            row.record.id,
                            row.record.day.isoformat(),
                            row.record.goods,
                            row.importer,
                            row.exporter,
                            row.flagged,
                            row.reasons,
                        )
                    )
    from accomplice.services.auth import record_audit

    record_audit(store, actor, "incidents.graph", key, {"abuses": page.total})
    return EntityGraph(
        key, entity.caption, entity.schema, entity.lists, page.items, upstream, downstream, shipments, shown
    )


@dataclass(frozen=True, slots=True)
class UpstreamAbuses:
    """The documented abuses at one upstream party of a shipment's trace."""

    node: str
    name: str
    key: str  # the listed entity the party resolved to
    tier: int
    abuses: list[IncidentView]


def shipment_abuses(store: Store, actor: Principal, shipment_id: str) -> list[UpstreamAbuses]:
    """For a stored shipment the actor may see: every party of its trace that resolved to a listed entity
    and the incidents naming that entity as perpetrator. A reader without `incidents:read` (an importer)
    sees the published records only."""
    require(actor, Permission.EXPOSURE_READ)
    from accomplice.services.exposure_pages import shipment_page

    page = shipment_page(store, shipment_id, actor)
    orgs = _visible_orgs(actor) if actor.can(Permission.INCIDENTS_READ) else None
    published_only = not actor.can(Permission.INCIDENTS_READ)
    found = []
    for node in sorted(page.nodes, key=lambda n: n.tier):
        if node.listed is None:
            continue
        _, rows = IncidentStore(store).find(
            IncidentFilter(orgs=orgs, published_only=published_only, entity_key=node.listed), limit=100
        )
        if rows:
            found.append(
                UpstreamAbuses(node.id, node.name, node.listed, node.tier, [IncidentView(r) for r in rows])
            )
    return found


# FtM schema of each perpetrator kind.
_FTM_SCHEMAS = {
    "state_agency": "PublicBody",
    "company": "Company",
    "person": "Person",
    "facility": "Organization",
}


def public_ftm_entities(record: dict[str, Any]) -> list[dict[str, Any]]:
    """A public record as FollowTheMoney entities: an Event involving its perpetrators. Built from the
    public version only, so that nothing else can leave by this road."""
    from followthemoney import model

    ref = str(record["id"])
    perpetrators = []
    for i, p in enumerate(record.get("perpetrators") or []):
        entity = model.make_entity(_FTM_SCHEMAS.get(str(p.get("kind")), "LegalEntity"))
        entity.id = f"incident-{ref}-p{i}"
        entity.add("name", p.get("name"))
        if p.get("role"):
            entity.add("notes", p.get("role"))
        perpetrators.append(entity)
    event = model.make_entity("Event")
    event.id = f"incident-{ref}"
    event.add("name", record.get("title"))
    event.add("startDate", record.get("date_start"))
    event.add("endDate", record.get("date_end"))
    event.add("country", str(record.get("country") or "").lower() or None)
    event.add("location", record.get("place"))
    event.add("summary", record.get("narrative"))
    event.add("keywords", [label(ACT_TYPES, a) for a in record.get("acts") or []])
    event.add("sourceUrl", [s.get("url") for s in record.get("sources") or [] if s.get("url")])
    event.add("recordId", ref)
    event.add("involved", [p.id for p in perpetrators])
    return [p.to_dict() for p in perpetrators] + [event.to_dict()]


def export_public_ftm(store: Store, out: IO[str]) -> int:
    """Every published record's public version as FtM entities (JSON lines); returns the records."""
    count = 0
    offset = 0
    while True:
        _, page = public_incidents(store, limit=500, offset=offset)
        if not page:
            return count
        for record in page:
            for entity in public_ftm_entities(record):
                out.write(json.dumps(entity, ensure_ascii=False) + "\n")
            count += 1
        offset += len(page)


# An incident's Admiralty grade letter is kept for the evidence it backs; ungraded records count as "F".
def cite_as_labour_evidence(store: Store, actor: Principal, ref: str, perpetrator: int = 0) -> str:
    """Record labour evidence against one of an incident's perpetrators that cites the incident as its
    source (`incident:<id>`), so that shipments through that perpetrator flag with the incident behind
    them. Needs `exposure:write` and the enforcement side (as all labour evidence does); the statement is
    the record's public fields only (title, victims in aggregate), never a victim's detail."""
    require(actor, Permission.EXPOSURE_WRITE)
    from accomplice.services.exposure import add_records

    row = _visible_row(store, actor, ref)
    if not 0 <= perpetrator < len(row.perpetrators):
        raise NotFoundError(f"{ref} has no perpetrator {perpetrator} (it has {len(row.perpetrators)})")
    named = row.perpetrators[perpetrator]
    grades = [str(s.get("grade") or "F6") for s in row.body.get("sources", [])]
    body = row.body
    evidence = {
        "subject": named.name,
        "subject_country": row.country.lower() or None,
        "start": str(body.get("date_start") or "")[:10] or None,
        "end": str(body.get("date_end") or "")[:10] or None,
        "statement": f"{row.title}. {body.get('victims_summary') or ''}".strip(),
        "source_id": f"incident:{ref}",
        "source_title": f"Incident {ref}: {row.title}",
        "source_reliability": min(grades)[0] if grades else "F",
    }
    add_records(store, actor, "evidence", [{k: v for k, v in evidence.items() if v is not None}])
    return named.name
