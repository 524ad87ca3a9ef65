"""§321(b) cases in a real browser (Debian's Chromium through Playwright, against a real uvicorn server), at
1280 and 390 px: the Dandong Huayang history as the register import brings it (detention 23 Dec 2020,
answers, exclusions 22 and 26 Jan 2021, protest 4 Feb, Ruling H317249 of 5 Mar 2021); a live case the
importer answers in its portal and the officer decides; the public statistics. Screenshots go to
build/screenshots/ (cases-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.services import cases, register
from accomplice.settings import get_settings
from accomplice.store import open_store
from tests.browser_support import PHONE, desktop_page, screenshot, serve

PASSWORD = "correct horse battery staple"
DANDONG_CASE = "CBP-2020-12-23-dandong-huayang-textiles-and-garments-co-ltd"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('cases-browser') / 'accomplice.db'}")
    operator = accounts.operator_principal("tester")
    accounts.add_user(store, operator, name="officer", roles=["analyst"], password=PASSWORD)
    accounts.add_user(store, operator, name="poof", roles=["importer"], password=PASSWORD, org="poof-apparel")
    register.import_register(
        store,
        operator,
        get_settings().shared_dir / "data" / "accountability" / "enforcement_actions.csv",
        publish=False,
    )
    officer = accounts.local_principal(store, "officer")
    live = cases.open_case(
        store, officer, title="Knitted garments, entry 2", org="poof-apparel", at=date(2020, 12, 23)
    )
    cases.act(
        store,
        officer,
        live.case.id,
        "detained",
        note="Presumption: North Korean labour",
        at=date(2020, 12, 23),
    )
    with serve(create_app(store), "cases-test") as url:
        yield url, live.case.id
    store.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with desktop_page(browser) as opened:
        yield opened


def _xlsx() -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["worker", "nationality", "month", "wage"])
    sheet.append(["W-001", "CN", "2020-11", 2300])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _log_in(page: Page, base_url: str, user: str, next_path: str) -> None:
    page.goto(f"{base_url}/login?next={next_path}")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}{next_path}")


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide at {PHONE['width']} px"


def test_the_dandong_huayang_history_reads_as_a_timeline_at_both_widths(
    page: Page, scenario: tuple[str, str]
) -> None:
    base_url, _ = scenario
    _log_in(page, base_url, "officer", "/cases")
    page.get_by_role("link", name="Dandong Huayang", exact=False).first.click()
    expect(page).to_have_url(f"{base_url}/cases/{DANDONG_CASE}")
    timeline = page.locator("ol.timeline > li")
    expect(timeline).to_have_count(6)
    expect(timeline.nth(0)).to_contain_text("2020-12-23 detained")
    expect(timeline.nth(2)).to_contain_text("2021-01-22 decided (excluded)")
    expect(timeline.nth(3)).to_contain_text("2021-01-26 decided (excluded)")
    expect(timeline.nth(4)).to_contain_text("2021-02-04 protested")
    expect(timeline.nth(5)).to_contain_text("Ruling H317249")
    expect(page.get_by_role("heading", name="Next step")).to_have_count(0)  # ruled: closed
    screenshot(page, "cases-dandong")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(timeline).to_have_count(6)
    _no_sideways_scroll(page)
    screenshot(page, "cases-dandong-phone")


def test_the_importer_answers_and_the_officer_decides_in_the_pages(
    browser: Browser, scenario: tuple[str, str]
) -> None:
    base_url, case_id = scenario
    with desktop_page(browser) as importer:
        _log_in(importer, base_url, "poof", "/cases")
        expect(importer.locator("table.cases")).not_to_contain_text("Dandong")  # not its organisation's
        importer.get_by_role("link", name="Knitted garments, entry 2").click()
        importer.locator("#doc-file").set_input_files(
            files=[{"name": "payroll-2020.xlsx", "mimeType": "application/octet-stream", "buffer": _xlsx()}]
        )
        importer.locator("#doc-item").select_option("workforce")
        importer.locator("#doc-stage").fill("sewing")
        importer.get_by_role("button", name="Upload").click()
        expect(importer.locator("main")).to_contain_text("payroll-2020.xlsx")
        expect(importer.locator("main")).to_contain_text("workforce · sewing")
        importer.locator("#kind").select_option("response")
        importer.locator("#note").fill("Updated CF-28 answers: recruitment records and payroll")
        importer.get_by_role("button", name="Record").click()
        expect(importer.locator("ol.timeline > li").last).to_contain_text("response · poof")
        importer.set_viewport_size(PHONE)
        importer.reload()
        _no_sideways_scroll(importer)
        screenshot(importer, "cases-importer-phone")
    with desktop_page(browser) as officer:
        _log_in(officer, base_url, "officer", f"/cases/{case_id}")
        officer.locator("#kind").select_option("decided")
        officer.locator("#outcome").select_option("excluded")
        officer.locator("#note").fill("Payroll headcount inconsistent with the audit")
        officer.get_by_role("button", name="Record").click()
        expect(officer.get_by_role("heading", name="Decision")).to_be_visible()
        expect(officer.locator("main")).to_contain_text("excluded")
        screenshot(officer, "cases-decided")


def test_the_public_statistics_show_charts_without_a_login(page: Page, scenario: tuple[str, str]) -> None:
    base_url, _ = scenario
    page.goto(f"{base_url}/statistics")
    expect(page.locator("svg").first).to_be_visible()
    expect(page.get_by_role("heading", name="By fiscal year")).to_be_visible()
    expect(page.locator("main")).to_contain_text("FY2021")
    screenshot(page, "cases-statistics")
    page.set_viewport_size(PHONE)
    page.reload()
    _no_sideways_scroll(page)
    screenshot(page, "cases-statistics-phone")
