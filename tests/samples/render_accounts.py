"""Render the parsed annual accounts (AccountsDoc) as a digital PDF with a text layer.

Laid out like the original: each source page starts a new page, tables are aligned
columns without ruling lines (numbers right-aligned at fixed right edges, labels
left-aligned, wrapped labels kept), explanations as paragraphs and bullets. Every word
and number of the source is drawn exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from reportlab.lib.pagesizes import A4

from .corpus import Bullet, Heading, Paragraph
from .corpus_accounts import AccountsDoc, AmountHeading, Table, TableRow
from .textkit import Flow, Geom, fit_lines, font_set, new_canvas, width

HEADING_SIZES = {0: 14.0, 1: 13.0, 2: 12.0, 3: 10.0}


def default_right_edges(ncols: int, right: float, col_width: float = 64.0) -> list[float]:
    return [right - (ncols - 1 - k) * col_width for k in range(ncols)]


def _edges(
    table: Table,
    geom: Geom,
    column_right_edges: Mapping[str, Sequence[float]] | Sequence[float] | None,
    col_width: float,
) -> list[float]:
    if isinstance(column_right_edges, Mapping) and table.kind in column_right_edges:
        edges = list(column_right_edges[table.kind])
    elif isinstance(column_right_edges, Sequence) and len(column_right_edges) == table.ncols:
        edges = list(column_right_edges)
    else:
        edges = default_right_edges(table.ncols, geom.right, col_width)
    if len(edges) != table.ncols:
        raise ValueError(f"{table.kind}: {table.ncols} columns, {len(edges)} right edges")
    return edges


def _draw_table(
    w: Flow,
    table: Table,
    edges: list[float],
    size: float,
    col_width: float,
    ruled: bool,
    value_valign: str,
) -> None:
    f = w.f
    lead = size * 1.3
    x0 = w.g.left
    label_w = edges[0] - col_width - x0 - 4
    indent = 8.0 if any(r.kind == "subtotal" for r in table.rows) else 0.0
    w.need(lead * (len(table.header) + 2))
    for hl in table.header:
        w.advance(lead)
        if hl.key:
            w.text(x0, hl.key, f.bold, size)
        for cell in hl.cells:
            unit = cell.text.startswith("1.000")
            font = f.regular if unit else f.bold
            if cell.first == cell.last:
                w.text(edges[cell.last], cell.text, font, size, "right")
            else:
                mid = (edges[cell.first] - col_width + 6 + edges[cell.last]) / 2
                w.text(mid, cell.text, font, size, "centre")
    if table.header:
        w.advance(lead * 0.4)
    for row in table.rows:
        _draw_row(w, row, edges, size, lead, x0, label_w, indent, ruled, value_valign)


def _draw_row(
    w: Flow,
    row: TableRow,
    edges: list[float],
    size: float,
    lead: float,
    x0: float,
    label_w: float,
    indent: float,
    ruled: bool,
    value_valign: str,
) -> None:
    f = w.f
    if row.kind == "gap":
        w.advance(lead * 0.6)
        return
    bold = row.kind in ("subtotal", "total", "group")
    font = f.bold if bold else f.regular
    dx = indent if row.kind == "row" else 0.0
    lines = fit_lines(row.label_lines, font, size, label_w - dx)
    if len(lines) > 1 or row.kind == "group":
        w.advance(lead * 0.3)  # wrapped labels and group titles get a little air
    w.need(lead * len(lines))
    top = w.y
    for ln in lines:
        w.advance(lead)
        w.text(x0 + dx, ln, font, size)
    if row.values:
        n = len(lines)
        k = {"top": 0.0, "middle": (n - 1) / 2, "bottom": n - 1.0}[value_valign]
        y_values = top - lead * (1 + k)
        y_keep = w.y
        w.y = y_values
        for edge, v in zip(edges, row.values, strict=True):
            w.text(edge, v, font, size, "right")
        w.y = y_keep
    if ruled:
        w.c.setLineWidth(0.3)
        w.c.setStrokeGray(0.6)
        w.c.line(x0, w.y - size * 0.35, edges[-1], w.y - size * 0.35)


def render_accounts(
    doc: AccountsDoc,
    out_path: str | Path,
    *,
    pagesize: tuple[float, float] = A4,
    font: str = "Helvetica",
    body_size: float = 9.5,
    table_size: float = 9.0,
    column_right_edges: Mapping[str, Sequence[float]] | Sequence[float] | None = None,
    col_width: float = 64.0,
    margins: tuple[float, float, float, float] = (62.0, 52.0, 60.0, 56.0),
    ruled: bool = False,
    value_valign: str = "middle",
    bullet: str = "•",
    page_breaks: bool = True,
    title: str = "Regnskab 2024",
) -> Path:
    """Draw the accounts. margins = (left, right, top, bottom) in points.

    column_right_edges: right edge (x, points) of every value column, either one list
    used for all tables with that many columns or a mapping by table kind ('overview',
    'lines', 'activity'); default: columns of col_width ending at the right margin.
    value_valign: where a wrapped label's numbers sit ('top', 'middle', 'bottom').
    page_breaks: start a new page where the source had one (else flow continuously).
    """
    out_path = Path(out_path)
    fonts = font_set(font)
    pw, ph = pagesize
    left, right, top, bottom = margins
    geom = Geom(left, pw - right, ph - top, bottom)
    c = new_canvas(out_path, pagesize, title)
    w = Flow(c, geom, fonts)
    text_w = geom.right - geom.left
    lead = body_size * 1.3
    for p, page in enumerate(doc.pages):
        if p and page_breaks:
            w.new_page()
        for k, b in enumerate(page.blocks):
            if k or (p and not page_breaks):
                w.advance(lead * 0.6)
            if isinstance(b, Heading):
                size = HEADING_SIZES.get(b.level, body_size)
                w.need(size * 3)
                w.advance(size * 0.6 if b.level < 3 else 0)
                w.lines([b.text], fonts.bold, size, geom.left, text_w)
            elif isinstance(b, AmountHeading):
                w.need(lead * 3)
                w.advance(lead)
                last_edge = geom.right
                amount_w = width(b.amount, fonts.bold, body_size) + 12
                label_w = text_w - amount_w
                lines = fit_lines([b.label], fonts.bold, body_size, label_w)
                w.text(last_edge, b.amount, fonts.bold, body_size, "right")
                w.text(geom.left, lines[0], fonts.bold, body_size)
                for ln in lines[1:]:
                    w.advance(lead)
                    w.text(geom.left, ln, fonts.bold, body_size)
            elif isinstance(b, Bullet):
                indent = 16.0
                w.need(lead)
                w.advance(lead)
                w.text(geom.left + 4, bullet, fonts.symbols, body_size)
                w.advance(-lead)
                w.lines(b.lines, fonts.regular, body_size, geom.left + indent, text_w - indent)
            elif isinstance(b, Paragraph):
                indent = 16.0 if b.indent else 0.0
                w.lines(b.lines, fonts.regular, body_size, geom.left + indent, text_w - indent)
            elif isinstance(b, Table):
                edges = _edges(b, geom, column_right_edges, col_width)
                _draw_table(w, b, edges, table_size, col_width, ruled, value_valign)
    c.showPage()
    c.save()
    return out_path
