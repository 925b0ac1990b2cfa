"""Stage 4: the document's type, from its (corrected) content only, never its file name.

Each type has marker phrases that its kind of document prints (headings, fixed
formulas); a document scores the share of a type's markers found anywhere in its
text, fuzzily so that OCR damage left by the corrector still counts. The best type
wins if it clears a threshold; otherwise the document is "unknown".
"""

from __future__ import annotations

import re

from pipeline.fuzzy import find_phrase
from pipeline.records import Document

MARKERS: dict[str, tuple[str, ...]] = {
    "grant_expiry": (
        "Beskrivelse af udløb",
        "Faglig vurdering af videreførelse",
        "Indhold i indsatsen",
        "Resultater og erfaringer",
        "Indhold i justeret indsats",
        "Økonomi/ressourcer",
    ),
    "accounts": (
        "Korrigeret budget",
        "Regnskab",
        "Afvigelse",
        "Hovedprodukt",
        "Tillægsbevillinger",
        "Vedtaget budget",
        "udviser et mindreforbrug",
        "Styringsområdet",
    ),
    "budget_note": (
        "budgetnotat",
        "Bevillingstekniske oplysninger",
        "Risikovurdering",
        "Tabel 1",
        "Baggrund",
        "p/l",
    ),
    "intentions": (
        "Hensigtserklæringer",
        "Hensigtserklæring",
        "Parterne er enige om",
        "Titel",
    ),
    "letter": (
        "Dato:",
        "Sagsnr.",
        "Dok.nr.",
        "Venlig hilsen",
        "Vedrørende",
        "Direktør",
    ),
}
MIN_SHARE = 0.5
_MIN_SCORE = 88.0
_SCAN_CHARS = 60_000  # markers sit on the first pages; a huge document need not be read whole
_BOILERPLATE = re.compile(r"^(københavns kommune|bilag \d+|side \d+)$", re.IGNORECASE)


def marker_share(text: str, markers: tuple[str, ...]) -> float:
    found = sum(1 for m in markers if find_phrase(text, m, min_score=_MIN_SCORE) is not None)
    return found / len(markers)


def scores(document: Document) -> dict[str, float]:
    text = document.text[:_SCAN_CHARS]
    return {doc_type: marker_share(text, markers) for doc_type, markers in MARKERS.items()}


def first_title(document: Document) -> str:
    """The first substantial line of the first page: a fallback title for any type."""
    for page in document.pages[:1]:
        for block in page.blocks:
            for line in block.lines:
                text = line.text.strip()
                if len(text) > 3 and not _BOILERPLATE.match(text):
                    return text
    return ""


def classify(document: Document) -> tuple[str, str]:
    """(doc_type, fallback title); doc_type is one of schema.DOC_TYPES."""
    ranked = sorted(scores(document).items(), key=lambda kv: kv[1], reverse=True)
    doc_type, share = ranked[0]
    return (doc_type if share >= MIN_SHARE else "unknown"), first_title(document)
