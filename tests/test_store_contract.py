"""The store contract: every backend keeps versions, provenance and transactions the same way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from accomplice import services
from accomplice.store import Store, open_store
from tests.helpers import BACKENDS

OFAC_2023 = "ofac/2023-12-28"
OFAC_2024_SDN = "ofac/2024-05-03/sdn.csv"


def _load_two_ofac_versions(store: Store, raw_dir: Path) -> None:
    services.load_list(store, "ofac", raw_dir / OFAC_2023, data_date="2023-12-28")
    services.load_list(store, "ofac", raw_dir / OFAC_2024_SDN, data_date="2024-05-03")


@BACKENDS
def test_first_import_creates_version_one_with_counts(store: Store, raw_dir: Path) -> None:
    report = services.load_list(store, "ofac", raw_dir / OFAC_2023, data_date="2023-12-28")
    assert not report.unchanged
    assert report.version.seq == 1
    assert report.version.label == "2023-12-28"
    assert report.version.counts["schema:Person"] > 6000
    assert {f.name for f in report.version.files} == {"sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"}
    assert set(report.version.components) == {"main", "addresses", "aliases", "remarks"}


@BACKENDS
def test_reimport_of_identical_files_is_a_no_op(store: Store, raw_dir: Path) -> None:
    first = services.load_list(store, "ofac", raw_dir / OFAC_2023)
    again = services.load_list(store, "ofac", raw_dir / OFAC_2023)
    assert again.unchanged
    assert again.version.seq == first.version.seq
    assert [v.seq for v in store.versions("ofac")] == [1]


@BACKENDS
def test_values_carry_provenance_of_list_and_versions(store: Store, raw_dir: Path) -> None:
    _load_two_ofac_versions(store, raw_dir)
    detail = services.entity_detail(store, "ofac:12312")
    swift = [s for s in detail.statements if s.prop == "swiftBic"]
    assert [(s.value, s.list_name, s.first_seen, s.last_seen) for s in swift] == [
        ("KDBKKPPY", "ofac", "2023-12-28", "2024-05-03")
    ]


@BACKENDS
def test_lone_primary_file_keeps_aliases_and_addresses_of_earlier_version(
    store: Store, raw_dir: Path
) -> None:
    _load_two_ofac_versions(store, raw_dir)
    detail = services.entity_detail(store, "ofac:11581")
    assert "KKBC" in detail.values("alias")
    assert any("Pyongyang" in a for a in detail.values("address"))
    assert "NPWMD" in detail.values("programId")


@BACKENDS
def test_diff_of_two_ofac_versions_lists_added_dprk_entries(store: Store, raw_dir: Path) -> None:
    _load_two_ofac_versions(store, raw_dir)
    diff = services.filter_diff_by_program(store, store.diff("ofac"), "DPRK")
    added = {c.key: c.caption for c in diff.added}
    assert added["ofac:48262"] == "JON, Yun Gun"
    assert all(c.schema in ("Person", "Organization", "Vessel") for c in diff.added)
    assert diff.carried_components == ("addresses", "aliases", "remarks")


@BACKENDS
def test_lists_count_current_entities_and_links_apart(store: Store, raw_dir: Path) -> None:
    _load_two_ofac_versions(store, raw_dir)
    (ofac,) = store.lists()
    latest = store.versions("ofac")[-1]
    links = latest.counts["schema:UnknownLink"]
    assert (ofac.current_entities, ofac.current_links) == (latest.counts["entities"] - links, links)
    assert ofac.current_entities == 14_965
    assert 0 < latest.counts["added_links"] < latest.counts["added_entities"]


@BACKENDS
def test_error_while_writing_rolls_back_the_whole_version(store: Store, raw_dir: Path) -> None:
    services.load_list(store, "ofac", raw_dir / OFAC_2023)
    before = store.snapshot("ofac", 1)

    class Boom(RuntimeError):
        pass

    def explode(stage: str, done: int, total: int) -> None:
        if stage == "writing statements" and 0 < done < total:
            raise Boom

    with pytest.raises(Boom):
        services.load_list(store, "ofac", raw_dir / OFAC_2024_SDN, progress=explode)
    assert [v.seq for v in store.versions("ofac")] == [1]
    assert store.snapshot("ofac", 1) == before
    assert store.entity("ofac:48262") is None


KILL_SCRIPT = """
import sys
from pathlib import Path
from accomplice import services
from accomplice.store import open_store

def progress(stage, done, total):
    print(stage, done, total, flush=True)
    if stage == "writing statements" and done > 0:
        import time
        time.sleep(60)  # hold the open transaction until the test kills us

store = open_store(sys.argv[1])
services.load_list(store, "ofac", Path(sys.argv[2]), progress=progress)
"""


@BACKENDS
def test_killed_import_leaves_previous_version_intact(store: Store, store_url: str, raw_dir: Path) -> None:
    services.load_list(store, "ofac", raw_dir / OFAC_2023)
    before = store.snapshot("ofac", 1)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, store_url, str(raw_dir / OFAC_2024_SDN)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("writing statements"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    store.close()
    reopened = open_store(store_url)
    assert [v.seq for v in reopened.versions("ofac")] == [1]
    assert reopened.snapshot("ofac", 1) == before
    assert reopened.entity("ofac:48262") is None
    # and the store still takes the import afterwards
    report = services.load_list(reopened, "ofac", raw_dir / OFAC_2024_SDN)
    assert report.version.seq == 2
    reopened.close()
