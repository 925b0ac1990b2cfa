"""Check-box grids ("Bydel og adresse": city districts, each with a box, some marked X).

The boxes themselves are drawings, not words: a digital PDF has no text for an empty
box, and OCR reads a box as nothing or as bracket-like noise (on OCR pages the reader
finds the boxes in the ink instead and writes them as "☒" and "☐", see
pipeline.pages.with_check_boxes). So the grid is read from what is certain: a marked box
leaves a standalone "X" (or "[X]", "☒") word just left of its name. How the layout is read:
- grid rows are lines of two or more short cells (no digits, at most MAX_WORDS words),
  next to at least one line holding an X mark;
- a single-cell line right under a cell and left-aligned with it continues that cell
  ("Vesterbro/kgs." / "Enghave/Sydhavnen", "Nørrebro/Nordves" / "t", glued when the
  continuation is a word fragment);
- the line just above the grid with a question mark ("Bydækkende? (...)") is a
  yes/no item of its own, marked when it holds an X;
- an X word belongs to the nearest cell starting right of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.extractors.note_layout import TextLine, join_fragment

MARK = re.compile(r"^[\[(|]?[XxK×✗✘☒⊠][\])|]?$")
EMPTY_BOX = re.compile(r"^(?:[\[(|][OoDd0 ]?[\])|]|[□☐])$")
MAX_WORDS = 4
CONTINUATION_STEP = 1.5  # a continuation line is at most this many heights below
ROW_STEP = 3.0  # grid rows are at most this many heights apart
ALIGN = 1.0  # a continuation starts within this many heights of its cell's left edge


@dataclass(frozen=True)
class CheckItem:
    name: str
    marked: bool
    page: int
    row: int  # grid row (0 for the question above the grid)


@dataclass
class _Cell:
    parts: list[str]
    x0: float
    marked: bool
    row: int
    page: int


def _split(line: TextLine) -> tuple[list[tuple[float, float, str]], list[float]]:
    """(cells as (x0, x1, text), x1 of the X marks) of a line; empty boxes dropped."""
    marks: list[float] = []
    kept: list[int] = []
    for k, w in enumerate(line.words):
        if MARK.match(w.text_raw):
            marks.append(w.x1)
        elif not EMPTY_BOX.match(w.text_raw):
            kept.append(k)
    if not kept:
        return [], marks
    return [(c.x0, c.x1, c.text) for c in line.subset(kept).cells()], marks


def _is_short(cells: Sequence[tuple[float, float, str]]) -> bool:
    return all(len(t.split()) <= MAX_WORDS and not any(ch.isdigit() for ch in t) for *_, t in cells)


def _marked(x0: float, marks: Sequence[float], height: float, left: float) -> bool:
    """An X mark between the previous cell and this one, close to this one."""
    return any(left <= m <= x0 + 0.5 * height and x0 - m < 3 * height for m in marks)


def _adjacent(above: TextLine, below: TextLine) -> bool:
    """Two consecutive lines close enough to be rows of one grid; a grid may go on at
    the top of the next page."""
    if below.page == above.page + 1:
        return True
    return below.page == above.page and below.top - above.top <= ROW_STEP * above.height


def _grid_rows(lines: Sequence[TextLine], start: int) -> tuple[list[_Cell], int]:
    """Cells of the grid starting at lines[start], and the index after it."""
    cells: list[_Cell] = []
    row = 0
    k = start
    prev: TextLine | None = None
    while k < len(lines):
        line = lines[k]
        parts, marks = _split(line)
        if not parts or not _is_short(parts):
            break
        if prev is not None and not _adjacent(prev, line):
            break
        close = (
            prev is not None
            and line.page == prev.page
            and line.top - prev.top <= CONTINUATION_STEP * prev.height
        )
        above = [c for c in cells if c.row == row]
        target = next((c for c in above if abs(c.x0 - parts[0][0]) <= ALIGN * line.height), None)
        if len(parts) == 1 and not marks and close and target is not None:
            target.parts.append(parts[0][2])
        elif len(parts) >= 2 or marks:
            row += 1
            left = -1e9
            for x0, x1, text in parts:
                marked = _marked(x0, marks, line.height, left)
                cells.append(_Cell([text], x0, marked, row, line.page))
                left = x1
        else:
            break
        prev = line
        k += 1
    return cells, k


def _grid_start(lines: Sequence[TextLine], k: int) -> int:
    """First row of the grid whose first X mark is on lines[k]: back up over the short
    lines just above, then forward to the first with two or more cells."""
    start = k
    while start > 0:
        parts, _ = _split(lines[start - 1])
        if not (parts and _adjacent(lines[start - 1], lines[start]) and _is_short(parts)):
            break
        start -= 1
    while start < k and len(_split(lines[start])[0]) < 2:
        start += 1
    return start


def read_checkboxes(
    lines: Sequence[TextLine], frequency: Callable[[str], float]
) -> list[tuple[int, list[CheckItem]]]:
    """Every check-box grid as (index of its first line, items in reading order)."""
    grids = []
    k = 0
    while k < len(lines):
        parts, marks = _split(lines[k])
        if not (marks and parts and _is_short(parts)):
            k += 1
            continue
        start = _grid_start(lines, k)
        cells, end = _grid_rows(lines, start)
        items = []
        question = lines[start - 1] if start > 0 else None
        if question is not None and "?" in question.text and _adjacent(question, lines[start]):
            q_parts, q_marks = _split(question)
            text = " ".join(t for *_, t in q_parts)
            items.append(CheckItem(text, bool(q_marks), question.page, 0))
            start -= 1
        for c in cells:
            name = ""
            for part in c.parts:
                name = join_fragment(name, part, frequency)
            items.append(CheckItem(name, c.marked, c.page, c.row))
        grids.append((start, items))
        k = max(end, k + 1)
    return grids
