from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from accomplice.errors import InputError
from accomplice.names.hanja import hanja_reading, hanja_to_hangul
from accomplice.names.korean_surnames import surname_info, surname_readings_of_hanja

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "accomplice" / "names" / "_data"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the script is being executed
    spec.loader.exec_module(module)
    return module


def test_famous_hanja_names_read_as_korean() -> None:
    assert hanja_to_hangul("金正恩")[0] == "김정은"
    assert hanja_to_hangul("李雪主") == ["리설주", "이설주"]
    assert hanja_to_hangul("崔龍海") == ["최룡해", "최용해"]
    assert hanja_to_hangul("李雪主", north=False) == ["이설주"]
    assert hanja_to_hangul("崔龍海", north=True) == ["최룡해"]
    assert hanja_to_hangul("南宮民")[0] == "남궁민"
    assert hanja_to_hangul("金 正日")[0] == "김 정일"


def test_surname_reading_comes_from_the_surname_table_not_the_character_table() -> None:
    assert hanja_reading("金") == "금"
    assert surname_readings_of_hanja("金")[0] == "김"
    assert hanja_to_hangul("金", person=False) == ["금"]


def test_non_person_reading_applies_the_rule_at_word_start_for_the_south() -> None:
    assert hanja_to_hangul("勞動", person=False) == ["로동", "노동"]
    assert hanja_to_hangul("abc", person=False) == ["abc"]
    assert hanja_to_hangul("") == []
    assert hanja_to_hangul("金\U0002ffff") == []


def test_north_forms_of_surnames_are_added_from_the_standard() -> None:
    for south, north in (("이", "리"), ("임", "림"), ("유", "류"), ("노", "로"), ("양", "량"), ("염", "렴")):
        entry = surname_info(south)
        assert entry is not None
        assert north in entry.north
        north_entry = surname_info(north)
        assert north_entry is not None
        assert north_entry.dprk.startswith("R")
    li = surname_info("리")
    assert li is not None
    assert li.dprk == "Ri"
    assert "李" in li.hanja


def test_generated_hanja_table_is_current(korean_dir: Path) -> None:
    script = _script("gen_hanja_readings")
    table = script.read_table(korean_dir / "hanja_to_hangul_table.yml")
    body = "".join(f"{hanja}\t{reading}\n" for hanja, reading in sorted(table.items()))
    assert (DATA / "hanja_readings.tsv").read_text(encoding="utf-8") == script.HEADER + body
    assert len(table) == 27497


def test_generated_surname_table_is_current(korean_dir: Path) -> None:
    script = _script("gen_korean_surnames")
    rows = script.add_north_forms(
        script.read_surnames(korean_dir / "korean_names_comprehensive.json"),
        script.read_readings(DATA / "hanja_readings.tsv"),
    )
    assert (DATA / "korean_surnames.tsv").read_text(encoding="utf-8") == script.render(rows)


def test_generators_report_bad_input_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "table.yml"
    bad.write_text('"\\u4E00": "\\uC77C"\nnot yaml at all\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"table\.yml:2: expected"):
        _script("gen_hanja_readings").read_table(bad)
    broken = tmp_path / "names.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match=r"names\.json: cannot read"):
        _script("gen_korean_surnames").read_surnames(broken)
