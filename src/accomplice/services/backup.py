"""Back up and restore a whole store; a restored store must pass the audit check before it is used."""

from __future__ import annotations

from pathlib import Path

from accomplice.errors import InputError
from accomplice.services.auth import Permission, Principal, require
from accomplice.store import Store
from accomplice.store import backup as store_backup
from accomplice.store.audit import AuditEntry, AuditLog, VerifyReport

__all__ = ["backup_store", "restore_store"]


def backup_store(
    store: Store,
    actor: Principal,
    target: Path,
    *,
    overwrite: bool = False,
    progress: store_backup.Progress | None = None,
) -> None:
    """Write a consistent copy of the whole store to `target` while it keeps running.

    The backup is recorded in the audit log first, so the copy holds the record of its own making."""
    require(actor, Permission.MANAGE_USERS)
    if target.exists() and not overwrite:
        raise InputError(str(target), "exists already; choose another file or overwrite it on purpose")
    target.parent.mkdir(parents=True, exist_ok=True)
    AuditLog(store).record(AuditEntry(actor.user, "store.backup", target.name, {"backend": store.backend}))
    store_backup.backup(store.engine, target, progress)


def restore_store(store: Store, actor: Principal, source: Path) -> VerifyReport:
    """Replace the store with the backup at `source`, then verify its audit chain and record the restore.

    Rows written after the backup are gone; audit anchors taken after it will say so on `audit verify`,
    as they should."""
    require(actor, Permission.MANAGE_USERS)
    store_backup.restore(store.engine, source)
    log = AuditLog(store)
    report = log.verify()
    if report.ok:
        log.record(AuditEntry(actor.user, "store.restore", source.name, {"rows_before": report.rows}))
    return report
