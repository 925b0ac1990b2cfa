"""Extractor for grant-expiry decks (bevillingsudløb): one row per sheet, one per amount.

A sheet is a page with the two column headings ("Beskrivelse af udløb" | "Faglig
vurdering af videreførelse"); above them sit the organisation line, the title (one or
more lines) and "Nr. N" in a smaller font. Below them each column holds sections that
start with a sub-heading ("Indhold i indsatsen:", "Økonomi/ressourcer:", ...). All of it
is found from word positions and fuzzy matches of the printed headings, never from
coordinates of a known deck, so other page sizes, fonts and column widths read the same.
A page without column headings that speaks of "egen ramme" is the divider after which
the grants are financed within the committee's own frame.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.extractors.grant_amounts import amounts
from pipeline.fuzzy import find_phrase, similarity
from pipeline.lexicon import Lexicon
from pipeline.records import Document, Extraction, Line, PageLayout, Word

ORG = "Københavns Kommune"
COLUMN_HEADINGS = ("Beskrivelse af udløb", "Faglig vurdering af videreførelse")
# printed sub-heading -> the field it opens in the left and in the right column
SECTIONS: dict[str, tuple[str | None, str | None]] = {
    "Indhold i indsatsen": ("expiry_content", None),
    "Resultater og erfaringer": ("expiry_results", None),
    "Økonomi/ressourcer": ("expiry_economy", "assessment_economy"),
    "Indhold i justeret indsats": (None, "assessment_content"),
}
COLUMN_FIELDS = (
    ("expiry_content", "expiry_results", "expiry_economy"),
    ("assessment_content", "assessment_economy"),
)
FIELDS = tuple(f for fields in COLUMN_FIELDS for f in fields)
DIVIDER_MARKERS = ("finansieret inden for", "egen ramme")
GROUPS = ("budgetaftale", "egen_ramme")

_HEADING_SCORE = 82.0  # a damaged heading ("Beskrivelse af udlecb") still scores ~90
_MARKER_SCORE = 85.0
_GAP = 1.5  # a gap wider than this many line heights splits a line (column gutter)
_TITLE_SIZE = 0.7  # title lines are set at least this large relative to the largest type
_NR_CHARS = 10  # the "Nr. N" line is short
_NR_LINE = re.compile(r"^N\S{0,3}\s*\d{1,3}\W?$")
_NR_SEARCH = re.compile(r"N\S{0,3}?\s*(\d{1,3})(?!\d)")
_MIN_CONF = 50.0  # a header line read with less mean confidence is specks, not text
_SPECK = 0.4  # letters lower than this share of the usual height (page, line) are specks
_SECTION_GAP = 2.2  # a gap of this many line pitches is where a section heading stood
_PARA_PITCH = 1.18  # a line pitch this much above the usual one starts a paragraph
_BULLETS_SURE = frozenset("•·●○▪■□◦‣⁃∙")
_BULLETS = _BULLETS_SURE | frozenset("*+-–»«©®°¢e")  # and what OCR makes of a bullet
_CONJUNCTIONS = frozenset({"og", "eller", "samt", "el.", "og/eller"})
_LINE_HYPHEN = re.compile(r"[^\W\d_]-$")
_RANGE_BREAK = re.compile(r"\d[-–]$")


# --- segments: the words of one line inside one column -------------------------------


Segment = Line  # a line's words inside one column; Line's median edges ignore a stray speck


def split_at_gaps(words: Sequence[Word]) -> list[Segment]:
    """A line cut where a gap is too wide to be a space: the two columns never mix."""
    if not words:
        return []
    height = statistics.median(w.bottom - w.top for w in words)
    runs: list[list[Word]] = [[words[0]]]
    for prev, word in itertools.pairwise(words):
        if word.x0 - prev.x1 > _GAP * height:
            runs.append([])
        runs[-1].append(word)
    return [Segment(tuple(r)) for r in runs]


def _has_alnum(word: Word) -> bool:
    return any(c.isalnum() for c in word.text_raw)


def page_segments(page: PageLayout) -> list[Segment]:
    """Every segment of the page, top to bottom. Letters in a box far flatter than the
    page's text are specks or a ruling line read as text, and are left out."""
    heights = [w.bottom - w.top for w in page.words if _has_alnum(w)]
    least = _SPECK * statistics.median(heights) if heights else 0.0
    segs = [
        seg
        for block in page.blocks
        for line in block.lines
        for seg in split_at_gaps(
            [w for w in line.words if w.bottom - w.top >= least or not _has_alnum(w)]
        )
    ]
    return sorted(segs, key=lambda s: (s.top, s.x0))


# --- headings ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heading:
    phrase: str
    segment: Segment
    rest: tuple[Word, ...]  # words on the heading's line after it (inline text)


def match_heading(
    seg: Segment, phrases: Iterable[str], min_score: float = _HEADING_SCORE
) -> Heading | None:
    """The phrase the segment starts with, fuzzily; a heading is the whole segment (but
    for stray punctuation) or ends with a colon, so a sentence that merely begins with
    the same words is not one."""
    words = seg.words
    best: tuple[float, str, int] | None = None
    for phrase in phrases:
        n = len(phrase.split())
        for k in range(max(1, n - 1), min(len(words), n + 2) + 1):
            head = " ".join(w.value for w in words[:k])
            if not head.endswith(":") and any(_has_alnum(w) for w in words[k:]):
                continue
            score = similarity(head, phrase)
            if score >= min_score and (best is None or score > best[0]):
                best = (score, phrase, k)
    if best is None:
        return None
    rest = words[best[2] :]
    return Heading(best[1], seg, rest if any(_has_alnum(w) for w in rest) else ())


# --- one sheet -----------------------------------------------------------------------


@dataclass(frozen=True)
class SheetPage:
    """What one sheet page says, before numbers are settled across the deck."""

    page: int
    title: str
    nr_raw: str  # the "Nr. N" line as read ("" when there is none)
    fields: dict[str, str]


def _column_of(seg: Segment, boundary: float) -> int:
    return int(seg.x0 >= boundary)


def _boundary(col_heads: dict[int, Heading], sections: list[Heading], width: float) -> float:
    """x between the columns: halfway between where the two columns start (known from
    the column headings, else from the sub-headings that belong to one column)."""
    starts: list[float | None] = []
    for col in (0, 1):
        xs = [h.segment.x0 for h in sections if SECTIONS[h.phrase][1 - col] is None]
        head = col_heads.get(col)
        starts.append(head.segment.x0 if head else min(xs, default=None))
    left, right = starts
    if left is None or right is None or left >= right:
        return width / 2
    return (left + right) / 2


def _header(segs: list[Segment], top: float) -> tuple[str, str]:
    """(title, Nr line) from the segments above the column headings. The title is set in
    the largest type on the page; "Nr. N" is a line in smaller type, below the title
    unless a deck puts it above. Specks and ruling lines read as text are neither: they
    are read with little confidence or are much smaller than the letters around them."""
    lines = [
        s
        for s in segs
        if s.top + s.height <= top and _has_text(s) and similarity(s.text, ORG) < _HEADING_SCORE
    ]
    confident = [s for s in lines if _confidence(s) >= _MIN_CONF]
    if not confident:
        return "", ""
    tallest = max(_size(s) for s in confident)
    title = [
        s for s in confident if _size(s) >= _TITLE_SIZE * tallest and not looks_like_nr(s.text_raw)
    ] or confident[:1]
    rest = sorted((s for s in lines if s not in title), key=lambda s: s.top < title[-1].top)
    nr = next((s for s in rest if _NR_SEARCH.search(s.text_raw)), None)
    nr = nr or next((s for s in rest if _short(s) and _digits(s.text_raw)), None)
    nr = nr or next((s for s in rest if _short(s)), None)
    words = [
        w
        for s in title
        for w in s.words
        if not _has_alnum(w) or w.bottom - w.top >= _SPECK * s.height
    ]
    return " ".join(t for t in (w.value for w in words) if t), nr.text_raw if nr else ""


def _confidence(seg: Segment) -> float:
    confs = [w.conf for w in seg.words if w.conf is not None]
    return statistics.fmean(confs) if confs else 100.0


def _size(seg: Segment) -> float:
    """The type size a line is set in, as the height of its tallest word."""
    return max((w.bottom - w.top for w in seg.words if _has_alnum(w)), default=0.0)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _has_text(seg: Segment) -> bool:
    return any(_has_alnum(w) for w in seg.words)


def _short(seg: Segment) -> bool:
    return len(seg.text_raw.replace(" ", "")) <= _NR_CHARS


def looks_like_nr(raw: str) -> bool:
    """ "Nr. 12", "Nr3", "NE:5": short, starting like "Nr" and ending in digits."""
    return bool(_NR_LINE.match(raw.strip()))


def read_sheet(page: PageLayout, lexicon: Lexicon) -> SheetPage | None:
    """The sheet on the page, or None when the page is not a sheet."""
    segs = page_segments(page)
    col_heads: dict[int, Heading] = {}
    for i, phrase in enumerate(COLUMN_HEADINGS):
        found = [h for s in segs if (h := match_heading(s, (phrase,)))]
        if found:
            col_heads[i] = found[0]
    sections = [h for s in segs if (h := match_heading(s, SECTIONS))]
    if not col_heads and not sections:
        return None
    heads_top = min(h.segment.top for h in [*col_heads.values(), *sections])
    title, nr = _header(segs, heads_top)
    boundary = _boundary(col_heads, sections, page.width)
    heading_segs = {id(h.segment) for h in [*col_heads.values(), *sections]}
    fields = dict.fromkeys(FIELDS, "")
    for col in (0, 1):
        col_sections = [h for h in sections if _column_of(h.segment, boundary) == col]
        body = [
            s
            for s in segs
            if s.top > heads_top and id(s) not in heading_segs and _column_of(s, boundary) == col
        ]
        fields.update(_column_fields(col, col_sections, body, lexicon))
    return SheetPage(page.page, title, nr, fields)


def _column_fields(
    col: int, sections: list[Heading], body: list[Segment], lexicon: Lexicon
) -> dict[str, str]:
    """Each section's text: the body segments between its heading and the next one.

    A heading the OCR lost leaves its section's text under the heading before it (or
    above the first heading found), after the wide gap where the heading stood: such a
    run is cut at its widest gaps into the sections the column should have there."""
    if not sections:
        return {}
    geometry = ColumnGeometry.of(sections, body)
    expected = COLUMN_FIELDS[col]
    ordered = sorted(sections, key=lambda h: h.segment.top)
    found = [_field(h.phrase, col) for h in ordered]
    runs: list[tuple[tuple[str, ...], list[Segment]]] = []
    orphans = [s for s in body if s.top < ordered[0].segment.top]
    if orphans and found[0] in expected:
        runs.append((expected[: max(1, expected.index(found[0]))], orphans))
    for k, head in enumerate(ordered):
        lower = ordered[k + 1].segment.top if k + 1 < len(ordered) else float("inf")
        segs = [Segment(head.rest)] if head.rest else []
        segs += [s for s in body if head.segment.top < s.top < lower]
        runs.append((_fields_until(found[k], found[k + 1 : k + 2], expected), segs))
    out: dict[str, str] = {}
    for fields, segs in runs:
        for field, part in zip(fields, cut_at_gaps(segs, len(fields), geometry), strict=False):
            text = paragraphs(part, geometry, lexicon)
            out[field] = f"{out[field]}\n{text}".strip() if out.get(field) else text
    return out


def _fields_until(field: str, following: list[str], expected: tuple[str, ...]) -> tuple[str, ...]:
    """The field a heading opens and those whose headings are missing before the next."""
    if field not in expected:
        return (field,)
    start = expected.index(field)
    stop = expected.index(following[0]) if following and following[0] in expected else None
    if stop is None or stop <= start:
        stop = len(expected) if not following else start + 1
    return expected[start:stop]


def cut_at_gaps(segs: list[Segment], parts: int, geo: ColumnGeometry) -> list[list[Segment]]:
    """The segments cut at their parts - 1 widest gaps that could hold a lost heading."""
    segs = sorted(segs, key=lambda s: s.top)
    gaps = [
        (b.top - a.top, i + 1)
        for i, (a, b) in enumerate(itertools.pairwise(segs))
        if geo.pitch and b.top - a.top > _SECTION_GAP * geo.pitch
    ]
    cuts = sorted(i for _, i in sorted(gaps, reverse=True)[: parts - 1])
    bounds = [0, *cuts, len(segs)]
    return [segs[a:b] for a, b in itertools.pairwise(bounds)]


def _field(phrase: str, col: int) -> str:
    """The field a heading opens: by its column, or its own column's when misplaced."""
    fields = SECTIONS[phrase]
    return fields[col] or next(f for f in fields if f)


# --- paragraphs ----------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnGeometry:
    """Where a column's lines start and end and how far apart they usually are."""

    left: float
    right: float
    pitch: float
    height: float

    @classmethod
    def of(cls, headings: list[Heading], body: list[Segment]) -> ColumnGeometry:
        segs = sorted([*(h.segment for h in headings), *body], key=lambda s: s.top)
        pitches = [b.top - a.top for a, b in itertools.pairwise(segs)]
        height = statistics.median(s.height for s in segs)
        return cls(
            left=statistics.median(h.segment.x0 for h in headings),
            right=max(s.x1 for s in segs),
            pitch=statistics.median(p for p in pitches if p > 0.5 * height) if pitches else 0.0,
            height=height,
        )


def bullet_glyph(seg: Segment) -> str:
    """The lone glyph a list item's first line starts with ("" when none): a small mark
    followed by text that starts a sentence."""
    words = seg.words
    if len(words) < 2:
        return ""
    glyph, first = words[0].text_raw, words[1].value
    small = words[0].x1 - words[0].x0 < 0.9 * (words[1].bottom - words[1].top)
    starts = first[:1].isupper() or first[:1].isdigit()
    return glyph if len(glyph) == 1 and glyph in _BULLETS and small and starts else ""


def _starts_paragraph(prev: Segment, seg: Segment, geo: ColumnGeometry, in_item: bool) -> bool:
    """A new paragraph or list item: a bullet, a change of indentation, extra space above,
    or a line before it that had room for this line's first word. A dash or a bullet that
    OCR turned into "+" or "e" only counts as a bullet when one of the others holds."""
    if bullet_glyph(seg) in _BULLETS_SURE:
        return True
    indent = seg.x0 - geo.left > 0.5 * geo.height
    if in_item != indent:
        return True  # back at the margin after a list item, or a list item without glyph
    if geo.pitch and seg.top - prev.top > _PARA_PITCH * geo.pitch:
        return True
    first = seg.words[1] if bullet_glyph(seg) else seg.words[0]
    room = geo.right - prev.x1 - 0.3 * geo.height  # after a space
    return first.x1 - first.x0 < room - 0.5 * geo.height  # the word would have fitted


def paragraphs(segs: Sequence[Segment], geo: ColumnGeometry, lexicon: Lexicon) -> str:
    """One paragraph or list item per line, line-end hyphenation undone."""
    paras: list[list[str]] = []
    in_item = False
    prev: Segment | None = None
    for seg in sorted(segs, key=lambda s: s.top):
        if prev is None or _starts_paragraph(prev, seg, geo, in_item):
            bullet = bool(bullet_glyph(seg))
            in_item = bullet or seg.x0 - geo.left > 0.5 * geo.height
            words = [w.value for w in (seg.words[1:] if bullet else seg.words)]
            paras.append(["•", *words] if in_item else words)
        else:
            paras[-1] = join_words(paras[-1], [w.value for w in seg.words], lexicon)
        prev = seg
    return "\n".join(" ".join(w for w in p if w) for p in paras)


def join_words(line: list[str], nxt: list[str], lexicon: Lexicon) -> list[str]:
    """Join a wrapped line to the next; a word broken by a hyphen at the line end is
    mended when its first part is no word on its own and the joined word is one
    ("beskæf-" + "tigelse"); "leverandør-" before "og" keeps its hyphen and space, and a
    range of years broken after its dash is closed up again."""
    nxt = [w for w in nxt if w]
    if not line or not nxt:
        return [*line, *nxt]
    if _RANGE_BREAK.search(line[-1]) and nxt[0][:1].isdigit():  # "2027-" + "2030"
        return [*line[:-1], line[-1] + nxt[0], *nxt[1:]]
    if not _LINE_HYPHEN.search(line[-1]):
        return [*line, *nxt]
    stem, tail = line[-1][:-1], nxt[0]
    if tail[:1].islower() and tail.lower() not in _CONJUNCTIONS:
        joined = stem + tail
        if not lexicon.is_word(stem) and lexicon.is_word(joined):
            return [*line[:-1], joined, *nxt[1:]]
    return [*line, *nxt]


# --- the deck ------------------------------------------------------------------------


def is_divider(page: PageLayout) -> bool:
    text = page.text
    return all(find_phrase(text, m, min_score=_MARKER_SCORE) for m in DIVIDER_MARKERS)


def read_nr(raw: str) -> int | None:
    """The number of a "Nr. N" line as printed; damaged digits are not guessed."""
    found = _NR_SEARCH.search(raw)
    digits = found.group(1) if found else _digits(raw)
    return int(digits) if 0 < len(digits) <= 3 else None


def increasing(values: Sequence[int | None]) -> list[int | None]:
    """Keep the longest strictly increasing run of read numbers; a number that breaks the
    deck's order was misread and is inferred like an unreadable one."""
    idx = [i for i, v in enumerate(values) if v is not None]
    best: list[list[int]] = []
    for i in idx:
        chains = [c for c in best if values[c[-1]] < values[i]]  # type: ignore[operator]
        best.append([*max(chains, key=len, default=[]), i])
    keep = set(max(best, key=len, default=[]))
    return [v if i in keep else None for i, v in enumerate(values)]


def infer_numbers(values: Sequence[int | None]) -> list[tuple[int, bool]]:
    """(number, inferred) per sheet: the deck is numbered upwards, so an unread number is
    the next one after its predecessor, or the one before its successor for the first
    sheets. Where more numbers than sheets fit between two that were read, which ones
    are missing from the deck cannot be known: the lowest free ones are taken."""
    out: list[tuple[int, bool]] = []
    for i, v in enumerate(values):
        if v is not None:
            out.append((v, False))
        elif out:
            out.append((out[-1][0] + 1, True))
        else:
            after = next(((j, w) for j, w in enumerate(values) if w is not None), None)
            out.append((after[1] - (after[0] - i) if after else i + 1, True))
    return out


_VIDERE = r"videre\s?f\S{1,3}r"  # videreføres, videreført, videreførelse; OCR-damaged too
_VERDICT = re.compile(_VIDERE, re.IGNORECASE)
_CLAUSE_END = re.compile(r"(?<=[.!?:])\s+|\n")
CATEGORY_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("discontinue", rf"\bikke\b(?:\s+\w+){{0,3}}\s+{_VIDERE}|\bophører\b|\bafvikles\b"),
        ("conditional", r"\bkun\b.{0,80}?\b(?:hvis|s\S?fremt|forudsat|n\S?r)\b"),
        (
            "continue_adjusted",
            r"\bmed\s+(?:\w+\s+){0,2}justering|\bjusteret\b|\bjusteres\b"
            r"|\b(?:reduceret|nedskaleret|udvidet|tilpasset|ændret)\s+(?:form|omfang)\b",
        ),
        ("conditional", r"\b(?:s\S?fremt|hvis|forudsat)\b"),
        ("continue_unchanged", rf"u\S{{1,2}}ndret|uden\s+justering|{_VIDERE}"),
    )
)


def assessment_category(content: str) -> str:
    """The recommendation, by the first rule that holds for the sentence that says
    whether the grant is continued (the first one speaking of "videreføre")."""
    if not content.strip():
        return "pending"
    clauses = [c for c in _CLAUSE_END.split(content) if c.strip()]
    verdict = next((c for c in clauses if _VERDICT.search(c)), content)
    return next((name for name, rule in CATEGORY_RULES if rule.search(verdict)), "pending")


def extract(document: Document, title: str) -> Extraction:
    lexicon = Lexicon.load()
    group = GROUPS[0]
    sheets: list[tuple[SheetPage, str]] = []
    for page in document.pages:
        sheet = read_sheet(page, lexicon)
        if sheet is not None:
            sheets.append((sheet, group))
        elif is_divider(page):
            group = GROUPS[1]
    numbers = infer_numbers(increasing([read_nr(s.nr_raw) for s, _ in sheets]))
    grants: list[dict] = []
    amount_rows: list[dict] = []
    for (sheet, grp), (nr, inferred) in zip(sheets, numbers, strict=True):
        f = sheet.fields
        grants.append(
            {
                "sheet_no": nr,
                "sheet_no_inferred": inferred,
                "title": sheet.title,
                "grp": grp,
                **f,
                "assessment_category": assessment_category(f["assessment_content"]),
                "page": sheet.page,
            }
        )
        for section, field in (("expiry", "expiry_economy"), ("assessment", "assessment_economy")):
            amount_rows += [
                {"sheet_no": nr, "section": section, **a.row()} for a in amounts(f[field])
            ]
    return Extraction(
        doc_type="grant_expiry",
        title=title,
        tables={"grant_expiry": grants, "grant_amounts": amount_rows},
    )
