"""The UN Security Council consolidated list loader, on the real 2026-02-27 file and on hostile copies."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accomplice import services
from accomplice.errors import InputError
from accomplice.lists.model import EntityRecord
from accomplice.sources import Parsed, get_format
from accomplice.sources.files import guess_encoding
from accomplice.store import Store
from tests.helpers import BACKENDS

UN_FILE = "un/un_consolidated_2026-02-27.xml"
OFAC_SDN = "ofac/2024-05-03/sdn.csv"


def _parse(path: Path) -> Parsed:
    fmt = get_format("un")
    return fmt.parse(fmt.plan(path))


def _values(record: EntityRecord, prop: str) -> list[str]:
    return [v.value for v in record.values if v.prop == prop]


@pytest.fixture(scope="module")
def un_path(raw_dir: Path) -> Path:
    path = raw_dir / UN_FILE
    if not path.is_file():
        pytest.fail(f"the real UN list is missing at {path}")
    return path


@pytest.fixture(scope="module")
def parsed(un_path: Path) -> Parsed:
    return _parse(un_path)


@pytest.fixture(scope="module")
def records(parsed: Parsed) -> dict[str, EntityRecord]:
    return {r.key: r for r in parsed.records}


# -- the real file ------------------------------------------------------------------------------------


def test_real_file_gives_730_people_and_273_organisations(parsed: Parsed) -> None:
    assert Counter(r.schema for r in parsed.records) == {"Person": 730, "Organization": 273}
    assert parsed.data_date == "2026-02-27"
    assert parsed.warnings == []


def test_dprk_entries_are_80_kpi_people_and_75_kpe_organisations(records: dict[str, EntityRecord]) -> None:
    dprk = [r for r in records.values() if "DPRK" in _values(r, "programId")]
    assert Counter(r.schema for r in dprk) == {"Person": 80, "Organization": 75}
    assert {r.key for r in dprk if r.schema == "Person"} == {f"un:KPi.{n:03d}" for n in range(1, 81)}
    assert {r.key for r in dprk if r.schema == "Organization"} == {f"un:KPe.{n:03d}" for n in range(1, 76)}


def test_dprk_person_kim_jong_sik_keeps_korean_name_order_and_between_dob(
    records: dict[str, EntityRecord],
) -> None:
    kim = records["un:KPi.066"]
    assert kim.schema == "Person"
    assert kim.caption == "KIM JONG SIK"
    # The file writes the family name first (FIRST_NAME KIM, SECOND_NAME JONG SIK) and no original script.
    assert _values(kim, "name") == ["KIM JONG SIK"]
    assert _values(kim, "lastName") == ["KIM"]
    assert _values(kim, "firstName") == ["JONG SIK"]
    assert _values(kim, "alias") == ["Kim Cho’ng-sik"]  # QUALITY Good
    assert _values(kim, "weakAlias") == []
    # TYPE_OF_DATE BETWEEN, FROM_YEAR 1967, TO_YEAR 1969
    assert _values(kim, "birthDate") == ["1967", "1968", "1969"]
    assert "Date of birth: between 1967 and 1969" in _values(kim, "notes")
    assert _values(kim, "nationality") == ["kp"]
    assert _values(kim, "passportNumber") == []  # KPi.066 has an empty INDIVIDUAL_DOCUMENT
    assert _values(kim, "gender") == ["male"]  # from COMMENTS1 "Gender: male"; GENDER is absent
    assert _values(kim, "programId") == ["DPRK"]
    assert _values(kim, "createdAt") == ["2017-12-22"]
    assert any("Munitions Industry Department" in p for p in _values(kim, "position"))


def test_dprk_person_paek_chang_ho_has_one_passport_listed_under_three_labels(
    records: dict[str, EntityRecord],
) -> None:
    paek = records["un:KPi.006"]
    assert _values(paek, "lastName") == ["PAEK"]
    assert _values(paek, "alias") == ["Pak Chang-Ho", "Paek Ch'ang-Ho"]
    assert _values(paek, "birthDate") == ["1964-06-18"]
    assert _values(paek, "birthPlace") == ["Kaesong, Democratic People's Republic of Korea"]
    assert _values(paek, "birthCountry") == ["kp"]
    # Listed as "Numéro de passeport", "Número de pasaporte" and "Passport": one number, one document.
    assert _values(paek, "passportNumber") == ["381420754"]
    assert "Passport 381420754; issued on 2011-12-07; Expires on 7 Dec. 2016" in _values(paek, "notes")


def test_dprk_passport_keeps_issuing_country_and_number_as_written(records: dict[str, EntityRecord]) -> None:
    jang = records["un:KPi.017"]
    assert _values(jang, "passportNumber") == ["563110024"]
    assert "Passport 563110024; issued by Democratic People's Republic of Korea" in _values(jang, "notes")
    kang = records["un:KPi.019"]
    assert _values(kang, "passportNumber") == ["PS 472330208"]


def test_low_quality_alias_is_a_weak_alias(records: dict[str, EntityRecord]) -> None:
    choe = records["un:KPi.064"]
    assert _values(choe, "name") == ["CH'OE SO’K MIN"]
    assert _values(choe, "weakAlias") == ["Choe Sok Min"]
    assert _values(choe, "alias") == []
    assert _values(choe, "gender") == ["male"]


def test_chinese_form_in_alias_brackets_becomes_its_own_alias(records: dict[str, EntityRecord]) -> None:
    kim = records["un:KPi.035"]  # ALIAS_NAME "Jin Tiesan (金铁三)"
    assert _values(kim, "alias") == ["Jin Tiesan", "金铁三"]


def test_dprk_entity_ryonbong_has_aka_alias_fka_previous_name_and_pyongyang_addresses(
    records: dict[str, EntityRecord],
) -> None:
    ryonbong = records["un:KPe.002"]
    assert ryonbong.schema == "Organization"
    assert _values(ryonbong, "name") == ["KOREA RYONBONG GENERAL CORPORATION"]
    assert _values(ryonbong, "alias") == ["KOREA YONBONG GENERAL CORPORATION"]
    assert _values(ryonbong, "previousName") == ["LYONGAKSAN GENERAL TRADING CORPORATION"]
    assert _values(ryonbong, "address") == [
        "Pot’onggang District, Pyongyang, Democratic People's Republic of Korea",
        "Rakwon-dong, Pothonggang District, Pyongyang, Democratic People's Republic of Korea",
    ]
    assert _values(ryonbong, "country") == ["kp"]
    assert _values(ryonbong, "createdAt") == ["2009-04-24"]


def test_dprk_entity_keeps_chinese_alias_exactly(records: dict[str, EntityRecord]) -> None:
    huaxin = records["un:KPe.059"]
    assert _values(huaxin, "name") == ["HUAXIN SHIPPING HONGKONG LTD"]
    assert _values(huaxin, "alias") == ["華信船務(香港)有限公司"]
    assert _values(huaxin, "country") == ["cn"]


def test_shipping_company_gets_the_company_imo_number_from_its_comments(
    records: dict[str, EntityRecord],
) -> None:
    assert _values(records["un:KPe.066"], "imoNumber") == ["IMO5434358"]  # "Company Number IMO 5434358"
    with_imo = [r.key for r in records.values() if _values(r, "imoNumber")]
    assert len(with_imo) == 16
    assert all(key.startswith("un:KPe.") for key in with_imo)


def test_cyrillic_original_script_name_is_kept_exactly(records: dict[str, EntityRecord]) -> None:
    umarov = records["un:QDi.290"]
    assert _values(umarov, "name") == ["DOKU KHAMATOVICH UMAROV", "Умаров Доку Хаматович"]
    assert _values(umarov, "firstName") == ["DOKU"]
    assert _values(umarov, "lastName") == []  # outside the DPRK list no part is called the family name


def test_note_dates_and_between_years_become_iso_prefixes(records: dict[str, EntityRecord]) -> None:
    kony = records["un:CFi.009"]  # EXACT with NOTE "August 1961", "July 1961", "April 1963"
    assert {"1961-08", "1961-07", "1963-04"} <= set(_values(kony, "birthDate"))
    akhund = records["un:TAi.002"]  # BETWEEN 1955-1958 and 1945-1950, each noted "Approximately"
    assert _values(akhund, "birthDate") == [str(y) for y in (*range(1955, 1959), *range(1945, 1951))]
    assert "Date of birth: between 1955 and 1958; Approximately" in _values(akhund, "notes")


def test_alias_previously_listed_as_is_a_previous_name(records: dict[str, EntityRecord]) -> None:
    # QUALITY Low with NOTE "formerly listed as"
    assert "Saiyid Abd al-Man" in _values(records["un:QDi.018"], "previousName")


def test_original_script_in_alias_note_is_an_alias_of_the_same_quality(
    records: dict[str, EntityRecord],
) -> None:
    # QUALITY Low, ALIAS_NAME "Abu Banat", NOTE "original script: Абу Банат"
    weak = _values(records["un:QDi.363"], "weakAlias")
    assert {"Abu Banat", "Абу Банат", "Abu al Banat", "Абу аль Банат"} <= set(weak)


def test_address_note_stays_with_its_address(records: dict[str, EntityRecord]) -> None:
    # INDIVIDUAL_ADDRESS: COUNTRY Rwanda, NOTE "as of early 2016"
    assert _values(records["un:CDi.001"], "address") == ["Rwanda (as of early 2016)"]
    assert _values(records["un:CDi.001"], "country") == ["rw"]


# -- the store --------------------------------------------------------------------------------------


@BACKENDS
def test_loading_un_list_gives_version_one_and_reimport_is_a_no_op(store: Store, un_path: Path) -> None:
    report = services.load_list(store, "un", un_path)
    assert not report.unchanged
    assert report.version.seq == 1
    assert report.version.data_date == "2026-02-27"
    assert report.version.label == "2026-02-27"
    assert report.version.counts["schema:Person"] == 730
    assert report.version.counts["schema:Organization"] == 273
    detail = services.entity_detail(store, "un:KPi.066")
    assert detail.values("alias") == ["Kim Cho’ng-sik"]
    assert detail.values("nationality") == ["kp"]
    again = services.load_list(store, "un", un_path)
    assert again.unchanged
    assert [v.seq for v in store.versions("un")] == [1]


# -- hostile and broken input -----------------------------------------------------------------------

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
TINY_LIST = (
    '<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:00Z"><INDIVIDUALS><INDIVIDUAL>'
    "<FIRST_NAME>{name}</FIRST_NAME><UN_LIST_TYPE>DPRK</UN_LIST_TYPE>"
    "<REFERENCE_NUMBER>KPi.999</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>\n"
)
XXE = (
    DECLARATION
    + '<!DOCTYPE CONSOLIDATED_LIST [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
    + TINY_LIST.format(name="&xxe;")
)


def _laughs() -> str:
    """The classic entity-expansion bomb: &lol9; would expand to 10**9 "lol"s."""
    entities = ['  <!ENTITY lol0 "lol">\n']
    for i in range(1, 10):
        entities.append(f'  <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n')
    return (
        DECLARATION
        + "<!DOCTYPE CONSOLIDATED_LIST [\n"
        + "".join(entities)
        + "]>\n"
        + TINY_LIST.format(name="&lol9;")
    )


BILLION_LAUGHS = _laughs()
EXTERNAL_DTD = (
    DECLARATION
    + '<!DOCTYPE CONSOLIDATED_LIST SYSTEM "http://127.0.0.1:9/consolidated.dtd">\n'
    + TINY_LIST.format(name="KIM")
)
WRONG_ROOT = DECLARATION + '<sdnList xmlns="https://sanctionslistservice.ofac.treas.gov">\n</sdnList>\n'


def _truncated_real_file(tmp: Path, raw_dir: Path) -> tuple[Path, int]:
    data = (raw_dir / UN_FILE).read_bytes()
    cut = data.index("<ALIAS_NAME>Kim Cho’ng".encode()) + len(b"<ALIAS_NAME>Kim")  # mid-element
    path = tmp / "un_truncated.xml"
    path.write_bytes(data[:cut])
    return path, data[:cut].count(b"\n") + 1


def _latin1_file(tmp: Path, raw_dir: Path) -> tuple[Path, int]:
    text = DECLARATION + TINY_LIST.format(name="José")
    path = tmp / "un_latin1.xml"
    path.write_bytes(text.encode("latin-1"))
    return path, 2


def _written(name: str, text: str, line: int | None) -> Callable[[Path, Path], tuple[Path, int | None]]:
    def make(tmp: Path, raw_dir: Path) -> tuple[Path, int | None]:
        path = tmp / name
        path.write_text(text, encoding="utf-8")
        return path, line

    return make


def _ofac_csv(tmp: Path, raw_dir: Path) -> tuple[Path, int | None]:
    return raw_dir / OFAC_SDN, 1


# name -> (make the file, words the message must hold); each maker returns the path and the line expected.
BAD_INPUTS: dict[str, tuple[Callable[[Path, Path], tuple[Path, int | None]], str]] = {
    "xxe_external_entity": (_written("un_xxe.xml", XXE, 2), "DOCTYPE"),
    "billion_laughs": (_written("un_laughs.xml", BILLION_LAUGHS, 2), "entity expansion"),
    "external_dtd": (_written("un_dtd.xml", EXTERNAL_DTD, 2), "DOCTYPE"),
    "truncated_real_file": (_truncated_real_file, "truncated"),
    "wrong_root_element": (_written("un_root.xml", WRONG_ROOT, 2), "root element is <sdnList>"),
    "empty_file": (_written("un_empty.xml", "", None), "empty"),
    "latin1_bad_byte": (_latin1_file, "not valid utf-8"),
    "latin1_declared": (
        _written(
            "un_declared.xml", DECLARATION.replace("UTF-8", "ISO-8859-1") + TINY_LIST.format(name="KIM"), 1
        ),
        "declares encoding ISO-8859-1",
    ),
    "ofac_sdn_csv": (_ofac_csv, "not XML"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_error_naming_file_and_line(
    case: str, tmp_path: Path, raw_dir: Path
) -> None:
    make, words = BAD_INPUTS[case]
    path, line = make(tmp_path, raw_dir)
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        _parse(path)
    error = caught.value
    message = str(error)
    assert time.perf_counter() - started < 5  # nothing was expanded or fetched
    assert error.path == str(path)
    assert error.line == line
    assert message.startswith(f"{path}:{line}: " if line else f"{path}: ")
    assert words in message
    assert "\n" not in message
    assert "root:x:" not in message  # /etc/passwd was not read into anything


@BACKENDS
def test_refused_files_leave_the_stored_un_version_exactly_as_it_was(
    store: Store, un_path: Path, raw_dir: Path, tmp_path: Path
) -> None:
    services.load_list(store, "un", un_path)
    before = store.snapshot("un", 1)
    for case in sorted(BAD_INPUTS):
        make, _ = BAD_INPUTS[case]
        path, _ = make(tmp_path, raw_dir)
        with pytest.raises(InputError):
            services.load_list(store, "un", path)
        assert [v.seq for v in store.versions("un")] == [1], case
        assert store.snapshot("un", 1) == before, case


# -- unknown elements and fuzzing -------------------------------------------------------------------


def _block(data: bytes, tag: bytes, ref: bytes) -> bytes:
    """The whole <INDIVIDUAL> or <ENTITY> element holding REFERENCE_NUMBER `ref`."""
    end = data.index(b"</" + tag + b">", data.index(b"<REFERENCE_NUMBER>" + ref + b"<")) + len(tag) + 3
    start = data.rindex(b"<" + tag + b">", 0, end)
    return data[start:end]


@pytest.fixture(scope="module")
def small_slice(un_path: Path) -> bytes:
    """A valid slice of the real file: the root with two DPRK individuals and one DPRK entity."""
    data = un_path.read_bytes()
    header = data[: data.index(b"<INDIVIDUALS>")]
    people = b"\n".join(_block(data, b"INDIVIDUAL", ref) for ref in (b"KPi.066", b"KPi.006"))
    entity = _block(data, b"ENTITY", b"KPe.059")
    return (
        header
        + b"<INDIVIDUALS>\n"
        + people
        + b"\n</INDIVIDUALS>\n<ENTITIES>\n"
        + entity
        + b"\n</ENTITIES>\n</CONSOLIDATED_LIST>\n"
    )


def test_small_slice_of_real_file_parses(small_slice: bytes, tmp_path: Path) -> None:
    path = tmp_path / "un_slice.xml"
    path.write_bytes(small_slice)
    parsed = _parse(path)
    assert [r.key for r in parsed.records] == ["un:KPi.066", "un:KPi.006", "un:KPe.059"]
    assert parsed.data_date == "2026-02-27"


def test_unknown_element_is_kept_in_notes_and_named_in_warnings(small_slice: bytes, tmp_path: Path) -> None:
    marker = b"<LISTED_ON>2017-12-22</LISTED_ON>"
    assert marker in small_slice
    path = tmp_path / "un_unknown.xml"
    path.write_bytes(
        small_slice.replace(marker, marker + b"<SUBMITTED_BY><VALUE>France</VALUE></SUBMITTED_BY>")
    )
    parsed = _parse(path)
    kim = next(r for r in parsed.records if r.key == "un:KPi.066")
    assert "SUBMITTED_BY/VALUE: France" in _values(kim, "notes")
    assert len(parsed.warnings) == 1
    assert "<SUBMITTED_BY> is not mapped" in parsed.warnings[0]
    assert "KPi.066" in parsed.warnings[0]


# Bytes that break XML structure or UTF-8 in interesting ways, besides uniformly random ones.
NASTY_BYTES = st.sampled_from([*b"<>&;\"'/!?[]=\x00\x1a\xff\xc3\xe9\x80\xe2\n "])
# Byte edits break the structure; "retext" keeps the XML well formed and replaces one element's text
# with arbitrary text (dates like "19x8", endless reference numbers, other scripts) to reach the mapping.
# Hypothesis favours small numbers; multiplying a drawn position by a prime spreads the edits over the
# whole slice instead of piling them up at its first bytes.
SPREAD = 7919
POSITION = st.integers(min_value=0, max_value=2**20)
BYTE_EDIT = st.tuples(
    st.sampled_from(["replace", "insert", "delete", "truncate"]),
    POSITION,
    st.one_of(NASTY_BYTES, st.integers(min_value=0, max_value=255)),
)
TEXT_EDIT = st.tuples(st.just("retext"), POSITION, st.text(max_size=80))
ELEMENT_TEXT = re.compile(rb">([^<>]*)</")


def _mutate(data: bytes, edits: list[tuple[str, int, int | str]]) -> bytes:
    out = bytearray(data)
    for op, where, arg in edits:
        pos = (where * SPREAD) % max(len(out), 1)
        if op == "retext" and isinstance(arg, str):
            spans = list(ELEMENT_TEXT.finditer(out))
            if spans:
                span = spans[(where * SPREAD) % len(spans)]
                text = xml_escape(arg.replace("\r", "")).encode("utf-8", "surrogatepass")
                out[span.start(1) : span.end(1)] = text
        elif isinstance(arg, int):
            if op == "replace" and out:
                out[pos] = arg
            elif op == "insert":
                out.insert(pos, arg)
            elif op == "delete" and out:
                del out[pos]
            elif op == "truncate":
                del out[pos:]
    return bytes(out)


def _load_or_refuse(path: Path) -> None:
    """The property both fuzz tests check: the loader succeeds or raises InputError, nothing else."""
    outcome: Parsed | InputError
    try:
        outcome = _parse(path)
    except InputError as exc:
        outcome = exc
    if isinstance(outcome, InputError):
        event(f"refused: {' '.join(outcome.reason.split()[:3])}")
        assert outcome.path == str(path)
        assert "\n" not in str(outcome)
    else:
        event(f"loaded {len(outcome.records)} entries")
        assert all(r.key.startswith("un:") for r in outcome.records)


@pytest.fixture(scope="module")
def warm_loader(small_slice: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Pay the one-off costs before Hypothesis times examples: the first fuzzy country lookup loads FtM's
    country tables and the first non-UTF-8 file loads charset_normalizer, a second or two each."""
    path = tmp_path_factory.mktemp("warm") / "un_slice.xml"
    path.write_bytes(small_slice)
    assert len(_parse(path).records) == 3
    assert guess_encoding("Jos\u00e9 caf\u00e9".encode("latin-1")) is not None


FUZZ_SETTINGS = settings(
    max_examples=150,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@FUZZ_SETTINGS
@given(edits=st.lists(BYTE_EDIT, min_size=1, max_size=6))
def test_byte_mutated_slice_either_loads_or_gives_input_error(
    small_slice: bytes, warm_loader: None, tmp_path: Path, edits: list[tuple[str, int, int | str]]
) -> None:
    path = tmp_path / "un_fuzz_bytes.xml"
    path.write_bytes(_mutate(small_slice, edits))
    _load_or_refuse(path)


@FUZZ_SETTINGS
@given(edits=st.lists(TEXT_EDIT, min_size=1, max_size=6))
def test_slice_with_arbitrary_element_text_either_loads_or_gives_input_error(
    small_slice: bytes, warm_loader: None, tmp_path: Path, edits: list[tuple[str, int, int | str]]
) -> None:
    path = tmp_path / "un_fuzz_text.xml"
    path.write_bytes(_mutate(small_slice, edits))
    _load_or_refuse(path)


# -- the command line -------------------------------------------------------------------------------


def _accomplice_script() -> str:
    script = shutil.which("accomplice", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.fail(
            f"the accomplice console script is not installed beside {sys.executable}; run `make venv`"
        )
    return script


def test_cli_loads_un_list_and_refuses_hostile_file_with_one_line(
    un_path: Path, tmp_path: Path, raw_dir: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    script = _accomplice_script()
    ok = subprocess.run(
        [script, "--db", db, "load", "--no-index", "un", str(un_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert re.search(r"^un: version 1 \(2026-02-27\) — 1,003 entities", ok.stdout, re.MULTILINE), ok.stdout

    hostile, _ = BAD_INPUTS["xxe_external_entity"][0](tmp_path, raw_dir)
    refused = subprocess.run(
        [script, "--db", db, "load", "un", str(hostile)], capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith(f"error: {hostile}:2: refused")
    assert "Traceback" not in refused.stderr
    assert refused.stdout == ""
