"""Stage 4: the document's type, from its (corrected) content only, never its file name.

Each type has marker phrases that its kind of document prints, of three kinds:
- a phrase found anywhere (fuzzily, so OCR damage left by the corrector still counts);
- a label that starts a line, with or without text after it ("Dato: ...", "Tabel 2 ...");
- a heading that is a line of its own ("Risikovurdering", "Venlig hilsen").
Labels and headings do not fire on the same words in running prose, so a letter that
mentions a budget note, or a budget note that quotes an intention, keeps its own type.
Markers that define the kind weigh more. A document scores the weighted share of a
type's markers it has; the best type wins if it clears MIN_SHARE and leads the runner-up
by MIN_LEAD, otherwise the document is "unknown". Shares, not counts, so a one-page
letter scores like a long one.

The fallback title is the largest text near the top of the first page (letterheads and
annex numbers excepted); extractors may replace it with a better one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pipeline.fuzzy import find_phrase, similarity
from pipeline.records import Document, Line

Where = Literal["anywhere", "label", "heading"]


@dataclass(frozen=True)
class Marker:
    phrase: str
    weight: float = 1.0
    where: Where = "anywhere"


def _label(phrase: str, weight: float = 1.0) -> Marker:
    return Marker(phrase, weight, "label")


def _heading(phrase: str, weight: float = 1.0) -> Marker:
    return Marker(phrase, weight, "heading")


MARKERS: dict[str, tuple[Marker, ...]] = {
    "grant_expiry": (
        _label("Beskrivelse af udløb", 2),
        _label("Faglig vurdering af videreførelse", 2),
        _label("Indhold i indsatsen"),
        _label("Resultater og erfaringer"),
        _label("Indhold i justeret indsats"),
        _label("Økonomi/ressourcer"),
    ),
    "accounts": (
        Marker("Korrigeret budget", 2),
        _label("Regnskab"),
        Marker("Afvigelse"),
        Marker("Hovedprodukt", 2),
        Marker("Tillægsbevillinger"),
        Marker("Vedtaget budget"),
        Marker("udviser et mindreforbrug"),
        Marker("Styringsområde"),
    ),
    "budget_note": (
        Marker("budgetnotat", 2),
        _heading("Bevillingstekniske oplysninger", 2),
        _heading("Risikovurdering"),
        _label("Tabel"),
        _heading("Baggrund"),
        Marker("p/l"),
        _heading("Øvrige tekniske oplysninger"),
        _heading("Bydel og adresse"),
    ),
    "intentions": (
        _heading("Hensigtserklæringer", 2),
        _label("Hensigtserklæring"),
        Marker("Parterne er enige om", 2),
        _label("Titel"),
    ),
    "letter": (
        _label("Dato:", 2),
        _label("Sagsnr.", 2),
        _label("Dok.nr."),
        _heading("Venlig hilsen", 2),
        _label("Vedrørende"),
        _heading("Direktør"),
    ),
}
MIN_SHARE = 0.4
MIN_LEAD = 0.1
_MIN_SCORE = 88.0
_LINE_START = 3  # a label may start this many characters into its line
_COVER = 0.85  # a label's match spans at least this share of the phrase (not a bare word)
_SCAN_CHARS = 60_000  # markers sit on the first pages; a huge document need not be read whole
_TITLE_ZONE = 0.6  # the title sits in this upper share of the first page
_TITLE_SIZE = 1.15  # a title is at least this much larger than the page's body text
_SAME_SIZE = 0.12  # a title's wrapped lines differ in height by less than this share
_BOILERPLATE = re.compile(
    r"^(københavns kommune|bilag \d+|side \d+( af \d+)?|.*forvaltning(en)?|center for .*)$",
    re.IGNORECASE,
)


def _lines(document: Document) -> list[str]:
    lines: list[str] = []
    size = 0
    for page in document.pages:
        for line in page.lines:
            lines.append(line.text)
            size += len(lines[-1]) + 1
            if size > _SCAN_CHARS:
                return lines
    return lines


def _found(marker: Marker, text: str, lines: list[str]) -> bool:
    if marker.where == "anywhere":
        return find_phrase(text, marker.phrase, min_score=_MIN_SCORE) is not None
    if marker.where == "heading":
        return any(similarity(line, marker.phrase) >= _MIN_SCORE for line in lines)
    for line in lines:
        head = line[: len(marker.phrase) + _LINE_START]
        span = find_phrase(head, marker.phrase, min_score=_MIN_SCORE)
        if (
            span is not None
            and span.start <= _LINE_START
            and span.end - span.start >= _COVER * len(marker.phrase)
        ):
            return True
    return False


def marker_share(text: str, lines: list[str], markers: tuple[Marker, ...]) -> float:
    found = sum(m.weight for m in markers if _found(m, text, lines))
    return found / sum(m.weight for m in markers)


def scores(document: Document) -> dict[str, float]:
    lines = _lines(document)
    text = "\n".join(lines)
    return {t: marker_share(text, lines, markers) for t, markers in MARKERS.items()}


def _size(line: Line) -> float:
    """Font size of a line: its tallest word (OCR boxes of x-height words are smaller)."""
    return max((w.bottom - w.top for w in line.words), default=0.0)


def _body_size(lines: list[Line]) -> float:
    """The size most of the page's text is set in (median weighted by characters)."""
    sizes = sorted((_size(ln), len(ln.text)) for ln in lines)
    half = sum(n for _, n in sizes) / 2
    seen = 0
    for size, n in sizes:
        seen += n
        if seen >= half:
            return size
    return sizes[-1][0]


def first_title(document: Document) -> str:
    """The largest line near the top of the first page, with its wrapped continuation
    lines (same block, same size), when it is larger than the page's body text: a
    fallback title for any type ("" when nothing stands out)."""
    if not document.pages:
        return ""
    page = document.pages[0]
    lines = [ln for ln in page.lines if ln.words]
    if not lines:
        return ""
    body = _body_size(lines)
    best: tuple[float, list[Line]] | None = None
    for block in page.blocks:
        for k, line in enumerate(block.lines):
            text = line.text.strip()
            size = _size(line)
            if (
                line.bbox[1] > _TITLE_ZONE * page.height
                or len(text) <= 3
                or _BOILERPLATE.match(text)
                or size < _TITLE_SIZE * body
                or (best is not None and size <= best[0] * (1 + _SAME_SIZE / 2))
            ):
                continue
            title = [line]
            for nxt in block.lines[k + 1 :]:
                if abs(_size(nxt) - size) > _SAME_SIZE * size:
                    break
                title.append(nxt)
            best = (size, title)
    return "" if best is None else " ".join(ln.text.strip() for ln in best[1])


def classify(document: Document) -> tuple[str, str]:
    """(doc_type, fallback title); doc_type is one of schema.DOC_TYPES."""
    ranked = sorted(scores(document).items(), key=lambda kv: kv[1], reverse=True)
    (doc_type, share), (_, runner_up) = ranked[0], ranked[1]
    known = share >= MIN_SHARE and share - runner_up >= MIN_LEAD
    return (doc_type if known else "unknown"), first_title(document)
