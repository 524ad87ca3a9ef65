"""§321(b) flagging of a shipment table on Apache Spark (local[2]) writes the flags, reasons and evidence
paths `accomplice trace` writes for the same lines, on the real DPRK lists and the hand-made trade data."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from accomplice import services
from accomplice.services import exposure
from accomplice.services.exposure_spark import flag_table
from accomplice.store import Store
from tests.helpers import copy_of_store

pytestmark = pytest.mark.xdist_group("spark")

DATA = Path(__file__).parent / "exposure_data"
IMPORT_ORDER = (
    ("relations", "relations.csv"),
    ("ownership", "ownership.csv"),
    ("facilities", "facilities.csv"),
    ("evidence", "evidence.jsonl"),
)
# Each real shipment line is repeated on days this far apart from 2012 to 2025: before, during and after
# the evidence periods, so that the same parties are flagged on some days and clean on others.
EVERY_DAYS = 181
FIRST_DAY, LAST_DAY = date(2012, 1, 1), date(2025, 12, 31)


ACCOMPLICE = str(Path(sys.executable).with_name("accomplice"))


@pytest.fixture(scope="module")
def traded_store(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = copy_of_store(screening_store, tmp_path_factory.mktemp("spark-exposure") / "trade.db")
    index = services.screening_index(store)
    for kind, name in IMPORT_ORDER:
        exposure.import_file(store, kind, DATA / name, user="analyst1", index=index)
    yield store
    store.close()


@pytest.fixture(scope="module")
def shipment_lines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with (DATA / "shipments.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        originals = list(reader)
    path = tmp_path_factory.mktemp("spark-shipments") / "entries.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        day = FIRST_DAY
        while day <= LAST_DAY:
            for row in originals:
                writer.writerow(
                    {**row, "entry_id": f"{row['entry_id']}@{day:%Y%m%d}", "entry_date": day.isoformat()}
                )
            day += timedelta(days=EVERY_DAYS)
    return path


@pytest.fixture(scope="module")
def traced(
    traded_store: Store, shipment_lines: Path
) -> tuple[exposure.TraceReport, dict[str, tuple[object, object, object]]]:
    """What `accomplice trace` writes for the lines (it imports them first: their parties are the store's)."""
    out = io.StringIO()
    report = exposure.trace_file(traded_store, shipment_lines, out, user="analyst1")
    return report, _flags([json.loads(line) for line in out.getvalue().splitlines()])


def _flags(lines: list[dict[str, object]]) -> dict[str, tuple[object, object, object]]:
    return {str(item["shipment"]): (item["flagged"], item["reasons"], item["paths"]) for item in lines}


def test_spark_flags_a_shipment_table_as_accomplice_trace_does(
    spark: SparkSession,
    traded_store: Store,
    shipment_lines: Path,
    traced: tuple[exposure.TraceReport, dict[str, tuple[object, object, object]]],
    tmp_path: Path,
) -> None:
    local, expected = traced
    target = tmp_path / "flags.jsonl"
    report = flag_table(spark, traded_store, str(shipment_lines), str(target))
    lines = [
        json.loads(line)
        for part in sorted(target.glob("part-*"))
        for line in part.read_text("utf-8").splitlines()
    ]
    assert len(lines) == len({line["shipment"] for line in lines})
    assert _flags(lines) == expected
    assert report.shipments == local.shipments == len(expected)
    assert report.flagged == local.flagged
    assert 0 < local.flagged < local.shipments, "the dates should flag some lines and clear others"
    reasons = {r for flagged, rs, _ in expected.values() if flagged for r in rs}  # type: ignore[union-attr]
    assert len(reasons) >= 2


def test_the_trace_command_flags_on_spark_into_parquet(
    spark: SparkSession,
    traded_store: Store,
    shipment_lines: Path,
    traced: tuple[exposure.TraceReport, dict[str, tuple[object, object, object]]],
    tmp_path: Path,
) -> None:
    _, expected = traced
    target = tmp_path / "flags.parquet"
    url = traded_store.engine.url.render_as_string(hide_password=False)
    # As a user runs it: its own process (and Spark driver), not this test process's caches.
    command = [ACCOMPLICE, "--db", url, "trace", str(shipment_lines), "--engine", "spark"]
    command += ["--master", "local[2]", "-o", str(target)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"of {len(expected):,} shipments on Spark" in result.stdout + result.stderr
    rows = spark.read.parquet(str(target)).collect()
    found = {
        row["shipment"]: (
            row["flagged"],
            row["reasons"].split(";") if row["reasons"] else [],
            json.loads(row["paths"]),
        )
        for row in rows
    }
    assert found == expected
