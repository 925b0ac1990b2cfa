"""Render the parsed budget note (BudgetNote) as a digital A4 PDF with a text layer.

Letterhead, title, prose with headings and bullets, the tables (label column, optional
text columns, right-aligned value columns; wrapped labels and header cells kept as in the
source; no ruling lines by default) and the district grid with its X-marked boxes.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4

from .corpus import Bullet, Heading, Paragraph
from .corpus_note import BudgetNote, DistrictGrid, NoteTable
from .textkit import Flow, Geom, fit_lines, font_set, new_canvas, width

VALIGN = {"top": 0.0, "middle": 0.5, "bottom": 1.0}  # fraction of the extra lines


def _column_widths(t: NoteTable, font: str, bold: str, size: float, total: float) -> list[float]:
    """Value and text columns as wide as their content (+ padding); the label column
    gets the rest. A table without values gets equal columns."""
    if not any(t.numeric):  # a table of names: equal columns
        return [total / len(t.columns)] * len(t.columns)
    widths = [0.0] * len(t.columns)
    for k in range(1, len(t.columns)):
        texts = [(s, bold) for s in t.columns[k]]
        texts += [(s, font) for r in t.rows for s in r.cells[k]]
        widths[k] = max((width(s, f, size) for s, f in texts), default=0) + 14
    widths[0] = max(total - sum(widths[1:]), 100.0)
    return widths


def _draw_table(w: Flow, t: NoteTable, size: float, ruled: bool, value_valign: str) -> None:
    f = w.f
    lead = size * 1.3
    widths = _column_widths(t, f.regular, f.bold, size, w.g.width)
    xs = [w.g.left]
    for cw in widths[:-1]:
        xs.append(xs[-1] + cw)
    rights = [x + cw for x, cw in zip(xs, widths, strict=True)]

    def cell_x(k: int) -> tuple[float, str]:
        if t.numeric[k]:
            return rights[k] - 2, "right"
        return xs[k] + (0 if k == 0 else 6), "left"

    # header: cells bottom-aligned, bold
    head = [fit_lines(c, f.bold, size, widths[k] - 4) for k, c in enumerate(t.columns)]
    depth = max(len(h) for h in head)
    w.need(lead * (depth + 2))
    for level in range(depth):
        w.advance(lead)
        for k, h in enumerate(head):
            i = level - (depth - len(h))
            if i >= 0:
                x, align = cell_x(k)
                w.text(x, h[i], f.bold, size, align)
    w.advance(lead * 0.4)
    if ruled:
        _rule(w, xs[0], rights[-1], size)
    for row in t.rows:
        if row.kind == "gap":
            w.advance(lead * 0.7)
            continue
        font = f.bold if row.kind == "total" else f.regular
        cells = [
            fit_lines(c, font, size, widths[k] - 6) if c else [] for k, c in enumerate(row.cells)
        ]
        n = max(1, *(len(c) for c in cells))
        w.advance(lead * 0.35)
        w.need(lead * n)
        top = w.y
        for k, c in enumerate(cells):
            # labels start at the top; single-line cells follow value_valign
            offset = 0.0 if (len(c) > 1 or k == 0) else VALIGN[value_valign] * (n - 1)
            for i, s in enumerate(c):
                w.y = top - lead * (1 + i + offset)
                x, align = cell_x(k)
                w.text(x, s, font, size, align)
        w.y = top - lead * n
        if ruled:
            _rule(w, xs[0], rights[-1], size)


def _rule(w: Flow, x0: float, x1: float, size: float) -> None:
    w.c.setLineWidth(0.3)
    w.c.setStrokeGray(0.6)
    w.c.line(x0, w.y - size * 0.4, x1, w.y - size * 0.4)


def _box(w: Flow, x: float, size: float, marked: bool) -> float:
    """A check box at the current baseline; an 'X' inside when marked. Returns its width."""
    side = size * 1.1
    w.c.setLineWidth(0.6)
    w.c.setStrokeGray(0.0)
    w.c.rect(x, w.y - size * 0.25, side, side)
    if marked:
        w.text(x + side / 2, "X", w.f.regular, size, "centre")
    return side


def _draw_grid(w: Flow, g: DistrictGrid, size: float) -> None:
    lead = size * 1.3
    if g.intro:
        w.need(lead * 2)
        w.advance(lead)
        w.text(w.g.left, g.intro, w.f.regular, size)
        _box(w, w.g.left + width(g.intro, w.f.regular, size) + 8, size, False)
        w.advance(lead * 0.5)
    ncols = max(len(r) for r in g.rows)
    col_w = w.g.width / ncols
    for row in g.rows:
        n = max(len(c.lines) for c in row)
        w.need(lead * (n + 1))
        w.advance(lead * 1.3)
        top = w.y
        for k, cell in enumerate(row):
            x = w.g.left + k * col_w
            w.y = top
            side = _box(w, x, size, cell.marked)
            for i, s in enumerate(cell.lines):
                w.y = top - lead * i
                w.text(x + side + 5, s, w.f.regular, size)
        w.y = top - lead * (n - 1)


def render_budget_note(
    note: BudgetNote,
    out_path: str | Path,
    *,
    pagesize: tuple[float, float] = A4,
    font: str = "Helvetica",
    body_size: float = 10.0,
    table_size: float = 9.0,
    margins: tuple[float, float, float, float] = (62.0, 56.0, 56.0, 56.0),
    ruled: bool = False,
    value_valign: str = "bottom",
    title: str = "Budgetnotat",
) -> Path:
    """Draw the note; margins = (left, right, top, bottom) in points. value_valign: where
    one-line cells sit in a row whose label wraps ('top', 'middle', 'bottom')."""
    out_path = Path(out_path)
    fonts = font_set(font)
    pw, ph = pagesize
    left, right, top, bottom = margins
    geom = Geom(left, pw - right, ph - top, bottom)
    c = new_canvas(out_path, pagesize, title)
    w = Flow(c, geom, fonts)
    lead = body_size * 1.3
    # letterhead
    for i, s in enumerate(note.header_lines):
        size = 12.0 if i == 0 else 9.0
        w.advance(size * 1.4)
        w.text(left, s, fonts.bold if i == 0 else fonts.regular, size)
    w.advance(lead * 1.5)
    w.lines(note.title_lines, fonts.bold, 14.0, left, geom.width)
    w.advance(lead * 0.5)
    for b in note.blocks:
        w.advance(lead * 0.55)
        if isinstance(b, Heading):
            w.need(lead * 3)
            w.lines([b.text], fonts.bold, body_size + 0.5, left, geom.width)
            w.advance(-lead * 0.4)
        elif isinstance(b, Paragraph):
            w.lines(b.lines, fonts.regular, body_size, left, geom.width)
        elif isinstance(b, Bullet):
            w.need(lead)
            w.advance(lead)
            w.text(left + 6, b.marker, fonts.symbols, body_size)
            w.advance(-lead)
            w.lines(b.lines, fonts.regular, body_size, left + 20, geom.width - 20)
        elif isinstance(b, NoteTable):
            w.need(lead * 5)
            w.lines(b.caption, fonts.bold, body_size - 0.5, left, geom.width)
            w.advance(lead * 0.3)
            _draw_table(w, b, table_size, ruled, value_valign)
        elif isinstance(b, DistrictGrid):
            _draw_grid(w, b, body_size)
    c.showPage()
    c.save()
    return out_path
