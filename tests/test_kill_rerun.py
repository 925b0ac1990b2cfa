"""Crash safety: a run killed with SIGKILL at any moment and then run again ends with
exactly the tables a clean run gives, and no temporary files; a worker process killed
while it reads a page costs nothing.

The batch is small (digital PDFs, one scanned page, an empty file and a document with a
page that cannot be OCR'd), the killed runs are the real command line and the reruns the
same Runner in this process (dictionaries loaded once), so ten rounds stay near a minute.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import write
from pipeline.runner import Runner, RunOptions
from pipeline.write import TMP_SUFFIX
from tests.bad import make_bad
from tests.conftest import REPO, run_cli

ROUNDS = 10
SEED = 8


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kill_batch")
    make_bad.digital_pdf(folder / "a.pdf")
    make_bad.digital_pdf(folder / "b.pdf", pages=3, size=10)
    make_bad.rotated_digital(folder / "c_rotated.pdf", 180)
    make_bad.scanned_pdf(folder / "d_scan.pdf")
    make_bad.zero_byte(folder / "e_empty.pdf")
    make_bad.ocr_fails_one_page(folder / "f_bad_page.pdf")
    return folder


def _run_args(batch: Path, out: Path, workers: int) -> list[str]:
    return ["run", str(batch), "--out", str(out), "--workers", str(workers), "--quiet"]


@pytest.fixture(scope="module")
def clean(batch: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, int]:
    """Every table of an uninterrupted run, and its exit code."""
    out = tmp_path_factory.mktemp("clean") / "parquet"
    result = run_cli(*_run_args(batch, out, 2), timeout=600)
    assert result.returncode == 1, result.stderr  # the empty file and the bad page
    return _tables(out), result.returncode


def _tables(out: Path) -> dict[str, pa.Table]:
    return {str(p.relative_to(out)): pq.read_table(p) for p in sorted(out.glob("*/*.parquet"))}


def _assert_same_tables(out: Path, expected: dict[str, pa.Table]) -> None:
    got = _tables(out)
    assert sorted(got) == sorted(expected)
    for name, table in expected.items():
        assert got[name].equals(table, check_metadata=True), name


def _temporaries(out: Path) -> list[Path]:
    return [p for p in out.rglob(f"*{TMP_SUFFIX}") if p.is_file()]


def _start(
    batch: Path, out: Path, workers: int, log: Path = Path(os.devnull)
) -> subprocess.Popen[bytes]:
    """The real command line in its own process group, so a kill takes all its processes."""
    with log.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline", *_run_args(batch, out, workers)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=REPO,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            start_new_session=True,
        )


def _kill_after(proc: subprocess.Popen[bytes], out: Path, n_files: int, delay: float) -> None:
    """SIGKILL the whole run `delay` seconds after `n_files` Parquet files exist."""
    while proc.poll() is None and len(list(out.glob("*/*.parquet"))) < n_files:
        time.sleep(0.002)
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):  # it may have finished first
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _rerun(batch: Path, out: Path) -> int:
    """The run again, in this process: what the command line's `run` does, without paying
    for imports and dictionaries ten times over."""
    options = RunOptions(workers=1, progress=False)
    return Runner(out, options, log=lambda _: None).run([batch]).exit_code


@pytest.mark.slow
def test_killed_run_then_rerun_gives_the_clean_tables(
    batch: Path, clean: tuple[dict, int], tmp_path: Path
) -> None:
    expected, exit_code = clean
    rng = random.Random(SEED)
    interrupted = 0
    for round_no in range(ROUNDS):
        out = tmp_path / f"round{round_no}"
        workers = 1 + round_no % 2
        proc = _start(batch, out, workers)
        _kill_after(proc, out, rng.randint(0, len(expected)), rng.uniform(0, 0.05))
        written = len(list(out.glob("*/*.parquet")))
        interrupted += 0 < written < len(expected) or bool(_temporaries(out))
        assert _rerun(batch, out) == exit_code
        _assert_same_tables(out, expected)
        assert _temporaries(out) == []
    assert interrupted >= ROUNDS // 2  # most kills landed while output was being written


def _reading_worker(proc: subprocess.Popen[bytes]) -> psutil.Process | None:
    """A worker process that has taken up OCR: tesseract's library is mapped in it (workers
    load it on their first page image; the parent, which also loads it, is no child)."""
    try:
        for p in psutil.Process(proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if any("libtesseract" in m.path for m in p.memory_maps()):
                    return p
    except psutil.Error:
        pass
    return None


def test_worker_killed_while_reading_a_page_costs_nothing(
    batch: Path, clean: tuple[dict, int], tmp_path: Path
) -> None:
    """Like the kernel's out-of-memory killer taking a worker: the pool is recreated and the
    page read again, so the output is the clean run's."""
    out, log = tmp_path / "parquet", tmp_path / "stderr.txt"
    proc = _start(batch, out, 2, log)
    worker = None
    while proc.poll() is None and worker is None:
        worker = _reading_worker(proc)
        time.sleep(0.005)
    assert worker is not None, "the run ended before a worker reached tesseract"
    worker.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=600) == clean[1]
    assert "Traceback" not in log.read_text(), log.read_text()
    _assert_same_tables(out, clean[0])


def test_words_are_written_before_the_pages_that_vouch_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later run reuses a page's stored words when its `pages` row has the same reader
    version; a run killed between the two files must not pair new pages with old words."""
    order: list[str] = []
    real = write.write_atomic
    monkeypatch.setattr(
        write, "write_atomic", lambda t, p: (order.append(p.parent.name), real(t, p))
    )
    write.Store(tmp_path).write_document("d", {})
    assert order.index("words") < order.index("pages") == len(order) - 1
