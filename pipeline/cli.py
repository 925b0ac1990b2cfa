"""Command line: `python -m pipeline run|correct ...`.

Expected failures become one line on stderr and an exit code (0 all done, 1 some
documents failed, 2 bad usage, 3 a missing system dependency); never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline import __version__
from pipeline.errors import PipelineError, UsageError


def _default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Turn budget PDFs into clean, typed Parquet tables.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="process PDFs (files or folders) into Parquet tables")
    run.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="PDF file or folder")
    run.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    run.add_argument(
        "--workers",
        type=int,
        default=_default_workers(),
        help="pages read in parallel (default: number of cores)",
    )
    run.add_argument("--force", action="store_true", help="redo documents already done")
    run.add_argument(
        "--executor",
        choices=("local", "serial", "dask"),
        default="local",
        help="local process pool (default), serial, or a Dask cluster",
    )
    run.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="Dask scheduler address")
    run.add_argument("--dpi", type=int, default=300, help="rendering resolution for OCR")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    correct = sub.add_parser("correct", help="repair OCR-damaged Danish text (stdin -> stdout)")
    correct.add_argument("file", nargs="?", type=Path, help="text file (default: stdin)")

    report = sub.add_parser("report", help="write the review report (one static HTML page)")
    report.add_argument("dir", type=Path, metavar="DIR", help="output folder of a run")
    report.add_argument(
        "--out", type=Path, default=Path("report.html"), metavar="FILE", help="HTML file"
    )

    doc = sub.add_parser("schema-doc", help="write the data dictionary generated from the schemas")
    doc.add_argument("--out", type=Path, default=Path("docs/DATA.md"), help="Markdown file")
    return parser


def _run(args: argparse.Namespace) -> int:
    from pipeline.pages import ReadSettings
    from pipeline.runner import Runner, RunOptions

    try:
        settings = ReadSettings(dpi=args.dpi)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    options = RunOptions(
        workers=args.workers,
        force=args.force,
        executor=args.executor,
        scheduler=args.scheduler,
        settings=settings,
        progress=not args.quiet,
    )
    summary = Runner(args.out, options).run(args.inputs)
    print(
        f"done in {summary.seconds:.1f} s: {len(summary.processed)} processed, "
        f"{len(summary.skipped)} skipped (already done), {len(summary.failed)} with errors; "
        f"pages: {summary.pages_text} text, {summary.pages_ocr} OCR, "
        f"{summary.pages_reused} reused; output in {args.out}",
        file=sys.stderr,
    )
    return summary.exit_code


def _correct(args: argparse.Namespace) -> int:
    from pipeline.correct import Corrector

    if args.file is not None and not args.file.is_file():
        raise UsageError(f"{args.file}: no such file")
    text = args.file.read_text(encoding="utf-8") if args.file else sys.stdin.read()
    # the whole text at once: damage is judged over all of it, and sentences run on
    corrected, _ = Corrector.load().correct_text(text)
    sys.stdout.write(corrected)
    return 0


def _schema_doc(args: argparse.Namespace) -> int:
    from pipeline.schema import data_dictionary

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(data_dictionary() + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    from pipeline.report import write_report

    if not args.dir.is_dir():
        raise UsageError(f"{args.dir}: no such folder")
    summary = write_report(args.dir, args.out)
    print(
        f"wrote {args.out}: {summary.documents} document(s), {summary.failed_checks} failed "
        f"check(s), {summary.corrections} correction(s), {summary.inferred_sheets} inferred "
        f"sheet number(s), {summary.images} page image(s)",
        file=sys.stderr,
    )
    for path in summary.missing_pdfs:
        print(
            f"{path}: source PDF not found or changed; its page images are left out",
            file=sys.stderr,
        )
    return 0


COMMANDS = {"run": _run, "correct": _correct, "schema-doc": _schema_doc, "report": _report}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # the output could not be written: disk full, read-only folder...
        where = f"{exc.filename}: " if exc.filename else ""
        print(
            f"error: {where}{exc.strerror or exc}; finished documents are saved: "
            "fix this and run again",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("interrupted: finished documents are saved; run again to continue", file=sys.stderr)
        return 130
