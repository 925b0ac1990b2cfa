"""Build the committed sample batch: `python -m tests.samples.build --out data/raw`.

Deterministic (fixed seeds, invariant PDFs, tesseract's creation date stripped), so a
rebuild gives byte-identical files. Writes the six PDFs plus MANIFEST.md and
manifest.tsv (file, source text, kind, pages, bytes, sha256, purpose).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

from .corpus import corpus_dir, load_sheets, parse_intentions, parse_letter, read_text
from .corpus_accounts import parse_accounts
from .corpus_note import parse_budget_note
from .render_accounts import render_accounts
from .render_grants import render_grant_deck
from .render_intentions import render_intentions
from .render_letter import render_letter
from .render_note import render_budget_note
from .scan import ScanSettings, add_ocr_layer, page_jpegs, scan_pdf

DECK_SEED = 2024
LETTER_SEED = 2007


@dataclass(frozen=True)
class Sample:
    file: str
    source: str
    kind: str  # digital | scan | scan+ocr
    purpose: str


SAMPLES = (
    Sample(
        "bevillingsudloeb_scan.pdf",
        "bevillingsudloeb/sheet_NN.json",
        "scan",
        "17 grant-expiry sheets + divider as scanned 16:9 slides, image only: OCR path, "
        "two-column reading order, skew",
    ),
    Sample(
        "bevillingsudloeb_ocrlayer.pdf",
        "bevillingsudloeb/sheet_NN.json",
        "scan+ocr",
        "the same page images with tesseract's eng text layer (Danish letters lost): "
        "damaged-layer detection and re-OCR",
    ),
    Sample(
        "regnskab_2024_bif.pdf",
        "regnskab_2024_bif.txt",
        "digital",
        "annual accounts: overview, hovedprodukt, funktion and activity tables without "
        "ruling lines; golden source for the accounts extractor",
    ),
    Sample(
        "budgetnotat_bi105.pdf",
        "budgetnotat_bi105.txt",
        "digital",
        "budget note: Tabel 1, two tables labelled 'Tabel 2', Tabel 3 with empty cells, "
        "X-marked district grid",
    ),
    Sample(
        "hensigtserklaeringer_bilag3.pdf",
        "hensigtserklaeringer_bilag3.txt",
        "digital",
        "intentions annex: two narrow columns, both hyphenated at line ends",
    ),
    Sample(
        "budgetredegoerelse_2007.pdf",
        "budgetredegoerelse_integration_2007.txt",
        "scan",
        "2007 letter + guidelines with boxed forms, scanned A4, image only",
    ),
)


def deck_settings(dpi: int) -> ScanSettings:
    return ScanSettings(dpi=dpi, max_skew_deg=1.0, seed=DECK_SEED)


def letter_settings(dpi: int) -> ScanSettings:
    return ScanSettings(
        dpi=dpi, max_skew_deg=0.8, blur=0.7, noise=5.0, paper_grey=230, seed=LETTER_SEED
    )


def check_ocr_layer(scan: Path, ocr: Path) -> int:
    """The OCR PDF must carry a text layer and the scan's JPEGs, byte for byte."""
    if page_jpegs(scan) != page_jpegs(ocr):
        raise RuntimeError(f"{ocr.name}: page images differ from {scan.name}")
    with pdfplumber.open(ocr) as pdf:
        chars = sum(len(p.chars) for p in pdf.pages)
    if not chars:
        raise RuntimeError(f"{ocr.name}: no text layer")
    return chars


def build(
    out: Path,
    *,
    root: Path | None = None,
    dpi: int = 200,
    letter_dpi: int = 240,
    ocr: bool = True,
    only: set[str] | None = None,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Build the batch into `out`; `only` restricts to some file names."""
    out.mkdir(parents=True, exist_ok=True)
    root = root or corpus_dir()
    made: list[Path] = []

    def want(name: str) -> bool:
        return only is None or name in only

    def step(name: str, fn: Callable[[Path], object]) -> None:
        if not want(name):
            return
        t = time.perf_counter()
        fn(out / name)
        made.append(out / name)
        log(f"{name}: {(out / name).stat().st_size / 1e6:.2f} MB, {time.perf_counter() - t:.1f} s")

    sheets = load_sheets(root)
    step(
        "bevillingsudloeb_scan.pdf",
        lambda p: render_grant_deck(sheets, p, scan=deck_settings(dpi)),
    )
    if ocr and want("bevillingsudloeb_ocrlayer.pdf"):
        scan = out / "bevillingsudloeb_scan.pdf"
        if not scan.exists():
            render_grant_deck(sheets, scan, scan=deck_settings(dpi))

        def ocr_layer(p: Path) -> None:
            add_ocr_layer(scan, p, lang="eng")
            log(f"  text layer: {check_ocr_layer(scan, p)} chars, page images unchanged")

        step("bevillingsudloeb_ocrlayer.pdf", ocr_layer)
    step(
        "regnskab_2024_bif.pdf",
        lambda p: render_accounts(parse_accounts(read_text("regnskab_2024_bif.txt", root)), p),
    )
    step(
        "budgetnotat_bi105.pdf",
        lambda p: render_budget_note(
            parse_budget_note(read_text("budgetnotat_bi105.txt", root)), p
        ),
    )
    step(
        "hensigtserklaeringer_bilag3.pdf",
        lambda p: render_intentions(
            parse_intentions(read_text("hensigtserklaeringer_bilag3.txt", root)), p
        ),
    )

    def letter(p: Path) -> None:
        doc = parse_letter(read_text("budgetredegoerelse_integration_2007.txt", root))
        with tempfile.TemporaryDirectory() as tmp:
            digital = render_letter(doc, Path(tmp) / "letter.pdf")
            scan_pdf(digital, p, letter_settings(letter_dpi))

    step("budgetredegoerelse_2007.pdf", letter)
    write_manifest(out)
    return made


def _pages(path: Path) -> int:
    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)


def write_manifest(out: Path) -> None:
    """manifest.tsv (machine-readable) and MANIFEST.md for the files present in out."""
    rows = []
    for s in SAMPLES:
        path = out / s.file
        if not path.exists():
            continue
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        rows.append((s, _pages(path), len(data), sha))
    tsv = ["file\tsource\tkind\tpages\tbytes\tsha256\tpurpose"]
    tsv += [
        f"{s.file}\t{s.source}\t{s.kind}\t{n}\t{b}\t{sha}\t{s.purpose}" for s, n, b, sha in rows
    ]
    (out / "manifest.tsv").write_text("\n".join(tsv) + "\n", encoding="utf-8")
    md = [
        "# Sample batch",
        "",
        "Rendered by the project from the source texts in `../shared/corpus/` with",
        "`make samples` (`python -m tests.samples.build --out data/raw`). Deterministic:",
        "a rebuild gives byte-identical files (see tests/samples/). Do not edit by hand.",
        "",
        "| file | source text | kind | pages | MB | purpose |",
        "|---|---|---|---|---|---|",
    ]
    md += [
        f"| {s.file} | {s.source} | {s.kind} | {n} | {b / 1e6:.2f} | {s.purpose} |"
        for s, n, b, _ in rows
    ]
    md += [
        "",
        "Kinds: digital = text layer from the renderer; scan = page images only (grayscale",
        "JPEG, skew up to about 1°, blur, noise, grey paper); scan+ocr = the same images",
        "with the invisible text layer of `tesseract -l eng ... pdf`.",
        "",
        "Notes: the accounts' bullet character (U+F0B7 from the Symbol font in the source",
        "text) is rendered as '•'; the budget note's table cells follow the placement rule",
        "documented in tests/samples/corpus_note.py.",
        "",
    ]
    (out / "MANIFEST.md").write_text("\n".join(md), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("data/raw"))
    ap.add_argument("--corpus", type=Path, default=None, help="default: ../shared/corpus")
    ap.add_argument("--dpi", type=int, default=200, help="scan resolution of the deck")
    ap.add_argument("--letter-dpi", type=int, default=240, help="scan resolution of the letter")
    ap.add_argument("--no-ocr", action="store_true", help="skip the tesseract text layer")
    ap.add_argument("--only", nargs="*", help="build only these file names")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    made = build(
        args.out,
        root=args.corpus,
        dpi=args.dpi,
        letter_dpi=args.letter_dpi,
        ocr=not args.no_ocr,
        only=set(args.only) if args.only else None,
    )
    total = sum(p.stat().st_size for p in made)
    print(f"{len(made)} files, {total / 1e6:.1f} MB in {time.perf_counter() - t:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
