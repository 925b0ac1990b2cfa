"""Shared fixtures: where the repository, the sample batch and the corpus are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "data" / "raw"
CORPUS = Path(os.environ.get("BUDGET_CORPUS", REPO.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return RAW


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"corpus not found at {CORPUS} (set BUDGET_CORPUS)")
    return CORPUS
