"""Stage 5: one extractor per document type turns blocks into table rows."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.extractors import accounts, budget_note, grant_expiry, intentions, letter
from pipeline.records import Document, Extraction

Extractor = Callable[[Document, str], Extraction]

EXTRACTORS: dict[str, Extractor] = {
    "grant_expiry": grant_expiry.extract,
    "accounts": accounts.extract,
    "budget_note": budget_note.extract,
    "intentions": intentions.extract,
    "letter": letter.extract,
}


def extract(document: Document, doc_type: str, title: str) -> Extraction:
    """Rows for the document's type; an unknown document yields only the common tables."""
    extractor = EXTRACTORS.get(doc_type)
    if extractor is None:
        return Extraction(doc_type=doc_type, title=title)
    return extractor(document, title)
