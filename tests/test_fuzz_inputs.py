"""A small derandomized sample of `bench/bench_fuzz.py`: every list loader and every upload endpoint fed
generated inputs (real files' heads with parser-breaking edits, drawn XLSX workbooks, arbitrary bytes).

A loader reads an input or refuses it with the project's one-line error; an endpoint never answers 5xx,
and an input it refuses leaves the store's rows as they were. The bench runs the same targets at 100,000
inputs each; here a few hundred per target keep the file within CI's time.
"""

from __future__ import annotations

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
