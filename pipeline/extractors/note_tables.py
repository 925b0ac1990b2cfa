"""Captioned tables of budget notes and letters ("Tabel 2 – Udgifter ...") read from word
positions.

How a table is read (no ruling lines are needed, none are assumed):
1. caption: a line starting "Tabel N", continued by lower-case lines right under it;
2. column heads: the first line below the caption with a run of consecutive years (then
   an "I alt" after them), or, in a table without years, the first line with two or more
   cells. Header lines between caption and that line are stacked onto the column whose
   head they overlap ("Styrings-" over "område"). The cell at the left is the label
   column's head ("(1.000 kr. – 2018 p/l )") unless it reads like a row (no unit, no
   parenthesis, no header line above it): then it is the first row's label, as in a
   boxed form whose first row holds the column heads;
3. body: each cell of a line belongs to the column whose head it overlaps (else numbers
   to the head with the nearest right edge, text to the nearest left edge); words over
   two heads are running text and end the table, as do a new caption and a wide gap;
4. rows: lines closer together than ROW_GAP label pitches are one row (a wrapped
   label); a run holding several lines with cells is split at them (see _split).
   Label-only lines after the last row (a heading) are not a row.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline.extractors.note_layout import TextLine, join_wrapped, line_pitch
from pipeline.numbers import MINUS_SIGNS, parse_number

CAPTION = re.compile(r"^T[a@]b[e@][l1I]\s*(\d+)\s*[.:" + MINUS_SIGNS + r"]?\s*(.*)$")
LETTERS = re.compile(r"[^\W\d_]")
YEAR = re.compile(r"^(?:19|20)\d\d$")
TOTAL_HEAD = re.compile(r"^(i alt\.?|total)$", re.IGNORECASE)
UNIT = re.compile(r"(1\.000 kr\.|mio\. kr\.|mia\. kr\.|kr\.)")
PRICE_LEVEL = re.compile(r"((?:19|20)\d\d|løbende|faste)\s*[- ]?p/[l1I|]?", re.IGNORECASE)
HEADER_WINDOW = 5  # lines after the caption searched for the column heads
ROW_GAP = 1.25  # lines further apart than this many pitches start a new row
LEAD = 1.4  # a wrapped label's lines are at most this many line heights apart
END_GAP = 3.0  # a gap of this many pitches ends a table
CAPTION_STEP = 1.8  # a caption's continuation line is at most this many heights below

LABEL = -1  # column index of the row labels


@dataclass(frozen=True)
class Column:
    name: str
    x0: float
    x1: float
    numeric: bool


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[str, ...]  # one per column ("" when empty); numbers as printed
    page: int


@dataclass(frozen=True)
class Table:
    label: str  # "Tabel 2"
    title: str
    unit: str
    price_level: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    page: int
    top: float


@dataclass
class _Line:
    """A body line: its label cells and, per column index, its cells."""

    line: TextLine
    label: list[TextLine] = field(default_factory=list)
    cells: dict[int, list[TextLine]] = field(default_factory=dict)


def is_caption(line: TextLine) -> bool:
    return CAPTION.match(line.text) is not None


def _years(cells: Sequence[TextLine]) -> list[int]:
    """Indices of the cells forming a run of at least two consecutive years."""
    idx = [k for k, c in enumerate(cells) if YEAR.match(c.text)]
    run: list[int] = []
    for k in idx:
        if run and int(cells[k].text) == int(cells[run[-1]].text) + 1 and k == run[-1] + 1:
            run.append(k)
        elif len(run) < 2:
            run = [k]
    return run if len(run) >= 2 else []


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


@dataclass
class _Head:
    parts: list[str]
    x0: float
    x1: float
    numeric: bool


def _columns(
    header: Sequence[TextLine], key: TextLine, frequency: Callable[[str], float]
) -> tuple[list[_Head], _Head | None, bool]:
    """(column heads, label head, whether the key line's left cell may be the first
    row's label rather than a heading) from the header lines and the key line."""
    cells = key.cells()
    years = _years(cells)
    numeric = set(years)
    if years and years[-1] + 1 < len(cells) and TOTAL_HEAD.match(cells[years[-1] + 1].text):
        numeric.add(years[-1] + 1)
    heads = [_Head([c.text], c.x0, c.x1, k in numeric) for k, c in enumerate(cells)]
    label: _Head | None = None
    may_be_row = False
    if years and years[0] > 0:
        label = heads.pop(0)
        text = label.parts[0]
        may_be_row = not header and not UNIT.search(text) and "(" not in text
    elif years:  # no heading over the labels: an empty one left of the first column
        label = _Head([], cells[0].x0, cells[0].x0, False)
    for line in reversed(header):  # stack header lines bottom-up onto the heads below
        for cell in line.cells():
            under = [
                h
                for h in [*heads, *([label] if label else [])]
                if _overlap(cell.x0, cell.x1, h.x0, h.x1) > 0
            ]
            if len(under) == 1:
                under[0].parts.insert(0, cell.text)
                under[0].x0, under[0].x1 = min(under[0].x0, cell.x0), max(under[0].x1, cell.x1)
            elif not under and label is not None and cell.x1 < heads[0].x0:
                label.parts.insert(0, cell.text)
    for h in heads:
        h.parts = [join_wrapped(h.parts, frequency)]
    return heads, label, may_be_row


def _assign(cell: TextLine, heads: Sequence[_Head], label: _Head | None) -> int | None:
    """Column index of a body cell, LABEL for the label column, None when it is running
    text (words overlapping two columns). A letterless cell over two columns is a
    damaged number ("7:000=7.000="): it goes to the column its right edge aligns with."""
    spans = [(k, h.x0, h.x1) for k, h in enumerate(heads)]
    if label is not None:
        spans.append((LABEL, label.x0, label.x1))
    hit = [k for k, a, b in spans if _overlap(cell.x0, cell.x1, a, b) > 0]
    if len(hit) > 1 and LETTERS.search(cell.raw):
        return None
    if len(hit) == 1:
        return hit[0]
    if not hit and heads and cell.x1 < heads[0].x0 and label is not None:
        return LABEL

    def distance(k: int) -> float:
        h = heads[k]
        return abs(cell.x1 - h.x1) if h.numeric or len(hit) > 1 else abs(cell.x0 - h.x0)

    return min(range(len(heads)), key=distance) if heads else None


def _caption(lines: Sequence[TextLine], i: int) -> tuple[str, str, int]:
    """(label, title, index of the last caption line)."""
    m = CAPTION.match(lines[i].text)
    assert m is not None
    parts = [m.group(2)]
    j = i
    while j + 1 < len(lines):
        nxt, cur = lines[j + 1], lines[j]
        step = nxt.top - cur.top
        if nxt.page != cur.page or not 0 < step <= CAPTION_STEP * cur.height:
            break
        if len(nxt.cells()) != 1 or not nxt.text[:1].islower():
            break
        parts.append(nxt.text)
        j += 1
    title = " ".join(parts).strip().rstrip(":").strip()
    return f"Tabel {m.group(1)}", title, j


def _key_line(lines: Sequence[TextLine], start: int) -> int | None:
    """Index of the column-heads line after a caption ending at start - 1."""
    end = min(start + HEADER_WINDOW, len(lines))
    window = [k for k in range(start, end) if lines[k].page == lines[start - 1].page]
    for k in window:
        if is_caption(lines[k]):
            break
        if _years(lines[k].cells()):
            return k
    for k in window:
        if is_caption(lines[k]):
            break
        if len(lines[k].cells()) >= 2:
            return k
    return None


def _body(
    lines: Sequence[TextLine], start: int, heads: Sequence[_Head], label: _Head | None
) -> list[_Line]:
    out: list[_Line] = []
    pitch = line_pitch(lines[start : start + 12]) if start < len(lines) else 0.0
    for line in lines[start:]:
        if is_caption(line):
            break
        if (
            out
            and line.page == out[-1].line.page
            and line.top - out[-1].line.bottom > (END_GAP * pitch)
        ):
            break
        body = _Line(line)
        for cell in line.cells():
            k = _assign(cell, heads, label)
            if k is None:
                return out
            if k == LABEL:
                body.label.append(cell)
            else:
                body.cells.setdefault(k, []).append(cell)
        out.append(body)
    return out


def _label_pitch(body: Sequence[_Line]) -> float:
    """Distance between the wrapped lines of one label: the smallest step between label
    lines (value lines may sit between them), at most LEAD type sizes (when no label
    wraps, the step between rows says nothing about it). The type size is a line's tallest
    word: OCR boxes hug the letters, so the median word of a line ("og", "anvendes") is
    only its x-height, where a text layer gives every word the font's full height."""
    height = statistics.median(max(w.bottom - w.top for w in b.line.words) for b in body)
    labels = [b.line for b in body if b.label]
    steps = [
        b.top - a.top
        for a, b in itertools.pairwise(labels)
        if a.page == b.page and b.top - a.top > 0.8 * a.height
    ]
    return min([*steps, LEAD * height])


def _groups(body: Sequence[_Line]) -> list[list[_Line]]:
    """Runs of lines closer together than ROW_GAP label pitches, on one page."""
    pitch = _label_pitch(body)
    groups: list[list[_Line]] = []
    for b in body:
        prev = groups[-1][-1].line if groups else None
        if prev is None or b.line.page != prev.page or b.line.top - prev.top > ROW_GAP * pitch:
            groups.append([b])
        else:
            groups[-1].append(b)
    return groups


def _split(group: list[_Line]) -> list[list[_Line]]:
    """A run with several lines holding cells: one row per such line. A label line goes
    with the cells below it (a label wrapped above bottom-aligned values), unless it
    starts in lower case right after a line with cells: then it ends that row's label
    (values at the top of a wrapped row)."""
    rows: list[list[_Line]] = []
    pending: list[_Line] = []
    for b in group:
        if b.cells:
            rows.append([*pending, b])
            pending = []
        elif rows and not pending and b.line.text[:1].islower():
            rows[-1].append(b)
        else:
            pending.append(b)
    if pending:
        if rows:
            rows[-1].extend(pending)
        else:
            rows.append(pending)
    return rows


def _rows(
    body: Sequence[_Line], heads: Sequence[_Head], frequency: Callable[[str], float]
) -> list[Row]:
    groups = _groups(body)
    with_cells = [k for k, g in enumerate(groups) if any(b.cells for b in g)]
    if with_cells:
        groups = groups[: with_cells[-1] + 1]  # a trailing label-only line is a heading
    rows = []
    for group in groups:
        for part in _split(group):
            label = join_wrapped([c.text for b in part for c in b.label], frequency)
            cells = []
            for k, h in enumerate(heads):
                found = [c for b in part for c in b.cells.get(k, [])]
                cells.append(" ".join(c.raw if h.numeric else c.text for c in found))
            rows.append(Row(label, tuple(cells), part[0].line.page))
    return rows


def _numeric_by_content(heads: Sequence[_Head], rows: Sequence[Row]) -> list[bool]:
    """A head is numeric when it is a year or total, or when its cells are numbers."""
    out = []
    for k, h in enumerate(heads):
        texts = [r.cells[k] for r in rows if r.cells[k]]
        numbers = [t for t in texts if cell_value(t) is not None or t in MINUS_SIGNS]
        out.append(h.numeric or (bool(texts) and len(numbers) == len(texts)))
    return out


def _wraps(key: TextLine, body: Sequence[_Line]) -> bool:
    """The key line's left cell goes on, lower-case, on the line right under it: it is a
    row label wrapped over two lines, not the label column's heading."""
    if not body or body[0].cells or not body[0].label:
        return False
    nxt = body[0].line
    return nxt.text[:1].islower() and nxt.top - key.top <= CAPTION_STEP * key.height


def read_table(
    lines: Sequence[TextLine], i: int, frequency: Callable[[str], float]
) -> tuple[Table, int] | None:
    """The table captioned at lines[i] and the index of the line after it."""
    label, title, end = _caption(lines, i)
    key = _key_line(lines, end + 1)
    if key is None:
        return None
    heads, label_head, may_be_row = _columns(lines[end + 1 : key], lines[key], frequency)
    body = _body(lines, key + 1, heads, label_head)
    first_is_row = may_be_row and _wraps(lines[key], body)
    if first_is_row and label_head is not None:
        first = lines[key].cells()[0]
        body.insert(0, _Line(first, label=[first]))
    rows = _rows(body, heads, frequency)
    numeric = _numeric_by_content(heads, rows)
    texts = " ".join([lines[i].text, *(label_head.parts if label_head else [])])
    unit = UNIT.search(texts)
    price = PRICE_LEVEL.search(texts)
    columns = tuple(Column(h.parts[0], h.x0, h.x1, n) for h, n in zip(heads, numeric, strict=True))
    table = Table(
        label,
        title,
        unit.group(1) if unit else "",
        f"{price.group(1)} p/l" if price else "",
        columns,
        tuple(rows),
        lines[i].page,
        lines[i].top,
    )
    return table, key + 1 + len(body) - int(first_is_row)


def read_tables(lines: Sequence[TextLine], frequency: Callable[[str], float]) -> list[Table]:
    """Every captioned table in the lines, in document order."""
    tables = []
    i = 0
    while i < len(lines):
        found = read_table(lines, i, frequency) if is_caption(lines[i]) else None
        if found is None:
            i += 1
            continue
        table, i = found
        tables.append(table)
    return tables


def cell_value(text: str) -> float | None:
    """A printed number as float; None for empty cells, dashes and text. A stray "." or
    "," after the number (OCR) is not part of it; its digits are never changed."""
    value = parse_number(text)
    if value is None and text[-1:] in ".,":
        value = parse_number(text[:-1])
    return None if value is None else float(value)


def budget_row(
    *,
    table_title: str,
    table_index: int,
    row: int,
    row_label: str,
    column: str,
    value_text: str,
    page: int,
    value: float | None = None,
    table_label: str = "",
    unit: str = "",
    price_level: str = "",
) -> dict:
    """One budget_tables row (without doc_id)."""
    return {
        "table_label": table_label,
        "table_title": table_title,
        "table_index": table_index,
        "row": row,
        "row_label": row_label,
        "column": column,
        "value_text": value_text,
        "value": value,
        "unit": unit,
        "price_level": price_level,
        "page": page,
    }


def table_rows(table: Table, index: int) -> list[dict]:
    """budget_tables rows of one table: every cell, row by row."""
    return [
        budget_row(
            table_label=table.label,
            table_title=table.title,
            table_index=index,
            row=r,
            row_label=row.label,
            column=col.name,
            value_text=text,
            value=cell_value(text) if col.numeric else None,
            unit=table.unit,
            price_level=table.price_level,
            page=row.page,
        )
        for r, row in enumerate(table.rows)
        for col, text in zip(table.columns, row.cells, strict=True)
    ]
