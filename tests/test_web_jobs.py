"""The Batch pages over HTTP (no browser): log in by the form, CSRF on every form, organisations apart."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.services.auth import add_user, operator_principal
from accomplice.store import Store

PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FILE = b"id,name\n1,KORYO BANK\n2,Patricia Lucas Wheeler\n"


@pytest.fixture(scope="module")
def app_client(jobs_store: Store) -> Iterator[TestClient]:
    operator = operator_principal("test")
    for name, role, org in (("page-ana", "analyst", "ngo"), ("page-imp", "importer", "acme")):
        add_user(jobs_store, operator, name=name, roles=[role], org=org, password=PASSWORD)
    with TestClient(create_app(jobs_store)) as client:
        yield client


def _login(client: TestClient, user: str) -> None:
    client.cookies.clear()
    form = client.get("/login")
    token = CSRF.search(form.text)
    assert token is not None
    done = client.post(
        "/login",
        data={"user": user, "password": PASSWORD, "csrf_token": token.group(1), "next": "/batch"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


def _csrf(client: TestClient, url: str = "/batch") -> str:
    found = CSRF.findall(client.get(url).text)
    assert found, f"{url} has no form with a CSRF token"
    return str(found[-1])


def _upload(client: TestClient, token: str | None) -> object:
    data = {"csrf_token": token} if token is not None else {}
    return client.post(
        "/batch", data=data, files={"file": ("page.csv", FILE, "text/csv")}, follow_redirects=False
    )


def test_anonymous_visitor_is_asked_to_log_in(app_client: TestClient) -> None:
    app_client.cookies.clear()
    page = app_client.get("/batch")
    assert page.status_code == 401
    assert 'href="/login?next=%2Fbatch"' in page.text


def test_upload_without_the_session_csrf_token_is_refused(app_client: TestClient) -> None:
    _login(app_client, "page-ana")
    before = app_client.get("/batch").text.count("<tr>")
    refused = _upload(app_client, None)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert _upload(app_client, "forged").status_code == 403  # type: ignore[attr-defined]
    assert app_client.get("/batch").text.count("<tr>") == before, "nothing was queued"


def test_upload_redirects_to_the_job_page_which_reloads_while_the_job_runs(app_client: TestClient) -> None:
    _login(app_client, "page-ana")
    posted = _upload(app_client, _csrf(app_client))
    assert posted.status_code == 303  # type: ignore[attr-defined]
    url = posted.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/batch/\d+", url)
    page = app_client.get(url)
    assert page.status_code == 200
    running = "state-queued" in page.text or "state-running" in page.text
    assert ('http-equiv="refresh"' in page.text) == running
    assert "<script" not in page.text


def test_bad_file_shows_the_reason_on_the_batch_page(app_client: TestClient) -> None:
    _login(app_client, "page-ana")
    response = app_client.post(
        "/batch",
        data={"csrf_token": _csrf(app_client)},
        files={"file": ("bad.csv", b"id,fullname\n1,Kim\n", "text/csv")},
    )
    assert response.status_code == 422
    assert "bad.csv:1: missing column(s) name" in response.text


def test_file_in_another_encoding_is_refused_on_the_page_until_its_encoding_is_chosen(
    app_client: TestClient,
) -> None:
    _login(app_client, "page-ana")
    page = app_client.get("/batch").text
    assert '<option value="cp1251">cp1251</option>' in page
    cyrillic = "id,name\n1,ООО Гудзон\n".encode("cp1251")
    refused = app_client.post(
        "/batch", data={"csrf_token": _csrf(app_client)}, files={"file": ("ru.csv", cyrillic, "text/csv")}
    )
    assert refused.status_code == 422
    assert "ru.csv:2: not UTF-8 text (byte 0xce)" in refused.text
    chosen = app_client.post(
        "/batch",
        data={"csrf_token": _csrf(app_client), "encoding": "cp1251"},
        files={"file": ("ru.csv", cyrillic, "text/csv")},
        follow_redirects=False,
    )
    assert chosen.status_code == 303, chosen.text
    assert re.fullmatch(r"/batch/\d+", chosen.headers["location"])


def test_importer_cannot_open_another_organisations_job_page(app_client: TestClient) -> None:
    _login(app_client, "page-ana")
    job_url = _upload(app_client, _csrf(app_client)).headers["location"]  # type: ignore[attr-defined]
    _login(app_client, "page-imp")
    assert app_client.get(job_url).status_code == 404
    token = _csrf(app_client)
    assert app_client.post(f"{job_url}/cancel", data={"csrf_token": token}).status_code == 404
    assert job_url not in app_client.get("/batch").text
    decision = {"csrf_token": token, "row": "0", "entity_key": "ofac:23004", "judgement": "no-match"}
    assert app_client.post(f"{job_url}/decisions", data=decision).status_code == 404, (
        "an importer decides on its own organisation's jobs only"
    )


def _finished_job_page(client: TestClient, data: bytes) -> str:
    posted = client.post(
        "/batch",
        data={"csrf_token": _csrf(client)},
        files={"file": ("rows.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    url = posted.headers["location"]
    deadline = time.monotonic() + JOB_WAIT_SECONDS
    while time.monotonic() < deadline:
        page = client.get(url).text
        if "state-done" in page:
            return page
        time.sleep(0.5)
    pytest.fail(f"the job at {url} did not finish in {JOB_WAIT_SECONDS} s")


# A job of two rows is done in seconds once the screening index is built; the first job builds it.
JOB_WAIT_SECONDS = 300
ROW_HEAD = re.compile(r'<p class="row-head">(.*?)</p>', re.S)


def _row_heads(page: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", head).split()) for head in ROW_HEAD.findall(page)]


def test_job_rows_show_their_number_once_and_an_id_only_where_it_differs(app_client: TestClient) -> None:
    _login(app_client, "page-ana")
    numbered = _row_heads(_finished_job_page(app_client, FILE))
    assert numbered[0].startswith("1 KORYO BANK"), numbered
    assert numbered[1].startswith("2 Patricia Lucas Wheeler"), numbered
    own_ids = _row_heads(_finished_job_page(app_client, b"id,name\nc-17,KORYO BANK\n"))
    assert own_ids[0].startswith("1 id c-17 KORYO BANK"), own_ids
