"""Stage 5: one extractor per document type turns blocks into table rows."""

from __future__ import annotations

from collections.abc import Callable

from pipeline.records import Document, Extraction

Extractor = Callable[[Document, str], Extraction]

EXTRACTORS: dict[str, Extractor] = {}


def extract(document: Document, doc_type: str, title: str) -> Extraction:
    extractor = EXTRACTORS.get(doc_type)
    if extractor is None:
        return Extraction(doc_type=doc_type, title=title)
    return extractor(document, title)
