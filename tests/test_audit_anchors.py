"""Anchors keep the audit log honest against its own admin: a cut tail, a log rehashed from an edit on, a
dropped trigger or a forged anchor is reported by `audit verify`, on both backends."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from accomplice.services import audit_anchors
from accomplice.services import auth as accounts
from accomplice.store import Store
from accomplice.store.audit import GENESIS_HASH, AuditLog, canonical_json, row_hash
from tests.helpers import BACKENDS

OPERATOR = accounts.operator_principal("tester")


@pytest.fixture
def anchor_paths(tmp_path: Path) -> tuple[Path, Path]:
    key = audit_anchors.create_anchor_key(tmp_path / "keys" / "anchor.key")
    return tmp_path / "anchors.jsonl", key


def _rows(store: Store, names: tuple[str, ...]) -> None:
    for name in names:
        accounts.add_user(store, OPERATOR, name=name, roles=["analyst"])


def _drop_triggers(store: Store) -> None:
    with store.engine.begin() as conn:
        if store.backend == "postgresql":
            conn.execute(text("DROP TRIGGER audit_log_no_update_or_delete ON audit_log"))
            conn.execute(text("DROP TRIGGER audit_log_no_truncate ON audit_log"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))


def _verify(store: Store, paths: tuple[Path, Path]) -> audit_anchors.AnchorReport:
    return audit_anchors.verify_against_anchors(store, OPERATOR, file=paths[0], key_file=paths[1])


def _anchor(store: Store, paths: tuple[Path, Path]) -> audit_anchors.Anchor:
    return audit_anchors.anchor_audit(store, OPERATOR, file=paths[0], key_file=paths[1])


@BACKENDS
def test_an_intact_log_verifies_against_its_anchors(store: Store, anchor_paths: tuple[Path, Path]) -> None:
    _rows(store, ("alice", "bob"))
    first = _anchor(store, anchor_paths)
    _rows(store, ("carol",))
    _anchor(store, anchor_paths)
    report = _verify(store, anchor_paths)
    assert report.ok, report.lines()
    assert report.anchors_checked == 2
    assert first.seq == 2
    assert "checked against 2 anchor(s)" in "\n".join(report.lines())


@BACKENDS
def test_rows_cut_from_the_end_after_dropping_the_triggers_are_found(
    store: Store, anchor_paths: tuple[Path, Path]
) -> None:
    _rows(store, ("alice", "bob", "carol"))
    _anchor(store, anchor_paths)
    _drop_triggers(store)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= 2"))
    # The chain alone cannot see it: what is left is a perfect chain of one row.
    assert AuditLog(store).verify().ok
    report = _verify(store, anchor_paths)
    assert not report.ok
    assert any("row 3" in p and "cut" in p for p in report.problems)
    assert report.missing_triggers


@BACKENDS
def test_a_log_rehashed_from_an_edit_on_is_found(store: Store, anchor_paths: tuple[Path, Path]) -> None:
    _rows(store, ("alice", "bob", "carol"))
    _anchor(store, anchor_paths)
    _drop_triggers(store)
    log = AuditLog(store)
    rows = sorted(log.entries(limit=10), key=lambda r: r.seq)
    prev = GENESIS_HASH
    with store.engine.begin() as conn:
        for r in rows:
            subject = "mallory" if r.seq == 1 else r.subject
            digest = row_hash(r.seq, r.at, r.actor, r.action, subject, canonical_json(r.detail), prev)
            conn.execute(
                text("UPDATE audit_log SET subject = :s, prev_hash = :p, hash = :h WHERE seq = :q"),
                {"s": subject, "p": prev, "h": digest, "q": r.seq},
            )
            prev = digest
    assert log.verify().ok  # every hash recomputed: the chain alone is fooled
    report = _verify(store, anchor_paths)
    assert not report.ok
    assert any("rewritten" in p for p in report.problems)


@BACKENDS
def test_missing_append_only_triggers_are_reported(store: Store, anchor_paths: tuple[Path, Path]) -> None:
    _rows(store, ("alice",))
    assert _verify(store, anchor_paths).missing_triggers == ()
    _drop_triggers(store)
    report = _verify(store, anchor_paths)
    assert not report.ok
    assert len(report.missing_triggers) == 2
    assert any("trigger" in line and "missing" in line for line in report.lines())


def test_an_anchor_signed_with_another_key_is_reported_as_forged(
    store: Store, anchor_paths: tuple[Path, Path], tmp_path: Path
) -> None:
    _rows(store, ("alice",))
    other_key = audit_anchors.create_anchor_key(tmp_path / "other.key")
    audit_anchors.anchor_audit(store, OPERATOR, file=anchor_paths[0], key_file=other_key)
    report = _verify(store, anchor_paths)
    assert not report.ok
    assert any("signature does not verify" in p for p in report.problems)


def test_an_edited_anchor_line_fails_its_signature(store: Store, anchor_paths: tuple[Path, Path]) -> None:
    _rows(store, ("alice", "bob"))
    _anchor(store, anchor_paths)
    line = json.loads(anchor_paths[0].read_text(encoding="utf-8"))
    line["seq"] = 1  # someone moving the anchor back to before the rows they mean to cut
    anchor_paths[0].write_text(json.dumps(line) + "\n", encoding="utf-8")
    report = _verify(store, anchor_paths)
    assert any("signature does not verify" in p for p in report.problems)


def test_the_key_is_never_overwritten_and_is_private(tmp_path: Path) -> None:
    key = audit_anchors.create_anchor_key(tmp_path / "anchor.key")
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(audit_anchors.AnchorError, match="exists already"):
        audit_anchors.create_anchor_key(key)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("accomplice")), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_cli_anchors_and_verify_finds_a_cut_log(tmp_path: Path) -> None:
    env = {
        "ACCOMPLICE_DB_URL": f"sqlite:///{tmp_path / 'a.db'}",
        "ACCOMPLICE_DATA_DIR": str(tmp_path / "data"),
        "ACCOMPLICE_AUDIT_ANCHOR_KEY_FILE": str(tmp_path / "secret" / "anchor.key"),
        "ACCOMPLICE_AUDIT_ANCHOR_FILE": str(tmp_path / "anchors.jsonl"),
    }
    no_key = _cli(["audit", "anchor"], env)
    assert no_key.returncode == 1
    assert "Traceback" not in no_key.stderr
    assert "accomplice audit anchor-key" in no_key.stderr
    assert _cli(["audit", "anchor-key"], env).returncode == 0
    for name in ("alice", "bob"):
        made = _cli(["users", "add", name, "--role", "analyst", "--no-password"], env)
        assert made.returncode == 0, made.stderr
    anchored = _cli(["audit", "anchor"], env)
    assert anchored.returncode == 0, anchored.stderr
    assert "anchored row" in anchored.stdout
    assert _cli(["audit", "verify"], env).returncode == 0
    with sqlite3.connect(tmp_path / "a.db") as conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
    broken = _cli(["audit", "verify"], env)
    assert broken.returncode == 1
    assert "cut" in broken.stderr
    assert "audit_log_no_delete is missing" in broken.stderr
