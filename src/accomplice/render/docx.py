"""DOCX for editing: headings, paragraphs, lists and tables, with East Asian fonts set.

Word picks the font for Hangul and Han from a run's `eastAsia` font, not its Latin one; without it a
Korean or Chinese name may show in a font that lacks the glyphs. The Normal style names Noto Sans CJK
(Debian's fonts-noto-cjk) first and Malgun Gothic, which every Windows has, in the theme's place.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

__all__ = ["DocxWriter"]

LATIN_FONT = "Noto Sans"
EAST_ASIAN_FONT = "Noto Sans CJK KR"
BODY_POINTS = 10


class DocxWriter:
    """Builds one DOCX document top to bottom; `to_bytes()` gives the file."""

    def __init__(self, title: str) -> None:
        import docx
        from docx.oxml.ns import qn
        from docx.shared import Pt

        self._document = docx.Document()
        self._document.core_properties.title = title
        normal = self._document.styles["Normal"]
        normal.font.name = LATIN_FONT
        normal.font.size = Pt(BODY_POINTS)
        fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)

    def heading(self, text: str, level: int = 1) -> None:
        self._document.add_heading(text, level=level)

    def paragraph(self, text: str, *, italic: bool = False, bold: bool = False) -> None:
        run = self._document.add_paragraph().add_run(text)
        run.italic = italic
        run.bold = bold

    def bullets(self, items: Sequence[str]) -> None:
        for item in items:
            self._document.add_paragraph(item, style="List Bullet")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """A grid table; cells are shown as text (numbers with thousands separators)."""
        grid = self._document.add_table(rows=1, cols=len(header))
        grid.style = "Table Grid"
        for cell, label in zip(grid.rows[0].cells, header, strict=True):
            cell.text = str(label)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            cells = grid.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = (
                    f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
                )

    def page_break(self) -> None:
        self._document.add_page_break()  # type: ignore[no-untyped-call]

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self._document.save(out)
        return out.getvalue()
