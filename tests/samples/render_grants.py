"""Render the grant-expiry sheets (bevillingsudløb) as a slide deck.

One slide per sheet: a small 'Københavns Kommune' header, the title, 'Nr. N', and two
columns ('Beskrivelse af udløb' | 'Faglig vurdering af videreførelse') with their
sub-headings. Body text is shrunk to fit like slide software does: the largest size at
which both columns fit. A divider slide precedes the first egen_ramme sheet.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape

from .corpus import GrantSheet
from .scan import ScanSettings, add_ocr_layer, scan_pdf
from .textkit import FontSet, font_set, new_canvas, width, wrap

ORG = "Københavns Kommune"
LEFT_HEADING = "Beskrivelse af udløb"
RIGHT_HEADING = "Faglig vurdering af videreførelse"
LEFT_SECTIONS = (
    ("Indhold i indsatsen:", "expiry_content"),
    ("Resultater og erfaringer:", "expiry_results"),
    ("Økonomi/ressourcer:", "expiry_economy"),
)
RIGHT_SECTIONS = (
    ("Indhold i justeret indsats:", "assessment_content"),
    ("Økonomi/ressourcer:", "assessment_economy"),
)
PENDING_TEXT = "Afventer afklaring"
DIVIDER_TEXT = "Bevillinger der senest er finansieret inden for BIU's egen ramme"
LIST_MARKERS = ("• ", "- ", "– ", "\uf0b7 ")

PAGE_SIZES = {
    "16:9": (13.333 * 72, 7.5 * 72),
    "4:3": (10 * 72, 7.5 * 72),
    "A4": landscape(A4),
}


@dataclass(frozen=True)
class _Op:
    """One line of text to draw, relative to the column's top."""

    text: str
    font: str
    size: float
    dx: float
    dy: float  # baseline distance below the column top


def _column_ops(
    sections: Sequence[tuple[str, str]], fonts: FontSet, size: float, col_w: float
) -> tuple[list[_Op], float]:
    """Lay out one column at one font size; returns (ops, height used)."""
    ops: list[_Op] = []
    lead = size * 1.2
    y = 0.0
    for k, (heading, text) in enumerate(sections):
        if k:
            y += size * 0.8  # space between sections
        y += lead
        ops.append(_Op(heading, fonts.bold, size, 0, y))
        for p, para in enumerate(ln.strip() for ln in text.split("\n") if ln.strip()):
            if p:
                y += size * 0.35
            marker = next((m for m in LIST_MARKERS if para.startswith(m)), None)
            if marker:
                indent = width("• ", fonts.regular, size) + size * 0.3
                lines = wrap(para[len(marker) :], fonts.regular, size, col_w - indent)
                for i, ln in enumerate(lines):
                    y += lead
                    if i == 0:
                        ops.append(_Op("•", fonts.symbols, size, size * 0.15, y))
                    ops.append(_Op(ln, fonts.regular, size, indent, y))
            else:
                for ln in wrap(para, fonts.regular, size, col_w):
                    y += lead
                    ops.append(_Op(ln, fonts.regular, size, 0, y))
    return ops, y + size * 0.3


def _fit(
    columns: Sequence[Sequence[tuple[str, str]]],
    fonts: FontSet,
    col_w: float,
    avail: float,
    max_size: float,
    min_size: float,
) -> tuple[float, list[list[_Op]]]:
    """Largest size (0.5 pt steps) at which every column fits; min_size if none does."""
    size = max_size
    while True:
        laid = [_column_ops(c, fonts, size, col_w) for c in columns]
        if all(h <= avail for _, h in laid) or size <= min_size:
            return size, [ops for ops, _ in laid]
        size = max(min_size, size - 0.5)


@dataclass(frozen=True)
class _Draw:
    """A drawing instruction in page coordinates."""

    kind: str  # text | centred | line
    x: float
    y: float
    text: str = ""
    font: str = ""
    size: float = 0.0
    x2: float = 0.0
    grey: float = 0.0


@dataclass(frozen=True)
class SlideLayout:
    draws: tuple[_Draw, ...]
    body_size: float  # the shrink-to-fit size chosen (0 for the divider)


def _header(fonts: FontSet, w: float, h: float, margin: float, scale: float) -> list[_Draw]:
    return [
        _Draw("text", margin, h - 26 * scale, ORG, fonts.bold, 9 * scale, grey=0.1),
        _Draw("line", margin, h - 33 * scale, x2=w - margin, size=0.6, grey=0.55),
    ]


def layout_sheet(
    sheet: GrantSheet,
    *,
    page_size: tuple[float, float] = PAGE_SIZES["16:9"],
    font: str = "Helvetica",
    title_size: float = 24.0,
    max_body_size: float = 12.0,
    min_body_size: float = 7.0,
) -> SlideLayout:
    """Where everything of one sheet goes; sizes are given for a 7.5 in high slide and
    scaled with the page height."""
    w, h = page_size
    fonts = font_set(font)
    scale = h / 540
    margin = 40 * scale
    draws = _header(fonts, w, h, margin, scale)
    # title: bold, at most two lines (shrunk if longer)
    t_size = title_size * scale
    title_w = w - 2 * margin
    lines = wrap(sheet.title, fonts.bold, t_size, title_w)
    while len(lines) > 2 and t_size > 12:
        t_size -= 1
        lines = wrap(sheet.title, fonts.bold, t_size, title_w)
    y = h - 48 * scale
    for ln in lines:
        y -= t_size * 1.15
        draws.append(_Draw("text", margin, y, ln, fonts.bold, t_size))
    y -= 24 * scale
    draws.append(_Draw("text", margin, y, f"Nr. {sheet.nr}", fonts.regular, 14 * scale))
    # column headings
    gutter = 30 * scale
    col_w = (w - 2 * margin - gutter) / 2
    xs = (margin, margin + col_w + gutter)
    y -= 28 * scale
    for x, heading in zip(xs, (LEFT_HEADING, RIGHT_HEADING), strict=True):
        draws.append(_Draw("text", x, y, heading, fonts.bold, 15 * scale))
        draws.append(_Draw("line", x, y - 5 * scale, x2=x + col_w, size=0.8, grey=0.35))
    top = y - 8 * scale
    avail = top - 26 * scale
    if sheet.is_pending:
        cols: list[list[tuple[str, str]]] = [[(PENDING_TEXT, "")], []]
    else:
        cols = [
            [(hd, getattr(sheet, f)) for hd, f in LEFT_SECTIONS],
            [(hd, getattr(sheet, f)) for hd, f in RIGHT_SECTIONS],
        ]
    size, laid = _fit(cols, fonts, col_w, avail, max_body_size * scale, min_body_size * scale)
    if sheet.is_pending:  # the note is plain text, not a sub-heading
        laid[0] = [_Op(o.text, fonts.regular, o.size, o.dx, o.dy) for o in laid[0]]
    for x, ops in zip(xs, laid, strict=True):
        for o in ops:
            draws.append(_Draw("text", x + o.dx, top - o.dy, o.text, o.font, o.size))
    return SlideLayout(tuple(draws), size / scale)


def layout_divider(
    *, page_size: tuple[float, float] = PAGE_SIZES["16:9"], font: str = "Helvetica", size=30.0
) -> SlideLayout:
    w, h = page_size
    fonts = font_set(font)
    scale = h / 540
    draws = _header(fonts, w, h, 40 * scale, scale)
    size *= scale
    lines = wrap(DIVIDER_TEXT, fonts.bold, size, 0.8 * w)
    y = h / 2 + (len(lines) - 1) * size * 0.6 - size * 0.35
    for ln in lines:
        draws.append(_Draw("centred", w / 2, y, ln, fonts.bold, size))
        y -= size * 1.2
    return SlideLayout(tuple(draws), 0.0)


def _draw(c, layout: SlideLayout) -> None:
    for d in layout.draws:
        if d.kind == "line":
            c.setLineWidth(d.size)
            c.setStrokeGray(d.grey)
            c.line(d.x, d.y, d.x2, d.y)
            continue
        c.setFillGray(d.grey)
        c.setFont(d.font, d.size)
        if d.kind == "centred":
            c.drawCentredString(d.x, d.y, d.text)
        else:
            c.drawString(d.x, d.y, d.text)
    c.showPage()


def render_grant_deck(
    sheets: Sequence[GrantSheet],
    out_path: str | Path,
    *,
    page_size: str | tuple[float, float] = "16:9",
    font: str = "Helvetica",
    title_size: float = 24.0,
    max_body_size: float = 12.0,
    min_body_size: float = 7.0,
    divider: bool = True,
    divider_size: float = 30.0,
    seed: int = 0,
    scan: ScanSettings | None = None,
    text_layer: str | None = None,
) -> Path:
    """Render the sheets (ordered by number) as slides.

    scan: a ScanSettings to rasterise and degrade the deck into an image-only PDF (its
    seed is combined with `seed`); text_layer: None or 'tesseract-eng' to add tesseract's
    own invisible text layer over the scanned images (requires scan).
    Returns out_path.
    """
    out_path = Path(out_path)
    size = PAGE_SIZES[page_size] if isinstance(page_size, str) else page_size
    if text_layer and scan is None:
        raise ValueError("text_layer needs scan settings")
    opts = dict(page_size=size, font=font)
    pages: list[SlideLayout] = []
    seen_egen = False
    for sheet in sorted(sheets, key=lambda s: s.nr):
        if divider and sheet.group == "egen_ramme" and not seen_egen:
            pages.append(layout_divider(size=divider_size, **opts))
        seen_egen = seen_egen or sheet.group == "egen_ramme"
        pages.append(
            layout_sheet(
                sheet,
                title_size=title_size,
                max_body_size=max_body_size,
                min_body_size=min_body_size,
                **opts,
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        digital = out_path if scan is None else Path(tmp) / "deck.pdf"
        c = new_canvas(digital, size, "Bevillingsudløb")
        for layout in pages:
            _draw(c, layout)
        c.save()
        if scan is None:
            return out_path
        settings = scan.with_seed(scan.seed + seed) if seed else scan
        if text_layer is None:
            scan_pdf(digital, out_path, settings)
        elif text_layer == "tesseract-eng":
            image_pdf = Path(tmp) / "scan.pdf"
            scan_pdf(digital, image_pdf, settings)
            add_ocr_layer(image_pdf, out_path, lang="eng")
        else:
            raise ValueError(f"unknown text_layer {text_layer!r}")
    return out_path
