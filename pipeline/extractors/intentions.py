"""Extractor for intentions annexes (Hensigtserklæringer): one row per statement.

The annex is a two-column table, Titel | Hensigtserklæring, with narrow columns, so both
are hyphenated at line ends. How it is read:
- the column heads give the split between the columns (a page without them keeps the
  previous page's split);
- a statement starts where a title starts after a gap in the title column; text lines
  belong to the statement whose top is above them, and text at the top of a page
  without a title continues the previous page's statement;
- a title starts with its code(s) ("BI42", "SO37 .../SU53 ..."), or has none;
- wrapped lines are joined with note_layout.join_wrapped (hyphenation removed with the
  lexicon's help, real hyphens kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.extractors.note_layout import (
    TextLine,
    join_wrapped,
    line_pitch,
    mended_texts,
    page_lines,
    read_code,
)
from pipeline.fuzzy import similarity
from pipeline.lexicon import Lexicon
from pipeline.records import Document, Extraction

HEADINGS = ("Titel", "Hensigtserklæring")
HEADING_SCORE = 75.0
NEW_ROW_GAP = 1.25  # a title starting this many line pitches below the last one is a new row
FOOTER_GAP = 3.0  # lines this far below the table are page furniture, not statements


@dataclass
class _Statement:
    page: int
    title: list[TextLine] = field(default_factory=list)
    text: list[TextLine] = field(default_factory=list)


def _heading_split(lines: list[TextLine]) -> tuple[int, float] | None:
    """(index of the column-heads line, x where the text column starts), if on the page."""
    for i, line in enumerate(lines):
        cells = line.cells()
        if len(cells) != len(HEADINGS):
            continue
        if all(
            similarity(c.text, h) >= HEADING_SCORE for c, h in zip(cells, HEADINGS, strict=True)
        ):
            return i, cells[1].x0 - 0.5 * line.height
    return None


def split_code(title: str) -> tuple[str | None, str]:
    """("SO37/SU53", title without the codes) from "SO37 Nyt .../SU53 Forebyggelse ...":
    a code is the first word or follows a "/" inside a word."""
    words = title.split()
    codes: list[str] = []
    if words and (code := read_code(words[0])):
        codes.append(code)
        words = words[1:]
    kept: list[str] = []
    glue = False  # the previous word ended in a "/" whose code was taken out
    for word in words:
        head, slash, tail = word.partition("/")
        code = read_code(tail) if slash else None
        if code:
            codes.append(code)
        piece = f"{head}/" if code else word
        if glue and kept:
            kept[-1] += piece
        else:
            kept.append(piece)
        glue = code is not None
    return ("/".join(codes) or None), " ".join(kept)


def _body(lines: list[TextLine], start: int) -> list[TextLine]:
    """Table lines from `start` on, without page furniture far below the table."""
    body = lines[start:]
    if len(body) < 2:
        return body
    pitch = line_pitch(body)
    for k in range(1, len(body)):
        if body[k].top - body[k - 1].bottom > FOOTER_GAP * pitch:
            return body[:k]
    return body


def _statements(document: Document) -> list[_Statement]:
    rows: list[_Statement] = []
    split: float | None = None
    for page in document.pages:
        lines = page_lines(page)
        found = _heading_split(lines)
        if found is not None:
            start, split = found[0] + 1, found[1]
        elif split is None:
            continue
        else:
            start = 0
        body = _body(lines, start)
        pitch = line_pitch(body) if body else 0.0
        last_title_top: float | None = None
        for line in body:
            left, right = line.between(-1e9, split), line.between(split, 1e9)
            if left is not None:
                new = last_title_top is None or line.top - last_title_top > NEW_ROW_GAP * pitch
                if new or not rows:
                    rows.append(_Statement(page.page))
                rows[-1].title.append(left)
                last_title_top = line.top
            if right is not None:
                if not rows:
                    rows.append(_Statement(page.page))
                rows[-1].text.append(right)
    return rows


def extract(document: Document, title: str) -> Extraction:
    frequency = Lexicon.load().frequency
    out = []
    for st in _statements(document):
        code, name = split_code(join_wrapped(mended_texts(st.title, frequency), frequency))
        text = join_wrapped(mended_texts(st.text, frequency), frequency)
        out.append({"code": code, "title": name, "text": text, "page": st.page})
    return Extraction(doc_type="intentions", title=title, tables={"intentions": out})
