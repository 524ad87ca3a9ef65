"""Bring a database to the newest schema with Alembic; called on every `open_store`.

Areas of the store are developed side by side, each adding its tables in its own revision; until their
revisions are chained, the script directory may have several heads, and the database is brought to all
of them ("heads"), each area's revision applied once.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from accomplice.store.engine import writer

__all__ = ["current_heads", "current_revision", "head_revision", "head_revisions", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(_config()).get_heads())


def head_revision() -> str:
    """The single head of a linear history (an error while several areas' heads are not chained)."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_heads(engine: Engine) -> frozenset[str]:
    with engine.connect() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    if current_heads(engine) == head_revisions():
        return
    config = _config()
    with writer(engine) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")
