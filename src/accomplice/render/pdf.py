"""HTML to PDF with WeasyPrint, fetching nothing but inline data.

A document's HTML is built from list data, uploads and analysts' text; a URL in it (an `<img src>`, a CSS
`@import`) must not make the server fetch anything, on this machine or elsewhere (SSRF). The fetcher below
(WeasyPrint's `URLFetcher` limited to the `data:` scheme) answers inline data only; figures go in as
inline SVG, which needs no fetch at all.
"""

from __future__ import annotations

__all__ = ["DOCUMENT_CSS", "PdfError", "pdf_from_html"]

# A4 with room for a footer; the font stack puts Noto CJK (Debian's fonts-noto-cjk) before the generic
# family so that Hangul, Han and Cyrillic never fall back to empty boxes.
DOCUMENT_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
        @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; color: #555; }
        @bottom-left { content: string(doc-title); font-size: 8pt; color: #555; } }
html { font-family: "Noto Sans", "Noto Sans CJK KR", "Noto Sans CJK SC", "DejaVu Sans", sans-serif;
       font-size: 10pt; line-height: 1.4; color: #111; }
h1 { font-size: 18pt; margin: 0 0 6pt; string-set: doc-title content(); }
h2 { font-size: 13pt; margin: 14pt 0 4pt; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; margin: 10pt 0 3pt; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; font-size: 9pt; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num, th.num { text-align: right; }
figure { margin: 6pt 0; page-break-inside: avoid; }
figcaption { font-size: 8.5pt; color: #333; }
.muted { color: #555; }
.flag { color: #a00; font-weight: bold; }
"""


class PdfError(Exception):
    """The PDF could not be made (for example: the HTML asks for a resource that may not be fetched)."""


def pdf_from_html(html: str, *, extra_css: str = "") -> bytes:
    """The PDF of a whole HTML document, with the shared document style (and `extra_css`) applied."""
    # Imported here: WeasyPrint loads Pango and fonts, which the screening CLI and API never need.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    stylesheets = [CSS(string=DOCUMENT_CSS)]
    if extra_css:
        stylesheets.append(CSS(string=extra_css))
    # `data:` only: no file, no loopback, no network; WeasyPrint logs the refusal and leaves the hole.
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    document = HTML(string=html, url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=stylesheets)
    if not isinstance(pdf, bytes):  # write_pdf returns bytes when given no target
        raise PdfError("WeasyPrint returned no PDF")
    return pdf
