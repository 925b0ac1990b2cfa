"""The real command line on the real sample batch: real PDFs, real tesseract, real Parquet."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pandas as pd

from tests.conftest import doc_id_of, run_cli

EXPECTED_TYPES = {
    "bevillingsudloeb_scan.pdf": "grant_expiry",
    "bevillingsudloeb_ocrlayer.pdf": "grant_expiry",
    "regnskab_2024_bif.pdf": "accounts",
    "budgetnotat_bi105.pdf": "budget_note",
    "hensigtserklaeringer_bilag3.pdf": "intentions",
    "budgetredegoerelse_2007.pdf": "letter",
}
SCANNED = {
    "bevillingsudloeb_scan.pdf",
    "bevillingsudloeb_ocrlayer.pdf",
    "budgetredegoerelse_2007.pdf",
}
LEFT_FIELDS = ("expiry_content", "expiry_results", "expiry_economy")
RIGHT_FIELDS = ("assessment_content", "assessment_economy")


def test_batch_exits_zero_and_every_document_gets_its_type(batch_out: Path) -> None:
    docs = pd.read_parquet(batch_out / "documents")
    got = {Path(p).name: t for p, t in zip(docs.path, docs.doc_type, strict=True)}
    assert got == EXPECTED_TYPES
    assert pd.read_parquet(batch_out / "errors").empty


def test_scans_and_damaged_layers_are_ocrd_digital_pages_are_not(batch_out: Path) -> None:
    docs = pd.read_parquet(batch_out / "documents")[["doc_id", "path"]]
    pages = pd.read_parquet(batch_out / "pages").merge(docs, on="doc_id")
    for name in EXPECTED_TYPES:
        sources = set(pages.loc[pages.path.str.endswith(name), "source"].astype(str))
        assert sources == ({"ocr"} if name in SCANNED else {"text"}), name
    ocrlayer = pages[pages.path.str.endswith("_ocrlayer.pdf")]
    assert (ocrlayer.layer_quality < 0.95).mean() > 0.8  # the eng layer was judged damaged
    assert ocrlayer.ocr_confidence.min() > 80


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w{6,}", text)}


def _side_words(sheet: dict) -> tuple[set[str], set[str]]:
    """Words only the left column has, and words only the right column has."""
    left = set().union(*(_words(sheet[f]) for f in LEFT_FIELDS))
    right = set().union(*(_words(sheet[f]) for f in RIGHT_FIELDS))
    return left - right, right - left


def test_two_columns_of_each_sheet_never_share_a_block(batch_out: Path, corpus: Path) -> None:
    blocks = pd.read_parquet(batch_out / "text_blocks")
    blocks = blocks[blocks.doc_id == doc_id_of(batch_out, "bevillingsudloeb_scan.pdf")]
    sheets = [
        json.loads(p.read_text(encoding="utf-8")) for p in corpus.glob("bevillingsudloeb/*.json")
    ]
    checked = 0
    for _, page in blocks.groupby("page"):
        page_words = _words(" ".join(page.text))
        sheet = max(sheets, key=lambda s: len(page_words & set().union(*_side_words(s))))
        left, right = _side_words(sheet)
        for text in page.text:
            n_left, n_right = len(_words(text) & left), len(_words(text) & right)
            if n_left + n_right >= 6:
                checked += 1
                assert min(n_left, n_right) <= 1, text
    assert checked >= 30


def test_rerun_of_unchanged_batch_skips_everything(
    batch_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, first = batch_run
    assert first.returncode == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}
    second = run_cli("run", "data/raw", "--out", out, "--quiet")
    assert second.returncode == 0, second.stderr
    assert "6 skipped" in second.stderr and "0 OCR" in second.stderr
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")} == before


def test_every_table_reads_as_one_frame(batch_out: Path) -> None:
    counts = Counter()
    for table in sorted(p.name for p in batch_out.iterdir() if p.is_dir()):
        frame = pd.read_parquet(batch_out / table)
        counts[table] = len(frame)
    assert counts["documents"] == 6
    assert counts["pages"] == 18 + 18 + 23 + 3 + 2 + 6
    assert counts["text_blocks"] > 300 and counts["words"] > 10_000
