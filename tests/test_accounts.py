"""Accounts extractor and its validations.

Golden: every cell of regnskab_2024_bif.pdf (the sample batch, through the real CLI)
equals the corpus text, and every validation passes except the ones the source text
itself contradicts. Variants rendered from the same corpus prove it is the kind of
document, not the sample, that is read: other page sizes, fonts, column positions,
ruling lines and label alignments; one changed digit must be named by a failed
validation; a scan goes through real OCR and every cell OCR got wrong must be flagged.
Expectations are derived from the corpus (tests/samples' parse_accounts): a cell is
keyed by what it is (styringsområde, bevilling, row label, column meaning), never by
its position, so one truth scores every layout.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pytest
from reportlab.lib.pagesizes import A4, landscape, letter

from pipeline.extractors.accounts import direction_and_amount, is_header_line
from pipeline.extractors.tables import TextLine, read_table, strip_furniture, unglue
from pipeline.fuzzy import similarity
from pipeline.numbers import parse_number
from pipeline.records import Extraction, Word
from pipeline.validate.accounts import checks
from tests.conftest import doc_id_of, run_cli
from tests.samples.corpus import Bullet, Heading, Paragraph, read_text
from tests.samples.corpus_accounts import (
    AccountsDoc,
    AccountsPage,
    AmountHeading,
    Table,
    TableRow,
    parse_accounts,
)
from tests.samples.render_accounts import render_accounts
from tests.samples.scan import ScanSettings, scan_pdf

# --- truth from the corpus -------------------------------------------------------------------

Key = tuple[str | int, ...]

OVERVIEW_WORDS = (
    ("vedtaget", "vedtaget_budget"),
    ("tillæg", "tillaegsbevillinger"),
    ("korrigeret", "korrigeret_budget"),
    ("regnskab", "regnskab"),
    ("afvigelse", "afvigelse"),
)
LINE_GROUPS = (("korrigeret", "korrigeret"), ("regnskab", "regnskab"), ("afvigelse", "afvigelse"))
LINE_SUBS = (("udgift", "udgift"), ("indtægt", "indtaegt"), ("netto", "netto"))
METRICS = (("antal", "antal"), ("enhedspris", "enhedspris_kr"))
KINDS = (("regnskab", "regnskab"), ("budget", "budget"), ("afvigelse", "afvigelse"))
DIRECTION = re.compile(r"(mindreforbrug|merforbrug)\s+på\s+(\d+(?:,\d+)?)\s+mio", re.IGNORECASE)


def norm(text: str) -> str:
    return " ".join(text.replace("\u2212", "-").split()).casefold()


def _first(title: str, words: tuple[tuple[str, str], ...]) -> str:
    t = title.casefold()
    found = [(t.find(w), role) for w, role in words if w in t]
    return min(found)[1] if found else ""


def _titles(table: Table) -> list[str]:
    return [
        " ".join(c.text for hl in table.header for c in hl.cells if c.first <= k <= c.last)
        for k in range(table.ncols)
    ]


@dataclass(frozen=True)
class Explanation:
    afvigelse: int
    text: str  # whitespace-normalised, bullets removed
    direction: str
    amount_mkr: float | None


@dataclass(frozen=True)
class Truth:
    cells: dict[Key, float]
    explanations: dict[Key, Explanation]


def _block_text(blocks: list) -> str:
    parts = []
    for b in blocks:
        if isinstance(b, Heading):
            parts.append(b.text)
        elif isinstance(b, Paragraph | Bullet):
            parts.extend(b.lines)
    return norm(" ".join(parts))


def _stated(text: str) -> tuple[str, float | None]:
    m = DIRECTION.search(text)
    if m and (" ingen " not in text[: m.start()]):
        return m.group(1).lower(), float(m.group(2).replace(",", "."))
    return "ingen", None


def truth_of(doc: AccountsDoc) -> Truth:
    """Every number cell and every explanation the corpus document holds."""
    cells: dict[Key, float] = {}
    explanations: dict[Key, Explanation] = {}
    so = bev = ""
    overview_afvigelse: dict[str, int] = {}
    activity: Table | None = None
    blocks = doc.blocks
    for k, b in enumerate(blocks):
        if isinstance(b, Heading) and b.level == 1:
            so, bev = b.text, ""
        elif isinstance(b, Heading) and b.level == 2:
            bev = b.text
        elif isinstance(b, Table) and b.kind == "overview":
            _overview_cells(b, cells, overview_afvigelse)
        elif isinstance(b, Table) and b.kind == "lines":
            roles = [f"{_first(t, LINE_GROUPS)}_{_first(t, LINE_SUBS)}" for t in _titles(b)]
            for r in (r for r in b.rows if r.values):
                for role, v in zip(roles, r.values, strict=True):
                    cells[("lines", norm(so), norm(bev), norm(r.label), role)] = parse_number(v)
        elif isinstance(b, Table) and b.kind == "activity":
            activity = b if b.header else activity
            assert activity is not None
            _activity_cells(b, activity, norm(bev), cells)
        if isinstance(b, AmountHeading) or (isinstance(b, Heading) and b.level == 1):
            end = next(
                (
                    j
                    for j in range(k + 1, len(blocks))
                    if isinstance(blocks[j], AmountHeading | Table)
                    or (isinstance(blocks[j], Heading) and blocks[j].level <= 2)
                ),
                len(blocks),
            )
            text = _block_text(blocks[k + 1 : end])
            if not text:
                continue
            if isinstance(b, Heading):
                key, afvigelse = ("explanation", norm(so), "", ""), overview_afvigelse[norm(so)]
            else:
                label = "" if norm(b.label) == "i alt" else norm(b.label)
                key, afvigelse = ("explanation", norm(so), norm(bev), label), parse_number(b.amount)
            explanations[key] = Explanation(afvigelse, text, *_stated(text))
    return Truth(cells, explanations)


def _overview_cells(table: Table, cells: dict[Key, float], afvigelse: dict[str, int]) -> None:
    roles = [_first(t, OVERVIEW_WORDS) for t in _titles(table)]
    so = ""
    for r in table.rows:
        if r.kind == "subtotal":
            so = r.label
        if r.kind not in ("row", "subtotal", "total"):
            continue
        key = (
            ("i alt", "")
            if r.kind == "total"
            else (norm(so), "" if r.kind == "subtotal" else norm(r.label))
        )
        for role, v in zip(roles, r.values, strict=True):
            cells[("overview", *key, role)] = parse_number(v)
        if r.kind == "subtotal":
            afvigelse[norm(so)] = parse_number(r.values[roles.index("afvigelse")])


def _activity_cells(table: Table, header: Table, bev: str, cells: dict[Key, float]) -> None:
    years_line, kinds_line = header.header
    years = {c.first: int(c.text) for c in years_line.cells}
    kinds = {c.first: _first(c.text, KINDS) for c in kinds_line.cells}
    ydelse = ""
    for r in table.rows:
        if r.kind == "group":
            ydelse = norm(r.label)
        elif r.kind == "row":
            metric = _first(r.label, METRICS)
            for col, v in enumerate(r.values):
                cells[("activity", bev, ydelse, metric, kinds[col], years[col])] = parse_number(v)


# --- what an extraction gave -----------------------------------------------------------------


def extracted(out: Path, doc_id: str) -> tuple[dict[Key, float | None], dict[Key, dict]]:
    """Cells and explanations of one document of a pipeline output folder, keyed like truth."""

    def rows(table: str) -> list[dict]:
        df = pd.read_parquet(out / table)
        df = df[df.doc_id == doc_id].astype(object).where(lambda d: d.notna(), None)
        return df.to_dict("records")

    cells: dict[Key, float | None] = {}
    for r in rows("accounts_overview"):
        key = (
            ("i alt", "")
            if r["is_grand_total"]
            else (norm(r["styringsomraade"]), norm(r["bevilling"] or ""))
        )
        for _, role in OVERVIEW_WORDS:
            cells[("overview", *key, role)] = r[role]
    for r in rows("accounts_lines"):
        label = f"{r['funktion']} {r['hovedprodukt']}" if r["funktion"] else r["hovedprodukt"]
        for role in (
            "korrigeret_udgift",
            "korrigeret_indtaegt",
            "regnskab_udgift",
            "regnskab_indtaegt",
            "afvigelse_netto",
        ):
            cells[
                ("lines", norm(r["styringsomraade"]), norm(r["bevilling"]), norm(label), role)
            ] = r[role]
    for r in rows("activities"):
        key = (
            "activity",
            norm(r["bevilling"]),
            norm(r["ydelse"]),
            r["metric"],
            r["kind"],
            int(r["year"]),
        )
        cells[key] = r["value"]
    explanations = {}
    for r in rows("explanations"):
        label = f"{r['funktion']} {r['hovedprodukt']}" if r["funktion"] else r["hovedprodukt"]
        key = ("explanation", norm(r["styringsomraade"]), norm(r["bevilling"]), norm(label))
        explanations[key] = r
    return cells, explanations


def lookup(key: Key, got: dict[Key, object], fuzzy: bool) -> Key | None:
    """The extracted key for an expected one: equal, else (fuzzy, for OCR) the same meaning
    with labels that differ only by damage the corrector left (>= 85 % alike)."""
    if key in got or not fuzzy:
        return key if key in got else None
    best, best_score = None, 85.0
    for k in got:
        if len(k) != len(key) or any(
            type(a) is not str and a != b for a, b in zip(k, key, strict=True)
        ):
            continue
        scores = [
            100.0 if a == b else similarity(str(a), str(b)) for a, b in zip(k, key, strict=True)
        ]
        if min(scores) >= best_score:
            best, best_score = k, min(scores)
    return best


@dataclass(frozen=True)
class Score:
    exact: int
    total: int
    wrong: dict[Key, tuple[float, object]]  # expected key -> (expected, extracted)

    @property
    def rate(self) -> float:
        return self.exact / self.total if self.total else 0.0


def score(
    truth: Truth, cells: dict[Key, object], explanations: dict[Key, dict], fuzzy: bool = False
) -> Score:
    """Exact cells: every table cell and every explanation heading's afvigelse, each under
    its exact labels (fuzzy: labels OCR damaged slightly still count)."""
    expected = dict(truth.cells)
    got: dict[Key, object] = dict(cells)
    for key, e in truth.explanations.items():
        expected[key] = e.afvigelse
    for key, r in explanations.items():
        got[key] = r["afvigelse"]
    wrong: dict[Key, tuple[float, object]] = {}
    for key, value in expected.items():
        found = lookup(key, got, fuzzy)
        actual = None if found is None else got[found]
        if actual is None or float(actual) != float(value):
            wrong[key] = (value, actual)
    return Score(len(expected) - len(wrong), len(expected), wrong)


def corpus_doc() -> AccountsDoc:
    return parse_accounts(read_text("regnskab_2024_bif.txt"))


def failed(out: Path, doc_id: str) -> pd.DataFrame:
    v = pd.read_parquet(out / "validations")
    return v[(v.doc_id == doc_id) & ~v.ok]


def implied_failures(truth: Truth) -> set[str]:
    """Subjects of the explanation checks the corpus text itself contradicts: the stated
    mindreforbrug/merforbrug is not the afvigelse rounded to 0,1 mio. kr."""
    out = set()
    for key, e in truth.explanations.items():
        sign = {"mindreforbrug": 1, "merforbrug": -1, "ingen": 0}[e.direction]
        stated = sign * (e.amount_mkr or 0.0)
        if abs(stated - e.afvigelse / 1000) > 0.0505:
            out.add(" / ".join(p for p in key[1:] if p))
    return out


# --- unit: the table reader on synthetic words -------------------------------------------------


def _line(top: float, *cells: tuple[str, float], page: int = 1, size: float = 9.0) -> TextLine:
    """Words 5 points wide per character: a label (left edge 60) starts at its x, every
    other word ends at its x, like right-aligned numbers and column titles."""
    words = []
    for text, x in cells:
        width = 5.0 * len(text)
        x0 = x if x <= 60 else x - width
        words.append(Word(text, x0, top, x0 + width, top + size))
    return TextLine(tuple(sorted(words, key=lambda w: w.x0)), page)


COLS = (300.0, 360.0, 420.0)
HEADER = [_line(100, ("Hovedprodukt", 60), ("Udgift", 300), ("Indtægt", 360), ("netto", 420))]


def _row(top: float, label: str | None, *values: str) -> TextLine:
    cells = [(v, x) for v, x in zip(values, COLS, strict=False) if v]
    return _line(top, *([(label, 60)] if label else []), *cells)


def _read(lines: list[TextLine]):
    table = read_table(lines, 0, 1, is_total=lambda s: s.lower().startswith("i alt"))
    assert table is not None
    return table


def test_danish_numbers_in_cells_and_a_misread_cell_is_none_not_guessed() -> None:
    table = _read(
        [
            *HEADER,
            _row(115, "Alfa", "1.100.691", "-1.742", "12,5"),
            _row(127, "Beta", "−1.742", "0", "1.1OO.691"),
            _line(139, ("Gamma", 60), ("–", 288), ("58", 300), ("7", 360), ("1", 420)),
        ]
    )
    got = [[c.value if c else None for c in r.cells] for r in table.rows]
    assert got == [[1100691, -1742, 12.5], [-1742, 0, None], [-58, 7, 1]]
    assert table.rows[1].cells[2].text == "1.1OO.691"
    assert [c.title for c in table.columns] == ["Udgift", "Indtægt", "netto"]


@pytest.mark.parametrize("where", ["top", "middle", "bottom"])
def test_wrapped_labels_are_one_row_whatever_line_holds_the_numbers(where: str) -> None:
    numbers = ("58", "0", "-58")
    first, second = "7.22.05 Indskud i pengeinstitutter", "m.v."
    rows = {
        "top": [_row(115, first, *numbers), _row(127, second)],
        "middle": [_row(115, first), _row(121, None, *numbers), _row(127, second)],
        "bottom": [_row(115, first), _row(127, second, *numbers)],
    }[where]
    rows += [_row(145, "Kontanthjælp", "1", "2", "3"), _row(160, "I alt", "59", "2", "-55")]
    table = _read([*HEADER, *rows])
    assert [r.label for r in table.rows] == [f"{first} {second}", "Kontanthjælp", "I alt"]
    assert [c.value for c in table.rows[0].cells] == [58, 0, -58]
    assert table.closed


def test_centred_numbers_claim_an_upper_case_second_label_line() -> None:
    rows = [_row(115, "København"), _row(121, None, "1", "2", "3"), _row(127, "Erhvervsservice")]
    table = _read([*HEADER, *rows, _row(140, "Løntilskud", "4", "5", "6")])
    assert [r.label for r in table.rows] == ["København Erhvervsservice", "Løntilskud"]


def test_group_titles_prose_and_a_page_break() -> None:
    lines = [
        *HEADER,
        _row(115, "Jobcenterdrift"),
        _row(127, "Antal", "1", "2", "3"),
        _line(50, ("Fleksjob", 60), page=2),
        _line(62, ("Antal", 60), ("4", 300), ("5", 360), ("6", 420), page=2),
        _line(80, ("Det", 60), ("skyldes", 120), ("flere", 200), ("forhold", 350), page=2),
    ]
    table = _read(lines)
    assert [(r.label, r.is_title) for r in table.rows] == [
        ("Jobcenterdrift", True),
        ("Antal", False),
        ("Fleksjob", True),
        ("Antal", False),
    ]
    assert table.end == len(lines) - 1 and not table.closed


def test_page_furniture_does_not_cut_a_table_going_on_over_a_page_break() -> None:
    pages = []
    for page in (1, 2, 3):
        body = [
            _line(115 + 12 * k, ("Antal", 60), ("1", 300), ("2", 360), ("3", 420), page=page)
            for k in range(3)
        ]
        pages += [
            _line(30, ("Regnskab", 60), ("2024", 120), page=page),
            *(HEADER if page == 1 else []),
            *body,
            _line(800, ("Side", 280), (str(page), 300), ("af", 315), ("3", 330), page=page),
        ]
    lines = strip_furniture(pages)
    assert next(ln.text for ln in lines if ln.page == 2).startswith("Antal")
    assert not any("Side" in ln.text or "Regnskab" in ln.text for ln in lines)
    table = read_table(lines, 0, 1)
    assert table is not None and len(table.rows) == 9


def test_numbers_glued_together_are_split_at_the_sign() -> None:
    parts = unglue(Word("9.385.922-1.502.335", 279, 0, 385, 9))
    assert [w.text_raw for w in parts] == ["9.385.922", "-1.502.335"]
    assert parts[0].x1 == parts[1].x0
    assert [w.text_raw for w in unglue(Word("7.22.05", 0, 0, 30, 9))] == ["7.22.05"]


def test_header_lines_are_told_by_their_vocabulary() -> None:
    assert is_header_line(_line(0, ("Korrigeret", 200), ("budget", 260), ("Regnskab", 380)))
    assert is_header_line(_line(0, ("Aktivitetsoversigt", 60), ("2023", 300), ("2024", 360)))
    assert not is_header_line(_line(0, ("Bevillingen", 60), ("udviser", 120), ("et", 170)))
    assert not is_header_line(_line(0, ("2023", 300), ("2024", 360)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hovedproduktet udviser et mindreforbrug på 3,2 mio. kr. Det skyldes",
            ("mindreforbrug", 3.2),
        ),
        ("Styringsområdet udviser merforbrug på 0,1 mio. kr.", ("merforbrug", 0.1)),
        (
            "Bevillingen udviser ingen væsentlig afvigelse. Et mindreforbrug på 2 mio.",
            ("ingen", None),
        ),
    ],
)
def test_direction_and_amount_come_from_the_first_statement(text: str, expected) -> None:
    assert direction_and_amount(text) == expected


def test_a_failed_check_names_its_row_and_keeps_the_document_as_printed() -> None:
    row = {"styringsomraade": "Service", "bevilling": "Administration", "is_grand_total": False}
    values = dict(vedtaget_budget=100, tillaegsbevillinger=10, korrigeret_budget=110, regnskab=50)
    rows = [
        {**row, **values, "afvigelse": 60, "page": 1},
        {**row, "bevilling": "Support", **values, "afvigelse": 70, "page": 1},
        {**row, "bevilling": "Tredje", **values, "regnskab": None, "afvigelse": 60, "page": 1},
    ]
    out = checks(Extraction("accounts", "", {"accounts_overview": rows}))
    bad = [(r["subject"], r["difference"]) for r in out if not r["ok"]]
    assert bad == [("Service / Support", 10.0), ("Service / Tredje", None)]
    assert rows[1]["afvigelse"] == 70


# --- golden: the sample batch ----------------------------------------------------------------


@pytest.fixture(scope="module")
def truth() -> Truth:
    return truth_of(corpus_doc())


def test_golden_every_cell_of_the_digital_accounts(batch_out: Path, truth: Truth) -> None:
    doc_id = doc_id_of(batch_out, "regnskab_2024_bif.pdf")
    cells, explanations = extracted(batch_out, doc_id)
    result = score(truth, cells, explanations)
    assert result.wrong == {}
    assert (len(cells), len(explanations)) == (len(truth.cells), len(truth.explanations))
    for key, e in truth.explanations.items():
        got = explanations[key]
        assert (got["direction"], got["amount_mkr"]) == (e.direction, e.amount_mkr), key
        assert norm(re.sub(r"[•\uf0b7]", " ", got["text"])) == e.text, key


def test_golden_validations_pass_but_for_the_sources_own_contradiction(
    batch_out: Path, truth: Truth
) -> None:
    doc_id = doc_id_of(batch_out, "regnskab_2024_bif.pdf")
    v = pd.read_parquet(batch_out / "validations")
    v = v[v.doc_id == doc_id]
    assert len(v) >= 230 and set(v.table) == {
        "accounts_overview",
        "accounts_lines",
        "activities",
        "explanations",
    }
    bad = {norm(s) for s in v.loc[~v.ok, "subject"]}
    assert bad == {norm(s) for s in implied_failures(truth)}
    assert set(v.loc[~v.ok, "table"]) <= {"explanations"}


# --- variants: other layouts, a changed digit, a scan ------------------------------------------

LAYOUTS = {
    "landscape_ruled_times.pdf": dict(
        pagesize=landscape(A4),
        font="Times-Roman",
        ruled=True,
        column_right_edges={
            "overview": [420, 500, 580, 660, 760],
            "lines": [430, 510, 600, 680, 770],
            "activity": [500, 580, 660, 760],
        },
    ),
    "courier_numbers_on_top.pdf": dict(
        font="Courier", value_valign="top", table_size=8.0, col_width=70
    ),
    "dejavu_letter_bottom_touching.pdf": dict(
        font="DejaVuSans",
        value_valign="bottom",
        page_breaks=False,
        pagesize=letter,
        column_right_edges=[330, 385, 440, 495, 550],
        margins=(40, 40, 50, 50),
    ),
}
SCAN = "scan.pdf"
SCAN_SETTINGS = ScanSettings(seed=11)


@dataclass(frozen=True)
class Change:
    """One digit changed in one cell of the corpus document."""

    file: str
    kind: str  # overview | lines | activity
    named: str  # what a failed validation must name: the row label (an activity row: ydelse)
    row_label: str  # the row's own label ("Antal" under its ydelse)
    key: Key
    value: int


def _tens_digit_changed(text: str) -> str:
    """The digit before the last one, plus 5: a change of 50 no rounding can hide."""
    k = max(
        i for i, c in enumerate(text) if c.isdigit() and any(d.isdigit() for d in text[i + 1 :])
    )
    return text[:k] + str((int(text[k]) + 5) % 10) + text[k + 1 :]


def _changed(doc: AccountsDoc, kind: str, seed: int) -> tuple[AccountsDoc, TableRow, int, str]:
    """The document with one cell changed, chosen at random among the cells an identity
    covers (of an activity table: not the previous year's regnskab)."""
    candidates = [
        (p, b, r, c)
        for p, page in enumerate(doc.pages)
        for b, block in enumerate(page.blocks)
        if isinstance(block, Table) and block.kind == kind
        for r, row in enumerate(block.rows)
        for c, value in enumerate(row.values)
        if sum(ch.isdigit() for ch in value) >= 2 and not (kind == "activity" and c == 0)
    ]
    p, b, r, c = random.Random(seed).choice(candidates)
    table = doc.pages[p].blocks[b]
    row = table.rows[r]
    new = _tens_digit_changed(row.values[c])
    rows = list(table.rows)
    rows[r] = replace(row, values=(*row.values[:c], new, *row.values[c + 1 :]))
    blocks = list(doc.pages[p].blocks)
    blocks[b] = replace(table, rows=tuple(rows))
    pages = list(doc.pages)
    pages[p] = AccountsPage(tuple(blocks))
    ydelse = next((x.label for x in reversed(table.rows[:r]) if x.kind == "group"), "")
    return AccountsDoc(tuple(pages)), row, parse_number(new), ydelse


def _changes(doc: AccountsDoc, out: Path) -> list[Change]:
    changes = []
    before = truth_of(doc).cells
    for seed, kind in enumerate(("overview", "lines", "activity")):
        changed, row, value, ydelse = _changed(doc, kind, seed)
        name = f"changed_{kind}.pdf"
        render_accounts(changed, out / name)
        diff = {k: v for k, v in truth_of(changed).cells.items() if before.get(k) != v}
        (key,) = diff
        label = ydelse if kind == "activity" else row.label
        changes.append(Change(name, kind, label, row.label, key, value))
    return changes


def _scan_subset(doc: AccountsDoc) -> AccountsDoc:
    """A few pages with every table kind: the first four (overview, a styringsområde, two
    bevilling tables with explanations and an activity table) and the first page whose
    table has wrapped labels, with the page before it (its styringsområde heading)."""
    wrapped = next(
        k
        for k, page in enumerate(doc.pages)
        if any(
            isinstance(b, Table) and any(len(r.label_lines) > 1 for r in b.rows)
            for b in page.blocks
        )
    )
    keep = sorted({0, 1, 2, 3, wrapped - 1, wrapped})
    return AccountsDoc(tuple(doc.pages[k] for k in keep))


@dataclass(frozen=True)
class Variants:
    out: Path
    changes: list[Change]
    scan_truth: Truth


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Variants:
    """Every variant rendered and read in one run of the real CLI (real OCR for the scan)."""
    root = tmp_path_factory.mktemp("accounts_variants")
    pdfs, out = root / "pdf", root / "out"
    pdfs.mkdir()
    doc = corpus_doc()
    for name, options in LAYOUTS.items():
        render_accounts(doc, pdfs / name, **options)
    changes = _changes(doc, pdfs)
    subset = _scan_subset(doc)
    render_accounts(subset, root / "digital_subset.pdf")
    scan_pdf(root / "digital_subset.pdf", pdfs / SCAN, SCAN_SETTINGS)
    result = run_cli("run", pdfs, "--out", out, "--workers", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    return Variants(out, changes, truth_of(subset))


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_other_layouts_give_every_cell(variants: Variants, truth: Truth, name: str) -> None:
    doc_id = doc_id_of(variants.out, name)
    result = score(truth, *extracted(variants.out, doc_id))
    assert result.wrong == {}
    bad = {norm(s) for s in failed(variants.out, doc_id).subject}
    assert bad == {norm(s) for s in implied_failures(truth)}


@pytest.mark.parametrize("kind", ["overview", "lines", "activity"])
def test_one_changed_digit_fails_a_validation_naming_its_row(
    variants: Variants, truth: Truth, kind: str
) -> None:
    change = next(c for c in variants.changes if c.kind == kind)
    doc_id = doc_id_of(variants.out, change.file)
    cells, _ = extracted(variants.out, doc_id)
    assert cells[change.key] == change.value  # read as printed, not "fixed"
    new = failed(variants.out, doc_id)
    new = new[~new.subject.map(norm).isin({norm(s) for s in implied_failures(truth)})]
    assert not new.empty
    named = new.subject.map(norm).str.contains(norm(change.named), regex=False)
    if kind == "activity":
        metric = norm(change.row_label).split(",")[0]
        named &= new.subject.map(norm).str.contains(metric, regex=False)
    assert named.any(), new.subject.tolist()


def _row_path(key: Key) -> str:
    """The subject a validation gives the row of a cell (see pipeline/validate/accounts.py)."""
    kind = key[0]
    if kind == "overview":
        return "i alt" if key[1] == "i alt" else " / ".join(str(p) for p in key[1:3] if p)
    if kind == "activity":
        return f"{key[1]} / {key[2]}: {key[3]}"
    return " / ".join(str(p) for p in key[1:4] if p)


def _names(subject: str, path: str) -> bool:
    return subject == path or subject.startswith((path + ":", path + " "))


def test_scan_every_cell_ocr_got_wrong_is_named_by_a_failed_validation(
    variants: Variants,
) -> None:
    truth = variants.scan_truth
    doc_id = doc_id_of(variants.out, SCAN)
    pages = pd.read_parquet(variants.out / "pages")
    assert set(pages.loc[pages.doc_id == doc_id, "source"]) == {"ocr"}
    result = score(truth, *extracted(variants.out, doc_id), fuzzy=True)
    assert result.rate >= 0.8, result.wrong
    implied = {norm(s) for s in implied_failures(truth)}
    subjects = [s for s in failed(variants.out, doc_id).subject.map(norm) if s not in implied]
    # every misread cell an identity covers (not an activity table's earlier-year column)
    last = max(k[5] for k in truth.cells if k[0] == "activity")
    covered = [k for k in result.wrong if not (k[0] == "activity" and k[5] != last)]
    assert [k for k in covered if not any(_names(s, _row_path(k)) for s in subjects)] == []
    # and no failure where every cell was read right: a row check names a misread row, a
    # column sum ("... / I alt: column", "Service: column") a table holding one, and the
    # overview's "I alt: column" any misread overview cell
    wrong_paths = [_row_path(k) for k in result.wrong]
    in_overview = any(k[0] == "overview" for k in result.wrong)
    groups = [s.split(":")[0].removesuffix(" / i alt") for s in subjects]
    unexplained = [
        g
        for g in groups
        if not (any(p.startswith(g) for p in wrong_paths) or (g == "i alt" and in_overview))
    ]
    assert unexplained == []
