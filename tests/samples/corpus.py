"""Parse the corpus texts (../shared/corpus) into frozen dataclasses.

Shared block types live here; the two documents with real table structure have their own
modules (corpus_accounts, corpus_note). The parsers read structure from the text (line
shapes, blank lines, tabs), never from lists of expected row names.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CORPUS_ENV = "SAMPLES_CORPUS"


def corpus_dir() -> Path:
    """The corpus folder: $SAMPLES_CORPUS, else ../shared/corpus next to the repository."""
    env = os.environ.get(CORPUS_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "corpus"


def read_text(name: str, root: Path | None = None) -> str:
    return ((root or corpus_dir()) / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# Block types shared by the prose documents
# ---------------------------------------------------------------------------

BULLET_MARKERS = ("\uf0b7", "•")


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 0 document title, 1 section, 2 sub-section, 3 minor heading


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; `lines` are the source's own line breaks (kept when they fit)."""

    lines: tuple[str, ...]
    continued: bool = False  # continues the previous page's block (page break mid-text)
    indent: bool = False  # continuation of a bullet: render with the bullet's indent


@dataclass(frozen=True)
class Bullet:
    lines: tuple[str, ...]  # text without the marker
    marker: str = "•"


Block = Heading | Paragraph | Bullet


# ---------------------------------------------------------------------------
# Small text helpers used by all parsers
# ---------------------------------------------------------------------------

NUMBER_RE = re.compile(r"^-?\d{1,3}(?:\.\d{3})*(?:,\d+)?$")
YEAR_RE = re.compile(r"^(?:19|20)\d\d$")


def is_number(token: str) -> bool:
    """A Danish-formatted amount (1.100.691, -1.742, 12,5, 0); bare years are not."""
    return bool(NUMBER_RE.match(token))


def split_trailing_numbers(line: str) -> tuple[str, list[str]]:
    """Split 'label 1 2 3' into ('label', ['1', '2', '3']); the label keeps its spacing."""
    spans = list(re.finditer(r"\S+", line))
    k = len(spans)
    while k > 0 and is_number(spans[k - 1].group()):
        k -= 1
    if k == len(spans):
        return line.strip(), []
    return line[: spans[k].start()].strip(), [m.group() for m in spans[k:]]


def is_blank(line: str) -> bool:
    return not line.strip()


# ---------------------------------------------------------------------------
# Grant-expiry sheets (bevillingsudløb)
# ---------------------------------------------------------------------------

GRANT_FIELDS = (
    "expiry_content",
    "expiry_results",
    "expiry_economy",
    "assessment_content",
    "assessment_economy",
)


@dataclass(frozen=True)
class GrantSheet:
    """One sheet; field values hold one paragraph or list item per line."""

    nr: int
    title: str
    group: str  # budgetaftale | egen_ramme
    expiry_content: str
    expiry_results: str
    expiry_economy: str
    assessment_content: str
    assessment_economy: str
    assessment_category: str

    @property
    def is_pending(self) -> bool:
        return all(not getattr(self, f).strip() for f in GRANT_FIELDS)


def load_sheets(root: Path | None = None) -> tuple[GrantSheet, ...]:
    """All sheet_NN.json transcriptions, ordered by sheet number."""
    folder = (root or corpus_dir()) / "bevillingsudloeb"
    sheets = []
    for path in sorted(folder.glob("sheet_*.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        sheets.append(
            GrantSheet(
                nr=int(d["nr"]),
                title=d["title"],
                group=d["group"],
                assessment_category=d["assessment_category"],
                **{f: d[f] for f in GRANT_FIELDS},
            )
        )
    return tuple(sorted(sheets, key=lambda s: s.nr))


# ---------------------------------------------------------------------------
# Hensigtserklæringer (Bilag 3): two-column table, original line breaks kept
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IntentionRow:
    title_lines: tuple[str, ...]
    text_lines: tuple[str, ...]


@dataclass(frozen=True)
class IntentionsDoc:
    header_lines: tuple[str, ...]  # the department block at the top
    annex: str  # "Bilag 3"
    title: str  # "Hensigtserklæringer"
    column_headers: tuple[str, str]
    rows: tuple[IntentionRow, ...]


_SENTENCE_END = (".", "!", "?")


def parse_intentions(text: str) -> IntentionsDoc:
    """Split the column-by-column text into rows.

    The extraction gives each row's title lines, then its text lines. The title column is
    narrow, so a title line is short; the text column is wide, so the text starts at the
    first long line. A new row starts with a short line after a line that ends a sentence.
    """
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    header_idx = next(i for i, ln in enumerate(lines) if len(ln.split()) == 2 and i > 2)
    pre = [ln.strip() for ln in lines[:header_idx]]
    annex = next(ln for ln in pre if re.match(r"^Bilag \d+$", ln))
    title = pre[-1]
    header_lines = tuple(ln for ln in pre if ln not in (annex, title))
    c1, c2 = lines[header_idx].split()
    body = [ln.strip() for ln in lines[header_idx + 1 :]]

    # the title column's width: the longest line that is followed by a text start
    wide = max(len(ln) for ln in body)
    short_limit = 0.66 * wide  # title lines (<= ~31 chars) vs text lines (~50 chars)

    rows: list[IntentionRow] = []
    title_lines: list[str] = []
    text_lines: list[str] = []
    in_text = False
    prev = ""
    for ln in body:
        starts_row = (
            in_text
            and len(ln) <= short_limit
            and prev.endswith(_SENTENCE_END)
            and not ln[:1].islower()
        )
        if starts_row:
            rows.append(IntentionRow(tuple(title_lines), tuple(text_lines)))
            title_lines, text_lines, in_text = [], [], False
        if not in_text and len(ln) > short_limit:
            in_text = True
        (text_lines if in_text else title_lines).append(ln)
        prev = ln
    rows.append(IntentionRow(tuple(title_lines), tuple(text_lines)))
    return IntentionsDoc(tuple(header_lines), annex, title, (c1, c2), tuple(rows))


# ---------------------------------------------------------------------------
# The 2007 letter + guidelines
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormRow:
    cells: tuple[str, ...]  # tab-separated cells; "" = empty cell to fill in


@dataclass(frozen=True)
class Form:
    """A boxed grid: the status forms (label | empty) and Tabel 1 (label | years...)."""

    rows: tuple[FormRow, ...]


@dataclass(frozen=True)
class ListItem:
    text: str
    marker: str  # "-", "1.", ...


LetterBlock = Heading | Paragraph | ListItem | Form


@dataclass(frozen=True)
class LetterPart:
    """One dated document: metadata block, subject, body blocks."""

    meta: tuple[tuple[str, str], ...]  # (("Dato", "20-03-2007"), ...)
    initials: str  # e.g. "/lvb", "" if none
    subject: str
    blocks: tuple[LetterBlock, ...]


@dataclass(frozen=True)
class LetterDoc:
    letterhead: tuple[str, ...]  # KØBENHAVNS KOMMUNE / forvaltning / afdeling
    recipients: tuple[str, ...]
    sidebar: tuple[tuple[str, ...], ...]  # address/telephone groups for the right margin
    closing: tuple[str, ...]  # "Venlig hilsen", name, title
    parts: tuple[LetterPart, ...]


_META_RE = re.compile(r"^(Dato|Sagsnr\.|Dok\.nr\.):\s*(.+)$")


def _groups(lines: list[str]) -> Iterator[list[str]]:
    """Blank-line separated groups of stripped lines (tabs kept)."""
    cur: list[str] = []
    for ln in lines:
        if is_blank(ln):
            if cur:
                yield cur
            cur = []
        else:
            cur.append(ln.rstrip("\n").rstrip(" "))
    if cur:
        yield cur


def _letter_blocks(groups: list[list[str]]) -> list[LetterBlock]:
    """Classify blank-separated groups: tab rows = forms, '-'/'1.' = list items or
    numbered headings (a capital after the number), short unpunctuated lines = headings."""
    blocks: list[LetterBlock] = []
    for g in groups:
        if all("\t" in ln for ln in g):
            rows = tuple(FormRow(tuple(c.strip() for c in ln.split("\t"))) for ln in g)
            blocks.append(Form(rows))
            continue
        for ln in g:
            m = re.match(r"^(-|\d+\.)\s+(.*)$", ln)
            if m and (m.group(1) == "-" or m.group(2)[:1].islower()):
                blocks.append(ListItem(m.group(2), m.group(1)))
            elif m:
                blocks.append(Heading(ln, 2))  # "1. Status for målopfyldelse ..."
            elif len(ln.split()) <= 6 and not ln.endswith((".", ":", ",")) and len(g) == 1:
                blocks.append(Heading(ln, 2))
            elif ln[:1].islower() and blocks and isinstance(blocks[-1], Paragraph):
                blocks[-1] = Paragraph((f"{blocks[-1].lines[0]} {ln}",))  # split sentence
            else:
                blocks.append(Paragraph((ln,)))
    # a short 'heading' that leads into a list is a sentence; a line introducing a form
    # is the form's title
    for i, b in enumerate(blocks[:-1]):
        nxt = blocks[i + 1]
        if isinstance(b, Heading) and isinstance(nxt, ListItem):
            blocks[i] = Paragraph((b.text,))
        elif isinstance(b, Paragraph | Heading) and isinstance(nxt, Form):
            text = b.text if isinstance(b, Heading) else b.lines[0]
            if not text.endswith("."):
                blocks[i] = Heading(text, 3)
    return blocks


def parse_letter(text: str) -> LetterDoc:
    """Letter (letterhead, recipients, meta, body, sidebar, closing) + guidelines part.

    Structure cues: the letterhead is the first group; recipients are the next group of
    'Name, ABBR' lines; each part starts at a 'Dato:' line; the sidebar repeats the
    letterhead's last line (the department) and ends at the web address; the closing is
    'Venlig hilsen' and the two lines of the signature.
    """
    groups = list(_groups(text.splitlines()))
    head = groups[0] + groups[1]  # "KØBENHAVNS KOMMUNE" / forvaltning + afdeling
    recipients = groups[2]
    rest = groups[3:]

    # split into parts at each group starting with 'Dato:'
    part_groups: list[list[list[str]]] = []
    for g in rest:
        if _META_RE.match(g[0]) and g[0].startswith("Dato"):
            part_groups.append([])
        part_groups[-1].append(g)

    sidebar: list[tuple[str, ...]] = []
    closing: list[str] = []
    parts: list[LetterPart] = []
    department = head[-1]
    for pg in part_groups:
        meta: list[tuple[str, str]] = []
        initials = ""
        k = 0
        while k < len(pg) and (_META_RE.match(pg[k][0]) or pg[k][0].startswith("/")):
            m = _META_RE.match(pg[k][0])
            if m:
                meta.append((m.group(1), m.group(2)))
            else:
                initials = pg[k][0]
            k += 1
        subject = pg[k][0]
        body = pg[k + 1 :]
        # sidebar: from a group equal to the department to the web address
        if any(g == [department] for g in body):
            s = next(i for i, g in enumerate(body) if g == [department])
            e = next(i for i, g in enumerate(body) if g[0].startswith("www."))
            sidebar = [tuple(g) for g in body[s : e + 1]]
            body = body[:s] + body[e + 1 :]
        # closing: 'Venlig hilsen' + signature group
        for i, g in enumerate(body):
            if g[0].startswith("Venlig hilsen"):
                closing = [g[0], *body[i + 1]]
                body = body[:i]
                break
        parts.append(LetterPart(tuple(meta), initials, subject, tuple(_letter_blocks(body))))
    return LetterDoc(tuple(head), tuple(recipients), tuple(sidebar), tuple(closing), tuple(parts))
