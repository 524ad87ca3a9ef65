"""Progress reporting: a Rich bar on a terminal, plain lines on a pipe (logs, CI, tests)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from accomplice.lists.model import ProgressFn

__all__ = ["progress_reporter"]

# On a pipe, print at most one line per stage this often, so logs stay readable.
PLAIN_INTERVAL_SECONDS = 0.5


@contextmanager
def progress_reporter(console: Console) -> Iterator[ProgressFn]:
    if console.is_terminal:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def update(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total or None)
                bar.update(tasks[stage], completed=done, total=total or None)

            yield update
        return

    last: dict[str, float] = {}

    def plain(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last.get(stage, 0.0) < PLAIN_INTERVAL_SECONDS:
            return
        last[stage] = now
        suffix = f"/{total}" if total else ""
        print(f"{stage} {done}{suffix}", file=sys.stderr, flush=True)

    yield plain
