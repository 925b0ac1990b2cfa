"""One document through the pure stages: correct -> classify -> extract -> validate.

No I/O here: the runner hands in the page layouts and writes the tables this returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pipeline.classify import classify
from pipeline.correct import Corrector, is_damaged
from pipeline.errors import PipelineError
from pipeline.extractors import extract
from pipeline.pages import words_quality
from pipeline.records import (
    Block,
    Correction,
    Document,
    Extraction,
    Line,
    PageFailure,
    PageLayout,
    SourceDocument,
)
from pipeline.validate import validate

Rows = list[dict]


def needs_correction(page: PageLayout) -> bool:
    """OCR output always; a text layer only when it reads like lossy OCR (no æ/ø/å).

    A born-digital text layer is exactly what its author typed: correcting it could only
    do harm (line-end fragments such as "anonymi-" are not words but are not damage).
    """
    return page.source == "ocr" or is_damaged(page.text)


def correct_page(page: PageLayout, corrector: Corrector) -> tuple[PageLayout, list[Correction]]:
    """Correct each block of the page as a whole (sentences and hyphenated words run on over
    line ends), keeping each word's box; log each change.

    A page that needs correction is corrected as damaged text, OCR output even when the
    Danish model kept its æ/ø/å: it still confuses l, I and 1 ("lalt" for "I alt", "p/)"
    for "p/l"), which the careful mode for clean text leaves alone; on clean text the
    damaged mode changes next to nothing (make eval-correct, "OCR mode")."""
    fix = needs_correction(page)
    changes: list[Correction] = []
    blocks: list[Block] = []
    for block in page.blocks:
        raw = [[w.text_raw for w in line.words] for line in block.lines]
        fixed, block_changes = corrector.correct_lines(raw, damaged=True) if fix else (raw, ())
        lines = tuple(
            Line(tuple(replace(w, text=t) for w, t in zip(line.words, tokens, strict=True)))
            for line, tokens in zip(block.lines, fixed, strict=True)
        )
        blocks.append(replace(block, lines=lines))
        changes.extend(
            Correction(page.page, c.token_raw, c.token, c.rule, c.score) for c in block_changes
        )
    words = tuple(w for b in blocks for ln in b.lines for w in ln.words)
    return replace(page, blocks=tuple(blocks), words=words), changes


def correct_document(document: Document, corrector: Corrector) -> Document:
    pages: list[PageLayout] = []
    corrections: list[Correction] = []
    for page in document.pages:
        corrected, changes = correct_page(page, corrector)
        pages.append(corrected)
        corrections.extend(changes)
    return replace(document, pages=tuple(pages), corrections=tuple(corrections))


def _page_rows(doc_id: str, pages: Sequence[PageLayout], reader_version: str) -> Rows:
    return [
        {
            "doc_id": doc_id,
            "page": p.page,
            "source": p.source,
            "text_quality": words_quality(p),
            "ocr_confidence": p.ocr_confidence,
            "n_words": len(p.words),
            "layer_quality": p.layer_quality,
            "rotation": p.rotation,
            "width": p.width,
            "height": p.height,
            "reader_version": reader_version,
        }
        for p in pages
    ]


def _block_rows(doc_id: str, pages: Sequence[PageLayout]) -> Rows:
    rows = []
    for p in pages:
        for b in p.blocks:
            x0, top, x1, bottom = b.bbox
            rows.append(
                {
                    "doc_id": doc_id,
                    "page": p.page,
                    "block": b.block,
                    "column": b.column,
                    "text_raw": b.text_raw,
                    "text": b.text,
                    "x0": x0,
                    "top": top,
                    "x1": x1,
                    "bottom": bottom,
                }
            )
    return rows


def _word_rows(doc_id: str, pages: Sequence[PageLayout]) -> Rows:
    rows = []
    for p in pages:
        for b in p.blocks:
            for li, line in enumerate(b.lines):
                for wi, w in enumerate(line.words):
                    rows.append(
                        {
                            "doc_id": doc_id,
                            "page": p.page,
                            "block": b.block,
                            "line": li,
                            "word": wi,
                            "text_raw": w.text_raw,
                            "text": w.text,
                            "x0": w.x0,
                            "top": w.top,
                            "x1": w.x1,
                            "bottom": w.bottom,
                            "conf": w.conf,
                            "line_hint": w.line_hint,
                        }
                    )
    return rows


def error_row(
    doc_id: str | None, path: str, stage: str, error: str, message: str, page: int | None = None
) -> dict:
    return {
        "doc_id": doc_id,
        "path": path,
        "stage": stage,
        "error": error,
        "message": message,
        "page": page,
    }


def analyse(document: Document, corrector: Corrector) -> tuple[Document, Extraction, Rows]:
    """Correct, classify, extract and validate; a failing extractor becomes an error row."""
    document = correct_document(document, corrector)
    doc_type, title = classify(document)
    errors: Rows = []
    try:
        extraction = extract(document, doc_type, title)
        validations = validate(extraction)
    except PipelineError as exc:
        extraction = Extraction(doc_type=doc_type, title=title)
        validations = []
        errors.append(
            error_row(document.doc_id, str(document.source.path), "extract", exc.kind, str(exc))
        )
    tables = dict(extraction.tables)
    tables["validations"] = validations
    return document, replace(extraction, tables=tables), errors


def document_tables(
    source: SourceDocument,
    n_pages: int,
    pages: Sequence[PageLayout],
    failures: Sequence[PageFailure],
    *,
    corrector: Corrector,
    version: str,
    reader_version: str,
) -> dict[str, Rows]:
    """Every output table's rows for one document."""
    document = Document(
        source=source,
        pages=tuple(sorted(pages, key=lambda p: p.page)),
        page_failures=tuple(failures),
        n_pages=n_pages,
    )
    document, extraction, errors = analyse(document, corrector)
    doc_id, path = source.doc_id, str(source.path)
    errors = [
        error_row(doc_id, path, f.stage, f.error, f.message, f.page) for f in failures
    ] + errors
    tables: dict[str, Rows] = {
        name: [{"doc_id": doc_id, **row} for row in rows]
        for name, rows in extraction.tables.items()
    }
    tables["pages"] = _page_rows(doc_id, document.pages, reader_version)
    tables["text_blocks"] = _block_rows(doc_id, document.pages)
    tables["words"] = _word_rows(doc_id, document.pages)
    tables["corrections"] = [
        {
            "doc_id": doc_id,
            "page": c.page,
            "token_raw": c.token_raw,
            "token": c.token,
            "rule": c.rule,
            "score": c.score,
        }
        for c in document.corrections
    ]
    tables["errors"] = errors
    tables["documents"] = [
        {
            "doc_id": doc_id,
            "path": path,
            "sha256": source.sha256,
            "n_pages": n_pages,
            "doc_type": extraction.doc_type,
            "title": extraction.title,
            "pipeline_version": version,
            "n_bytes": source.n_bytes,
            "n_ocr_pages": sum(1 for p in document.pages if p.source == "ocr"),
            "n_failed_pages": len(failures),
            **extraction.documents_extra,
        }
    ]
    return tables
