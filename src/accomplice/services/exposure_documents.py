"""Documents that rebut the §321(b) presumption: upload, list, download, each within the reader's reach.

An importer answers a flag with documents (purchase orders, payroll records, a chain map...): each is
stored against a shipment and a subject — a party on the shipment's checklist, or the entry itself — and
ticks that checklist item from then on. A party's documents may count for every shipment of the same
organisation (a supplier's workforce records). Only accepted document types are stored, by their
content, not by the name the uploader gave: an executable renamed .pdf is refused, and text (an HTML
page included) is kept as plain text, served only as a download, so that a document can never run script
in another user's browser.
"""

from __future__ import annotations

from accomplice.errors import InputError, NotFoundError
from accomplice.exposure.model import Shipment
from accomplice.exposure.rebuttal import DOCUMENT_KINDS, rebuttal_checklist
from accomplice.services.auth import Principal
from accomplice.services.exposure import (
    ExposureView,
    OrgScope,
    documents_about,
    redact_trace,
    stored_documents,
    visible_shipment,
)
from accomplice.services.exposure_cache import cached_view
from accomplice.services.jobs import clean_file_name
from accomplice.store import Store
from accomplice.store.audit import AuditEntry
from accomplice.store.exposure import DocumentRecord, ExposureStore

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_NOTE_CHARS",
    "add_document",
    "document_json",
    "read_document",
    "shipment_documents",
    "sniff_media_type",
]

# Scanned purchase orders and payroll ledgers run to a few MB. The web's upload helpers refuse bodies
# over 20 MiB for every upload (services.jobs.MAX_UPLOAD_BYTES), so documents take the same limit.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# A note on a document is a sentence or two ("payroll March-May, translated"); longer text is a document.
MAX_NOTE_CHARS = 2_000
# How much of a text file is checked to be text (UTF-8 without NUL bytes).
TEXT_SNIFF_BYTES = 64 * 1024

# Magic numbers of the accepted binary formats.
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
# ZIP containers by the extension that says which office format they are.
_ZIP_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".zip": "application/zip",
}
_TEXT_TYPES = {".csv": "text/csv", ".txt": "text/plain", ".json": "application/json", ".xml": "text/plain"}


def sniff_media_type(file_name: str, content: bytes) -> str:
    """The media type of an accepted document, from its bytes; InputError for anything else."""
    for magic, media_type in _MAGIC:
        if content.startswith(magic):
            return media_type
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if content.startswith(b"PK\x03\x04"):
        return _ZIP_TYPES.get(suffix, "application/zip")
    head = content[:TEXT_SNIFF_BYTES]
    if b"\x00" not in head:
        try:
            # A multi-byte character may be cut at the end of the sample.
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                raise InputError(
                    file_name, "not a document type accepted here (PDF, image, office file, UTF-8 text)"
                ) from None
        # Text is always served as text/plain or CSV/JSON, never as HTML.
        return _TEXT_TYPES.get(suffix, "text/plain")
    raise InputError(file_name, "not a document type accepted here (PDF, image, office file, UTF-8 text)")


def _subjects(view: ExposureView, record: Shipment, orgs: OrgScope) -> set[str]:
    """What a document for this shipment may be about: the entry, its parties, the checklist's parties
    (which parties the checklist names does not depend on what is held, so nothing is ticked here)."""
    subjects = {record.id, *(view.nodes.get(pid, pid) for _, pid in record.parties)}
    shown, _ = redact_trace(view.engine.trace(view.shipment(record)), view, orgs)
    subjects.update(item.party for item in rebuttal_checklist(shown, {}))
    return subjects


def add_document(
    store: Store,
    principal: Principal,
    shipment_id: str,
    *,
    subject: str,
    kind: str,
    file_name: str,
    content: bytes,
    note: str = "",
    every_shipment: bool = False,
) -> DocumentRecord:
    """Store a rebuttal document for a shipment the principal may see; audited."""
    file_name = clean_file_name(file_name)
    if kind not in DOCUMENT_KINDS:
        raise InputError(file_name, f"unknown document kind {kind!r}; one of {', '.join(DOCUMENT_KINDS)}")
    if not content:
        raise InputError(file_name, "the file is empty")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InputError(file_name, f"larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    media_type = sniff_media_type(file_name, content)
    record = visible_shipment(store, shipment_id, principal.org_scope)
    if subject not in _subjects(cached_view(store, orgs=principal.org_scope), record, principal.org_scope):
        raise InputError(
            file_name, f"{subject!r} is neither this shipment nor a party on it or on its checklist"
        )
    if every_shipment and subject == shipment_id:
        raise InputError(file_name, "a document about the entry itself cannot count for every shipment")
    return ExposureStore(store).add_document(
        org=principal.record_org,
        shipment_id=None if every_shipment else shipment_id,
        subject=subject,
        kind=kind,
        file_name=file_name,
        media_type=media_type,
        content=content,
        note=note.strip(),
        user=str(principal.user),
        audit=AuditEntry(
            principal.user,
            "exposure.document.add",
            shipment_id,
            {"org": principal.org, "subject": subject, "kind": kind, "file": file_name},
        ),
    )


def shipment_documents(store: Store, principal: Principal, shipment_id: str) -> list[DocumentRecord]:
    """The documents that count for a shipment (its own and its organisation's party-wide ones)."""
    scope = principal.org_scope
    record = visible_shipment(store, shipment_id, scope)
    view = cached_view(store, orgs=scope)
    return documents_about(
        stored_documents(store, view, record, scope), record.id, _subjects(view, record, scope)
    )


def read_document(store: Store, principal: Principal, document_id: int) -> tuple[DocumentRecord, bytes]:
    """A document and its bytes, if the principal may see it (else "not found", as for a missing one)."""
    found = ExposureStore(store).document(document_id)
    scope = principal.org_scope
    if found is None or (scope is not None and found[0].org not in scope):
        raise NotFoundError(f"no document {document_id}")
    return found


def document_json(record: DocumentRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "shipment": record.shipment_id,
        "subject": record.subject,
        "kind": record.kind,
        "description": DOCUMENT_KINDS.get(record.kind, record.kind),
        "file_name": record.file_name,
        "media_type": record.media_type,
        "size": record.size,
        "sha256": record.sha256,
        "note": record.note,
        "uploaded_by": record.user,
        "uploaded_at": record.uploaded_at.isoformat(),
        "download": f"/api/documents/{record.id}",
    }
