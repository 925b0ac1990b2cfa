"""The orchestrator keeps going when one document's analysis hits a bug."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from reportlab.pdfgen import canvas

from pipeline import runner
from pipeline.runner import Runner, RunOptions


def _pdf(path: Path, text: str) -> Path:
    c = canvas.Canvas(str(path), pagesize=(400, 300))
    c.drawString(50, 250, text)
    c.save()
    return path


def test_a_crash_in_one_documents_analysis_costs_only_that_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _pdf(tmp_path / "good.pdf", "Forvaltningens faglige vurdering er god")
    bad = _pdf(tmp_path / "bad.pdf", "Denne side får analysen til at fejle")
    real = runner.document_tables

    def flaky(source, *args, **kwargs):
        if source.path == bad:
            raise ZeroDivisionError("a bug")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(runner, "document_tables", flaky)
    messages: list[str] = []
    summary = Runner(tmp_path / "out", RunOptions(progress=False), messages.append).run([tmp_path])
    assert summary.exit_code == 1
    docs = pd.read_parquet(tmp_path / "out" / "documents")
    assert list(docs.path) == [str(good)]  # the bad one is not marked done: a re-run retries it
    errors = pd.read_parquet(tmp_path / "out" / "errors")
    assert list(errors.error) == ["internal_error"] and list(errors.path) == [str(bad)]
    assert any("ZeroDivisionError: a bug" in m and str(bad) in m for m in messages)
