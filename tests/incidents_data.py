"""Incidents for the tests: the shared file's records, and a record with victims whose names are written
in every script the project screens (invented people: no real victim is ever put in test data)."""

from __future__ import annotations

import json
from pathlib import Path

SEED = Path("accountability") / "incidents.jsonl"

# Every identifying value a test searches the store's bytes for; each script once at least.
VICTIMS: list[dict[str, object]] = [
    {
        "name": "Kim Mi-rae",
        "name_original": "김미래",
        "birth_date": "1994-03-17",
        "home_town": "Hyesan 혜산시",
        "consent": "publish-anonymised",
    },
    {
        "name": "Pak Sol-hwa",
        "name_original": "박솔화",
        "birth_date": "1989-11-02",
        "home_town": "Musan 무산군",
        "consent": "internal",
    },
    {"name": "Li Chunmei", "name_original": "李春梅", "home_town": "图们市", "consent": "share-un"},
    {"name": "Olga Ivanovna Tsoi", "name_original": "Ольга Ивановна Цой", "consent": "share-un"},
]
IDENTIFYING = sorted(
    {str(v[k]) for v in VICTIMS for k in ("name", "name_original", "birth_date", "home_town") if k in v}
)


def record_with_victims(
    ref: str = "TEST-2024-HUNCHUN", victims: list[dict[str, object]] | None = None
) -> dict[str, object]:
    """A record in the shape of the shared file, with victims; its perpetrator is a listed company."""
    return {
        "id": ref,
        "title": "Workers held at a seafood plant in Hunchun",
        "type": "forced_labour",
        "acts": ["forced_labour_seafood", "surveillance_threats_family"],
        "date_start": "2024-03",
        "date_end": "2024-06",
        "date_precision": "month",
        "place": "Hunchun, Jilin",
        "place_precision": "city",
        "country": "CN",
        "latitude": 42.86,
        "longitude": 130.36,
        "perpetrators": [
            {"name": "Korea Mining Development Trading Corporation", "kind": "company", "role": "employer"}
        ],
        "victims_summary": "Four workers",
        "narrative": "수산물 가공 공장에서 강제노동. Принудительный труд на рыбозаводе.",
        "sources": [{"title": "Interview notes", "grade": "B2", "connection": "witness"}],
        "victims": VICTIMS if victims is None else victims,
        "verified": False,
    }


def write_jsonl(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path
