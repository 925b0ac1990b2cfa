"""One way to run the per-page function: serially, in a process pool, or on Dask.

All three take the same picklable function and jobs, keep at most `window` jobs in
flight (so a 300-page scan never has all its pages in memory), and yield
(job, result) pairs as they complete. Only the caller writes output.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from pipeline.errors import UsageError


class Executor(Protocol):
    workers: int

    def run(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[tuple[Any, Any]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """In-process, in order: for debugging (--executor serial); a crash in tesseract or
    pdfium ends the run."""

    workers = 1

    def run(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        for job in jobs:
            yield job, fn(job)

    def close(self) -> None:
        pass


class WorkerLost(Exception):
    """The job's worker died every time the job ran (it is the job that kills it)."""


def _bounded(
    submit: Callable[[Any], Any],
    wait_one: Callable[[set[Any]], Any],
    jobs: Iterable[Any],
    window: int,
    result: Callable[[Any], Any] = lambda future: future.result(),
) -> Iterator[tuple[Any, Any]]:
    """Keep `window` futures in flight; yield each as it finishes."""
    pending: dict[Any, Any] = {}
    source = iter(jobs)
    exhausted = False
    while True:
        while not exhausted and len(pending) < window:
            job = next(source, None)
            if job is None:
                exhausted = True
                break
            pending[submit(job)] = job
        if not pending:
            return
        done = wait_one(set(pending))
        for future in done:
            yield pending.pop(future), result(future)


class ProcessPoolExecutor:
    """Worker processes, each running one tesseract at a time (and loading the lexicon
    once, when it meets a page with a text layer to judge)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
        self._pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def run(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        def wait_one(futures: set[Any]) -> set[Any]:
            done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
            return done

        yield from _bounded(
            lambda job: self._pool.submit(fn, job), wait_one, jobs, 2 * self.workers
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """The same per-page function on a Dask cluster (a LocalCluster when none is named)."""

    def __init__(self, workers: int, scheduler: str | None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask is a declared dependency
            raise UsageError("--executor dask needs dask[distributed] installed") from exc
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
            self.workers = max(1, sum(self._client.nthreads().values()))
        else:
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
                env={"OMP_THREAD_LIMIT": "1"},
            )
            self._client = Client(self._cluster)
            self.workers = workers

    def run(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        from dask.distributed import KilledWorker, wait

        def wait_one(futures: set[Any]) -> set[Any]:
            return wait(list(futures), return_when="FIRST_COMPLETED").done

        def result(future: Any) -> Any:
            # Dask already retries a task whose worker died; it gives up with KilledWorker.
            try:
                return future.result()
            except KilledWorker as exc:
                return WorkerLost(str(exc))

        yield from _bounded(
            lambda job: self._client.submit(fn, job, pure=False),
            wait_one,
            jobs,
            2 * self.workers,
            result,
        )

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str, workers: int, scheduler: str | None = None) -> Executor:
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    if scheduler:
        raise UsageError("--scheduler only applies with --executor dask")
    if kind == "serial":
        return SerialExecutor()
    if kind == "local":
        # a pool even of one: tesseract and pdfium run inside the reading process, and a
        # crash there must cost its page (read_isolated), not the run
        return ProcessPoolExecutor(workers)
    raise UsageError(f"unknown executor {kind!r} (choose local, serial or dask)")
