"""Visual lines and cells of a page, and wrapped text joined again: the geometry the budget
note, intentions and letter extractors share.

The page reader's blocks keep columns apart, which is right for prose but splits a table
row ("... 2021 2022" and a far-right "I alt" land in different blocks). Here every line of
the page is regrouped with the lines of other blocks on the same baseline, and a line is
cut into cells where the gap between two words is too wide to be a space.

Word text: on a text-layer page the layer is the document's own text and is kept as read;
on an OCR page the corrected text is used. Numbers are always taken as read.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.records import Document, Line, PageLayout, Word

CELL_GAP = 0.7  # a gap wider than this many line heights separates two cells
SAME_LINE = 0.6  # share of the smaller height two lines must share to be one visual line
JOIN_ZIPF = 3.0  # a joined form this frequent is a word, not a guessed compound
CONJUNCTIONS = frozenset({"og", "eller", "samt", "el.", "og/eller"})
_DIGIT_END = re.compile(r"\d-$")
# a committee code ("BI105", "ØK95", "SO37") as OCR may read it ("B1105", "$037")
_CODE = re.compile(r"^([A-ZÆØÅ$@01l|]{2,3}?)(\d{1,4})$")
_CODE_LETTER = str.maketrans({"$": "S", "@": "Ø", "0": "O", "1": "I", "l": "I", "|": "I"})
_WORD_END_HYPHEN = re.compile(r"[^\W\d_]-$")


@dataclass(frozen=True, slots=True)
class TextLine(Line):
    """One visual line of a page (or one cell of it), left to right, with the text chosen
    for each word."""

    page: int = 0
    texts: tuple[str, ...] = ()

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)

    @property
    def text(self) -> str:
        return " ".join(t for t in self.texts if t)

    @property
    def raw(self) -> str:
        return " ".join(w.text_raw for w in self.words)

    def cells(self, gap: float = CELL_GAP) -> list[TextLine]:
        """The line cut where two words are further apart than `gap` line heights."""
        out: list[TextLine] = []
        start = 0
        for k in range(1, len(self.words) + 1):
            if k == len(self.words) or self.words[k].x0 - self.words[k - 1].x1 > gap * self.height:
                out.append(TextLine(self.words[start:k], self.page, self.texts[start:k]))
                start = k
        return out

    def between(self, x0: float, x1: float) -> TextLine | None:
        """The part of the line whose words' centres lie in [x0, x1), or None."""
        keep = [k for k, w in enumerate(self.words) if x0 <= (w.x0 + w.x1) / 2 < x1]
        return self.subset(keep) if keep else None

    def subset(self, keep: Sequence[int]) -> TextLine:
        """The line with only the words at the given indices."""
        words = tuple(self.words[k] for k in keep)
        return TextLine(words, self.page, tuple(self.texts[k] for k in keep))


def read_code(token: str) -> str | None:
    """The committee code a token is ("BI105"), its letters mended from OCR look-alikes
    ("B1105" -> "BI105", "$037" -> "SO37"); None when it is no code. Digits are kept."""
    m = _CODE.match(token)
    if m is None or m.group(1).isdigit():
        return None
    return m.group(1).translate(_CODE_LETTER) + m.group(2)


def word_text(word: Word, page: PageLayout) -> str:
    """The layer's own text on text pages; the corrected text on OCR pages."""
    return word.text_raw if page.source == "text" else word.value


def _overlap(a: Word | TextLine, b: Word | TextLine) -> float:
    shared = min(a.bottom, b.bottom) - max(a.top, b.top)
    return shared / max(min(a.bottom - a.top, b.bottom - b.top), 1.0)


def page_lines(page: PageLayout) -> list[TextLine]:
    """Every line of the page, merged with lines of other blocks on the same baseline,
    top to bottom."""
    pieces = sorted(
        ((b.block, ln.words) for b in page.blocks for ln in b.lines if ln.words),
        key=lambda p: (min(w.top for w in p[1]), min(w.x0 for w in p[1])),
    )
    merged: list[tuple[set[int], list[Word]]] = []
    for block, words in pieces:
        probe = TextLine(words, page.page, ("",) * len(words))
        for blocks, line_words in merged:
            line = TextLine(tuple(line_words), page.page, ("",) * len(line_words))
            if block not in blocks and _overlap(probe, line) >= SAME_LINE:
                blocks.add(block)
                line_words.extend(words)
                break
        else:
            merged.append(({block}, list(words)))
    lines = []
    for _, words in merged:
        words.sort(key=lambda w: w.x0)
        lines.append(TextLine(tuple(words), page.page, tuple(word_text(w, page) for w in words)))
    return sorted(lines, key=lambda ln: (ln.top, ln.x0))


def document_lines(document: Document) -> list[TextLine]:
    """All visual lines of the document, page by page."""
    return [ln for page in document.pages for ln in page_lines(page)]


def line_pitch(lines: Sequence[TextLine]) -> float:
    """The usual distance between consecutive lines of one paragraph (or table): the
    smallest step between lines that do not share a baseline."""
    if not lines:
        return 12.0
    height = statistics.median(ln.height for ln in lines)
    steps = [
        b.top - a.top
        for a, b in itertools.pairwise(lines)
        if a.page == b.page and b.top - a.top > height
    ]
    return min(steps) if steps else 1.3 * height


def mended_texts(lines: Sequence[TextLine], frequency: Callable[[str], float]) -> list[str]:
    """The lines' texts, with each word split by line-end hyphenation taken as read when
    that joins into a likelier word than the corrected halves do: the corrector sees
    "anonymi-" and "sering" apart and may mend them into something else."""
    texts = [list(ln.texts) for ln in lines]
    for i, (a, b) in enumerate(itertools.pairwise(lines)):
        left, right = a.words[-1].text_raw, b.words[0].text_raw
        if not _WORD_END_HYPHEN.search(left) or (texts[i][-1], texts[i + 1][0]) == (left, right):
            continue
        raw = frequency(left[:-1] + right.rstrip(".,;:"))
        corrected = frequency(texts[i][-1].rstrip("-") + texts[i + 1][0].rstrip(".,;:"))
        if raw > corrected:
            texts[i][-1], texts[i + 1][0] = left, right
    return [" ".join(t for t in ts if t) for ts in texts]


def join_wrapped(parts: Sequence[str], frequency: Callable[[str], float]) -> str:
    """Lines of one wrapped text as one string: line-end hyphenation removed, real hyphens
    kept.

    A line ending in "-" continues the word on the next line. `frequency` is the lexicon's
    zipf (0 for unknown words). The hyphen goes when the joined form is a common enough
    word ("beskæfti-" + "gelsesindsats", "ud-" + "arbejde"); it stays, with a space,
    before a conjunction ("Beskæftigelses-" + "og Integration..."), and without one
    between digits ("2025-" + "2026"), before a capital, and when only the hyphenated form
    is a word ("ikke-" + "vestlig", "it-" + "system").
    """
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        out = _join_two(out, part, frequency) if out else part
    return out


def _join_two(left: str, right: str, frequency: Callable[[str], float]) -> str:
    head, _, tail = left.rpartition(" ")
    head = f"{head} " if head else ""
    first = right.partition(" ")[0]
    if _DIGIT_END.search(tail) and first[:1].isdigit():
        return f"{head}{tail}{right}"
    if not _WORD_END_HYPHEN.search(tail) or first.lower() in CONJUNCTIONS:
        return f"{left} {right}"
    core = re.sub(r"\W+$", "", first)
    joined, hyphenated = frequency(tail[:-1] + core), frequency(tail + core)
    if first[:1].islower() and (joined >= JOIN_ZIPF or not hyphenated):
        return f"{head}{tail[:-1]}{right}"
    return f"{head}{tail}{right}"


def join_fragment(left: str, right: str, frequency: Callable[[str], float]) -> str:
    """A cell's text wrapped mid-word without a hyphen ("Nørrebro/Nordves" + "t"): glued
    when the continuation is lower-case, too short or unknown on its own, and the glued
    form is a word; otherwise joined with a space."""
    if not left:
        return right
    tail = left.rpartition(" ")[2]
    head_of_right = right.partition(" ")[0]
    fragment = right[:1].islower() and (len(head_of_right) <= 2 or not frequency(head_of_right))
    if fragment and frequency(tail.rpartition("/")[2] + head_of_right) >= JOIN_ZIPF:
        return left + right
    return f"{left} {right}"
