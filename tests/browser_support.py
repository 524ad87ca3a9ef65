"""What the browser tests share: Debian's Chromium, a real uvicorn server in a thread, where screenshots go.

No browser is ever downloaded: a test fails if /usr/bin/chromium is missing.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, sync_playwright

from accomplice.api.app import proxy_options

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Tests write under the gitignored build folder, never into docs/: a test run leaves the work tree clean, and
# `make screenshots` copies these into docs/screenshots when a reviewer should see the new pages.
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
DESKTOP = {"width": 1280, "height": 1000}
PHONE = {"width": 390, "height": 844}
SERVER_START_SECONDS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(app: FastAPI, name: str, *, stop_seconds: float = 10) -> Iterator[str]:
    """Run `app` on a free localhost port in a thread; yield its base URL; stop it afterwards."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", **proxy_options()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{name}", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=stop_seconds)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (the tests never download a browser)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@contextmanager
def desktop_page(browser: Browser, *, locale: str = "en-GB", **options: Any) -> Iterator[Page]:
    """A page in a fresh browser context at desktop size. Fails the test when any page opened a dialog
    (alert, confirm, prompt): no page of the app opens one, so a dialog means data ran as script."""
    context = browser.new_context(viewport=DESKTOP, locale=locale, **options)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        yield page
    finally:
        context.close()
    assert dialogs == [], f"a page opened a dialog, so data ran as script: {dialogs}"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Save build/screenshots/NAME.png (`make screenshots` copies them into docs/screenshots)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
