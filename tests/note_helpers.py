"""Helpers shared by the tests of classify and the budget note, intentions and letter
extractors: synthetic lines and documents, character error rate, corpus unwrapping."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pipeline.extractors.note_layout import TextLine
from pipeline.records import Block, Document, Line, PageLayout, SourceDocument, Word
from tests.conftest import run_cli

CHAR_WIDTH = 0.5  # of the font size, for synthetic words
SPACE = 0.28

_LINE_END_HYPHEN = re.compile(r"(\w)-\n(?=[a-zæøå])")


def unwrap(lines: Sequence[str]) -> str:
    """Source lines as one text: a line-end hyphen before a lower-case letter is
    hyphenation (joined), any other line break a space."""
    return _LINE_END_HYPHEN.sub(r"\1", "\n".join(s.strip() for s in lines)).replace("\n", " ")


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def cer(got: Sequence[str], want: Sequence[str]) -> float:
    """Character error rate of paired texts, over all their characters."""
    errors = sum(edit_distance(g, w) for g, w in zip(got, want, strict=True))
    return errors / max(1, sum(len(w) for w in want))


def words(text: str, x0: float, top: float, size: float, raw: str | None = None) -> list[Word]:
    """Synthetic words of a text starting at x0; raw: the text as read, word for word."""
    out = []
    x = x0
    raws = (raw or text).split()
    for t, r in zip(text.split(), raws, strict=True):
        w = len(r) * CHAR_WIDTH * size
        out.append(Word(r, x, top, x + w, top + size, text=t))
        x += w + SPACE * size
    return out


def text_line(
    cells: Sequence[tuple[str, float]], top: float, size: float = 9.0, page: int = 1
) -> TextLine:
    """A visual line of cells, each (text, x0)."""
    ws = [w for text, x0 in cells for w in words(text, x0, top, size)]
    return TextLine(tuple(ws), page, tuple(w.value for w in ws))


def make_document(pages: Sequence[Sequence[tuple[str, float]]], width: float = 595.0) -> Document:
    """A text-layer document from (text, size) lines per page, stacked at 1.3 x size;
    an ("", 0) entry starts a new block."""
    layouts = []
    for p, spec in enumerate(pages, 1):
        blocks: list[list[Line]] = [[]]
        top = 60.0
        for text, size in spec:
            if not text:
                blocks.append([])
                top += 12
                continue
            blocks[-1].append(Line(tuple(words(text, 60.0, top, size))))
            top += 1.3 * size
        made = tuple(Block(k, 0, tuple(b)) for k, b in enumerate(x for x in blocks if x))
        all_words = tuple(w for b in made for ln in b.lines for w in ln.words)
        layouts.append(PageLayout(p, width, 842.0, "text", 1.0, None, 0, all_words, made))
    source = SourceDocument(Path("synthetic.pdf"), "0" * 64, 1)
    return Document(source, tuple(layouts), n_pages=len(layouts))


def run_batch(folder: Path, out: Path) -> Path:
    """The real CLI over a folder of rendered variants."""
    result = run_cli("run", folder, "--out", out, "--workers", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    return out


def table_of(out: Path, table: str, file_name: str) -> pd.DataFrame:
    """One document's rows of an output table."""
    docs = pd.read_parquet(out / "documents")
    doc_id = docs.loc[docs.path.str.endswith(file_name), "doc_id"].item()
    frame = pd.read_parquet(out / table)
    return frame[frame.doc_id == doc_id].reset_index(drop=True)


def document_row(out: Path, file_name: str) -> dict:
    docs = pd.read_parquet(out / "documents")
    return docs[docs.path.str.endswith(file_name)].iloc[0].to_dict()
