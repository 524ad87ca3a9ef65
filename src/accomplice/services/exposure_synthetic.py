"""Real names for the synthetic trade-network generator, read from the shared UN and OFAC list files.

The generator (`accomplice.exposure.synthetic`) is pure and takes its names as arguments; this use-case
reads them: DPRK-listed entities (UN 1718 `KPe.*` entries; OFAC entries under the DPRK programs or NPWMD
with a North Korea remark), blocked non-DPRK entities (OFAC Russia programs), Chinese and Russian entity
names in Latin, Chinese and Cyrillic script (names and aliases of listed organisations; Cyrillic company
names from the EU's Russia list).
"""

from __future__ import annotations

import re
from pathlib import Path

from accomplice.errors import InputError
from accomplice.exposure.synthetic import NamePools
from accomplice.lists.model import EntityRecord
from accomplice.sources import get_format
from accomplice.sources.ofac import OfacCsv
from accomplice.sources.un import UnXml

__all__ = ["name_pools"]

_DPRK_PROGRAMS = {"DPRK", "DPRK2", "DPRK3", "DPRK4", "DPRK-NKSPEA"}
_RUSSIA_PROGRAMS = {"RUSSIA-EO14024", "UKRAINE-EO13662", "UKRAINE-EO13660", "UKRAINE-EO13661"}
_HAN = re.compile(r"[\u4e00-\u9fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Russian legal forms: a Cyrillic name carrying one is a company (the EU Russia lists also name militias).
_RUSSIAN_FORMS = re.compile(r"(\bООО\b|\bАО\b|\bПАО\b|\bОАО\b|\bЗАО\b|Общество|Акционерное)")
# The EU's Russia/Ukraine sanctions regulation (Council Regulation (EU) No 269/2014), in the shared data.
EU_RUSSIA_FILE = "eu/eu_journal_consolidated_32014R0269.csv"
_CHINESE_PLACES = re.compile(
    r"\b(DANDONG|DALIAN|SHENYANG|HUNCHUN|QINGDAO|SHANGHAI|SHENZHEN|BEIJING|TIANJIN|GUANGZHOU|LIAONING|JILIN)\b"
)


def _values(record: EntityRecord, *props: str) -> list[str]:
    return [v.value for v in record.values if v.prop in props]


def _latest_sdn(raw_dir: Path) -> Path:
    sets = sorted(p.parent for p in (raw_dir / "ofac").glob("*/sdn.csv"))
    if not sets:
        raise InputError(str(raw_dir / "ofac"), "no OFAC set with sdn.csv found")
    return sets[-1]


def name_pools(raw_dir: Path, *, ofac: bool = True) -> NamePools:
    """Name pools from the UN consolidated XML and (with `ofac`) the latest OFAC SDN CSV set."""
    un_files = sorted((raw_dir / "un").glob("*.xml"))
    if not un_files:
        raise InputError(str(raw_dir / "un"), "no UN consolidated XML found")
    dprk: dict[str, str] = {}
    blocked: dict[str, str] = {}
    chinese: list[str] = []
    russian: list[str] = []
    loader = UnXml()
    for record in loader.parse(loader.plan(un_files[-1])).records:
        if record.schema != "Organization":
            continue
        if record.key.startswith("un:KPe"):
            dprk[record.key] = record.caption
        chinese.extend(name for name in _values(record, "name", "alias") if _HAN.search(name))
    eu_file = raw_dir / EU_RUSSIA_FILE
    if not eu_file.is_file():
        raise InputError(str(eu_file), "the EU Russia list is missing from the shared data")
    eu_loader = get_format("eu")
    for record in eu_loader.parse(eu_loader.plan(eu_file)).records:
        if record.schema in {"Company", "Organization", "LegalEntity"}:
            names = _values(record, "name", "alias")
            russian.extend(n for n in names if _CYRILLIC.search(n) and _RUSSIAN_FORMS.search(n))
    if ofac:
        ofac_loader = OfacCsv()
        for record in ofac_loader.parse(ofac_loader.plan(_latest_sdn(raw_dir))).records:
            if record.schema != "Organization":
                continue
            programs = set(_values(record, "programId"))
            notes = " ".join(_values(record, "notes"))
            if programs & _DPRK_PROGRAMS or ("NPWMD" in programs and "North Korea" in notes):
                dprk.setdefault(record.key, record.caption)
            elif programs & _RUSSIA_PROGRAMS:
                blocked.setdefault(record.key, record.caption)
                russian.append(record.caption)
            if _CHINESE_PLACES.search(record.caption.upper()):
                chinese.append(record.caption)
    if not blocked:
        # Without OFAC, blocked owners are UN-listed entities of other regimes (still blocked persons).
        blocked = {k: v for k, v in dprk.items()}
    pools = NamePools(
        dprk_listed=sorted(dprk.items()),
        blocked=sorted(blocked.items()),
        chinese=sorted(set(chinese)),
        russian=sorted(set(russian)),
    )
    for label, pool in (("DPRK-listed", pools.dprk_listed), ("Chinese", pools.chinese)):
        if not pool:
            raise InputError(str(raw_dir), f"no {label} names found in the shared lists")
    if not pools.russian:
        raise InputError(str(raw_dir), "no Russian names found in the shared lists")
    return pools
