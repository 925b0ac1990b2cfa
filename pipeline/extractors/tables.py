"""Tables from word positions: rows, value columns and header titles of unruled tables.

Generic over layouts and readers (text layer or OCR): nothing is keyed on row names or
coordinates. A table is a header (lines of column titles, found by the caller) followed
by body rows, each a label at the left and value cells at the right:

- lines are rebuilt from the page's words across the whole page width, so a row is one
  line even where the layout stage split its columns into blocks;
- value columns are the horizontal extents of the numbers in the body (right-aligned
  numbers of one column overlap, those of neighbouring columns never do); header words
  name the columns they stand over, spanning titles name several;
- a label may wrap over several lines, with its numbers on the first, middle or last line
  or on a line of their own: continuation lines start in lower case;
- a label line with no numbers followed by rows of its own is a group title (a row
  without cells), e.g. the ydelse above its "Antal" and "Enhedspris" rows;
- the table ends at its total row, at a line reaching into the value columns that is not
  a row (prose, an amount heading), or at a page whose rows do not line up with it.
Cells keep the text as read; a cell that is not cleanly a number has value None, so a
misread digit is reported by validation instead of guessed.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline.layout import LayoutSettings, group_lines
from pipeline.numbers import MINUS_SIGNS, parse_number
from pipeline.records import Document, Line, PageLayout, Word

# Letters OCR reads for digits ("1O" for 10). A token with a digit and no other letter
# may be a (damaged) number: "(9)" is how OCR often reads a lone 0. This only finds where
# a row's cells are; a cell's value comes from parse_number, which accepts nothing but a
# clean number, so a damaged cell is None and validation names it.
_DIGIT_LIKE = frozenset("OoIlSBZDgq")
_SIGN = re.compile(r"[" + MINUS_SIGNS + r"]")
_NUMBER = r"\d{1,3}(?:\.\d{3})*(?:,\d+)?"
_GLUED = re.compile(rf"([{MINUS_SIGNS}]?{_NUMBER})([{MINUS_SIGNS}]{_NUMBER})")
_FURNITURE_WORDS = 8  # running heads and page numbers are short
_GAP_PITCHES = 1.45  # a centre distance above this many line pitches is a blank row


@dataclass(frozen=True, slots=True)
class TextLine(Line):
    """A Line across the whole page width (not cut at column gutters), with its page."""

    page: int = 0

    @property
    def centre(self) -> float:
        _, top, _, bottom = self.bbox
        return (top + bottom) / 2


@dataclass(frozen=True, slots=True)
class Cell:
    text: str  # as read, fragments of one column joined
    value: int | float | None  # None when the text is not cleanly a number


@dataclass(frozen=True, slots=True)
class Column:
    x0: float
    x1: float
    title: str  # header words over the column, top to bottom; "" without a header


@dataclass(frozen=True, slots=True)
class Row:
    label: str  # wrapped lines joined, corrected text
    label_x0: float  # left edge of the label (indentation), or of the cells without label
    cells: tuple[Cell | None, ...]  # one per column; () for a group title
    page: int
    gap_before: bool  # a blank band separates the row from the one above

    @property
    def is_title(self) -> bool:
        return not self.cells


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # header text over the labels, e.g. "Hovedprodukt"
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    start: int  # index of the first header line in the lines it was read from
    end: int  # index after its last line
    closed: bool  # ended by a total row
    page: int


def join_words(words: Sequence[Word]) -> str:
    return " ".join(t for t in (w.value for w in words) if t)


def join_label_lines(texts: Sequence[str]) -> str:
    """Lines of one label or title. A word broken at a hyphen goes on without a space when
    the next line starts in lower case: "Tillægs-" "bevillinger" is one word, "IT-"
    "udgifter" keeps its hyphen, and a dash ("Anlæg -") is no break."""
    out = ""
    for text in (t.strip() for t in texts):
        if not text:
            continue
        if out.endswith("-") and out[-2:-1].isalnum() and text[:1].islower():
            out = (out[:-1] if out[-2:-1].islower() else out) + text
        else:
            out = f"{out} {text}" if out else text
    return out


def page_lines(page: PageLayout, settings: LayoutSettings | None = None) -> list[TextLine]:
    """The page's words as full-width lines, top to bottom."""
    grouped = group_lines(page.words, settings or LayoutSettings())
    return [TextLine(tuple(ln), page.page) for ln in grouped if ln]


def document_lines(document: Document) -> list[TextLine]:
    """Every page's lines in order, without page furniture (see strip_furniture)."""
    return strip_furniture([ln for page in document.pages for ln in page_lines(page)])


def strip_furniture(lines: Sequence[TextLine], min_pages: int = 3) -> list[TextLine]:
    """Without running heads and page numbers: a short first or last line of a page that
    recurs, numbers aside ("Side 3 af 23"), at the same height on at least half the pages
    (and on `min_pages`). Left in, they would cut tables going on over a page break."""
    by_page: dict[int, list[TextLine]] = {}
    for ln in lines:
        by_page.setdefault(ln.page, []).append(ln)
    edges = [
        x for page in by_page.values() for x in {id(y): y for y in (page[0], page[-1])}.values()
    ]
    shapes: dict[str, list[TextLine]] = {}
    for ln in edges:
        if len(ln.words) <= _FURNITURE_WORDS:
            shapes.setdefault(re.sub(r"\d+", "#", ln.text.casefold()), []).append(ln)
    needed = max(min_pages, len(by_page) / 2)
    furniture: set[int] = set()
    for same in shapes.values():
        y = statistics.median(ln.centre for ln in same)
        level = [ln for ln in same if abs(ln.centre - y) <= ln.height]
        if len(level) >= needed:
            furniture.update(id(ln) for ln in level)
    return [ln for ln in lines if id(ln) not in furniture]


def is_noise(word: Word) -> bool:
    """Specks and ruling-line fragments: no letter or digit, and not a lone minus sign."""
    text = word.text_raw
    return not any(c.isalnum() for c in text) and not (len(text) == 1 and _SIGN.match(text))


def is_cellish(text: str) -> bool:
    if is_sign(text):
        return True
    return has_digit(text) and not any(c.isalpha() and c not in _DIGIT_LIKE for c in text)


def is_sign(text: str) -> bool:
    return bool(_SIGN.fullmatch(text))


def has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


def phrases(words: Sequence[Word], gap: float) -> list[tuple[Word, ...]]:
    """Runs of words separated by less than `gap` points."""
    out: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.x0):
        if out and w.x0 - out[-1][-1].x1 <= gap:
            out[-1].append(w)
        else:
            out.append([w])
    return [tuple(p) for p in out]


# --- one body line: label words and cell words -------------------------------------------


@dataclass(frozen=True, slots=True)
class _Split:
    kind: str  # row | label | blank | other
    label: tuple[Word, ...]
    cells: tuple[Word, ...]


def _split(line: TextLine, boundary: float | None, min_cells: int) -> _Split:
    """Trailing number-like words right of `boundary` are cells, the rest the label; a
    label reaching over the boundary makes the line something else (prose, a heading)."""
    edge = -float("inf") if boundary is None else boundary
    words = [
        part
        for w in line.words
        if not is_noise(w)
        for part in (unglue(w) if _mid(w) >= edge else [w])
    ]
    if not any(any(c.isalnum() for c in w.text_raw) for w in words):
        return _Split("blank", (), ())
    k = len(words)
    while k > 0 and _is_cell(words, k - 1, line.height) and _mid(words[k - 1]) >= edge:
        k -= 1
    label, cells = tuple(words[:k]), tuple(words[k:])
    if boundary is not None and any(_mid(w) >= boundary for w in label):
        return _Split("other", label, cells)
    if sum(has_digit(w.text_raw) for w in cells) >= min_cells:
        return _Split("row", label, cells)
    if not cells:
        return _Split("label", label, cells)
    return _Split("other", label, cells)


def unglue(word: Word) -> list[Word]:
    """Two numbers read as one word because they touch ("9.385.922-1.502.335"): split at
    the sign when both halves are numbers, sharing the box by character count."""
    m = _GLUED.fullmatch(word.text_raw)
    if m is None:
        return [word]
    cut = m.start(2)
    x = word.x0 + (word.x1 - word.x0) * cut / len(word.text_raw)
    left, right = m.group(1), m.group(2)
    return [
        Word(left, word.x0, word.top, x, word.bottom, word.conf, word.line_hint),
        Word(right, x, word.top, word.x1, word.bottom, word.conf, word.line_hint),
    ]


def _is_cell(words: Sequence[Word], k: int, height: float) -> bool:
    """A number-like word; a lone sign only right before the number it belongs to."""
    text = words[k].text_raw
    if is_sign(text):
        nxt = words[k + 1] if k + 1 < len(words) else None
        return nxt is not None and has_digit(nxt.text_raw) and nxt.x0 - words[k].x1 < height
    return is_cellish(text)


def _mid(word: Word) -> float:
    return (word.x0 + word.x1) / 2


def continues_label(text: str, previous: str) -> bool:
    """A wrapped label goes on in lower case (or after a line-end hyphen or comma)."""
    first = text.lstrip()[:1]
    return first.islower() or previous.rstrip().endswith(("-", ",", "&"))


# --- grouping lines into rows ------------------------------------------------------------


@dataclass
class _Group:
    labels: list[tuple[TextLine, tuple[Word, ...]]] = field(default_factory=list)
    numbers: TextLine | None = None
    cells: tuple[Word, ...] = ()

    @property
    def has_cells(self) -> bool:
        return self.numbers is not None

    @property
    def label(self) -> str:
        return join_label_lines([join_words(words) for _, words in self.labels])

    @property
    def wants_label_below(self) -> bool:
        """Numbers on a line of their own sit centred between the label's lines: while
        fewer label lines are below them than above, the next one is still this label's."""
        if self.numbers is None or any(ln is self.numbers for ln, _ in self.labels):
            return False
        above = sum(ln.centre < self.numbers.centre for ln, _ in self.labels)
        return above > len(self.labels) - above

    @property
    def lines(self) -> list[TextLine]:
        out = [ln for ln, _ in self.labels]
        if self.numbers is not None and self.numbers not in out:
            out.append(self.numbers)
        return sorted(out, key=lambda ln: ln.centre)


@dataclass
class _Scan:
    min_cells: int
    is_total: Callable[[str], bool]
    groups: list[_Group] = field(default_factory=list)
    committed: int = 0  # groups[:committed] belong to the table
    end: int = 0  # line index after the last committed line
    closed: bool = False

    @property
    def open(self) -> _Group | None:
        return self.groups[-1] if self.groups else None

    def add_label(self, i: int, line: TextLine, words: tuple[Word, ...]) -> None:
        g = self.open
        if g is not None and (
            (not g.labels and g.has_cells)
            or g.wants_label_below
            or continues_label(join_words(words), g.label)
        ):
            g.labels.append((line, words))
            if g.has_cells:
                self.end = i + 1
        else:
            self.groups.append(_Group([(line, words)]))

    def add_row(self, i: int, line: TextLine, label: tuple[Word, ...], cells: tuple[Word, ...]):
        g = self.open
        if label:
            if g is not None and not g.has_cells and continues_label(join_words(label), g.label):
                g.labels.append((line, label))
            else:
                g = _Group([(line, label)])
                self.groups.append(g)
        elif g is None:
            g = _Group()
            self.groups.append(g)
        elif g.has_cells:
            g = self._steal(g, line)
        g.numbers, g.cells = line, cells
        self.committed, self.end = len(self.groups), i + 1
        self.closed = bool(g.labels) and self.is_total(g.label)

    def _steal(self, previous: _Group, line: TextLine) -> _Group:
        """A line of numbers only after a complete row: the label lines between the two
        number lines go to the nearer one (labels are centred on their numbers)."""
        assert previous.numbers is not None
        mine: list[tuple[TextLine, tuple[Word, ...]]] = []
        while previous.labels:
            ln = previous.labels[-1][0]
            below = ln.centre - previous.numbers.centre
            if below <= 0 or below <= line.centre - ln.centre:
                break
            mine.insert(0, previous.labels.pop())
        g = _Group(mine)
        self.groups.append(g)
        return g


def _aligned(cells: Sequence[Word], seen: Sequence[Word], tolerance: float) -> bool:
    """Every number of a row on a new page stands in a column the table already has."""
    return all(
        any((c.x0 < s.x1 and s.x0 < c.x1) or abs(c.x1 - s.x1) <= tolerance for s in seen)
        for c in cells
        if has_digit(c.text_raw)
    )


# --- columns ----------------------------------------------------------------------------


def _merge_fragments(cells: Sequence[Word], height: float) -> list[Word]:
    """A sign, or a group of digits split off by the reader, joins the number right next to
    it (a signed number starts a number of its own)."""
    out: list[Word] = []
    for w in cells:
        prev = out[-1] if out else None
        gap = w.x0 - prev.x1 if prev is not None else float("inf")
        sign = prev is not None and is_sign(prev.text_raw) and gap <= height * 0.8
        split = (
            prev is not None
            and has_digit(prev.text_raw)
            and not _SIGN.match(w.text_raw)
            and gap <= height * 0.25
        )
        if prev is not None and (sign or split):
            out[-1] = _join(prev, w)
        else:
            out.append(w)
    return out


def _join(a: Word, b: Word) -> Word:
    return Word(
        a.text_raw + b.text_raw,
        a.x0,
        min(a.top, b.top),
        b.x1,
        max(a.bottom, b.bottom),
        conf=a.conf,
        line_hint=a.line_hint,
    )


def _clusters(tokens: Sequence[Word], min_overlap: float) -> list[tuple[float, float]]:
    """Horizontal extents of the value columns: numbers overlapping by more than a sliver
    share a column (neighbouring columns may touch, never overlap much)."""
    spans = sorted((w.x0, w.x1) for w in tokens if has_digit(w.text_raw))
    out: list[list[float]] = []
    for x0, x1 in spans:
        if out and out[-1][1] - x0 > min_overlap:
            out[-1][1] = max(out[-1][1], x1)
        else:
            out.append([x0, x1])
    return [(a, b) for a, b in out]


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def _nearest(x0: float, x1: float, spans: Sequence[tuple[float, float]]) -> int:
    """Index of the span overlapping [x0, x1] most, else of the closest one."""
    return max(
        range(len(spans)),
        key=lambda k: _overlap(x0, x1, *spans[k]),
    )


def _empty_columns(
    header_cols: Sequence[Word], spans: list[tuple[float, float]], gap: float
) -> list[tuple[float, float]]:
    """Columns the header names but no body number fills (a column of blank cells)."""
    best: list[tuple[Word, ...]] = []
    for line_words in _by_line(header_cols):
        ph = phrases(line_words, gap)
        if len(ph) > len(best):
            best = ph
    extra = [
        (p[0].x0, p[-1].x1)
        for p in best
        if not any(_overlap(p[0].x0, p[-1].x1, a, b) > 0 for a, b in spans)
    ]
    return sorted(spans + extra)


def _by_line(words: Sequence[Word]) -> list[list[Word]]:
    return [list(ln) for ln in group_lines(list(words), LayoutSettings())]


def _titles(
    header_cols: Sequence[Word], spans: Sequence[tuple[float, float]], gap: float
) -> list[str]:
    """Each column's title: the header phrases over it, top to bottom (a spanning title
    such as "Korrigeret budget" names every column it stands over)."""
    parts: list[list[str]] = [[] for _ in spans]
    for line_words in _by_line(header_cols):
        for phrase in phrases(line_words, gap):
            x0, x1 = phrase[0].x0, phrase[-1].x1
            hits = [k for k, (a, b) in enumerate(spans) if _overlap(x0, x1, a, b) > 0]
            for k in hits or [_nearest(x0, x1, spans)]:
                parts[k].append(join_words(phrase))
    return [join_label_lines(p) for p in parts]


def _cells(tokens: Sequence[Word], spans: Sequence[tuple[float, float]]) -> tuple[Cell | None, ...]:
    texts: list[list[str]] = [[] for _ in spans]
    for w in sorted(tokens, key=lambda w: w.x0):
        if has_digit(w.text_raw):
            texts[_nearest(w.x0, w.x1, spans)].append(w.text_raw)
    return tuple(Cell("".join(t), parse_number("".join(t))) if t else None for t in texts)


# --- the table ---------------------------------------------------------------------------


def line_pitch(lines: Sequence[TextLine], quantile: float = 0.5) -> float:
    """Centre distance of consecutive lines on one page at the given quantile (the median by
    default; a low quantile is the pitch inside paragraphs even where most paragraphs are
    one line long); 0 when there are none."""
    pitches = sorted(b.centre - a.centre for a, b in itertools.pairwise(lines) if a.page == b.page)
    return pitches[int(quantile * (len(pitches) - 1))] if pitches else 0.0


def _height(lines: Sequence[TextLine]) -> float:
    return statistics.median(ln.height for ln in lines) if lines else 10.0


def read_table(
    lines: Sequence[TextLine],
    start: int,
    body: int,
    *,
    is_total: Callable[[str], bool] = lambda label: False,
    stop: Callable[[TextLine], bool] = lambda line: False,
    min_cells: int = 2,
) -> Table | None:
    """The table whose header is lines[start:body] and whose rows follow; None if no row.

    lines: a document's lines in reading order (document_lines), across page breaks;
    the header may be empty. `is_total` tells a total row, which closes the table; `stop`
    marks lines that end it whatever their shape (e.g. the next table's header); a row
    needs at least `min_cells` numbers. Table.end is where the caller goes on reading.
    """
    header = list(lines[start:body])
    first = next(
        (
            ln
            for ln in lines[body : body + 8]
            if _split(ln, None, min_cells).kind == "row" and not stop(ln)
        ),
        None,
    )
    if first is None:
        return None
    height = _height([*header, first])
    label_left = min(ln.bbox[0] for ln in [*header, first])
    header_words = [w for ln in header for w in ln.words if not is_noise(w)]
    key_words = [w for w in header_words if w.x0 < label_left + 3 * height]
    col_words = [w for w in header_words if w.x0 >= label_left + 3 * height]
    first_cells = [w for w in _split(first, None, min_cells).cells if has_digit(w.text_raw)]
    boundary = min(w.x0 for w in col_words or first_cells) - height

    scan = _Scan(min_cells, is_total, end=body)
    page = first.page
    for i in range(body, len(lines)):
        line = lines[i]
        if stop(line):
            break
        split = _split(line, boundary, min_cells)
        if split.kind == "blank":
            continue
        if split.kind == "other":
            break
        if split.kind == "label":
            scan.add_label(i, line, split.label)
            continue
        if line.page != page:
            seen = [w for g in scan.groups[: scan.committed] for w in g.cells]
            if not _aligned(split.cells, seen, height):
                break
            page = line.page
        scan.add_row(i, line, split.label, split.cells)
        if scan.closed:
            break
    groups = scan.groups[: scan.committed]
    if not any(g.has_cells for g in groups):
        return None

    tokens = {id(g): _merge_fragments(g.cells, height) for g in groups}
    spans = _empty_columns(
        col_words, _clusters([w for t in tokens.values() for w in t], 0.3 * height), height
    )
    titles = _titles(col_words, spans, 0.6 * height)
    columns = tuple(Column(a, b, t) for (a, b), t in zip(spans, titles, strict=True))
    rows = _rows(groups, tokens, spans)
    return Table(
        key=join_label_lines([join_words(ws) for ws in _by_line(key_words)]),
        columns=columns,
        rows=rows,
        start=start,
        end=scan.end,
        closed=scan.closed,
        page=(header or [first])[0].page,
    )


def _rows(
    groups: Sequence[_Group], tokens: dict[int, list[Word]], spans: Sequence[tuple[float, float]]
) -> tuple[Row, ...]:
    """Rows with their cells; a blank band above a row is a centre distance well over the
    table's usual line pitch."""
    lines = sorted(
        {id(ln): ln for g in groups for ln in g.lines}.values(), key=lambda ln: (ln.page, ln.centre)
    )
    pitch = line_pitch(lines)
    rows: list[Row] = []
    previous: TextLine | None = None
    for g in groups:
        own = g.lines
        gap = (
            previous is not None
            and pitch > 0
            and previous.page == own[0].page
            and own[0].centre - previous.centre > _GAP_PITCHES * pitch
        )
        label_x0 = g.labels[0][1][0].x0 if g.labels else (g.cells[0].x0 if g.cells else 0.0)
        cells = _cells(tokens[id(g)], spans) if g.has_cells else ()
        rows.append(Row(g.label, label_x0, cells, own[0].page, gap))
        previous = own[-1]
    return tuple(rows)


def header_run(lines: Sequence[TextLine], start: int, is_header: Callable[[TextLine], bool]) -> int:
    """Index after the header lines from `start`: consecutive lines `is_header` accepts,
    on one page and without a blank band between them."""
    i = start + 1
    while (
        i < len(lines)
        and lines[i].page == lines[start].page
        and is_header(lines[i])
        and lines[i].bbox[1] - lines[i - 1].bbox[3] < 2 * max(lines[i].height, lines[i - 1].height)
    ):
        i += 1
    return i
