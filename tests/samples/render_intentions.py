"""Render the intentions annex (Bilag 3 – Hensigtserklæringer) as a digital A4 PDF.

A two-column table (Titel | Hensigtserklæring) with narrow columns; both columns keep the
source's line breaks, so the end-of-line hyphenation is exactly the original's. Rows
never split across pages.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4

from .corpus import IntentionsDoc
from .textkit import Flow, Geom, font_set, new_canvas, width


def render_intentions(
    doc: IntentionsDoc,
    out_path: str | Path,
    *,
    pagesize: tuple[float, float] = A4,
    font: str = "Helvetica",
    size: float = 10.0,
    column_widths: tuple[float, float] | None = None,
    ruled: bool = True,
    margins: tuple[float, float, float, float] = (70.0, 70.0, 60.0, 60.0),
    title: str = "Bilag 3 – Hensigtserklæringer",
) -> Path:
    """Draw the annex. column_widths: (title column, text column) in points; default:
    as wide as the longest line of each column plus padding. ruled: light lines between
    rows (the original's table grid)."""
    out_path = Path(out_path)
    fonts = font_set(font)
    pw, ph = pagesize
    left, right, top, bottom = margins
    geom = Geom(left, pw - right, ph - top, bottom)
    c = new_canvas(out_path, pagesize, title)
    w = Flow(c, geom, fonts)
    lead = size * 1.3
    pad = 6.0
    if column_widths is None:
        tw = max(width(s, fonts.regular, size) for r in doc.rows for s in r.title_lines)
        xw = max(width(s, fonts.regular, size) for r in doc.rows for s in r.text_lines)
        column_widths = (tw + 2 * pad + 4, xw + 2 * pad + 4)
    x1 = left + column_widths[0]
    x_end = x1 + column_widths[1]
    # department block, top right
    for s in doc.header_lines:
        w.advance(size * 1.25)
        w.text(geom.right, s, fonts.regular, size - 1, "right")
    w.advance(lead * 2)
    w.text(left, doc.annex, fonts.bold, size + 1)
    w.advance(lead * 1.6)
    w.text(left, doc.title, fonts.bold, size + 5)
    w.advance(lead)

    def rule() -> None:
        if ruled:
            c.setLineWidth(0.4)
            c.setStrokeGray(0.55)
            c.line(left, w.y, x_end, w.y)

    def header() -> None:
        rule()
        w.advance(lead)
        w.text(left + pad, doc.column_headers[0], fonts.bold, size)
        w.text(x1 + pad, doc.column_headers[1], fonts.bold, size)
        w.advance(lead * 0.5)
        rule()

    header()
    for row in doc.rows:
        n = max(len(row.title_lines), len(row.text_lines))
        if w.y - lead * (n + 0.6) < geom.bottom:
            w.new_page()
            header()
        top_y = w.y
        for k, s in enumerate(row.title_lines):
            w.y = top_y - lead * (k + 1)
            w.text(left + pad, s, fonts.regular, size)
        for k, s in enumerate(row.text_lines):
            w.y = top_y - lead * (k + 1)
            w.text(x1 + pad, s, fonts.regular, size)
        w.y = top_y - lead * (n + 0.5)
        rule()
    c.showPage()
    c.save()
    return out_path
