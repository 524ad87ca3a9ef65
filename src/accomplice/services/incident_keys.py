"""The key that seals victims' identifying fields, and sealing itself (AES-256-GCM, `cryptography`).

The key never enters the database: it lives in a file named by ACCOMPLICE_KEY_FILE, by default
`accomplice.key` beside the SQLite store (or in the data folder for PostgreSQL), readable by its owner
only. The file is JSON `{"keys": [{"id": ..., "key": base64}, ...]}`, newest first: new seals use the first
key; rotation adds a key, re-seals every record in one transaction and then drops the old keys, so that a
crash half-way leaves a file that still opens every record.

Each seal binds its row (the associated data is the victim's pseudonym or the user's name), so a sealed
value copied onto another row does not open.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from accomplice.errors import AccompliceError
from accomplice.settings import get_settings
from accomplice.store import Store

__all__ = [
    "KEY_FILE_ENV",
    "KeyProblem",
    "Keyring",
    "init_key_file",
    "key_file_path",
    "open_sealed",
    "read_keyring",
    "seal",
    "write_keyring",
]

KEY_FILE_ENV = "ACCOMPLICE_KEY_FILE"
KEY_FILENAME = "accomplice.key"
KEY_BITS = 256  # AES-256: the margin is free, and the key is read once per process
NONCE_BYTES = 12  # GCM's standard nonce; random per seal (2^-32 collision bound far beyond our volumes)


class KeyProblem(AccompliceError):
    """The key file is missing, unreadable, or does not open the sealed records: one clear line."""


@dataclass(frozen=True, slots=True)
class Keyring:
    path: Path
    keys: tuple[tuple[str, bytes], ...]  # (id, key), newest first

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def key(self, key_id: str) -> bytes:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise KeyProblem(
            f"the key file {self.path} does not hold key {key_id!r}, which sealed victims' records: "
            f"restore the key file that holds it (set {KEY_FILE_ENV})"
        )


def key_file_path(store: Store | None = None) -> Path:
    """ACCOMPLICE_KEY_FILE, else beside the SQLite store, else in the data folder."""
    configured = os.environ.get(KEY_FILE_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    database = store.file_path if store is not None else None
    if database is not None:
        return database.parent / KEY_FILENAME
    return get_settings().data_dir / KEY_FILENAME


def read_keyring(path: Path) -> Keyring:
    if not path.exists():
        raise KeyProblem(f"no key file at {path}: run `accomplice keys init` (or set {KEY_FILE_ENV})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        keys = tuple((str(k["id"]), base64.b64decode(k["key"], validate=True)) for k in data["keys"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyProblem(f"the key file {path} is not a readable accomplice key file ({exc})") from exc
    if not keys or any(len(key) * 8 != KEY_BITS for _, key in keys):
        raise KeyProblem(f"the key file {path} holds no {KEY_BITS}-bit key")
    return Keyring(path, keys)


def _new_key() -> tuple[str, bytes]:
    return secrets.token_hex(8), AESGCM.generate_key(bit_length=KEY_BITS)


def write_keyring(path: Path, keys: tuple[tuple[str, bytes], ...]) -> Keyring:
    """Write the file atomically (a temporary file renamed over it), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"keys": [{"id": kid, "key": base64.b64encode(key).decode()} for kid, key in keys]}
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(payload, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    return Keyring(path, keys)


def init_key_file(path: Path) -> Keyring:
    """A new key file; refused where one exists, since replacing it would make every sealed record
    unreadable (rotate instead)."""
    if path.exists():
        raise KeyProblem(f"{path} already exists; use `accomplice keys rotate` to replace its key")
    return write_keyring(path, (_new_key(),))


def add_new_key(keyring: Keyring) -> Keyring:
    """The keyring with a new current key in front of the old ones, written to its file."""
    return write_keyring(keyring.path, (_new_key(), *keyring.keys))


def seal(keyring: Keyring, bound_to: str, plaintext: bytes) -> tuple[str, bytes]:
    """(key id, nonce || ciphertext) of `plaintext`, bound to `bound_to` (associated data)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(keyring.key(keyring.current_id)).encrypt(nonce, plaintext, bound_to.encode())
    return keyring.current_id, nonce + sealed


def open_sealed(keyring: Keyring, key_id: str, bound_to: str, sealed: bytes) -> bytes:
    try:
        return AESGCM(keyring.key(key_id)).decrypt(
            sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], bound_to.encode()
        )
    except InvalidTag as exc:
        raise KeyProblem(
            f"the key {key_id!r} in {keyring.path} does not open the sealed record of {bound_to}: "
            "wrong key file, or the record was altered"
        ) from exc
