"""Cantonese readings and the Hong Kong government romanization (陳大文 ⇄ Chan Tai Man)."""

from __future__ import annotations

import pytest

from accomplice.names.cantonese import (
    cantonese_key,
    cantonese_match,
    han_cantonese_keys,
    han_hk_romanizations,
    han_jyutping,
    hk_spellings,
    latin_cantonese_keys,
)
from accomplice.names.chinese import latin_pinyin_keys


def test_chan_tai_man_matches_in_traditional_and_simplified() -> None:
    for han in ("陳大文", "陈大文"):
        for latin in ("Chan Tai Man", "CHAN, Tai-man", "Tai Man Chan", "Chan Taiman"):
            assert cantonese_match(han, latin, person=True) == ("chan", "tai", "man"), (han, latin)


def test_hk_romanization_of_chan_tai_man_is_standard_first() -> None:
    forms = han_hk_romanizations("陳大文")
    assert forms[:3] == ["Chan Tai Man", "Chan Tai-man", "Tai Man Chan"]


@pytest.mark.parametrize(
    ("surname", "spelling"),
    [
        ("陳", "Chan"),
        ("黃", "Wong"),
        ("張", "Cheung"),
        ("李", "Lee"),
        ("吳", "Ng"),
        ("劉", "Lau"),
        ("梁", "Leung"),
        ("林", "Lam"),
        ("何", "Ho"),
        ("鄭", "Cheng"),
        ("周", "Chow"),
        ("謝", "Tse"),
        ("曾", "Tsang"),
        ("徐", "Tsui"),
        ("楊", "Yeung"),
        ("葉", "Yip"),
        ("郭", "Kwok"),
        ("孫", "Suen"),
        ("潘", "Poon"),
        ("區", "Au"),
    ],
)
def test_common_hong_kong_surname_spellings_match(surname: str, spelling: str) -> None:
    assert cantonese_match(surname + "大文", f"{spelling} Tai Man", person=True) is not None


def test_hong_kong_spellings_collapse_what_the_scheme_does_not_write() -> None:
    assert cantonese_key("can4") == cantonese_key("caan4") == cantonese_key("zan6") == "chan"
    # eoi and ui are both written ui: 徐 ceoi4 Tsui/Chui, 梅 mui4 Mui.
    assert cantonese_key("ceoi4") == "chui"
    assert cantonese_key("mui4") == "mui"
    assert "tsang" in hk_spellings("zang1")
    assert hk_spellings("lei5") == ("lei", "lee", "li")
    assert hk_spellings("si1")[0] == "sze"
    assert hk_spellings("xyz") == ()


def test_surname_tsang_is_read_as_a_surname() -> None:
    assert han_jyutping("曾蔭權", person=True)[0] == ("zang",)
    assert "cang" in han_jyutping("曾蔭權", person=False)[0]
    assert cantonese_match("曾蔭權", "Tsang Yam-kuen", person=True) == ("chang", "yam", "kuen")
    assert cantonese_match("曾蔭權", "Donald Tsang Yam-kuen", person=True, skip_unreadable=True) is not None


def test_compound_surname_spellings_are_segmented() -> None:
    assert latin_cantonese_keys("Auyeung") == [[("au", "yeung")]]
    assert cantonese_match("歐陽震華", "Au Yeung Chun Wah", person=True) is not None
    assert cantonese_match("司徒華", "Szeto Wah", person=True) == ("sze", "to", "wa")


def test_cantonese_and_pinyin_key_spaces_are_separate() -> None:
    # 陳 is Chan in Cantonese and Chen in Mandarin; neither key space explains the other spelling.
    assert cantonese_match("陳大文", "Chen Dawen", person=True) is None
    assert han_cantonese_keys("陳")[0][0] == "chan"
    assert latin_pinyin_keys("Cheung") == [[]]


def test_words_no_hong_kong_spelling_explains_have_no_keys() -> None:
    assert latin_cantonese_keys("Brownback") == [[]]
    assert latin_cantonese_keys("Xiaohong") == [[]]
