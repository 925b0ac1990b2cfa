"""Frozen records passed between stages.

Boxes are always (x0, top, x1, bottom) in PDF points from the page's top-left corner,
whatever the source (text layer or OCR), so every stage after layout can ignore where
the words came from.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

BBox = tuple[float, float, float, float]
PageSource = Literal["text", "ocr"]


def covered_share(box: BBox, by: BBox) -> float:
    """The share of box's area that lies inside by (0 for a box without area)."""
    w = min(box[2], by[2]) - max(box[0], by[0])
    h = min(box[3], by[3]) - max(box[1], by[1])
    area = (box[2] - box[0]) * (box[3] - box[1])
    return w * h / area if w > 0 and h > 0 and area > 0 else 0.0


def union_bbox(boxes: list[BBox] | tuple[BBox, ...]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass(frozen=True, slots=True)
class Word:
    """One word as read from the page; `text` is filled in by the correct stage."""

    text_raw: str
    x0: float
    top: float
    x1: float
    bottom: float
    conf: float | None = None  # tesseract confidence 0-100, None for text-layer words
    line_hint: int = -1  # OCR engine's own line id on the page, -1 when unknown
    text: str = ""

    @property
    def bbox(self) -> BBox:
        return (self.x0, self.top, self.x1, self.bottom)

    @property
    def value(self) -> str:
        """Corrected text when the correct stage has run, else the raw text."""
        return self.text or self.text_raw


@dataclass(frozen=True, slots=True)
class Line:
    """Words on one baseline inside one column, left to right.

    top, bottom and height are medians over the words, so that one speck, a tall capital
    or a descender does not move the line; x0 and x1 are its outer edges.
    """

    words: tuple[Word, ...]

    @property
    def bbox(self) -> BBox:
        return union_bbox([w.bbox for w in self.words])

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def top(self) -> float:
        return statistics.median(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return statistics.median(w.bottom for w in self.words)

    @property
    def height(self) -> float:
        return statistics.median(w.bottom - w.top for w in self.words)

    @property
    def bbox_median(self) -> BBox:
        """The line's band (median top and bottom) between its outer edges."""
        return (self.x0, self.top, self.x1, self.bottom)

    @property
    def text_raw(self) -> str:
        return " ".join(w.text_raw for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(t for t in (w.value for w in self.words) if t)


@dataclass(frozen=True, slots=True)
class Block:
    """A run of lines read together (a paragraph, a heading, a table row group)."""

    block: int  # reading-order index on the page, 0-based
    column: int  # 0-based column index within the block's band of the page
    lines: tuple[Line, ...]

    @property
    def bbox(self) -> BBox:
        return union_bbox([ln.bbox for ln in self.lines])

    @property
    def text_raw(self) -> str:
        return "\n".join(ln.text_raw for ln in self.lines)

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)


@dataclass(frozen=True, slots=True)
class PageLayout:
    """Everything later stages need from one page; small and picklable."""

    page: int  # 1-based
    width: float
    height: float
    source: PageSource
    layer_quality: float | None  # 0-1, quality of the PDF's own text layer, None if it had none
    ocr_confidence: float | None  # mean word confidence 0-100, None for text pages
    rotation: int  # degrees the page content was turned to read it upright (0, 90, 180, 270)
    words: tuple[Word, ...]
    blocks: tuple[Block, ...]

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(ln for b in self.blocks for ln in b.lines)

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)


@dataclass(frozen=True, slots=True)
class PageFailure:
    """A page that could not be read; the document goes on without it."""

    page: int
    stage: str
    error: str  # short machine-readable kind, e.g. "ocr_failed"
    message: str


@dataclass(frozen=True, slots=True)
class SourceDocument:
    """A PDF found by ingest."""

    path: Path
    sha256: str
    n_bytes: int

    @property
    def doc_id(self) -> str:
        return self.sha256[:16]


@dataclass(frozen=True, slots=True)
class Correction:
    """One token changed by the correct stage."""

    page: int
    token_raw: str
    token: str
    rule: str
    score: float


@dataclass(frozen=True)
class Document:
    """A document after layout and correction: what classify and the extractors read."""

    source: SourceDocument
    pages: tuple[PageLayout, ...]
    corrections: tuple[Correction, ...] = ()
    page_failures: tuple[PageFailure, ...] = ()
    n_pages: int = 0

    @property
    def doc_id(self) -> str:
        return self.source.doc_id

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)


@dataclass(frozen=True)
class Extraction:
    """What classify + extract + validate produced for one document.

    `tables` maps a table name of the SPEC (e.g. "grant_expiry") to its rows, each a
    plain dict of column -> value; `documents_extra` adds columns to the documents row.
    """

    doc_type: str
    title: str
    tables: dict[str, list[dict]] = field(default_factory=dict)
    documents_extra: dict[str, object] = field(default_factory=dict)
