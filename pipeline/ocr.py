"""The one place that talks to tesseract, through its C++ API (tesserocr).

Each process loads a language's model once and keeps it: loading costs about 0.15 s,
a tenth of reading a page, and the second look and the ink recovery would pay it again
on every page. Tesseract's own OpenMP threading is several times slower than one
thread per process on small machines, so it runs with OMP_THREAD_LIMIT=1 and
parallelism comes from reading pages in separate processes.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from types import ModuleType
from typing import Any

from PIL import Image

from pipeline.errors import MissingDependencyError, PageError
from pipeline.records import Word

os.environ["OMP_THREAD_LIMIT"] = "1"  # read when libtesseract's OpenMP loads: set it first

_INSTALL_HINT = "install it with: apt-get install tesseract-ocr tesseract-ocr-dan tesseract-ocr-osd"
_TIMEOUT_MS = 600_000
_MAX_SIDE_PX = 32767
_WORD_LEVEL = "5"  # TSV rows of level 5 are words (1 page, 2 block, 3 paragraph, 4 line)
MIN_DPI = 70  # below this, tesseract cannot read body text
PSM_AUTO, PSM_BLOCK, PSM_OSD_ONLY = 3, 6, 0


@lru_cache(maxsize=1)
def _library() -> ModuleType:
    """tesserocr, or why it cannot be loaded: it links libtesseract, which apt installs."""
    try:
        import tesserocr
    except ImportError as exc:
        if exc.name == "tesserocr":
            raise MissingDependencyError(
                "the tesserocr package is missing; install the project with: scripts/setup.sh"
            ) from exc
        raise MissingDependencyError(
            f"tesseract's library cannot be loaded ({exc}); {_INSTALL_HINT}"
        ) from exc
    return tesserocr


@lru_cache(maxsize=4)
def check_tesseract(lang: str) -> str:
    """Fail early with an install command instead of a traceback on the first scan."""
    library = _library()
    where, available = library.get_languages()
    missing = [code for code in dict.fromkeys((*lang.split("+"), "osd")) if code not in available]
    if missing:
        prefix = os.environ.get("TESSDATA_PREFIX")
        raise MissingDependencyError(
            f"tesseract has no model for {', '.join(missing)}"
            + (
                f" in TESSDATA_PREFIX={prefix} (unset it to use the installed ones)"
                if prefix
                else f" in {where}"
            )
            + f"; {_INSTALL_HINT}"
        )
    return library.tesseract_version().splitlines()[0]


_local = threading.local()


def _engine(lang: str) -> Any:
    """This thread's tesseract for `lang`, loaded on first use and kept (an engine reads one
    image at a time: a Dask worker with several threads gets one per thread)."""
    engines: dict[str, Any] = _local.__dict__.setdefault("engines", {})
    if lang not in engines:
        check_tesseract(lang)
        try:
            engines[lang] = _library().PyTessBaseAPI(lang=lang, init=True)
        except RuntimeError as exc:
            raise MissingDependencyError(
                f"tesseract cannot load {lang}: {exc}; {_INSTALL_HINT}"
            ) from exc
    return engines[lang]


def _set_image(engine: Any, image: Image.Image) -> None:
    """Hand over the grey levels as they are: no encoding, no file."""
    grey = image if image.mode == "L" else image.convert("L")
    engine.SetImageBytes(grey.tobytes(), grey.width, grey.height, 1, grey.width)


def _words_from_tsv(tsv: str, scale: float) -> list[Word]:
    words: list[Word] = []
    for row in tsv.splitlines():
        cells = row.split("\t", 11)
        if len(cells) < 12 or cells[0] != _WORD_LEVEL:
            continue
        _, _, block, par, line, _, left, top, width, height, conf, text = cells
        text = text.strip()
        if not text or float(conf) < 0:
            continue
        x0, y0 = int(left) / scale, int(top) / scale
        words.append(
            Word(
                text_raw=text,
                x0=x0,
                top=y0,
                x1=x0 + int(width) / scale,
                bottom=y0 + int(height) / scale,
                conf=float(conf),
                line_hint=(int(block) * 1000 + int(par)) * 1000 + int(line),
            )
        )
    return words


def _tsv(image: Image.Image, *, lang: str, psm: int, dpi: int) -> str:
    """Tesseract's word table (text, boxes, confidences, block/paragraph/line numbers)."""
    engine = _engine(lang)
    engine.SetPageSegMode(psm)
    engine.SetVariable("user_defined_dpi", str(dpi))
    _set_image(engine, image)
    if not engine.Recognize(_TIMEOUT_MS):
        raise PageError(
            f"tesseract failed or took over {_TIMEOUT_MS // 1000} s on the page", kind="ocr_failed"
        )
    return engine.GetTSVText(0)


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
    _check_size(image, scale)
    return _words_from_tsv(_tsv(image, lang=lang, psm=PSM_AUTO, dpi=dpi), scale)


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
    for word in _words_from_tsv(_tsv(strip, lang=lang, psm=PSM_BLOCK, dpi=dpi), 1.0):
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
    """Clockwise degrees (0/90/180/270) the image must be turned to stand upright; 0 if unsure
    (too little text for orientation detection: the page is read as it is)."""
    engine = _engine("osd")
    engine.SetPageSegMode(PSM_OSD_ONLY)
    _set_image(engine, image)
    osd = engine.DetectOrientationScript()
    if not osd or osd["orient_conf"] < 2.0:
        return 0
    return (360 - int(osd["orient_deg"])) % 360
