"""The review report: one static HTML page showing what OCR, the corrector and the checks did,
so a reviewer can judge a batch before trusting its numbers.

Per document: its pages (text layer or OCR, quality, confidence), the failed validations
with a crop of the page around the offending row, the corrections with before/after
highlighted, and the grant sheets whose number was inferred. The page is self-contained
(images embedded as base64 PNG, inline CSS, no scripts) and forbids itself any network
access through its Content-Security-Policy.

The HTML is built from plain rows by pure functions (`locate` with `locate_row` and
`sheet_head`, `correction_groups`, `document_section`, `report_html`); reading the output
folder and rendering page regions (pypdfium2, through pipeline/pdf.py) happen only in
`write_report` and `render_crops`.
"""

from __future__ import annotations

import base64
import difflib
import html
import io
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import pdf
from pipeline.errors import PipelineError, UsageError
from pipeline.fuzzy import similarity
from pipeline.ingest import sha256_of
from pipeline.numbers import format_number, parse_number
from pipeline.records import BBox, union_bbox
from pipeline.write import Store

Row = dict
CROP_DPI = 150
LOW_CONFIDENCE = 70.0  # mean OCR confidence below which a page is flagged
MIN_ROW_SCORE = 75.0  # fuzzy similarity (0-100) a line needs to be taken as a check's row
SHEET_HEAD_SHARE = 0.3  # top share of a sheet page shown for an inferred number
_SEPARATORS = re.compile(r"\s+[/>|–]\s+|:\s+")
_NOT_PRINTED = re.compile(r"\[[^\]]*\]|#\d+|\S*_\S*")  # [2018], #1, korrigeret_udgift


@dataclass(frozen=True)
class Region:
    """A part of a page to show, and the boxes to mark inside it (PDF points)."""

    page: int
    box: BBox
    marks: tuple[BBox, ...] = ()


@dataclass(frozen=True)
class Crop:
    """A rendered region: the PNG bytes and the marks as fractions of the image."""

    png: bytes
    marks: tuple[BBox, ...]


@dataclass(frozen=True)
class DocumentData:
    """One document's rows of the tables the report reads."""

    document: Row
    pages: tuple[Row, ...]
    words: tuple[Row, ...]
    validations: tuple[Row, ...]
    corrections: tuple[Row, ...]
    grant_sheets: tuple[Row, ...]
    errors: tuple[Row, ...]

    @property
    def failed(self) -> tuple[Row, ...]:
        return tuple(v for v in self.validations if not v["ok"])

    @property
    def inferred(self) -> tuple[Row, ...]:
        return tuple(s for s in self.grant_sheets if s["sheet_no_inferred"])

    @property
    def n_findings(self) -> int:
        return len(self.failed) + len(self.inferred) + len(self.errors)


@dataclass(frozen=True)
class CorrectionGroup:
    """The same change made n times in a document, with one place it was made."""

    token_raw: str
    token: str
    rule: str
    count: int
    pages: tuple[int, ...]
    mean_score: float
    line_raw: str  # the first line it was made in, as read ("" when not found)
    line: str  # the same line corrected


# --- locating things on a page (pure) -------------------------------------------------


def _lines(words: Iterable[Row]) -> dict[tuple[int, int], list[Row]]:
    """Words of one page grouped into their (block, line), left to right."""
    lines: dict[tuple[int, int], list[Row]] = defaultdict(list)
    for w in words:
        lines[(w["block"], w["line"])].append(w)
    return {k: sorted(v, key=lambda w: w["word"]) for k, v in sorted(lines.items())}


def _box(words: Sequence[Row]) -> BBox:
    return union_bbox([(w["x0"], w["top"], w["x1"], w["bottom"]) for w in words])


def _label(words: Sequence[Row]) -> str:
    """A line's text without its numbers: the row label of a table row."""
    return " ".join(w["text"] for w in words if w["text"] and parse_number(w["text_raw"]) is None)


def _phrases(subject: str) -> list[str]:
    """What of the subject may be printed on the row: all of it and each part of a path
    ("Service / Jobcentre: afvigelse_netto"), less column names, [columns] and #indexes."""
    parts = [subject, *_SEPARATORS.split(subject)]
    cleaned = (" ".join(_NOT_PRINTED.sub(" ", p).split()) for p in parts)
    return list(dict.fromkeys(p for p in cleaned if p))


def _alike(phrase: str, label: str, following: str) -> float:
    """How much a line's label reads as the phrase: all of it, continued on the next line
    (a wrapped label), or its first words (a row label followed by other text cells)."""
    start = " ".join(label.split()[: len(phrase.split())])
    return max(similarity(phrase, text) for text in (label, f"{label} {following}", start))


def _band(words: Sequence[Row], top: float, bottom: float) -> list[Row]:
    """Every word of the page whose middle lies between top and bottom (all columns)."""
    return [w for w in words if top <= (w["top"] + w["bottom"]) / 2 <= bottom]


def _numbers_in(words: Iterable[Row], values: Iterable[float | None]) -> list[Row]:
    wanted = [v for v in values if v is not None]
    return [
        w
        for w in words
        if (n := parse_number(w["text_raw"])) is not None and any(abs(n - v) < 1e-6 for v in wanted)
    ]


def locate_row(words: Sequence[Row], subject: str, values: Sequence[float | None]) -> Region | None:
    """The row of a table a check is about: of the lines whose label is like the subject
    (a wrapped label may continue on the next line), one that prints a number of the check,
    then the most alike, then the one naming the most specific part of the subject (the
    last of "Service / Jobcentre"). The region spans the page's text width, so the row's
    cells are in it, and the lines just above and below, for context."""
    if not words:
        return None
    lines = list(_lines(words).values())
    phrases = _phrases(subject)
    best: tuple[tuple[bool, float, int], list[Row]] | None = None
    for line, after in zip(lines, [*lines[1:], []], strict=True):
        label = _label(line)
        if not label:
            continue
        score, part = max((_alike(p, label, _label(after)), k) for k, p in enumerate(phrases))
        if score < MIN_ROW_SCORE:
            continue
        # a row's numbers are on its line, or on the next when the label heads a group
        below = after if after and after[0]["block"] == line[0]["block"] else line
        hits = bool(_numbers_in(_band(words, _box(line)[1], _box(below)[3]), values))
        if best is None or (hits, score, part) > best[0]:
            best = ((hits, score, part), line)
    if best is None:
        return None
    _, top, _, bottom = _box(best[1])
    band = _band(words, top, bottom)
    context = _with_neighbours(words, _box(band))
    cells = _numbers_in(band, values) or _numbers_in(_band(words, context[1], context[3]), values)
    marks = [_box(band)] + [_box([w]) for w in cells]
    return _region(words, best[1][0]["page"], context, marks)


def _with_neighbours(words: Sequence[Row], box: BBox) -> BBox:
    """The box grown to the whole lines just above and below it."""
    x0, top, x1, bottom = box
    reach = 2 * (bottom - top)
    middles = [((w["top"] + w["bottom"]) / 2, w) for w in words]
    above = [w["top"] for m, w in middles if top - reach <= m < top]
    below = [w["bottom"] for m, w in middles if bottom < m <= bottom + reach]
    return (x0, min(above, default=top), x1, max(below, default=bottom))


def _region(words: Sequence[Row], page: int, focus: BBox, marks: Sequence[BBox]) -> Region:
    """focus widened to the page's text width, with a small margin all round."""
    x0, _, x1, _ = _box(words)
    return Region(page, (x0 - 6, focus[1] - 6, x1 + 6, focus[3] + 6), tuple(marks))


def sheet_head(words: Sequence[Row], page: int, height: float) -> Region | None:
    """The top of a grant sheet's page, where its title and number ("Nr. N") are printed."""
    head = [w for w in words if w["bottom"] <= height * SHEET_HEAD_SHARE]
    if not head:
        return None
    return _region(words, page, _box(head), ())


# --- corrections (pure) ---------------------------------------------------------------


def _context(words_by_page: Mapping[int, list[list[Row]]], c: Row) -> tuple[str, str]:
    """The first line on the correction's page holding its raw token(s): raw and corrected."""
    needle = c["token_raw"].split()
    for line in words_by_page.get(c["page"], []):
        raw = [w["text_raw"] for w in line]
        for i in range(len(raw) - len(needle) + 1):
            if raw[i : i + len(needle)] == needle:
                corrected = " ".join(w["text"] for w in line if w["text"])
                return " ".join(raw), corrected
    return "", ""


def correction_groups(corrections: Sequence[Row], words: Sequence[Row]) -> list[CorrectionGroup]:
    """Corrections grouped by change, most frequent first, each with an example line."""
    by_page: dict[int, list[Row]] = defaultdict(list)
    for w in words:
        by_page[w["page"]].append(w)
    lines = {page: list(_lines(ws).values()) for page, ws in by_page.items()}
    groups: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for c in corrections:
        groups[(c["token_raw"], c["token"], c["rule"])].append(c)
    out = []
    for (raw, token, rule), rows in groups.items():
        line_raw, line = _context(lines, rows[0])
        out.append(
            CorrectionGroup(
                token_raw=raw,
                token=token,
                rule=rule,
                count=len(rows),
                pages=tuple(sorted({r["page"] for r in rows})),
                mean_score=statistics.fmean(r["score"] for r in rows),
                line_raw=line_raw,
                line=line,
            )
        )
    return sorted(out, key=lambda g: (-g.count, g.token_raw.lower(), g.token))


def _visible(text: str) -> str:
    """Escaped, with spaces shown, so a split ("tilde" -> "til de") can be seen."""
    return html.escape(text).replace(" ", "␣")


def diff_markup(before: str, after: str) -> tuple[str, str]:
    """Escaped before/after with the characters taken out (<del>) and put in (<ins>)."""
    left, right = [], []
    for op, a0, a1, b0, b1 in difflib.SequenceMatcher(None, before, after).get_opcodes():
        if op == "equal":
            left.append(html.escape(before[a0:a1]))
            right.append(html.escape(after[b0:b1]))
            continue
        if a1 > a0:
            left.append(f"<del>{_visible(before[a0:a1])}</del>")
        if b1 > b0:
            right.append(f"<ins>{_visible(after[b0:b1])}</ins>")
    return "".join(left), "".join(right)


def _highlight(line: str, token: str, tag: str) -> str:
    """The escaped line with the first occurrence of token wrapped in tag."""
    start = line.find(token) if token else -1
    if start < 0:
        return html.escape(line)
    end = start + len(token)
    return (
        f"{html.escape(line[:start])}<{tag}>{html.escape(token)}</{tag}>{html.escape(line[end:])}"
    )


# --- HTML (pure) ----------------------------------------------------------------------

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 margin:0;color:#1d2430;background:#f4f5f7}
header{background:#1d2b45;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px} header p{margin:0;color:#c8d2e6}
main{padding:18px 28px;max-width:1400px}
section.doc{background:#fff;border:1px solid #d9dde5;border-radius:8px;padding:14px 20px;
 margin:18px 0}
h2{font-size:18px;margin:4px 0} h3{font-size:15px;margin:18px 0 6px}
.meta{color:#5a6478;font-size:12px;margin-bottom:6px}
table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}
th,td{border-bottom:1px solid #e3e6ec;padding:3px 10px;text-align:left;vertical-align:top}
th{background:#eef1f6;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;font-weight:600}
.text{background:#dfeee2;color:#1f5e2e} .ocr{background:#fbe8cf;color:#8a4b00}
.bad{background:#fbd9d9;color:#8f1c1c}
.bar{display:inline-block;height:8px;background:#4f7cc4;border-radius:4px;margin-right:6px}
.bar.low{background:#d0632b}
del{background:#f8c9c9;text-decoration:line-through;color:#8f1c1c}
ins{background:#c9eccf;text-decoration:none;color:#14532d}
.crop{position:relative;display:inline-block;border:1px solid #c9ced8;margin:4px 0}
.crop img{display:block;max-width:100%} .crop span{position:absolute;box-sizing:border-box}
.crop span.row{background:rgba(255,214,0,.18);border:1px solid rgba(214,160,0,.9)}
.crop span.cell{border:2px solid #d62728}
.finding{border-left:4px solid #d62728;padding:2px 12px;margin:10px 0}
.note{color:#5a6478;font-style:italic}
summary{cursor:pointer;font-weight:600;margin:10px 0 4px}
"""

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: float | None) -> str:
    """Danish format with the decimals it needs (at most three): "-1.742", "0,5", "0,05"."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return format_number(value)
    return format_number(value, decimals=3).rstrip("0").rstrip(",")


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int]) -> str:
    """A table from pre-escaped cells; the columns in numeric are right-aligned."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def crop_html(crop: Crop | None, alt: str) -> str:
    """The embedded image with its marks overlaid as positioned boxes (no script)."""
    if crop is None:
        return '<p class="note">Page image not available (row not located or PDF missing).</p>'
    spans = "".join(
        f'<span class="{"row" if i == 0 else "cell"}" style="left:{x0:.2%};top:{t:.2%};'
        f'width:{x1 - x0:.2%};height:{b - t:.2%}"></span>'
        for i, (x0, t, x1, b) in enumerate(crop.marks)
    )
    data = base64.b64encode(crop.png).decode("ascii")
    return (
        f'<div class="crop"><img alt="{_e(alt)}" src="data:image/png;base64,{data}">{spans}</div>'
    )


def _confidence(conf: float | None) -> str:
    if conf is None:
        return "–"
    low = " low" if conf < LOW_CONFIDENCE else ""
    return f'<span class="bar{low}" style="width:{conf * 0.6:.0f}px"></span>{conf:.0f}'


def pages_html(doc: DocumentData) -> str:
    fixes = defaultdict(int)
    for c in doc.corrections:
        fixes[c["page"]] += 1
    failed = defaultdict(int)
    for v in doc.failed:
        failed[v["page"]] += 1
    rows = [
        (
            str(p["page"]),
            f'<span class="badge {p["source"]}">{_e(p["source"]).upper()}</span>',
            f"{p['text_quality']:.0%}",
            _confidence(p["ocr_confidence"]),
            str(p["n_words"]),
            str(fixes[p["page"]]),
            str(failed[p["page"]]),
            f"{p['rotation']}°" if p["rotation"] else "",
        )
        for p in doc.pages
    ]
    head = ("page", "source", "text quality", "OCR confidence", "words", "corrections")
    return _table((*head, "failed checks", "turned"), rows, {0, 2, 4, 5, 6})


def validations_html(
    doc: DocumentData, where: Sequence[Region | None], crops: Mapping[Region, Crop]
) -> str:
    n_ok = sum(1 for v in doc.validations if v["ok"])
    head = f"<h3>Checks: {n_ok} passed, {len(doc.failed)} failed</h3>"
    if not doc.failed:
        return head
    items = []
    for v, region in zip(doc.failed, where, strict=True):
        page = f"page {v['page']}" if v["page"] is not None else "page not known"
        figures = _table(
            ("expected", "actual", "difference", "tolerance"),
            [(_num(v["expected"]), _num(v["actual"]), _num(v["difference"]), _num(v["tolerance"]))],
            {0, 1, 2, 3},
        )
        items.append(
            f'<div class="finding"><b>{_e(v["rule"])}</b> in <code>{_e(v["table"])}</code>: '
            f'{_e(v["subject"])} <span class="meta">({page})</span>{figures}'
            f"{crop_html(crops.get(region) if region else None, v['subject'])}</div>"
        )
    return head + "".join(items)


def corrections_html(groups: Sequence[CorrectionGroup], n_changes: int) -> str:
    head = f"{n_changes} token(s) changed, {len(groups)} distinct change(s)"
    if not groups:
        return f"<h3>Corrections</h3><p>{head}.</p>"
    rows = []
    for g in groups:
        before, after = diff_markup(g.token_raw, g.token)
        example = ""
        if g.line_raw:
            example = (
                f"{_highlight(g.line_raw, g.token_raw, 'del')}<br>"
                f"{_highlight(g.line, g.token, 'ins')}"
            )
        pages = ", ".join(map(str, g.pages))
        rows.append(
            (before, after, _e(g.rule), str(g.count), f"{g.mean_score:.2f}", pages, example)
        )
    table = _table(
        ("before", "after", "rule", "times", "mean score", "pages", "first line: before / after"),
        rows,
        {3, 4},
    )
    return "<h3>Corrections</h3>" + _collapsible(head, table, len(groups) <= 25)


def _collapsible(summary: str, body: str, opened: bool) -> str:
    """A section the reader can fold; long ones start folded (no script needed)."""
    return f"<details{' open' if opened else ''}><summary>{summary}</summary>{body}</details>"


def inferred_html(
    doc: DocumentData, where: Sequence[Region | None], crops: Mapping[Region, Crop]
) -> str:
    if not doc.inferred:
        return ""
    items = [
        f'<div class="finding">Sheet <b>Nr. {s["sheet_no"]}</b> (inferred) on page {s["page"]}: '
        f"{_e(s['title'])}{crop_html(crops.get(region) if region else None, s['title'])}</div>"
        for s, region in zip(doc.inferred, where, strict=True)
    ]
    return f"<h3>Grant sheets whose number was inferred: {len(items)}</h3>" + "".join(items)


def errors_html(errors: Sequence[Row]) -> str:
    if not errors:
        return ""
    rows = [
        (
            _e(e["stage"]),
            _e(e["error"]),
            "" if e["page"] is None else str(e["page"]),
            _e(e["message"]),
        )
        for e in errors
    ]
    return f"<h3>Errors: {len(errors)}</h3>" + _table(
        ("stage", "error", "page", "message"), rows, {2}
    )


def _anchor(doc_id: str) -> str:
    return f"doc-{doc_id}"


def document_section(doc: DocumentData, located: Located, crops: Mapping[Region, Crop]) -> str:
    d = doc.document
    title = f" — {_e(d['title'])}" if d["title"] else ""
    meta = (
        f"{_e(d['doc_type'])} · {d['n_pages']} page(s), {d['n_ocr_pages']} by OCR · "
        f"doc_id {_e(d['doc_id'])} · pipeline {_e(d['pipeline_version'])}"
    )
    groups = correction_groups(doc.corrections, doc.words)
    return (
        f'<section class="doc" id="{_anchor(d["doc_id"])}"><h2>{_e(d["path"])}{title}</h2>'
        f'<div class="meta">{meta}</div>'
        + errors_html(doc.errors)
        + validations_html(doc, located.failed, crops)
        + inferred_html(doc, located.inferred, crops)
        + _collapsible(f"Pages: {len(doc.pages)}", pages_html(doc), len(doc.pages) <= 30)
        + corrections_html(groups, len(doc.corrections))
        + "</section>"
    )


def _mean_confidence(doc: DocumentData) -> str:
    confs = [p["ocr_confidence"] for p in doc.pages if p["ocr_confidence"] is not None]
    return f"{statistics.fmean(confs):.0f}" if confs else "–"


def _count(n: int) -> str:
    return f'<span class="badge bad">{n}</span>' if n else "0"


def summary_html(docs: Sequence[DocumentData]) -> str:
    rows = [
        (
            f'<a href="#{_anchor(d.document["doc_id"])}">{_e(d.document["path"])}</a>',
            _e(d.document["doc_type"]),
            str(d.document["n_pages"]),
            str(d.document["n_ocr_pages"]),
            _mean_confidence(d),
            _count(len(d.failed)),
            str(len(d.validations)),
            str(len(d.corrections)),
            _count(len(d.inferred)),
            _count(len(d.errors)),
        )
        for d in docs
    ]
    head = ("document", "type", "pages", "OCR pages", "mean OCR conf.", "failed checks")
    tail = ("checks", "corrections", "inferred sheet nos.", "errors")
    return _table((*head, *tail), rows, set(range(2, 10)))


def unreadable_html(errors: Sequence[Row]) -> str:
    if not errors:
        return ""
    rows = [(_e(e["path"]), _e(e["error"]), _e(e["message"])) for e in errors]
    return (
        '<section class="doc"><h2>Files that could not be processed</h2>'
        + _table(("file", "error", "message"), rows, set())
        + "</section>"
    )


def report_html(
    out_dir: str, docs: Sequence[DocumentData], sections: Sequence[str], unreadable: Sequence[Row]
) -> str:
    """The whole page: a summary, then one section per document (in the order given)."""
    n_failed = sum(len(d.failed) for d in docs)
    n_fixes = sum(len(d.corrections) for d in docs)
    n_pages = sum(len(d.pages) for d in docs)
    n_ocr = sum(1 for d in docs for p in d.pages if p["source"] == "ocr")
    lead = (
        f"{len(docs)} document(s), {n_pages} page(s) ({n_ocr} by OCR), {n_failed} failed "
        f"check(s), {n_fixes} correction(s), {len(unreadable)} file(s) not processed"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Review report: {_e(out_dir)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Review report</h1><p>{_e(out_dir)}: {lead}</p></header><main>"
        f"<h2>Documents</h2>{summary_html(docs)}{unreadable_html(unreadable)}"
        + "".join(sections)
        + "</main></body></html>\n"
    )


# --- where a document's findings are printed (pure) ---------------------------------


@dataclass(frozen=True)
class Located:
    """One region (or None) per failed check and per inferred sheet of a document, in the
    order of DocumentData.failed and DocumentData.inferred."""

    failed: tuple[Region | None, ...]
    inferred: tuple[Region | None, ...]

    @property
    def regions(self) -> list[Region]:
        return [r for r in self.failed + self.inferred if r is not None]


def locate(doc: DocumentData) -> Located:
    """Where each failed check's row and each inferred sheet's head is printed."""
    by_page: dict[int, list[Row]] = defaultdict(list)
    for w in doc.words:
        by_page[w["page"]].append(w)
    heights = {p["page"]: p["height"] for p in doc.pages}
    return Located(
        failed=tuple(
            locate_row(by_page[v["page"]], v["subject"], (v["actual"], v["expected"]))
            if v["page"] is not None
            else None
            for v in doc.failed
        ),
        inferred=tuple(
            sheet_head(by_page[s["page"]], s["page"], heights.get(s["page"], 0.0))
            for s in doc.inferred
        ),
    )


# --- I/O at the edge ------------------------------------------------------------------


def _rows(store: Store, table: str, doc_id: str) -> tuple[Row, ...]:
    arrow = store.read_document_table(table, doc_id)
    return () if arrow is None else tuple(arrow.to_pylist())


def load_document(store: Store, doc_id: str) -> DocumentData:
    """One document's rows; tables missing from an older output folder read as empty."""
    return DocumentData(
        document=_rows(store, "documents", doc_id)[0],
        pages=tuple(sorted(_rows(store, "pages", doc_id), key=lambda p: p["page"])),
        words=_rows(store, "words", doc_id),
        validations=_rows(store, "validations", doc_id),
        corrections=_rows(store, "corrections", doc_id),
        grant_sheets=_rows(store, "grant_expiry", doc_id),
        errors=_rows(store, "errors", doc_id),
    )


def _source_pdf(document: Row) -> Path | None:
    """The document's PDF where the run found it, if it still has the same content."""
    path = Path(document["path"])
    try:
        return path if path.is_file() and sha256_of(path) == document["sha256"] else None
    except OSError:
        return None


def render_crops(
    path: Path, wanted: Sequence[Region], rotations: Mapping[int, int]
) -> dict[Region, Crop]:
    """PNG crops of the regions, each page rendered once, turned as the reader turned it."""
    crops: dict[Region, Crop] = {}
    for page in sorted({r.page for r in wanted}):
        try:
            image, scale = pdf.render_page(path, page - 1, dpi=CROP_DPI)
        except PipelineError:
            continue  # the section says the image is not available
        if rotations.get(page):
            image = image.rotate(-rotations[page], expand=True)
        for region in (r for r in wanted if r.page == page):
            x0, top, x1, bottom = (max(0.0, v * scale) for v in region.box)
            box = (
                int(x0),
                int(top),
                min(int(x1) + 1, image.width),
                min(int(bottom) + 1, image.height),
            )
            buffer = io.BytesIO()
            image.crop(box).save(buffer, format="PNG", optimize=True)
            crops[region] = Crop(buffer.getvalue(), _relative(region, box, scale))
    return crops


def _relative(region: Region, box: tuple[int, int, int, int], scale: float) -> tuple[BBox, ...]:
    """The region's marks as fractions of the cropped image (for CSS positioning)."""
    w, h = max(box[2] - box[0], 1), max(box[3] - box[1], 1)
    return tuple(
        (
            (m[0] * scale - box[0]) / w,
            (m[1] * scale - box[1]) / h,
            (m[2] * scale - box[0]) / w,
            (m[3] * scale - box[1]) / h,
        )
        for m in region.marks
    )


@dataclass(frozen=True)
class ReportSummary:
    """What the report holds, for the command line's one-line account."""

    documents: int
    failed_checks: int
    corrections: int
    inferred_sheets: int
    images: int
    missing_pdfs: tuple[str, ...]


def write_report(out_dir: Path, target: Path) -> ReportSummary:
    """Read the output folder one document at a time, render the crops, write the page."""
    store = Store(out_dir)
    doc_ids = sorted(store.done_versions())
    if not doc_ids:
        raise UsageError(f"{out_dir}: no processed documents (run `python -m pipeline run` first)")
    done: list[tuple[DocumentData, str]] = []
    missing, n_images = [], 0
    for doc_id in doc_ids:
        doc = load_document(store, doc_id)
        located = locate(doc)
        wanted = located.regions
        crops: dict[Region, Crop] = {}
        if wanted:
            source = _source_pdf(doc.document)
            if source is None:
                missing.append(doc.document["path"])
            else:
                rotations = {p["page"]: p["rotation"] for p in doc.pages}
                crops = render_crops(source, wanted, rotations)
        n_images += len(crops)
        section = document_section(doc, located, crops)
        done.append((replace(doc, words=()), section))  # keep no words: they are bulky
    done.sort(key=lambda pair: (-pair[0].n_findings, pair[0].document["path"]))
    docs = [doc for doc, _ in done]
    unreadable = [
        row
        for path in sorted((out_dir / "errors").glob("*.parquet"))
        if path.stem not in doc_ids
        for row in _rows(store, "errors", path.stem)
    ]
    page = report_html(str(out_dir), docs, [section for _, section in done], unreadable)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.tmp")
    partial.write_text(page, encoding="utf-8")
    partial.replace(target)
    return ReportSummary(
        documents=len(docs),
        failed_checks=sum(len(d.failed) for d in docs),
        corrections=sum(len(d.corrections) for d in docs),
        inferred_sheets=sum(len(d.inferred) for d in docs),
        images=n_images,
        missing_pdfs=tuple(missing),
    )
