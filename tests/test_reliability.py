"""Bad inputs through the real command line: each is named with its reason and fix, gets
an `errors` row (or is read correctly), and never stops the good files of its batch.

One batch holds a good digital PDF and every bad input of tests/bad except the 300-page
scan, which has its own (slow) test; OCR is limited to a few small pages.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from pipeline import ocr, pdf
from pipeline.errors import PageError
from pipeline.executor import ProcessPoolExecutor, SerialExecutor
from pipeline.pages import PageJob, ReadSettings, read_page
from pipeline.records import PageFailure, PageLayout
from pipeline.runner import Runner, RunOptions, read_isolated
from tests.bad import make_bad
from tests.conftest import REPO, run_cli

GOOD, ODD_NAME = make_bad.GOOD, make_bad.ODD_NAME
# file -> (errors.error, fragment of the message: the reason and what to do)
UNREADABLE = {
    "zero_byte.pdf": ("empty_file", "empty file (0 bytes)"),
    "html_saved_as.pdf": ("not_a_pdf", "not a PDF: it is an HTML page"),
    "truncated.pdf": (
        "corrupt_pdf",
        "damaged PDF (truncated or corrupt): try to repair it with `qpdf",
    ),
    "encrypted_user.pdf": (
        "encrypted",
        "encrypted with a password: decrypt it first, e.g. `qpdf --decrypt",
    ),
    "zero_pages.pdf": ("no_pages", "the PDF has no pages"),
}
# files that are odd but readable: every page comes out upright, with the generated text
READABLE = {
    "broken_xref.pdf": 0,  # pdfium and pdfminer rebuild the cross-reference table
    "encrypted_owner.pdf": 0,  # an owner password only restricts editing, not reading
    "rotate90.pdf": 270,  # shown turned 90 degrees clockwise: read turned 270 more
    "rotate180.pdf": 180,
    "scan_turned90.pdf": 270,
    "scan_turned180.pdf": 180,
}
SCANS = {"scan_turned90.pdf", "scan_turned180.pdf"}
BAD_PAGE_FILE = "ocr_fails_page2.pdf"


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


EXPECTED_WORDS = _words(" ".join([*make_bad.page_text(), "Side 1"]))


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    names = [name for name in make_bad.BUILDERS if name != make_bad.LONG_SCAN]
    return make_bad.build(names, tmp_path_factory.mktemp("bad"))


@pytest.fixture(scope="module")
def run(
    batch: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("bad_out") / "parquet"
    folder = batch[GOOD].parent
    return out, run_cli("run", folder, "--out", out, "--workers", "2", "--quiet", timeout=600)


def _table(out: Path, name: str) -> pd.DataFrame:
    """A table joined to its document's path (errors have their own path column)."""
    frame = pd.read_parquet(out / name)
    if name in ("errors", "documents"):
        return frame
    docs = pd.read_parquet(out / "documents")[["doc_id", "path"]]
    return frame.merge(docs, on="doc_id")


def _of(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    return frame[frame.path == str(path)]


def _assert_batch_went_on(out: Path, result: subprocess.CompletedProcess[str], good: Path) -> None:
    """Exit 1 (something failed), no traceback, and the good file was fully written."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    doc = _of(_table(out, "documents"), good)
    assert len(doc) == 1 and doc.n_failed_pages.item() == 0
    blocks = _of(_table(out, "text_blocks"), good)
    assert _words(" ".join(blocks.text)) == EXPECTED_WORDS
    assert _of(_table(out, "errors"), good).empty


def _assert_read_cleanly(
    out: Path, result: subprocess.CompletedProcess[str], path: Path, good: Path
) -> None:
    """No error for this odd file, and the batch around it went on."""
    assert _of(_table(out, "errors"), path).empty
    _assert_batch_went_on(out, result, good)


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_file_is_named_with_reason_and_fix(
    run: tuple[Path, subprocess.CompletedProcess[str]], batch: dict[str, Path], name: str
) -> None:
    out, result = run
    kind, message = UNREADABLE[name]
    path = batch[name]
    line = f"{path}: {message}"
    assert any(ln.startswith(line) for ln in result.stderr.splitlines()), result.stderr
    error = _of(_table(out, "errors"), path)
    assert error[["stage", "error"]].values.tolist() == [["ingest", kind]]
    assert error.message.item().startswith(message)
    assert error.doc_id.isna().all() and error.page.isna().all()
    assert _of(_table(out, "documents"), path).empty
    _assert_batch_went_on(out, result, batch[GOOD])


@pytest.mark.parametrize("name", sorted(READABLE))
def test_odd_but_readable_file_is_read_upright(
    run: tuple[Path, subprocess.CompletedProcess[str]], batch: dict[str, Path], name: str
) -> None:
    out, result = run
    path = batch[name]
    assert f"{path}: unknown, 1 page(s), {int(name in SCANS)} by OCR" in result.stderr
    assert _of(_table(out, "errors"), path).empty
    page = _of(_table(out, "pages"), path)
    assert page[["source", "rotation"]].values.tolist() == [
        ["ocr" if name in SCANS else "text", READABLE[name]]
    ]
    assert page.width.item() == pytest.approx(make_bad.A5[0], abs=1)
    assert page.height.item() == pytest.approx(make_bad.A5[1], abs=1)
    words = _of(_table(out, "words"), path).sort_values(["block", "line", "word"])
    got = _words(" ".join(words.text_raw))
    if name in SCANS:  # real OCR: nearly every word, in reading order
        assert got[:2] == EXPECTED_WORDS[:2] and got[-2:] == EXPECTED_WORDS[-2:]
        assert len(set(got) & set(EXPECTED_WORDS)) >= 0.9 * len(set(EXPECTED_WORDS))
    else:
        assert got == EXPECTED_WORDS
        first = words.iloc[0]  # the heading, at the upright page's top-left margin
        assert first.x0 == pytest.approx(make_bad.MARGIN, abs=1)
        assert first.top == pytest.approx(make_bad.MARGIN, abs=3)
    _assert_batch_went_on(out, result, batch[GOOD])


def test_duplicate_is_processed_once(
    run: tuple[Path, subprocess.CompletedProcess[str]], batch: dict[str, Path]
) -> None:
    out, result = run
    good, dup = batch[GOOD], batch[make_bad.DUPLICATE]
    assert f"{dup}: same content as {good}, processed once" in result.stderr
    docs = _table(out, "documents")
    assert (docs.sha256 == docs.loc[docs.path == str(good), "sha256"].item()).sum() == 1
    assert _of(docs, dup).empty
    assert _of(_table(out, "errors"), dup).empty
    _assert_batch_went_on(out, result, good)


def test_danish_letters_spaces_and_quotes_in_file_names(
    run: tuple[Path, subprocess.CompletedProcess[str]], batch: dict[str, Path]
) -> None:
    out, result = run
    path = batch[ODD_NAME]
    assert f"{path}: unknown, 1 page(s), 0 by OCR" in result.stderr
    blocks = _of(_table(out, "text_blocks"), path)
    assert _words(" ".join(blocks.text)) == _words(" ".join([*make_bad.ODD_NAME_LINES, "Side 1"]))
    _assert_read_cleanly(out, result, path, batch[GOOD])


def test_blank_pages_are_empty_pages_not_failures(
    run: tuple[Path, subprocess.CompletedProcess[str]], batch: dict[str, Path]
) -> None:
    out, result = run
    path = batch["blank_pages.pdf"]
    assert f"{path}: unknown, 3 page(s)" in result.stderr
    pages = _of(_table(out, "pages"), path).sort_values("page")
    assert pages.n_words.tolist()[1:] == [0, 0] and pages.n_words.iloc[0] > 50
    assert pages.ocr_confidence.isna().all()  # a blank page is not sent to tesseract
    _assert_read_cleanly(out, result, path, batch[GOOD])


def test_huge_pages_are_read_within_the_pixel_cap(
    run: tuple[Path, subprocess.CompletedProcess[str]], batch: dict[str, Path]
) -> None:
    out, result = run
    path = batch["huge_page.pdf"]
    pages = _of(_table(out, "pages"), path).sort_values("page")
    assert pages.source.astype(str).tolist() == ["text", "ocr"]
    assert pages.width.round().tolist() == [14400, 14400]
    words = _of(_table(out, "words"), path)
    assert _words(" ".join(words[words.page == 1].text_raw)) == EXPECTED_WORDS
    assert _words(" ".join(words[words.page == 2].text_raw)) == ["københavns", "kommune", "budget"]
    _assert_read_cleanly(out, result, path, batch[GOOD])


def test_page_that_cannot_be_ocrd_fails_alone(
    run: tuple[Path, subprocess.CompletedProcess[str]], batch: dict[str, Path]
) -> None:
    out, result = run
    path = batch[BAD_PAGE_FILE]
    message = "page too large to OCR: 60001 x 417 px at 300 dpi"
    assert f"{path} page 2: {message}" in result.stderr
    assert f"{path}: unknown, 3 page(s), 0 by OCR, 1 error(s)" in result.stderr
    error = _of(_table(out, "errors"), path)
    assert error[["stage", "error", "page"]].values.tolist() == [["layout", "page_too_large", 2]]
    assert "32767 px" in error.message.item() and "--dpi 163" in error.message.item()
    assert error.doc_id.notna().all()
    doc = _of(_table(out, "documents"), path)
    assert doc[["n_pages", "n_failed_pages"]].values.tolist() == [[3, 1]]
    pages = _of(_table(out, "pages"), path)
    assert sorted(pages.page) == [1, 3] and (pages.n_words > 50).all()
    _assert_batch_went_on(out, result, batch[GOOD])


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_text_layer_reads_upright_however_the_page_is_rotated(tmp_path: Path, rotate: int) -> None:
    """Words and boxes in the upright page's frame, whether /Rotate shows the page turned
    (rotated_digital) or turns a sideways-stored page upright (stored_turned)."""
    upright = pdf.read_text_layer(make_bad.digital_pdf(tmp_path / "upright.pdf"), 0)
    shown_turned = make_bad.rotated_digital(tmp_path / "shown.pdf", rotate)
    stored_turned = make_bad.digital_pdf(tmp_path / "stored.pdf", stored_turned=rotate)
    for path, rotation in ((shown_turned, (360 - rotate) % 360), (stored_turned, 0)):
        layer = pdf.read_text_layer(path, 0)
        assert layer.rotation == rotation
        assert (layer.width, layer.height) == (upright.width, upright.height)
        assert [w.text_raw for w in layer.words] == [w.text_raw for w in upright.words]
        for got, want in zip(layer.words, upright.words, strict=True):
            assert got.bbox == pytest.approx(want.bbox, abs=0.01)


def test_a_text_layer_pdfminer_cannot_parse_is_read_from_the_page_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pdfium peeks at and renders pages that pdfminer may fail to parse: such a page is
    OCR'd rather than lost."""
    path = make_bad.digital_pdf(tmp_path / "p.pdf")

    def unparsable(*_args: object) -> None:
        raise PageError("cannot read the text layer: bad content stream", kind="text_layer_failed")

    monkeypatch.setattr(pdf, "read_text_layer", unparsable)
    page = read_page(PageJob(str(path), 1, ReadSettings()))
    assert isinstance(page, PageLayout) and page.source == "ocr"
    assert _words(" ".join(w.text_raw for w in page.words)) == EXPECTED_WORDS


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_orientation_detection_says_how_far_to_turn_clockwise(tmp_path: Path, turn: int) -> None:
    """tesseract's "Rotate" against PIL: a page turned `turn` degrees clockwise needs
    360 - turn more, which _ocr applies as image.rotate(-rotation)."""
    image, _ = pdf.render_page(make_bad.digital_pdf(tmp_path / "p.pdf", size=13), 0, dpi=150)
    turned = image.rotate(-turn, expand=True, fillcolor=255)  # PIL turns counter-clockwise
    rotation = ocr.detect_rotation(turned)
    assert rotation == 360 - turn
    upright = turned.rotate(-rotation, expand=True, fillcolor=255)
    assert upright.tobytes() == image.tobytes()


def test_a_file_fixed_in_place_loses_its_old_error(tmp_path: Path) -> None:
    path = make_bad.encrypted(tmp_path / "in.pdf", user="hemmelig", owner="ejer")
    out = tmp_path / "out"
    options = RunOptions(workers=1, progress=False)
    assert Runner(out, options, log=lambda _: None).run([path]).exit_code == 1
    assert pd.read_parquet(out / "errors").error.tolist() == ["encrypted"]
    make_bad.digital_pdf(path)  # decrypted and saved under the same name
    assert Runner(out, options, log=lambda _: None).run([path]).exit_code == 0
    assert pd.read_parquet(out / "errors").empty
    assert pd.read_parquet(out / "documents").path.tolist() == [str(path)]


def _cli_with(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    """The command line with a changed environment (a machine missing a tool)."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "OMP_THREAD_LIMIT": "1", **env},
    )


_NO_LIBRARY = "libtesseract.so.5: cannot open shared object file: No such file or directory"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PYTHONPATH": "{fake}"},
            f"error: tesseract's library cannot be loaded ({_NO_LIBRARY}); install it with: ",
        ),
        (
            {"TESSDATA_PREFIX": "/nonexistent"},
            "error: tesseract has no model for dan, osd in TESSDATA_PREFIX=/nonexistent "
            "(unset it to use the installed ones); install it with: ",
        ),
    ],
    ids=["no_tesseract", "no_danish_model"],
)
def test_missing_tesseract_or_model_is_one_line_with_the_install_command(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    # a machine without libtesseract: importing tesserocr fails as its loader would
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "tesserocr.py").write_text(f"raise ImportError({_NO_LIBRARY!r})\n")
    env = {name: value.format(fake=fake) for name, value in env.items()}
    (tmp_path / "in").mkdir()
    good = make_bad.digital_pdf(tmp_path / "in" / "a_good.pdf")  # read first (--workers 1)
    scan = make_bad.scanned_pdf(tmp_path / "in" / "b_scan.pdf")
    result = _cli_with(env, "run", good.parent, "--out", tmp_path / "out", "--workers", "1")
    assert result.returncode == 3
    last = result.stderr.strip().splitlines()[-1]
    assert last == message + "apt-get install tesseract-ocr tesseract-ocr-dan tesseract-ocr-osd"
    assert "Traceback" not in result.stderr
    docs = pd.read_parquet(tmp_path / "out" / "documents")
    assert docs.path.tolist() == [str(good)]  # the digital file needed no tesseract
    assert (
        not (tmp_path / "out" / "errors").exists()
        or _of(pd.read_parquet(tmp_path / "out" / "errors"), scan).empty
    )  # not the document's fault: a rerun after installing reads it


def _small_files_only() -> None:
    """In the child: files may not grow past 16 KB, as on a full disk (write fails: EFBIG)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))


def test_output_that_cannot_be_written_is_one_line_and_a_rerun_completes(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    make_bad.digital_pdf(tmp_path / "in" / "a.pdf")
    lines = [f"Post {i} koster {i * 7919 % 100000} kr." for i in range(100)]  # 25 KB of words
    make_bad.digital_pdf(tmp_path / "in" / "b.pdf", pagesize=(842, 1191), size=8, lines=lines)
    out = tmp_path / "out"
    args = [sys.executable, "-m", "pipeline", "run", tmp_path / "in", "--out", out]
    full = subprocess.run(
        [*map(str, args), "--workers", "1"],
        capture_output=True,
        text=True,
        cwd=REPO,
        preexec_fn=_small_files_only,
        timeout=300,
    )
    assert full.returncode == 1 and "Traceback" not in full.stderr
    last = full.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        rf"error: {re.escape(str(out))}/\w+/\w+\.parquet: File too large; finished documents "
        r"are saved: fix this and run again",
        last,
    ), last
    assert list(out.rglob("*.tmp")) == []
    assert pd.read_parquet(out / "documents").path.tolist() == [str(tmp_path / "in" / "a.pdf")]
    rerun = run_cli("run", tmp_path / "in", "--out", out, "--workers", "1", timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "1 processed, 1 skipped" in rerun.stderr
    assert len(pd.read_parquet(out / "pages")) == 2


def test_output_folder_that_cannot_be_made_is_bad_usage(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    good = make_bad.digital_pdf(tmp_path / "a.pdf")
    result = run_cli("run", good, "--out", tmp_path / "file" / "out", timeout=300)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'file' / 'out'}: cannot make the output folder: Not a directory"
    ]


def _crash_on_page_3(job: PageJob) -> int:
    """A page that kills the process reading it, like a segfault in a native library."""
    if job.page == 3:
        os._exit(11)
    return job.page


def test_crashed_worker_fails_only_its_page_and_the_pool_is_recreated() -> None:
    settings = ReadSettings()
    jobs = [PageJob("x.pdf", n, settings) for n in range(1, 9)]
    pools: list[ProcessPoolExecutor] = []

    def make() -> ProcessPoolExecutor:
        pools.append(ProcessPoolExecutor(2))
        return pools[-1]

    results = dict((job.page, r) for job, r in read_isolated(make, _crash_on_page_3, jobs))
    assert sorted(results) == list(range(1, 9))
    failure = results.pop(3)
    assert isinstance(failure, PageFailure) and failure.error == "worker_crashed"
    assert "crashed" in failure.message and "qpdf" in failure.message
    assert results == {n: n for n in results}
    assert len(pools) >= 3  # broken by the page, again by its retry alone, then a fresh one


def test_without_crashes_the_serial_reader_gives_every_result() -> None:
    jobs = [PageJob("x.pdf", n, ReadSettings()) for n in (1, 2, 4)]
    got = [(job.page, r) for job, r in read_isolated(SerialExecutor, _crash_on_page_3, jobs)]
    assert got == [(1, 1), (2, 2), (4, 4)]


def _peak_memory(proc: subprocess.Popen[bytes]) -> int:
    """Largest total proportional set size (shared pages split fairly) of the process tree,
    sampled until the process ends."""
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        for p in tree:
            try:
                total += p.memory_full_info().pss
            except psutil.Error:
                continue
        peak = max(peak, total)
        time.sleep(0.2)
    proc.wait()
    return peak


@pytest.mark.slow
def test_three_hundred_page_scan_reads_every_page_in_bounded_memory(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    scan = make_bad.long_scan(tmp_path / "in" / "scan_300_pages.pdf")
    good = make_bad.digital_pdf(tmp_path / "in" / GOOD)
    out, log = tmp_path / "out", tmp_path / "stderr.txt"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "run", scan.parent, "--out", out, "--workers", "2"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=REPO,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
        peak = _peak_memory(proc)
    assert proc.returncode == 0, log.read_text()
    assert peak < 2**30, f"peak memory {peak / 2**20:.0f} MiB"
    assert f"{scan}: unknown, 300 page(s), 300 by OCR" in log.read_text()
    blocks = _of(_table(out, "text_blocks"), scan).sort_values("page")
    assert blocks.text.tolist() == [f"Side {n} af 300 Kommune" for n in range(1, 301)]
    assert _words(" ".join(_of(_table(out, "text_blocks"), good).text)) == EXPECTED_WORDS
    assert pd.read_parquet(out / "errors").empty
