"""The engine over the store is built once per data generation: every write is seen by the next read.

Reads go through the cached view (services.exposure_cache); writes through the services (imports, API
rows, party decisions, list loads) or through another process (the command line while a server runs).
On SQLite and PostgreSQL, with the real UK and UN lists where listings matter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from accomplice import services
from accomplice.services import exposure, exposure_cache
from accomplice.services.exposure_pages import shipment_rows
from accomplice.store import Store, open_store
from tests.helpers import BACKENDS

DATA = Path(__file__).parent / "exposure_data"
# Trade data without the labour evidence: every shipment is clean until evidence arrives.
WITHOUT_EVIDENCE = (
    ("relations", "relations.csv"),
    ("facilities", "facilities.csv"),
    ("shipments", "shipments.csv"),
)
UK_LIST = "uk/hmt_conlist_2018-04-13.csv"
UN_LIST = "un/un_consolidated_2026-02-27.xml"
# KOREA RYONBONG GENERAL CORPORATION on the UK list, whose regime name ("North Korea (Democratic
# People's Republic of Korea)") is not read as DPRK, and on the UN 1718 list as KPe.002.
RYONBONG_UK = "uk:10893"
RYONBONG_UN = "un:KPe.002"


def _load_trade_data(store: Store) -> None:
    for kind, name in WITHOUT_EVIDENCE:
        exposure.import_file(store, kind, DATA / name, user="analyst1")


def _flags(store: Store) -> dict[str, tuple[str, ...]]:
    return {row.record.id: row.reasons for row in shipment_rows(store)}


def _exporter(store: Store, shipment: str) -> str:
    item = exposure.trace_stored_one(store, shipment)
    parties = item["parties"]
    assert isinstance(parties, list)
    return str(next(p["id"] for p in parties if p["role"] == "exporter"))


def _listed_entries(store: Store, party: str) -> set[str]:
    paths = exposure.party_exposure(store, party, max_paths=10)["paths"]
    assert isinstance(paths, list)
    return {str(p["listing"]["entity"]) for p in paths if "listing" in p}


@BACKENDS
def test_every_write_through_the_services_is_seen_by_the_next_read(store: Store, raw_dir: Path) -> None:
    services.load_list(store, "uk", raw_dir / UK_LIST)
    _load_trade_data(store)
    assert set(_flags(store).values()) == {()}

    exposure.import_file(store, "evidence", DATA / "evidence.jsonl", user="analyst1")
    assert _flags(store)["ENT-2018-0412"] == ("labour_evidence",)
    assert exposure.trace_stored_one(store, "ENT-2018-0412")["flagged"] is True

    assert _flags(store)["ENT-2019-0588"] == ()
    exposure.add_rows(
        store,
        "evidence",
        [
            {
                "subject": "Ningbo Sunrise Textiles Co. Ltd.",
                "subject_country": "cn",
                "start": "2019",
                "end": "2019",
                "statement": "North Korean seamstresses at the Ningbo plant.",
                "source_title": "Labour inspection report",
                "source_reliability": "C",
            }
        ],
        user="api",
    )
    assert _flags(store)["ENT-2019-0588"] == ("labour_evidence",)

    hongyuan = _exporter(store, "ENT-2017-0233")
    assert exposure.party_exposure(store, hongyuan)["node"] == hongyuan
    exposure.confirm_party(store, hongyuan, RYONBONG_UK, user="analyst2", reason="same registration")
    assert exposure.party_exposure(store, hongyuan)["node"] == RYONBONG_UK
    # The UK entry is a DPRK listing of its own...
    assert _flags(store)["ENT-2017-0233"] == ("dprk_listed",)
    assert _listed_entries(store, hongyuan) == {RYONBONG_UK}

    # ...and once the UN list is loaded, the next read also has its UN twin.
    services.load_list(store, "un", raw_dir / UN_LIST)
    assert _listed_entries(store, hongyuan) == {RYONBONG_UK, RYONBONG_UN}

    exposure.split_party(store, hongyuan, user="analyst3", reason="different firm")
    assert _flags(store)["ENT-2017-0233"] == ()
    assert exposure.party_exposure(store, hongyuan)["node"] == hongyuan


@BACKENDS
def test_import_by_another_process_is_seen_by_the_running_one(store: Store, store_url: str) -> None:
    _load_trade_data(store)
    assert _flags(store)["ENT-2018-0412"] == ()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from accomplice.cli import main; main()",
            "exposure",
            "import",
            "evidence",
            str(DATA / "evidence.jsonl"),
            "--user",
            "cli",
        ],
        env={**os.environ, "ACCOMPLICE_DB_URL": store_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _flags(store)["ENT-2018-0412"] == ("labour_evidence",)


@BACKENDS
def test_a_second_store_object_on_the_same_database_sees_writes_of_the_first(
    store: Store, store_url: str
) -> None:
    _load_trade_data(store)
    other = open_store(store_url)
    try:
        assert _flags(other)["ENT-2019-1107"] == ()
        exposure.import_file(store, "evidence", DATA / "evidence.jsonl", user="analyst1")
        assert _flags(other)["ENT-2019-1107"] == ("labour_evidence",)
    finally:
        other.close()


def test_concurrent_reads_share_one_build_until_a_write(store: Store) -> None:
    _load_trade_data(store)
    with ThreadPoolExecutor(max_workers=8) as pool:
        views = list(pool.map(lambda _: exposure_cache.cached_view(store), range(16)))
    assert all(view is views[0] for view in views)
    assert exposure_cache.cached_view(store) is views[0]
    exposure.import_file(store, "evidence", DATA / "evidence.jsonl", user="analyst1")
    rebuilt = exposure_cache.cached_view(store)
    assert rebuilt is not views[0]
    assert exposure_cache.cached_view(store) is rebuilt


def test_views_of_only_the_most_recent_stores_are_kept(tmp_path: Path) -> None:
    stores = [open_store(f"sqlite:///{tmp_path / f's{n}.db'}") for n in range(4 + 1)]
    try:
        first = exposure_cache.cached_view(stores[0])
        for other in stores[1:]:
            exposure_cache.cached_view(other)
        assert len(stores) - 1 == exposure_cache.MAX_CACHED_STORES
        assert exposure_cache.cached_view(stores[0]) is not first
    finally:
        for opened in stores:
            opened.close()
