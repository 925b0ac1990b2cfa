"""Serial, process-pool and Dask executors give identical tables (real OCR, real Dask)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pikepdf
import pytest

from pipeline.errors import UsageError
from pipeline.executor import ProcessPoolExecutor, SerialExecutor, WorkerLost, make_executor
from tests.conftest import run_cli


def _square(x: int) -> int:
    return x * x


@pytest.fixture(scope="module")
def small_batch(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Path:
    """Two scanned slides (OCR) and a two-page digital annex (text layer)."""
    folder = tmp_path_factory.mktemp("small")
    with pikepdf.open(raw_dir / "bevillingsudloeb_scan.pdf") as src:
        out = pikepdf.new()
        out.pages.extend(src.pages[1:3])
        out.save(folder / "two_slides.pdf")
    (folder / "annex.pdf").write_bytes((raw_dir / "hensigtserklaeringer_bilag3.pdf").read_bytes())
    return folder


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    tables = {}
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        # the version hash is the code's, not the executor's (and moves while code is edited)
        frame = pd.read_parquet(folder).drop(columns=["pipeline_version"], errors="ignore")
        tables[folder.name] = frame.sort_values(list(frame.columns[:3])).reset_index(drop=True)
    return tables


def test_all_executors_give_identical_tables(small_batch: Path, tmp_path: Path) -> None:
    runs = {
        "serial": ("--executor", "serial"),
        "pool": ("--executor", "local", "--workers", "2"),
        "dask": ("--executor", "dask", "--workers", "2"),
    }
    results = {}
    for name, args in runs.items():
        out = tmp_path / name
        done = run_cli("run", small_batch, "--out", out, "--quiet", *args)
        assert done.returncode == 0, done.stderr
        results[name] = _tables(out)
    reference = results.pop("serial")
    assert len(reference["pages"]) == 4 and set(reference["pages"].source) == {"ocr", "text"}
    for name, tables in results.items():
        assert tables.keys() == reference.keys(), name
        for table, frame in tables.items():
            pd.testing.assert_frame_equal(frame, reference[table], obj=f"{name}:{table}")


def test_pool_yields_every_job_once_with_bounded_window() -> None:
    pool = ProcessPoolExecutor(2)
    try:
        pairs = list(pool.run(_square, range(20)))
    finally:
        pool.close()
    assert sorted(pairs) == [(i, i * i) for i in range(20)]


def _pid(_: int) -> int:
    return os.getpid()


def test_one_local_worker_is_still_a_process_of_its_own() -> None:
    """So a page that crashes tesseract (which runs in the reading process) fails alone."""
    executor = make_executor("local", 1)
    try:
        assert isinstance(executor, ProcessPoolExecutor)
        assert dict(executor.run(_pid, [1]))[1] != os.getpid()
    finally:
        executor.close()


def test_serial_executor_keeps_order() -> None:
    assert list(SerialExecutor().run(_square, [3, 1, 2])) == [(3, 9), (1, 1), (2, 4)]


@pytest.mark.parametrize(
    ("kind", "workers", "scheduler", "message"),
    [
        ("local", 0, None, "at least 1"),
        ("cluster", 2, None, "unknown executor"),
        ("local", 2, "tcp://h:1", "only applies"),
    ],
)
def test_bad_executor_options_are_usage_errors(
    kind: str, workers: int, scheduler: str | None, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        make_executor(kind, workers, scheduler)


def _die_on_three(x: int) -> int:
    if x == 3:
        os._exit(1)  # the worker process dies, as in a segfault of tesseract or pdfium
    return x


def test_dask_job_that_kills_its_worker_is_reported_not_raised() -> None:
    executor = make_executor("dask", 1)
    try:
        results = dict(executor.run(_die_on_three, [1, 2, 3, 4]))
    finally:
        executor.close()
    assert {k: v for k, v in results.items() if k != 3} == {1: 1, 2: 2, 4: 4}
    assert isinstance(results[3], WorkerLost)
