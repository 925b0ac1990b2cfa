"""The one place that talks to tesseract (through pytesseract).

Tesseract's own OpenMP threading is several times slower than one thread per process
on small machines, so every call runs with OMP_THREAD_LIMIT=1 and parallelism comes
from running pages in separate processes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import pytesseract
from PIL import Image

from pipeline.errors import MissingDependencyError, PageError
from pipeline.records import Word

os.environ["OMP_THREAD_LIMIT"] = "1"

_INSTALL_HINT = "install it with: apt-get install tesseract-ocr tesseract-ocr-dan tesseract-ocr-osd"
_TIMEOUT_S = 600
_MAX_SIDE_PX = 32767
MIN_DPI = 70  # below this, tesseract cannot read body text


@lru_cache(maxsize=4)
def check_tesseract(lang: str) -> str:
    """Fail early with an install command instead of a traceback on the first scan."""
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise MissingDependencyError(f"tesseract is not installed; {_INSTALL_HINT}")
    try:
        available = set(pytesseract.get_languages(config=""))
        version = str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractError, OSError) as exc:
        raise MissingDependencyError(f"tesseract does not run ({exc}); {_INSTALL_HINT}") from exc
    missing = [code for code in (*lang.split("+"), "osd") if code not in available]
    if missing:
        where = os.environ.get("TESSDATA_PREFIX")
        raise MissingDependencyError(
            f"tesseract has no model for {', '.join(missing)}"
            + (f" in TESSDATA_PREFIX={where} (unset it to use the installed ones)" if where else "")
            + f"; {_INSTALL_HINT}"
        )
    return version


def _words_from_data(data: dict[str, list], scale: float) -> list[Word]:
    words: list[Word] = []
    for i, text in enumerate(data["text"]):
        text = text.strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        left, top = data["left"][i] / scale, data["top"][i] / scale
        width, height = data["width"][i] / scale, data["height"][i] / scale
        line_id = (data["block_num"][i] * 1000 + data["par_num"][i]) * 1000 + data["line_num"][i]
        words.append(
            Word(
                text_raw=text,
                x0=left,
                top=top,
                x1=left + width,
                bottom=top + height,
                conf=conf,
                line_hint=line_id,
            )
        )
    return words


def _run(image: Image.Image, func, **kwargs):
    # An uncompressed grey-level file is the cheapest hand-over to the tesseract process.
    with tempfile.TemporaryDirectory(prefix="budgetpdf-ocr-") as tmp:
        image_path = Path(tmp) / "page.pgm"
        image.save(image_path, format="PPM")
        try:
            return func(str(image_path), timeout=_TIMEOUT_S, **kwargs)
        except pytesseract.TesseractNotFoundError as exc:
            raise MissingDependencyError(f"tesseract is not installed; {_INSTALL_HINT}") from exc
        except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
            raise PageError(f"tesseract failed: {exc}".strip(), kind="ocr_failed") from exc


def _data(image: Image.Image, *, lang: str, psm: int, dpi: int) -> dict[str, list]:
    """Tesseract's word table (text, boxes, confidences, block/paragraph/line numbers)."""
    return _run(
        image,
        pytesseract.image_to_data,
        lang=lang,
        config=f"--psm {psm} --dpi {dpi}",
        output_type=pytesseract.Output.DICT,
    )


def _check_size(image: Image.Image, scale: float) -> None:
    """Tesseract refuses images over 32767 px a side: say so, and how to read the page."""
    side = max(image.size)
    if side <= _MAX_SIDE_PX:
        return
    dpi = scale * 72
    fits = int(dpi * _MAX_SIDE_PX / side)
    advice = f"run this file with --dpi {fits}" if fits >= MIN_DPI else "it cannot be OCR'd"
    raise PageError(
        f"page too large to OCR: {image.width} x {image.height} px at {dpi:.0f} dpi, and "
        f"tesseract reads at most {_MAX_SIDE_PX} px a side; {advice}",
        kind="page_too_large",
    )


def recognise(image: Image.Image, *, scale: float, lang: str, dpi: int) -> list[Word]:
    """Words with boxes (in points, via `scale` px/pt) and confidences 0-100."""
    check_tesseract(lang)
    _check_size(image, scale)
    return _words_from_data(_data(image, lang=lang, psm=3, dpi=dpi), scale)


def reread_regions(
    image: Image.Image,
    boxes: list[tuple[float, float, float, float]],
    *,
    scale: float,
    lang: str,
    dpi: int,
    pad_pt: float,
) -> list[list[Word]]:
    """Read the regions in `boxes` (points) again, in one tesseract call over a strip made
    of their crops (widened by pad_pt) stacked one under another; the words of each box,
    in page points."""
    check_tesseract(lang)
    pad = pad_pt * scale
    crops = []
    for x0, top, x1, bottom in boxes:
        left, upper = max(0, int(x0 * scale - pad)), max(0, int(top * scale - pad / 2))
        right = min(image.width, int(x1 * scale + pad))
        lower = min(image.height, int(bottom * scale + pad / 2))
        crops.append((left, upper, image.crop((left, upper, right, lower))))
    # wide gaps: each crop is read as a line of its own, whatever the other crops hold
    gap = int(pad) + 40
    offsets = [gap]
    for _, _, crop in crops:
        offsets.append(offsets[-1] + crop.height + gap)
    strip = Image.new("L", (max(c.width for _, _, c in crops) + 2 * gap, offsets.pop()), 255)
    for (_, _, crop), y in zip(crops, offsets, strict=True):
        strip.paste(crop, (gap, y))
    _check_size(strip, scale)
    found: list[list[Word]] = [[] for _ in boxes]
    for word in _words_from_data(_data(strip, lang=lang, psm=6, dpi=dpi), 1.0):
        centre = (word.top + word.bottom) / 2
        for i, ((left, upper, crop), y) in enumerate(zip(crops, offsets, strict=True)):
            if y <= centre < y + crop.height:
                dx, dy = left - gap, upper - y
                found[i].append(
                    Word(
                        text_raw=word.text_raw,
                        x0=(word.x0 + dx) / scale,
                        top=(word.top + dy) / scale,
                        x1=(word.x1 + dx) / scale,
                        bottom=(word.bottom + dy) / scale,
                        conf=word.conf,
                    )
                )
                break
    return found


def detect_rotation(image: Image.Image) -> int:
    """Clockwise degrees (0/90/180/270) the image must be turned to stand upright; 0 if unsure."""
    try:
        osd = _run(image, pytesseract.image_to_osd, output_type=pytesseract.Output.DICT)
    except PageError:
        return 0  # too little text for orientation detection: read it as it is
    if float(osd.get("orientation_conf", 0.0)) < 2.0:
        return 0
    return int(osd.get("rotate", 0)) % 360
