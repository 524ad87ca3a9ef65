"""Properties of the Chinese and Cantonese keys over arbitrary input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from accomplice.names.cantonese import han_hk_romanizations, latin_cantonese_keys
from accomplice.names.chinese import han_pinyin, latin_pinyin_keys, pinyin_match, pinyin_name_forms
from accomplice.names.scripts import decide_han_language, scripts_of
from accomplice.names.syllables import MAX_ALTERNATIVES


def _gb2312_hanzi() -> list[str]:
    # GB 2312-80 level 1 (rows 16-55): the 3,755 most common hanzi, in the standard's order.
    chars = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


COMMON = _gb2312_hanzi()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_no_function_raises_on_arbitrary_unicode(text: str) -> None:
    scripts_of(text)
    decide_han_language(text, countries=[text[:2]], other_names=[text])
    han_pinyin(text, person=True)
    pinyin_name_forms(text)
    han_hk_romanizations(text)
    for words in latin_pinyin_keys(text) + latin_cantonese_keys(text):
        assert len(words) <= MAX_ALTERNATIVES


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(COMMON), min_size=1, max_size=4))
def test_pinyin_of_common_characters_re_keys_to_itself(chars: list[str]) -> None:
    name = "".join(chars)
    for form in pinyin_name_forms(name, person=False):
        assert pinyin_match(name, form, person=False) is not None, (name, form)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(COMMON), min_size=2, max_size=3))
def test_person_name_forms_re_key_to_the_name(chars: list[str]) -> None:
    name = "".join(chars)
    for form in pinyin_name_forms(name, person=True):
        assert pinyin_match(name, form, person=True) is not None, (name, form)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aeiouhngzcsx'-", max_size=30))
def test_hostile_latin_words_stay_bounded(word: str) -> None:
    for alternatives in latin_pinyin_keys(word) + latin_cantonese_keys(word):
        assert len(alternatives) <= MAX_ALTERNATIVES


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(COMMON), min_size=2, max_size=3))
def test_hong_kong_forms_re_key_to_the_name(chars: list[str]) -> None:
    from accomplice.names.cantonese import cantonese_match

    name = "".join(chars)
    for form in han_hk_romanizations(name):
        assert cantonese_match(name, form, person=True) is not None, (name, form)
