"""Pure core of list handling: entity records as loaders produce them, versions, and diffs."""

from __future__ import annotations

from accomplice.lists.diff import diff_states
from accomplice.lists.model import (
    COMPONENT_MAIN,
    EntityChange,
    EntityRecord,
    EntitySnapshot,
    ImportReport,
    ListDiff,
    ListInfo,
    ListSpec,
    ProgressFn,
    PropChange,
    SourceFile,
    StatementView,
    Value,
    VersionInfo,
    statement_hash,
)

__all__ = [
    "COMPONENT_MAIN",
    "EntityChange",
    "EntityRecord",
    "EntitySnapshot",
    "ImportReport",
    "ListDiff",
    "ListInfo",
    "ListSpec",
    "ProgressFn",
    "PropChange",
    "SourceFile",
    "StatementView",
    "Value",
    "VersionInfo",
    "diff_states",
    "statement_hash",
]
