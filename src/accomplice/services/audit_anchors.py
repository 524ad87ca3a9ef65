"""Anchors of the audit log outside the database, so that its admin cannot rewrite history unseen.

The hash chain shows an edited or removed row, but not a log whose last rows were cut, nor one whose every
hash was recomputed by someone who dropped the append-only triggers first. An anchor is the log's head (the
last row's seq and hash) at a moment, signed with HMAC-SHA256 under a key that the database never holds,
and appended to a file or sent to a webhook that the database's admin does not control. `verify` then
checks that every anchored row is still there with the hash it had: a cut log lacks the row, a rewritten
one has another hash, and a forged anchor fails its signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from accomplice.services import outbound
from accomplice.services.auth import Permission, Principal, operator_principal, require
from accomplice.settings import get_settings
from accomplice.store import Store
from accomplice.store.audit import AuditLog, VerifyReport, canonical_json
from accomplice.store.clock import utc_now

__all__ = [
    "Anchor",
    "AnchorError",
    "AnchorReport",
    "anchor_audit",
    "create_anchor_key",
    "start_anchor_worker",
    "verify_against_anchors",
]

ANCHOR_VERSION = 1
# 32 random bytes: the HMAC-SHA256 key length the RFC 2104 analysis asks for (the hash's output size).
KEY_BYTES = 32
# A webhook receiver that takes longer than this is treated as down; the anchor still goes to the file.
WEBHOOK_TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Accomplice-Signature"
# The name the server's own scheduled anchors are written under.
SERVER_ACTOR = "accomplice-serve"


class AnchorError(Exception):
    """An anchor could not be written or read: no key, an unreadable file, a refused webhook."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """The audit log's head at `at`, signed."""

    seq: int
    hash: str
    at: str
    mac: str

    def body(self) -> dict[str, object]:
        return {"v": ANCHOR_VERSION, "seq": self.seq, "hash": self.hash, "at": self.at}

    def line(self) -> str:
        return json.dumps({**self.body(), "mac": self.mac}, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class AnchorReport:
    """The chain's own check, then the anchors': `ok` when the chain, every anchor and the triggers hold."""

    chain: VerifyReport
    anchors_checked: int
    problems: tuple[str, ...]
    missing_triggers: tuple[str, ...]
    newest: Anchor | None

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems and not self.missing_triggers

    def lines(self) -> list[str]:
        out = [self.chain.message()]
        if self.anchors_checked:
            newest = f" (newest: row {self.newest.seq} at {self.newest.at})" if self.newest else ""
            out.append(f"checked against {self.anchors_checked} anchor(s){newest}")
        else:
            out.append(
                "no anchors to check against: rows cut from the end would go unseen "
                "(run `accomplice audit anchor`, or let `accomplice serve` anchor on its schedule)"
            )
        out.extend(self.problems)
        out.extend(
            f"append-only trigger {name} is missing from the database" for name in self.missing_triggers
        )
        return out


def _key(path: Path | None) -> bytes:
    if path is None:
        raise AnchorError("no anchor key configured: set ACCOMPLICE_AUDIT_ANCHOR_KEY_FILE")
    try:
        text = path.read_text(encoding="ascii").strip()
        return bytes.fromhex(text)
    except FileNotFoundError:
        raise AnchorError(
            f"{path}: no anchor key; create one with `accomplice audit anchor-key` "
            "(keep it off the database host)"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise AnchorError(f"{path}: not a readable anchor key ({exc})") from None


def _mac(key: bytes, body: dict[str, object]) -> str:
    return hmac.new(key, canonical_json(body).encode("utf-8"), hashlib.sha256).hexdigest()


def create_anchor_key(path: Path | None = None) -> Path:
    """Write a new random key, readable by its owner only; never overwrites an existing one."""
    target = path or get_settings().audit_anchor_key_file
    if target is None:
        raise AnchorError("no anchor key path: set ACCOMPLICE_AUDIT_ANCHOR_KEY_FILE")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise AnchorError(
            f"{target}: a key exists already; anchors signed with it would stop verifying"
        ) from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    return target


def anchor_audit(
    store: Store,
    actor: Principal,
    *,
    file: Path | None = None,
    webhook: str | None = None,
    key_file: Path | None = None,
) -> Anchor:
    """Sign the log's head and append it to the anchor file (and POST it to `webhook` if given)."""
    require(actor, Permission.AUDIT_READ)
    settings = get_settings()
    key = _key(key_file or settings.audit_anchor_key_file)
    seq, head_hash = AuditLog(store).head()
    at = utc_now().isoformat(timespec="seconds")
    body: dict[str, object] = {"v": ANCHOR_VERSION, "seq": seq, "hash": head_hash, "at": at}
    anchor = Anchor(seq, head_hash, at, _mac(key, body))
    target = file or settings.audit_anchor_file
    if target is not None:
        _append(target, anchor)
    if webhook:
        _send(webhook, anchor)
    return anchor


def _append(path: Path, anchor: Anchor) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(anchor.line() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise AnchorError(f"{path}: could not append the anchor ({exc.strerror or exc})") from None


def _send(url: str, anchor: Anchor) -> None:
    payload = anchor.line().encode("utf-8")
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: f"sha256={anchor.mac}"}
    try:
        status = outbound.post(url, payload, headers, timeout=WEBHOOK_TIMEOUT_SECONDS)
    except outbound.PrivateAddressError as exc:
        raise AnchorError(f"anchor webhook refused: {exc}") from None
    except Exception as exc:  # any transport failure is one line for the operator, not a traceback
        raise AnchorError(f"anchor webhook {url} failed: {type(exc).__name__}: {exc}") from None
    if not 200 <= status < 300:
        raise AnchorError(f"anchor webhook {url} answered {status}")


def _read_anchors(path: Path, key: bytes) -> tuple[list[Anchor], list[str]]:
    anchors: list[Anchor] = []
    problems: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}: anchors unreadable ({exc})"]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            anchor = Anchor(int(data["seq"]), str(data["hash"]), str(data["at"]), str(data["mac"]))
        except (ValueError, KeyError, TypeError):
            problems.append(f"{path}, line {number}: not an anchor")
            continue
        if not hmac.compare_digest(_mac(key, anchor.body()), anchor.mac):
            problems.append(f"{path}, line {number}: signature does not verify (forged, or another key)")
            continue
        anchors.append(anchor)
    return anchors, problems


def verify_against_anchors(
    store: Store, actor: Principal, *, file: Path | None = None, key_file: Path | None = None
) -> AnchorReport:
    """Recompute the chain, check every signed anchor against it, and look for the append-only triggers.

    Without a key or an anchor file the chain and the triggers are still checked, and the report says that
    no anchor was."""
    require(actor, Permission.AUDIT_READ)
    settings = get_settings()
    log = AuditLog(store)
    chain = log.verify()
    missing = tuple(log.missing_triggers())
    target = file or settings.audit_anchor_file
    key_path = key_file or settings.audit_anchor_key_file
    if target is None or not target.exists():
        return AnchorReport(chain, 0, (), missing, None)
    anchors, problems = _read_anchors(target, _key(key_path))
    for anchor in anchors:
        problem = _anchor_problem(log, anchor)
        if problem:
            problems.append(problem)
    newest = max(anchors, key=lambda a: a.seq, default=None)
    return AnchorReport(chain, len(anchors), tuple(problems), missing, newest)


def _anchor_problem(log: AuditLog, anchor: Anchor) -> str | None:
    if anchor.seq == 0:
        return None
    row = log.row_at(anchor.seq)
    if row is None:
        return f"row {anchor.seq}, anchored at {anchor.at}, is missing: rows were cut from the log"
    if row.hash != anchor.hash:
        return f"row {anchor.seq} no longer has the hash anchored at {anchor.at}: the log was rewritten"
    return None


def start_anchor_worker(store: Store, stop: threading.Event) -> threading.Thread | None:
    """Anchor the log every `audit_anchor_seconds` while the server runs, once a key exists; None when
    anchoring is off (no key file, or a period of 0). The first anchor is written at start."""
    settings = get_settings()
    key_file = settings.audit_anchor_key_file
    if settings.audit_anchor_seconds <= 0 or key_file is None or not key_file.exists():
        return None
    actor = operator_principal(SERVER_ACTOR)

    def run() -> None:
        while not stop.is_set():
            try:
                anchor_audit(store, actor)
            except (
                Exception
            ):  # a full disk or a database hiccup must not kill the server; the next pass retries
                logging.getLogger(__name__).exception("audit anchor failed")
            stop.wait(settings.audit_anchor_seconds)

    thread = threading.Thread(target=run, name="audit-anchors", daemon=True)
    thread.start()
    return thread
