"""`make eval`: exact-cell rates of the accounts extractor, digital and scanned.

Renders the sample accounts (tests/samples) as they are and as a full scan (the same
degradation as tests/test_accounts.py's scan variant), runs the real command line on both
(real tesseract) and scores every cell against the corpus text.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

from tests.conftest import RAW, run_cli
from tests.samples.scan import scan_pdf
from tests.test_accounts import SCAN_SETTINGS, corpus_doc, extracted, score, truth_of


def main() -> int:
    truth = truth_of(corpus_doc())
    with tempfile.TemporaryDirectory(prefix="eval-accounts-") as tmp:
        folder = Path(tmp)
        digital = RAW / "regnskab_2024_bif.pdf"
        scanned = scan_pdf(digital, folder / "regnskab_scan.pdf", SCAN_SETTINGS)
        out = folder / "parquet"
        done = run_cli("run", digital, scanned, "--out", out, "--quiet")
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        docs = pd.read_parquet(out / "documents")
        validations = pd.read_parquet(out / "validations")
        for path, doc_id in zip(docs.path, docs.doc_id, strict=True):
            result = score(truth, *extracted(out, doc_id), fuzzy="scan" in path)
            checks = validations[validations.doc_id == doc_id]
            print(
                f"{Path(path).name}: {result.exact}/{result.total} cells exact "
                f"({100 * result.rate:.1f}%); validations {int(checks.ok.sum())}/{len(checks)} ok"
            )
            for key, (want, got) in list(result.wrong.items())[:40]:
                print(f"  {' / '.join(map(str, key))}: expected {want}, read {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
