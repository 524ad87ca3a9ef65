"""Mandarin readings, pinyin and Wade–Giles keys, simplified ⇄ traditional, on names from the standards and
real lists."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from accomplice.names.chinese import (
    han_pinyin,
    latin_pinyin_keys,
    pinyin_match,
    pinyin_name_forms,
    pinyin_syllables,
    pinyin_to_wade_giles,
    split_chinese_name,
    wade_giles_name_forms,
    wade_giles_to_pinyin,
)
from accomplice.names.hanzi import han_variants, is_simplified_only, to_simplified, to_traditional
from accomplice.names.scripts import han_language
from accomplice.names.syllables import fold_latin


def test_ma_xiaohong_matches_its_pinyin_in_every_usual_form() -> None:
    for latin in (
        "Ma Xiaohong",
        "MA Xiao Hong",
        "Ma Xiao-hong",
        "Xiaohong Ma",
        "MA, Xiaohong",
        "Mǎ Xiǎohóng",
    ):
        assert pinyin_match("马晓红", latin, person=True) == ("ma", "xiao", "hong"), latin


def test_ma_xiaohong_written_forms_follow_gb_t_28039() -> None:
    forms = pinyin_name_forms("马晓红")
    assert forms[0] == "Ma Xiaohong"
    assert {"Ma Xiao Hong", "Ma Xiao-hong", "Xiaohong Ma"} <= set(forms)


def test_xi_jinping_matches_in_simplified_traditional_pinyin_and_wade_giles() -> None:
    for han in ("习近平", "習近平"):
        for latin in ("Xi Jinping", "Hsi Chin-p'ing", "Hsi Chin-ping", "XI Jin Ping", "Xi2 Jin4ping2"):
            assert pinyin_match(han, latin, person=True) == ("xi", "jin", "ping"), (han, latin)


def test_mao_zedong_matches_mao_tse_tung() -> None:
    assert pinyin_match("毛泽东", "Mao Zedong", person=True) == ("mao", "ze", "dong")
    assert pinyin_match("毛澤東", "Mao Tse-tung", person=True) == ("mao", "ze", "dong")
    assert wade_giles_name_forms("毛泽东")[0] == "Mao Tse-tung"
    assert wade_giles_name_forms("习近平") == ["Hsi Chin-p'ing", "Hsi Chin-ping"]


def test_dandong_reads_as_one_word_of_two_syllables() -> None:
    assert latin_pinyin_keys("Dandong") == [[("dan", "dong")]]
    assert pinyin_match("丹东", "Dandong", person=False) == ("dan", "dong")
    assert pinyin_match("丹东鸿祥", "Dandong Hongxiang", person=False) == ("dan", "dong", "hong", "xiang")


def test_shan_is_the_reading_of_the_surname_dan() -> None:
    assert han_pinyin("单晓红", person=True)[0] == ("shan",)
    assert "dan" in han_pinyin("单晓红", person=False)[0]
    assert pinyin_match("单晓红", "Shan Xiaohong", person=True) is not None
    assert pinyin_match("单晓红", "Dan Xiaohong", person=True) is None


@pytest.mark.parametrize(
    ("name", "surname"),
    [
        ("曾国藩", "zeng"),
        ("区家麟", "ou"),
        ("仇英", "qiu"),
        ("解缙", "xie"),
        ("朴槿惠", "piao"),
        ("查良镛", "zha"),
    ],
)
def test_heteronym_surnames_take_their_surname_reading(name: str, surname: str) -> None:
    assert han_pinyin(name, person=True)[0] == (surname,)


def test_compound_surnames_are_written_as_one_word() -> None:
    assert split_chinese_name("欧阳修") == ("欧阳", "修")
    assert pinyin_name_forms("欧阳修")[0] == "Ouyang Xiu"
    assert pinyin_name_forms("諸葛亮")[0] == "Zhuge Liang"
    assert han_pinyin("尉迟恭", person=True)[:2] == [("yu",), ("chi",)]
    assert pinyin_match("司马懿", "Sima Yi", person=True) == ("si", "ma", "yi")


def test_a_two_character_name_is_not_split_as_a_compound_surname() -> None:
    assert split_chinese_name("东方") == ("东", "方")


def test_transliterated_foreign_names_have_no_chinese_surname() -> None:
    assert split_chinese_name("约翰·史密斯") == ("", "约翰史密斯")


def test_lü_is_keyed_from_every_spelling() -> None:
    for latin in ("Lü Bu", "Lv Bu", "Lyu Bu", "Lu Bu", "LÜ BU"):
        assert pinyin_match("吕布", latin, person=True) == ("lv", "bu"), latin
    assert pinyin_name_forms("吕布")[:2] == ["Lü Bu", "Bu Lü"]
    assert "Lyu Bu" in pinyin_name_forms("吕布")


def test_xian_reads_as_one_syllable_or_two() -> None:
    assert latin_pinyin_keys("Xian") == [[("xian",), ("xi", "an")]]
    assert latin_pinyin_keys("Xi'an") == [[("xi", "an")]]
    assert latin_pinyin_keys("Xiaohong")[0][0] == ("xiao", "hong")


def test_wade_giles_readings_cover_aspiration_and_its_loss() -> None:
    assert latin_pinyin_keys("Ch'en") == [[("chen",)]]
    assert set(latin_pinyin_keys("Chen")[0]) == {("chen",), ("zhen",)}
    assert latin_pinyin_keys("Hsiao-hung") == [[("xiao", "hong")]]
    assert wade_giles_to_pinyin("hsü") == ("xu",)
    assert pinyin_to_wade_giles("qing") == ("ch'ing",)


def test_words_that_cannot_be_chinese_have_no_keys() -> None:
    assert latin_pinyin_keys("Saunders Smith") == [[], []]
    assert latin_pinyin_keys("JI SONG 6") == [[("ji",)], [("song",)], []]


def test_pinyin_syllable_inventory_is_the_standard_one() -> None:
    syllables = pinyin_syllables()
    # The Table of Combinations of Initials and Finals has about 400 toneless syllables.
    assert 400 <= len(syllables) <= 420
    assert {"zhuang", "lve", "xiong", "er", "yo"} <= syllables
    assert not {"ng", "hm", "biang"} & syllables


def test_simplified_and_traditional_convert_character_by_character() -> None:
    assert to_simplified("習近平") == "习近平"
    assert to_traditional("马晓红") == "馬曉紅"
    assert to_simplified("陳大文") == "陈大文"
    assert to_simplified("丹東鴻祥實業發展有限公司") == "丹东鸿祥实业发展有限公司"
    assert set(han_variants("发")) == {"发", "發", "髮"}
    # CJK compatibility ideograph U+F9B1 is 鈴 once normalised, then simplified like 鈴.
    assert to_simplified("\uf9b1") == "铃"


def test_shapes_shared_with_japanese_are_not_simplified_only() -> None:
    assert is_simplified_only("马")
    assert not is_simplified_only("国")  # Japanese shinjitai writes 国 too
    assert not is_simplified_only("馬")


def test_pypinyin_readings_agree_with_the_unihan_pinyin_table(raw_dir: Path) -> None:
    # mozillazg/pinyin-data (MIT, Unihan-derived) is the table pypinyin is built from; every reading it lists
    # for a GB 2312 character must be among ours.
    path = raw_dir / "names" / "chinese" / "hanzi_pinyin.txt"
    checked = missing = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("U+"):
            continue
        code, _, rest = line.partition(":")
        char = chr(int(code[2:], 16))
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            continue
        listed = rest.split("#")[0].strip().split(",")
        ours = set(han_pinyin(char, person=False)[0])
        for reading in listed:
            checked += 1
            missing += fold_latin(reading.strip()) not in ours
    assert checked > 7000
    assert missing / checked < 0.01, f"{missing} of {checked} readings missing"


def _countersanction_persons(raw_dir: Path) -> list[dict[str, str]]:
    path = raw_dir / "opensanctions" / "source_tables" / "cn_countersanctions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["Type"] == "Person" and r["Chinese name"]]


def test_taiwanese_persons_on_prc_countersanctions_match_their_wade_giles_names(raw_dir: Path) -> None:
    rows = [r for r in _countersanction_persons(raw_dir) if r["Country"] == "TW"]
    assert len(rows) >= 20
    matched = {
        r["Name"]
        for r in rows
        if pinyin_match(r["Chinese name"], r["Name"], person=True, skip_unreadable=True)
    }
    print(f"Taiwanese persons matched: {len(matched)}/{len(rows)}")
    assert {"Lin Fei-fan", "Tsai Chi-chang", "Wang Ting-yu", "Cheng Ying-yao", "Wen Tzu-yu"} <= matched
    # Hokkien (Bi-khim), MPS II (Jaushieh, Shyh-fang) and personal spellings (Koo, Ker) are other systems.
    assert "Bi-khim Hsiao" not in matched
    # Measured 12 of 27 rows with pinyin and Wade–Giles alone.
    assert len(matched) >= 12


def test_countersanctioned_persons_have_the_right_han_language(raw_dir: Path) -> None:
    rows = _countersanction_persons(raw_dir)
    by_name = {r["Name"]: r for r in rows}

    def decided(name: str) -> str | None:
        row = by_name[name]
        return han_language(
            row["Chinese name"], schema="Person", countries=[row["Country"]], other_names=[name]
        )

    assert decided("Keiji Furuya") == "ja"
    assert decided("Lin Fei-fan") == "zh"
    # Korean-Americans written in Hanja, no Hangul, nationality US: both readings are tried.
    assert decided("DoYun Kim") is None
    assert decided("Yeong-Tae Pak") is None


def test_english_given_names_can_be_skipped(raw_dir: Path) -> None:
    assert pinyin_match("余茂春", "Miles Yu Maochun", person=True) is None
    assert pinyin_match("余茂春", "Miles Yu Maochun", person=True, skip_unreadable=True) == (
        "yu",
        "mao",
        "chun",
    )


def test_watchman_chinese_pairs_match_and_the_korean_and_japanese_ones_do_not(raw_dir: Path) -> None:
    path = raw_dir / "names" / "matching_benchmarks" / "watchman_cross_script_pairs.csv"
    lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip() and not x.startswith("#")]
    pairs = [row[:2] for row in csv.reader(lines)]
    latin = dict(pairs)
    assert {"李明", "习近平", "王伟", "金正恩", "山田太郎"} <= set(latin)
    for han in ("李明", "习近平", "王伟"):
        assert pinyin_match(han, latin[han], person=True) is not None, han
    # 金正恩 is Kim Jong Un only in Korean; 山田太郎 is Yamada Taro only in Japanese.
    assert pinyin_match("金正恩", latin["金正恩"], person=True) is None
    assert pinyin_match("山田太郎", latin["山田太郎"], person=True) is None
