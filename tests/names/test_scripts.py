"""Script detection and the choice of reading for Han characters."""

from __future__ import annotations

from accomplice.names.scripts import Script, decide_han_language, han_language, has_script, is_han, scripts_of


def test_scripts_of_a_mixed_record_finds_every_script() -> None:
    found = scripts_of("KIM Jong Un 김정은 金正恩 ヤマダ Ким محمد")
    assert found == {Script.LATIN, Script.HANGUL, Script.HAN, Script.KANA, Script.CYRILLIC, Script.ARABIC}


def test_digits_punctuation_and_spaces_belong_to_no_script() -> None:
    assert scripts_of("123 - (45), 6/7 · ・ 「」") == frozenset()
    assert scripts_of("JI SONG 6") == {Script.LATIN}


def test_full_width_and_compatibility_forms_count_as_their_script() -> None:
    assert scripts_of("ＫＩＭ") == {Script.LATIN}
    assert scripts_of("ﾔﾏﾀﾞ") == {Script.KANA}  # half-width katakana
    assert scripts_of("㈱") == {Script.HAN}  # parenthesised ideograph 株
    assert scripts_of("\uf9b1") == {Script.HAN}  # CJK compatibility ideograph
    assert scripts_of("⼈") == {Script.HAN}  # Kangxi radical
    assert scripts_of("\U00020000") == {Script.HAN}  # Extension B
    assert has_script("ㄱ", Script.HANGUL)  # compatibility jamo


def test_greek_and_thai_are_other_scripts() -> None:
    assert scripts_of("Αλέξανδρος") == {Script.OTHER}
    assert scripts_of("สมชาย") == {Script.OTHER}


def test_is_han_accepts_one_ideograph_only() -> None:
    assert is_han("金")
    assert is_han("々")
    assert not is_han("김")
    assert not is_han("金正")


def test_korean_context_reads_kim_jong_un_in_hanja_as_korean() -> None:
    assert han_language("金正恩", schema="Person", countries=["kp"]) == "ko"
    assert han_language("金正恩", countries=["PRK"]) == "ko"
    assert han_language("金正恩", other_names=["김정은", "Kim Jong Un"]) == "ko"


def test_a_korean_shaped_name_with_no_evidence_stays_unknown() -> None:
    decision = decide_han_language("金正恩", schema="Person")
    assert decision.language is None
    assert "no evidence" in decision.reason


def test_kana_in_the_record_reads_yamada_taro_as_japanese() -> None:
    assert han_language("山田 太郎", other_names=["やまだ たろう", "Yamada Taro"]) == "ja"
    assert han_language("山田さくら") == "ja"
    assert han_language("株式会社山田製作所") == "ja"


def test_simplified_characters_or_chinese_countries_read_as_chinese() -> None:
    assert han_language("马晓红") == "zh"
    assert han_language("丹东鸿祥实业发展有限公司", schema="Company") == "zh"
    assert han_language("陳大文", countries=["hk"]) == "zh"
    assert han_language("鴻祥實業發展有限公司") == "zh"  # 公司 is a Chinese company word


def test_conflicting_evidence_tries_both_readings() -> None:
    # A North Korean bank as a Chinese source writes it.
    decision = decide_han_language("朝鲜光鲜银行", countries=["kp"])
    assert decision.language is None
    assert "try both" in decision.reason
    assert han_language("金正恩", countries=["kp", "cn"]) is None


def test_hangul_inside_the_name_is_korean_even_with_chinese_countries() -> None:
    assert han_language("朝鮮 무역", countries=["cn"]) == "ko"


def test_text_without_han_has_no_han_language() -> None:
    assert decide_han_language("Kim Jong Un", countries=["kp"]).language is None
