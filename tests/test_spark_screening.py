"""Screening on Apache Spark (local[2]) gives the local engine's rows, byte for byte, on real names."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml
from pyspark.sql import SparkSession
from typer.testing import CliRunner

import accomplice
from accomplice import services
from accomplice.batch import spark as engine
from accomplice.batch.spark import SparkJobError
from accomplice.cli import app
from accomplice.errors import InputError
from accomplice.services.auth import Principal, Role
from accomplice.services.screening_spark import screen_frame, screen_table, shipped_screening
from accomplice.store import Store
from tests.helpers import copy_of_store

pytestmark = pytest.mark.xdist_group("spark")

FIXTURES = "names/screening_fixtures"
# Rows taken from each shared fixture file: enough to cover every script and both outcomes, few enough
# that the module runs in well under a minute on two cores.
ROWS_PER_FIXTURE = 25


def _input_rows(raw_dir: Path) -> list[dict[str, str]]:
    """Golden screening cases, the UN positives (with birth dates and nationalities, and commas inside
    quoted names) and the global negatives: real names in Latin, Hangul, Hanzi, Cyrillic and Arabic."""
    cases = yaml.safe_load((Path(__file__).parent / "cases" / "screening.yaml").read_text("utf-8"))
    rows = [
        {"id": f"case-{n}", "name": c["name"], "schema": c.get("schema") or ""} for n, c in enumerate(cases)
    ]
    for fixture in ("positives_un_treated.csv", "negatives_global.csv"):
        with (raw_dir / FIXTURES / fixture).open(encoding="utf-8", newline="") as handle:
            for n, row in enumerate(csv.DictReader(handle)):
                if n == ROWS_PER_FIXTURE:
                    break
                rows.append(
                    {
                        "id": f"{fixture.split('_')[0]}-{n}",
                        "name": row["full_name"],
                        "birth_date": row["date_of_birth"],
                        "nationality": row["nationality"],
                    }
                )
    rows.append({"id": "empty", "name": ""})
    return rows


ACCOMPLICE = str(Path(sys.executable).with_name("accomplice"))


@pytest.fixture(scope="module")
def decided_store(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The DPRK lists with one analyst's decision, which both engines must apply."""
    store = copy_of_store(screening_store, tmp_path_factory.mktemp("spark") / "lists.db")
    services.decide(
        store,
        Principal("analyst1", frozenset({Role.ANALYST}), None),
        name="김정은",
        schema=None,
        entity_key="ofac:20157",
        judgement="no-match",
        reason="our customer, born 1990",
    )
    yield store
    store.close()


@pytest.fixture(scope="module")
def names_csv(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark-in") / "names.csv"
    rows = _input_rows(raw_dir)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["id", "name", "schema", "birth_date", "nationality"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _local_lines(store: Store, source: Path, fmt: str) -> list[str]:
    """What `accomplice screen SOURCE --format FMT` writes (the CLI calls this service)."""
    out = io.StringIO(newline="")
    services.screen_file(store, source, out, fmt=fmt, workers=1)
    return out.getvalue().splitlines(keepends=True)


def _spark_lines(folder: Path) -> list[str]:
    lines: list[str] = []
    for part in sorted(folder.glob("part-*")):
        lines.extend(part.read_bytes().decode("utf-8").splitlines(keepends=True))
    return lines


def _by_id_jsonl(lines: list[str]) -> list[str]:
    return sorted(lines, key=lambda line: json.loads(line)["id"])


def _run_cli(store: Store, *args: str) -> Any:
    """`accomplice screen ... --engine spark` as a user runs it: its own process (and Spark driver)."""
    url = store.engine.url.render_as_string(hide_password=False)
    command = [ACCOMPLICE, "--db", url, "screen", *args, "--engine", "spark", "--master", "local[2]"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    result.output = result.stdout + result.stderr  # type: ignore[attr-defined]
    return result


def test_spark_screening_writes_the_local_cli_jsonl_rows_byte_for_byte(
    spark: SparkSession, decided_store: Store, names_csv: Path, tmp_path: Path
) -> None:
    local = _local_lines(decided_store, names_csv, "jsonl")
    target = tmp_path / "hits.jsonl"
    result = _run_cli(decided_store, str(names_csv), "--output", str(target))
    assert f"screened {len(local)} rows on Spark" in result.output
    distributed = _spark_lines(target)
    assert _by_id_jsonl(distributed) == _by_id_jsonl(local)
    # the decision applied on the executors as locally
    decided = next(json.loads(line) for line in distributed if json.loads(line)["id"] == "case-0")
    assert any(m.get("decision") == "no-match" for m in decided["matches"])
    assert sum(1 for line in distributed if json.loads(line)["matches"]) >= ROWS_PER_FIXTURE // 2


def test_spark_screening_writes_the_local_cli_csv_rows_from_parquet(
    spark: SparkSession, decided_store: Store, names_csv: Path, tmp_path: Path
) -> None:
    parquet = tmp_path / "names.parquet"
    spark.read.csv(str(names_csv), header=True, escape='"').write.parquet(str(parquet))
    local = _local_lines(decided_store, names_csv, "csv")
    target = tmp_path / "hits.csv"
    _run_cli(decided_store, str(parquet), "--output", str(target))
    header, rows = local[0], local[1:]
    distributed = _spark_lines(target)
    assert {line for line in distributed if line == header} == {header}
    data = [line for line in distributed if line != header]
    assert sorted(data) == sorted(rows)
    assert all(line.endswith("\r\n") for line in data)


def test_library_screen_gives_the_same_results_on_both_engines(
    spark: SparkSession, decided_store: Store, raw_dir: Path
) -> None:
    records = _input_rows(raw_dir)[:20]
    local = accomplice.screen(records, store=decided_store)
    distributed = accomplice.screen(records, store=decided_store, engine="spark", spark=spark)
    assert distributed == local
    assert [r.id for r in distributed] == [r["id"] for r in records]


class FailFirstAttempt:
    """A partition function that fails the first task to run it (one attempt of one task), leaving a
    marker so that Spark's retry and every other task screen normally."""

    def __init__(self, inner: engine.ArrowFunction, marker: Path) -> None:
        self.inner = inner
        self.marker = marker

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for n, batch in enumerate(self.inner(batches)):
            if n == 1:
                try:
                    self.marker.touch(exist_ok=False)
                except FileExistsError:
                    pass
                else:
                    raise RuntimeError("this task attempt is killed after writing part of its output")
            yield batch


def test_a_task_that_fails_once_is_retried_and_the_output_is_complete_without_duplicates(
    spark: SparkSession, decided_store: Store, names_csv: Path, tmp_path: Path
) -> None:
    frame = engine.read_table(spark, str(names_csv), "csv", required=("id", "name"), partitions=2)
    job = shipped_screening(spark, decided_store, input_format="csv", output="jsonl")
    marker = tmp_path / "failed-once"
    target = tmp_path / "hits.jsonl"
    # Small Arrow batches, so that the failing attempt has yielded output before it dies.
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "10")
    try:
        engine.write_lines(screen_frame(frame, FailFirstAttempt(job, marker), "jsonl"), str(target))
    finally:
        spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(engine.BATCH_ROWS))
    assert marker.exists(), "no task failed: the test proved nothing"
    ids = [json.loads(line)["id"] for line in _spark_lines(target)]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(
        json.loads(line)["id"] for line in _local_lines(decided_store, names_csv, "jsonl")
    )


def test_a_missing_name_column_is_one_line_naming_the_file(
    spark: SparkSession, decided_store: Store, tmp_path: Path
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("id,nom\n1,Kim\n", encoding="utf-8")
    url = decided_store.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        app, ["--db", url, "screen", str(source), "--engine", "spark", "--output", str(tmp_path / "o.jsonl")]
    )
    # `accomplice` (cli.main) prints an AccompliceError as its one line
    assert isinstance(result.exception, InputError)
    assert str(result.exception) == f"{source}:1: missing column(s) name; found: id, nom"


def test_an_existing_output_folder_is_one_line_not_a_jvm_trace(
    spark: SparkSession, decided_store: Store, names_csv: Path, tmp_path: Path
) -> None:
    target = tmp_path / "hits.jsonl"
    target.mkdir()
    with pytest.raises(SparkJobError) as raised:
        screen_table(spark, decided_store, str(names_csv), str(target))
    message = str(raised.value)
    assert "\n" not in message
    assert "already exists" in message


def test_each_executor_process_opens_the_shipped_index_once_for_all_its_tasks(
    spark: SparkSession, decided_store: Store
) -> None:
    job = shipped_screening(spark, decided_store, input_format="csv", output="jsonl")

    def probe(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for _ in batches:
            pass
        index = job.screening_index()
        row = {"pid": os.getpid(), "screener": id(index.screener), "path": str(job.index.local_path())}
        yield pa.RecordBatch.from_pylist([row])

    tasks = 8
    rows = (
        spark.range(tasks * 4)
        .repartition(tasks)
        .mapInArrow(probe, "pid long, screener long, path string")
        .collect()
    )
    assert len(rows) == tasks
    opened: dict[int, set[int]] = {}
    for row in rows:
        opened.setdefault(row["pid"], set()).add(row["screener"])
    assert all(len(screeners) == 1 for screeners in opened.values())
    assert len(opened) < tasks, "Spark's Python workers should serve several tasks each"
    # the executors read the copy Spark shipped with the job, not the store's own folder
    assert {Path(row["path"]) for row in rows}.isdisjoint({services.screening_index_dir(decided_store)})
