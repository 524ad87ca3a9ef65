"""The list diff page in Debian's Chromium: changed entity names are legible at desktop and phone width.

The colours are read back from the browser (getComputedStyle), so that a stylesheet rule meant for another
part of the page (the header's near-white links) cannot make a name unreadable without this test failing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from accomplice.api import create_app
from accomplice.store import open_store
from tests.browser_support import DESKTOP, PHONE, serve

# WCAG 2.1 success criterion 1.4.3 (contrast, minimum): normal-size text needs 4.5:1 against its background.
WCAG_AA_TEXT_CONTRAST = 4.5

# The element's colour, and the first opaque background colour of it or its ancestors (white at the root).
COLOURS_JS = """
element => {
  const parse = value => value.match(/[\\d.]+/g).map(Number);
  let node = element;
  let background = [255, 255, 255, 1];
  while (node && node.nodeType === 1) {
    const colour = parse(getComputedStyle(node).backgroundColor);
    if (colour.length < 4 || colour[3] > 0) { background = colour; break; }
    node = node.parentElement;
  }
  return {text: parse(getComputedStyle(element).color), background};
}
"""


@pytest.fixture(scope="module")
def base_url(web_store_url: str) -> Iterator[str]:
    store = open_store(web_store_url)
    with serve(create_app(store), "diff") as url:
        yield url
    store.close()


def _luminance(rgb: list[float]) -> float:
    """Relative luminance of an sRGB colour (WCAG 2.1 definition)."""

    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(text: list[float], background: list[float]) -> float:
    lighter, darker = sorted((_luminance(text), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_ratio_of_black_on_white_is_21_and_of_the_old_near_white_is_low() -> None:
    assert contrast_ratio([0, 0, 0], [255, 255, 255]) == pytest.approx(21)
    # #dfe7f3, the header link colour the changed names once took on the white page.
    assert contrast_ratio([0xDF, 0xE7, 0xF3], [255, 255, 255]) < 1.3


def _name_contrasts(page: Page, base_url: str) -> list[tuple[str, float]]:
    page.goto(f"{base_url}/lists/ofac?old=1&new=2#diff")
    names = page.locator("section#changed ol.changes > li a").first
    names.wait_for()
    found = []
    for section in ("changed", "added", "removed"):
        link = page.locator(f"section#{section} li a").first
        colours = link.evaluate(COLOURS_JS)
        found.append(
            (f"{section}: {link.inner_text()}", contrast_ratio(colours["text"], colours["background"]))
        )
    return found


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_changed_entity_names_on_the_diff_page_meet_wcag_contrast(
    browser: Browser, base_url: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        for name, ratio in _name_contrasts(page, base_url):
            assert ratio >= WCAG_AA_TEXT_CONTRAST, (viewport["width"], name, round(ratio, 2))
    finally:
        context.close()
