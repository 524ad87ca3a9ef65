"""The importer's documents on a case: uploaded against a checklist item and a supply-chain stage, kept by
their SHA-256 (store/blobs.py), typed by their bytes rather than their name, and marked by a reviewer
(accepted, insufficient, inconsistent, with a reason). The hash goes into the audit log with the upload, so
the file a decision rests on can be shown to be the file that was sent.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Iterable
from pathlib import Path

from accomplice.batch.inputs import MAX_XLSX_UNPACKED_BYTES
from accomplice.errors import InputError, NotFoundError
from accomplice.services.auth import ForbiddenError, Permission, Principal, require
from accomplice.services.cases import get_case
from accomplice.services.jobs import UploadTooLargeError
from accomplice.settings import get_settings
from accomplice.store import Store
from accomplice.store.audit import AuditEntry
from accomplice.store.blobs import BlobStore, BlobTooLarge, FileBlobStore, PendingBlob
from accomplice.store.cases import CaseDocument, CaseStore

__all__ = [
    "DEFAULT_MAX_DOCUMENT_BYTES",
    "DOCUMENT_ITEMS",
    "REVIEW_MARKS",
    "add_document",
    "blob_store",
    "case_documents",
    "document_file",
    "max_document_bytes",
    "review_document",
    "sniff",
]

# CBP's own guidance asks for whole production and payroll records; scans of a season's ledgers run to tens
# of MB. 100 MiB per file by default; ACCOMPLICE_CASE_DOCUMENT_MAX_BYTES changes it.
DEFAULT_MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
MAX_DOCUMENT_ENV = "ACCOMPLICE_CASE_DOCUMENT_MAX_BYTES"
# Zip members are counted against the same unpacked limit as an XLSX input (batch.inputs); a zip whose
# members claim more than this, or a ratio past this, is a bomb.
MAX_ZIP_RATIO = 200
DOCUMENT_ITEMS = (
    "purchase-order",
    "invoice",
    "payment",
    "transport",
    "production",
    "workforce",
    "audit",
    "supplier-map",
    "executive-summary",
    "document-list",
    "other",
)
REVIEW_MARKS = ("accepted", "insufficient", "inconsistent")
MAX_STAGE_CHARS = 128
MAX_NOTE_CHARS = 2_000
MAX_FILE_NAME_CHARS = 255
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
_OFFICE = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ACCEPTED = "PDF, PNG, JPEG, TIFF, XLSX or DOCX"


def max_document_bytes() -> int:
    value = os.environ.get(MAX_DOCUMENT_ENV)
    return int(value) if value and value.isdigit() else DEFAULT_MAX_DOCUMENT_BYTES


def blob_store(store: Store) -> BlobStore:
    """Where a store's documents live: beside an SQLite file (`<db>.documents/`), else a folder per database
    under the data directory."""
    path = store.file_path
    if path is not None:
        return FileBlobStore(path.with_name(f"{path.name}.documents"))
    digest = hashlib.sha256(store.url.encode()).hexdigest()[:16]
    return FileBlobStore(get_settings().data_dir / "documents" / digest)


def _office_type(path: Path, file_name: str) -> str:
    """An XLSX or DOCX by its members, after the zip-bomb checks; InputError for any other zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise InputError(file_name, "a damaged zip file") from None
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if unpacked > MAX_XLSX_UNPACKED_BYTES or unpacked / packed > MAX_ZIP_RATIO:
        raise InputError(
            file_name,
            f"unpacks to {unpacked:,} bytes from {packed:,} (a zip bomb?); refused",
        )
    names = {m.filename for m in members}
    if "[Content_Types].xml" in names:
        for prefix, media_type in _OFFICE.items():
            if any(n.startswith(prefix) for n in names):
                return media_type
    raise InputError(file_name, f"a zip that is not an office document; accepted: {ACCEPTED}")


def sniff(path: Path, file_name: str) -> str:
    """The media type of a received file, from its bytes, never from its name; InputError otherwise."""
    with path.open("rb") as handle:
        head = handle.read(16)
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if head.startswith(b"PK\x03\x04"):
        return _office_type(path, file_name)
    raise InputError(file_name, f"its bytes are not a document type accepted here ({ACCEPTED})")


def _clean_name(file_name: str) -> str:
    name = Path(file_name.replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())[:MAX_FILE_NAME_CHARS]
    if not name:
        raise InputError("file_name", "the file needs a name")
    return name


def _own_case(store: Store, principal: Principal, case_id: str) -> None:
    """The case, visible to the principal (an importer: its own organisation's only)."""
    view = get_case(store, principal, case_id)
    if principal.org_scope is not None and view.case.org not in principal.org_scope:
        raise ForbiddenError(f"{principal.user} may add documents only to its own organisation's cases")


def add_document(
    store: Store,
    principal: Principal,
    case_id: str,
    *,
    file_name: str,
    chunks: Iterable[bytes],
    item: str,
    stage: str = "",
    note: str = "",
    blobs: BlobStore | None = None,
) -> CaseDocument:
    """Stream a document in, check its type by content, keep it by hash and record it on the case: all or
    nothing (a refused file leaves neither bytes nor a row)."""
    if not (principal.can(Permission.CASES_RESPOND) or principal.can(Permission.CASES_ACT)):
        require(principal, Permission.CASES_RESPOND)
    name = _clean_name(file_name)
    if item not in DOCUMENT_ITEMS:
        raise InputError("item", f"unknown checklist item {item!r}; one of {', '.join(DOCUMENT_ITEMS)}")
    if len(stage) > MAX_STAGE_CHARS or len(note) > MAX_NOTE_CHARS:
        raise InputError("stage" if len(stage) > MAX_STAGE_CHARS else "note", "too long")
    _own_case(store, principal, case_id)
    blobs = blobs or blob_store(store)
    limit = max_document_bytes()
    try:
        pending: PendingBlob = blobs.receive(chunks, limit)
    except BlobTooLarge:
        raise UploadTooLargeError(name, f"larger than {limit:,} bytes; nothing was kept") from None
    try:
        if pending.size == 0:
            raise InputError(name, "the file is empty")
        media_type = sniff(pending.path, name)
        blobs.commit(pending)
    except BaseException:
        blobs.discard(pending)
        raise
    return CaseStore(store).add_document(
        case_id,
        sha256=pending.sha256,
        size=pending.size,
        media_type=media_type,
        file_name=name,
        item=item,
        stage=stage.strip(),
        note=note.strip(),
        uploaded_by=principal.user,
        audit=AuditEntry(
            principal.user,
            "case.document",
            case_id,
            {"sha256": pending.sha256, "size": pending.size, "file": name, "item": item},
        ),
    )


def case_documents(store: Store, principal: Principal, case_id: str) -> list[CaseDocument]:
    get_case(store, principal, case_id)
    return CaseStore(store).documents(case_id)


def document_file(
    store: Store, principal: Principal, case_id: str, document_id: int, blobs: BlobStore | None = None
) -> tuple[CaseDocument, Path]:
    get_case(store, principal, case_id)
    document = CaseStore(store).document(case_id, document_id)
    path = (blobs or blob_store(store)).path_of(document.sha256) if document else None
    if document is None or path is None:
        raise NotFoundError(f"no document {document_id} on case {case_id}")
    return document, path


def review_document(
    store: Store, principal: Principal, case_id: str, document_id: int, *, mark: str, reason: str
) -> CaseDocument:
    """A reviewer's mark on one document; anything short of accepted says why."""
    if not (principal.can(Permission.CASES_APPROVE) or principal.can(Permission.CASES_ACT)):
        require(principal, Permission.CASES_APPROVE)
    if mark not in REVIEW_MARKS:
        raise InputError("mark", f"one of {', '.join(REVIEW_MARKS)}")
    if mark != "accepted" and not reason.strip():
        raise InputError("reason", f"a document marked {mark} needs the reason")
    get_case(store, principal, case_id)
    reviewed = CaseStore(store).review_document(
        case_id,
        document_id,
        mark,
        reason.strip(),
        principal.user,
        audit=AuditEntry(
            principal.user, "case.document-review", case_id, {"document": document_id, "mark": mark}
        ),
    )
    if reviewed is None:
        raise NotFoundError(f"no document {document_id} on case {case_id}")
    return reviewed
