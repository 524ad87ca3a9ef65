"""Logging in, making an API token and logging out in a real browser (Debian's Chromium via Playwright).

The server runs over its own store with one account; no browser is downloaded (see tests/test_browser.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.store import open_store
from tests.browser_support import desktop_page, screenshot, serve

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('browser-auth') / 'accomplice.db'}")
    accounts.add_user(
        store,
        accounts.operator_principal("tester"),
        name="min-ji",
        roles=["analyst"],
        password=PASSWORD,
        display_name="Park Min-ji",
        org="NK Watch",
    )
    with serve(create_app(store), "auth-test") as url:
        yield url
    store.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with desktop_page(browser) as opened:
        yield opened


def test_analyst_logs_in_creates_a_token_and_logs_out(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("link", name="Log in").click()
    expect(page).to_have_url(base_url + "/login")
    page.get_by_label("User name").fill("min-ji")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    page.get_by_label("Password").fill(PASSWORD)
    screenshot(page, "login", full_page=False)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(base_url + "/account")
    nav = page.locator("header.site")
    expect(nav).to_contain_text("Logged in as min-ji")
    expect(page.get_by_role("heading", level=1)).to_have_text("Park Min-ji")

    page.get_by_label("Name", exact=True).fill("nightly screening")
    page.get_by_role("checkbox", name="screen").check()
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token")
    expect(secret).to_have_text(re.compile(r"^acc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$"))
    token = secret.inner_text()
    expect(page.locator("table.tokens")).to_contain_text("nightly screening")
    screenshot(page, "account", full_page=False)

    # The token works for the API (the browser keeps no secret of it: it was shown once).
    me = page.request.get(base_url + "/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status == 200
    assert me.json()["scopes"] == ["screen"]

    page.goto(base_url + "/lists")
    expect(nav).to_contain_text("Logged in as min-ji")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(base_url + "/")
    expect(page.locator("header.site").get_by_role("link", name="Log in")).to_be_visible()
    page.goto(base_url + "/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to see this page")
