"""Checks for the grants tables (see pipeline/validate/checks.py for the row shape)."""

from __future__ import annotations

from pipeline.records import Extraction


def checks(extraction: Extraction) -> list[dict]:
    return []
