"""Where accomplice finds shared data and keeps its store; read from the environment once per call."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "get_settings"]

# The shared data folder sits beside the project checkout (`../shared`), as in CI.
DEFAULT_SHARED = "../shared"
DEFAULT_DATA_DIR = "data"
DB_FILENAME = "accomplice.db"
# How a yes/no setting is switched on; anything else (unset, empty, "0", "false", "no") leaves it off.
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
AUDIT_ANCHOR_FILENAME = "audit-anchors.jsonl"
AUDIT_ANCHOR_KEY_FILENAME = "audit-anchor.key"
# An hour: a cut made between two anchors loses at most an hour of rows without trace, and a day's
# anchors stay a small file (24 lines).
DEFAULT_AUDIT_ANCHOR_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class Settings:
    shared_dir: Path
    data_dir: Path
    db_url: str
    cache_dir: Path
    # Replaces scheme and host of every official download URL (tests, mirrors); None means the official.
    download_base_url: str | None = None
    # Webhooks may go to loopback, private, link-local (cloud metadata) and other non-public addresses.
    # Off by default: otherwise anyone allowed to register a webhook could make the server POST to what
    # only it can reach (see services.outbound). On for a receiver on the same host or network.
    webhook_allow_private: bool = False
    # Where `accomplice audit anchor` appends the signed head of the audit log, and the key that signs it.
    # Both live outside the database on purpose (point them off this host in production): whoever can
    # rewrite the database must not also be able to rewrite or re-sign the anchors.
    audit_anchor_file: Path | None = None
    audit_anchor_key_file: Path | None = None
    # Seconds between the anchors `accomplice serve` writes by itself once a key exists; 0 switches it off.
    audit_anchor_seconds: float = 3600.0
    # Addresses of reverse proxies whose X-Forwarded-For/-Proto headers are believed ("127.0.0.1",
    # "10.0.0.5,10.0.0.6" or "*"). Empty by default: otherwise any local client could pick its own address
    # and walk around the per-address login lockout.
    trusted_proxies: str = ""
    # Where the screening index of a store that is not an SQLite file (PostgreSQL) is persisted, in a
    # folder per database URL; an SQLite store keeps its index beside its file (`<db>.index/`).
    index_dir: Path | None = None
    # Anonymous `POST /match` over the public lists, as yente is deployed (no analysts' decisions apply:
    # they belong to an organisation, and need a token). Off by default: screening needs a token.
    public_screening: bool = False

    @property
    def raw_dir(self) -> Path:
        return self.shared_dir / "data" / "raw"


def _project_root() -> Path:
    # src/accomplice/settings.py -> project root, for editable installs run from elsewhere.
    return Path(__file__).resolve().parents[2]


def _resolve_shared() -> Path:
    configured = os.environ.get("ACCOMPLICE_SHARED")
    if configured:
        return Path(configured).expanduser().resolve()
    from_cwd = Path(DEFAULT_SHARED).resolve()
    if from_cwd.exists():
        return from_cwd
    return (_project_root() / DEFAULT_SHARED).resolve()


def get_settings() -> Settings:
    data_dir = Path(os.environ.get("ACCOMPLICE_DATA_DIR", DEFAULT_DATA_DIR)).expanduser().resolve()
    db_url = os.environ.get("ACCOMPLICE_DB_URL") or f"sqlite:///{data_dir / DB_FILENAME}"
    cache_dir = Path(os.environ.get("ACCOMPLICE_CACHE_DIR", str(data_dir / "downloads"))).expanduser()
    return Settings(
        shared_dir=_resolve_shared(),
        data_dir=data_dir,
        db_url=db_url,
        cache_dir=cache_dir,
        download_base_url=os.environ.get("ACCOMPLICE_DOWNLOAD_BASE_URL") or None,
        webhook_allow_private=_flag("ACCOMPLICE_WEBHOOK_ALLOW_PRIVATE"),
        public_screening=_flag("ACCOMPLICE_PUBLIC_SCREENING"),
        audit_anchor_file=_path("ACCOMPLICE_AUDIT_ANCHOR_FILE", data_dir / AUDIT_ANCHOR_FILENAME),
        audit_anchor_key_file=_path("ACCOMPLICE_AUDIT_ANCHOR_KEY_FILE", data_dir / AUDIT_ANCHOR_KEY_FILENAME),
        audit_anchor_seconds=_seconds("ACCOMPLICE_AUDIT_ANCHOR_SECONDS", DEFAULT_AUDIT_ANCHOR_SECONDS),
        trusted_proxies=os.environ.get("ACCOMPLICE_TRUSTED_PROXIES", "").strip(),
        index_dir=Path(os.environ.get("ACCOMPLICE_INDEX_DIR", str(data_dir / "index"))).expanduser(),
    )


def _path(name: str, default: Path) -> Path:
    configured = os.environ.get(name)
    return Path(configured).expanduser().resolve() if configured else default


def _seconds(name: str, default: float) -> float:
    configured = os.environ.get(name, "").strip()
    try:
        return max(0.0, float(configured)) if configured else default
    except ValueError:
        return default


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in TRUE_WORDS
