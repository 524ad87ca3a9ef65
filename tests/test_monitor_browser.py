"""Monitoring in a real browser (Debian's Chromium through Playwright, against a real uvicorn server):
log in, find the alert that the import of OFAC 2024-05-03 raised for a watchlist entry, read why, and
acknowledge it. Screenshots go to build/screenshots/
(watchlists.png, alerts.png)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from accomplice.api import create_app
from tests.browser_support import desktop_page, screenshot, serve
from tests.monitor_data import PASSWORD, Scenario


@pytest.fixture(scope="module")
def base_url(monitor_scenario: Scenario) -> Iterator[str]:
    with serve(create_app(monitor_scenario.store), "monitor-test") as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with desktop_page(browser) as opened:
        yield opened


def _log_in(page: Page, base_url: str, user: str, next_path: str) -> None:
    page.goto(f"{base_url}{next_path}")
    expect(page.get_by_role("link", name="log in", exact=False).first).to_be_visible()
    page.goto(f"{base_url}/login?next={next_path}")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}{next_path}")


def test_analyst_sees_watchlist_entries_with_their_best_match(page: Page, base_url: str) -> None:
    _log_in(page, base_url, "ana", "/watchlists")
    page.get_by_role("link", name="Counterparties").click()
    rows = page.locator("table.entries-table tbody tr")
    expect(rows).to_have_count(10)
    jong = rows.filter(has_text="Jong Song Ho")
    expect(jong.get_by_role("link", name="JONG, Song Ho")).to_be_visible()
    expect(jong).to_contain_text("1.00")
    screenshot(page, "watchlists", full_page=True)


def test_importer_sees_the_alert_raised_by_the_import_and_acknowledges_it(page: Page, base_url: str) -> None:
    _log_in(page, base_url, "bo", "/alerts")
    # Other tests of this process may add entries to bo's watchlist, which alert when added: this one is
    # the alert the 2024-05-03 import raised.
    alerts = page.locator("ol.alerts > li").filter(has_text="Jon Yun Gun")
    expect(alerts).to_have_count(1)
    alert = alerts.first
    expect(alert.get_by_role("link", name="JON, Yun Gun")).to_be_visible()
    expect(alert.get_by_role("link", name="ofac 2024-05-03")).to_be_visible()
    expect(alert.locator(".why")).to_contain_text("dates of birth agree")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(page).to_have_url(f"{base_url}/alerts")
    expect(page.locator("ol.alerts > li").filter(has_text="Jon Yun Gun")).to_have_count(0)
    page.get_by_label("Show").select_option("acknowledged")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("ol.alerts > li").first).to_contain_text("acknowledged by bo")


def test_analyst_reads_open_alerts_with_the_chart_per_list_version(page: Page, base_url: str) -> None:
    # Every state: other tests sharing the scenario in this process may already have acknowledged some.
    _log_in(page, base_url, "ana", "/alerts?state=all")
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator("ol.alerts > li").filter(has_text="JONG, Song Ho")).to_contain_text("new")
    # Wang Guoying alerted twice: as new when added to the watchlist, then as changed since the decision.
    wang = page.locator("ol.alerts > li").filter(has_text="WANG, Guoying")
    expect(wang.filter(has_text="decide again")).to_have_count(1)
    screenshot(page, "alerts", full_page=True)
