"""Stage 1: find the PDFs, fingerprint them, and decide which still need work."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import UsageError
from pipeline.records import SourceDocument

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Batch:
    """The documents to consider, in a stable order, with what was set aside and why."""

    documents: tuple[SourceDocument, ...]
    duplicates: tuple[tuple[Path, SourceDocument], ...]  # (extra path, the document kept)
    unreadable: tuple[tuple[Path, str], ...]  # (path, reason) for files we could not even read


def discover(inputs: Iterable[Path]) -> list[Path]:
    """Named files are taken as given; folders are searched recursively for *.pdf."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found.extend(
                sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
            )
        elif item.is_file():
            found.append(item)
        else:
            raise UsageError(f"{item}: no such file or folder")
    return found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(paths: Iterable[Path]) -> Batch:
    """Hash every file; the same bytes under two names are one document."""
    kept: dict[str, SourceDocument] = {}
    duplicates: list[tuple[Path, SourceDocument]] = []
    unreadable: list[tuple[Path, str]] = []
    for path in paths:
        try:
            sha = sha256_of(path)
            size = path.stat().st_size
        except OSError as exc:
            unreadable.append((path, f"cannot read the file: {exc.strerror or exc}"))
            continue
        if sha in kept:
            duplicates.append((path, kept[sha]))
            continue
        kept[sha] = SourceDocument(path=path, sha256=sha, n_bytes=size)
    return Batch(tuple(kept.values()), tuple(duplicates), tuple(unreadable))


def pending(
    documents: Iterable[SourceDocument],
    done: Mapping[str, str],
    *,
    version: str,
    force: bool,
) -> tuple[list[SourceDocument], list[SourceDocument]]:
    """Split into (to process, already done by this pipeline version)."""
    todo: list[SourceDocument] = []
    skipped: list[SourceDocument] = []
    for doc in documents:
        if not force and done.get(doc.doc_id) == version:
            skipped.append(doc)
        else:
            todo.append(doc)
    return todo, skipped
