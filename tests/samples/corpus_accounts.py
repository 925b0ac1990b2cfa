"""Parse the annual accounts text (Regnskab) into pages of blocks and tables.

The text is what a PDF extractor gave for the original: three or more empty lines mark a
page break, tables come as a header (stacked column titles, a line of column names, a
line of units) followed by 'label + numbers' rows, and explanations as paragraphs,
bullets and 'label amount' headings. Everything is detected from those shapes; no row or
heading names are hard-coded, so the renderer reproduces every word and number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .corpus import (
    BULLET_MARKERS,
    YEAR_RE,
    Bullet,
    Heading,
    Paragraph,
    is_blank,
    is_number,
    split_trailing_numbers,
)


@dataclass(frozen=True)
class HeaderCell:
    text: str
    first: int  # first value column spanned (0-based)
    last: int  # last value column spanned


@dataclass(frozen=True)
class HeaderLine:
    key: str  # text in the label column ("" if none)
    cells: tuple[HeaderCell, ...]


@dataclass(frozen=True)
class TableRow:
    label_lines: tuple[str, ...]  # a label may wrap over several lines
    values: tuple[str, ...]  # () for group and gap rows
    kind: str  # row | subtotal | total | group | gap

    @property
    def label(self) -> str:
        return " ".join(s.strip() for s in self.label_lines)


@dataclass(frozen=True)
class Table:
    kind: str  # overview (stacked header) | lines (spanning header) | activity (years)
    ncols: int  # number of value columns
    header: tuple[HeaderLine, ...]  # () when the table continues from the previous page
    rows: tuple[TableRow, ...]
    continued: bool = False


@dataclass(frozen=True)
class AmountHeading:
    """'Boliger til flygtninge 3.198': the heading of an explanation, with its amount."""

    label: str
    amount: str


AccountsBlock = Heading | Paragraph | Bullet | AmountHeading | Table


@dataclass(frozen=True)
class AccountsPage:
    blocks: tuple[AccountsBlock, ...]


@dataclass(frozen=True)
class AccountsDoc:
    pages: tuple[AccountsPage, ...]

    @property
    def blocks(self) -> list[AccountsBlock]:
        return [b for p in self.pages for b in p.blocks]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


# ---------------------------------------------------------------------------
# page splitting and line shapes
# ---------------------------------------------------------------------------

UNIT = "1.000 kr."


def split_pages(text: str, min_empty: int = 3) -> list[list[str]]:
    """Split at runs of >= min_empty truly empty lines (the extractor's page breaks)."""
    pages: list[list[str]] = [[]]
    run = 0
    for ln in text.split("\n"):
        if ln == "":
            run += 1
            continue
        if run >= min_empty and any(not is_blank(x) for x in pages[-1]):
            pages.append([])
        elif run:
            pages[-1].extend([""] * run)
        run = 0
        pages[-1].append(ln)
    return [p for p in pages if any(not is_blank(x) for x in p)]


def _units_count(line: str) -> int:
    """Number of value columns if the line is a units line ('1.000 kr.' repeated)."""
    s = line.strip()
    if not s or s.replace(UNIT, "").strip():
        return 0
    n = s.count(UNIT)
    return n if n >= 2 else 0


def _prev_nonblank(lines: list[str], k: int) -> int:
    k -= 1
    while k >= 0 and is_blank(lines[k]):
        k -= 1
    return k


def _next_nonblank(lines: list[str], k: int) -> int:
    while k < len(lines) and is_blank(lines[k]):
        k += 1
    return k


def _capital_groups(tokens: list[str]) -> list[str]:
    """Group tokens into phrases that start at a capitalised word."""
    out: list[str] = []
    for t in tokens:
        if t[:1].isupper() or not out:
            out.append(t)
        else:
            out[-1] += " " + t
    return out


def _spans(phrases: list[str], col_names: list[str]) -> list[HeaderCell]:
    """Place spanning titles ('Korrigeret budget', 'Regnskab', 'Afvigelse') over columns.

    Runs of columns repeat a pattern (Udgift Indtægt, Udgift Indtægt, netto): a run starts
    at each repetition of the first column's name; surplus titles take single columns
    from the right.
    """
    runs: list[list[int]] = []
    for k, name in enumerate(col_names):
        if not runs or name == col_names[0]:
            runs.append([k])
        else:
            runs[-1].append(k)
    while len(runs) < len(phrases) and any(len(r) > 1 for r in runs):
        last = max(i for i, r in enumerate(runs) if len(r) > 1)
        runs.insert(last + 1, [runs[last].pop()])
    if len(runs) != len(phrases):  # fall back: spread evenly
        n = len(col_names)
        runs = [
            list(range(i * n // len(phrases), (i + 1) * n // len(phrases)))
            for i in range(len(phrases))
        ]
    return [HeaderCell(p, r[0], r[-1]) for p, r in zip(phrases, runs, strict=True)]


@dataclass(frozen=True)
class _Header:
    start: int  # first line of the table
    body: int  # first line after the header
    kind: str
    ncols: int
    lines: tuple[HeaderLine, ...]


def _header_at_units(lines: list[str], u: int) -> _Header | None:
    ncols = _units_count(lines[u])
    c = _prev_nonblank(lines, u)
    if c < 0:
        return None
    tokens = lines[c].split()
    key, names = tokens[0], tokens[1:]
    if len(names) != ncols:
        return None
    units = HeaderLine("", tuple(HeaderCell(UNIT, k, k) for k in range(ncols)))
    names_line = HeaderLine(key, tuple(HeaderCell(t, k, k) for k, t in enumerate(names)))
    # spanning titles directly above the column names
    if c > 0 and not is_blank(lines[c - 1]) and len(lines[c - 1].split()) > 1:
        phrases = _capital_groups(lines[c - 1].split())
        top = HeaderLine("", tuple(_spans(phrases, names)))
        return _Header(c - 1, u + 1, "lines", ncols, (top, names_line, units))
    # stacked titles: single words on their own lines above the column names
    k, words, start = c - 1, [], c
    while k >= 0 and (is_blank(lines[k]) or len(lines[k].split()) == 1):
        if not is_blank(lines[k]):
            words.insert(0, lines[k].strip())
            start = k
        k -= 1
    cells = _capital_groups(words)
    if len(cells) != ncols:
        return _Header(c, u + 1, "lines", ncols, (names_line, units))
    stacks = [c.split() for c in cells]
    depth = max(len(s) for s in stacks)
    stacked = []
    for level in range(depth):  # bottom-aligned, like wrapped spreadsheet headers
        row = []
        for col, s in enumerate(stacks):
            idx = level - (depth - len(s))
            if idx >= 0:
                row.append(HeaderCell(s[idx], col, col))
        stacked.append(HeaderLine("", tuple(row)))
    return _Header(start, u + 1, "overview", ncols, (*stacked, names_line, units))


def _header_years(lines: list[str], k: int) -> _Header | None:
    """'Aktivitetsoversigt 2023 2024 2024 2024' over 'Regnskab Budget Regnskab Afvigelse'."""
    tokens = lines[k].split()
    if len(tokens) < 3 or YEAR_RE.match(tokens[0]) or not all(YEAR_RE.match(t) for t in tokens[1:]):
        return None
    n = _next_nonblank(lines, k + 1)
    if n >= len(lines):
        return None
    kinds = lines[n].split()
    ncols = len(tokens) - 1
    if len(kinds) != ncols or any(is_number(t) for t in kinds):
        return None
    years = HeaderLine(tokens[0], tuple(HeaderCell(t, i, i) for i, t in enumerate(tokens[1:])))
    kinds_line = HeaderLine("", tuple(HeaderCell(t, i, i) for i, t in enumerate(kinds)))
    return _Header(k, n + 1, "activity", ncols, (years, kinds_line))


def _find_headers(lines: list[str]) -> dict[int, _Header]:
    found: dict[int, _Header] = {}
    for k, ln in enumerate(lines):
        h = _header_at_units(lines, k) if _units_count(ln) else _header_years(lines, k)
        if h:
            found[h.start] = h
    return found


# ---------------------------------------------------------------------------
# table rows
# ---------------------------------------------------------------------------


def _row_ahead(lines: list[str], j: int, ncols: int) -> tuple[list[str], int, bool] | None:
    """From line j, up to 4 text-only lines followed by a row of ncols numbers?

    Returns (text lines, index of the row line, whether the row line has its own label).
    """
    text: list[str] = []
    k = j
    while k < len(lines) and len(text) <= 4:
        if is_blank(lines[k]):
            k += 1
            continue
        label, nums = split_trailing_numbers(lines[k])
        if len(nums) == ncols:
            return text, k, bool(label)
        if nums or lines[k].lstrip().startswith(BULLET_MARKERS):
            return None
        text.append(lines[k].strip())
        k += 1
    return None


def _is_total(label: str) -> bool:
    return label.strip().lower().startswith("i alt")


def _parse_rows(lines: list[str], j: int, ncols: int) -> tuple[list[TableRow], int, bool]:
    """Rows from line j until a line that is not part of the table.

    Returns (rows, next line index, closed) where closed means a total row ended it.
    """
    rows: list[TableRow] = []
    gap = False
    while j < len(lines):
        raw = lines[j]
        if is_blank(raw):
            gap = gap or len(raw) >= 2  # the extractor's empty table rows are runs of spaces
            j += 1
            continue
        label, nums = split_trailing_numbers(raw)
        if len(nums) == ncols:
            text, k, own = [label], j, True
        else:
            ahead = _row_ahead(lines, j, ncols)
            if ahead is None:
                break
            text, k, own = ahead
            if own:  # a group title (e.g. the ydelse above Antal / Enhedspris)
                if gap and rows:
                    rows.append(TableRow((), (), "gap"))
                gap = False
                rows.append(TableRow(tuple(text), (), "group"))
                j = k
                continue
        label_here, nums = split_trailing_numbers(lines[k])
        label_lines = (*text[:-1], label_here) if own else tuple(text)
        if gap and rows:
            rows.append(TableRow((), (), "gap"))
        gap = False
        kind = "total" if _is_total(label_lines[0]) else "row"
        rows.append(TableRow(tuple(label_lines), tuple(nums), kind))
        j = k + 1
        if kind == "total":
            return _mark_subtotals(rows), j, True
    return _mark_subtotals(rows), j, False


def _to_int(s: str) -> float:
    return float(s.replace(".", "").replace(",", "."))


def _mark_subtotals(rows: list[TableRow]) -> list[TableRow]:
    """The first row of a gap-separated group is a subtotal when it equals the sum of the
    rest of the group (the styringsområde above its bevillinger)."""
    out = list(rows)
    groups: list[list[int]] = [[]]
    for i, r in enumerate(rows):
        if r.kind in ("gap", "total"):
            groups.append([])
        elif r.kind == "row":
            groups[-1].append(i)
    for g in groups:
        if len(g) < 2:
            continue
        first, rest = rows[g[0]], [rows[i] for i in g[1:]]
        ok = all(
            abs(_to_int(first.values[c]) - sum(_to_int(r.values[c]) for r in rest)) <= len(rest)
            for c in range(len(first.values))
        )
        if ok:
            out[g[0]] = TableRow(first.label_lines, first.values, "subtotal")
    return out


# ---------------------------------------------------------------------------
# prose blocks
# ---------------------------------------------------------------------------

_SENTENCE_END = (".", ":", "!", "?")


def _is_heading(line: str, known: set[str]) -> bool:
    s = line.strip()
    words = s.split()
    if s.casefold() in known:
        return True
    if not words or len(words) > 5 or not s[:1].isupper() or any(c.isdigit() for c in s):
        return False
    return not s.endswith((".", ":", ",", ";")) or len(words) == 1


def _is_marker(line: str) -> bool:
    return line.lstrip().startswith(BULLET_MARKERS)


def _collect_text(lines: list[str], i: int, stops: dict[int, _Header]) -> tuple[list[str], int]:
    """A paragraph or bullet body: consecutive lines, plus lines after a blank that start
    in lower case (the sentence goes on)."""
    out = [lines[i].strip()]
    j = i + 1
    while j < len(lines) and j not in stops:
        if is_blank(lines[j]):
            n = _next_nonblank(lines, j)
            if n < len(lines) and lines[n].strip()[:1].islower() and n not in stops:
                j = n
                continue
            break
        if _is_marker(lines[j]):
            break
        out.append(lines[j].strip())
        j += 1
    return out, j


def _parse_page(
    lines: list[str], carry: Table | None, known: set[str]
) -> tuple[list[AccountsBlock], Table | None]:
    headers = _find_headers(lines)
    blocks: list[AccountsBlock] = []
    i = 0
    while i < len(lines):
        if is_blank(lines[i]):
            i += 1
            continue
        if i in headers:
            h = headers[i]
            rows, i, closed = _parse_rows(lines, h.body, h.ncols)
            table = Table(h.kind, h.ncols, h.lines, tuple(rows))
            blocks.append(table)
            carry = None if closed else table
            continue
        if carry is not None and not blocks and _row_ahead(lines, i, carry.ncols):
            rows, i, closed = _parse_rows(lines, i, carry.ncols)
            table = Table(carry.kind, carry.ncols, (), tuple(rows), continued=True)
            blocks.append(table)
            carry = None if closed else table
            continue
        carry = None
        s = lines[i].strip()
        label, nums = split_trailing_numbers(s)
        if len(nums) == 1 and label:
            blocks.append(AmountHeading(label, nums[0]))
            i += 1
        elif _is_marker(s):
            body, i = _collect_text(lines, i, headers)
            marker = s[0]
            body[0] = body[0][1:].strip()
            blocks.append(Bullet(tuple(body), marker))
        elif _is_heading(s, known):
            blocks.append(Heading(s, 3))
            i += 1
        else:
            body, i = _collect_text(lines, i, headers)
            blocks.append(Paragraph(tuple(body)))
    return blocks, carry


def _continues(prev: AccountsBlock | None) -> bool:
    if isinstance(prev, Bullet | Paragraph):
        return not prev.lines[-1].rstrip().endswith(_SENTENCE_END)
    return False


def _parse_all(pages: list[list[str]], known: set[str]) -> list[list[AccountsBlock]]:
    out: list[list[AccountsBlock]] = []
    carry: Table | None = None
    for lines in pages:
        blocks, carry = _parse_page(lines, carry, known)
        prev = out[-1][-1] if out and out[-1] else None
        if blocks and isinstance(blocks[0], Paragraph) and _continues(prev):
            first = blocks[0]
            blocks[0] = Paragraph(first.lines, continued=True, indent=isinstance(prev, Bullet))
        out.append(blocks)
    return out


def parse_accounts(text: str) -> AccountsDoc:
    """Pages of headings, paragraphs, bullets, amount headings and tables.

    Heading levels come from the overview table: a styringsområde (a subtotal row) is a
    level-1 heading, a bevilling (any other row) level 2; the first line is the title.
    """
    pages = split_pages(text)
    first = _parse_all(pages, set())
    levels: dict[str, int] = {}
    for blocks in first:
        for b in blocks:
            if isinstance(b, Table) and b.kind == "overview":
                for r in b.rows:
                    if r.kind in ("row", "subtotal"):
                        levels.setdefault(r.label.casefold(), 1 if r.kind == "subtotal" else 2)
    parsed = _parse_all(pages, set(levels))
    out_pages = []
    for pno, blocks in enumerate(parsed):
        new: list[AccountsBlock] = []
        for k, b in enumerate(blocks):
            if isinstance(b, Heading):
                level = 0 if pno == 0 and k == 0 else levels.get(b.text.casefold(), 3)
                b = Heading(b.text, level)
            new.append(b)
        out_pages.append(AccountsPage(tuple(new)))
    return AccountsDoc(tuple(out_pages))


def numbers_in_text(text: str) -> list[str]:
    """Every Danish-formatted number token of a text, in order (for golden checks)."""
    return [t for t in re.findall(r"-?[\d.,]*\d", text) if is_number(t)]
