"""Fonts, text measuring/wrapping and a deterministic reportlab canvas.

Only fonts that ship with reportlab are assumed (the 14 standard PDF fonts and the Vera
TTFs), so every variant renders on any machine; a system TTF family may be named and
falls back to Vera when missing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import reportlab
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

log = logging.getLogger(__name__)

rl_config.invariant = 1  # fixed dates and document ids: rebuilds are byte-identical

AUTHOR = "Københavns Kommune"
PRODUCER = "budget-pdf-pipeline sample builder"

_STANDARD = {
    "Helvetica": ("Helvetica", "Helvetica-Bold"),
    "Times-Roman": ("Times-Roman", "Times-Bold"),
    "Times": ("Times-Roman", "Times-Bold"),
    "Courier": ("Courier", "Courier-Bold"),
}
_STANDARD_NAMES = {n for pair in _STANDARD.values() for n in pair}
_RL_FONTS = Path(reportlab.__file__).parent / "fonts"
_TTF = {
    "Vera": (_RL_FONTS / "Vera.ttf", _RL_FONTS / "VeraBd.ttf"),
    "DejaVuSans": (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    "LiberationSans": (
        Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
        Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ),
    "LiberationSerif": (
        Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"),
        Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf"),
    ),
}


@dataclass(frozen=True)
class FontSet:
    regular: str
    bold: str

    @property
    def symbols(self) -> str:
        """Font for the bullet glyph. reportlab writes '•' in the standard fonts as
        WinAnsi code 127, which pdfminer cannot map (it reads '(cid:127)'); a TTF has a
        ToUnicode map, so bullets are drawn with the family's TTF or with Vera."""
        if self.regular in _STANDARD_NAMES:
            return font_set("Vera").regular
        return self.regular


def _register(name: str, path: Path) -> None:
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path)))


def font_set(family: str = "Helvetica") -> FontSet:
    """Resolve a family ('Helvetica', 'Times-Roman', 'Courier', 'Vera', 'DejaVuSans',
    'LiberationSans', or a path to a .ttf) to registered regular and bold font names."""
    if family in _STANDARD:
        return FontSet(*_STANDARD[family])
    if family.endswith(".ttf") and os.path.exists(family):
        name = Path(family).stem
        _register(name, Path(family))
        return FontSet(name, name)
    regular, bold = _TTF.get(family, (Path(), Path()))
    if not (regular.is_file() and bold.is_file()):
        log.warning("font family %r not available; using Vera", family)
        family, (regular, bold) = "Vera", _TTF["Vera"]
    _register(family, regular)
    _register(family + "-Bold", bold)
    return FontSet(family, family + "-Bold")


def width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def wrap(text: str, font: str, size: float, max_width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is put on a line of its own."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        trial = f"{cur} {word}" if cur else word
        if cur and width(trial, font, size) > max_width:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return lines or [""]


def fit_lines(
    lines: tuple[str, ...] | list[str], font: str, size: float, max_width: float
) -> list[str]:
    """Keep the source's own line breaks; wrap only the lines that do not fit."""
    out: list[str] = []
    for ln in lines:
        if width(ln, font, size) <= max_width:
            out.append(ln)
        else:
            out.extend(wrap(ln, font, size, max_width))
    return out


def new_canvas(path: str | os.PathLike, pagesize: tuple[float, float], title: str) -> Canvas:
    """A canvas whose output depends only on what is drawn (invariant, fixed metadata)."""
    c = Canvas(str(path), pagesize=pagesize, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor(AUTHOR)
    c.setCreator(PRODUCER)
    c.setProducer(PRODUCER)
    return c


@dataclass(frozen=True)
class Geom:
    """The text area of a page, in points from the bottom-left corner."""

    left: float
    right: float
    top: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left


class Flow:
    """A y-cursor over pages: need() starts a new page when the next item would not fit."""

    def __init__(self, c: Canvas, geom: Geom, fonts: FontSet) -> None:
        self.c = c
        self.g = geom
        self.f = fonts
        self.y = geom.top
        self.fresh = True

    def new_page(self) -> None:
        if not self.fresh:
            self.c.showPage()
        self.y = self.g.top
        self.fresh = True

    def need(self, h: float) -> None:
        if self.y - h < self.g.bottom and not self.fresh:
            self.new_page()

    def text(self, x: float, s: str, font: str, size: float, align: str = "left") -> None:
        self.c.setFont(font, size)
        if align == "right":
            self.c.drawRightString(x, self.y, s)
        elif align == "centre":
            self.c.drawCentredString(x, self.y, s)
        else:
            self.c.drawString(x, self.y, s)
        self.fresh = False

    def advance(self, dy: float) -> None:
        self.y -= dy

    def lines(
        self, lines: Sequence[str], font: str, size: float, x: float, max_w: float, lead=1.3
    ) -> None:
        """Draw lines (kept as given, wrapped only when too wide), one per leading."""
        for ln in fit_lines(lines, font, size, max_w):
            self.need(size * lead)
            self.advance(size * lead)
            self.text(x, ln, font, size)
