"""The review report: pure builders on small fixtures, then the real command on the sample
batch's output, loaded in a real headless chromium (Debian's `chromium` package)."""

from __future__ import annotations

import base64
import html
import io
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from pipeline import ocr, report
from pipeline.document import error_row
from pipeline.fuzzy import find_phrase
from pipeline.numbers import parse_number
from pipeline.schema import TABLES
from pipeline.validate.checks import check
from pipeline.write import Store, rows_to_arrow, write_atomic
from tests.conftest import REPO, run_cli

SCREENSHOT = REPO / "build" / "report.png"
WINDOW = (1280, 1600)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
IMG = re.compile(r'<img alt="(?P<alt>[^"]*)" src="data:image/png;base64,(?P<data>[^"]+)"')


# --- pure parts on synthetic words ----------------------------------------------------


def _words(lines: list[tuple[int, float, list[tuple[float, str]]]]) -> list[dict]:
    """Word rows of page 1 from (block, top, [(x0, text), ...]) per line, 10 pt high."""
    rows, line_no = [], {}
    for block, top, words in lines:
        line = line_no[block] = line_no.get(block, -1) + 1
        for i, (x0, text) in enumerate(words):
            rows.append(
                {
                    "page": 1,
                    "block": block,
                    "line": line,
                    "word": i,
                    "text_raw": text,
                    "text": text,
                    "x0": x0,
                    "top": top,
                    "x1": x0 + 6 * len(text),
                    "bottom": top + 10,
                }
            )
    return rows


TABLE_PAGE = _words(
    [
        (0, 100, [(50, "Jobcenterdrift")]),
        (0, 114, [(50, "I"), (58, "alt")]),
        (0, 140, [(50, "Uddannelse")]),
        (0, 154, [(50, "I"), (58, "alt")]),
        (0, 180, [(50, "7.22.05"), (100, "Indskud"), (150, "i"), (160, "pengeinstitutter")]),
        (0, 192, [(50, "m.v.")]),
        (1, 100, [(400, "1.742")]),  # the numbers are a block of their own, as on real pages
        (1, 114, [(400, "1.742")]),
        (1, 140, [(400, "96")]),
        (1, 154, [(400, "-58")]),
        (1, 180, [(400, "12")]),
    ]
)


def test_locate_row_prefers_the_row_holding_the_checked_number() -> None:
    region = report.locate_row(TABLE_PAGE, "Uddannelse / I alt", (-58.0, -60.0))
    assert region is not None
    row, cell = region.marks
    assert row[1] <= 154 and row[3] >= 164 and row[2] >= 400 + 6 * 3  # label and number
    assert cell[0] == 400 and cell[1] == 154  # the printed -58 is marked
    assert region.box[1] > 114 and region.box[3] < 180  # neither the other "I alt" nor more


def test_locate_row_ignores_column_names_and_indexes_in_the_subject() -> None:
    page = _words([(0, 80, [(50, "Korrigeret"), (110, "udgift")])]) + TABLE_PAGE
    subject = "Service / Uddannelse / I alt: korrigeret_udgift [2024] #2"
    assert report._phrases(subject)[1:] == ["Service", "Uddannelse", "I alt"]
    region = report.locate_row(page, subject, (-58.0, -60.0))
    assert region is not None and region.marks[0][1] == 154


def test_locate_row_finds_a_group_whose_numbers_are_on_the_next_line() -> None:
    page = _words(
        [
            (0, 100, [(50, "Jobcenterdrift"), (300, "752.344"), (400, "-14.115")]),
            (1, 200, [(50, "Jobcenterdrift")]),
            (1, 212, [(50, "Antal"), (300, "57.150"), (400, "318")]),
            (1, 224, [(50, "Enhedspris,"), (100, "kr."), (300, "14.012"), (400, "-69")]),
        ]
    )
    region = report.locate_row(page, "Beskæftigelse / Jobcenterdrift: antal 2024", (318.0,))
    assert region is not None and region.marks[0][1] == 200
    assert region.marks[1][:2] == (400, 212)  # the checked number, one line down


def test_locate_row_joins_a_wrapped_label_and_gives_up_on_unknown_subjects() -> None:
    region = report.locate_row(TABLE_PAGE, "7.22.05 Indskud i pengeinstitutter m.v.", (12.0,))
    assert region is not None and region.marks[0][1] == 180
    assert report.locate_row(TABLE_PAGE, "Boliger til flygtninge", (3198.0,)) is None
    assert report.locate_row([], "Jobcenterdrift", (1.0,)) is None


def test_sheet_head_is_the_top_of_the_page() -> None:
    region = report.sheet_head(TABLE_PAGE, 1, height=500)
    assert region is not None and 90 <= region.box[1] < 100 and 150 < region.box[3] < 160
    assert report.sheet_head(TABLE_PAGE, 1, height=100) is None  # nothing printed that high


def test_diff_markup_marks_changed_characters_and_escapes() -> None:
    assert report.diff_markup("Kgbenhavn", "København") == (
        "K<del>g</del>benhavn",
        "K<ins>ø</ins>benhavn",
    )
    before, after = report.diff_markup("<tilde>", "<til de>")
    assert before == "&lt;tilde&gt;" and after == "&lt;til<ins>␣</ins>de&gt;"


def _fix(token_raw: str, token: str, score: float) -> dict:
    return {"page": 1, "token_raw": token_raw, "token": token, "rule": "confusion", "score": score}


def test_corrections_are_grouped_with_a_line_of_context() -> None:
    words = _words(
        [(0, 10, [(0, "Kgbenhavns"), (70, "Kommune")]), (0, 30, [(0, "i"), (9, "Kgbenhavn")])]
    )
    words[0]["text"], words[3]["text"] = "Københavns", "København"
    fixes = [_fix("Kgbenhavn", "København", 1.0), _fix("Kgbenhavn", "København", 2.0)]
    fixes.append(_fix("Kgbenhavns", "Københavns", 3.0))
    groups = report.correction_groups(fixes, words)
    assert [(g.token_raw, g.count, g.mean_score) for g in groups] == [
        ("Kgbenhavn", 2, 1.5),
        ("Kgbenhavns", 1, 3.0),
    ]
    assert (groups[0].line_raw, groups[0].line) == ("i Kgbenhavn", "i København")
    assert groups[1].line == "Københavns Kommune"


def _document(**tables: list[dict]) -> report.DocumentData:
    base = {
        "doc_id": "0123456789abcdef",
        "path": "in/<odd> name.pdf",
        "title": "Budget & <b>plan</b>",
        "doc_type": "accounts",
        "n_pages": 1,
        "n_ocr_pages": 1,
        "pipeline_version": "0.1.0+test",
    }
    page = {
        "page": 1,
        "source": "ocr",
        "text_quality": 0.9,
        "ocr_confidence": 61.5,
        "n_words": len(TABLE_PAGE),
        "rotation": 0,
        "height": 500.0,
    }
    empty: dict[str, tuple] = {
        k: () for k in ("validations", "corrections", "grant_sheets", "errors", "words")
    }
    return report.DocumentData(
        document=base, pages=(page,), **{**empty, **{k: tuple(v) for k, v in tables.items()}}
    )


def test_document_section_shows_findings_escaped_and_with_their_crops() -> None:
    failed = check(
        "accounts_lines", "sum", "Uddannelse / I alt", expected=-60, actual=-58, tolerance=1, page=1
    )
    passed = check(
        "accounts_lines", "sum", "Jobcenterdrift", expected=1742, actual=1742, tolerance=1, page=1
    )
    sheet = {"sheet_no": 7, "sheet_no_inferred": True, "title": "Løntilskud <x>", "page": 1}
    doc = _document(words=TABLE_PAGE, validations=[failed, passed], grant_sheets=[sheet])
    located = report.locate(doc)
    regions = located.regions
    assert len(regions) == 2 and located.failed[0] is not None
    buffer = io.BytesIO()
    Image.new("L", (40, 10), 200).save(buffer, format="PNG")
    png = buffer.getvalue()
    crops = {r: report.Crop(png, ((0.1, 0.2, 0.9, 0.8),)) for r in regions}
    page = report.report_html("out", [doc], [report.document_section(doc, located, crops)], [])
    assert "<b>plan</b>" not in page and "Budget &amp; &lt;b&gt;plan&lt;/b&gt;" in page
    assert "Checks: 1 passed, 1 failed" in page and "Løntilskud &lt;x&gt;" in page
    assert len(IMG.findall(page)) == 2 and "left:10.00%;top:20.00%" in page
    assert 'class="bar low"' in page  # confidence 61.5 is flagged
    assert report.CSP in page
    assert not re.search(r'(?:src|href)="(?!data:|#)', page)  # nothing to fetch


def _synthetic_output(out: Path, pdf_path: str) -> None:
    """An output folder with one document (one failed check) and one unreadable file."""
    doc = _document(words=TABLE_PAGE)
    row = check(
        "accounts_lines", "sum", "Uddannelse / I alt", expected=-60, actual=-58, tolerance=1, page=1
    )
    documents = {
        **doc.document,
        "path": pdf_path,
        "sha256": "0" * 64,
        "n_bytes": 1,
        "n_failed_pages": 0,
    }
    page = {**doc.pages[0], "width": 500.0, "reader_version": "test"}
    store = Store(out)
    store.write_document(
        doc.document["doc_id"],
        {
            "documents": [documents],
            "pages": [{"doc_id": documents["doc_id"], **page}],
            "words": [{"doc_id": documents["doc_id"], "line_hint": -1, **w} for w in TABLE_PAGE],
            "validations": [{"doc_id": documents["doc_id"], **row}],
        },
    )
    store.write_errors(
        "f" * 16,
        [error_row(None, "in/broken.pdf", "ingest", "not_a_pdf", "not a PDF: it is an HTML page")],
    )


def test_report_without_the_source_pdf_says_so(tmp_path: Path) -> None:
    _synthetic_output(tmp_path / "out", str(tmp_path / "gone.pdf"))
    summary = report.write_report(tmp_path / "out", tmp_path / "report.html")
    assert (summary.documents, summary.failed_checks, summary.images) == (1, 1, 0)
    assert summary.missing_pdfs == (str(tmp_path / "gone.pdf"),)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Page image not available" in page
    assert "Files that could not be processed" in page and "in/broken.pdf" in page


def test_report_command_refuses_a_folder_without_documents(tmp_path: Path) -> None:
    result = run_cli("report", tmp_path, "--out", tmp_path / "r.html")
    assert result.returncode == 2 and "no processed documents" in result.stderr
    assert not (tmp_path / "r.html").exists()


# --- the real command on the sample batch ---------------------------------------------


def _lines_with_numbers(words: pd.DataFrame) -> pd.DataFrame:
    """One row per printed line that has a label of a few words and a number in it."""
    keys = ["doc_id", "page", "block", "line"]
    rows = []
    for key, line in words.groupby(keys, sort=True):
        numbers = [n for raw in line.text_raw if (n := parse_number(raw)) is not None]
        label = " ".join(
            t
            for t, raw in zip(line.text, line.text_raw, strict=True)
            if t and parse_number(raw) is None
        )
        if numbers and len(label.split()) >= 3:
            rows.append({**dict(zip(keys, key, strict=True)), "label": label, "number": numbers[0]})
    return pd.DataFrame(rows)


def _append(out: Path, table: str, doc_id: str, rows: list[dict]) -> None:
    existing = pd.read_parquet(out / table / f"{doc_id}.parquet").to_dict("records")
    existing = [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in existing]
    write_atomic(rows_to_arrow(TABLES[table], existing + rows), out / table / f"{doc_id}.parquet")


@pytest.fixture(scope="module")
def reviewed(batch_out: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The batch output plus a failed check on a text page and on an OCR page, and an
    inferred sheet number, all derived from lines really printed there; and its report."""
    out = tmp_path_factory.mktemp("review") / "parquet"
    shutil.copytree(batch_out, out)
    pages = pd.read_parquet(out / "pages")
    lines = _lines_with_numbers(pd.read_parquet(out / "words")).merge(
        pages[["doc_id", "page", "source"]], on=["doc_id", "page"]
    )
    findings = {}
    for source in ("text", "ocr"):
        line = lines[lines.source == source].iloc[0]
        rule = f"injected_{source}"
        row = check(
            "test",
            rule,
            line.label,
            expected=line.number + 1000,
            actual=line.number,
            tolerance=0.5,
            page=int(line.page),
        )
        _append(out, "validations", line.doc_id, [{"doc_id": line.doc_id, **row}])
        findings[rule] = line.label
    head = lines[lines.source == "ocr"].iloc[-1]
    blocks = pd.read_parquet(out / "text_blocks")
    top = blocks[(blocks.doc_id == head.doc_id) & (blocks.page == head.page)].sort_values("top")
    sheet = {
        "doc_id": head.doc_id,
        "sheet_no": 999,
        "sheet_no_inferred": True,
        "title": top.iloc[0].text.split("\n")[0],
        "grp": "budgetaftale",
        "assessment_category": "pending",
        "page": int(head.page),
    }
    _append(out, "grant_expiry", head.doc_id, [sheet])
    html_file = out.parent / "report.html"
    result = run_cli("report", out, "--out", html_file, timeout=300)
    assert result.returncode == 0, result.stderr
    return {
        "html": html_file.read_text(encoding="utf-8"),
        "file": html_file,
        "findings": findings,
        "sheet": sheet["title"],
        "stderr": result.stderr,
    }


def _crop_after(page: str, marker: str) -> Image.Image:
    """The first embedded image after the escaped marker text."""
    start = page.index(marker)
    found = IMG.search(page, start)
    assert found is not None, f"no image after {marker!r}"
    return Image.open(io.BytesIO(base64.b64decode(found["data"])))


def _read(image: Image.Image) -> str:
    words = ocr.recognise(
        image.convert("L"), scale=report.CROP_DPI / 72, lang="dan", dpi=report.CROP_DPI
    )
    return " ".join(w.text_raw for w in words)


def test_failed_checks_show_the_printed_row(reviewed: dict) -> None:
    for rule, subject in reviewed["findings"].items():
        crop = _crop_after(reviewed["html"], f"<b>{rule}</b>")
        assert crop.height < 250, f"{rule}: a row band, not the page"
        seen = _read(crop)
        assert find_phrase(seen, subject, min_score=70) is not None, (rule, subject, seen)


def test_inferred_sheets_show_the_head_of_their_page(reviewed: dict) -> None:
    page = reviewed["html"]
    assert "Sheet <b>Nr. 999</b> (inferred)" in page
    seen = _read(_crop_after(page, "Sheet <b>Nr. 999</b>"))
    assert find_phrase(seen, reviewed["sheet"], min_score=70) is not None, seen


def test_report_lists_every_document_and_page(reviewed: dict, batch_out: Path) -> None:
    page = reviewed["html"]
    documents = pd.read_parquet(batch_out / "documents")
    pages = pd.read_parquet(batch_out / "pages")
    for doc in documents.itertuples():
        assert f'id="doc-{doc.doc_id}"' in page and html.escape(doc.path) in page
    assert page.count('<span class="badge ocr">OCR</span>') == (pages.source == "ocr").sum()
    assert page.count('<span class="badge text">TEXT</span>') == (pages.source == "text").sum()
    assert not re.search(r'(?:src|href)="(?!data:|#)', page)


def _chromium(page: Path, screenshot: Path, profile: Path) -> list[str]:
    """Load the page in headless chromium, save a screenshot, return its console messages."""
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium is missing: scripts/setup.sh installs the Debian package chromium")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.unlink(missing_ok=True)
    result = subprocess.run(
        [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={screenshot}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert screenshot.is_file(), result.stderr[-2000:]
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def test_report_renders_in_headless_chromium(reviewed: dict, tmp_path: Path, capsys) -> None:
    console = _chromium(reviewed["file"], SCREENSHOT, tmp_path / "profile")
    assert console == []
    shot = Image.open(SCREENSHOT).convert("L")
    assert shot.size == WINDOW
    histogram = shot.histogram()
    background = max(histogram)
    assert sum(histogram) - background > 0.15 * sum(histogram)  # not a blank page
    assert sum(1 for n in histogram if n) > 100  # text, tables and images, not flat colour
    with capsys.disabled():
        print(f"\nreport screenshot: {SCREENSHOT}")


def test_chromium_console_check_catches_a_page_that_fetches(reviewed: dict, tmp_path: Path) -> None:
    """The control: the same report asking for a network image is reported on the console."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        reviewed["html"].replace("<main>", '<main><img src="https://example.invalid/x.png">'),
        encoding="utf-8",
    )
    console = _chromium(bad, tmp_path / "bad.png", tmp_path / "profile")
    assert any("example.invalid" in line for line in console), console
