"""Content-addressed file storage: a file is kept once under its SHA-256, written while it streams in (never
held whole in memory), refused past a size limit with nothing left behind.

One small interface (`BlobStore`) so that another backend (an object store) can take the place of the
folder on disk without the services knowing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

__all__ = ["BlobStore", "BlobTooLarge", "FileBlobStore", "PendingBlob"]


class BlobTooLarge(Exception):
    """The stream went past the limit; nothing was kept."""


@dataclass(frozen=True, slots=True)
class PendingBlob:
    """A file written but not yet kept: checked at `path`, then kept (`commit`) or thrown away (`discard`)."""

    path: Path
    sha256: str
    size: int


class BlobStore(Protocol):
    def receive(self, chunks: Iterable[bytes], max_bytes: int) -> PendingBlob: ...
    def commit(self, pending: PendingBlob) -> None: ...
    def discard(self, pending: PendingBlob) -> None: ...
    def path_of(self, sha256: str) -> Path | None: ...


class FileBlobStore:
    """Blobs in a folder: `<root>/<aa>/<bb>/<sha256>`, written through a temporary file in `<root>/tmp`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def receive(self, chunks: Iterable[bytes], max_bytes: int) -> PendingBlob:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        handle, name = tempfile.mkstemp(dir=tmp_dir)
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise BlobTooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return PendingBlob(Path(name), digest.hexdigest(), size)

    def _final(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def commit(self, pending: PendingBlob) -> None:
        final = self._final(pending.sha256)
        if final.exists():
            pending.path.unlink(missing_ok=True)  # the same bytes are kept already
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(pending.path, final)

    def discard(self, pending: PendingBlob) -> None:
        pending.path.unlink(missing_ok=True)

    def path_of(self, sha256: str) -> Path | None:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            return None
        path = self._final(sha256)
        return path if path.is_file() else None
