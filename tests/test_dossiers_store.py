"""The dossier versions' store on SQLite and PostgreSQL: numbering, compare-and-set review, comments."""

from __future__ import annotations

import pytest

from accomplice.errors import InputError, NotFoundError
from accomplice.store import Store
from accomplice.store.audit import AuditEntry, AuditLog
from accomplice.store.dossiers import DossierStore, content_digest

CONTENT = {"target": {"key": "ofac:30083", "caption": "MOKRAN LLC"}, "claims": [{"id": "c1", "text": "名"}]}


def _audit(action: str) -> AuditEntry:
    return AuditEntry("alice", action, "ofac:30083", {})


@pytest.mark.parametrize("store_url", ["sqlite", "postgres"], indirect=True)
def test_versions_are_numbered_per_target_and_move_forward_once(store: Store) -> None:
    dossiers = DossierStore(store)
    first = dossiers.add_version("ofac:30083", "2024-05-03", "MOKRAN LLC", CONTENT, "alice", _audit("v"))
    second = dossiers.add_version("ofac:30083", "2024-05-03", "MOKRAN LLC", CONTENT, "alice", _audit("v"))
    other = dossiers.add_version("ofac:30082", "2024-05-03", "KOREA CHOLSAN", CONTENT, "alice", _audit("v"))
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert first.content == CONTENT
    assert first.content_sha256 == content_digest(CONTENT)
    dossiers.advance(first.id, "draft", "reviewed", "bob", _audit("review"))
    with pytest.raises(InputError, match="no longer draft"):
        dossiers.advance(first.id, "draft", "reviewed", "carol", _audit("review"))
    dossiers.advance(first.id, "reviewed", "approved", "carol", _audit("approve"))
    approved = dossiers.version(first.id)
    assert (approved.state, approved.reviewed_by, approved.approved_by) == ("approved", "bob", "carol")
    assert [v.version for v in dossiers.versions("ofac:30083")] == [1, 2]
    comment = dossiers.add_comment(first.id, "c1", "bob", "checked", _audit("comment"))
    assert [(c.id, c.text) for c in dossiers.comments(first.id)] == [(comment, "checked")]
    assert AuditLog(store).count() == 6, "three versions, a review, an approval, a comment; no refused step"
    with pytest.raises(NotFoundError):
        dossiers.version(999)
