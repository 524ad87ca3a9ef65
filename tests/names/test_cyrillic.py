"""Cyrillic transliteration under the iuliia schemes, and the scheme-invariant Russian skeleton."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from accomplice.names import cyrillic
from accomplice.names.cyrillic import (
    BGN_PCGN,
    GOST_779,
    GOST_779_B,
    GOST_52535,
    ICAO_9303,
    MVD_310,
    MVD_310_FR,
    MVD_782,
    SCREENING_SCHEMES,
    SKELETON_MERGES,
    WIKIPEDIA,
    get_scheme,
    russian_skeleton,
    russian_skeleton_tokens,
    scheme_names,
    skeleton_word,
    transliterate,
    transliterations,
)

ROOT = Path(__file__).resolve().parents[2]
RUSSIAN_WORD = re.compile(r"^[а-яё]+$")
CYRILLIC = re.compile("[\u0400-\u04ff]")
LATIN_FORM = re.compile(r"^[a-zà-ɏ'’\- ]+$")

# Share of the rigour Russian words whose skeleton survives transliteration under each scheme, as
# measured (docs/names/russian.md), less a small margin. What is lost, scheme by scheme:
# BGN/MVD/GOST 52535: foreign words with тз/сж/ёу; ICAO: Bulgarian ъ written "ie"; Wikipedia and mosmetro:
# ьо written "yo" where the others write o; GOST-A: c before a/o/u read as k (English Victor, Nicolai);
# GOST-B: x between vowels read as ks (English Maxim, Alexei); MVD-310 French: j read as й, not ж.
SCHEME_INVARIANCE_FLOOR: dict[str, float] = {
    BGN_PCGN: 0.999,
    MVD_310: 0.999,
    MVD_782: 0.999,
    GOST_52535: 0.999,
    ICAO_9303: 0.995,
    WIKIPEDIA: 0.99,
    GOST_779: 0.965,
    MVD_310_FR: 0.965,
    GOST_779_B: 0.87,
}
# rigour groups holding a Cyrillic and a Latin spelling of one name. Many are foreign names written in
# Cyrillic (Scofield/Скофилд, Dürr/Дюрр): the Latin is the original, not a transliteration, and no
# Russian key can join them. Floors are the measured rates less a margin.
GROUP_AGREEMENT_FLOOR = 0.69
# Groups whose Latin side holds a transliteration of the Cyrillic under one of the five main schemes.
RUSSIAN_ORIGIN_GROUP_AGREEMENT_FLOOR = 0.975
# Cyrillic and Latin spellings of different names (never in one group) that share a skeleton.
FALSE_AGREEMENT_CEILING = 1e-5
ORIGIN_SCHEMES = (BGN_PCGN, ICAO_9303, WIKIPEDIA, MVD_782, GOST_779)


def _load_generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "gen_cyrillic_schemes", ROOT / "scripts" / "gen_cyrillic_schemes.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- transliteration -----------------------------------------------------------------------------------


def test_every_worked_sample_of_every_scheme_transliterates_exactly(
    scheme_files: dict[str, dict[str, Any]],
) -> None:
    failures: list[str] = []
    count = 0
    for name, data in scheme_files.items():
        for source, expected in data["samples"]:
            count += 1
            got = transliterate(source, name)
            if got != expected:
                failures.append(f"{name}: {source!r} → {got!r}, expected {expected!r}")
    assert count == 164, f"the iuliia files hold 164 worked samples, read {count}"
    assert failures == []


def test_every_scheme_file_is_shipped(scheme_files: dict[str, dict[str, Any]]) -> None:
    assert set(scheme_names()) == set(scheme_files)
    assert len(scheme_names()) == 28


def test_packaged_scheme_tables_equal_a_fresh_generation_from_the_source(raw_dir: Path) -> None:
    generator = _load_generator()
    fresh = generator.render(generator.build(raw_dir / "names" / "russian_translit_schemes"))
    packaged = (ROOT / "src" / "accomplice" / "names" / "_data" / "cyrillic_schemes.json").read_text(
        encoding="utf-8"
    )
    assert packaged == fresh, "run scripts/gen_cyrillic_schemes.py"
    header = json.loads(packaged)
    assert "iuliia" in header["_source"]
    assert header["_licence"].startswith("MIT")


def test_passport_scheme_writes_shcheglova_as_in_a_russian_passport() -> None:
    assert transliterate("Юлия Щеглова", ICAO_9303) == "Iuliia Shcheglova"
    assert transliterate("Юлия Щеглова", GOST_779) == "Ûliâ Ŝeglova"
    assert transliterate("Юлия Щеглова", GOST_779_B) == "Yuliya Shheglova"


def test_capitals_stay_capitals_as_lists_write_surnames() -> None:
    assert transliterate("ПУТИН Владимир", BGN_PCGN) == "PUTIN Vladimir"
    assert transliterate("ЩЕГЛОВА", ICAO_9303) == "SHCHEGLOVA"
    assert transliterate("Ё", BGN_PCGN) == "Yё"


def test_bgn_context_rules_apply_at_word_start_and_after_vowels() -> None:
    assert transliterate("Елена Андреева", BGN_PCGN) == "Yelena Andreyeva"
    assert transliterate("Елена Андреева", ICAO_9303) == "Elena Andreeva"


def test_wikipedia_ending_rule_shortens_adjectival_surnames() -> None:
    assert transliterate("Дмитрий Горький", WIKIPEDIA) == "Dmitry Gorky"
    assert transliterate("Дмитрий Горький", ICAO_9303) == "Dmitrii Gorkii"


def test_stress_marks_do_not_split_words() -> None:
    assert transliterate("Влади́мир ПУ́ТИН", ICAO_9303) == "Vladimir PUTIN"


def test_text_without_cyrillic_is_returned_unchanged() -> None:
    assert transliterate("KIM Jong Un 김정은", BGN_PCGN) == "KIM Jong Un 김정은"
    assert transliterations("KIM Jong Un") == {}


def test_transliterations_cover_the_screening_schemes() -> None:
    forms = transliterations("Гудзон")
    assert set(forms) == set(SCREENING_SCHEMES)
    assert forms[BGN_PCGN] == "Gudzon"


def test_unknown_scheme_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match="bgn_pcgn"):
        transliterate("Путин", "klingon")
    assert get_scheme("iso_9_1995").name == GOST_779  # the alias the iuliia file declares


# --- skeleton: the merges --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spellings",
    [
        ("Щеглова", "Shcheglova", "Ščeglova", "Shheglova", "Chtcheglova", "Sheglova", "Schtscheglowa"),
        ("Ходорковский", "Khodorkovsky", "Khodorkovskiy", "Hodorkovskij", "Khodorkovskii"),
        ("Цой", "Tsoy", "Tsoi", "Tcoi", "Tzoi"),
        ("Цветаева", "Tsvetaeva", "Cvetaeva", "Tsvetayeva"),
        ("Жуков", "Zhukov", "Žukov", "Joukov", "Zhukow"),
        ("Чайковский", "Chaykovskiy", "Tchaikovsky", "Čajkovskij", "Tschaikowski", "Czajkowski"),
        ("Яковлев", "Yakovlev", "Iakovlev", "Jakovlev", "Âkovlev", "Jakowlew"),
        ("Юрий", "Yuriy", "Iurii", "Yury", "Juri", "Jurij", "Iouri", "Ûrij"),
        ("Фёдор", "Fyodor", "Fedor", "Fiodor", "Fjodor", "Fëdor"),
        ("Горбачёв", "Gorbachev", "Gorbachyov", "Gorbačëv", "Gorbatschow"),
        ("Ильин", "Il'in", "Ilin", "Ilyin", "Il’in"),
        ("Андреев", "Andreyev", "Andreev", "Andrejew"),
        ("Евгений", "Yevgeniy", "Evgenii", "Evgeny", "Jewgeni"),
        ("Василий", "Vasiliy", "Vassili", "Vasilii", "Wassili"),
        ("Смирнов", "Smirnov", "Smirnoff", "Smirnow"),
        ("Максим", "Maksim", "Maxim"),
        ("Виктор", "Viktor", "Victor"),
        ("Путин", "Putin", "Poutine"),
        ("Геннадий", "Gennadiy", "Guennadi"),
        ("Хрущёв", "Khrushchev", "Khrushchyov", "Hruŝëv", "Xrushhyov"),
        ("Григорій", "Hryhoriy"),
    ],
)
def test_spellings_of_one_russian_name_share_a_skeleton(spellings: tuple[str, ...]) -> None:
    keys = {s: russian_skeleton(s) for s in spellings}
    assert len(set(keys.values())) == 1, keys


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Иванов", "Ivanova"),
        ("Петров", "Petrova"),
        ("Kim Jong Un", "Kim Jong Il"),
        ("Сергей", "Семён"),
        ("Зорин", "Сорин"),
    ],
)
def test_different_names_keep_different_skeletons(one: str, other: str) -> None:
    assert russian_skeleton(one) != russian_skeleton(other)


def test_english_c_and_x_win_over_gost_where_they_clash() -> None:
    # c before a/o/u is English k (Victor, Nicolai) rather than GOST-A ц; x between vowels is English ks
    # (Maxim) rather than GOST-B х. The cost is measured in SCHEME_INVARIANCE_FLOOR.
    assert russian_skeleton("Coj") != russian_skeleton("Цой")
    assert russian_skeleton("Mixail") != russian_skeleton("Михаил")
    assert russian_skeleton("Nicolai") == russian_skeleton("Николай")


def test_every_merge_is_documented_with_its_motivation() -> None:
    assert len(SKELETON_MERGES) >= 10
    for merge, why in SKELETON_MERGES:
        assert merge
        assert len(why) > 20


def test_skeleton_keeps_word_order_and_drops_punctuation() -> None:
    assert russian_skeleton_tokens("ПУТИН, Владимир Владимирович") == ("putin", "vladimir", "vladimirovix")
    assert russian_skeleton("Il'in-Zhenevsky") == "ilin xenevski"


def test_names_in_other_scripts_are_left_whole() -> None:
    assert russian_skeleton("김정은") == "김정은"
    assert russian_skeleton("弗拉基米尔·普京") == "弗拉基米尔 普京"
    assert russian_skeleton("भ्लादिमिर") == "भ्लादिमिर"


# --- skeleton: the 81 spellings of Putin -----------------------------------------------------------------

# Cyrillic and Latin lines of putin_name_variants.txt whose skeleton does not reduce to the Russian one,
# and why. The test checks both ways: every other line agrees, and every line listed here really differs.
PUTIN_EXPLAINED: dict[str, str] = {
    "Präsident Putin": "a title, not part of the name",
    "Predsjednik Putin": "a title (Croatian)",
    "Președintele Putin": "a title (Romanian)",
    "Presiden Putin": "a title (Indonesian)",
    "Presidente Putin": "a title (Spanish, Portuguese, Italian)",
    "Presidente Vladimir Putin": "a title",
    "Президент Путин": "a title",
    "Putyin elnök": "a title (Hungarian)",
    "Putin Volodymyr Volodymyrovych": "Ukrainian form of the given name (Volodymyr), not a transliteration",
    "ПУТІН володимир володимирович": "Ukrainian form of the given name",
    "Путін Володимир Володимирович": "Ukrainian form of the given name",
    "Уладзімір Пуцін": "Belarusian forms of both names",
    "Уладзімір Уладзіміравіч Пуцін": "Belarusian forms of both names",
    "Vladimiras Putinas": "Lithuanian case endings -as",
    "Vladimirs Putins": "Latvian case endings -s",
    "Vladimir Poetin": "Dutch oe for у (Russian transliterations write oe for ое, so it is not merged)",
    "Wladimir Poetin": "Dutch oe for у",
    "Wladimir Wladimirowitsj Poetin": "Dutch oe for у",
    "Vladimir Vladimirovici Putin": "Romanian ci for ч before a vowel sound",
    "Vladimir Vladimirovitj Putin": "Swedish tj for ч (tj is т+й in Kostja, so it is not merged)",
    "Vladimir Vladimirovitj PUTIN": "Swedish tj for ч",
    "Vladímir Vladímirovitx Putin": "Catalan tx for ч",
    "Vlagyimir Putyin": "Hungarian gy/ty for palatal д/т",
    "Vlagyimir Vlagyimirovics Putyin": "Hungarian gy and cs",
}


def _is_latin_or_cyrillic(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return bool(letters) and all(
        "LATIN" in unicodedata.name(ch, "") or "CYRILLIC" in unicodedata.name(ch, "") for ch in letters
    )


def test_latin_and_cyrillic_spellings_of_putin_share_the_skeleton_or_are_explained(raw_dir: Path) -> None:
    path = raw_dir / "names" / "cross_script_equivalents" / "putin_name_variants.txt"
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == 81
    expected = set(russian_skeleton_tokens("Путин Владимир Владимирович"))
    initials = {"v"}
    checked = agreeing = 0
    unexplained: list[str] = []
    wrongly_explained: list[str] = []
    for line in lines:
        if not _is_latin_or_cyrillic(line):
            continue
        checked += 1
        tokens = set(russian_skeleton_tokens(line))
        agrees = "putin" in tokens and tokens <= expected | initials
        agreeing += agrees
        if not agrees and line not in PUTIN_EXPLAINED:
            unexplained.append(f"{line} → {sorted(tokens)}")
        if agrees and line in PUTIN_EXPLAINED:
            wrongly_explained.append(line)
    assert checked == 59
    assert unexplained == []
    assert wrongly_explained == []
    assert agreeing == checked - len(PUTIN_EXPLAINED)


# --- skeleton: real cross-script data --------------------------------------------------------------------


def test_watchman_cyrillic_pairs_agree_or_differ_by_one_letter(raw_dir: Path) -> None:
    path = raw_dir / "names" / "matching_benchmarks" / "watchman_cross_script_pairs.csv"
    rows = [
        r for r in csv.reader(path.read_text(encoding="utf-8").splitlines()) if r and not r[0].startswith("#")
    ]
    cyrillic_rows = [(q, e) for q, e, *_ in rows if CYRILLIC.search(q)]
    assert len(cyrillic_rows) == 4
    exact = 0
    for query, expected in cyrillic_rows:
        a, b = russian_skeleton(query), russian_skeleton(expected)
        exact += a == b
        # Alexander is the English name, not a transliteration of Александр: one vowel more.
        assert Levenshtein.distance(a, b) <= 1, (query, expected, a, b)
    assert exact == 3


@pytest.fixture(scope="session")
def russian_words(rigour_groups: list[list[str]]) -> list[str]:
    words = sorted({form for group in rigour_groups for form in group if RUSSIAN_WORD.match(form)})
    assert len(words) > 40_000
    return words


@pytest.mark.slow
@pytest.mark.parametrize("scheme", sorted(SCHEME_INVARIANCE_FLOOR))
def test_skeleton_survives_transliteration_of_rigour_russian_words(
    scheme: str, russian_words: list[str]
) -> None:
    lost = [w for w in russian_words if skeleton_word(transliterate(w, scheme)) != skeleton_word(w)]
    rate = 1 - len(lost) / len(russian_words)
    assert rate >= SCHEME_INVARIANCE_FLOOR[scheme], f"{scheme}: {rate:.4f}; e.g. {lost[:10]}"


@dataclass(frozen=True)
class Agreement:
    groups: int
    group_rate: float
    russian_groups: int
    russian_group_rate: float
    false_pairs: int
    cross_pairs: int


def _fold(text: str) -> str:
    """The plain key of bench/bench_russian_skeleton.py: passport transliteration, accents and signs gone."""
    if CYRILLIC.search(text):
        text = transliterate(text, ICAO_9303)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if c.isascii() and (c.isalnum() or c == " ")).split())


@pytest.fixture(scope="session")
def agreement(rigour_groups: list[list[str]]) -> Agreement:
    pairs: list[tuple[list[str], list[str]]] = []
    for group in rigour_groups:
        cyr = [f for f in group if CYRILLIC.search(f)]
        lat = [f for f in group if LATIN_FORM.match(f)]
        if cyr and lat:
            pairs.append((cyr, lat))
    agree = russian = russian_agree = 0
    true_pairs: set[tuple[str, str]] = set()
    cyr_by_key: dict[str, set[str]] = defaultdict(set)
    lat_by_key: dict[str, set[str]] = defaultdict(set)
    for cyr, lat in pairs:
        lat_keys = {russian_skeleton(x) for x in lat}
        cyr_keys = {russian_skeleton(x) for x in cyr}
        ok = not cyr_keys.isdisjoint(lat_keys)
        agree += ok
        origin = {_fold(transliterate(c, s)) for c in cyr for s in ORIGIN_SCHEMES}
        if any(_fold(x) in origin for x in lat):
            russian += 1
            russian_agree += ok
        for c in cyr:
            cyr_by_key[russian_skeleton(c)].add(c)
            true_pairs.update((c, x) for x in lat)
        for x in lat:
            lat_by_key[russian_skeleton(x)].add(x)
    n_cyr = len({c for forms in cyr_by_key.values() for c in forms})
    n_lat = len({x for forms in lat_by_key.values() for x in forms})
    false_pairs = sum(
        1
        for key, forms in cyr_by_key.items()
        for c in forms
        for x in lat_by_key.get(key, ())
        if (c, x) not in true_pairs
    )
    return Agreement(
        groups=len(pairs),
        group_rate=agree / len(pairs),
        russian_groups=russian,
        russian_group_rate=russian_agree / russian,
        false_pairs=false_pairs,
        cross_pairs=n_cyr * n_lat - len(true_pairs),
    )


@pytest.mark.slow
def test_cyrillic_and_latin_spellings_of_rigour_groups_share_a_skeleton(agreement: Agreement) -> None:
    assert agreement.groups > 50_000
    assert agreement.group_rate >= GROUP_AGREEMENT_FLOOR, agreement
    assert agreement.russian_groups > 25_000
    assert agreement.russian_group_rate >= RUSSIAN_ORIGIN_GROUP_AGREEMENT_FLOOR, agreement


@pytest.mark.slow
def test_spellings_of_different_rigour_names_rarely_share_a_skeleton(agreement: Agreement) -> None:
    assert agreement.false_pairs / agreement.cross_pairs <= FALSE_AGREEMENT_CEILING, agreement


# --- properties ------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_unicode_never_raises(text: str) -> None:
    for name in SCREENING_SCHEMES:
        assert isinstance(transliterate(text, name), str)
    for token in russian_skeleton_tokens(text):
        assert token
        assert " " not in token


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ -", min_size=1))
def test_russian_text_gives_ascii_passport_spelling_and_ascii_skeleton(text: str) -> None:
    assert transliterate(text, ICAO_9303).isascii()
    assert all(re.fullmatch("[a-z]+", token) for token in russian_skeleton_tokens(text))


def test_every_exported_name_exists() -> None:
    assert all(hasattr(cyrillic, name) for name in cyrillic.__all__)
