"""The one place that talks to PDF libraries: pypdfium2 to open and rasterise,
pdfplumber to read the text layer. Everything returned is plain data in PDF points,
(x0, top, x1, bottom) from the page's top-left corner."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
from PIL import Image

from pipeline.errors import DocumentError, PageError
from pipeline.records import Word

logging.getLogger("pdfminer").setLevel(logging.ERROR)

_HEADER_WINDOW = 1024
_MAX_RENDER_PIXELS = 40_000_000  # a 300-dpi A3 page is ~17 Mpx; cap freak page sizes


@dataclass(frozen=True, slots=True)
class PdfInfo:
    n_pages: int


@dataclass(frozen=True, slots=True)
class TextLayer:
    """A page's own text layer, and how much of the page is covered by images."""

    width: float
    height: float
    words: tuple[Word, ...]
    image_cover: float  # 0-1 share of the page area under raster images


def _describe_non_pdf(head: bytes) -> str:
    text = head.lstrip()[:64].lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "not a PDF: it is an HTML page saved with a .pdf name"
    if text.startswith(b"<"):
        return "not a PDF: it looks like XML or HTML"
    if text.startswith((b"pk\x03\x04",)):
        return "not a PDF: it is a ZIP archive (perhaps a Word or Excel file)"
    if text.startswith((b"\x89png", b"\xff\xd8\xff")):
        return "not a PDF: it is an image file"
    return "not a PDF: the file does not start with a %PDF header"


def probe(path: Path) -> PdfInfo:
    """Open the document once to learn its size, or say exactly why it cannot be read."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEADER_WINDOW)
    except OSError as exc:
        raise DocumentError(
            f"cannot read the file: {exc.strerror or exc}", kind="unreadable"
        ) from exc
    if not head:
        raise DocumentError("empty file (0 bytes)", kind="empty_file")
    if b"%PDF-" not in head:
        raise DocumentError(_describe_non_pdf(head), kind="not_a_pdf")
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise _open_error(exc) from exc
    try:
        n_pages = len(pdf)
    finally:
        pdf.close()
    if n_pages == 0:
        raise DocumentError("the PDF has no pages", kind="no_pages")
    return PdfInfo(n_pages=n_pages)


def _open_error(exc: Exception) -> DocumentError:
    text = str(exc).lower()
    if "password" in text:
        return DocumentError(
            "encrypted with a password: decrypt it first, e.g. "
            "`qpdf --decrypt --password=PASSWORD in.pdf out.pdf`",
            kind="encrypted",
        )
    if "security" in text:
        return DocumentError(
            "uses an unsupported security handler: decrypt it with `qpdf --decrypt in.pdf out.pdf`",
            kind="encrypted",
        )
    return DocumentError(
        "damaged PDF (truncated or corrupt): try to repair it with `qpdf in.pdf out.pdf` "
        f"or fetch the file again ({exc})",
        kind="corrupt_pdf",
    )


def read_text_layer(path: Path, page_index: int) -> TextLayer:
    """Words of the page's text layer as the PDF states them (may be empty)."""
    try:
        with pdfplumber.open(path, pages=[page_index + 1]) as pdf:
            page = pdf.pages[0]
            raw = page.extract_words(keep_blank_chars=False, use_text_flow=False)
            width, height = float(page.width), float(page.height)
            area = max(width * height, 1.0)
            covered = sum(
                max(0.0, min(im["x1"], width) - max(im["x0"], 0.0))
                * max(0.0, min(im["bottom"], height) - max(im["top"], 0.0))
                for im in page.images
            )
    except Exception as exc:  # pdfminer raises many unrelated types on damaged pages
        raise PageError(f"cannot read the text layer: {exc}", kind="text_layer_failed") from exc
    words = tuple(
        Word(text_raw=w["text"], x0=w["x0"], top=w["top"], x1=w["x1"], bottom=w["bottom"])
        for w in raw
        if w["text"].strip()
    )
    return TextLayer(width=width, height=height, words=words, image_cover=min(covered / area, 1.0))


def render_page(path: Path, page_index: int, *, dpi: int) -> tuple[Image.Image, float]:
    """Rasterise one page in grey levels; returns the image and the scale in px per point.

    /Rotate is applied, so the image is the page as a reader sees it.
    """
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise _open_error(exc) from exc
    try:
        page = pdf[page_index]
        width, height = page.get_size()
        scale = dpi / 72.0
        pixels = width * height * scale * scale
        if pixels > _MAX_RENDER_PIXELS:
            scale *= math.sqrt(_MAX_RENDER_PIXELS / pixels)
        bitmap = page.render(scale=scale, grayscale=True)
        image = bitmap.to_pil().convert("L")
    except pdfium.PdfiumError as exc:
        raise PageError(f"cannot render the page: {exc}", kind="render_failed") from exc
    finally:
        pdf.close()
    return image, scale
