"""Extractor for budget notes (budgetnotater): every table as cells, the check-box grid,
the document code and title.

- Tables: note_tables reads each "Tabel N" from word positions; every cell becomes a
  budget_tables row (empty cells too, value_text "" and value null, so the grid is
  complete); numbers are taken as printed and parsed, never guessed.
- The check-box grid (the districts, "Bydel og adresse") becomes its own table in
  budget_tables: one row per item in reading order (row by row, left to right; the
  question above the grid first), column "kryds", value_text "X" or "", value 1 or 0.
- Title: the largest line of the first page (see classify.first_title); a leading code
  such as "BI105" goes to documents.doc_code.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from pipeline.extractors.note_checkboxes import CheckItem, read_checkboxes
from pipeline.extractors.note_layout import TextLine, document_lines, read_code
from pipeline.extractors.note_tables import budget_row, read_tables, table_rows
from pipeline.lexicon import Lexicon
from pipeline.records import Document, Extraction

MARK_COLUMN = "kryds"
GRID_TITLE_WORDS = 6  # a heading over a check-box grid is a short line


def split_doc_code(title: str) -> tuple[str, str]:
    """("BI105", "Svar vedr. ...") from "BI105 Svar vedr. ..."; ("", title) without one."""
    first, _, rest = title.partition(" ")
    code = read_code(first)
    return (code, rest) if code and rest else ("", title)


def grid_rows(title: str, items: list[CheckItem], index: int) -> list[dict]:
    return [
        budget_row(
            table_title=title,
            table_index=index,
            row=r,
            row_label=item.name,
            column=MARK_COLUMN,
            value_text="X" if item.marked else "",
            value=1.0 if item.marked else 0.0,
            page=item.page,
        )
        for r, item in enumerate(items)
    ]


def _grid_title(lines: list[TextLine], start: int) -> str:
    """The short heading line right above a grid (and its question), if any."""
    if start == 0:
        return ""
    above = lines[start - 1]
    short = len(above.cells()) == 1 and len(above.text.split()) <= GRID_TITLE_WORDS
    return above.text if short and above.page == lines[start].page else ""


def extract(document: Document, title: str) -> Extraction:
    frequency = Lexicon.load().frequency
    lines = document_lines(document)
    parts: list[tuple[tuple[int, float], Callable[[int], list[dict]]]] = [
        ((t.page, t.top), partial(table_rows, t)) for t in read_tables(lines, frequency)
    ]
    parts += [
        ((lines[s].page, lines[s].top), partial(grid_rows, _grid_title(lines, s), items))
        for s, items in read_checkboxes(lines, frequency)
    ]
    parts.sort(key=lambda p: p[0])
    rows = [row for index, (_, build) in enumerate(parts) for row in build(index)]
    code, name = split_doc_code(title)
    return Extraction(
        doc_type="budget_note",
        title=name,
        tables={"budget_tables": rows},
        documents_extra={"doc_code": code},
    )
