"""Discovery, fingerprints, duplicates and what is already done."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import UsageError
from pipeline.ingest import discover, fingerprint, pending


def test_folders_are_searched_recursively_for_pdfs_in_any_case(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/x.pdf", "a/b/Y.PDF", "a/notes.txt", "z æ ø 'q'.pdf"):
        (tmp_path / name).write_bytes(name.encode())
    found = discover([tmp_path])
    assert sorted(p.name for p in found) == ["Y.PDF", "x.pdf", "z æ ø 'q'.pdf"]


def test_a_named_file_is_taken_whatever_its_suffix(tmp_path: Path) -> None:
    f = tmp_path / "scan.bin"
    f.write_bytes(b"%PDF-")
    assert discover([f]) == [f]


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        discover([tmp_path / "nope"])


def test_same_bytes_under_two_names_are_one_document(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "c.pdf"
    a.write_bytes(b"same")
    b.write_bytes(b"same")
    c.write_bytes(b"other")
    batch = fingerprint([a, b, c])
    assert [d.path for d in batch.documents] == [a, c]
    assert batch.duplicates == ((b, batch.documents[0]),)
    assert len(batch.documents[0].doc_id) == 16


def test_only_documents_done_by_this_version_are_skipped(tmp_path: Path) -> None:
    paths = []
    for i in range(3):
        p = tmp_path / f"{i}.pdf"
        p.write_bytes(str(i).encode())
        paths.append(p)
    docs = fingerprint(paths).documents
    done = {docs[0].doc_id: "v2", docs[1].doc_id: "v1"}
    todo, skipped = pending(docs, done, version="v2", force=False)
    assert skipped == [docs[0]] and todo == [docs[1], docs[2]]
    todo, skipped = pending(docs, done, version="v2", force=True)
    assert skipped == [] and todo == list(docs)
