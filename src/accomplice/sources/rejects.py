"""Aggregate per-row problems into a few warning lines, so that an import reports them without failing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

__all__ = ["Problems"]

# A warning names this many examples of a problem; the rest is a count. Enough to find the rows in the
# file, few enough that a list with thousands of odd values still gives a readable report.
EXAMPLES = 3
# Examples are cut to this many characters: remarks fields run to kilobytes.
EXAMPLE_CHARS = 80


def _short(text: str) -> str:
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


@dataclass(slots=True)
class _Problem:
    count: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Problems:
    """Counts problems by kind (e.g. "birthDate values FtM rejects") and keeps the first examples."""

    file_name: str
    _by_kind: dict[str, _Problem] = field(default_factory=lambda: defaultdict(_Problem))

    def add(self, kind: str, example: str, line: int | None = None) -> None:
        problem = self._by_kind[kind]
        problem.count += 1
        if len(problem.examples) < EXAMPLES:
            where = f" (line {line})" if line is not None else ""
            problem.examples.append(f"{_short(example)!r}{where}")

    def rejected(self, prop: str, value: str, line: int | None = None) -> None:
        self.add(f"{prop} values FtM rejects, left out", value, line)

    def __len__(self) -> int:
        return sum(p.count for p in self._by_kind.values())

    def warnings(self) -> list[str]:
        lines = []
        for kind, problem in sorted(self._by_kind.items(), key=lambda item: (-item[1].count, item[0])):
            more = f" and {problem.count - len(problem.examples)} more" if problem.count > EXAMPLES else ""
            lines.append(f"{self.file_name}: {problem.count:,} {kind}: {', '.join(problem.examples)}{more}")
        return lines
