"""`accomplice serve`: the web UI and JSON API on localhost, in one or several server processes."""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import TYPE_CHECKING, Annotated

import typer

from accomplice.cli.app import err_console, get_store, out_console
from accomplice.store import Store, open_store

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["WORKER_STORE_ENV", "serve", "worker_app"]

# uvicorn starts each server process of `--workers N` afresh and builds its app from an import string
# (`worker_app`), so the store's URL reaches the processes through their environment.
WORKER_STORE_ENV = "ACCOMPLICE_SERVE_STORE_URL"
# uvicorn kills and restarts a server process that does not answer its health ping within this time.
# Its default (5 s) is shorter than a process building its screening index may hold the interpreter on a
# loaded host, so processes were killed mid-build and restarted for ever; a hung process is still
# replaced, within two minutes.
WORKER_HEALTHCHECK_SECONDS = 120


def worker_app() -> FastAPI:
    """The app of one server process of `serve --workers N`: requests only, mapping the persisted index.
    The background work runs once, in the supervising process (see `serve`)."""
    from accomplice.api import create_app

    store = open_store(os.environ[WORKER_STORE_ENV])
    return create_app(store, warm_index=True, run_jobs=False, deliver_webhooks=False)


# How often the announcer tries the port while the server starts, and how long one try may take.
LISTEN_POLL_SECONDS = 0.05
CONNECT_TIMEOUT_SECONDS = 0.5


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_SECONDS):
            return True
    except OSError:
        return False


def _announce_when_listening(host: str, port: int, message: str) -> None:
    """Print `message` once the port accepts connections: a user (or a script) who reads "serving on"
    can use the address at once. uvicorn's own startup takes seconds (imports, the app, the workers)."""

    if _answers(host, port):
        return  # another server holds the port: uvicorn reports that it cannot bind, and stops

    def wait_and_print() -> None:
        while not _answers(host, port):
            time.sleep(LISTEN_POLL_SECONDS)
        out_console.print(message)

    threading.Thread(target=wait_and_print, name="announce-serving", daemon=True).start()


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="Server processes answering requests on the one port. They map one persisted screening "
            "index (built when lists load) and share its pages; more than the number of CPU cores gains "
            "nothing.",
        ),
    ] = 1,
) -> None:
    """Serve the web UI and the JSON API (GET /healthz for monitoring), and deliver webhooks.

    While it runs, a background worker sends due webhook deliveries of watchlist alerts (with retries) and
    another runs uploaded batch jobs. With --workers N they run once, in the supervising process (which
    builds a screening index of its own when the first batch job runs), never once per server process.

    Example: accomplice serve --port 8000 --workers 2
    """
    import uvicorn

    from accomplice.api import create_app
    from accomplice.api.app import background_work, proxy_options

    store = get_store()
    _check_victims_key(store)
    _announce_when_listening(
        host, port, f"accomplice serving {store.url} on http://{host}:{port}/ with {workers} process(es)"
    )
    if workers == 1:
        uvicorn.run(
            create_app(store, warm_index=True, deliver_webhooks=True),
            host=host,
            port=port,
            log_level="warning",
            **proxy_options(),
        )
        return
    os.environ[WORKER_STORE_ENV] = store.engine.url.render_as_string(hide_password=False)
    with background_work(store, run_jobs=True, deliver_webhooks=True):
        uvicorn.run(
            f"{__name__}:worker_app",
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
            host=host,
            port=port,
            log_level="warning",
            **proxy_options(),
        )


def _check_victims_key(store: Store) -> None:
    """Say at start, in one line, when the victims' key file is missing or wrong: the server still serves
    everything else (lists, screening, pseudonymous incident pages), and the affected pages say it too."""
    from accomplice.services.incidents import key_problem

    problem = key_problem(store)
    if problem:
        err_console.print(f"[red]error:[/red] victims' records cannot be opened: {problem}", soft_wrap=True)
