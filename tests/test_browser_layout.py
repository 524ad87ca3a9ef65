"""The frame of every page in a real browser (Debian's Chromium via Playwright; no browser is downloaded):
the menu offers what the visitor may use, fits one row at 1280 px and never breaks a word at 390 px, no
page scrolls sideways on a phone, and /docs renders the API from packaged files without leaving the machine.

Screenshots go to build/screenshots/layout/ (not docs/screenshots: these are for looking at, not for docs).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from accomplice import services
from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.services import exposure_documents, jobs, monitor
from accomplice.store import open_store
from tests.browser_support import DESKTOP, PHONE, desktop_page, serve
from tests.helpers import copy_of_store
from tests.test_web_exposure import load_fixtures

PASSWORD = "correct horse battery staple"
SHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots" / "layout"
FLAGGED_SHIPMENT = "ENT-2018-0412"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# What an anonymous visitor may use: the public lists and the API documentation.
PUBLIC_MENU = ["Search", "Lists", "COI", "API"]
LOOPBACK = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def base_url(web_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Two OFAC versions and the hostile list (for the diff and entity pages), the exposure fixtures
    (shipments, parties) with a document held for the flagged entry, a watchlist and a queued batch job,
    and an admin who may open every page."""
    shared = open_store(web_store_url)
    store = copy_of_store(shared, tmp_path_factory.mktemp("browser-layout") / "accomplice.db")
    shared.close()
    load_fixtures(store)
    operator = accounts.operator_principal("tester")
    accounts.add_user(store, operator, name="admin", roles=["admin"], password=PASSWORD, display_name="Admin")
    admin = accounts.local_principal(store, "admin")
    watchlist = monitor.create_watchlist(store, admin, "Counterparties")
    monitor.add_entries(store, admin, watchlist.id, [{"id": "c1", "name": "Korea Daesong Bank"}])
    jobs.submit_job(store, admin, file_name="suppliers.csv", data=b"id,name\n1,Korea Daesong Bank\n")
    exposure_documents.add_document(
        store,
        admin,
        FLAGGED_SHIPMENT,
        subject=FLAGGED_SHIPMENT,
        kind="purchase_orders",
        file_name="PO-2018-0412-signed-by-the-supplier.pdf",
        content=PDF,
        note="Order of 2018-05-02, with the supplier's confirmation",
    )
    services.screening_index(store)
    with serve(create_app(store, run_jobs=False), "layout-test") as url:
        yield url
    store.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with desktop_page(browser) as opened:
        yield opened


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB")
    yield context.new_page()
    context.close()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("header.site")).to_contain_text("Logged in as admin")


def _menu_labels(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("header.site nav a").all_inner_texts()]


def test_logged_out_menu_offers_only_public_pages_and_log_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/lists")
    assert _menu_labels(page) == PUBLIC_MENU
    page.locator("header.site").get_by_role("link", name="Log in").click()
    expect(page).to_have_url(base_url + "/login")


def test_admin_menu_offers_every_page_in_one_header_row_at_1280(page: Page, base_url: str) -> None:
    _log_in(page, base_url)
    for path in ("/lists", "/shipments"):
        page.goto(base_url + path)
        labels = _menu_labels(page)
        for label in ("Batch", "Watchlists", "Alerts", "Exposure"):
            assert label in labels, (path, labels)
        # One row: every item of the bar (brand, menu, search box, account) has its top in the same line.
        tops = page.evaluate(
            "[...document.querySelectorAll('header.site .bar > *')]"
            ".filter(e => e.getClientRects().length).map(e => Math.round(e.getBoundingClientRect().top))"
        )
        menu_rows = page.evaluate(
            "new Set([...document.querySelectorAll('header.site nav li')]"
            ".map(e => Math.round(e.getBoundingClientRect().top))).size"
        )
        assert menu_rows == 1, (path, menu_rows)
        assert max(tops) - min(tops) < page.locator("header.site nav a").first.bounding_box()["height"], (
            path,
            tops,
        )
    assert page.viewport_size == DESKTOP
    _shot(page, "header-admin-1280")


def _words_unbroken(page: Page) -> list[str]:
    """Menu links whose text the browser drew over more than one line (a word split, as "Searc/h")."""
    broken: list[str] = page.evaluate(
        "[...document.querySelectorAll('header.site nav a, header.site .who a, header.site .who button')]"
        ".filter(a => { const r = document.createRange(); r.selectNodeContents(a);"
        " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1; })"
        ".map(a => a.textContent.trim())"
    )
    return broken


def test_menu_at_390_never_breaks_a_word(phone: Page, base_url: str) -> None:
    phone.goto(base_url + "/lists")
    assert _words_unbroken(phone) == []
    _shot(phone, "header-anonymous-390")
    _log_in(phone, base_url)
    phone.goto(base_url + "/lists")
    assert _words_unbroken(phone) == []
    for label in ("Search", "Exposure", "Watchlists"):
        expect(phone.locator("header.site nav").get_by_role("link", name=label)).to_be_visible()
    _shot(phone, "header-admin-390")


def _document_width(page: Page) -> int:
    width: int = page.evaluate("document.scrollingElement.scrollWidth")
    return width


def _too_wide(page: Page) -> list[str]:
    """The outermost elements reaching past the right edge of the screen, to say what widens a page."""
    found: list[str] = page.evaluate(
        """(limit) => [...document.querySelectorAll('main *, header *')]
        .filter(e => e.getBoundingClientRect().right > limit + 1
                 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > limit + 1)
                 && !e.closest('.table-wrap, .flow-scroll'))
        .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'))""",
        PHONE["width"],
    )
    return found


def _phone_pages(page: Page, base_url: str) -> list[tuple[str, str]]:
    """Every main page, as (screenshot name, path); the party and watchlist pages found by their links."""
    page.goto(f"{base_url}/shipments/{FLAGGED_SHIPMENT}")
    party = page.locator("a[href^='/parties/']").first.get_attribute("href")
    page.goto(f"{base_url}/watchlists")
    watchlist = page.get_by_role("link", name="Counterparties").get_attribute("href")
    assert party is not None
    assert watchlist is not None
    return [
        ("home", "/"),
        ("search", "/?q=Korea+Taesong+Bank"),
        ("entity", "/entities/ofac:12312"),
        ("entity-long-name", "/entities/hostile:long"),
        ("lists", "/lists"),
        ("list-diff", "/lists/ofac?old=1&new=2&program=DPRK"),
        ("api", "/about/api"),
        ("batch", "/batch"),
        ("watchlists", "/watchlists"),
        ("watchlist", watchlist),
        ("alerts", "/alerts"),
        ("shipments", "/shipments"),
        ("shipment", f"/shipments/{FLAGGED_SHIPMENT}"),
        ("party", party),
        ("evidence", "/evidence"),
        ("account", "/account"),
    ]


def test_no_page_scrolls_sideways_at_390(phone: Page, base_url: str) -> None:
    phone.goto(base_url + "/login")
    too_wide: dict[str, tuple[int, list[str]]] = {}
    if _document_width(phone) > PHONE["width"]:
        too_wide["login"] = (_document_width(phone), _too_wide(phone))
    _shot(phone, "login-390")
    _log_in(phone, base_url)
    for name, path in _phone_pages(phone, base_url):
        phone.goto(base_url + path)
        expect(phone.locator("main h1").first).to_be_visible()
        width = _document_width(phone)
        if width > PHONE["width"]:
            too_wide[name] = (width, _too_wide(phone))
        _shot(phone, f"{name}-390")
    assert too_wide == {}, f"pages wider than the {PHONE['width']} px screen: {too_wide}"


def test_api_and_version_tables_read_as_labelled_rows_at_390_with_nothing_cut_off(
    phone: Page, base_url: str
) -> None:
    for path in ("/about/api", "/lists/ofac", "/lists"):
        phone.goto(base_url + path)
        hidden = phone.evaluate(
            "[...document.querySelectorAll('.table-wrap')].map(w => w.scrollWidth - w.clientWidth)"
        )
        assert hidden, f"{path} has no table"
        assert max(hidden) <= 0, (path, hidden)


def test_wide_figures_scale_to_the_phone_screen(phone: Page, base_url: str) -> None:
    _log_in(phone, base_url)
    phone.goto(f"{base_url}/shipments/{FLAGGED_SHIPMENT}")
    flow = phone.locator("svg.flow")
    expect(flow).to_be_visible()
    box = flow.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"], box


def _fail_on_remote(route: Route, remote: list[str]) -> None:
    host = urlsplit(route.request.url).hostname
    if host in LOOPBACK:
        route.continue_()
    else:
        remote.append(route.request.url)
        route.abort()


def _docs_page(context: BrowserContext, base_url: str) -> tuple[Page, list[str], list[str]]:
    remote: list[str] = []
    context.route("**/*", lambda route: _fail_on_remote(route, remote))
    opened = context.new_page()
    console: list[str] = []
    opened.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    opened.goto(base_url + "/docs")
    return opened, remote, console


def test_docs_render_the_api_from_packaged_files_without_leaving_the_machine(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    docs, remote, console = _docs_page(context, base_url)
    operation = docs.locator(".opblock-summary-path", has_text="/match/{dataset}")
    expect(operation.first).to_be_visible(timeout=15_000)
    expect(docs.locator(".opblock").first).to_be_visible()
    # The content-security-policy blocks nothing the page needs: no "Refused to ..." in the console.
    assert [m for m in console if "Content Security Policy" in m or "Refused" in m] == []
    assert remote == [], f"/docs asked for something beyond this machine: {remote}"
    _shot(docs, "docs-1280")
    context.close()


def test_docs_keep_a_content_security_policy_and_the_footer_links_them(page: Page, base_url: str) -> None:
    response = page.goto(base_url + "/docs")
    assert response is not None
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    page.goto(base_url + "/lists")
    page.locator("footer.site").get_by_role("link", name="Interactive API documentation").click()
    expect(page).to_have_url(base_url + "/docs")
