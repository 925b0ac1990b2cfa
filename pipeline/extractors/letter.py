"""Extractor for letters (often scanned): metadata, subject, lettered lists and tables.

A letter can hold several dated parts (a cover letter and its guidelines, each with its
own "Dato:", "Sagsnr.:" and "Dok.nr.:"). documents gets the FIRST part's metadata (the
letter's own) and its subject as title; every part's metadata is kept in budget_tables
as the table "Dokumentoplysninger" (one row per part, row_label = the part's subject,
columns Dato / Sagsnr. / Dok.nr., as printed). Lettered lists ("a) ... g)") become one
table each (row_label "a)", column "tekst") titled by the sentence that introduces them;
captioned tables ("Tabel 1. Økonomisk oversigt", even empty forms) are read like a
budget note's tables.

Metadata labels are matched fuzzily (OCR damage); values are taken as read, and a date
is parsed from "20-03-2007", "20.03.2007", "2007-03-20" or "8. marts 2007".
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline.extractors.note_layout import TextLine, document_lines, join_wrapped, line_pitch
from pipeline.extractors.note_tables import budget_row, read_tables, table_rows
from pipeline.fuzzy import best_match
from pipeline.lexicon import Lexicon
from pipeline.records import Document, Extraction

META_KEYS = ("Dato", "Sagsnr.", "Dok.nr.")
META_SCORE = 75.0
META_TABLE = "Dokumentoplysninger"
LIST_COLUMN = "tekst"
MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[-./](\d{1,2})[-./](\d{4})\b")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
WORD_DATE = re.compile(r"\b(\d{1,2})\.?\s*([^\W\d_]{3,})\.?\s+(\d{4})\b")
ENUMERATOR = re.compile(r"^\S\)$")
LIST_ITEM = re.compile(r"^(?:[-–—…•·]+\s*)?(\S)\)\s+(.*)$")
INTRO_LINES = 3  # a list's introducing sentence is looked for this many lines back
ISOLATED = 1.6  # a subject line has this many line pitches free above and below
CONTINUE_STEP = 1.4  # a list item's next line is at most this many pitches below


@dataclass
class Part:
    """One dated part of the letter."""

    page: int
    top: float
    x0: float  # left edge of the metadata block (the body is left of it)
    meta: dict[str, str] = field(default_factory=dict)
    subject: str = ""


def meta_key(line: TextLine) -> tuple[str, str] | None:
    """(key, value) when the line is "Dato: ...", "Sagsnr.: ..." or "Dok.nr.: ..."."""
    head, colon, value = line.raw.partition(":")
    if not colon or len(head.split()) > 2:
        head, _, value = line.raw.partition(" ")
    match = best_match(head, META_KEYS, min_score=META_SCORE)
    value = value.lstrip(":").strip()
    if match is None or not _plausible(match[0], value):
        return None
    if match[0] != META_KEYS[0]:  # a case or document number: from its first digits on
        value = value[re.search(r"\S*\d", value).start() :]  # (a speck read before it goes)
    return match[0], value


def _plausible(key: str, value: str) -> bool:
    """A date for "Dato", a number with digits for the others."""
    return parse_date(value) is not None if key == META_KEYS[0] else bool(re.search(r"\d", value))


def parse_date(text: str) -> dt.date | None:
    """The date in "20-03-2007", "2007-03-20" or "8. marts 2007"; None if there is none."""
    try:
        if m := ISO_DATE.search(text):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := NUMERIC_DATE.search(text):
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if m := WORD_DATE.search(text):
            month = best_match(m.group(2).lower(), MONTHS, min_score=70.0)
            if month is not None:
                return dt.date(int(m.group(3)), MONTHS.index(month[0]) + 1, int(m.group(1)))
    except ValueError:
        return None
    return None


def _parts(lines: Sequence[TextLine]) -> list[Part]:
    """Dated parts in order: each "Dato:" cell opens one; the other keys join it."""
    parts: list[Part] = []
    for line in lines:
        for cell in line.cells():
            found = meta_key(cell)
            if found is None:
                continue
            key, value = found
            if key == META_KEYS[0] or not parts:
                parts.append(Part(line.page, line.top, cell.x0))
            parts[-1].meta.setdefault(key, value)
    return parts


def _subject(lines: Sequence[TextLine], part: Part) -> str:
    """The first line below the part's date, left of its metadata, standing alone (free
    space above and below), of two or more words: the letter's subject."""
    left = [ln.between(-1e9, part.x0) for ln in lines if ln.page == part.page]
    body = [ln for ln in left if ln is not None and ln.top > part.top]
    if not body:
        return ""
    pitch = line_pitch(body)
    for k, ln in enumerate(body):
        free_above = k == 0 or ln.top - body[k - 1].top > ISOLATED * pitch
        free_below = k + 1 == len(body) or body[k + 1].top - ln.top > ISOLATED * pitch
        if free_above and free_below and len(ln.text.split()) >= 2:
            return ln.text
    return ""


def _meta_rows(parts: Sequence[Part], index: int) -> list[dict]:
    return [
        budget_row(
            table_title=META_TABLE,
            table_index=index,
            row=r,
            row_label=part.subject,
            column=key,
            value_text=part.meta.get(key, ""),
            page=part.page,
        )
        for r, part in enumerate(parts)
        for key in META_KEYS
    ]


@dataclass
class LetteredList:
    intro: str
    items: list[tuple[str, list[str]]]  # (letter, lines)
    page: int
    top: float


@dataclass
class _Item:
    start: int  # index of its first line
    end: int  # index after its last line
    marker: str  # the character before ")" as read
    x0: float  # left edge of the enumerator
    lines: list[str]


def _tight(lines: Sequence[TextLine], k: int, pitch: dict[int, float]) -> bool:
    """lines[k] follows lines[k - 1] at paragraph spacing."""
    prev, ln = lines[k - 1], lines[k]
    return ln.page == prev.page and 0 < ln.top - prev.top <= CONTINUE_STEP * pitch[ln.page]


def _intro(lines: Sequence[TextLine], k: int, pitch: dict[int, float]) -> str:
    """The sentence ending right before lines[k] ("De overordnede mål ... er:")."""
    j = k - 1
    while j > 0 and k - j < INTRO_LINES and _tight(lines, j, pitch):
        j -= 1
    text = " ".join(ln.text for ln in lines[max(j, 0) : k])
    return re.split(r"(?<=[.!?])\s+", text)[-1].rstrip(":").strip()


def _items(lines: Sequence[TextLine], pitch: dict[int, float]) -> list[_Item]:
    """Every "x) ..." line with the lines right under it that align with its text."""
    items = []
    k = 0
    while k < len(lines):
        m = LIST_ITEM.match(lines[k].text)
        if m is None:
            k += 1
            continue
        x0 = next((w.x0 for w in lines[k].words if ENUMERATOR.match(w.text_raw)), lines[k].x0)
        item = _Item(k, k + 1, m.group(1), x0, [m.group(2)])
        while item.end < len(lines) and LIST_ITEM.match(lines[item.end].text) is None:
            ln = lines[item.end]
            if not _tight(lines, item.end, pitch) or ln.x0 < x0 - ln.height:
                break
            item.lines.append(ln.text)
            item.end += 1
        items.append(item)
        k = item.end
    return items


def _letters(run: Sequence[_Item]) -> str | None:
    """The run's first letter, read from the markers that are letters in sequence (OCR
    may read "a)" as "3)" or "e)" as "€)"); None when the run is no lettered list."""
    starts = Counter(
        ord(it.marker) - i
        for i, it in enumerate(run)
        if it.marker.isalpha() and it.marker.islower()
    )
    if not starts:
        return None
    start, n = starts.most_common(1)[0]
    return chr(start) if n >= max(2, len(run) / 2) and chr(start).isalpha() else None


def lettered_lists(lines: Sequence[TextLine]) -> list[LetteredList]:
    """Runs of items "a) ...", "b) ...", one right after the other at the same indent;
    each item's wrapped lines are the lines right under it, aligned with its text."""
    pages = {ln.page for ln in lines}
    pitch = {p: line_pitch([ln for ln in lines if ln.page == p]) for p in pages}
    runs: list[list[_Item]] = []
    for item in _items(lines, pitch):
        last = runs[-1][-1] if runs else None
        if last is not None and last.end == item.start and abs(item.x0 - last.x0) < 10:
            runs[-1].append(item)
        else:
            runs.append([item])
    out = []
    for run in runs:
        first = _letters(run)
        if first is None:
            continue
        items = [(chr(ord(first) + i), it.lines) for i, it in enumerate(run)]
        head = lines[run[0].start]
        out.append(LetteredList(_intro(lines, run[0].start, pitch), items, head.page, head.top))
    return out


def _list_rows(lst: LetteredList, index: int, frequency: Callable[[str], float]) -> list[dict]:
    return [
        budget_row(
            table_title=lst.intro,
            table_index=index,
            row=r,
            row_label=f"{letter})",
            column=LIST_COLUMN,
            value_text=join_wrapped(item, frequency),
            page=lst.page,
        )
        for r, (letter, item) in enumerate(lst.items)
    ]


def extract(document: Document, title: str) -> Extraction:
    frequency = Lexicon.load().frequency
    lines = document_lines(document)
    parts = _parts(lines)
    for part in parts:
        part.subject = _subject(lines, part)
    builders: list[tuple[tuple[int, float], Callable[[int], list[dict]]]] = [
        ((t.page, t.top), lambda i, t=t: table_rows(t, i)) for t in read_tables(lines, frequency)
    ]
    builders += [
        ((lst.page, lst.top), lambda i, lst=lst: _list_rows(lst, i, frequency))
        for lst in lettered_lists(lines)
    ]
    builders.sort(key=lambda b: b[0])
    rows = _meta_rows(parts, 0) if parts else []
    for index, (_, build) in enumerate(builders, start=int(bool(parts))):
        rows += build(index)
    first = parts[0] if parts else Part(0, 0.0, 0.0)
    extra: dict[str, object] = {
        "date": parse_date(first.meta.get("Dato", "")),
        "case_no": first.meta.get("Sagsnr.", ""),
        "doc_no": first.meta.get("Dok.nr.", ""),
    }
    return Extraction(
        doc_type="letter",
        title=first.subject or title,
        tables={"budget_tables": rows},
        documents_extra=extra,
    )
