"""Checks for the budget_tables rows of budget notes and letters: the "I alt" identities.

Per table (table_index):
- row_sum: in a table with an "I alt" column, each row's numeric cells add up to its
  "I alt" cell;
- column_sum: each total row (label "... i alt" / "total") equals, column by column, the
  rows since the previous total row; a total right after another total (no rows between)
  is a grand total and equals the subtotals before it.
A column is numeric when at least half of its filled cells are numbers or dashes. A dash counts as
0 and an empty cell as nothing; a filled cell that is no number (OCR damage) fails the
check it is part of (expected null), it is never guessed. A check is made only where the
total cell holds a number or a dash. Tolerance: n/2 units for n printed terms.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from pipeline.numbers import MINUS_SIGNS
from pipeline.records import Extraction
from pipeline.validate.checks import check, rounding_tolerance

TABLE = "budget_tables"
TOTAL_COLUMN = re.compile(r"^\s*(i alt|total)\s*$", re.IGNORECASE)
TOTAL_ROW = re.compile(r"\b(i alt|total)\b", re.IGNORECASE)
DASH = re.compile(r"^[" + MINUS_SIGNS + r"]+[.…]*$")  # "-" for nothing; OCR adds dots
EMPTY = "empty"

Cells = dict[str, dict]  # column -> budget_tables row
Term = float | None | str  # amount, None when unreadable, EMPTY when the cell is empty


def _term(cell: dict | None) -> Term:
    if cell is None or not cell["value_text"].strip():
        return EMPTY
    if cell["value"] is not None:
        return float(cell["value"])
    return 0.0 if DASH.match(cell["value_text"].strip()) else None


def _terms(rows: Sequence[Cells], col: str) -> list[float | None]:
    """The filled cells of a column in the given rows."""
    out: list[float | None] = []
    for cells in rows:
        term = _term(cells.get(col))
        if term != EMPTY:
            out.append(term)
    return out


def _numeric_columns(grid: Sequence[Cells], columns: Sequence[str]) -> list[str]:
    out = []
    for col in columns:
        terms = _terms(grid, col)
        if terms and sum(t is not None for t in terms) >= len(terms) / 2:
            out.append(col)
    return out


def _sum(rule: str, index: int, parts: list[float | None], total: dict) -> dict:
    """parts add up to the total cell; an unreadable part fails the check."""
    value = _term(total)
    readable = None not in parts
    return check(
        TABLE,
        rule,
        f"{total['table_label'] or 'tabel'} #{index}: {total['row_label']} [{total['column']}]",
        expected=float(sum(p for p in parts if p is not None)) if readable else None,
        actual=value if isinstance(value, float) else None,
        tolerance=rounding_tolerance(len(parts) + 1),
        page=total["page"],
    )


def _row_sums(grid: Sequence[Cells], numeric: Sequence[str], index: int) -> list[dict]:
    totals = [c for c in numeric if TOTAL_COLUMN.match(c)]
    if len(totals) != 1:
        return []
    parts = [c for c in numeric if c != totals[0]]
    out = []
    for cells in grid:
        total = cells.get(totals[0])
        if total is not None and isinstance(_term(total), float):
            terms = [t for c in parts for t in _terms([cells], c)]
            out.append(_sum("row_sum", index, terms, total))
    return out


def _column_sums(grid: Sequence[Cells], numeric: Sequence[str], index: int) -> list[dict]:
    out = []
    segment: list[Cells] = []
    subtotals: list[Cells] = []
    for cells in grid:
        label = next(iter(cells.values()))["row_label"]
        if not TOTAL_ROW.search(label):
            segment.append(cells)
            continue
        parts = segment or subtotals
        for col in numeric:
            total = cells.get(col)
            if parts and total is not None and isinstance(_term(total), float):
                out.append(_sum("column_sum", index, _terms(parts, col), total))
        subtotals = [*subtotals, cells] if segment else [cells]
        segment = []
    return out


def checks(extraction: Extraction) -> list[dict]:
    tables: dict[int, dict[int, Cells]] = defaultdict(lambda: defaultdict(dict))
    columns: dict[int, list[str]] = defaultdict(list)
    for row in extraction.tables.get(TABLE, []):
        index = row["table_index"]
        tables[index][row["row"]][row["column"]] = row
        if row["column"] not in columns[index]:
            columns[index].append(row["column"])
    out: list[dict] = []
    for index, by_row in sorted(tables.items()):
        grid = [by_row[r] for r in sorted(by_row)]
        numeric = _numeric_columns(grid, columns[index])
        out += _row_sums(grid, numeric, index) + _column_sums(grid, numeric, index)
    return out
