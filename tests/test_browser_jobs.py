"""The Batch pages in a real browser (Debian's Chromium through Playwright, never a downloaded browser):
log in, upload a file of names, watch the job finish, download its results, dismiss a false positive and
see the decision applied when the same file is screened again.

Screenshots go to build/screenshots/batch-*.png (`make screenshots` copies them into docs/).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from accomplice import services
from accomplice.api import create_app
from accomplice.services.auth import add_user, operator_principal
from accomplice.store import Store
from tests.browser_support import desktop_page, screenshot, serve
from tests.helpers import copy_of_store
from tests.jobs_data import names_csv

# The first job waits for the screening index of the lists (about a minute on a busy machine).
JOB_MS = 300_000
USER, PASSWORD = "web-ana", "correct horse battery staple"
# KORYO BANK is listed (UN KPe.045); it also scores 0.9 against KORYO COMMERCIAL BANK LTD., another bank
# on the OFAC list: the false positive the analyst dismisses.
FALSE_POSITIVE = "KORYO COMMERCIAL BANK LTD."


@pytest.fixture(scope="module")
def base_url(screening_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # A store of its own: the decision this module records (KORYO BANK) must not reach the API job tests,
    # which share `jobs_store` and count their own decisions only.
    store = copy_of_store(screening_store, tmp_path_factory.mktemp("browser-jobs") / "jobs.db")
    add_user(store, operator_principal("test"), name=USER, roles=["analyst"], password=PASSWORD, org="ngo")
    # Built before the first job, as `accomplice serve` does at start: otherwise whichever test uploads
    # first (xdist may run any one alone) waits a minute of index build in "queued".
    services.screening_index(store)
    with serve(create_app(store), "jobs-test", stop_seconds=30) as url:
        yield url
    store.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with desktop_page(browser, accept_downloads=True) as opened:
        yield opened


def _upload(page: Page, source: Path) -> int:
    page.get_by_label("File of names (CSV, XLSX or JSON lines)").set_input_files(str(source))
    page.get_by_role("button", name="Screen file").click()
    expect(page).to_have_url(re.compile(r"/batch/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    # The page reloads itself (meta refresh) until the job ends; no script runs.
    expect(page.locator("#job-state")).to_have_text("done", timeout=JOB_MS)
    expect(page.locator("#job-rows")).to_have_text("35 of 35 rows")
    return job_id


def _match(page: Page, row: int, caption: str) -> Locator:
    return page.locator(f"#row-{row} .job-match").filter(has_text=caption)


def test_analyst_uploads_watches_downloads_and_dismisses_a_false_positive(
    page: Page, base_url: str, raw_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "suppliers.csv"
    source.write_bytes(names_csv(raw_dir))

    page.goto(base_url + "/batch")
    expect(page.get_by_role("heading", name="Log in to see this page")).to_be_visible()
    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/batch")
    expect(page.get_by_role("heading", name="Batch screening")).to_be_visible()
    screenshot(page, "batch-upload", full_page=False)

    job_id = _upload(page, source)
    screenshot(page, "batch-job", full_page=True)
    assert page.locator('meta[http-equiv="refresh"]').count() == 0, "a finished job's page stops reloading"
    korean = page.locator("#row-0")
    expect(korean).to_contain_text("김정은")
    expect(korean.locator(".job-match").first).to_contain_text("KIM, Jong Un")
    expect(korean.locator(".why").first).not_to_be_empty()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    downloaded = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(downloaded)))
    assert rows[0] == list(services.CSV_RESULT_COLUMNS)
    assert [r[0] for r in rows[1:]] == [f"r0-{i}" for i in range(1, 36)]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download JSONL").click()
    assert len(Path(download.value.path()).read_text(encoding="utf-8").splitlines()) == 35

    page.get_by_label("Only rows with matches").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#row-1")).to_have_count(0)  # a clean name, no match
    expect(page.locator("#row-0")).to_have_count(1)
    screenshot(page, "batch-filtered", full_page=False)

    # Row 25 of the file (KORYO BANK): dismiss the other bank, with the analyst's reason.
    wrong = _match(page, 24, FALSE_POSITIVE)
    expect(wrong).to_have_count(1)
    # A decision without a reason is refused by the browser itself: the reason field is required.
    wrong.get_by_role("button", name="Not a match").click()
    expect(page).not_to_have_url(re.compile(r"#row-24$"))
    wrong.get_by_label("Reason").fill("Koryo Commercial Bank is another bank")
    wrong.get_by_role("button", name="Not a match").click()
    expect(page).to_have_url(re.compile(rf"/batch/{job_id}\?only_matches=1#row-24$"))
    decided = _match(page, 24, FALSE_POSITIVE)
    expect(decided.locator(".decision")).to_contain_text("Not a match")
    expect(decided.locator(".decision")).to_contain_text(f"decided by {USER}")
    expect(decided.locator(".decision")).to_contain_text("Koryo Commercial Bank is another bank")
    decided.scroll_into_view_if_needed()
    screenshot(page, "batch-decided", full_page=False)

    page.get_by_label("Decisions").select_option("decided")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".job-row")).to_have_count(1)
    expect(page.locator(".job-match")).to_have_count(1)

    # The same names again: the listed bank comes first; the dismissed one is folded, with the decision.
    page.get_by_role("link", name="Batch").first.click()
    _upload(page, source)
    again = page.locator("#row-24")
    expect(again.locator(".job-match").first).to_contain_text("KORYO BANK")
    folded = again.locator("details.dismissed")
    expect(folded).to_have_count(1)
    expect(folded.locator("summary")).to_contain_text(f"decided by {USER}")
    expect(folded.locator("summary")).to_contain_text("Koryo Commercial Bank is another bank")
    expect(folded.locator(".why")).to_be_hidden()
    again.scroll_into_view_if_needed()
    screenshot(page, "batch-rerun", full_page=False)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        folded.scroll_into_view_if_needed()
        box = folded.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= width, f"the folded match fits {width} px"
        screenshot(page, f"batch-rerun-folded-{width}", full_page=False)
    folded.locator("summary").click()
    expect(folded.locator(".why")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Batch").first.click()
    expect(page.locator("table.jobs tbody tr").first).to_contain_text("done")
    screenshot(page, "batch-list", full_page=False)


def test_running_job_page_reloads_itself_and_shows_a_progress_bar(
    page: Page, base_url: str, raw_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "big.csv"
    source.write_bytes(names_csv(raw_dir, repeat=200))
    page.goto(base_url + "/login")
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(base_url + "/batch")
    page.get_by_label("File of names (CSV, XLSX or JSON lines)").set_input_files(str(source))
    page.get_by_role("button", name="Screen file").click()
    expect(page).to_have_url(re.compile(r"/batch/\d+$"))
    # 7,000 rows take seconds: the page shows the job under way, reloading itself.
    assert page.locator("#job-state").inner_text() in ("queued", "running")
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    expect(page.locator("progress#job-progress")).to_have_attribute("max", "7000")
    expect(page.locator("#job-state")).to_have_text("running")
    screenshot(page, "batch-running", full_page=False)
    page.get_by_role("button", name="Cancel job").click()
    expect(page.locator("#job-state")).to_have_text("cancelled")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
