"""What every list format provides: a cheap plan (which files, which list, checksum) and a parse."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from accomplice.lists.model import EntityRecord, ListSpec, ProgressFn, SourceFile
from accomplice.sources.files import combined_checksum, source_file

__all__ = ["InputFile", "ListFormat", "Parsed", "Plan", "make_plan", "paused_gc"]


@dataclass(frozen=True, slots=True)
class InputFile:
    path: Path
    component: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything known before parsing: enough to skip an unchanged re-import in milliseconds."""

    spec: ListSpec
    inputs: tuple[InputFile, ...]
    files: tuple[SourceFile, ...]
    checksum: str

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(sorted({i.component for i in self.inputs}))


@dataclass(slots=True)
class Parsed:
    records: list[EntityRecord]
    warnings: list[str] = field(default_factory=list)
    data_date: str | None = None
    label: str | None = None


class ListFormat(Protocol):
    name: str

    def plan(self, path: Path, *, list_name: str | None = None) -> Plan: ...

    def parse(self, plan: Plan, progress: ProgressFn | None = None) -> Parsed: ...


def make_plan(spec: ListSpec, inputs: list[InputFile]) -> Plan:
    files = tuple(source_file(i.path, i.component) for i in inputs)
    return Plan(spec, tuple(inputs), files, combined_checksum(files))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while a parse builds its records.

    A parse allocates hundreds of thousands of objects that all stay alive until the import ends, and every
    full collection walks all of them again: on the OFAC 2023-12-28 set, half of the parse's CPU time went
    to collections that freed nothing. Records hold no reference cycles, so pausing frees nothing later
    that would have been freed sooner; reference counting still frees everything else at once.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
