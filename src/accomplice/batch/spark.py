"""Apache Spark as a batch engine: sessions, input and output tables, files shipped to executors, and
records streamed through `DataFrame.mapInArrow` in Arrow batches.

This module knows Spark, not screening or exposure: the use cases (services.screening_spark,
services.exposure_spark) give it a picklable function over Arrow batches and the files that function
opens. A shipped folder (the persisted screening index, the propagated exposure state) is copied to every
executor once per job by `SparkContext.addFile` and opened once per executor Python process
(`executor_cached`): tasks never rebuild it and the driver never pickles it into a task.

PySpark is an optional extra (`pip install accomplice[spark]`) that needs a Java runtime; importing this
module without it raises one line saying so.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from accomplice import safejson
from accomplice.batch.inputs import ALIASES, clean_row, normalise_header
from accomplice.errors import AccompliceError, InputError

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "BATCH_ROWS",
    "TABLE_FORMATS",
    "ArrowFunction",
    "ShippedFiles",
    "SparkJobError",
    "SparkUnavailableError",
    "executor_cached",
    "job_failure",
    "read_table",
    "row_dicts",
    "ship",
    "spark_session",
    "table_format",
    "write_lines",
    "write_parquet",
]

T = TypeVar("T")
ArrowFunction = Callable[[Iterator["pa.RecordBatch"]], Iterator["pa.RecordBatch"]]

# Rows per Arrow batch handed to a Python worker: a screened name costs ~1 ms, so a batch is a few seconds of
# work — long enough to amortise the JVM↔Python hand-over, short enough that a retried task redoes little
# and a batch of results stays a few MB.
BATCH_ROWS = 2_000
TABLE_FORMATS = ("csv", "jsonl", "parquet")
_SUFFIXES = {"csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl", "parquet": "parquet"}
# A JSON lines input is read as text, one row per line, in this column (Spark's text source names it so).
JSONL_COLUMN = "value"


class SparkUnavailableError(AccompliceError):
    """PySpark (the `spark` extra) or the Java runtime it needs is not installed."""


class SparkJobError(AccompliceError):
    """A Spark job failed (after Spark's own retries): one line saying why, not a JVM stack trace."""


# The line of a failed task's Python traceback that names the error, as Spark quotes it in its message.
_PYTHON_ERROR = re.compile(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception)): (.+)$", re.MULTILINE)


def job_failure(exc: Exception) -> SparkJobError:
    """What went wrong in a failed Spark call, in one line: a task's Python error if one failed, else the
    first line of Spark's message (a path that exists, a file that does not)."""
    message = str(exc)
    found = _PYTHON_ERROR.findall(message)
    python_errors = [(kind, text) for kind, text in found if not kind.startswith(("Py4J", "Spark"))]
    if python_errors:
        kind, text = python_errors[-1]
        return SparkJobError(f"Spark job failed: {kind}: {text.strip()}")
    first = next((line.strip() for line in message.splitlines() if line.strip()), type(exc).__name__)
    return SparkJobError(f"Spark job failed: {first[:MAX_ERROR_CHARS]}")


# A Spark message's first line can quote a whole query plan; the user needs its start.
MAX_ERROR_CHARS = 400


def spark_session(
    master: str | None = None, *, app_name: str = "accomplice", ui: bool = False
) -> SparkSession:
    """A Spark session (the active one if there is one): `master` as spark-submit takes it ("local[2]",
    "spark://host:7077", "yarn"; None: what spark-submit or the cluster configured)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailableError(
            "the Spark engine needs PySpark: pip install 'accomplice[spark]' (and a Java 17+ runtime)"
        ) from None
    builder = SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.master(master)
    if (master or "").startswith("local") and "PYSPARK_PYTHON" not in os.environ:
        # Local executors run on this machine: their Python workers must be this interpreter (with
        # accomplice installed), not whatever `python3` the PATH finds first. PySpark reads the variable
        # when the context starts.
        os.environ["PYSPARK_PYTHON"] = sys.executable
    builder = builder.config("spark.ui.enabled", str(ui).lower()).config(
        "spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_ROWS)
    )
    try:
        return builder.getOrCreate()
    except Exception as exc:  # the JVM failed to start: Java missing or too old
        raise SparkUnavailableError(
            f"Spark did not start ({type(exc).__name__}: {exc}); is Java 17+ installed?"
        ) from None


def table_format(path: str, fmt: str | None = None) -> str:
    """csv, jsonl or parquet: `fmt` if given, else told by the path's suffix."""
    if fmt is not None:
        if fmt not in TABLE_FORMATS:
            raise InputError(path, f"unknown table format {fmt!r}; use {', '.join(TABLE_FORMATS)}")
        return fmt
    suffix = Path(path.rstrip("/")).suffix.lower().lstrip(".")
    if suffix not in _SUFFIXES:
        raise InputError(
            path, f"cannot tell the format from the name; end it in .{', .'.join(TABLE_FORMATS)}"
        )
    return _SUFFIXES[suffix]


def read_table(
    spark: SparkSession,
    path: str,
    fmt: str,
    *,
    required: Iterable[str] = (),
    aliases: dict[str, str] = ALIASES,
    partitions: int | None = None,
) -> DataFrame:
    """A table of strings as the local readers see it: CSV columns named as batch.inputs names them (and
    checked for `required`); Parquet as it is; JSON lines as text, parsed row by row by `row_dicts`.

    At least `partitions` partitions (default: the cluster's default parallelism), so that a single small
    file still keeps every core busy.
    """
    reader = spark.read
    if fmt == "csv":
        # RFC 4180 quoting ("" inside quotes), every column a string, as Python's csv module reads it.
        frame = reader.csv(path, header=True, inferSchema=False, escape='"', mode="FAILFAST")
        names = [normalise_header(c, aliases) for c in frame.columns]
        missing = [c for c in required if c not in names]
        if missing:
            raise InputError(
                path, f"missing column(s) {', '.join(missing)}; found: {', '.join(names)}", line=1
            )
        frame = frame.toDF(*names)
    elif fmt == "parquet":
        frame = reader.parquet(path)
        names = [normalise_header(c, aliases) for c in frame.columns]
        missing = [c for c in required if c not in names]
        if missing:
            raise InputError(path, f"missing column(s) {', '.join(missing)}; found: {', '.join(names)}")
        frame = frame.toDF(*names)
    else:
        frame = reader.text(path)
    wanted = partitions or spark.sparkContext.defaultParallelism
    if frame.rdd.getNumPartitions() < wanted:
        frame = frame.repartition(wanted)
    return frame


def row_dicts(
    batch: pa.RecordBatch, fmt: str, aliases: dict[str, str] = ALIASES
) -> Iterator[dict[str, str] | str]:
    """The rows of an input batch as the local readers give them (stripped strings, headers normalised);
    a JSON line that is not an object comes as the one-line reason instead."""
    if fmt != "jsonl":
        for row in batch.to_pylist():
            cleaned = clean_row(row)
            if any(cleaned.values()):  # a line of empty cells is skipped, as the local CSV reader does
                yield cleaned
        return
    for line in batch.column(JSONL_COLUMN).to_pylist():
        if not line or not line.strip():
            continue
        try:
            data = safejson.loads(line)
        except ValueError as exc:
            yield f"invalid JSON: {exc}"
            continue
        if not isinstance(data, dict):
            yield "each line must be a JSON object"
            continue
        yield clean_row(
            {normalise_header(str(k), aliases): v for k, v in data.items() if not isinstance(v, dict | list)}
        )


@dataclass(frozen=True, slots=True)
class ShippedFiles:
    """A file or folder every executor can open: shipped with the job (`name`, found by SparkFiles) or
    at a `shared` path every node mounts (DBFS, NFS, a volume)."""

    name: str
    shared: str | None = None

    def local_path(self) -> Path:
        """Where this executor finds it (call on an executor, or on the driver in local mode)."""
        if self.shared is not None:
            return Path(self.shared)
        from pyspark import SparkFiles

        return Path(SparkFiles.get(self.name))


def ship(spark: SparkSession, path: Path, *, shared: bool = False) -> ShippedFiles:
    """Make `path` available to every executor: copied with the job (addFile; a folder recursively), or,
    when `shared`, read in place by each of them."""
    if shared:
        return ShippedFiles(path.name, str(path))
    spark.sparkContext.addFile(str(path), recursive=path.is_dir())
    return ShippedFiles(path.name)


_CACHE: dict[object, Any] = {}
_CACHE_LOCK = threading.Lock()


def executor_cached(key: object, load: Callable[[], T]) -> T:
    """`load()` once per executor Python process for `key` (Spark reuses its Python workers across tasks,
    so the second task of a job and every later one find the shipped files already open)."""
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = load()
        value: T = _CACHE[key]
        return value


def write_lines(frame: DataFrame, path: str) -> None:
    """The `line` column as text files under `path` (one per partition, as Spark writes), each line as
    the function made it: byte for byte what the local engine writes."""
    frame.select("line").write.mode("errorifexists").text(path)


def write_parquet(frame: DataFrame, path: str) -> None:
    frame.write.mode("errorifexists").parquet(path)
