"""The one place that talks to PDF libraries: pypdfium2 to open and rasterise,
pdfplumber to read the text layer. Everything returned is plain data in PDF points,
(x0, top, x1, bottom) from the page's top-left corner."""

from __future__ import annotations

import contextlib
import logging
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.utils import extract_words
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
class LayerPeek:
    """A quick look at a page's text layer (pdfium, milliseconds) to decide whether
    reading it word by word (pdfplumber, much slower) is worth it."""

    text: str
    image_cover: float  # 0-1 share of the page area under raster images


@dataclass(frozen=True, slots=True)
class TextLayer:
    """A page's own text layer. Boxes and size are those of the page turned `rotation`
    degrees clockwise from how a viewer shows it, so that most of its text reads left to
    right."""

    width: float
    height: float
    words: tuple[Word, ...]
    rotation: int = 0


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
        if _pdfminer_page_count(path) == 0:  # pdfium refuses a document without pages
            raise _no_pages() from exc
        raise _open_error(exc) from exc
    try:
        n_pages = len(pdf)
    finally:
        pdf.close()
    if n_pages == 0:
        raise _no_pages()
    return PdfInfo(n_pages=n_pages)


def _no_pages() -> DocumentError:
    return DocumentError(
        "the PDF has no pages: nothing to read (check that the right file was saved)",
        kind="no_pages",
    )


def _pdfminer_page_count(path: Path) -> int | None:
    """Pages as pdfminer counts them, None when it cannot open the file either."""
    try:
        with pdfplumber.open(path) as pdf:
            return len(pdf.pages)
    except Exception:  # pdfminer raises many unrelated types on damaged files
        return None


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


@contextlib.contextmanager
def _pdfium(path: Path) -> Iterator[pdfium.PdfDocument]:
    """The document open in pdfium (closed afterwards), or why it cannot be opened."""
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise _open_error(exc) from exc
    try:
        yield pdf
    finally:
        pdf.close()


def _image_cover(page: pdfium.PdfPage) -> float:
    width, height = page.get_size()
    covered = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        covered += max(0.0, min(right, width) - max(left, 0.0)) * max(
            0.0, min(top, height) - max(bottom, 0.0)
        )
    return min(covered / max(width * height, 1.0), 1.0)


def peek_text_layer(path: Path, page_index: int) -> LayerPeek:
    """The page's text as one string, and how much of it is covered by images."""
    with _pdfium(path) as pdf:
        try:
            page = pdf[page_index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            return LayerPeek(text=text, image_cover=_image_cover(page))
        except pdfium.PdfiumError as exc:
            raise PageError(f"cannot read the page: {exc}", kind="page_unreadable") from exc


def read_text_layer(path: Path, page_index: int) -> TextLayer:
    """Words of the page's text layer as the PDF states them (may be empty)."""
    try:
        with pdfplumber.open(path, pages=[page_index + 1]) as pdf:
            page = pdf.pages[0]
            chars = page.chars
            width, height = float(page.width), float(page.height)
    except Exception as exc:  # pdfminer raises many unrelated types on damaged pages
        raise PageError(f"cannot read the text layer: {exc}", kind="text_layer_failed") from exc
    turn = _upright_turn(chars)
    if turn:
        chars = [_turn_char(c, turn, width, height) for c in chars]
        width, height = (height, width) if turn in (90, 270) else (width, height)
    words = tuple(
        Word(text_raw=w["text"], x0=w["x0"], top=w["top"], x1=w["x1"], bottom=w["bottom"])
        for w in extract_words(chars, keep_blank_chars=False, use_text_flow=False)
        if w["text"].strip()
    )
    return TextLayer(width=width, height=height, words=words, rotation=turn)


def _char_angle(char: dict) -> int:
    """Direction of a character's baseline as shown: counter-clockwise quarter turns."""
    a, b = char["matrix"][:2]
    return round(math.degrees(math.atan2(b, a)) / 90) % 4 * 90


def _upright_turn(chars: Sequence[dict]) -> int:
    """Clockwise degrees that make most characters read left to right, so a page shown
    sideways or upside down (by /Rotate or by how it was drawn) is read upright."""
    votes = Counter(_char_angle(c) for c in chars)
    return votes.most_common(1)[0][0] if votes else 0


def _turn_char(char: dict, turn: int, width: float, height: float) -> dict:
    """The character on the page turned `turn` degrees clockwise (width x height as shown)."""
    x0, top, x1, bottom = char["x0"], char["top"], char["x1"], char["bottom"]
    if turn == 90:
        box = (height - bottom, x0, height - top, x1)
    elif turn == 180:
        box = (width - x1, height - bottom, width - x0, height - top)
    else:
        box = (top, width - x1, bottom, width - x0)
    return {
        **char,
        **dict(zip(("x0", "top", "x1", "bottom"), box, strict=True)),
        "doctop": box[1],
        "upright": (_char_angle(char) - turn) % 360 == 0,
    }


def page_size(path: Path, page_index: int) -> tuple[float, float]:
    """Width and height in points of the page as a viewer shows it (/Rotate applied)."""
    with _pdfium(path) as pdf:
        return pdf[page_index].get_size()


def _render_scale(page: pdfium.PdfPage, dpi: int) -> float:
    width, height = page.get_size()
    scale = dpi / 72.0
    pixels = width * height * scale * scale
    if pixels > _MAX_RENDER_PIXELS:
        scale *= math.sqrt(_MAX_RENDER_PIXELS / pixels)
    return scale


def _plain_scan(page: pdfium.PdfPage, scale: float) -> Image.Image | None:
    """The page's one image, decoded and brought to `scale`, when the page is nothing but
    an upright full-page image (a scan): half the cost of rendering it. None otherwise."""
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=1))
    images = [o for o in objects if o.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]
    if len(images) != 1 or any(
        o.type not in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_TEXT) for o in objects
    ):
        return None
    width, height = page.get_size()
    a, b, c, d, e, f = images[0].get_matrix().get()
    covers = abs(a - width) < 1 and abs(d - height) < 1 and abs(e) < 1 and abs(f) < 1
    if not covers or b or c:
        return None
    image = images[0].get_bitmap(render=False).to_pil().convert("L")
    size = (math.ceil(width * scale), math.ceil(height * scale))  # as pdfium sizes a render
    # a scan already at the asked resolution is kept as scanned: resampling it by a pixel
    # of rounding would only blur it (and cost OCR digits)
    if max(abs(image.width - size[0]), abs(image.height - size[1])) > 1:
        image = image.resize(size, Image.Resampling.BILINEAR)
    return image


def render_page(path: Path, page_index: int, *, dpi: int) -> tuple[Image.Image, float]:
    """The page in grey levels at `dpi`, as a reader sees it (/Rotate applied); returns
    the image and its scale in px per point."""
    with _pdfium(path) as pdf:
        try:
            page = pdf[page_index]
            scale = _render_scale(page, dpi)
            image = _plain_scan(page, scale)
            if image is None:
                image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
        except pdfium.PdfiumError as exc:
            raise PageError(f"cannot render the page: {exc}", kind="render_failed") from exc
    return image, scale
