"""A small derandomized sample of `bench/bench_fuzz.py`: every list loader and every upload endpoint fed
generated inputs (real files' heads with parser-breaking edits, drawn XLSX workbooks, arbitrary bytes).

A loader reads an input or refuses it with the project's one-line error; an endpoint never answers 5xx,
and an input it refuses leaves the store's rows as they were. The bench runs the same targets at 100,000
inputs each; here a few hundred per target keep the file within CI's time.
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.fuzz_targets import (
    LOADERS,
    Endpoint,
    Loader,
    UploadRig,
    endpoint_check,
    endpoints,
    loader_check,
    loader_label,
    run_target,
)

from accomplice import services
from accomplice.batch.inputs import read_bytes
from accomplice.errors import InputError
from accomplice.store import open_store

# Per target: enough to reach each format's header checks, field parsers and encodings, few enough that
# the whole file takes well under a minute on one core.
LOADER_EXAMPLES = 200
ENDPOINT_EXAMPLES = 100
SEED = 20261208


@pytest.mark.parametrize("loader", LOADERS, ids=loader_label)
def test_a_loader_reads_or_clearly_refuses_every_generated_file(
    loader: Loader, raw_dir: Path, tmp_path: Path
) -> None:
    outcome = run_target(
        loader_label(loader),
        loader.seed_strategy(raw_dir),
        loader_check(loader, tmp_path),
        LOADER_EXAMPLES,
        seed=SEED,
    )
    assert outcome.inputs == LOADER_EXAMPLES
    assert outcome.failed == []


@pytest.fixture(scope="module")
def rig(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UploadRig]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('fuzz-uploads') / 'accomplice.db'}")
    services.load_list(store, "un", raw_dir / "un" / "un_consolidated_2026-02-27.xml")
    uploads = UploadRig(store)
    yield uploads
    uploads.close()
    store.close()


@pytest.mark.parametrize("endpoint", endpoints(), ids=lambda e: e.label)
def test_an_upload_endpoint_never_fails_nor_half_writes_on_generated_files(
    endpoint: Endpoint, rig: UploadRig
) -> None:
    outcome = run_target(
        endpoint.label, endpoint.strategy, endpoint_check(rig, endpoint), ENDPOINT_EXAMPLES, seed=SEED
    )
    assert outcome.inputs == ENDPOINT_EXAMPLES
    assert outcome.failed == []


# -- regressions: inputs the fuzzer found ---------------------------------------------------------------


def _workbook_with_broken_part(part: str) -> bytes:
    """A real XLSX of screening rows whose `part` has its compressed data replaced by bytes that are no
    deflate stream (a reserved block type), as a truncated or damaged download would have."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "name"])
    for i in range(50):
        sheet.append([f"r{i}", f"Kim Jong Un {i}"])
    out = io.BytesIO()
    book.save(out)
    data = bytearray(out.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(part)
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length
    data[start : start + 8] = b"\xff" * 8
    return bytes(data)


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_a_workbook_with_a_damaged_deflate_stream_is_refused_in_one_line(part: str) -> None:
    # Was a zlib.error out of openpyxl: a 500 from /api/jobs, /batch and every XLSX upload.
    data = _workbook_with_broken_part(part)
    with pytest.raises(InputError, match=r"^rows\.xlsx(:\d+)?: not a readable XLSX workbook"):
        list(read_bytes("rows.xlsx", data, fmt="xlsx"))


def test_a_damaged_workbook_uploaded_as_a_job_is_a_422_and_queues_nothing(rig: UploadRig) -> None:
    before = rig.counts()
    answer = rig.client.post(
        "/api/jobs",
        headers=rig.headers,
        files={"file": ("rows.xlsx", _workbook_with_broken_part("xl/worksheets/sheet1.xml"))},
    )
    assert answer.status_code == 422, answer.text
    assert "not a readable XLSX workbook" in answer.text
    assert rig.counts() == before


def test_the_readme_fuzz_command_runs_and_reports_its_counts() -> None:
    # README: `.venv/bin/python bench/bench_fuzz.py --examples 1000 --only "load un"`, with fewer inputs.
    bench = Path(__file__).resolve().parent.parent / "bench" / "bench_fuzz.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--examples", "20", "--only", "load un"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"load un\s+20 inputs", done.stdout), done.stdout
    assert "1 targets, 20 inputs, 0 failures" in done.stdout
