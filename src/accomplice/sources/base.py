"""What every list format provides: a cheap plan (which files, which list, checksum) and a parse."""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from accomplice.lists.model import EntityRecord, ListSpec, ProgressFn, SourceFile
from accomplice.sources.files import combined_checksum, source_file

__all__ = ["InputFile", "ListFormat", "Parsed", "Plan", "PreviousValues", "make_plan", "paused_gc"]

# previous(keys, prop): the values of `prop` that the list's latest stored version holds for each of `keys`.
# A format whose set lacks a file that completes values of the primary file (OFAC's remarks continued in
# sdn_comments.csv) carries that file's part from the version before through it, as the store carries the
# values of a missing alias or address file.
PreviousValues = Callable[[Sequence[str], str], Mapping[str, Collection[str]]]


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file of a set; `component` tags its values, `covers` names what it stands for in a version's
    components when that differs (OFAC's comments file completes the main component's remarks, yet a
    version without it must say that it carried them)."""

    path: Path
    component: str
    covers: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything known before parsing: enough to skip an unchanged re-import in milliseconds."""

    spec: ListSpec
    inputs: tuple[InputFile, ...]
    files: tuple[SourceFile, ...]
    checksum: str

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(sorted({i.covers or i.component for i in self.inputs}))


@dataclass(slots=True)
class Parsed:
    records: list[EntityRecord]
    warnings: list[str] = field(default_factory=list)
    data_date: str | None = None
    label: str | None = None


class ListFormat(Protocol):
    name: str

    def plan(self, path: Path, *, list_name: str | None = None) -> Plan: ...

    def parse(
        self, plan: Plan, progress: ProgressFn | None = None, previous: PreviousValues | None = None
    ) -> Parsed: ...


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
