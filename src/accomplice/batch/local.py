"""Run a function over many items on every core of this machine, results in input order.

The screening index is built once in the parent and shared with the workers by fork (copy-on-write), so
each worker starts in milliseconds instead of rebuilding it.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

__all__ = ["default_workers", "map_ordered"]

T = TypeVar("T")
R = TypeVar("R")

# Items per task sent to a worker: large enough to amortise pickling, small enough to keep the progress
# bar moving and memory flat on inputs of millions of rows.
DEFAULT_CHUNK = 256

_FUNCTION: Callable[[Any], Any] | None = None


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _run(chunk: list[Any]) -> list[Any]:
    assert _FUNCTION is not None
    return [_FUNCTION(item) for item in chunk]


def map_ordered(
    function: Callable[[T], R], items: Iterable[T], *, workers: int | None = None, chunk: int = DEFAULT_CHUNK
) -> Iterator[R]:
    """`map(function, items)` over `workers` processes (fork), streaming, in input order."""
    global _FUNCTION
    workers = default_workers() if workers is None else workers
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(function, items)
        return
    _FUNCTION = function
    # Keep the garbage collector off the (large, long-lived) index in the children: objects it would
    # otherwise scan get copied page by page out of the shared memory.
    gc.freeze()
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        for results in pool.imap(_run, _chunks(items, chunk)):
            yield from results
