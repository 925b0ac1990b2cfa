"""Render the 2007 letter + guidelines (LetterDoc) as A4 pages, to be scanned.

Letterhead top left, the recipients, a right-hand column with Dato/Sagsnr./Dok.nr. and
(on the letter's first page) the address/telephone block, body text in a column left of
it, lists, the status forms as boxed two-column grids and Tabel 1 as an empty grid.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4

from .corpus import Form, Heading, LetterDoc, LetterPart, ListItem, Paragraph
from .textkit import Flow, FontSet, Geom, font_set, new_canvas, width, wrap


def _meta_block(w: Flow, part: LetterPart, x: float, y: float, size: float) -> None:
    f = w.f
    keep = w.y
    w.y = y
    for key, value in part.meta:
        w.text(x, f"{key}: {value}", f.regular, size)
        w.advance(size * 2.0)
    if part.initials:
        w.text(x, part.initials, f.regular, size)
    w.y = keep


def _sidebar(w: Flow, groups: tuple[tuple[str, ...], ...], x: float, y: float, size: float):
    keep = w.y
    w.y = y
    for k, g in enumerate(groups):
        for s in g:
            w.text(x, s, w.f.bold if k == 0 else w.f.regular, size)
            w.advance(size * 1.3)
        w.advance(size * 0.8)
    w.y = keep


def _form(w: Flow, form: Form, fonts: FontSet, size: float, x0: float, x1: float) -> None:
    """A boxed grid. Two cells per row: label | space to write in; more cells: a table
    whose first row holds the column heads (Tabel 1)."""
    lead = size * 1.3
    ncells = max(len(r.cells) for r in form.rows)
    total = x1 - x0
    if ncells == 2:
        widths = [total * 0.42, total * 0.58]
        min_lines = 3
    else:
        first = total * 0.40
        widths = [first] + [(total - first) / (ncells - 1)] * (ncells - 1)
        min_lines = 2
    xs = [x0]
    for cw in widths[:-1]:
        xs.append(xs[-1] + cw)
    c = w.c
    c.setLineWidth(0.7)
    c.setStrokeGray(0.0)
    for row in form.rows:
        cells = list(row.cells) + [""] * (ncells - len(row.cells))
        wrapped = [
            wrap(s, fonts.regular, size, widths[k] - 8) if s else [] for k, s in enumerate(cells)
        ]
        n = max(min_lines, *(len(t) for t in wrapped))
        h = n * lead + 6
        w.need(h)
        top = w.y
        for k, lines in enumerate(wrapped):
            for i, s in enumerate(lines):
                w.y = top - 3 - lead * (i + 1) + size * 0.25
                if k and ncells > 2:
                    w.text(xs[k] + widths[k] - 5, s, fonts.bold, size, "right")
                else:
                    w.text(xs[k] + 4, s, fonts.regular, size)
        for k in range(ncells):
            c.rect(xs[k], top - h, widths[k], h)
        w.y = top - h


def _form_height(form: Form, size: float) -> float:
    """Upper estimate of a form's height (rows of at least 2-3 lines)."""
    lead = size * 1.3
    n = 3 if max(len(r.cells) for r in form.rows) == 2 else 2
    return len(form.rows) * (n * lead + 6)


def render_letter(
    doc: LetterDoc,
    out_path: str | Path,
    *,
    pagesize: tuple[float, float] = A4,
    font: str = "Times-Roman",
    size: float = 11.0,
    sidebar: bool = True,
    title: str = "Budgetredegørelse 2007",
) -> Path:
    """Draw the letter and its guidelines, each part starting on a new page."""
    out_path = Path(out_path)
    fonts = font_set(font)
    pw, ph = pagesize
    left, top, bottom = 64.0, 64.0, 64.0
    side_x = pw - 170.0
    body = Geom(left, side_x - 24, ph - top, bottom)
    full_right = pw - 56.0
    c = new_canvas(out_path, pagesize, title)
    w = Flow(c, body, fonts)
    lead = size * 1.3
    for p, part in enumerate(doc.parts):
        if p:
            w.new_page()
        if p == 0:  # letterhead + recipients
            for i, s in enumerate(doc.letterhead):
                sz = 14.0 if i == 0 else 10.0
                w.advance(sz * 1.35)
                w.text(left, s, fonts.bold if i == 0 else fonts.regular, sz)
            w.advance(lead * 1.5)
            for s in doc.recipients:
                w.advance(lead)
                w.text(left, s, fonts.regular, size)
            if sidebar and doc.sidebar:
                _sidebar(w, doc.sidebar, side_x, ph * 0.52, size - 2)
        _meta_block(w, part, side_x, ph - top - (90 if p == 0 else 10), size - 1)
        w.advance(lead * 3 if p == 0 else lead * 7)
        w.lines([part.subject], fonts.bold, size + 1, left, body.width)
        w.advance(lead * 0.5)
        blocks = part.blocks
        for k, b in enumerate(blocks):
            w.advance(lead * 0.6)
            if isinstance(b, Heading):
                nxt = blocks[k + 1] if k + 1 < len(blocks) else None
                # keep a form's title with the form (whole form when it fits on a page)
                keep = _form_height(nxt, size - 1) if isinstance(nxt, Form) else lead
                w.need(lead * 2 + min(keep, body.top - body.bottom - lead * 3))
                w.lines([b.text], fonts.bold, size, left, body.width)
            elif isinstance(b, Paragraph):
                w.lines(
                    wrap(" ".join(b.lines), fonts.regular, size, body.width),
                    fonts.regular,
                    size,
                    left,
                    body.width,
                )
            elif isinstance(b, ListItem):
                w.advance(-lead * 0.45)
                indent = max(18.0, width(b.marker, fonts.regular, size) + 8)
                w.need(lead)
                w.advance(lead)
                w.text(left + 4, b.marker, fonts.regular, size)
                w.advance(-lead)
                lines = wrap(b.text, fonts.regular, size, body.width - indent - 4)
                w.lines(lines, fonts.regular, size, left + indent + 4, body.width)
            elif isinstance(b, Form):
                w.advance(lead * 0.3)
                _form(w, b, fonts, size - 1, left, full_right)
        if p == 0 and doc.closing:
            w.advance(lead * 1.5)
            w.need(lead * 5)
            w.advance(lead)
            w.text(left, doc.closing[0], fonts.regular, size)
            w.advance(lead * 2)
            for s in doc.closing[1:]:
                w.advance(lead)
                w.text(left, s, fonts.regular, size)
    c.showPage()
    c.save()
    return out_path
