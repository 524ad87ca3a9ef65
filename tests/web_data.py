"""The store the API, web and browser tests read: two real OFAC versions and a hostile custom list.

The hostile list is written through `Store.import_version` with `EntityRecord`s, as a FollowTheMoney-like
custom list would be, so that these tests do not depend on the loaders being written beside them.
"""

from __future__ import annotations

from pathlib import Path

from accomplice import services
from accomplice.lists.model import COMPONENT_MAIN, EntityRecord, ListSpec, SourceFile, Value
from accomplice.store import Store

OFAC_2023 = "ofac/2023-12-28"
OFAC_2024_SDN = "ofac/2024-05-03/sdn.csv"

SCRIPT_NAME = "<script>alert(1)</script>"
IMG_ALIAS = '"><img src=x onerror=alert(1)>'
TEMPLATE_NOTE = "{{ 7 * 7 }} {% raw %}"
SQL_NAME = "'; DROP TABLE statements; --"
RTL_NAME = "ACME \u202eGNIDART\u202c HOLDINGS"
# 10,000 characters: far longer than any real name, as a hostile file could carry.
LONG_NAME = ("NAMSAN TRADING " * 667)[:10_000]
HANGUL_NAME = "조선테스트무역회사"
HANJA_NAME = "朝鮮測試貿易會社"
CHINESE_NAME = "丹东测试贸易有限公司"

HOSTILE_LIST = ListSpec(
    name="hostile",
    title="Test list: hostile and multi-script names",
    publisher="accomplice test suite",
    source_url="https://example.invalid/hostile",
    format="ftm",
    licence="test data",
)


def hostile_records() -> list[EntityRecord]:
    return [
        EntityRecord(
            "hostile:script",
            "Organization",
            SCRIPT_NAME,
            [
                Value("name", SCRIPT_NAME),
                Value("alias", IMG_ALIAS),
                Value("notes", TEMPLATE_NOTE),
                Value("programId", "DPRK3"),
            ],
        ),
        EntityRecord(
            "hostile:sql", "Person", SQL_NAME, [Value("name", SQL_NAME), Value("nationality", "kp")]
        ),
        EntityRecord("hostile:rtl", "Company", RTL_NAME, [Value("name", RTL_NAME), Value("country", "cn")]),
        EntityRecord("hostile:long", "Organization", LONG_NAME, [Value("name", LONG_NAME)]),
        EntityRecord(
            "hostile:cjk",
            "Company",
            "KOREA TEST TRADING COMPANY",
            [
                Value("name", "KOREA TEST TRADING COMPANY"),
                Value("alias", HANGUL_NAME, lang="kor"),
                Value("alias", HANJA_NAME),
                Value("country", "kp"),
            ],
        ),
        EntityRecord(
            "hostile:cn",
            "Company",
            "DANDONG TEST TRADING CO LTD",
            [
                Value("name", "DANDONG TEST TRADING CO LTD"),
                Value("alias", CHINESE_NAME),
                Value("country", "cn"),
            ],
        ),
    ]


def import_hostile_list(store: Store) -> None:
    store.import_version(
        HOSTILE_LIST,
        hostile_records(),
        components=(COMPONENT_MAIN,),
        files=(SourceFile("hostile.ftm.json", COMPONENT_MAIN, "0" * 64, 1),),
        checksum="hostile-v1",
        label="v1",
    )


def build_web_store(store: Store, raw_dir: Path) -> None:
    services.load_list(store, "ofac", raw_dir / OFAC_2023, data_date="2023-12-28")
    services.load_list(store, "ofac", raw_dir / OFAC_2024_SDN, data_date="2024-05-03")
    import_hostile_list(store)
