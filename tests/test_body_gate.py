"""Credentials and size are checked before a body is read: an anonymous upload is refused on its headers
alone, and a chunked body (no Content-Length) is cut off when it passes the limit, on a real server."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from accomplice.api import create_app
from accomplice.api.body_gate import MAX_BODY_BYTES
from accomplice.services import auth as accounts
from accomplice.store import Store, open_store
from tests.browser_support import serve

OPERATOR = accounts.operator_principal("tester")
# Sent in pieces of a mebibyte: a real client's buffer size, and coarse enough for the test to be quick.
CHUNK = b"x" * (1024 * 1024)
# How long a refusal may take to arrive; a server that waits for the body never answers in time.
ANSWER_SECONDS = 10.0
UPLOAD_ROUTES = (
    "/api/jobs",
    "/batch",
    "/api/watchlists/1/entries/upload",
    "/api/exposure/shipments/file",
    "/api/shipments/SHIP-1/documents",
)


@pytest.fixture(scope="module")
def gate_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, str]]:
    path: Path = tmp_path_factory.mktemp("gate") / "gate.db"
    store: Store = open_store(f"sqlite:///{path}")
    accounts.add_user(store, OPERATOR, name="ana", roles=["analyst"], password="tidal moss under gravel")
    accounts.add_user(store, OPERATOR, name="rita", roles=["researcher"], password="tidal moss under gravel")
    token = accounts.issue_token(store, OPERATOR, user="ana", name="gate").secret
    with serve(create_app(store, run_jobs=False), "gate") as base:
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port), token
    store.close()


def _open(host: str, port: int, path: str, headers: dict[str, str]) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=ANSWER_SECONDS)
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
    return sock


def _status(sock: socket.socket) -> int:
    head = sock.recv(65536).split(b"\r\n", 1)[0]
    return int(head.split()[1])


def _answered(sock: socket.socket, seconds: float = 0.0) -> bool:
    readable, _, _ = select.select([sock], [], [], seconds)
    return bool(readable)


MULTIPART = {"Content-Type": "multipart/form-data; boundary=gate", "Transfer-Encoding": "chunked"}


@pytest.mark.parametrize("path", UPLOAD_ROUTES)
def test_anonymous_upload_is_refused_before_any_body_is_sent(
    gate_server: tuple[str, int, str], path: str
) -> None:
    host, port, _ = gate_server
    with _open(host, port, path, MULTIPART) as sock:
        # Not one byte of the body has been sent: a server that reads it first never answers.
        assert _answered(sock, ANSWER_SECONDS), f"{path}: no answer without the body"
        assert _status(sock) == 401


def test_a_role_without_the_permission_is_refused_before_the_body(gate_server: tuple[str, int, str]) -> None:
    host, port, token = gate_server  # an analyst may not import exposure data
    with _open(
        host, port, "/api/exposure/shipments/file", {**MULTIPART, "Authorization": f"Bearer {token}"}
    ) as sock:
        assert _answered(sock, ANSWER_SECONDS)
        assert _status(sock) == 403


def test_a_declared_oversized_body_is_refused_at_once(gate_server: tuple[str, int, str]) -> None:
    host, port, token = gate_server
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "multipart/form-data; boundary=gate"}
    with _open(host, port, "/api/jobs", {**headers, "Content-Length": str(1000 * 2**20)}) as sock:
        assert _answered(sock, ANSWER_SECONDS)
        assert _status(sock) == 413


FILE_PART = b'--gate\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nid,name\r\n'
BODIES = {
    # A well-formed start, so that the parser reads on instead of refusing the body as malformed. The
    # public /reconcile's form parser may refuse the over-long field itself (400) before the gate's limit.
    "/api/jobs": (MULTIPART["Content-Type"], FILE_PART, {413}),
    "/reconcile": ("application/x-www-form-urlencoded", b"queries=", {400, 413}),
}


@pytest.mark.parametrize("path", sorted(BODIES))
def test_a_chunked_body_is_cut_off_when_it_passes_the_limit(
    gate_server: tuple[str, int, str], path: str
) -> None:
    host, port, token = gate_server
    content_type, start, refusals = BODIES[path]
    headers = {
        "Content-Type": content_type,
        "Transfer-Encoding": "chunked",
        "Authorization": f"Bearer {token}",
    }
    with _open(host, port, path, headers) as sock:
        sock.sendall(f"{len(start):x}\r\n".encode() + start + b"\r\n")
        sent = len(start)
        deadline = time.monotonic() + 60
        while not _answered(sock) and sent < 3 * MAX_BODY_BYTES and time.monotonic() < deadline:
            try:
                sock.sendall(f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(CHUNK)
        assert _answered(sock, ANSWER_SECONDS)
        assert _status(sock) in refusals
        # Refused within a few pieces of the limit, not after the whole (three times larger) body.
        assert sent <= MAX_BODY_BYTES + 8 * len(CHUNK)
