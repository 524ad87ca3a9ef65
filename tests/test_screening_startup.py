"""Start-up without the slow parts: a persisted index carries rigour's tagger phrases, so no process builds
rigour's person-name tagger to read a query, and the answers stay exactly rigour's; `accomplice screen`
does not load the web stack."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rigour.names import Alignment, Name, NameTypeTag, analyze_names
from rigour.names.symbol import pair_symbols

from accomplice import services
from accomplice.matching.analyze import analyze_name, use_phrase_tagger
from accomplice.matching.phrase_groups import PhraseTagger
from accomplice.store import Store
from accomplice.store.name_phrases import phrase_table
from tests.helpers import copy_of_store

# Queries in every script the lists write, most of them not written so in any list (their words are
# then read from the phrase table, not from the lists' own words), typed as users type them.
QUERIES = (
    "김정은",
    "김 정은",
    "金正恩",
    "Ким Чен Ын",
    "Владимир Владимирович Путин",
    "Kim Jong Un",
    "kim jong-un",
    "Ri Chol Ung",
    "Mr. John Smith 2nd",
    "Jang Song-thaek",
    "O'Neil Mary-Anne",
    "Korea Kwangson Banking Corp",
    "조선광선은행",
    "Ли Су Ен",
    "리수용",
    "李洙墉",
)
WEB_STACK = ("fastapi", "starlette", "uvicorn", "weasyprint")


@pytest.fixture(scope="module")
def persisted_store(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = copy_of_store(screening_store, tmp_path_factory.mktemp("startup") / "lists.db")
    services.load_screening_index(store)  # built and saved, with the tagger's phrases
    yield store
    store.close()


@pytest.fixture(scope="module")
def phrases() -> dict[str, str]:
    table = phrase_table()
    assert table is not None, "rigour's tagger data could not be read"
    return table


def _spans(text: str, tagger: PhraseTagger | None) -> tuple[list[str], set[tuple[tuple[int, ...], str, str]]]:
    name = _name(text, tagger)
    parts = [f"{p.form}/{p.tag}" for p in name.parts]
    return parts, {(tuple(p.index for p in s.parts), str(s.symbol.category), s.symbol.id) for s in name.spans}


def test_the_phrase_table_tags_names_exactly_as_rigours_tagger(phrases: dict[str, str]) -> None:
    tagger = PhraseTagger(phrases.get)
    for text in QUERIES:
        assert _spans(text, tagger) == _spans(text, None), text
    # The pairing the known-equivalent feature explains agrees too.
    for query, listed in (("Ким Чен Ын", "KIM Jong Un"), ("Владимир Путин", "Vladimir PUTIN")):
        ours = pair_symbols(_name(query, tagger), _name(listed, tagger))
        theirs = pair_symbols(_name(query, None), _name(listed, None))
        assert _pairing(ours) == _pairing(theirs)
        assert any(edges for edges in ours)


def _name(text: str, tagger: PhraseTagger | None) -> Name:
    if tagger is not None:
        name = tagger.name(text)
        assert name is not None
        return name
    return next(iter(analyze_names(NameTypeTag.PER, [text], phonetics=False, numerics=False)))


def _pairing(pairings: list[tuple[Alignment, ...]]) -> list[list[tuple[object, ...]]]:
    return [
        [
            (e.symbol.id if e.symbol else None, tuple(p.index for p in e.qps), tuple(p.index for p in e.rps))
            for e in edges
        ]
        for edges in pairings
    ]


def _screen_all(index: services.ScreeningIndex) -> list[object]:
    out: list[object] = []
    for text in QUERIES:
        for schema in (None, "Person"):
            out.append(
                services.screen_record(index, services.ScreeningRecord("1", text, schema), threshold=0.5)
            )
    return out


def test_screening_with_the_phrase_table_gives_rigours_results(persisted_store: Store) -> None:
    with_phrases = _screen_all(services.load_screening_index(persisted_store))
    assert any(with_phrases)
    # The same index, read with rigour's own tagger from scratch.
    analyze_name.cache_clear()
    reopened = services.load_screening_index(persisted_store)
    use_phrase_tagger(None)
    analyze_name.cache_clear()
    try:
        assert _screen_all(reopened) == with_phrases
    finally:
        analyze_name.cache_clear()
        services.load_screening_index(persisted_store)  # the phrase table again, for the next tests


def test_cli_screen_does_not_load_the_web_stack(persisted_store: Store) -> None:
    script = (
        "import sys\n"
        "from accomplice.cli import main\n"
        f"sys.argv = ['accomplice', '--db', {persisted_store.url!r}, 'screen', '--name', '김정은']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & set({WEB_STACK!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    assert "indexing names" not in result.stderr
    assert "un:KPi.033" in result.stdout or "KIM" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "LOADED []"


def test_index_folder_holds_the_tagger_phrases(persisted_store: Store) -> None:
    index = services.load_screening_index(persisted_store)
    assert index.location is not None
    phrase_files = sorted(p.name for p in Path(index.location).glob("phrases_*.npy"))
    assert len(phrase_files) == 5
    assert (Path(index.location) / "phrases_hash.npy").stat().st_size > 1_000_000
