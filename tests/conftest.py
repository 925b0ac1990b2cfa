"""Shared fixtures: where the repository, the sample batch and the corpus are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
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


def run_cli(*args: str | Path, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """The real command line, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )


@pytest.fixture(scope="session")
def batch_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The sample batch through the real CLI once per test session (real tesseract)."""
    out = tmp_path_factory.mktemp("batch") / "parquet"
    result = run_cli("run", RAW, "--out", out, "--workers", "2", "--quiet")
    return out, result


@pytest.fixture(scope="session")
def batch_out(batch_run: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    out, result = batch_run
    assert result.returncode == 0, result.stderr
    return out


def doc_id_of(out: Path, file_name: str) -> str:
    docs = pd.read_parquet(out / "documents")
    return docs.loc[docs.path.str.endswith(file_name), "doc_id"].item()
