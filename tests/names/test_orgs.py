"""Organisation and vessel names: legal forms, business words, brand; measured on the real lists."""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from accomplice.names import orgs
from accomplice.names.cyrillic import russian_skeleton_tokens
from accomplice.names.orgs import (
    OrgName,
    business_word_table,
    legal_form_table,
    legal_forms_compatible,
    parse_org_name,
    parse_vessel_name,
    vessel_name_variants,
)

ROOT = Path(__file__).resolve().parents[2]
CYRILLIC = re.compile("[\u0400-\u04ff]")
HAN = re.compile("[\u4e00-\u9fff]")

# Share of OFAC SDN entity names (2024-05-03) in which a legal form is recognised, as measured
# (docs/names/organisations.md) less a margin. The rest are mostly bodies without one: ministries,
# armed groups, banks and groups named without a suffix.
OFAC_LEGAL_FORM_FLOOR = 0.74
# EU Russia listings: the English name and the Cyrillic alias of one firm.
EU_LEGAL_COMPATIBLE_FLOOR = 0.97
# The English name often translates what the Cyrillic keeps as a brand (Production Association Strela =
# АО «ПО «Стрела»: agrees; Lutch Design Office = АО «КБ «Луч»: Lutch/Луч agrees; Rostec = Госкорпорация …).
EU_BRAND_AGREEMENT_FLOOR = 0.65
# PRC counter-sanctions list: the Chinese names are translations (洛克希德·马丁 for Lockheed Martin), so
# brands do not agree; business words should, where the Chinese name has any.
CN_WORD_AGREEMENT_FLOOR = 0.75
# DPRK vessels (EU Reg. 2017/1509, 75 names with former names) whose key is also an OFAC vessel's, measured.
OFAC_EU_SHARED_VESSELS_FLOOR = 48
# They write 公司 (a bare company) for Inc., Ltd. and GmbH alike, which is compatible with any form.
CN_LEGAL_COMPATIBLE_FLOOR = 0.95


def _mr_wordlist(raw_dir: Path) -> dict[str, str]:
    path = raw_dir / "names" / "korean" / "mcr_wordlist_hangul_to_mr.tsv"
    if not path.exists():
        pytest.fail(f"missing {path}")
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        hangul, _, mr = line.partition("\t")
        if hangul and mr:
            out[hangul] = mr
    return out


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isascii() and c.isalnum())


@pytest.fixture(scope="module")
def korean_mr(raw_dir: Path) -> orgs.Romanizer:
    """A stand-in for the Korean module: the McCune–Reischauer reading of the shared DPRK word list."""
    words = _mr_wordlist(raw_dir)
    return lambda segment: words.get(segment)


@pytest.fixture(scope="module")
def korean_dprk(raw_dir: Path) -> orgs.Romanizer:
    """The same word list in the DPRK's official spelling (1992): breves dropped, ㅈ written j at the start.

    MR writes initial ㅈ "ch" and ㅊ "ch'"; the DPRK writes them "j" and "ch" (지성 = Ji Song, as in the
    UN 1718 vessel JI SONG 6).
    """
    words = _mr_wordlist(raw_dir)

    def read(segment: str) -> str | None:
        mr = words.get(segment)
        if mr is None:
            return None
        if mr.startswith("ch") and not mr.startswith(("ch'", "ch’")):
            mr = "j" + mr[2:]
        return mr

    return read


def _pinyin(segment: str) -> str | None:
    return "".join(lazy_pinyin(segment, style=Style.NORMAL)) or None


# --- the brief's examples -------------------------------------------------------------------------------


def test_dandong_hongxiang_reads_alike_in_english_and_chinese() -> None:
    english = parse_org_name("DANDONG HONGXIANG INDUSTRIAL DEVELOPMENT CO LTD")
    chinese = parse_org_name("丹东鸿祥实业发展有限公司", romanize=_pinyin)
    for name in (english, chinese):
        assert name.brand_tokens == ("dandong", "hongxiang")
        assert name.word_tokens == ("industrial", "development")
        assert name.legal_codes == ("CO_LTD",)
        assert name.legal_families == {"LIMITED"}
    assert [w.text for w in chinese.words] == ["实业", "发展"]


def test_gudzon_llc_is_the_russian_ooo() -> None:
    english = parse_org_name("GUDZON SHIPPING CO LLC")
    russian = parse_org_name("ООО «Гудзон»")
    assert english.brand_key == russian.brand_key == "gudzon"
    assert "LLC" in english.legal_codes
    assert russian.legal_codes == ("LLC",)
    assert english.word_tokens == ("shipping",)


def test_korea_kwangson_banking_corp_is_choson_kwangson_unhaeng(korean_mr: orgs.Romanizer) -> None:
    english = parse_org_name("KOREA KWANGSON BANKING CORP")
    korean = parse_org_name("조선광선은행", romanize=korean_mr)
    assert english.brand_key == korean.brand_key == "kwangson"
    assert set(english.word_tokens) == set(korean.word_tokens) == {"korea", "bank"}
    assert english.legal_codes == ("CORP",)
    assert korean.legal_codes == ()


def test_hangul_brand_keeps_no_latin_without_a_korean_romanizer() -> None:
    name = parse_org_name("조선광선은행")
    assert name.brand[0].text == "광선"
    assert name.brand[0].latin is None
    assert name.brand_tokens == ("광선",)


# --- legal forms ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ООО Ромашка", "LLC"),
        ("OOO ROMASHKA", "LLC"),
        ("Romashka LLC", "LLC"),
        ("Romashka L.L.C.", "LLC"),
        ("Общество с ограниченной ответственностью «Ромашка»", "LLC"),
        ("OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU ROMASHKA", "LLC"),
        ("Obshchestvo s Ogranichennoy Otvetstvennost'yu Romashka", "LLC"),
        ("АО «Ромашка»", "JSC"),
        ("AO ROMASHKA", "JSC"),
        ("Romashka JSC", "JSC"),
        ("Акционерное общество Ромашка", "JSC"),
        ("ЗАО Ромашка", "CJSC"),
        ("ZAO Romashka", "CJSC"),
        ("Romashka CJSC", "CJSC"),
        ("ОАО Ромашка", "OJSC"),
        ("OAO Romashka", "OJSC"),
        ("ПАО «Ромашка»", "PJSC"),
        ("Публичное акционерное общество Ромашка", "PJSC"),
        ("PUBLICHNOE AKTSIONERNOE OBSHCHESTVO ROMASHKA", "PJSC"),
        ("НАО Ромашка", "NJSC"),
        ("ИП Иванов", "SOLE_PROPRIETOR"),
        ("ФГУП «Ромашка»", "FSUE"),
        ("АНО Ромашка", "ANO"),
        ("丹东鸿祥有限公司", "CO_LTD"),
        ("丹東鴻祥有限責任公司", "CO_LTD"),
        ("丹东鸿祥股份有限公司", "JSC_CO_LTD"),
        ("조선광선은행 주식회사", "JSC"),
        ("(주)광선", "JSC"),
        ("㈜광선", "JSC"),
        ("광선 유한회사", "LLC"),
        ("조선광선합영회사", "JOINT_VENTURE"),
        ("Siemens GmbH", "GMBH"),
        ("LOGARCHEO S.A.", "SA"),
        ("NEWTON TRADING FZE", "FZE"),
        ("ACME FZCO", "FZCO"),
        ("ACME INC.", "INC"),
        ("ACME PLC", "PLC"),
        ("DANDONG HONGXIANG CO., LTD.", "CO_LTD"),
        ("HUAXIN SHIPPING HONGKONG LTD", "LTD"),
    ],
)
def test_legal_forms_normalise_to_canonical_codes(text: str, code: str) -> None:
    assert code in parse_org_name(text).legal_codes


def test_ooo_and_llc_share_code_and_family_but_not_with_jsc() -> None:
    ooo, llc, ao = parse_org_name("ООО Х"), parse_org_name("X LLC"), parse_org_name("АО Х")
    assert ooo.legal_forms[0].code == llc.legal_forms[0].code == "LLC"
    assert ooo.legal_families == llc.legal_families == {"LLC"}
    assert ao.legal_families == {"JSC"}


def test_llc_and_jsc_are_incompatible_but_a_bare_company_fits_anything() -> None:
    llc, jsc = parse_org_name("ACME LLC"), parse_org_name("ACME JSC")
    assert not legal_forms_compatible(llc, jsc)
    assert legal_forms_compatible(parse_org_name("ООО Акме"), llc)
    assert legal_forms_compatible(parse_org_name("ACME COMPANY"), jsc)
    assert legal_forms_compatible(parse_org_name("United Shipbuilding Corporation"), parse_org_name("АО ОСК"))
    assert legal_forms_compatible(parse_org_name("ACME"), jsc)
    assert legal_forms_compatible(
        parse_org_name("IHI Aerospace Co., Ltd."), parse_org_name("IHI宇航株式会社")
    )
    assert legal_forms_compatible(parse_org_name("丹东鸿祥有限公司"), llc)


def test_short_abbreviation_beside_a_legal_form_counts_in_the_middle() -> None:
    name = parse_org_name("United Shipbuilding Corporation JSC 35th Shipyard")
    assert name.legal_codes == ("CORP", "JSC")


def test_short_abbreviation_inside_a_name_is_not_a_legal_form() -> None:
    name = parse_org_name("KIM AO TRADING CO")
    assert name.legal_codes == ("CO",)
    assert "ao" in name.brand_tokens
    assert parse_org_name("AO KIM TRADING").legal_codes == ("JSC",)


def test_every_legal_form_row_has_a_code_family_and_alias() -> None:
    table = legal_form_table()
    assert len(table) > 300
    assert all(code and family and alias for code, family, alias in table)
    assert {"LLC", "JSC", "CJSC", "OJSC", "PJSC", "CO_LTD", "CORP", "PLC", "FZE"} <= {c for c, _, _ in table}


# --- business words, brands, normalisation ----------------------------------------------------------------


def test_glossary_covers_the_brief_words() -> None:
    table = dict((alias, canonical) for canonical, alias in business_word_table())
    expected = {
        "조선": "korea", "무역": "trading", "은행": "bank", "해운": "shipping", "련합": "union",
        "상사": "trading", "기술": "technology", "개발": "development", "광업": "mining",
        "수산": "fishery", "贸易": "trading",
        "實業": "industrial", "發展": "development", "国际": "international", "物流": "logistics",
        "海運": "shipping", "船务": "shipping", "航运": "shipping", "銀行": "bank", "集团": "group",
        "科技": "technology", "进出口": "import_export", "投资": "investment", "控股": "holding",
        "能源": "energy", "矿业": "mining", "渔业": "fishery", "水产": "fishery", "食品": "food",
        "服装": "garment", "纺织": "textile", "木业": "timber", "建筑": "construction", "电子": "electronics",
        "торговый дом": "trading_house", "морской": "maritime", "банк": "bank", "холдинг": "holding",
        "shpg": "shipping", "intl": "international", "grp": "group", "trdg": "trading",
        "mfg": "manufacturing", "hldg": "holding", "dev": "development",
    }  # fmt: skip
    missing = {k: v for k, v in expected.items() if table.get(k) != v}
    assert missing == {}


def test_korean_trading_general_corporation_is_peeled_from_the_right(korean_mr: orgs.Romanizer) -> None:
    name = parse_org_name("조선광명무역총회사", romanize=korean_mr)
    assert name.legal_codes == ("CO",)
    assert name.word_tokens == ("korea", "trading", "general")
    assert name.brand_key == "kwangmyong"


def test_russian_shipping_company_words_in_any_transliteration() -> None:
    for text in ("Судоходная компания «Гудзон»", "SUDOKHODNAYA KOMPANIYA GUDZON", "Торговый дом Гудзон"):
        name = parse_org_name(text)
        assert name.brand_key == "gudzon", text
        assert name.word_tokens in (("shipping",), ("trading_house",))


def test_quotes_brackets_and_full_width_forms_are_normalised() -> None:
    plain = parse_org_name("GUDZON SHIPPING CO LLC")
    for variant in (
        "«GUDZON» SHIPPING CO., LLC",
        "“Gudzon” Shipping Co. LLC",
        "「GUDZON」SHIPPING CO LLC",
        "ＧＵＤＺＯＮ　ＳＨＩＰＰＩＮＧ　ＣＯ　ＬＬＣ",
    ):
        name = parse_org_name(variant)
        assert (name.brand_key, name.word_tokens, name.legal_codes) == (
            plain.brand_key,
            plain.word_tokens,
            plain.legal_codes,
        ), variant


def test_han_brand_is_read_in_two_character_chunks_with_place_suffixes() -> None:
    assert parse_org_name("辽宁省鸿祥贸易有限公司").brand_tokens == ("liaoningsheng", "hongxiang")
    garments = parse_org_name("丹东鸿祥服装厂")
    assert (garments.brand_tokens, garments.word_tokens) == (("dandong", "hongxiang"), ("garment", "factory"))
    assert parse_org_name("지성").brand_tokens == ("지성",)  # 성 (a one-syllable word) is not peeled


# --- real lists -------------------------------------------------------------------------------------------


def _ofac_rows(raw_dir: Path) -> list[list[str]]:
    path = raw_dir / "ofac" / "2024-05-03" / "sdn.csv"
    if not path.exists():
        pytest.fail(f"missing {path}")
    with path.open(encoding="latin-1", newline="") as handle:
        return [row for row in csv.reader(handle) if len(row) > 3]


def test_most_ofac_entity_names_carry_a_recognised_legal_form(raw_dir: Path) -> None:
    entities = [row[1] for row in _ofac_rows(raw_dir) if row[2].strip() == "-0-"]
    assert len(entities) > 6000
    parsed = [parse_org_name(name) for name in entities]
    share = sum(1 for p in parsed if p.legal_forms) / len(parsed)
    endings = Counter(
        name.replace(",", " ").replace(".", " ").split()[-1]
        for name, p in zip(entities, parsed, strict=True)
        if not p.legal_forms
    )
    assert share >= OFAC_LEGAL_FORM_FLOOR, (share, endings.most_common(20))
    # What is left unrecognised are kinds of body, not legal forms we missed.
    top = {word for word, _ in endings.most_common(10)}
    kinds_of_body = {"GROUP", "BANK", "ORGANIZATION", "INDUSTRIES", "CENTER", "DEVELOPMENT", "TRADING"}
    kinds_of_body |= {"SCIENCES", "ARMY", "INSTITUTE", "EXCHANGE", "FOUNDATION"}
    assert top <= kinds_of_body, endings.most_common(20)


def test_dprk_program_firms_with_a_suffix_are_all_recognised(raw_dir: Path) -> None:
    rows = [r for r in _ofac_rows(raw_dir) if r[2].strip() == "-0-" and "DPRK" in r[3]]
    suffixed = [
        r[1] for r in rows if re.search(r"\b(LTD|LIMITED|LLC|CORP|CORPORATION|CO|COMPANY|JSC|FZE)\.?$", r[1])
    ]
    assert len(suffixed) > 100
    missed = [name for name in suffixed if not parse_org_name(name).legal_forms]
    assert missed == []


def _eu_entities(raw_dir: Path, name: str) -> list[dict[str, str]]:
    path = raw_dir / "eu" / name
    if not path.exists():
        pytest.fail(f"missing {path}")
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["schema"] in ("LegalEntity", "Company")]


def _brand_skeleton(name: OrgName) -> set[str]:
    return set(russian_skeleton_tokens(" ".join(t.text for t in name.brand)))


@pytest.mark.parametrize(
    "file", ["eu_journal_consolidated_32014R0269.csv", "eu_journal_consolidated_32014R0833.csv"]
)
def test_eu_russian_entities_agree_across_english_name_and_cyrillic_alias(raw_dir: Path, file: str) -> None:
    both_forms = agree_forms = brand_rows = agree_brand = 0
    for row in _eu_entities(raw_dir, file):
        cyrillic = [a.strip() for a in re.split(r";", row["alias"]) if CYRILLIC.search(a)]
        if not cyrillic:
            continue
        english = parse_org_name(row["name"])
        russian = [parse_org_name(a) for a in cyrillic]
        if english.legal_forms and any(r.legal_forms for r in russian):
            both_forms += 1
            agree_forms += any(legal_forms_compatible(english, r) for r in russian if r.legal_forms)
        if english.brand and any(r.brand for r in russian):
            brand_rows += 1
            agree_brand += any(_brand_skeleton(english) & _brand_skeleton(r) for r in russian)
    assert both_forms > 150
    assert agree_forms / both_forms >= EU_LEGAL_COMPATIBLE_FLOOR, (agree_forms, both_forms)
    assert agree_brand / brand_rows >= EU_BRAND_AGREEMENT_FLOOR, (agree_brand, brand_rows)


def test_prc_countersanctions_chinese_and_english_names_share_business_words(raw_dir: Path) -> None:
    path = raw_dir / "opensanctions" / "source_tables" / "cn_countersanctions.csv"
    if not path.exists():
        pytest.fail(f"missing {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["Type"] in ("Company", "Organization") and r["Chinese name"]
        ]
    assert len(rows) > 150
    with_words = agree = compatible = 0
    for row in rows:
        chinese = parse_org_name(row["Chinese name"])
        english = parse_org_name(row["Name"])
        compatible += legal_forms_compatible(chinese, english)
        if chinese.words:
            with_words += 1
            agree += bool(set(chinese.word_tokens) & set(english.word_tokens))
    assert with_words > 50
    assert agree / with_words >= CN_WORD_AGREEMENT_FLOOR, (agree, with_words)
    assert compatible / len(rows) >= CN_LEGAL_COMPATIBLE_FLOOR, (compatible, len(rows))


def _un_entities(raw_dir: Path) -> list[tuple[str, str, list[str]]]:
    path = raw_dir / "un" / "un_consolidated_2026-02-27.xml"
    if not path.exists():
        pytest.fail(f"missing {path}")
    root = ElementTree.parse(path).getroot()
    out: list[tuple[str, str, list[str]]] = []
    for entity in root.iter("ENTITY"):
        ref = (entity.findtext("REFERENCE_NUMBER") or "").strip()
        name = (entity.findtext("FIRST_NAME") or "").strip()
        aliases = [(a.findtext("ALIAS_NAME") or "").strip() for a in entity.iter("ENTITY_ALIAS")]
        out.append((ref, name, [a for a in aliases if a]))
    return out


# UN 1718 entities whose Chinese alias does not give the brand of the English name, and why.
UN_HAN_EXPLAINED = {
    "長安海連技術有限公司": "海連 (hailian) belongs to the Chinese brand only: English has Chang An Shipping",
    "朝鲜联合机械贸易会社": "a translation: Ryonha is rendered 联合 (united), a business word",
}


def test_un_1718_han_aliases_meet_their_english_names(raw_dir: Path) -> None:
    entities = _un_entities(raw_dir)
    assert len(entities) > 250
    pairs = [(name, alias) for _ref, name, aliases in entities for alias in aliases if HAN.search(alias)]
    assert len(pairs) == 4
    for name, alias in pairs:
        han = parse_org_name(alias)
        latin = parse_org_name(name)
        met = han.brand_key == latin.brand_key
        assert met == (alias not in UN_HAN_EXPLAINED), (name, alias, han.brand_key, latin.brand_key)
        if met:
            assert set(han.word_tokens) == set(latin.word_tokens), (name, alias)
    # 会社 (company, the Korean and Japanese usage in Chinese script) is a legal form there too.
    assert parse_org_name("朝鲜联合机械贸易会社").legal_codes == ("CO",)


def test_every_un_entity_name_parses(raw_dir: Path) -> None:
    for _ref, name, aliases in _un_entities(raw_dir):
        for text in (name, *aliases):
            parsed = parse_org_name(text)
            assert parsed.legal_forms or parsed.words or parsed.brand or not text.strip(), text


# --- vessels ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["JI SONG 6", "JISONG 6", "M/V JI SONG NO. 6", 'MV "JI SONG-6"', "M.V. JI SONG #6", "ＪＩ　ＳＯＮＧ　６"],
)
def test_ji_song_6_is_one_vessel_however_written(text: str) -> None:
    assert parse_vessel_name(text).key == "jisong 6"


def test_hangul_vessel_name_with_ho_marker_meets_its_romanization(korean_dprk: orgs.Romanizer) -> None:
    vessel = parse_vessel_name("지성 6호", romanize=korean_dprk)
    assert vessel.number == 6
    assert vessel.key == "jisong 6"
    assert parse_vessel_name("지성6號", romanize=korean_dprk).key == "jisong 6"


def test_roman_hull_numbers_after_a_name_word_are_numbers() -> None:
    assert parse_vessel_name("SEA STAR II").number == 2
    assert parse_vessel_name("PETREL VIII").number == 8
    # The lists write the same ship SEA MARINE I and SEA MARINE 1, DIVA I and DIVA 1.
    assert parse_vessel_name("SEA MARINE I").key == parse_vessel_name("SEA MARINE 1").key
    assert parse_vessel_name("I").number is None  # alone it is a name, not a number


def test_cyrillic_lookalike_inside_a_latin_ship_name_reads_as_latin() -> None:
    assert parse_vessel_name("Cheetah I\u0406").key == parse_vessel_name("CHEETAH II").key


def test_bracketed_former_names_are_variants() -> None:
    variants = vessel_name_variants("Chol Ryong (Ryong Gun Bong)")
    assert [v.key for v in variants] == ["cholryong", "ryonggunbong"]


def test_dprk_vessels_of_the_eu_list_keep_their_hull_numbers(raw_dir: Path) -> None:
    path = raw_dir / "eu" / "eu_journal_consolidated_32017R1509.csv"
    if not path.exists():
        pytest.fail(f"missing {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        names = [r["name"] for r in csv.DictReader(handle) if r["schema"] == "Vessel"]
    assert len(names) > 60
    keys = {v.key for name in names for v in vessel_name_variants(name)}
    assert {"jisong 6", "jisong 8", "namsan 8", "billions 18", "chonmyong 1", "hapjanggang 6"} <= keys


def test_ho_ship_marker_is_dropped_in_hangul_and_latin(korean_dprk: orgs.Romanizer) -> None:
    assert parse_vessel_name("JANG JA SAN CHONG NYON HO").key == "jangjasanchongnyon"
    assert parse_vessel_name("장자산청년호").tokens[0].text == "장자산청년"
    assert parse_vessel_name("MU HO").key == "muho"  # two words: Ho may be the name


def _eu_dprk_vessel_keys(raw_dir: Path) -> set[str]:
    path = raw_dir / "eu" / "eu_journal_consolidated_32017R1509.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        names = [r["name"] for r in csv.DictReader(handle) if r["schema"] == "Vessel"]
    return {v.key for name in names for v in vessel_name_variants(name)}


def test_vessels_named_in_un_1718_remarks_are_eu_listed_vessels(raw_dir: Path) -> None:
    path = raw_dir / "un" / "un_consolidated_2026-02-27.xml"
    root = ElementTree.parse(path).getroot()
    named: set[str] = set()
    for entity in root.iter("ENTITY"):
        if not (entity.findtext("REFERENCE_NUMBER") or "").startswith("KPe"):
            continue
        text = " ".join(entity.itertext())
        for match in re.finditer(r"vessels? ([A-Z][A-Z0-9\-]+(?: [A-Z0-9][A-Z0-9\-]*){0,4})", text):
            named.add(match.group(1))
    assert {"HAP JANG GANG 6", "JI SONG 8", "HUA FU"} <= named
    eu = _eu_dprk_vessel_keys(raw_dir)
    assert {parse_vessel_name(n).key for n in named} <= eu


def test_ofac_and_eu_dprk_vessel_lists_meet_on_the_vessel_key(raw_dir: Path) -> None:
    ofac = {parse_vessel_name(r[1]).key for r in _ofac_rows(raw_dir) if r[2].strip() == "vessel"}
    shared = _eu_dprk_vessel_keys(raw_dir) & ofac
    assert len(shared) >= OFAC_EU_SHARED_VESSELS_FLOOR, sorted(shared)
    assert {"jisong 6", "jisong 8", "hapjanggang 6", "jangjasanchongnyon"} <= shared


def test_every_ofac_vessel_name_parses_to_a_name(raw_dir: Path) -> None:
    vessels = [row[1] for row in _ofac_rows(raw_dir) if row[2].strip() == "vessel"]
    assert len(vessels) > 500
    assert all(parse_vessel_name(v).tokens for v in vessels)


# --- tables and properties --------------------------------------------------------------------------------


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_org_data", ROOT / "scripts" / "gen_org_data.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def test_packaged_tables_equal_a_fresh_generation() -> None:
    fresh = _load_generator().render_all()
    data = ROOT / "src" / "accomplice" / "names" / "_data"
    for name, content in fresh.items():
        assert (data / name).read_text(encoding="utf-8") == content, f"run scripts/gen_org_data.py ({name})"
        assert "Sources" in content or "Source" in content


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_unicode_never_raises(text: str) -> None:
    name = parse_org_name(text)
    assert isinstance(name.brand_key, str)
    vessel = parse_vessel_name(text)
    assert vessel.number is None or vessel.number >= 0
    vessel_name_variants(text)


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet="丹东鸿祥实业发展有限公司貿易集团조선광선은행주식회사ООО «»()ABC 0123456789", max_size=30
    )
)
def test_mixed_script_names_never_raise_and_keep_their_brand_text(text: str) -> None:
    name = parse_org_name(text, romanize=_pinyin)
    for token in name.brand:
        assert token.text
