from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accomplice.names.hangul import (
    compose,
    contains_cyrillic,
    contains_hangul,
    contains_hanja,
    decompose,
    dominant_script,
    initial_sound_rule,
    is_hangul_syllable,
    jamo,
)

syllables = st.integers(min_value=0xAC00, max_value=0xD7A3).map(chr)


def test_jamo_of_jeong_is_jieut_eo_ieung() -> None:
    assert jamo("정") == ("ㅈ", "ㅓ", "ㅇ")
    assert jamo("가") == ("ㄱ", "ㅏ", "")
    assert decompose("힣") == (18, 20, 27)


@given(syllables)
def test_compose_inverts_jamo_for_every_syllable(syllable: str) -> None:
    assert compose(*jamo(syllable)) == syllable


def test_decompose_rejects_what_is_not_a_syllable() -> None:
    for text in ("ㄱ", "a", "金", "", "가나"):
        with pytest.raises(ValueError, match="not a Hangul syllable"):
            decompose(text)
    with pytest.raises(ValueError, match="cannot compose"):
        compose("ㅏ", "ㄱ")


def test_conjoining_jamo_are_read_after_nfc() -> None:
    conjoining = unicodedata.normalize("NFD", "김정은")
    assert not any(is_hangul_syllable(c) for c in conjoining)
    assert dominant_script(conjoining) == "hangul"


def test_initial_sound_rule_follows_hangul_orthography_articles_10_to_12() -> None:
    assert [initial_sound_rule(s) for s in "리림류로량렴룡녀뇨라래"] == list("이임유노양염용여요나내")
    assert initial_sound_rule("김") == "김"
    assert initial_sound_rule("x") == "x"


def test_script_detection_names_the_script_of_most_letters() -> None:
    assert dominant_script("김정은") == "hangul"
    assert dominant_script("金正恩") == "hanja"
    assert dominant_script("Ким Чен Ын") == "cyrillic"
    assert dominant_script("Kim Chŏng-ŭn") == "latin"
    assert dominant_script("١٢٣ --") == "none"
    assert contains_hangul("Kim 김")
    assert contains_hanja("金 Kim")
    assert contains_cyrillic("Kim Ким")
    assert not contains_hangul("Kim")


@given(st.text())
def test_script_helpers_never_raise_on_arbitrary_unicode(text: str) -> None:
    dominant_script(text)
    contains_hangul(text)
    contains_hanja(text)
    contains_cyrillic(text)
