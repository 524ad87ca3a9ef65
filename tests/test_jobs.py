"""Batch screening jobs through the JSON API, on the real DPRK lists: results identical to the CLI,
restart survival, cancel, organisation isolation, bad files, and remembered decisions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.services import jobs as job_services
from accomplice.services.auth import add_user, issue_token, local_principal, operator_principal
from accomplice.store import Store, open_store
from accomplice.store.audit import AuditLog
from tests.jobs_data import names_csv

# A job of the test file finishes in seconds; this bounds a hung worker, not the expected time.
JOB_SECONDS = 300
POLL = 0.05
# Screening takes about 1.5 ms a row: the restart and cancel tests need a job that runs for seconds, so
# that it can be stopped while running.
BIG_REPEAT = 60
BIG_ROWS = 35 * BIG_REPEAT


@pytest.fixture(scope="module")
def tokens(jobs_store: Store) -> dict[str, dict[str, str]]:
    """API tokens of an analyst of one organisation and of importers of two others."""
    operator = operator_principal("test")
    accounts = (
        ("api-ana", "analyst", "ngo"),
        ("api-imp1", "importer", "acme"),
        ("api-imp2", "importer", "other"),
    )
    for name, role, org in accounts:
        add_user(jobs_store, operator, name=name, roles=[role], org=org)
    return {
        name.removeprefix("api-"): {
            "Authorization": f"Bearer {issue_token(jobs_store, operator, user=name).secret}"
        }
        for name, _, _ in accounts
    }


@pytest.fixture(scope="module")
def client(jobs_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(jobs_store)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def names(raw_dir: Path) -> bytes:
    return names_csv(raw_dir)


def _submit(
    client: TestClient, headers: dict[str, str], data: bytes, name: str = "names.csv", **fields: str
) -> Any:
    return client.post("/api/jobs", headers=headers, files={"file": (name, data, "text/csv")}, data=fields)


def _wait(
    client: TestClient, headers: dict[str, str], job_id: int, states: tuple[str, ...] = ("done",)
) -> Any:
    deadline = time.monotonic() + JOB_SECONDS
    while True:
        job = client.get(f"/api/jobs/{job_id}", headers=headers).json()
        if job["state"] in states:
            return job
        assert job["state"] in ("queued", "running"), job
        assert time.monotonic() < deadline, f"job {job_id} still {job['state']} after {JOB_SECONDS}s"
        time.sleep(POLL)


def _results(
    client: TestClient, headers: dict[str, str], job_id: int, fmt: str, *, hide_decided: bool = False
) -> bytes:
    params = {"format": fmt, **({"hide_decided": "true"} if hide_decided else {})}
    response = client.get(f"/api/jobs/{job_id}/results", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.content


def _accomplice() -> str:
    found = shutil.which("accomplice", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the accomplice console script is not installed next to this Python")
    return found


def _cli(store: Store, source: Path, fmt: str, *options: str) -> bytes:
    output = source.with_suffix(f".cli{len(options)}.{fmt}")
    result = subprocess.run(
        [
            _accomplice(),
            "--db",
            store.engine.url.render_as_string(hide_password=False),
            "screen",
            str(source),
            "--format",
            fmt,
            "--output",
            str(output),
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return output.read_bytes()


def test_uploaded_names_are_screened_exactly_as_the_cli_screens_them(
    client: TestClient, tokens: dict[str, dict[str, str]], jobs_store: Store, names: bytes, tmp_path: Path
) -> None:
    response = _submit(client, tokens["ana"], names)
    assert response.status_code == 201, response.text
    job = response.json()
    assert (job["state"], job["rows_total"], job["created_by"], job["org"]) == (
        "queued",
        35,
        "api-ana",
        "ngo",
    )
    done = _wait(client, tokens["ana"], job["id"])
    assert (done["rows_done"], done["progress"]) == (35, 1.0)
    jsonl = _results(client, tokens["ana"], job["id"], "jsonl")
    lines = [json.loads(line) for line in jsonl.decode().splitlines()]
    assert [line["id"] for line in lines] == [f"r0-{i}" for i in range(1, 36)]
    by_id = {line["id"]: line for line in lines}
    assert "ofac:20157" in by_id["r0-1"]["matches"][0]["keys"], "김정은 is Kim Jong Un"
    assert by_id["r0-4"]["matches"] == [], "Patricia Lucas Wheeler is on no list"
    assert done["rows_with_matches"] == sum(1 for line in lines if line["matches"])
    source = tmp_path / "names.csv"
    source.write_bytes(names)
    assert jsonl == _cli(jobs_store, source, "jsonl")
    assert _results(client, tokens["ana"], job["id"], "csv") == _cli(jobs_store, source, "csv")


def test_job_stopped_mid_way_resumes_in_a_new_app_with_identical_results(
    jobs_store: Store, tokens: dict[str, dict[str, str]], raw_dir: Path
) -> None:
    data = names_csv(raw_dir, repeat=BIG_REPEAT)
    with TestClient(create_app(jobs_store, run_jobs=False)) as first:
        job_id = _submit(first, tokens["ana"], data, "restart.csv").json()["id"]
        worker = job_services.JobWorker(jobs_store, batch_rows=5)
        worker.start()
        deadline = time.monotonic() + JOB_SECONDS
        while first.get(f"/api/jobs/{job_id}", headers=tokens["ana"]).json()["rows_done"] < 10:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        worker.stop()
        stopped = first.get(f"/api/jobs/{job_id}", headers=tokens["ana"]).json()
    assert stopped["state"] == "queued", "a cleanly stopped worker puts its job back in the queue"
    assert 10 <= stopped["rows_done"] < stopped["rows_total"] == BIG_ROWS
    reopened = open_store(jobs_store.engine.url.render_as_string(hide_password=False))
    try:
        with TestClient(create_app(reopened)) as second:
            done = _wait(second, tokens["ana"], job_id)
            assert done["rows_done"] == BIG_ROWS
            resumed = [_results(second, tokens["ana"], job_id, fmt) for fmt in ("jsonl", "csv")]
            # The same file screened from start to end without a stop, by the same lists and decisions.
            whole = _submit(second, tokens["ana"], data, "whole.csv").json()["id"]
            _wait(second, tokens["ana"], whole)
            uninterrupted = [_results(second, tokens["ana"], whole, fmt) for fmt in ("jsonl", "csv")]
    finally:
        reopened.close()
    assert resumed == uninterrupted
    assert len(resumed[0].splitlines()) == BIG_ROWS


def test_cancel_stops_a_running_job_within_a_batch(
    jobs_store: Store, tokens: dict[str, dict[str, str]], raw_dir: Path
) -> None:
    data = names_csv(raw_dir, repeat=BIG_REPEAT)
    with TestClient(create_app(jobs_store, run_jobs=False)) as client:
        job_id = _submit(client, tokens["ana"], data, "cancel.csv").json()["id"]
        worker = job_services.JobWorker(jobs_store, batch_rows=5)
        worker.start()
        try:
            while client.get(f"/api/jobs/{job_id}", headers=tokens["ana"]).json()["rows_done"] < 5:
                time.sleep(0.01)
            cancelled = client.post(f"/api/jobs/{job_id}/cancel", headers=tokens["ana"])
            assert cancelled.status_code == 200, cancelled.text
            assert cancelled.json()["state"] == "cancelled"
            time.sleep(2 * job_services.PROGRESS_EVERY_SECONDS)
            settled = client.get(f"/api/jobs/{job_id}", headers=tokens["ana"]).json()
            time.sleep(job_services.PROGRESS_EVERY_SECONDS)
            later = client.get(f"/api/jobs/{job_id}", headers=tokens["ana"]).json()
        finally:
            worker.stop()
        assert later["state"] == "cancelled"
        assert later["rows_done"] == settled["rows_done"] < BIG_ROWS, "no row is written after the cancel"
        lines = _results(client, tokens["ana"], job_id, "jsonl").decode().splitlines()
        assert len(lines) == later["rows_done"]
        again = client.post(f"/api/jobs/{job_id}/cancel", headers=tokens["ana"])
        assert again.status_code == 409
    audit = AuditLog(jobs_store)
    submitted = audit.entries(action="job.submit", subject=f"job:{job_id}")
    cancelled_rows = audit.entries(action="job.cancel", subject=f"job:{job_id}")
    assert [(r.actor, r.detail["file"], r.detail["rows"]) for r in submitted] == [
        ("api-ana", "cancel.csv", BIG_ROWS)
    ]
    assert [(r.actor, r.detail["state"]) for r in cancelled_rows] == [("api-ana", "cancelled")]
    assert audit.verify().ok


def test_importer_sees_only_its_own_organisations_jobs(
    client: TestClient, tokens: dict[str, dict[str, str]], names: bytes
) -> None:
    job_id = _submit(client, tokens["imp1"], names, "acme.csv").json()["id"]
    assert client.get(f"/api/jobs/{job_id}", headers=tokens["imp1"]).status_code == 200
    for url in (f"/api/jobs/{job_id}", f"/api/jobs/{job_id}/results?format=csv"):
        response = client.get(url, headers=tokens["imp2"])
        assert response.status_code == 404, url
        assert str(job_id) in response.json()["detail"]
    assert client.post(f"/api/jobs/{job_id}/cancel", headers=tokens["imp2"]).status_code == 404
    assert job_id not in [j["id"] for j in client.get("/api/jobs", headers=tokens["imp2"]).json()]
    assert job_id in [j["id"] for j in client.get("/api/jobs", headers=tokens["imp1"]).json()]
    assert job_id in [j["id"] for j in client.get("/api/jobs", headers=tokens["ana"]).json()], (
        "analysts see all"
    )
    assert {j["org"] for j in client.get("/api/jobs", headers=tokens["imp1"]).json()} == {"acme"}
    decision = {"job": job_id, "row": 1, "entity_key": "ofac:20157", "judgement": "no-match", "reason": "x"}
    assert client.post("/api/decisions", json=decision, headers=tokens["imp2"]).status_code == 404, (
        "an importer decides on its own organisation's jobs only"
    )


def test_anonymous_callers_get_401_on_every_job_route(client: TestClient, names: bytes) -> None:
    assert _submit(client, {}, names).status_code == 401
    assert client.get("/api/jobs").status_code == 401
    assert client.get("/api/jobs/1").status_code == 401
    assert client.get("/api/jobs/1/results").status_code == 401
    assert client.post("/api/jobs/1/cancel").status_code == 401
    assert client.post("/api/decisions", json={"entity_key": "x", "judgement": "match"}).status_code == 401


@pytest.mark.parametrize(
    ("name", "data", "status", "message"),
    [
        ("bad.csv", b"id,fullname\n1,Kim\n", 422, "bad.csv:1: missing column(s) name"),
        (
            "names.jsonl",
            b'{"id": "1", "name": "Kim"}\n{"id": 2, "name": \n',
            422,
            "names.jsonl:2: invalid JSON",
        ),
        (
            "euc-kr.jsonl",
            '{"id": "1", "name": "김정은"}\n'.encode("euc-kr"),
            422,
            "euc-kr.jsonl:1: not UTF-8 text",
        ),
        ("empty.csv", b"", 422, "empty.csv: file is empty"),
        ("header.csv", b"id,name\n", 422, "header.csv: holds a header but no rows"),
        ("broken.xlsx", b"PK\x03\x04 not a workbook", 422, "broken.xlsx: not a readable XLSX workbook"),
        ("ragged.csv", b"id,name\n1,Kim,extra\n", 422, "ragged.csv:2: 3 fields but the header has 2"),
    ],
)
def test_bad_file_is_refused_at_once_with_file_and_line(
    client: TestClient, tokens: dict[str, dict[str, str]], name: str, data: bytes, status: int, message: str
) -> None:
    before = len(client.get("/api/jobs", headers=tokens["ana"]).json())
    response = _submit(client, tokens["ana"], data, name)
    assert response.status_code == status, response.text
    assert response.json()["detail"][0]["msg"].startswith(message), response.json()
    assert "Traceback" not in response.text
    assert len(client.get("/api/jobs", headers=tokens["ana"]).json()) == before, "nothing is queued"


def test_upload_above_the_limit_is_refused_with_413(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    data = b"id,name\n" + b"1,Kim Jong Un\n" * (job_services.MAX_UPLOAD_BYTES // 14 + 1)
    response = _submit(client, tokens["ana"], data, "huge.csv")
    assert response.status_code == 413
    assert f"{job_services.MAX_UPLOAD_BYTES:,} bytes" in response.json()["detail"]


def test_not_a_match_decision_is_remembered_on_the_next_job_and_kept_with_its_decision(
    client: TestClient, tokens: dict[str, dict[str, str]], jobs_store: Store, tmp_path: Path
) -> None:
    # PAK Chun-San, listed by the EU and the UK, also scores 0.8 against a Japanese person on the OFAC
    # list (ISHIDA Shoroku): the false positive an analyst dismisses.
    data = b"id,name,schema,birth_date\n1,Chun-San PAK,Person,18/12/1953\n2,KORYO BANK,,\n"
    first = _submit(client, tokens["ana"], data, "decide.csv").json()["id"]
    _wait(client, tokens["ana"], first)
    before = [json.loads(x) for x in _results(client, tokens["ana"], first, "jsonl").decode().splitlines()]
    keys = [m["key"] for m in before[0]["matches"]]
    assert "ofac:16417" in keys, before[0]
    response = client.post(
        "/api/decisions",
        json={
            "job": first,
            "row": 1,
            "entity_key": "ofac:16417",
            "judgement": "no-match",
            "reason": "another man",
        },
        headers=tokens["ana"],
    )
    assert response.status_code == 201, response.text
    assert (response.json()["user"], response.json()["judgement"]) == ("api-ana", "no-match")
    second = _submit(client, tokens["ana"], data, "decide-again.csv").json()["id"]
    _wait(client, tokens["ana"], second)
    after = [json.loads(x) for x in _results(client, tokens["ana"], second, "jsonl").decode().splitlines()]
    assert [m["key"] for m in after[0]["matches"]] == [k for k in keys if k != "ofac:16417"] + [
        "ofac:16417"
    ], "kept, after the matches still to review"
    dismissed = after[0]["matches"][-1]
    assert dismissed["decision"] == "no-match"
    assert (dismissed["decided"]["by"], dismissed["decided"]["reason"]) == ("api-ana", "another man")
    assert after[1] == before[1], "the other row is untouched"
    hidden = _results(client, tokens["ana"], second, "jsonl", hide_decided=True).decode().splitlines()
    assert [m["key"] for m in json.loads(hidden[0])["matches"]] == [k for k in keys if k != "ofac:16417"]
    # The job's downloads, with and without the decided matches, are the CLI's for the same file.
    source = tmp_path / "decide.csv"
    source.write_bytes(data)
    for fmt in ("jsonl", "csv"):
        assert _results(client, tokens["ana"], second, fmt) == _cli(jobs_store, source, fmt), fmt
        assert _results(client, tokens["ana"], second, fmt, hide_decided=True) == _cli(
            jobs_store, source, fmt, "--hide-decided"
        ), fmt
    ana = local_principal(jobs_store, "api-ana")
    decided, count = job_services.job_results(
        jobs_store, ana, first, job_services.JobFilter(decided="decided")
    )
    assert count == 1
    assert [(v.seq, [(m.key, m.decision and m.decision.judgement) for m in v.matches]) for v in decided] == [
        (0, [("ofac:16417", "no-match")])
    ]
    undecided, _ = job_services.job_results(
        jobs_store, ana, first, job_services.JobFilter(decided="undecided")
    )
    assert "ofac:16417" not in [m.key for v in undecided for m in v.matches]


def test_decision_on_another_row_or_unknown_entity_is_404(
    client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    jobs = client.get("/api/jobs", headers=tokens["ana"]).json()
    job_id = jobs[-1]["id"]
    # Each with a reason, so that what is refused is the row, the entity or the job, not the form.
    reason = {"reason": "same person: passport matches"}
    missing_row = {"job": job_id, "row": 10_000, "entity_key": "ofac:20157", "judgement": "match", **reason}
    assert client.post("/api/decisions", json=missing_row, headers=tokens["ana"]).status_code == 404
    unknown = {"job": job_id, "row": 1, "entity_key": "ofac:0", "judgement": "match", **reason}
    assert client.post("/api/decisions", json=unknown, headers=tokens["ana"]).status_code == 404
    no_job = {"job": 10_000, "row": 1, "entity_key": "ofac:20157", "judgement": "match", **reason}
    assert client.post("/api/decisions", json=no_job, headers=tokens["ana"]).status_code == 404
