"""Stage 6: arithmetic and schema checks. A failed check is a row, never a crash."""

from __future__ import annotations

from pipeline.records import Extraction


def validate(extraction: Extraction) -> list[dict]:
    """Rows of the validations table for one document's extraction."""
    return []
