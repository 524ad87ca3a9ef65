"""Screening input in other encodings than UTF-8, written here with the real codecs and real names: a file
that does not declare its encoding (UTF-8, UTF-16 with a byte-order mark) is refused with one line naming
the file, the line and the encoding it looks like, never read as mojibake that matches nothing; named with
`--encoding` (or an upload's `encoding` field) it is screened like its UTF-8 copy."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from accomplice.api import create_app
from accomplice.batch.inputs import read_bytes
from accomplice.cli.app import app, state
from accomplice.errors import InputError
from accomplice.services.auth import add_user, issue_token, operator_principal
from accomplice.store import Store
from tests.helpers import names_in_script_of

# Listed names in the script each encoding is for, with the OFAC entity screening finds for each (see
# DONE_WHEN in test_screening.py), and a Western name with accents for latin-1.
LISTED = {
    "cp1251": [("Ким Чен Ын", "ofac:20157"), ("ООО Гудзон", "ofac:24451")],
    "gb18030": [("金正恩", "ofac:20157"), ("丹东鸿祥实业发展有限公司", "ofac:20564")],
    "euc-kr": [("김정은", "ofac:20157"), ("지성 6호", "ofac:23738")],
    "latin-1": [("Kim Jong Un", "ofac:20157"), ("Gonçalves Simões Conceição", None)],
}
# Codecs the guess may name for each script: it tells cp1251 from koi8-r, or cp949 from EUC-KR (a superset
# that reads EUC-KR files right), only by statistics; what matters is that the user is pointed at the script.
GUESSES = {
    "cp1251": {"cp1251", "cp1125", "koi8_r", "koi8_u", "cp866", "mac_cyrillic", "iso8859_5"},
    "gb18030": {"gb18030", "gb2312", "gbk"},
    "euc-kr": {"euc_kr", "cp949", "johab"},
    "latin-1": {"cp1252"},
}
# Real names per refused file: the many names of a real file in another script, enough for a sure guess.
NAMES = 12
JOB_SECONDS = 300


def _real_names(raw_dir: Path, encoding: str) -> list[str]:
    return names_in_script_of(raw_dir, encoding, NAMES)


def _csv(rows: list[tuple[str, str]]) -> str:
    return "id,name\n" + "".join(f"{i},{name}\n" for i, name in rows)


def _listed_csv(encoding: str) -> str:
    return _csv([(str(i), name) for i, (name, _) in enumerate(LISTED[encoding], start=1)])


@pytest.fixture
def cli_db(screening_store: Store) -> Iterator[str]:
    """The DPRK-lists store's URL for the CLI, which opens (and here closes) its own connection to it."""
    state.store = None
    yield screening_store.engine.url.render_as_string(hide_password=False)
    if state.store is not None:
        state.store.close()
    state.store = None


def _screen(db: str, *args: str) -> tuple[int, str, BaseException | None]:
    state.store = None
    result = CliRunner().invoke(app, ["--db", db, "screen", *args, "--workers", "1"])
    return result.exit_code, result.output, result.exception


def _best_keys(output: Path) -> list[str | None]:
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    return [line["matches"][0]["key"] if line["matches"] else None for line in lines]


# -- refused without an encoding, with the file, the line and the encoding named -------------------------


@pytest.mark.parametrize("encoding", ["cp1251", "gb18030", "euc-kr", "latin-1"])
def test_file_in_another_encoding_is_refused_naming_file_line_and_encoding(
    raw_dir: Path, tmp_path: Path, encoding: str
) -> None:
    names = _real_names(raw_dir, encoding)
    assert len(names) == NAMES
    # Two ASCII rows first: the first byte that is not UTF-8 is on line 4.
    rows = [("a1", "Kim Jong Un"), ("a2", "Korea Kwangson Banking Corp"), *enumerate(names)]
    data = _csv([(str(i), n) for i, n in rows]).encode(encoding)
    with pytest.raises(InputError) as caught:
        list(read_bytes(f"names-{encoding}.csv", data))
    error = caught.value
    assert (error.path, error.line) == (f"names-{encoding}.csv", 4)
    assert error.reason.startswith("not UTF-8 text (byte 0x")
    guess = re.search(r"it looks like ([\w-]+)", error.reason)
    assert guess is not None, error.reason
    assert guess.group(1) in GUESSES[encoding], error.reason
    assert f"--encoding {guess.group(1)}" in error.reason
    # Named, the same bytes read as the names they are.
    assert [row["name"] for _, row in read_bytes("x.csv", data, encoding=encoding)][2:] == names


@pytest.mark.parametrize("encoding", ["cp1251", "gb18030", "euc-kr", "latin-1"])
def test_cli_refuses_a_file_in_another_encoding_in_one_line_without_traceback(
    cli_db: str, tmp_path: Path, encoding: str
) -> None:
    source = tmp_path / f"suppliers-{encoding}.csv"
    source.write_bytes(_listed_csv(encoding).encode(encoding))
    output = tmp_path / "hits.jsonl"
    code, printed, exception = _screen(cli_db, str(source), "--output", str(output))
    assert code != 0
    assert isinstance(exception, InputError)
    message = str(exception)
    assert "\n" not in message
    line = 3 if encoding == "latin-1" else 2  # the first row of latin-1 is ASCII
    assert message.startswith(f"{source}:{line}: not UTF-8 text (byte 0x"), message
    assert "--encoding " in message
    assert "Traceback" not in printed
    assert not output.exists(), "nothing is written from a refused file"


def test_one_short_cyrillic_name_is_refused_too_and_the_guess_says_it_is_unsure(cli_db: str) -> None:
    # "Ли Ен" (Korean names in Russian spelling are short): four letters are too few for a sure guess,
    # but the file is refused all the same; read as cp1252 it would be "Ëè Åí" and match nothing.
    with pytest.raises(InputError) as caught:
        list(read_bytes("one.csv", "id,name\n1,Ли Ен\n".encode("cp1251")))
    assert caught.value.line == 2
    assert "(few letters)" in caught.value.reason or "it looks like cp1251" in caught.value.reason


# -- screened when the encoding is named, or declared by a byte-order mark -------------------------------


@pytest.mark.parametrize("encoding", ["cp1251", "gb18030", "euc-kr", "latin-1"])
def test_cli_screens_a_file_in_the_named_encoding(cli_db: str, tmp_path: Path, encoding: str) -> None:
    source = tmp_path / f"named-{encoding}.csv"
    source.write_bytes(_listed_csv(encoding).encode(encoding))
    output = tmp_path / "hits.jsonl"
    code, printed, exception = _screen(cli_db, str(source), "--output", str(output), "--encoding", encoding)
    assert code == 0, (printed, exception)
    assert _best_keys(output) == [key for _, key in LISTED[encoding]]


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-be"])
def test_utf8_with_bom_and_utf16_with_bom_are_screened_without_naming_them(
    cli_db: str, tmp_path: Path, codec: str
) -> None:
    rows = LISTED["cp1251"] + LISTED["gb18030"] + LISTED["euc-kr"]
    data = _csv([(str(i), n) for i, (n, _) in enumerate(rows, start=1)]).encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff") or data.startswith(b"\xef\xbb\xbf")
    source = tmp_path / f"{codec}.csv"
    source.write_bytes(data)
    output = tmp_path / "hits.jsonl"
    code, printed, exception = _screen(cli_db, str(source), "--output", str(output))
    assert code == 0, (printed, exception)
    assert _best_keys(output) == [key for _, key in rows]


def test_utf16_without_bom_is_refused_until_named(cli_db: str, tmp_path: Path) -> None:
    source = tmp_path / "unicode-text.csv"
    source.write_bytes(_listed_csv("euc-kr").encode("utf-16-le"))
    code, _, exception = _screen(cli_db, str(source))
    assert code != 0
    assert str(exception).startswith(f"{source}:1: contains NUL bytes; is it UTF-16 without a byte-order")
    output = tmp_path / "hits.jsonl"
    code, printed, exception = _screen(cli_db, str(source), "-o", str(output), "--encoding", "utf-16-le")
    assert code == 0, (printed, exception)
    assert _best_keys(output) == [key for _, key in LISTED["euc-kr"]]


def test_named_encoding_that_the_bytes_contradict_is_refused(tmp_path: Path) -> None:
    data = _listed_csv("gb18030").encode("utf-16")
    with pytest.raises(InputError, match="starts with a UTF-16 byte-order mark, so it is not cp1251 text"):
        list(read_bytes("x.csv", data, encoding="cp1251"))
    with pytest.raises(InputError) as caught:
        list(read_bytes("x.csv", ("id,name\n1,Kim\n2," + "金正恩\n").encode("gb18030"), encoding="utf-8"))
    assert (caught.value.line, caught.value.reason) == (3, "not valid utf-8 text (byte 0xbd)")
    with pytest.raises(InputError, match="unknown text encoding 'cp9999'"):
        list(read_bytes("x.csv", b"id,name\n1,Kim\n", encoding="cp9999"))
    with pytest.raises(InputError, match="unknown text encoding 'base64'"):
        list(read_bytes("x.csv", b"id,name\n1,Kim\n", encoding="base64"))


# -- through the batch-job API ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(jobs_store: Store) -> Iterator[tuple[TestClient, dict[str, str]]]:
    operator = operator_principal("test")
    add_user(jobs_store, operator, name="enc-ana", roles=["analyst"], org="enc")
    headers = {"Authorization": f"Bearer {issue_token(jobs_store, operator, user='enc-ana').secret}"}
    with TestClient(create_app(jobs_store)) as client:
        yield client, headers


def test_job_upload_in_another_encoding_is_refused_with_422_and_nothing_queued(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = api
    before = len(client.get("/api/jobs", headers=headers).json())
    data = _listed_csv("cp1251").encode("cp1251")
    response = client.post("/api/jobs", headers=headers, files={"file": ("ru.csv", data, "text/csv")})
    assert response.status_code == 422, response.text
    message = response.json()["detail"][0]["msg"]
    assert message.startswith("ru.csv:2: not UTF-8 text (byte 0x"), message
    assert "Traceback" not in response.text
    upload = {"file": ("ru.csv", data, "text/csv")}
    bogus = client.post("/api/jobs", headers=headers, files=upload, data={"encoding": "klingon"})
    assert bogus.status_code == 422
    assert bogus.json()["detail"][0]["msg"].startswith("ru.csv: unknown text encoding 'klingon'")
    assert len(client.get("/api/jobs", headers=headers).json()) == before


@pytest.mark.parametrize("encoding", ["cp1251", "euc-kr"])
def test_job_with_a_named_encoding_is_screened_by_the_worker(
    api: tuple[TestClient, dict[str, str]], encoding: str
) -> None:
    client, headers = api
    data = _listed_csv(encoding).encode(encoding)
    created = client.post(
        "/api/jobs",
        headers=headers,
        files={"file": (f"{encoding}.csv", data, "text/csv")},
        data={"encoding": encoding.upper()},
    )
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["encoding"] == encoding.replace("-", "_")  # Python's canonical codec name
    deadline = time.monotonic() + JOB_SECONDS
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
        job = client.get(f"/api/jobs/{job['id']}", headers=headers).json()
    assert job["state"] == "done", job
    lines = client.get(f"/api/jobs/{job['id']}/results", headers=headers).text.splitlines()
    best = [json.loads(line)["matches"][0]["key"] for line in lines]
    assert best == [key for _, key in LISTED[encoding]]
