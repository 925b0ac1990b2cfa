"""Stage 7: Parquet files, one per table per document, written atomically.

Every file is written under a temporary name, flushed to disk and renamed into place, so
a reader (or a run killed at any moment) only ever sees complete files. A document's
`documents` row is written last: its presence means every other table of that document
is complete, which is what the next run trusts when it skips work.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import UsageError
from pipeline.schema import TABLES, Table

TMP_SUFFIX = ".tmp"
# Written last, in this order: a page's `pages` row (carrying its reader version) vouches
# for its `words`, which a later run reuses instead of OCR; `documents` vouches for all.
WRITTEN_LAST = ("pages", "documents")


def rows_to_arrow(table: Table, rows: Sequence[Mapping[str, object]]) -> pa.Table:
    """Typed Arrow table from row dicts; names the column and value that do not fit."""
    known = {c.name for c in table.columns}
    for row in rows:
        extra = set(row) - known
        if extra:
            raise ValueError(f"{table.name}: unknown column(s) {sorted(extra)}")
    arrays = []
    for col in table.columns:
        values = [row.get(col.name) for row in rows]
        if col.type == pa.string() and not col.nullable:
            values = ["" if v is None else v for v in values]
        if not col.nullable and any(v is None for v in values):
            raise ValueError(f"{table.name}.{col.name}: null in a column that must have a value")
        if col.enum:
            bad = {v for v in values if v is not None and v not in col.enum}
            if bad:
                raise ValueError(f"{table.name}.{col.name}: {sorted(bad)} not in {col.enum}")
            arrays.append(pa.array(values, type=pa.string()).dictionary_encode())
        else:
            try:
                arrays.append(pa.array(values, type=col.type))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as exc:
                raise ValueError(f"{table.name}.{col.name}: {exc}") from exc
    return pa.Table.from_arrays(arrays, schema=table.schema)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(arrow: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as fh:
            pq.write_table(arrow, fh, compression="zstd")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:  # disk full, read-only folder...: name the file it was writing
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


class Store:
    """The output folder: DIR/<table>/<doc_id>.parquet."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, table: str, doc_id: str) -> Path:
        return self.root / table / f"{doc_id}.parquet"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One run per output folder at a time; the lock dies with the process."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"{self.root}: cannot make the output folder: {exc.strerror}") from exc
        with (self.root / ".lock").open("w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise UsageError(f"{self.root}: another run is writing to this folder") from exc
            yield

    def remove_orphans(self) -> int:
        """Temporary files left by a killed run (safe: we hold the lock)."""
        removed = 0
        for tmp in self.root.glob(f"*/.*{TMP_SUFFIX}"):
            tmp.unlink(missing_ok=True)
            removed += 1
        return removed

    def write_document(self, doc_id: str, tables: Mapping[str, Sequence[Mapping]]) -> None:
        """All tables of one document (empty ones too, so stale rows vanish), documents last."""
        for name in sorted(
            TABLES, key=lambda n: WRITTEN_LAST.index(n) if n in WRITTEN_LAST else -1
        ):
            if name == "documents" and "documents" not in tables:
                continue
            arrow = rows_to_arrow(TABLES[name], tables.get(name, ()))
            write_atomic(arrow, self.path(name, doc_id))

    def write_errors(self, file_id: str, rows: Sequence[Mapping]) -> None:
        write_atomic(rows_to_arrow(TABLES["errors"], rows), self.path("errors", file_id))

    def clear_errors(self, file_id: str) -> None:
        self.path("errors", file_id).unlink(missing_ok=True)

    def done_versions(self) -> dict[str, str]:
        """doc_id -> pipeline_version of every complete document in the folder."""
        done: dict[str, str] = {}
        for path in sorted((self.root / "documents").glob("*.parquet")):
            try:
                t = pq.read_table(path, columns=["doc_id", "pipeline_version"])
            except (OSError, pa.ArrowInvalid):
                continue  # unreadable file: the document will simply be redone
            for doc_id, version in zip(
                t.column("doc_id").to_pylist(),
                t.column("pipeline_version").to_pylist(),
                strict=True,
            ):
                done[doc_id] = version
        return done

    def read_document_table(self, table: str, doc_id: str) -> pa.Table | None:
        path = self.path(table, doc_id)
        if not path.exists():
            return None
        try:
            return pq.read_table(path)
        except (OSError, pa.ArrowInvalid):
            return None
