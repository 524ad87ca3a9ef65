"""Documents and figures for people: SVG charts, PDF from HTML, DOCX for editing.

Shared by every area that hands a document to a reader (case files, dossiers, hearing briefs, dashboards):
one chart style, one PDF engine (WeasyPrint, with the system's Noto CJK fonts so that Korean, Chinese and
Cyrillic names render), one DOCX writer (python-docx). Nothing here fetches from the network.
"""

from __future__ import annotations

from accomplice.render.charts import (
    ChartSeries,
    bar_chart_svg,
    chart_csv,
    grouped_bar_chart_svg,
    line_chart_svg,
)
from accomplice.render.docx import DocxWriter
from accomplice.render.pdf import PdfError, pdf_from_html

__all__ = [
    "ChartSeries",
    "DocxWriter",
    "PdfError",
    "bar_chart_svg",
    "chart_csv",
    "grouped_bar_chart_svg",
    "line_chart_svg",
    "pdf_from_html",
]
