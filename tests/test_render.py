"""The shared document tools: charts carry their numbers, PDFs render every script and fetch nothing."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from accomplice.render import (
    ChartSeries,
    DocxWriter,
    bar_chart_svg,
    chart_csv,
    grouped_bar_chart_svg,
    line_chart_svg,
    pdf_from_html,
)

YEARS = ("2016", "2017", "2018")
SERIES = (ChartSeries("OFAC", (12.0, 40.0, 7.0)), ChartSeries("UN <1718>", (3.0, 9.0, 0.0)))


def test_a_chart_states_every_number_for_screen_readers_and_escapes_its_labels() -> None:
    svg = grouped_bar_chart_svg(YEARS, SERIES, title="Designations & more")
    assert 'role="img"' in svg
    assert "Designations &amp; more" in svg
    assert "UN &lt;1718&gt;: 2016 3, 2017 9, 2018 0" in svg
    assert "<1718>" not in svg
    assert svg.count("<rect") == 6 + 2  # six bars and two legend swatches


def test_a_bar_of_zero_has_no_height_and_the_axis_tops_at_a_round_number() -> None:
    svg = bar_chart_svg([("a", 0), ("b", 37)], title="t")
    assert 'height="0.0"' in svg
    assert ">40</text>" in svg


def test_a_line_chart_draws_one_line_per_series() -> None:
    svg = line_chart_svg(YEARS, SERIES, title="gap")
    assert svg.count("<polyline") == 2


def test_chart_csv_keeps_the_numbers_and_defuses_formulas() -> None:
    text = chart_csv(("=cmd", "2017"), (ChartSeries("OFAC", (1200.0, 3.5)),), category_header="year")
    assert text.splitlines() == ["year,OFAC", "'=cmd,1200", "2017,3.50"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_pdf_holds_korean_chinese_and_russian_text_and_its_chart(tmp_path: Path) -> None:
    svg = bar_chart_svg([("2017", 5)], title="chart")
    pdf = pdf_from_html(f"<h1>조선광선은행 朝鲜光鲜银行 Корея</h1><figure>{svg}</figure>")
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "조선광선은행" in text
    assert "朝鲜光鲜银行" in text
    assert "Корея" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts


def test_a_pdf_never_fetches_what_its_html_points_at(tmp_path: Path) -> None:
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = tmp_path / "secret.css"
    secret.write_text("h1 { color: red }")
    try:
        port = server.server_address[1]
        pdf = pdf_from_html(
            f'<link rel="stylesheet" href="file://{secret}"><img src="http://127.0.0.1:{port}/x.png">'
            f"<style>@import url(http://127.0.0.1:{port}/y.css);</style><p>ok</p>"
        )
    finally:
        server.shutdown()
        server.server_close()
    assert pdf.startswith(b"%PDF")
    assert requests == []


def test_a_docx_keeps_east_asian_text_and_tables(tmp_path: Path) -> None:
    import docx

    writer = DocxWriter("Brief")
    writer.heading("조선광선은행")
    writer.table(["list", "count"], [["OFAC", 1200]])
    path = tmp_path / "b.docx"
    path.write_bytes(writer.to_bytes())
    document = docx.Document(str(path))
    assert document.paragraphs[0].text == "조선광선은행"
    assert document.tables[0].cell(1, 1).text == "1,200"
