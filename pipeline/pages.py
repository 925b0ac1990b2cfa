"""Stage 2a: read one page, from its text layer or by OCR.

`read_page` is the unit of parallel work: a small picklable job in, a small picklable
PageLayout (or PageFailure) out, no shared state, no output written. It runs in worker
processes or on Dask workers; only the parent process writes files.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image

from pipeline import ink, ocr, pdf
from pipeline.errors import MissingDependencyError, PageError, PipelineError
from pipeline.layout import LayoutSettings, layout_page
from pipeline.lexicon import Lexicon
from pipeline.numbers import MINUS_SIGNS, parse_number
from pipeline.quality import lacks_danish_letters, text_quality
from pipeline.records import Line, PageFailure, PageLayout, PageSource, Word, covered_share

BLANK_LEVEL = 192  # darker is ink (0 black, 255 white); a blank scan's paper and grain are lighter


@dataclass(frozen=True)
class ReadSettings:
    """How pages are read. Validated so a bad value is named at start-up, not mid-batch."""

    dpi: int = 300
    lang: str = "dan"
    min_quality_digital: float = 0.5  # a born-digital layer is kept unless it is garbage
    min_quality_scanned: float = 0.95  # an OCR layer over a page image must be near perfect
    scanned_cover: float = 0.5  # image share of the page above which it counts as a scan
    detect_rotation_below: float = 60.0  # mean OCR confidence that triggers orientation check
    reread_below: float = 80.0  # a short line with a word this unsure is read again...
    reread_lang: str = "eng"  # ...by a second model, and kept if it reads it surer
    reread_max_words: int = 3  # longer lines have context enough; re-reading them costs more
    reread_number_below: float = 85.0  # ...and so is a number that does not parse, read with doubt
    reread_mark_below: float = 30.0  # ...and a lone mark read with no confidence ("(" for "0")
    max_reread_lines: int = 20
    recover_min_conf: float = 50.0  # words found in ink OCR had skipped must be this sure
    layout: LayoutSettings = field(default_factory=LayoutSettings)

    def __post_init__(self) -> None:
        if not ocr.MIN_DPI <= self.dpi <= 600:
            raise ValueError(
                f"ReadSettings.dpi must be between {ocr.MIN_DPI} and 600, got {self.dpi!r}"
            )
        for name in ("min_quality_digital", "min_quality_scanned", "scanned_cover"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"ReadSettings.{name} must be between 0 and 1, got {value!r}")
        for name in ("lang", "reread_lang"):
            value = getattr(self, name)
            if not value or any(c.isspace() for c in value):
                raise ValueError(f"ReadSettings.{name} must be a tesseract language, got {value!r}")


@dataclass(frozen=True)
class PageJob:
    path: str
    page: int  # 1-based
    settings: ReadSettings


def _is_word(token: str) -> bool:
    return Lexicon.load().is_word(token)


def words_quality(page: PageLayout) -> float:
    """Share of the page's kept words that are known words or numbers. Computed by the
    parent, which holds the lexicon anyway: a worker reading scans never loads it."""
    return round(text_quality([w.text_raw for w in page.words], _is_word), 4)


def _layer_is_usable(peek: pdf.LayerPeek, quality: float, settings: ReadSettings) -> bool:
    if peek.image_cover >= settings.scanned_cover:
        return quality >= settings.min_quality_scanned and not lacks_danish_letters([peek.text])
    return quality >= settings.min_quality_digital


def _mean_confidence(words: list[Word]) -> float:
    return statistics.fmean(w.conf for w in words if w.conf is not None) if words else 0.0


def _upright_share(words: list[Word]) -> float:
    """Share of the longer words that lie left to right. Tesseract reads a sideways page
    with high confidence, but its words then stand on end."""
    long = [w for w in words if len(w.text_raw) >= 4]
    if not long:
        return 1.0
    return sum(1 for w in long if w.x1 - w.x0 > w.bottom - w.top) / len(long)


def _reading_score(words: list[Word]) -> float:
    """Mean confidence of the words, discounted for words that do not lie upright."""
    return _mean_confidence(words) * _upright_share(words)


def is_blank(image: Image.Image) -> bool:
    """No pixel darker than light grey: nothing to read, so tesseract is not asked."""
    return image.getextrema()[0] >= BLANK_LEVEL


def _danish_letters(words: list[Word]) -> int:
    return sum(c in "æøåÆØÅ" for w in words for c in w.text_raw)


def _unsure_number(word: Word, settings: ReadSettings) -> bool:
    """Digits that do not read as a number, read with doubt ("(9)" for a lone "0"), or a
    mark with neither digit nor letter read with next to no confidence ("(" for "0")."""
    text, conf = word.text_raw, word.conf or 0.0
    if parse_number(text) is not None:
        return False
    if any(c.isdigit() for c in text):
        return conf < settings.reread_number_below
    return not any(c.isalpha() for c in text) and conf < settings.reread_mark_below


def _reads_as_numbers(new: list[Word], old: Word) -> bool:
    """A number's new reading is kept when it is surer and every word of it is a number or
    a dash (the nil of a table): one number, or the run of numbers tesseract had merged
    into one word ("2012:——2013.-2014." for "2012 2013 2014"). Not "5,000": the second
    model groups thousands the English way, which Danish reads as decimals."""
    return (
        bool(new)
        and all(parse_number(w.text_raw) is not None or _is_dash(w.text_raw) for w in new)
        and not any(_ENGLISH_GROUPING.search(w.text_raw) for w in new)
        and any(parse_number(w.text_raw) is not None for w in new)
        and _mean_confidence(new) > (old.conf or 0.0)
    )


# "5,000": the English model's thousands, which Danish would read as five with decimals
_ENGLISH_GROUPING = re.compile(r"\d,\d{3}(?!\d)")


def _is_dash(text: str) -> bool:
    return len(text) == 1 and text in MINUS_SIGNS


def _as_numbers(old: Word, new: list[Word]) -> list[Word]:
    """The new words in the old word's place: its box when it is one, their own when the
    old word was several."""
    if len(new) == 1:
        return [replace(old, text_raw=new[0].text_raw, conf=new[0].conf)]
    return [replace(w, line_hint=old.line_hint) for w in new]


def second_look(
    image: Image.Image, scale: float, words: list[Word], settings: ReadSettings
) -> list[Word]:
    """What tesseract was unsure of, read again by a second model in one call: short lines
    holding an unsure word, and unsure numbers on their own.

    The Danish model alone misreads some short lines that have no context ("Nr. 7" as
    "NT: X" or "NI:", with middling confidence) and lone digits in tables ("0" as "(9)"),
    and which ones differs from machine to machine (tesseract's SIMD code); the English
    model (loaded once per process, like the Danish one) reads them surely. A
    line's new reading replaces the old one only when it is surer and keeps every æ, ø
    and å of the old one; a number's, only when it is surer and reads as a number (the
    image is read again: digits are never guessed).
    """
    lines: dict[int, list[Word]] = {}
    for w in words:
        lines.setdefault(w.line_hint, []).append(w)
    short = [
        line_id
        for line_id, line in lines.items()
        if line_id >= 0
        and len(line) <= settings.reread_max_words
        and min(w.conf or 0.0 for w in line) < settings.reread_below
    ][: settings.max_reread_lines]
    numbers = [
        i for i, w in enumerate(words) if w.line_hint not in short and _unsure_number(w, settings)
    ][: settings.max_reread_lines]
    if not short and not numbers:
        return words
    # a line's median band, not its union: a speck tesseract put in it must not widen the
    # crop into the lines above and below
    boxes = [Line(tuple(lines[line_id])).bbox_median for line_id in short]
    boxes += [words[i].bbox for i in numbers]
    reread = ocr.reread_regions(
        image,
        boxes,
        scale=scale,
        lang=settings.reread_lang,
        dpi=settings.dpi,
        pad_pt=0.4 * min(b[3] - b[1] for b in boxes),
    )
    numbers_read = {
        i: _as_numbers(words[i], new)
        for i, new in zip(numbers, reread[len(short) :], strict=True)
        if _reads_as_numbers(new, words[i])
    }
    out = [w for i, word in enumerate(words) for w in numbers_read.get(i, [word])]
    better: dict[int, list[Word]] = {}
    for line_id, box, found in zip(short, boxes, reread, strict=False):
        old = lines[line_id]
        new = [w for w in found if box[1] <= (w.top + w.bottom) / 2 <= box[3]]
        if (
            new
            and _mean_confidence(new) > _mean_confidence(old)
            and _danish_letters(new) >= _danish_letters(old)
        ):
            better[line_id] = [replace(w, line_hint=line_id) for w in new]
    if not better:
        return out
    result: list[Word] = []
    for line_id in dict.fromkeys(w.line_hint for w in out):
        result.extend(better.get(line_id, [w for w in out if w.line_hint == line_id]))
    return result


def recover_missed(
    image: Image.Image, scale: float, words: list[Word], settings: ReadSettings
) -> list[Word]:
    """Read the regions with ink but no words (a column of numbers tesseract's page
    segmentation dropped) and add the words it is sure of."""
    if not words:
        return words
    height = statistics.median(w.bottom - w.top for w in words)
    regions = ink.unread_regions(image, scale, [w.bbox for w in words], text_height=height)
    if not regions:
        return words
    found = ocr.reread_regions(
        image, regions, scale=scale, lang=settings.lang, dpi=settings.dpi, pad_pt=0.4 * height
    )
    extra = [
        w
        for region in found
        for w in region
        if (w.conf or 0) >= settings.recover_min_conf
        and any(c.isalnum() for c in w.text_raw)
        and not any(covered_share(w.bbox, old.bbox) > 0.5 for old in words)  # read already
    ]
    return words + extra


CHECKED, UNCHECKED = "☒", "☐"
_BOX_NOISE_CHARS = 3  # what OCR makes of a box ("[", "|]", "[X]") is this short


def with_check_boxes(image: Image.Image, scale: float, words: list[Word]) -> list[Word]:
    """The page's check boxes as words ☒ (marked) and ☐, in place of the bracket noise
    OCR read them as: tesseract drops a marked box altogether as often as not."""
    if not words:
        return words
    height = statistics.median(w.bottom - w.top for w in words)
    boxes = ink.check_boxes(image, scale, text_height=height)
    if not boxes:
        return words

    kept = [
        w
        for w in words
        if len(w.text_raw) > _BOX_NOISE_CHARS
        or not any(covered_share(w.bbox, b) > 0.3 for b, _ in boxes)
    ]
    marks = [Word(CHECKED if marked else UNCHECKED, *box) for box, marked in boxes]
    return kept + marks


def _ocr(
    path: Path, index: int, settings: ReadSettings
) -> tuple[list[Word], int, tuple[float, float]]:
    """OCR the rendered page; turn it upright first when the text reads badly."""
    image, scale = pdf.render_page(path, index, dpi=settings.dpi)
    size = pdf.page_size(path, index)
    if is_blank(image):
        return [], 0, size
    words = ocr.recognise(image, scale=scale, lang=settings.lang, dpi=settings.dpi)
    rotation = 0
    if _reading_score(words) < settings.detect_rotation_below or len(words) < 3:
        rotation = ocr.detect_rotation(image)
        if rotation:
            upright = image.rotate(-rotation, expand=True, resample=Image.Resampling.NEAREST)
            turned = ocr.recognise(upright, scale=scale, lang=settings.lang, dpi=settings.dpi)
            if _reading_score(turned) > _reading_score(words):
                words, image = turned, upright
                size = (size[1], size[0]) if rotation in (90, 270) else size
            else:
                rotation = 0
    words = second_look(image, scale, recover_missed(image, scale, words, settings), settings)
    words = with_check_boxes(image, scale, words)
    return words, rotation, size


def _text_layer_or_none(path: Path, index: int) -> pdf.TextLayer | None:
    """The page's text layer, or None when pdfminer cannot parse what pdfium could: the
    page is then read from its image, like a scan, rather than lost."""
    try:
        return pdf.read_text_layer(path, index)
    except PageError:
        return None


def read_page(job: PageJob) -> PageLayout | PageFailure:
    """Words and blocks of one page, or why the page could not be read."""
    path, index, settings = Path(job.path), job.page - 1, job.settings
    try:
        peek = pdf.peek_text_layer(path, index)
        has_layer = bool(peek.text.strip())
        layer_quality = text_quality([peek.text], _is_word) if has_layer else None
        source: PageSource
        layer = None
        if layer_quality is not None and _layer_is_usable(peek, layer_quality, settings):
            layer = _text_layer_or_none(path, index)
        if layer is not None:
            width, height = layer.width, layer.height
            words, source, rotation, confidence = list(layer.words), "text", layer.rotation, None
        else:
            words, rotation, (width, height) = _ocr(path, index, settings)
            source, confidence = "ocr", round(_mean_confidence(words), 2) if words else None
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
        layer_quality=None if layer_quality is None else round(layer_quality, 4),
        ocr_confidence=confidence,
        rotation=rotation,
        words=words_out,
        blocks=blocks,
    )
