"""`make bench`: throughput and memory figures on the sample batch and a generated scan.

Prints, one figure per line:
- OCR pages/s with 1 and 2 workers (best of --rounds rounds, taken in turns), and the
  pipeline's OCR time over plain `tesseract IMAGE - -l dan` on the same page images
  (the two page by page, one after the other);
- text-layer pages/s;
- corrector tokens/s;
- wall time of re-running an unchanged batch;
- peak resident memory (whole process tree) on a generated 100-page scan.
Times are wall-clock on this machine; CPU seconds are given beside them because they
do not depend on what else the machine is doing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psutil

from pipeline import ocr, pdf
from pipeline.correct import Corrector, cold_tokens_per_second, tokens_per_second
from pipeline.document import correct_document, needs_correction
from pipeline.executor import make_executor
from pipeline.lexicon import Lexicon
from pipeline.pages import PageJob, ReadSettings, read_page
from pipeline.runner import stored_document
from tests.samples.corpus import load_sheets
from tests.samples.render_grants import render_grant_deck
from tests.samples.scan import ScanSettings

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "data" / "raw"
CORPUS = REPO.parent / "shared" / "corpus"
SCAN = RAW / "bevillingsudloeb_scan.pdf"
DIGITAL = RAW / "regnskab_2024_bif.pdf"
ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float  # this process and its finished children


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), _cpu()
    fn()
    return Timing(time.perf_counter() - wall, _cpu() - cpu)


def _add(a: Timing, b: Timing) -> Timing:
    return Timing(a.wall + b.wall, a.cpu + b.cpu)


def pipeline_and_plain(
    path: Path, settings: ReadSettings, images: Sequence[Path]
) -> tuple[Timing, Timing]:
    """One worker's OCR of each page, then plain tesseract on the same page image, page by
    page: both see the same machine (a busy neighbour slows both, not one)."""
    pipeline = plain = Timing(0.0, 0.0)
    for n, image in enumerate(images, start=1):
        pipeline = _add(pipeline, timed(lambda n=n: read_page(PageJob(str(path), n, settings))))
        plain = _add(plain, timed(lambda image=image: plain_tesseract([image])))
    return pipeline, plain


def best_of(rounds: int, runs: dict[str, Callable[[], object]]) -> dict[str, list[Timing]]:
    """Each run `rounds` times, taking turns (a busy spell of the shared machine slows one
    round of each, not every round of one); the timings of each, fastest first."""
    timings: dict[str, list[Timing]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            timings[name].append(timed(run))
    return {name: sorted(found, key=lambda t: t.wall) for name, found in timings.items()}


def read_pages(path: Path, workers: int, settings: ReadSettings, kind: str = "local") -> None:
    n_pages = pdf.probe(path).n_pages
    jobs = [PageJob(str(path), n, settings) for n in range(1, n_pages + 1)]
    executor = make_executor(kind, workers)
    try:
        for _, result in executor.run(read_page, jobs):
            if not hasattr(result, "source"):
                raise RuntimeError(f"page failed: {result}")
    finally:
        executor.close()


def plain_tesseract(images: Sequence[Path]) -> None:
    for image in images:
        subprocess.run(
            ["tesseract", str(image), "-", "-l", "dan"], env=ENV, capture_output=True, check=True
        )


def page_images(path: Path, dpi: int, folder: Path) -> list[Path]:
    """The page images the pipeline OCRs, as files for plain tesseract."""
    images = []
    for i in range(pdf.probe(path).n_pages):
        image, _ = pdf.render_page(path, i, dpi=dpi)
        out = folder / f"page{i + 1:03d}.png"
        image.save(out, dpi=(dpi, dpi))
        images.append(out)
    return images


def peak_tree_rss(cmd: Sequence[str]) -> tuple[int, float, int]:
    """Run cmd; sample the resident memory of it and all its descendants."""
    start = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            total = 0
            with contextlib.suppress(psutil.Error):
                for p in [proc, *proc.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
            peak = max(peak, total)
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    proc.wait()
    done.set()
    thread.join()
    return peak, time.perf_counter() - start, proc.returncode


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
    )


def corrector_figures() -> tuple[float, float, int]:
    """Cold (every distinct token seen for the first time) and warm (cached) tokens/s on
    the corpus: the sheets' real OCR text and the clean texts."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.rglob("*.txt"))]
    tokens = sum(len(t.split()) for t in texts)
    return cold_tokens_per_second(texts), tokens_per_second(texts), tokens


def correct_stage_rate(out: Path) -> tuple[float, int]:
    """The correct stage as a run does it: every OCR page of the batch, one fresh corrector."""
    docs = [stored_document(out, d) for d in pd.read_parquet(out / "documents").doc_id]
    corrector = Corrector.load()
    tokens = sum(len(p.words) for d in docs for p in d.pages if needs_correction(p))
    began = time.process_time()
    for doc in docs:
        correct_document(doc, corrector)
    return tokens / (time.process_time() - began), tokens


def generated_scan(folder: Path, pages: int) -> Path:
    """A `pages`-page scanned deck made of the sample sheets, repeated."""
    sheets = load_sheets(CORPUS)
    deck = [sheets[i % len(sheets)] for i in range(pages)]
    return render_grant_deck(
        deck, folder / f"scan_{pages}.pdf", divider=False, scan=ScanSettings(seed=7)
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100, help="pages of the generated scan")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of the 1- and 2-worker runs (best is kept)"
    )
    args = parser.parse_args(argv)
    settings = ReadSettings()
    Lexicon.load()
    print(
        f"bench on {os.cpu_count()} cores, {ocr.check_tesseract(settings.lang)}; "
        f"sample scan: {SCAN.name}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        n_scan = pdf.probe(SCAN).n_pages
        runs = best_of(
            args.rounds,
            {
                "1 worker": lambda: read_pages(SCAN, 1, settings),
                "2 workers": lambda: read_pages(SCAN, 2, settings),
            },
        )
        for name, found in runs.items():
            walls = ", ".join(f"{t.wall:.1f}" for t in found)
            print(
                f"OCR, {name}: {n_scan / found[0].wall:.3f} pages/s (best of {len(found)} "
                f"rounds: {found[0].wall:.1f} s wall; all: {walls} s)",
                flush=True,
            )
        one, two = runs["1 worker"][0], runs["2 workers"][0]
        print(f"OCR speed-up 2 vs 1 worker: {one.wall / two.wall:.2f}x", flush=True)
        images = page_images(SCAN, settings.dpi, folder)
        ours, plain = pipeline_and_plain(SCAN, settings, images)
        print(
            f"pipeline OCR time / plain tesseract on the same {len(images)} page images, "
            f"page by page: {ours.wall / plain.wall:.3f}x wall ({ours.wall:.1f} s vs "
            f"{plain.wall:.1f} s), {ours.cpu / plain.cpu:.3f}x CPU ({ours.cpu:.1f} s vs "
            f"{plain.cpu:.1f} s)",
            flush=True,
        )
        n_text = pdf.probe(DIGITAL).n_pages
        # in this process, whose lexicon is loaded: a worker's start-up (about 2 s, most of
        # it loading the lexicon to judge text layers) is paid once per run, not per page
        text = timed(lambda: read_pages(DIGITAL, 1, settings, kind="serial"))
        print(f"text-layer pages, 1 worker, warm: {n_text / text.wall:.1f} pages/s", flush=True)
        cold, warm, tokens = corrector_figures()
        print(
            f"corrector on one core ({tokens:,} tokens): {cold:,.0f} tokens/s cold (first "
            f"sight of every token), {warm:,.0f} tokens/s warm (cached)",
            flush=True,
        )
        out = folder / "parquet"
        first = cli("run", RAW, "--out", out, "--quiet")
        if first.returncode != 0:
            print(first.stderr, file=sys.stderr)
            return 1
        again = timed(lambda: cli("run", RAW, "--out", out, "--quiet"))
        print(f"re-run of the unchanged sample batch: {again.wall:.2f} s wall", flush=True)
        rate, n_tokens = correct_stage_rate(out)
        print(
            f"correct stage on the sample batch's OCR pages ({n_tokens:,} tokens, fresh "
            f"corrector, as the pipeline runs it): {rate:,.0f} tokens/s",
            flush=True,
        )
        big = generated_scan(folder, args.pages)
        peak, wall, code = peak_tree_rss(
            [
                sys.executable,
                "-m",
                "pipeline",
                "run",
                str(big),
                "--out",
                str(folder / "big"),
                "--workers",
                "2",
                "--quiet",
            ]
        )
        print(
            f"{args.pages}-page scan, 2 workers: {wall:.1f} s, {args.pages / wall:.3f} pages/s, "
            f"peak memory {peak / 2**20:.0f} MiB (process tree), exit {code}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
