"""CAATSA §321(b) flagging of a large shipment table on Apache Spark.

The propagation over the company graph stays where it is fast: one process (the driver) builds the
store's exposure engine (`cached_view`: every relation, holding, facility and piece of evidence, propagated
to its fixed point). Its state — which party holds which reason on which shipment days, and the graph to
explain it — is written once to a file and shipped to the executors, where each Python process loads it
once. The shipment lines stream through `mapInArrow`: each Arrow batch is joined with the tainted parties'
day intervals in one vectorised pass (`ExposureEngine.flag_shipments`, HS-code rules included), and only
the flagged lines are traced for their evidence paths. The flags, reasons and paths are those
`accomplice trace` writes for the same lines.

Parties are matched to the store's parties by their folded name and country, as an import matches them:
the parties of a shipment table are resolved (screened) when its companies are imported, once, not once
per line. A party the store does not hold has no upstream; it cannot taint its line.
"""

from __future__ import annotations

import json
import pickle
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accomplice.batch import spark as engine
from accomplice.batch.exposure import COLUMNS, read_exposure_rows
from accomplice.errors import AccompliceError
from accomplice.exposure.model import Shipment
from accomplice.services.exposure import ExposureView, redacted_paths_json
from accomplice.services.exposure_cache import cached_view
from accomplice.store import Store

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["FLAG_OUTPUTS", "FlagState", "SparkFlagReport", "SparkFlagging", "flag_table", "shipped_flagging"]

FLAG_OUTPUTS = ("jsonl", "parquet")
STATE_FILE_PREFIX = "exposure-state-"
LINE_SCHEMA = "id string, line string"
PARQUET_SCHEMA = "shipment string, flagged boolean, reasons string, paths string"
SHIPMENTS = COLUMNS["shipments"]


@dataclass(frozen=True, slots=True)
class FlagState:
    """What an executor needs: the propagated engine with the names and sources that explain its paths,
    and the store's party of each folded name and country."""

    view: ExposureView
    nodes: dict[str, str]  # party norm_key -> the engine's node


def _load_state(path: Path) -> FlagState:
    with path.open("rb") as handle:
        # Written by shipped_flagging on the driver of this very job, never taken from a user.
        state: FlagState = pickle.load(handle)  # noqa: S301
    return state


@dataclass(frozen=True, slots=True)
class SparkFlagging:
    """The function Spark runs over each partition of shipment lines (small: the state travels as a file)."""

    state: engine.ShippedFiles
    input_format: str
    output: str  # jsonl | parquet
    max_paths: int = 3
    may_see_confidential: bool = False

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        path = self.state.local_path()
        state = engine.executor_cached(("exposure", str(path)), lambda: _load_state(path))
        schema = self._schema()
        for batch in batches:
            rows = list(engine.row_dicts(batch, self.input_format, dict(SHIPMENTS.aliases)))
            if not rows:
                continue
            if any(isinstance(row, str) for row in rows):
                raise AccompliceError(next(row for row in rows if isinstance(row, str)))
            numbered = ((n, row) for n, row in enumerate(rows, start=1) if not isinstance(row, str))
            parsed = read_exposure_rows("shipments", numbered, path="shipment batch", checksum="")
            shipments = [
                replace(s, parties=tuple((role, state.nodes.get(key, key)) for role, key in s.parties))
                for s in parsed.rows
                if isinstance(s, Shipment)
            ]
            yield pa.RecordBatch.from_pylist(
                [self._row(state.view, s, f) for s, f in _flags(state, shipments)], schema
            )

    def _schema(self) -> pa.Schema:
        import pyarrow as pa

        if self.output == "parquet":
            return pa.schema(
                [
                    ("shipment", pa.string()),
                    ("flagged", pa.bool_()),
                    ("reasons", pa.string()),
                    ("paths", pa.string()),
                ]
            )
        return pa.schema([("id", pa.string()), ("line", pa.string())])

    def _row(self, view: ExposureView, shipment: Shipment, flagged: bool) -> dict[str, Any]:
        reasons: list[str] = []
        paths: list[dict[str, object]] = []
        if flagged:
            trace = view.engine.trace(shipment, max_paths=self.max_paths)
            if trace.flag is not None:
                reasons = [str(r) for r in trace.flag.reasons]
                _, paths = redacted_paths_json(trace, view, may_see_confidential=self.may_see_confidential)
        if self.output == "parquet":
            return {
                "shipment": shipment.id,
                "flagged": bool(reasons),
                "reasons": ";".join(reasons),
                "paths": json.dumps(paths, ensure_ascii=False),
            }
        payload = {"shipment": shipment.id, "flagged": bool(reasons), "reasons": reasons, "paths": paths}
        return {"id": shipment.id, "line": json.dumps(payload, ensure_ascii=False)}


def _flags(state: FlagState, shipments: list[Shipment]) -> Iterator[tuple[Shipment, bool]]:
    """Each shipment with whether its parties hold a reason on its day: the columnar join of the batch with
    the propagated day intervals (property-tested to agree with `trace`)."""
    engine_ = state.view.engine
    flags = engine_.flag_shipments(engine_.shipment_table(shipments))
    yield from zip(shipments, flags.flagged.tolist(), strict=True)


def shipped_flagging(
    spark: SparkSession,
    store: Store,
    folder: Path,
    *,
    input_format: str,
    output: str,
    max_paths: int = 3,
    may_see_confidential: bool = False,
) -> SparkFlagging:
    """Propagate the store's exposure records here, write the state under `folder` and ship it."""
    if output not in FLAG_OUTPUTS:
        raise ValueError(f"unknown output format {output!r}; use {', '.join(FLAG_OUTPUTS)}")
    view = cached_view(store)
    nodes = {p.norm_key: p.node for p in view.parties.values()}
    # A name of its own per job: Spark refuses a second file of the same name in one session.
    path = folder / f"{STATE_FILE_PREFIX}{uuid.uuid4().hex}.pickle"
    with path.open("wb") as handle:
        pickle.dump(FlagState(view, nodes), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return SparkFlagging(engine.ship(spark, path), input_format, output, max_paths, may_see_confidential)


def flag_frame(frame: DataFrame, job: SparkFlagging) -> DataFrame:
    return frame.mapInArrow(job, PARQUET_SCHEMA if job.output == "parquet" else LINE_SCHEMA)


@dataclass(frozen=True, slots=True)
class SparkFlagReport:
    shipments: int
    flagged: int
    seconds: float
    target: str

    def summary(self) -> str:
        return (
            f"flagged {self.flagged:,} of {self.shipments:,} shipments on Spark in {self.seconds:.1f}s "
            f"(presumptively barred under CAATSA §321(b)) into {self.target}"
        )


def flag_table(
    spark: SparkSession,
    store: Store,
    source: str,
    target: str,
    *,
    max_paths: int = 3,
    may_see_confidential: bool = False,
    partitions: int | None = None,
) -> SparkFlagReport:
    """`accomplice trace SHIPMENTS --engine spark --output TARGET`: every line of a CSV, JSON lines or
    Parquet shipment table flagged against the store's propagated exposure, with its evidence paths."""
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="accomplice-spark-"))
    try:
        kind = engine.table_format(source)
        output = engine.table_format(target)
        required = SHIPMENTS.required if kind != "jsonl" else ()
        frame = engine.read_table(
            spark, source, kind, required=required, aliases=dict(SHIPMENTS.aliases), partitions=partitions
        )
        job = shipped_flagging(
            spark,
            store,
            folder,
            input_format=kind,
            output=output,
            max_paths=max_paths,
            may_see_confidential=may_see_confidential,
        )
        flagged = flag_frame(frame, job)
        if output == "parquet":
            engine.write_parquet(flagged, target)
            written = spark.read.parquet(target)
            total, hits = written.count(), written.filter(written.flagged).count()
        else:
            engine.write_lines(flagged, target)
            text = spark.read.text(target)
            total = text.count()
            hits = text.filter(text.value.contains('"flagged": true')).count()
    except AccompliceError:
        raise
    except Exception as exc:  # Spark's errors: one line
        raise engine.job_failure(exc) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return SparkFlagReport(total, hits, time.perf_counter() - started, target)
