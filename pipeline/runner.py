"""The orchestrator: the only code that reads inputs and writes outputs.

ingest -> (per page, in parallel) read_page -> per document: correct, classify, extract,
validate -> write. Pages of all documents stream through one bounded executor, and each
document is written as soon as its last page is back.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from tqdm import tqdm

import pipeline
from pipeline import ocr, pdf
from pipeline.correct import Corrector
from pipeline.document import document_tables, error_row
from pipeline.errors import DocumentError, PipelineError
from pipeline.executor import Executor, WorkerLost, make_executor
from pipeline.ingest import discover, fingerprint, pending
from pipeline.layout import layout_page
from pipeline.pages import PageJob, ReadSettings, read_page
from pipeline.records import Document, PageFailure, PageLayout, SourceDocument, Word
from pipeline.write import Store

PACKAGE_DIR = Path(pipeline.__file__).resolve().parent
CORRECTIONS_DIR = PACKAGE_DIR.parent / "corrections"
READER_MODULES = ("pdf.py", "ocr.py", "pages.py", "quality.py")


def _digest(paths: Sequence[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:10]


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """Release plus a hash of the code and dictionaries: any change redoes the documents."""
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    files += sorted(p for p in CORRECTIONS_DIR.glob("*") if p.suffix in {".tsv", ".txt"})
    return f"{pipeline.__version__}+{_digest(files)}"


def reader_version(settings: ReadSettings, tesseract: str) -> str:
    """What decides the words of a page; pages read with the same one are reused."""
    return _digest([PACKAGE_DIR / m for m in READER_MODULES], f"{settings!r}|{tesseract}")


@dataclass(frozen=True)
class RunOptions:
    workers: int = 1
    force: bool = False
    executor: str = "local"
    scheduler: str | None = None
    settings: ReadSettings = field(default_factory=ReadSettings)
    progress: bool = True


@dataclass
class RunSummary:
    processed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # documents with any error row
    duplicates: int = 0
    pages_text: int = 0
    pages_ocr: int = 0
    pages_reused: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


@dataclass
class _Plan:
    source: SourceDocument
    n_pages: int
    pages: dict[int, PageLayout]
    failures: list[PageFailure] = field(default_factory=list)

    @property
    def missing(self) -> list[int]:
        return [n for n in range(1, self.n_pages + 1) if n not in self.pages]

    def complete(self) -> bool:
        return len(self.pages) + len(self.failures) >= self.n_pages


def _file_id(path: Path) -> str:
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]


def _cached_pages(
    store: Store, doc_id: str, version: str | None, settings: ReadSettings
) -> dict[int, PageLayout]:
    """Pages of an earlier run read with the same reader (any reader if version is None)."""
    pages = store.read_document_table("pages", doc_id)
    words = store.read_document_table("words", doc_id)
    if pages is None or words is None:
        return {}
    by_page: dict[int, list[Word]] = defaultdict(list)
    for w in words.select(
        ["page", "text_raw", "x0", "top", "x1", "bottom", "conf", "line_hint"]
    ).to_pylist():
        page = w.pop("page")
        by_page[page].append(Word(**w))
    cached: dict[int, PageLayout] = {}
    for p in pages.to_pylist():
        if version is not None and p["reader_version"] != version:
            continue
        words_out, blocks = layout_page(
            tuple(by_page.get(p["page"], ())), p["width"], p["height"], settings.layout
        )
        cached[p["page"]] = PageLayout(
            page=p["page"],
            width=p["width"],
            height=p["height"],
            source=p["source"],
            layer_quality=p["layer_quality"],
            ocr_confidence=p["ocr_confidence"],
            rotation=p["rotation"],
            words=words_out,
            blocks=blocks,
        )
    return cached


def stored_document(out_dir: Path, doc_id: str) -> Document:
    """A document as an earlier run read it (before correction), without reading the PDF:
    for developing extractors and for tests that replay stages on real OCR output."""
    store = Store(out_dir)
    row = store.read_document_table("documents", doc_id)
    if row is None:
        raise KeyError(f"{doc_id} is not in {out_dir}")
    meta = row.to_pylist()[0]
    source = SourceDocument(Path(meta["path"]), meta["sha256"], meta["n_bytes"])
    pages = _cached_pages(store, doc_id, None, ReadSettings())
    return Document(
        source=source, pages=tuple(pages[n] for n in sorted(pages)), n_pages=meta["n_pages"]
    )


def read_isolated(
    make: Callable[[], Executor], fn: Callable[[PageJob], Any], jobs: Iterable[PageJob]
) -> Iterator[tuple[PageJob, Any]]:
    """fn over the jobs, where a crashed worker process fails only the page it was reading.

    A dead worker breaks its whole pool: the pool is recreated and every page that was in
    flight is read again alone, so the page that crashes a second time is the one that
    fails (a worker killed from outside, e.g. for memory, costs nothing)."""
    in_flight: dict[tuple[str, int], PageJob] = {}

    def issued() -> Iterator[PageJob]:
        for job in jobs:
            in_flight[job.path, job.page] = job
            yield job

    source = issued()
    executor = make()
    try:
        while True:
            try:
                for job, result in executor.run(fn, source):
                    in_flight.pop((job.path, job.page), None)
                    yield job, result
                return
            except BrokenProcessPool:
                lost = list(in_flight.values())
                in_flight.clear()
                executor.close()
                executor = make()
                for job in lost:
                    try:
                        result = next(iter(executor.run(fn, [job])))[1]
                    except BrokenProcessPool:
                        result = PageFailure(job.page, "layout", "worker_crashed", _CRASHED)
                        executor.close()
                        executor = make()
                    yield job, result
    finally:
        executor.close()


_CRASHED = (
    "the process reading this page crashed, twice (out of memory, or a fault in pdfium or "
    "tesseract): the page was skipped; open it in a PDF viewer, or re-save the file with "
    "`qpdf in.pdf out.pdf` and run it again"
)


class Runner:
    def __init__(
        self, out_dir: Path, options: RunOptions, log: Callable[[str], None] | None = None
    ) -> None:
        self.store = Store(out_dir)
        self.options = options
        self.log = log or (lambda msg: tqdm.write(msg, file=sys.stderr))
        self.summary = RunSummary()
        self._corrector: Corrector | None = None
        self._reader_version = ""

    @property
    def corrector(self) -> Corrector:
        if self._corrector is None:
            self._corrector = Corrector.load()
        return self._corrector

    def run(self, inputs: Sequence[Path]) -> RunSummary:
        start = time.perf_counter()
        with self.store.locked():
            removed = self.store.remove_orphans()
            if removed:
                self.log(f"removed {removed} temporary file(s) left by an interrupted run")
            self._run(inputs)
        self.summary.seconds = time.perf_counter() - start
        return self.summary

    def _run(self, inputs: Sequence[Path]) -> None:
        batch = fingerprint(discover(inputs))
        version = pipeline_version()
        for path, reason in batch.unreadable:
            self._fail_file(_file_id(path), None, path, "ingest", "unreadable", reason)
        for path, kept in batch.duplicates:
            self.summary.duplicates += 1
            self.log(f"{path}: same content as {kept.path}, processed once")
        todo, skipped = pending(
            batch.documents, self.store.done_versions(), version=version, force=self.options.force
        )
        self.summary.skipped = [d.doc_id for d in skipped]
        if skipped:
            self.log(f"{len(skipped)} document(s) already done by pipeline {version}: skipped")
        plans = [plan for doc in todo if (plan := self._plan(doc)) is not None]
        if not plans:
            return
        total = sum(len(p.missing) for p in plans)
        o = self.options
        self._execute(
            plans, total, lambda: make_executor(o.executor, o.workers, o.scheduler), version
        )

    def _plan(self, doc: SourceDocument) -> _Plan | None:
        try:
            info = pdf.probe(doc.path)
        except DocumentError as exc:
            self._fail_file(_file_id(doc.path), None, doc.path, "ingest", exc.kind, str(exc))
            return None
        self.store.clear_errors(_file_id(doc.path))  # the file at this path was fixed
        cached = {}
        if not self.options.force:
            cached = _cached_pages(self.store, doc.doc_id, self._reader(), self.options.settings)
        self.summary.pages_reused += len(cached)
        return _Plan(doc, info.n_pages, cached)

    def _reader(self) -> str:
        if not self._reader_version:
            try:
                tesseract = ocr.check_tesseract(self.options.settings.lang)
            except Exception:  # checked again, loudly, when a page needs OCR
                tesseract = "absent"
            self._reader_version = reader_version(self.options.settings, tesseract)
        return self._reader_version

    def _jobs(self, plans: list[_Plan], ready: list[_Plan]) -> Iterator[PageJob]:
        for plan in plans:
            if not plan.missing:
                ready.append(plan)
                continue
            for n in plan.missing:
                yield PageJob(str(plan.source.path), n, self.options.settings)

    def _execute(
        self, plans: list[_Plan], total: int, make: Callable[[], Executor], version: str
    ) -> None:
        by_path = {str(p.source.path): p for p in plans}
        ready: list[_Plan] = []
        bar = tqdm(
            total=total,
            unit="page",
            desc="reading pages",
            disable=not self.options.progress or None,
            file=sys.stderr,
        )
        self._reader()
        with bar:
            for job, result in read_isolated(make, read_page, self._jobs(plans, ready)):
                plan = by_path[job.path]
                if isinstance(result, WorkerLost):
                    result = PageFailure(job.page, "layout", "worker_crashed", _CRASHED)
                if isinstance(result, PageFailure):
                    plan.failures.append(result)
                else:
                    plan.pages[result.page] = result
                    if result.source == "ocr":
                        self.summary.pages_ocr += 1
                    else:
                        self.summary.pages_text += 1
                bar.update(1)
                if plan.complete():
                    ready.append(plan)
                while ready:
                    self._finish(ready.pop(0), version)
            while ready:
                self._finish(ready.pop(0), version)

    def _finish(self, plan: _Plan, version: str) -> None:
        doc = plan.source
        try:
            tables = document_tables(
                doc,
                plan.n_pages,
                list(plan.pages.values()),
                plan.failures,
                corrector=self.corrector,
                version=version,
                reader_version=self._reader(),
            )
        except PipelineError:
            raise
        except Exception as exc:  # a bug must cost one document, not the batch
            message = (
                f"internal error while analysing the document ({type(exc).__name__}: {exc}); "
                "please report it with this file. The other documents go on"
            )
            self._fail_file(doc.doc_id, doc.doc_id, doc.path, "analyse", "internal_error", message)
            return
        self.store.write_document(doc.doc_id, tables)
        self.summary.processed.append(doc.doc_id)
        doc_type = tables["documents"][0]["doc_type"]
        n_ocr = sum(1 for p in plan.pages.values() if p.source == "ocr")
        note = f"{doc.path}: {doc_type}, {plan.n_pages} page(s), {n_ocr} by OCR"
        if tables["errors"]:
            self.summary.failed.append(doc.doc_id)
            note += f", {len(tables['errors'])} error(s)"
            for err in tables["errors"]:
                where = f" page {err['page']}" if err["page"] else ""
                self.log(f"{doc.path}{where}: {err['message']}")
        self.log(note)

    def _fail_file(
        self, file_id: str, doc_id: str | None, path: Path, stage: str, kind: str, message: str
    ) -> None:
        self.store.write_errors(file_id, [error_row(doc_id, str(path), stage, kind, message)])
        self.summary.failed.append(file_id)
        self.log(f"{path}: {message}")
