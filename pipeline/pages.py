"""Stage 2a: read one page, from its text layer or by OCR.

`read_page` is the unit of parallel work: a small picklable job in, a small picklable
PageLayout (or PageFailure) out, no shared state, no output written. It runs in worker
processes or on Dask workers; only the parent process writes files.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from pipeline import ocr, pdf
from pipeline.errors import MissingDependencyError, PipelineError
from pipeline.layout import LayoutSettings, layout_page
from pipeline.lexicon import Lexicon
from pipeline.quality import lacks_danish_letters, text_quality
from pipeline.records import PageFailure, PageLayout, PageSource, Word


@dataclass(frozen=True)
class ReadSettings:
    """How pages are read. Validated so a bad value is named at start-up, not mid-batch."""

    dpi: int = 300
    lang: str = "dan"
    min_quality_digital: float = 0.5  # a born-digital layer is kept unless it is garbage
    min_quality_scanned: float = 0.95  # an OCR layer over a page image must be near perfect
    scanned_cover: float = 0.5  # image share of the page above which it counts as a scan
    detect_rotation_below: float = 60.0  # mean OCR confidence that triggers orientation check
    layout: LayoutSettings = field(default_factory=LayoutSettings)

    def __post_init__(self) -> None:
        if not 70 <= self.dpi <= 600:
            raise ValueError(f"ReadSettings.dpi must be between 70 and 600, got {self.dpi!r}")
        for name in ("min_quality_digital", "min_quality_scanned", "scanned_cover"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"ReadSettings.{name} must be between 0 and 1, got {value!r}")
        if not self.lang or any(c.isspace() for c in self.lang):
            raise ValueError(f"ReadSettings.lang must be a tesseract language, got {self.lang!r}")


@dataclass(frozen=True)
class PageJob:
    path: str
    page: int  # 1-based
    settings: ReadSettings


def _is_word(token: str) -> bool:
    return Lexicon.load().is_word(token)


def _layer_is_usable(layer: pdf.TextLayer, quality: float, settings: ReadSettings) -> bool:
    if not layer.words:
        return False
    texts = [w.text_raw for w in layer.words]
    if layer.image_cover >= settings.scanned_cover:
        return quality >= settings.min_quality_scanned and not lacks_danish_letters(texts)
    return quality >= settings.min_quality_digital


def _mean_confidence(words: list[Word]) -> float:
    return statistics.fmean(w.conf for w in words if w.conf is not None) if words else 0.0


def _ocr(path: Path, index: int, settings: ReadSettings) -> tuple[list[Word], int]:
    """OCR the rendered page; turn it upright first when the text reads badly."""
    image, scale = pdf.render_page(path, index, dpi=settings.dpi)
    words = ocr.recognise(image, scale=scale, lang=settings.lang, dpi=settings.dpi)
    rotation = 0
    if _mean_confidence(words) < settings.detect_rotation_below or len(words) < 3:
        rotation = ocr.detect_rotation(image)
        if rotation:
            upright = image.rotate(-rotation, expand=True, resample=Image.Resampling.NEAREST)
            turned = ocr.recognise(upright, scale=scale, lang=settings.lang, dpi=settings.dpi)
            if _mean_confidence(turned) > _mean_confidence(words):
                words = turned
            else:
                rotation = 0
    return words, rotation


def read_page(job: PageJob) -> PageLayout | PageFailure:
    """Words and blocks of one page, or why the page could not be read."""
    path, index, settings = Path(job.path), job.page - 1, job.settings
    try:
        layer = pdf.read_text_layer(path, index)
        layer_quality = (
            text_quality([w.text_raw for w in layer.words], _is_word) if layer.words else None
        )
        width, height = layer.width, layer.height
        source: PageSource
        if layer_quality is not None and _layer_is_usable(layer, layer_quality, settings):
            words, source, rotation, confidence = list(layer.words), "text", 0, None
        else:
            words, rotation = _ocr(path, index, settings)
            source, confidence = "ocr", round(_mean_confidence(words), 2) if words else None
            if rotation in (90, 270):
                width, height = height, width
        quality = text_quality([w.text_raw for w in words], _is_word)
        words_out, blocks = layout_page(tuple(words), width, height, settings.layout)
    except MissingDependencyError:
        raise
    except PipelineError as exc:
        return PageFailure(page=job.page, stage="layout", error=exc.kind, message=str(exc))
    except Exception as exc:  # a page must never take its document down with it
        return PageFailure(
            page=job.page,
            stage="layout",
            error="page_failed",
            message=f"{type(exc).__name__}: {exc}",
        )
    return PageLayout(
        page=job.page,
        width=width,
        height=height,
        source=source,
        text_quality=round(quality, 4),
        layer_quality=None if layer_quality is None else round(layer_quality, 4),
        ocr_confidence=confidence,
        rotation=rotation,
        words=words_out,
        blocks=blocks,
    )
