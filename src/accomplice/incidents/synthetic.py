"""A seeded generator of synthetic incident records, for benchmarks and load tests only.

Records take the shape of the shared incidents file (acts, places, perpetrators drawn from the shared
file's vocabulary and real perpetrator names) and carry invented victims: Hangul, Hanzi, Cyrillic and Latin
names put together from syllables, so that sealing, search and pages run on the volumes and scripts of a
real register. Nothing generated describes a real event or person; every id starts with `SYN-`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

__all__ = ["synthetic_records"]

_ACTS = (
    ("forced_labour", "forced_labour_seafood", "Seafood plant"),
    ("forced_labour", "forced_labour_construction", "Construction site"),
    ("forced_labour", "forced_labour_logging", "Logging camp"),
    ("refoulement", "forced_repatriation", "Border crossing"),
    ("detention", "detention_after_return", "Holding centre"),
    ("trafficking", "trafficking_marriage", "Broker's house"),
    ("transnational_repression", "surveillance_threats_family", "Workers' dormitory"),
)
_PLACES = (
    ("CN", "Dandong, Liaoning", 40.12, 124.38),
    ("CN", "Hunchun, Jilin", 42.86, 130.36),
    ("CN", "Tumen, Jilin", 42.97, 129.84),
    ("CN", "Kunming, Yunnan", 25.04, 102.71),
    ("RU", "Vladivostok, Primorsky Krai", 43.12, 131.89),
    ("RU", "Khabarovsk", 48.48, 135.08),
    ("RU", "Yelabuga, Tatarstan", 55.76, 52.05),
)
_PERPETRATORS = (
    ("PRC public security and border authorities", "state_agency"),
    ("DPRK Ministry of State Security", "state_agency"),
    ("Korea Mining Development Trading Corporation", "company"),
    ("Mansudae Overseas Project Group of Companies", "company"),
    ("Dalian Haiqing Food", "company"),
    ("Donggang Jinhui Food", "company"),
    ("Korea Cholsan General Trading Corporation", "company"),
)
_NARRATIVES = (
    "Workers describe confiscated passports and twelve-hour shifts.",
    "수산물 가공 공장에서 여권을 빼앗기고 하루 12시간 일했다고 진술했다.",
    "工人称护照被没收，每天工作十二小时。",
    "Рабочие сообщают об изъятых паспортах и двенадцатичасовых сменах.",
)
_HANGUL_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
_HANGUL_SYLLABLES = "미래솔화영철수진혜은성민지현옥순경희남춘광명"
_HANZI_SURNAMES = "李王张刘陈杨赵黄周吴"
_HANZI_GIVEN = "春梅明华光秀英国强丽军"
_CYRILLIC_FIRST = ("Ольга", "Ирина", "Сергей", "Анна", "Виктор", "Мария")
_CYRILLIC_LAST = ("Цой", "Ким", "Пак", "Ли", "Хан", "Тен")


def _victim(rng: random.Random) -> dict[str, object]:
    script = rng.randrange(4)
    if script == 0:
        original = rng.choice(_HANGUL_SURNAMES) + "".join(rng.choices(_HANGUL_SYLLABLES, k=2))
    elif script == 1:
        original = rng.choice(_HANZI_SURNAMES) + "".join(rng.choices(_HANZI_GIVEN, k=2))
    elif script == 2:
        original = f"{rng.choice(_CYRILLIC_FIRST)} {rng.choice(_CYRILLIC_LAST)}"
    else:
        original = ""
    return {
        "name": f"Victim {rng.randrange(10**9):09d}",
        "name_original": original,
        "birth_date": f"{rng.randrange(1960, 2006)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "home_town": rng.choice(("Hyesan", "Musan", "Chongjin", "Sinuiju", "Hoeryong")),
        "consent": rng.choice(("internal", "share-un", "publish-anonymised")),
        "family_in_dprk": rng.random() < 0.3,
    }


def synthetic_records(count: int, people: int, seed: int = 14) -> Iterator[dict[str, object]]:
    """`count` records holding `people` victims between them (spread evenly), the same for a seed."""
    rng = random.Random(seed)
    for i in range(count):
        record_type, act, facility = rng.choice(_ACTS)
        country, place, lat, lon = rng.choice(_PLACES)
        year = rng.randrange(2010, 2026)
        month = rng.randrange(1, 13)
        victims = people // count + (1 if i < people % count else 0)
        yield {
            "id": f"SYN-{seed}-{i:07d}",
            "title": f"{facility} in {place}: case {i}",
            "type": record_type,
            "acts": [act],
            "date_start": f"{year}-{month:02d}",
            "date_precision": "month",
            "place": f"{facility}, {place}",
            "place_precision": "city",
            "country": country,
            "latitude": lat,
            "longitude": lon,
            "perpetrators": [
                {"name": name, "kind": kind}
                for name, kind in rng.sample(_PERPETRATORS, k=rng.randrange(1, 3))
            ],
            "victims_summary": f"{victims} people",
            "narrative": rng.choice(_NARRATIVES),
            "sources": [{"title": "Synthetic interview notes", "grade": "C3", "connection": "witness"}],
            "victims": [_victim(rng) for _ in range(victims)],
        }
