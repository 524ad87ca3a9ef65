"""Screening on Apache Spark: the same records, index, decisions and output rows as the local engine,
spread over a cluster's executors.

The driver makes sure the store's persisted screening index is current (`load_screening_index`: built
once, when stale), ships its folder to the executors (batch.spark.ship) and broadcasts the decisions of the
organisation whose screening this is (the shared ones, as `accomplice screen` applies them). Each executor
Python process maps the index files once; every Arrow batch of input rows is screened by
`screen_records` exactly as the local CLI screens them, and written as the local CLI writes them.
"""

from __future__ import annotations

import io
import json
import pickle
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accomplice.batch import spark as engine
from accomplice.batch.csv_cells import formula_safe_writer
from accomplice.errors import AccompliceError, InputError
from accomplice.matching import Screener
from accomplice.matching.decisions import Decision
from accomplice.services.screening import (
    CSV_RESULT_COLUMNS,
    ScreeningIndex,
    ScreeningRecord,
    ScreeningResult,
    csv_row_of,
    hide_decided_json,
    record_from_row,
    result_json,
    screen_records,
    screening_index,
    with_decisions,
)
from accomplice.store import Store, index_files

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark import Broadcast
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "OUTPUT_FORMATS",
    "SparkScreenReport",
    "SparkScreening",
    "screen_frame",
    "screen_records_on_spark",
    "screen_table",
    "shipped_screening",
]

OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
# Output columns: text outputs carry one written line per row (and the row's id, to check and sort by);
# Parquet carries the CSV columns plus the whole JSON result.
LINE_SCHEMA = "id string, line string"
PARQUET_SCHEMA = ", ".join(f"{c} string" for c in (*CSV_RESULT_COLUMNS, "result"))
# The Python API's records and results travel as pickles of the library's own values (ScreeningRecord in,
# ScreeningResult out), written and read by this module only, with the input position to restore order.
OBJECT_SCHEMA = "position long, result binary"
OBJECT_FORMAT = "objects"


def _open_screener(location: Path, versions: str) -> Screener:
    # The analysis fingerprint is computed here, on the executor: an executor running other matching
    # code than the driver's refuses the index (StaleIndexError) instead of screening with it.
    opened = index_files.open_index(location, versions, index_files.analysis_fingerprint())
    if opened is None:
        raise index_files.IndexFileError(f"{location}: no screening index was shipped")
    return Screener(opened[0])


@dataclass(frozen=True, slots=True)
class SparkScreening:
    """The function Spark runs over each partition's Arrow batches (pickled into each task: small — the
    index travels as files, the decisions as a broadcast)."""

    index: engine.ShippedFiles
    versions: str
    decisions: Broadcast[dict[tuple[str, str], Decision]]
    input_format: str  # csv | jsonl | parquet | objects
    output: str  # jsonl | csv | parquet | objects
    threshold: float | None = None
    limit: int = 10
    hide_decided: bool = False

    def screening_index(self) -> ScreeningIndex:
        location = self.index.local_path()
        screener = engine.executor_cached(
            ("screening", str(location), self.versions), lambda: _open_screener(location, self.versions)
        )
        return ScreeningIndex(screener, self.versions, len(screener.index), 0.0, self.decisions.value, "")

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        index = self.screening_index()
        if self.output == "csv":
            # Each part file Spark writes is a CSV file of its own, header first (as Spark's CSV writer does).
            yield pa.RecordBatch.from_pylist([{"id": "", "line": _csv_line(list(CSV_RESULT_COLUMNS))}])
        for batch in batches:
            records, positions, errors = self._records(batch)
            results = screen_records(index, records, threshold=self.threshold, limit=self.limit, workers=1)
            rows = [self._row(result, position) for result, position in zip(results, positions, strict=True)]
            rows.extend(self._row(ScreeningResult("", "", (), reason), None) for reason in errors)
            if rows:
                yield pa.RecordBatch.from_pylist(rows, schema=self._schema())

    def _schema(self) -> pa.Schema:
        import pyarrow as pa

        if self.output == OBJECT_FORMAT:
            return pa.schema([("position", pa.int64()), ("result", pa.binary())])
        if self.output == "parquet":
            return pa.schema([(c, pa.string()) for c in (*CSV_RESULT_COLUMNS, "result")])
        return pa.schema([("id", pa.string()), ("line", pa.string())])

    def _records(self, batch: pa.RecordBatch) -> tuple[list[ScreeningRecord], list[int | None], list[str]]:
        """The batch's records, their positions in the caller's list (the Python API), and the reasons of
        rows that are not records."""
        if self.input_format == OBJECT_FORMAT:
            positions: list[int | None] = list(batch.column("position").to_pylist())
            # Pickled by screen_records_on_spark from the caller's own records, never read from a file.
            records = [pickle.loads(v) for v in batch.column("record").to_pylist()]  # noqa: S301
            return records, positions, []
        found: list[ScreeningRecord] = []
        errors: list[str] = []
        for row in engine.row_dicts(batch, self.input_format):
            if isinstance(row, str):
                errors.append(row)
            elif "id" not in row or "name" not in row:
                errors.append("missing column(s) id, name")
            else:
                found.append(record_from_row(row))
        return found, [None] * len(found), errors

    def _row(self, result: ScreeningResult, position: int | None) -> dict[str, Any]:
        if self.output == OBJECT_FORMAT:
            assert position is not None
            return {"position": position, "result": pickle.dumps(result)}
        payload = result_json(result)
        if self.hide_decided:
            payload = hide_decided_json(payload)
        if self.output == "jsonl":
            return {"id": result.id, "line": json.dumps(payload, ensure_ascii=False)}
        cells = csv_row_of(payload, result.name)
        if self.output == "csv":
            return {"id": result.id, "line": _csv_line(cells)}
        return {
            **dict(zip(CSV_RESULT_COLUMNS, cells, strict=True)),
            "result": json.dumps(payload, ensure_ascii=False),
        }


def _csv_line(cells: Sequence[str]) -> str:
    """One CSV line as the local CLI writes it (formula-safe cells, CRLF), less the final LF that Spark's
    text writer adds back."""
    out = io.StringIO()
    formula_safe_writer(out).writerow(cells)
    return out.getvalue().removesuffix("\n")


def shipped_screening(
    spark: SparkSession,
    store: Store,
    *,
    input_format: str,
    output: str,
    threshold: float | None = None,
    limit: int = 10,
    hide_decided: bool = False,
    shared_index: bool = False,
) -> SparkScreening:
    """The store's current persisted index shipped to the executors (built first when stale), its shared
    decisions broadcast, and the partition function that screens with them."""
    if output not in (*OUTPUT_FORMATS, OBJECT_FORMAT):
        raise ValueError(f"unknown output format {output!r}; use {', '.join(OUTPUT_FORMATS)}")
    index = screening_index(store)
    if index.location is None:
        raise AccompliceError(
            "the Spark engine ships the persisted screening index; this store has no place for index "
            "files (an in-memory database): use a file or PostgreSQL store"
        )
    manifest = index_files.read_manifest(index.location)
    assert manifest is not None  # screening_index just opened it
    return SparkScreening(
        engine.ship(spark, index.location, shared=shared_index),
        manifest.versions,
        # Read from the store now, not from the process's cached index: the cache is checked at most once a
        # second, and a job shipped within that second must still carry a decision just recorded.
        spark.sparkContext.broadcast(dict(with_decisions(store, index, "", fresh=True).decisions)),
        input_format,
        output,
        threshold,
        limit,
        hide_decided,
    )


def screen_frame(frame: DataFrame, job: engine.ArrowFunction, output: str) -> DataFrame:
    """Screen every row of `frame` (as `read_table` reads it) with `job` (see `shipped_screening`)."""
    schema = (
        PARQUET_SCHEMA if output == "parquet" else OBJECT_SCHEMA if output == OBJECT_FORMAT else LINE_SCHEMA
    )
    return frame.mapInArrow(job, schema)


@dataclass(frozen=True, slots=True)
class SparkScreenReport:
    rows: int
    seconds: float
    target: str

    def summary(self) -> str:
        rate = self.rows / max(self.seconds, 1e-9)
        return (
            f"screened {self.rows:,} rows on Spark in {self.seconds:.1f}s ({rate:,.0f}/s) into {self.target}"
        )


def screen_table(
    spark: SparkSession,
    store: Store,
    source: str,
    target: str,
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    threshold: float | None = None,
    limit: int = 10,
    hide_decided: bool = False,
    partitions: int | None = None,
    shared_index: bool = False,
) -> SparkScreenReport:
    """`accomplice screen SOURCE --engine spark --output TARGET`: a CSV, JSON lines or Parquet table in,
    the local CLI's rows out (a folder of part files, as Spark writes; JSON lines or CSV each line as the
    local CLI writes it, Parquet with the CSV columns and the JSON result)."""
    try:
        return _screen_table(
            spark,
            store,
            source,
            target,
            input_format=input_format,
            output_format=output_format,
            threshold=threshold,
            limit=limit,
            hide_decided=hide_decided,
            partitions=partitions,
            shared_index=shared_index,
        )
    except AccompliceError:
        raise
    except Exception as exc:  # Spark's errors (a JVM exception through Py4J, a failed job): one line
        raise engine.job_failure(exc) from None


def _screen_table(
    spark: SparkSession,
    store: Store,
    source: str,
    target: str,
    *,
    input_format: str | None,
    output_format: str | None,
    threshold: float | None,
    limit: int,
    hide_decided: bool,
    partitions: int | None,
    shared_index: bool,
) -> SparkScreenReport:
    started = time.perf_counter()
    kind = engine.table_format(source, input_format)
    output = engine.table_format(target, output_format)
    required = ("id", "name") if kind != "jsonl" else ()
    frame = engine.read_table(spark, source, kind, required=required, partitions=partitions)
    job = shipped_screening(
        spark,
        store,
        input_format=kind,
        output=output,
        threshold=threshold,
        limit=limit,
        hide_decided=hide_decided,
        shared_index=shared_index,
    )
    screened = screen_frame(frame, job, output)
    if output == "parquet":
        engine.write_parquet(screened, target)
        rows = spark.read.parquet(target).count()
    else:
        engine.write_lines(screened, target)
        written = spark.read.text(target)
        if output == "csv":  # each part file's header line is not a row
            written = written.filter(written.value != _csv_line(CSV_RESULT_COLUMNS).removesuffix("\r"))
        rows = written.count()
    return SparkScreenReport(rows, time.perf_counter() - started, target)


def screen_records_on_spark(
    spark: SparkSession,
    store: Store,
    records: Sequence[ScreeningRecord],
    *,
    threshold: float | None = None,
    limit: int = 10,
) -> list[ScreeningResult]:
    """`accomplice.screen(records, engine="spark", spark=session)`: the local results, in input order."""
    job = shipped_screening(
        spark, store, input_format=OBJECT_FORMAT, output=OBJECT_FORMAT, threshold=threshold, limit=limit
    )
    rows = [(n, pickle.dumps(record)) for n, record in enumerate(records)]
    frame = spark.createDataFrame(rows, "position long, record binary")
    wanted = spark.sparkContext.defaultParallelism
    if frame.rdd.getNumPartitions() < wanted:
        frame = frame.repartition(wanted)
    found = {row["position"]: row["result"] for row in screen_frame(frame, job, OBJECT_FORMAT).collect()}
    if len(found) != len(records):
        raise InputError("records", f"Spark returned {len(found)} results for {len(records)} records")
    # Pickled by SparkScreening from the library's own ScreeningResult values.
    return [pickle.loads(found[n]) for n in range(len(records))]  # noqa: S301
