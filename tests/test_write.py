"""Typed tables and atomic, crash-safe files."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline import write
from pipeline.schema import TABLES
from pipeline.write import Store, rows_to_arrow

ERROR_ROW = {"doc_id": None, "path": "x.pdf", "stage": "ingest", "error": "e", "message": "m"}


def test_schema_and_descriptions_survive_a_round_trip(tmp_path: Path) -> None:
    rows = [
        {
            "doc_id": "ab",
            "page": 1,
            "source": "ocr",
            "text_quality": 0.9,
            "ocr_confidence": 88.5,
            "n_words": 3,
            "layer_quality": None,
            "rotation": 0,
            "width": 595.0,
            "height": 842.0,
            "reader_version": "r1",
        }
    ]
    write.write_atomic(rows_to_arrow(TABLES["pages"], rows), tmp_path / "p.parquet")
    back = pq.read_table(tmp_path / "p.parquet")
    assert back.schema.equals(TABLES["pages"].schema, check_metadata=True)
    assert back.to_pylist() == rows
    assert back.schema.field("width").metadata[b"unit"] == b"pt"


def test_missing_text_becomes_empty_string_not_null() -> None:
    arrow = rows_to_arrow(TABLES["intentions"], [{"doc_id": "d", "code": None, "page": 1}])
    assert arrow.to_pylist()[0]["title"] == ""
    assert arrow.to_pylist()[0]["code"] is None


@pytest.mark.parametrize(
    ("table", "row", "message"),
    [
        ("errors", {**ERROR_ROW, "colour": "red"}, "unknown column"),
        ("errors", {**ERROR_ROW, "page": "one"}, r"errors\.page"),
        ("intentions", {"doc_id": "d", "page": None}, r"intentions\.page: null"),
    ],
)
def test_bad_rows_are_named(table: str, row: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rows_to_arrow(TABLES[table], [row])


def test_enum_values_are_checked() -> None:
    row = {
        "doc_id": "d",
        "page": 1,
        "source": "scanner",
        "text_quality": 1.0,
        "n_words": 0,
        "rotation": 0,
        "width": 1.0,
        "height": 1.0,
        "reader_version": "",
    }
    with pytest.raises(ValueError, match=r"pages\.source: \['scanner'\]"):
        rows_to_arrow(TABLES["pages"], [row])


def test_documents_table_is_written_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []
    real = write.write_atomic
    monkeypatch.setattr(
        write, "write_atomic", lambda t, p: (order.append(p.parent.name), real(t, p))
    )
    doc = {
        "doc_id": "d1",
        "path": "a.pdf",
        "sha256": "00",
        "n_pages": 1,
        "doc_type": "unknown",
        "pipeline_version": "v",
        "n_bytes": 1,
        "n_ocr_pages": 0,
        "n_failed_pages": 0,
    }
    Store(tmp_path).write_document("d1", {"documents": [doc]})
    assert order[-1] == "documents"
    assert set(order) == set(TABLES)  # empty tables are written too, replacing stale rows
    assert Store(tmp_path).done_versions() == {"d1": "v"}


def test_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(write.pq, "write_table", explode)
    with pytest.raises(OSError):
        write.write_atomic(rows_to_arrow(TABLES["errors"], [ERROR_ROW]), tmp_path / "e.parquet")
    assert list(tmp_path.iterdir()) == []


def test_orphaned_temporary_files_are_removed(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    orphan = tmp_path / "pages" / ".abc.parquet.123.tmp"
    orphan.write_bytes(b"half")
    store = Store(tmp_path)
    with store.locked():
        assert store.remove_orphans() == 1
    assert not orphan.exists()


def test_second_run_on_same_folder_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.locked(), pytest.raises(Exception, match="another run"), Store(tmp_path).locked():
        pass
