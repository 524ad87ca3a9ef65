"""What others wrote must not run for the reader: a source address that is not http(s) is refused at
import and never becomes a link; a CSV cell that a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from accomplice.batch.csv_cells import formula_safe, formula_safe_writer
from accomplice.batch.exposure import read_exposure_file
from accomplice.errors import InputError
from accomplice.exposure.urls import is_web_url
from accomplice.web.routes import _env

HOSTILE_URLS = (
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "http:///no-host",
)


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_source_url_that_is_not_http_is_refused_with_file_and_line(tmp_path: Path, url: str) -> None:
    path = tmp_path / "ev.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject", "statement", "source_title", "source_url"])
        writer.writerow(["Dandong Haiyang", "workers seen", "NGO report", "https://example.org/report"])
        writer.writerow(["Dandong Haiyang", "workers seen", "NGO report", url])
    with pytest.raises(InputError, match=r"ev\.csv:3: source_url .* is not an http:// or https:// address"):
        read_exposure_file("evidence", path)


def test_http_and_https_sources_are_links_and_nothing_else_is() -> None:
    assert is_web_url("https://www.cbp.gov/newsroom")
    assert is_web_url("HTTP://example.org/a?b=c")
    for url in (*HOSTILE_URLS, "", None, "https://[::1"):
        assert not is_web_url(url)
    template = _env().from_string('{% if u is web_url %}<a href="{{ u }}">x</a>{% else %}{{ u }}{% endif %}')
    assert "<a " in template.render(u="https://example.org/")
    assert "<a " not in template.render(u="javascript:alert(1)")


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_formula_leading_cells_are_written_as_text(cell: str) -> None:
    out = io.StringIO()
    formula_safe_writer(out).writerow(["1", cell, "0.92"])
    written = next(csv.reader(io.StringIO(out.getvalue())))
    assert written[1] == "'" + cell
    assert written[0] == "1"
    assert written[2] == "0.92"


def test_numbers_and_ordinary_names_are_left_alone() -> None:
    for cell in ("-0.5", "+7", "1e-3", "KIM Jong Un", "金正恩", "O'Neil", "", 3):
        assert formula_safe(cell) == cell
