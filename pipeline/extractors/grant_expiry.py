"""Extractor for grant_expiry documents."""

from __future__ import annotations

from pipeline.records import Document, Extraction


def extract(document: Document, title: str) -> Extraction:
    return Extraction(doc_type="grant_expiry", title=title)
