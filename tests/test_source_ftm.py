"""FollowTheMoney JSON lines: OpenSanctions entities.ftm.json exports and custom lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from followthemoney import model
from followthemoney.types import registry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accomplice import services
from accomplice.errors import InputError
from accomplice.sources import get_format
from accomplice.sources.ftm import ftm_list_name
from accomplice.store import Store
from tests.helpers import BACKENDS

SAMPLE = "opensanctions/ftm_samples/yente_fixture_t1_entities.ftm.json"


def _lines(raw_dir: Path) -> list[str]:
    return (raw_dir / SAMPLE).read_text(encoding="utf-8").splitlines()


def _load(path: Path, list_name: str | None = None) -> dict[str, tuple[str, set[tuple[str, str]]]]:
    fmt = get_format("ftm")
    parsed = fmt.parse(fmt.plan(path, list_name=list_name))
    return {r.key: (r.schema, {(v.prop, v.value) for v in r.values}) for r in parsed.records}


def test_ftm_sample_gives_its_seven_entities_with_their_ids_and_schemas(raw_dir: Path) -> None:
    entities = _load(raw_dir / SAMPLE)
    assert {key: schema for key, (schema, _) in entities.items()} == {
        "NK-2GdmHtZTeNXjNVrBGEXZNj": "Organization",
        "NK-2Ka3UvopqbpZmVDFjWd4LA": "Person",
        "NK-2KeUB68qUJtykm3BuAcazG": "Person",
        "NK-2MQE6AmhAk4tqhENJAMUG9": "Address",
        "NK-2Mht2rqBeravCTdyQAWc4o": "Person",
        "NK-2Myxbs6wX9xFKGoQn3sLaY": "Person",
        "NK-2PacmNpiLUmoz4XD2mSt7A": "Organization",
    }
    _, kuzmenko = entities["NK-2Ka3UvopqbpZmVDFjWd4LA"]
    assert {("birthDate", "1971-01-22"), ("taxNumber", "366510784303"), ("nationality", "ru")} <= kuzmenko
    assert ("name", "Виталий Юрьевич КУЗЬМЕНКО") in kuzmenko
    _, irgc = entities["NK-2PacmNpiLUmoz4XD2mSt7A"]
    assert ("addressEntity", "addr-9bdb8d404e2618cfce08d3b3d400c1433c634849") in irgc


def test_ftm_values_are_those_followthemoney_itself_reads_from_each_line(raw_dir: Path) -> None:
    entities = _load(raw_dir / SAMPLE)
    for line in _lines(raw_dir):
        proxy = model.get_proxy(json.loads(line), cleaned=False)
        expected = {(prop.name, value) for prop, value in proxy.itervalues()}
        assert entities[proxy.id][1] == expected, proxy.id


def test_ftm_list_is_named_after_the_file_or_list_option(raw_dir: Path) -> None:
    assert ftm_list_name(raw_dir / SAMPLE) == "yente_fixture_t1_entities"
    assert ftm_list_name(Path("2024-06 Export (v2).ftm.json")) == "ftm_2024_06_export_v2"
    fmt = get_format("ftm")
    assert fmt.plan(raw_dir / SAMPLE, list_name="os_sample").spec.name == "os_sample"
    with pytest.raises(InputError):
        fmt.plan(raw_dir / SAMPLE, list_name="OS Sample")


def test_ftm_progress_reports_the_bytes_read(raw_dir: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    fmt = get_format("ftm")
    fmt.parse(fmt.plan(raw_dir / SAMPLE), lambda stage, done, total: seen.append((stage, done, total)))
    size = (raw_dir / SAMPLE).stat().st_size
    assert seen[-1] == ("reading yente_fixture_t1_entities.ftm.json", size, size)


def test_lines_repeating_an_id_merge_into_one_entity(tmp_path: Path, raw_dir: Path) -> None:
    line = json.loads(_lines(raw_dir)[1])
    more = {"id": line["id"], "schema": "Person", "properties": {"alias": ["KUZMENKO Vitaly"]}}
    path = tmp_path / "repeat.ftm.json"
    path.write_text(_lines(raw_dir)[1] + "\n" + json.dumps(more) + "\n", encoding="utf-8")
    entities = _load(path)
    assert list(entities) == [line["id"]]
    assert ("alias", "KUZMENKO Vitaly") in entities[line["id"]][1]


def test_values_ftm_rejects_are_warnings_not_errors(tmp_path: Path, raw_dir: Path) -> None:
    line = json.loads(_lines(raw_dir)[1])
    line["properties"]["birthDate"].append("the 31st of Febtember")
    path = tmp_path / "odd.ftm.json"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    fmt = get_format("ftm")
    parsed = fmt.parse(fmt.plan(path))
    assert parsed.warnings == [
        "odd.ftm.json: 1 birthDate values FtM rejects, left out: 'the 31st of Febtember' (line 1)"
    ]


def _with_line(tmp_path: Path, raw_dir: Path, line_number: int, text: str) -> Path:
    lines = _lines(raw_dir)
    lines[line_number - 1] = text
    path = tmp_path / "bad.ftm.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"id": "x1", "schema": "Person", "properties": {"name": ["A"]', "invalid JSON: Expecting"),
        ('["x1", "Person"]', "expected a JSON object per line, found list"),
        ('{"id": "x1", "schema": "Persona", "properties": {}}', "x1: unknown FtM schema 'Persona'"),
        (
            '{"id": "x1", "schema": "Person", "properties": {"dob": ["1970"]}}',
            "x1: Person has no property 'dob'",
        ),
        ('{"schema": "Person", "properties": {}}', "entity id None is missing"),
        (
            '{"id": "x1", "schema": "Person", "properties": {"name": [{"id": "n"}]}}',
            "property 'name' holds dict values, not text",
        ),
    ],
)
def test_bad_ftm_line_is_one_line_error_with_its_line_number(
    tmp_path: Path, raw_dir: Path, text: str, reason: str
) -> None:
    path = _with_line(tmp_path, raw_dir, 4, text)
    with pytest.raises(InputError) as caught:
        get_format("ftm").parse(get_format("ftm").plan(path))
    assert (caught.value.path, caught.value.line) == (str(path), 4)
    assert reason in caught.value.reason
    assert "\n" not in str(caught.value)


def test_ftm_line_in_another_encoding_names_the_line(tmp_path: Path, raw_dir: Path) -> None:
    lines = [line.encode("utf-8") for line in _lines(raw_dir)]
    cyrillic = json.loads(_lines(raw_dir)[1])
    lines[5] = json.dumps(cyrillic, ensure_ascii=False).encode("cp1251")
    path = tmp_path / "cp1251.ftm.json"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(InputError) as caught:
        get_format("ftm").parse(get_format("ftm").plan(path))
    assert caught.value.line == 6
    assert caught.value.reason.startswith("not valid UTF-8 text")


@pytest.mark.parametrize("content", [b"", b"\n \n"])
def test_empty_ftm_file_is_one_line_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.ftm.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        get_format("ftm").parse(get_format("ftm").plan(path))
    assert caught.value.reason in ("file is empty", "holds no FollowTheMoney entities")


@BACKENDS
def test_ftm_sample_loads_and_a_bad_file_leaves_the_version_as_it_was(
    store: Store, tmp_path: Path, raw_dir: Path
) -> None:
    report = services.load_list(store, "ftm", raw_dir / SAMPLE, list_name="os_sample")
    assert (report.version.seq, report.version.counts["entities"]) == (1, 7)
    detail = services.entity_detail(store, "NK-2Ka3UvopqbpZmVDFjWd4LA")
    assert detail.values("birthDate") == ["1971-01-22"]
    before = (store.versions("os_sample"), store.snapshot("os_sample", 1))
    for text in ('{"id": "x1", "schema": "Persona", "properties": {}}', '{"id": "x1", "schema": "Person",'):
        with pytest.raises(InputError):
            services.load_list(store, "ftm", _with_line(tmp_path, raw_dir, 7, text), list_name="os_sample")
    assert (store.versions("os_sample"), store.snapshot("os_sample", 1)) == before


_MUTATION = st.tuples(
    st.floats(min_value=0, max_value=1, exclude_max=True),
    st.one_of(
        st.sampled_from([b'"', b",", b"\n", b"{", b"}", b"[", b"]", b":", b"\x00", b"\xc3", b"\xff", b""]),
        st.binary(min_size=1, max_size=4),
    ),
)


def test_mutated_ftm_sample_loads_or_fails_with_input_error_only(tmp_path: Path, raw_dir: Path) -> None:
    seed = (raw_dir / SAMPLE).read_bytes()
    path = tmp_path / "mutated.ftm.json"
    fmt = get_format("ftm")
    # FtM builds its country-name tables on the first lookup of a name (seconds): not within a deadline.
    registry.country.clean("North Korea")

    @settings(
        max_examples=300,
        deadline=1000,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(_MUTATION, min_size=1, max_size=6))
    def check(mutations: list[tuple[float, bytes]]) -> None:
        data = seed
        for where, replacement in mutations:
            at = int(where * len(data))
            data = data[:at] + replacement + data[at + 1 :]
        path.write_bytes(data)
        message = ""
        try:
            fmt.parse(fmt.plan(path))
        except InputError as exc:  # the only error allowed: a one-line message for the user
            message = str(exc)
        assert "\n" not in message

    check()
