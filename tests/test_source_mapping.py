"""CSV through FollowTheMoney mapping files: the mapping format, bad mappings, bad CSV input, fuzzing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from followthemoney.types import registry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accomplice import services
from accomplice.errors import AccompliceError, InputError
from accomplice.sources import get_format
from accomplice.sources.mapping import load_mapping, shipped_mapping, shipped_mappings
from accomplice.sources.transforms import TRANSFORMS
from accomplice.store import Store
from tests.helpers import BACKENDS, names_in_script_of

EU_DPRK = "eu/eu_journal_consolidated_32017R1509.csv"
EU_RUSSIA = "eu/eu_journal_consolidated_32014R0833.csv"
UK_2018 = "uk/hmt_conlist_2018-04-13.csv"

# A small mapping of our own over the EU table layout: persons and vessels, readable keys.
TEST_MAPPING = """\
accomplice:
  list: {name: test_dprk, title: "Test slice of {{celex}}"}
  key_prefix: "test:"
  derived:
    birth_dates: {transform: dates, column: birthDate}
    aliases: {transform: split, column: alias}
queries:
  - filters: {schema: Person}
    entities:
      person:
        schema: Person
        keys: [celex, annex, recordId]
        properties:
          name: {column: name}
          alias: {column: aliases}
          birthDate: {column: birth_dates}
          nationality: {column: nationality}
          phone: {column: phone}
  - filters: {schema: Vessel}
    entities:
      vessel:
        schema: Vessel
        keys: [celex, annex, recordId]
        properties:
          name: {column: name}
          imoNumber: {column: imoNumber}
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _lines(raw_dir: Path, name: str, count: int) -> str:
    """The first `count` lines of a real file, as text."""
    with (raw_dir / name).open(encoding="utf-8", newline="") as fh:
        return "".join(next(fh) for _ in range(count))


@pytest.fixture
def test_mapping(tmp_path: Path) -> Path:
    return _write(tmp_path / "test_dprk.yml", TEST_MAPPING)


@pytest.fixture
def eu_slice(tmp_path: Path, raw_dir: Path) -> Path:
    """Header, 40 persons, then 50 entities and vessels of the EU DPRK table (one line per row)."""
    lines = _lines(raw_dir, EU_DPRK, 131).splitlines(keepends=True)
    return _write(tmp_path / "eu_slice.csv", "".join(lines[:41] + lines[81:131]))


def _plan_and_parse(fmt_name: str, path: Path, mapping: Path | None = None) -> list[str]:
    fmt = get_format(fmt_name, mapping=mapping)
    parsed = fmt.parse(fmt.plan(path))
    return [r.key for r in parsed.records]


# -- the mapping format -------------------------------------------------------------------------------


def test_custom_mapping_gives_readable_keys_from_the_key_columns(eu_slice: Path, test_mapping: Path) -> None:
    fmt = get_format("csv", mapping=test_mapping)
    plan = fmt.plan(eu_slice)
    parsed = fmt.parse(plan)
    by_key = {r.key: r for r in parsed.records}
    yun = by_key["test:32017R1509:XIII.A:1"]
    assert yun.schema == "Person"
    assert yun.caption == "Yun Ho-jin"
    values = {(v.prop, v.value) for v in yun.values}
    assert {("alias", "Yun Ho-chin"), ("birthDate", "1944-10-13"), ("nationality", "kp")} <= values
    assert plan.spec.name == "test_dprk"
    assert plan.spec.title == "Test slice of 32017R1509"
    # the mapping file is part of the version: another mapping of the same CSV is another version
    assert [f.name for f in plan.files] == ["eu_slice.csv", "test_dprk.yml"]


def test_mapping_in_ftm_dataset_layout_is_read_the_same(
    tmp_path: Path, eu_slice: Path, test_mapping: Path
) -> None:
    nested = "test_dprk:\n" + "".join(f"  {line}\n" for line in TEST_MAPPING.splitlines())
    ftm_layout = _write(tmp_path / "ftm_layout.yml", nested)
    assert _plan_and_parse("csv", eu_slice, ftm_layout) == _plan_and_parse("csv", eu_slice, test_mapping)


def test_rows_no_query_accepts_are_reported_not_fatal(tmp_path: Path, eu_slice: Path) -> None:
    persons_only = TEST_MAPPING[: TEST_MAPPING.index("  - filters: {schema: Vessel}")]
    fmt = get_format("csv", mapping=_write(tmp_path / "persons.yml", persons_only))
    parsed = fmt.parse(fmt.plan(eu_slice))
    assert {r.schema for r in parsed.records} == {"Person"}
    assert any("rows no query of the mapping accepts, skipped" in w for w in parsed.warnings)


def test_values_ftm_rejects_are_aggregated_warnings(raw_dir: Path) -> None:
    fmt = get_format("eu")
    parsed = fmt.parse(fmt.plan(raw_dir / EU_DPRK))
    phone = [w for w in parsed.warnings if "phone values FtM rejects" in w]
    assert len(phone) == 1
    assert phone[0].startswith("eu_journal_consolidated_32017R1509.csv: 14 phone values")
    assert "(line 85)" in phone[0]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("        schema: Vessel", "        schema: Ship"), "entity 'vessel': unknown FtM schema 'Ship'"),
        (("imoNumber: {column", "imoNumbr: {column"), "Vessel has no property 'imoNumbr'"),
        (("transform: dates", "transform: datez"), "unknown transform 'datez'"),
        (("key_prefix:", "key_prefx:"), "unknown setting 'key_prefx'"),
        (
            ("name: {column: name}\n          alias", "name: {colum: name}\n          alias"),
            "unknown setting",
        ),
        (
            (
                "keys: [celex, annex, recordId]\n        properties:\n          name",
                "properties:\n          name",
            ),
            "No keys or ID",
        ),
        (("  - filters: {schema: Person}", "  - filters: [schema]"), "filters must be a mapping"),
    ],
)
def test_invalid_mapping_is_one_line_error_naming_the_mapping_file(
    tmp_path: Path, eu_slice: Path, edit: tuple[str, str], message: str
) -> None:
    old, new = edit
    assert old in TEST_MAPPING
    broken = _write(tmp_path / "broken.yml", TEST_MAPPING.replace(old, new, 1))
    with pytest.raises(InputError) as caught:
        get_format("csv", mapping=broken).plan(eu_slice)
    assert caught.value.path == str(broken)
    assert message in caught.value.reason
    assert "\n" not in str(caught.value)


def test_mapping_yaml_syntax_error_names_file_and_line(tmp_path: Path, eu_slice: Path) -> None:
    text = TEST_MAPPING.replace('  key_prefix: "test:"', '  key_prefix: "test:\n   oops: [', 1)
    broken = _write(tmp_path / "broken.yml", text)
    with pytest.raises(InputError) as caught:
        get_format("csv", mapping=broken).plan(eu_slice)
    assert caught.value.path == str(broken)
    assert caught.value.reason.startswith("invalid mapping YAML")
    assert caught.value.line is not None
    assert caught.value.line >= 3


def test_mapping_naming_a_column_outside_its_declared_columns_is_refused(tmp_path: Path) -> None:
    declared = TEST_MAPPING.replace(
        '  key_prefix: "test:"',
        '  key_prefix: "test:"\n'
        "  columns: [celex, annex, recordId, schema, name, alias, birthDate, nationality, imoNumber]",
    )
    with pytest.raises(InputError) as caught:
        load_mapping(_write(tmp_path / "declared.yml", declared))
    assert caught.value.reason.startswith("unknown column 'phone'")


def test_unknown_shipped_mapping_lists_the_known_ones() -> None:
    with pytest.raises(AccompliceError) as caught:
        shipped_mapping("uk_hmt_conlist_2099")
    assert "known: cn_countersanctions.yml, eu_journal.yml" in str(caught.value)


def test_every_shipped_mapping_is_valid_without_deprecated_ftm_terms() -> None:
    names = shipped_mappings()
    assert len(names) == 7
    for name in names:
        mapping = load_mapping(shipped_mapping(name))
        assert mapping.notices == (), name
        assert mapping.queries, name


def test_csv_format_takes_a_shipped_mapping_by_its_bare_name(raw_dir: Path) -> None:
    fmt = get_format("csv", mapping=Path("us_bis_mieu"))
    assert fmt.plan(raw_dir / "opensanctions/source_tables/us_bis_mieu.csv").spec.name == "us_bis_mieu"
    with pytest.raises(InputError) as caught:
        get_format("csv", mapping=Path("no_such_mapping.yml"))
    assert caught.value.reason.startswith(
        "no such mapping file, nor a shipped one; shipped: cn_countersanctions.yml"
    )


def test_shared_catalogue_names_only_shipped_mappings() -> None:
    named = {item.mapping for item in services.SHARED_CATALOGUE if item.mapping}
    assert named == {
        "opensanctions_targets_simple.yml",
        "cn_countersanctions.yml",
        "us_dod_1260h.yml",
        "us_state_inksna.yml",
        "us_bis_mieu.yml",
    }
    for name in named:
        assert shipped_mapping(name).is_file()


# -- transforms -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00/00/1980", ["1980"]),  # UK: day and month unknown
        ("00/05/1980", ["1980-05"]),
        ("22/02/1958", ["1958-02-22"]),
        ("13.10.1944", ["1944-10-13"]),  # EU
        ("19.2.1968; 1965 or 1966", ["1968-02-19", "1965", "1966"]),
        ("a) 1964 b) 28.8.1962", ["1964", "1962-08-28"]),
        ("1967-1969.", ["1967", "1969"]),
        ("12 March 2022", ["2022-03-12"]),
        ("29/02/1969", ["29/02/1969"]),  # impossible date: passed on for FtM to reject and report
        ("13.07.20", ["13.07.20"]),  # two-digit year without a century: not read
    ],
)
def test_dates_transform_reads_day_first_dates_of_the_lists(text: str, expected: list[str]) -> None:
    assert TRANSFORMS["dates"].fn([text], {}) == expected


def test_dates_transform_reads_two_digit_years_with_a_century() -> None:
    assert TRANSFORMS["dates"].fn(["13.07.20"], {"century": 2000}) == ["2020-07-13"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1) Saudi Arabia 2) Qatar", ["Saudi Arabia", "Qatar"]),
        ("(1) German (2) Moroccan", ["German", "Moroccan"]),
        ("a) General b)Major General", ["General", "Major General"]),
        ("(1)-(2) Tunisia (3) Libya", ["Tunisia", "Libya"]),
        ("(1) Manzil Tmim (2)-(6) -", ["Manzil Tmim"]),
        (
            "Passport No: 592667 (Qatari passport issued on 3 May 2007).",
            ["Passport No: 592667 (Qatari passport issued on 3 May 2007)."],
        ),
    ],
)
def test_numbered_list_transform_splits_uk_enumerations(text: str, expected: list[str]) -> None:
    assert TRANSFORMS["numbered_list"].fn([text], {}) == expected


def test_split_transform_reads_eu_email_enumerations() -> None:
    text = '"ryonha@silibank.com; sjc117@hotmail.com; and millim@silibank.com"'
    params: dict[str, object] = {"separators": [";", ",", " and "]}
    assert TRANSFORMS["split"].fn([text], params) == [
        "ryonha@silibank.com",
        "sjc117@hotmail.com",
        "millim@silibank.com",
    ]


# -- bad CSV input ------------------------------------------------------------------------------------


def test_unbalanced_quote_names_the_row_that_has_it(
    tmp_path: Path, raw_dir: Path, test_mapping: Path
) -> None:
    lines = _lines(raw_dir, EU_DPRK, 41).splitlines(keepends=True)
    # line 6 of the file: a reason that opens a quote and never closes it
    lines[5] = lines[5].replace("Asset freeze,", 'Asset freeze,"', 1)
    path = _write(tmp_path / "unbalanced.csv", "".join(lines))
    with pytest.raises(InputError) as caught:
        _plan_and_parse("csv", path, test_mapping)
    assert caught.value.path == str(path)
    assert caught.value.line == 6
    assert "malformed CSV" in caught.value.reason


def test_row_with_more_fields_than_the_header_is_refused(
    tmp_path: Path, raw_dir: Path, test_mapping: Path
) -> None:
    lines = _lines(raw_dir, EU_DPRK, 41).splitlines(keepends=True)
    lines[9] = lines[9].rstrip("\r\n") + ",surplus\n"
    path = _write(tmp_path / "surplus.csv", "".join(lines))
    with pytest.raises(InputError) as caught:
        get_format("csv", mapping=test_mapping).parse(get_format("csv", mapping=test_mapping).plan(path))
    assert caught.value.line == 10
    assert "46 fields but the header has 45" in caught.value.reason


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "file is empty"),
        (b"\n\n  \n", "has no header row"),
    ],
)
def test_empty_csv_is_one_line_error(tmp_path: Path, test_mapping: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        get_format("csv", mapping=test_mapping).plan(path)
    assert caught.value.path == str(path)
    assert reason in caught.value.reason


def test_header_only_csv_is_one_line_error(tmp_path: Path, raw_dir: Path, test_mapping: Path) -> None:
    path = _write(tmp_path / "header.csv", _lines(raw_dir, EU_DPRK, 1))
    with pytest.raises(InputError) as caught:
        get_format("eu").plan(path)
    assert (caught.value.line, caught.value.reason) == (1, "has a header but no data rows")


# Names per generated file: a real list in another script has many; a handful of bytes is too little for
# any encoding guess.
NAMES = 30


def _foreign_names(raw_dir: Path, encoding: str) -> list[str]:
    return names_in_script_of(raw_dir, encoding, NAMES)


# Codecs charset_normalizer names for each script (it tells cp1251 from cp1125 or cp949 from EUC-KR only
# by statistics; the error's point is the script, so that the user picks the right encoding).
GUESSES = {
    "cp1251": {"cp1251", "cp1125", "koi8_r", "koi8_u", "cp866", "mac_cyrillic", "iso8859_5"},
    "gb18030": {"gb18030", "gb2312", "gbk", "big5", "hz"},
    "euc-kr": {"euc_kr", "cp949", "johab", "iso2022_kr"},
}


def _eu_file_in(tmp_path: Path, raw_dir: Path, encoding: str) -> Path:
    """ASCII rows of the EU DPRK table; from the 4th row (file line 5) on, names in the foreign script."""
    with (raw_dir / EU_DPRK).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [r for r in reader if all(v.isascii() for v in r.values())][: NAMES + 5]
        fields = list(reader.fieldnames or [])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(rows):
        names = _foreign_names(raw_dir, encoding)
        if 3 <= i < 3 + len(names):
            row = {**row, "name": names[i - 3]}
        writer.writerow(row)
    path = tmp_path / f"eu_{encoding}.csv"
    path.write_bytes(out.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["cp1251", "gb18030", "euc-kr"])
def test_file_in_another_encoding_than_utf8_names_line_and_guesses(
    tmp_path: Path, raw_dir: Path, encoding: str
) -> None:
    path = _eu_file_in(tmp_path, raw_dir, encoding)
    with pytest.raises(InputError) as caught:
        get_format("eu").plan(path)
    assert caught.value.path == str(path)
    assert caught.value.line == 5
    assert caught.value.reason.startswith("not valid utf-8 text")
    guess = caught.value.reason.rpartition("it looks like ")[2]
    assert guess in GUESSES[encoding]


@pytest.mark.parametrize("encoding", ["cp1251", "gb18030", "euc-kr"])
def test_uk_list_in_an_asian_or_cyrillic_encoding_is_not_read_as_cp1252_mojibake(
    tmp_path: Path, raw_dir: Path, encoding: str
) -> None:
    lines = (raw_dir / UK_2018).read_bytes().split(b"\n")[:40]
    # from the 6th row on, the surname (Name 6, the first column) is a real name in that script
    for offset, name in enumerate(_foreign_names(raw_dir, encoding)):
        row = lines[7 + offset]
        lines[7 + offset] = name.encode(encoding) + row[row.index(b",") :]
    path = tmp_path / f"uk_{encoding}.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(InputError) as caught:
        get_format("uk").plan(path)
    assert caught.value.line == 8
    assert "read as cp1252 it gives" in caught.value.reason or "iso8859-1" in caught.value.reason
    assert caught.value.reason.rpartition("it looks like ")[2] in GUESSES[encoding]


def test_file_whose_rows_name_two_lists_is_refused(tmp_path: Path, raw_dir: Path) -> None:
    dprk = _lines(raw_dir, EU_DPRK, 11)
    russia = _lines(raw_dir, EU_RUSSIA, 6).split("\n", 1)[1]
    path = _write(tmp_path / "two_lists.csv", dprk + russia)
    fmt = get_format("eu")
    plan = fmt.plan(path)
    assert plan.spec.name == "eu_prk"
    with pytest.raises(InputError) as caught:
        fmt.parse(plan)
    assert caught.value.line == 12
    assert "rows name several lists in programKey (EU-PRK, EU-RUS)" in caught.value.reason
    # with --list the user says which list the file is
    assert len(get_format("eu").parse(fmt.plan(path, list_name="eu_mixed")).records) == 15


@BACKENDS
def test_failed_csv_load_leaves_the_previous_version_exactly_as_it_was(
    store: Store, tmp_path: Path, raw_dir: Path, eu_slice: Path, test_mapping: Path
) -> None:
    first = services.load_list(store, "csv", eu_slice, mapping=test_mapping)
    assert first.version.seq == 1
    before = (store.versions("test_dprk"), store.snapshot("test_dprk", 1))
    bad = [
        _eu_file_in(tmp_path, raw_dir, "gb18030"),
        _write(tmp_path / "header_only.csv", _lines(raw_dir, EU_DPRK, 1)),
        _write(tmp_path / "unbalanced.csv", _lines(raw_dir, EU_DPRK, 41).replace("Asset freeze,", 'x,"', 1)),
    ]
    for path in bad:
        with pytest.raises(InputError):
            services.load_list(store, "csv", path, list_name="test_dprk", mapping=test_mapping)
    assert (store.versions("test_dprk"), store.snapshot("test_dprk", 1)) == before


# -- fuzzing ------------------------------------------------------------------------------------------

# Byte mutations: (position as a fraction of the file, replacement bytes). Replacements favour the bytes
# that matter to a CSV reader and to decoders: quotes, delimiters, line breaks, NUL, lone UTF-8 lead bytes.
_MUTATION = st.tuples(
    st.floats(min_value=0, max_value=1, exclude_max=True),
    st.one_of(
        st.sampled_from([b'"', b",", b"\n", b"\r", b"\x00", b"\xc3", b"\xff", b"", b'""', b"\xe2\x80"]),
        st.binary(min_size=1, max_size=4),
    ),
)


def _mutate(data: bytes, mutations: list[tuple[float, bytes]]) -> bytes:
    for where, replacement in mutations:
        at = int(where * len(data))
        data = data[:at] + replacement + data[at + 1 :]
    return data


@pytest.mark.parametrize(("fmt_name", "source", "lines"), [("eu", EU_DPRK, 25), ("uk", UK_2018, 25)])
def test_mutated_real_csv_loads_or_fails_with_input_error_only(
    tmp_path: Path, raw_dir: Path, fmt_name: str, source: str, lines: int
) -> None:
    seed = b"\n".join((raw_dir / source).read_bytes().split(b"\n")[:lines]) + b"\n"
    path = tmp_path / "mutated.csv"
    fmt = get_format(fmt_name)
    path.write_bytes(seed)
    fmt.parse(fmt.plan(path))  # the unmutated slice loads
    # FtM builds its country-name tables on the first lookup of a name (seconds): not within a deadline.
    registry.country.clean("North Korea")

    @settings(
        max_examples=150,
        deadline=1000,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(_MUTATION, min_size=1, max_size=6))
    def check(mutations: list[tuple[float, bytes]]) -> None:
        path.write_bytes(_mutate(seed, mutations))
        message = ""
        try:
            fmt.parse(fmt.plan(path))
        except InputError as exc:  # the only error allowed: a one-line message for the user
            message = str(exc)
        assert "\n" not in message

    check()
