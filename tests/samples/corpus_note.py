"""Parse the budget note text (budgetnotat BI105) into headings, prose, tables, a grid.

Text shape (what the extractor produced from the original): a line holding one space
separates blocks; empty lines separate the lines of a table; a table starts at a caption
'Tabel N – ...'; year tables have a header line with a run of consecutive years; the
'Bydel og adresse' grid has cells separated by three or more spaces.

The extractor's spacing is not reliable enough to place every value of a row with empty
cells. The rule used (and so the truth of the rendered PDF): when a row has fewer values
than value columns, a table with an 'I alt' column gets the last value as the total and
the others from the first year on; a table without one starts the values at the column
given by the run of spaces before them (n spaces = n-1 empty cells).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .corpus import BULLET_MARKERS, YEAR_RE, Bullet, Heading, Paragraph, is_blank, is_number


@dataclass(frozen=True)
class NoteRow:
    cells: tuple[tuple[str, ...], ...]  # per column, the lines of the cell
    kind: str  # row | total | gap


@dataclass(frozen=True)
class NoteTable:
    caption: tuple[str, ...]  # the caption's own lines
    columns: tuple[tuple[str, ...], ...]  # per column, the header lines
    numeric: tuple[bool, ...]  # right-aligned value columns
    rows: tuple[NoteRow, ...]

    @property
    def label(self) -> str:
        m = re.match(r"^(Tabel \d+)", self.caption[0])
        return m.group(1) if m else ""


@dataclass(frozen=True)
class DistrictCell:
    lines: tuple[str, ...]
    marked: bool  # an X in the box


@dataclass(frozen=True)
class DistrictGrid:
    intro: str  # 'Bydækkende? (...)' with its own empty box
    rows: tuple[tuple[DistrictCell, ...], ...]


NoteBlock = Heading | Paragraph | Bullet | NoteTable | DistrictGrid


@dataclass(frozen=True)
class BudgetNote:
    header_lines: tuple[str, ...]
    title_lines: tuple[str, ...]
    blocks: tuple[NoteBlock, ...]

    @property
    def tables(self) -> list[NoteTable]:
        return [b for b in self.blocks if isinstance(b, NoteTable)]


CAPTION_RE = re.compile(r"^Tabel \d+\b")
TITLE_RE = re.compile(r"^[A-ZÆØÅ]{2,}\d+\s")
CELL_SEP = re.compile(r"\s{3,}")


def _is_value(token: str) -> bool:
    return is_number(token) or token == "-"


def _is_code(token: str) -> bool:
    """An udvalg (BIU) or bevilling number (78.10)."""
    return bool(re.match(r"^[A-ZÆØÅ]{2,}$", token) or re.match(r"^\d+\.\d\d$", token))


def _split_blocks(lines: list[str]) -> list[list[str]]:
    """Blocks separated by lines holding a single space."""
    blocks: list[list[str]] = [[]]
    for ln in lines:
        if ln.strip() == "" and ln.startswith(" ") and len(ln) <= 2:
            blocks.append([])
        else:
            blocks[-1].append(ln)
    return [b for b in blocks if any(not is_blank(x) for x in b)]


def _groups(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines; a run of spaces (an empty table row) is its own [''] run."""
    out: list[list[str]] = []
    cur: list[str] = []
    for ln in lines:
        if is_blank(ln):
            if cur:
                out.append(cur)
                cur = []
            if len(ln) >= 2:
                out.append([""])
        else:
            cur.append(ln.rstrip())
    if cur:
        out.append(cur)
    return out


def _is_short_heading(line: str) -> bool:
    s = line.strip()
    words = s.split()
    return (
        0 < len(words) <= 4
        and s[:1].isupper()
        and not s.endswith((".", ":", ",", ";", ")"))
        and not any(c.isdigit() for c in s)
    )


def _flush(out: list[NoteBlock], para: list[str]) -> None:
    if para:
        out.append(Paragraph(tuple(para)))
        para.clear()


def _prose(lines: list[str], tail_heading: bool = False) -> list[NoteBlock]:
    """Paragraphs, bullets and headings. A heading is a short unpunctuated line at the
    start of a group or after a finished sentence, followed by more text (or by the table
    or grid that comes next, when tail_heading)."""
    out: list[NoteBlock] = []
    groups = [g for g in _groups(lines) if g != [""]]
    for gi, g in enumerate(groups):
        para: list[str] = []
        for k, ln in enumerate(g):
            s = ln.strip()
            prev = g[k - 1].strip() if k else ""
            more = k + 1 < len(g) or gi + 1 < len(groups) or tail_heading
            if s.startswith((*BULLET_MARKERS, "- ")):
                _flush(out, para)
                out.append(Bullet((s[1:].strip(),), "-" if s[0] == "-" else "•"))
            elif _is_short_heading(s) and more and (k == 0 or prev.endswith(".")):
                _flush(out, para)
                out.append(Heading(s, 2))
            elif out and isinstance(out[-1], Bullet) and not para and s[:1].islower():
                b = out[-1]
                out[-1] = Bullet((*b.lines, s), b.marker)
            else:
                para.append(s)
        _flush(out, para)
    return out


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------


def _year_run(tokens: list[str]) -> tuple[int, int] | None:
    """(start, end) of the first run of >= 3 consecutive years in tokens."""
    for i, t in enumerate(tokens):
        if not YEAR_RE.match(t):
            continue
        j = i
        while j + 1 < len(tokens) and YEAR_RE.match(tokens[j + 1]):
            if int(tokens[j + 1]) != int(tokens[j]) + 1:
                break
            j += 1
        if j - i >= 2:
            return i, j + 1
    return None


def _split_values(line: str) -> tuple[str, list[str], int]:
    """('prefix', values, spaces between prefix and first value)."""
    spans = list(re.finditer(r"\S+", line))
    k = len(spans)
    while k > 0 and _is_value(spans[k - 1].group()):
        k -= 1
    values = [m.group() for m in spans[k:]]
    if not values:
        return line.strip(), [], 0
    prefix = line[: spans[k].start()]
    gap = len(prefix) - len(prefix.rstrip())
    return prefix.strip(), values, gap


def _year_table(caption: list[str], groups: list[list[str]]) -> NoteTable:
    hi = next(i for i, g in enumerate(groups) if _year_run(g[-1].split()))
    years_line = groups[hi][-1]
    tokens = years_line.split()
    ys, ye = _year_run(tokens)  # type: ignore[misc]
    prefix = " ".join(tokens[:ys])
    has_total = " ".join(tokens[ye:]).casefold() == "i alt"
    years = tokens[ys:ye]

    label_header: list[str] = []
    extras: list[tuple[str, ...]] = []
    m = re.match(r"^(\(.*?\))\s*(.*)$", prefix)
    if m:
        label_header.append(m.group(1))
        extras = [(w,) for w in m.group(2).split()]
    elif prefix:
        label_header.append(prefix)
    before = [g for g in groups[:hi] if g != [""]]
    if before:
        label_header = [*before[0], *label_header]
        extras = [tuple(g) for g in before[1:]] + extras
    n_extra, n_years = len(extras), len(years)
    columns = [tuple(label_header), *extras, *[(y,) for y in years]]
    if has_total:
        columns.append(("I alt",))
    n_vals = n_years + int(has_total)

    rows: list[NoteRow] = []
    pending: list[str] = []
    for g in groups[hi + 1 :]:
        if g == [""]:
            rows.append(NoteRow(tuple(() for _ in columns), "gap"))
            continue
        *label_lines, last = g
        prefix, values, gap = _split_values(last)
        if not values:
            pending.extend(s.strip() for s in g)
            continue
        pending.extend(s.strip() for s in label_lines)
        words = prefix.split()
        extra_cells: list[str] = []
        if pending and n_extra:
            extra_cells = [prefix] if n_extra == 1 else words[-n_extra:]
            label = pending
        else:
            while words and len(extra_cells) < n_extra and _is_code(words[-1]):
                extra_cells.insert(0, words.pop())
            label = [*pending, " ".join(words)] if words else pending
        extra_cells = [""] * (n_extra - len(extra_cells)) + extra_cells
        cells = [""] * n_vals
        if len(values) >= n_vals:
            cells = values[-n_vals:]
        elif has_total:
            cells[-1] = values[-1]
            cells[: len(values) - 1] = values[:-1]
        else:
            start = min(max(gap - 1, 0), n_years - len(values)) if prefix else 0
            cells[start : start + len(values)] = values
        kind = "total" if "i alt" in " ".join(label).casefold() else "row"
        row_cells = (tuple(label), *[(c,) if c else () for c in (*extra_cells, *cells)])
        rows.append(NoteRow(row_cells, kind))
        pending = []
    numeric = (False,) * (1 + n_extra) + (True,) * n_vals
    return NoteTable(tuple(caption), tuple(columns), numeric, tuple(rows))


def _name_table(caption: list[str], groups: list[list[str]]) -> NoteTable:
    """Columns of names (Tabel 1). Column heads start at capitals ('Udbudsområde 1');
    in each row the first n-1 words are the first n-1 columns (the names in the first
    column of this document are single words), the rest the last column."""
    groups = [g for g in groups if g != [""]]
    head = groups[0][0].split()
    cols: list[str] = []
    for t in head:
        if t[:1].isupper() or not cols:
            cols.append(t)
        else:
            cols[-1] += " " + t
    n = len(cols)
    rows = []
    for g in groups[1:]:
        for ln in g:
            words = ln.split()
            cells = [*words[: n - 1], " ".join(words[n - 1 :])]
            cells += [""] * (n - len(cells))
            rows.append(NoteRow(tuple((c,) if c else () for c in cells), "row"))
    return NoteTable(tuple(caption), tuple((c,) for c in cols), (False,) * n, tuple(rows))


def _table(lines: list[str]) -> NoteTable:
    k = 0
    caption = []
    while k < len(lines) and not is_blank(lines[k]):
        caption.append(lines[k].strip())
        k += 1
    groups = _groups(lines[k:])
    if any(_year_run(g[-1].split()) for g in groups if g != [""]):
        return _year_table(caption, groups)
    return _name_table(caption, groups)


# ---------------------------------------------------------------------------
# the district grid
# ---------------------------------------------------------------------------


def _is_grid_line(line: str) -> bool:
    """Short names separated by 3+ spaces ('Bispebjerg   Indre by')."""
    cells = CELL_SEP.split(line.strip())
    return len(cells) >= 2 and all(
        len(c.split()) <= 3 and not any(ch.isdigit() for ch in c) for c in cells
    )


def _grid_row(block: list[str]) -> tuple[DistrictCell, ...]:
    """One grid row: the cells of its first line, then one narrow cell that wrapped over
    the following lines ('Nørrebro/Nordves' / 't')."""
    lines = [ln.rstrip() for ln in block if not is_blank(ln)]
    cells = []
    for c in CELL_SEP.split(lines[0].strip()):
        marked = c.startswith("X ")
        cells.append(DistrictCell((c[2:] if marked else c,), marked))
    if len(lines) > 1:
        first = lines[1].strip()
        marked = first.startswith("X ")
        rest = tuple(s.strip() for s in lines[2:])
        cells.append(DistrictCell((first[2:] if marked else first, *rest), marked))
    return tuple(cells)


# ---------------------------------------------------------------------------


def parse_budget_note(text: str) -> BudgetNote:
    lines = text.split("\n")
    nonblank = [i for i, ln in enumerate(lines) if not is_blank(ln)]
    t0 = next(i for i in nonblank if TITLE_RE.match(lines[i]))
    header = tuple(lines[i].strip() for i in nonblank if i < t0)
    k = t0
    title = []
    while not is_blank(lines[k]):
        title.append(lines[k].strip())
        k += 1
    blocks: list[NoteBlock] = []
    grid_rows: list[tuple[DistrictCell, ...]] = []
    grid_intro = ""

    def close_grid() -> None:
        nonlocal grid_rows, grid_intro
        if grid_rows:
            blocks.append(DistrictGrid(grid_intro, tuple(grid_rows)))
        grid_rows, grid_intro = [], ""

    for block in _split_blocks(lines[k:]):
        cap = next((i for i, ln in enumerate(block) if CAPTION_RE.match(ln.strip())), None)
        if cap is not None:
            close_grid()
            blocks.extend(_prose(block[:cap], tail_heading=True))
            blocks.append(_table(block[cap:]))
            continue
        g = next((i for i, ln in enumerate(block) if _is_grid_line(ln)), None)
        if g is None:
            close_grid()
            blocks.extend(_prose(block))
            continue
        if not grid_rows:
            blocks.extend(_prose(block[:g], tail_heading=True))
            if blocks and isinstance(blocks[-1], Paragraph) and len(blocks[-1].lines) == 1:
                grid_intro = blocks.pop().lines[0]  # type: ignore[union-attr]
        grid_rows.append(_grid_row(block[g:]))
    close_grid()
    return BudgetNote(header, tuple(title), tuple(blocks))
