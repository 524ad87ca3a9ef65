"""Uploads built to exhaust the server are refused in one line, with nothing queued: a workbook that
unpacks to hundreds of MiB, a file of too many rows or of one endless cell, JSON nested 100,000 deep, a
codec that cannot report where it failed. Through the service and the API, on a real store."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from accomplice.api import create_app
from accomplice.batch.inputs import MAX_CELL_CHARS, MAX_XLSX_UNPACKED_BYTES, read_bytes
from accomplice.errors import InputError
from accomplice.services import auth as accounts
from accomplice.services import jobs as job_services
from accomplice.store import Store, open_store

OPERATOR = accounts.operator_principal("tester")
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


def _workbook_with_huge_shared_string(unpacked: int) -> bytes:
    """A real workbook (openpyxl's) whose one shared string is `unpacked` bytes: deflate makes it tiny."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "name"])
    small = io.BytesIO()
    book.save(small)
    out = io.BytesIO()
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            bomb.writestr(info, source.read(info.filename))
        # openpyxl writes inline strings; Excel writes a shared-strings part, which is where the bomb sits.
        with bomb.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            piece = b"A" * (1024 * 1024)
            for _ in range(unpacked // len(piece)):
                part.write(piece)
            part.write(b"</t></si></sst>")
    return out.getvalue()


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_parsing() -> None:
    bomb = _workbook_with_huge_shared_string(MAX_XLSX_UNPACKED_BYTES + 2**20)
    assert len(bomb) < 2 * 2**20, "the bomb is small on the wire"
    with pytest.raises(InputError, match=r"bomb\.xlsx: unpacks to .* MiB, more than the 256 MiB"):
        list(read_bytes("bomb.xlsx", bomb))


def test_an_endless_cell_is_refused_with_its_line() -> None:
    data = b"id,name\n1,Kim Jong Un\n2," + b"A" * (MAX_CELL_CHARS + 1) + b"\n"
    with pytest.raises(InputError, match=r"long\.csv:3: name is 10,001 characters long"):
        list(read_bytes("long.csv", data))


def test_nested_json_is_bad_json_not_a_crash() -> None:
    with pytest.raises(InputError, match=r"deep\.jsonl:1: invalid JSON: arrays or objects nested too deeply"):
        list(read_bytes("deep.jsonl", DEEP_JSON + b"\n"))


def test_idna_encoding_with_a_non_ascii_byte_is_refused_in_one_line() -> None:
    with pytest.raises(InputError, match=r"names\.csv.*not valid idna text"):
        list(read_bytes("names.csv", "id,name\n1,Café Ltd\n".encode(), encoding="idna"))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Store]]:
    store = open_store(f"sqlite:///{tmp_path / 'bombs.db'}")
    accounts.add_user(store, OPERATOR, name="ana", roles=["analyst"], password="tidal moss under gravel")
    token = accounts.issue_token(store, OPERATOR, user="ana", name="bombs").secret
    with TestClient(create_app(store, run_jobs=False)) as test_client:
        yield test_client, {"Authorization": f"Bearer {token}"}, store
    store.close()


def _submit(
    client: TestClient, headers: dict[str, str], name: str, data: bytes, **form: str
) -> tuple[int, str]:
    response = client.post("/api/jobs", headers=headers, files={"file": (name, data)}, data=form)
    return response.status_code, response.text


@pytest.mark.parametrize(
    ("name", "data", "form", "message"),
    [
        ("deep.jsonl", DEEP_JSON, {}, "deep.jsonl:1: invalid JSON: arrays or objects nested too deeply"),
        ("idna.csv", "id,name\n1,Café Ltd\n".encode(), {"encoding": "idna"}, "not valid idna text"),
        (
            "rows.csv",
            b"id,name\n" + b"".join(b"%d,Kim\n" % i for i in range(job_services.MAX_JOB_ROWS + 1)),
            {},
            "rows.csv:100002: more than 100,000 rows",
        ),
        ("name.csv", b"id,name\n1," + b"K" * 501 + b"\n", {}, "name.csv:2: the name is 501 characters long"),
    ],
)
def test_hostile_job_uploads_are_refused_and_nothing_is_queued(
    client: tuple[TestClient, dict[str, str], Store],
    name: str,
    data: bytes,
    form: dict[str, str],
    message: str,
) -> None:
    test_client, headers, _ = client
    status, text = _submit(test_client, headers, name, data, **form)
    assert status == 422, text
    assert message in text
    assert test_client.get("/api/jobs", headers=headers).json() == []


def test_reconcile_with_deeply_nested_queries_is_a_400_not_a_500(
    client: tuple[TestClient, dict[str, str], Store],
) -> None:
    test_client, _, _ = client
    response = test_client.post("/reconcile", data={"queries": DEEP_JSON.decode()[:190_000]})
    assert response.status_code == 400, response.text
