from __future__ import annotations

import pytest

from accomplice.names.korean import cyrillic_keys, hangul_to_cyrillic, korean_names_agree


@pytest.mark.parametrize(
    ("hangul", "expected"),
    [
        ("김정은", "Ким Чонъын"),
        ("최룡해", "Чхве Рёнхэ"),
        ("박근혜", "Пак Кынхе"),
        ("김여정", "Ким Ёджон"),
        ("김계관", "Ким Кегван"),
        ("장성택", "Чан Сонтхэк"),
    ],
)
def test_kontsevich_names_keep_the_given_name_one_word(hangul: str, expected: str) -> None:
    assert hangul_to_cyrillic(hangul) == expected


@pytest.mark.parametrize(("word", "expected"), [("평양", "Пхёнъян"), ("신라", "Силла"), ("독립", "Тоннип")])
def test_kontsevich_writes_assimilation_at_syllable_boundaries(word: str, expected: str) -> None:
    assert hangul_to_cyrillic(word, name=False) == expected


@pytest.mark.parametrize(
    ("hangul", "cyrillic"),
    [
        ("김정은", "Ким Чен Ын"),
        ("김정일", "Ким Чен Ир"),
        ("김일성", "Ким Ир Сен"),
        ("최룡해", "Цой Рён Хэ"),
        ("최룡해", "Чхве Рён Хэ"),
        ("리설주", "Ли Соль Чжу"),
        ("장성택", "Чан Сон Тхэк"),
        ("김여정", "Ким Ё Чжон"),
        ("박봉주", "Пак Пон Чжу"),
    ],
)
def test_traditional_russian_spellings_agree_with_the_hangul(hangul: str, cyrillic: str) -> None:
    assert korean_names_agree(hangul, cyrillic)


def test_cyrillic_keys_do_not_confuse_kim_jong_il_and_kim_jong_un() -> None:
    assert not korean_names_agree("Ким Чен Ир", "김정은")
    assert cyrillic_keys("Ким Ир Сен")[1] == [("il",)]


def test_soft_sign_is_ignored_and_hard_sign_is_a_boundary() -> None:
    assert ("sol",) in cyrillic_keys("Соль")[0]
    assert ("cong", "un") in cyrillic_keys("Чонъын")[0]
    assert cyrillic_keys("Путин Владимир")[1] == []
