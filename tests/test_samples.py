"""Fast tests of the sample-PDF builder (tests/samples/); no tesseract."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.pagesizes import A4, landscape

from tests.samples.corpus import (
    Paragraph,
    corpus_dir,
    load_sheets,
    parse_intentions,
    parse_letter,
    read_text,
)
from tests.samples.corpus_accounts import (
    AmountHeading,
    Table,
    numbers_in_text,
    parse_accounts,
    split_pages,
)
from tests.samples.corpus_note import DistrictGrid, parse_budget_note
from tests.samples.render_accounts import render_accounts
from tests.samples.render_grants import (
    DIVIDER_TEXT,
    PAGE_SIZES,
    layout_sheet,
    render_grant_deck,
)
from tests.samples.render_intentions import render_intentions
from tests.samples.render_note import render_budget_note
from tests.samples.scan import ScanSettings, page_jpegs, scan_pdf

pytestmark = pytest.mark.skipif(
    not (corpus_dir() / "regnskab_2024_bif.txt").exists(), reason="corpus not available"
)

BULLET = "\uf0b7"


@pytest.fixture(scope="module")
def accounts_text() -> str:
    return read_text("regnskab_2024_bif.txt")


@pytest.fixture(scope="module")
def accounts(accounts_text):
    return parse_accounts(accounts_text)


def pdf_words(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [w["text"] for p in pdf.pages for w in p.extract_words()]


def pdf_chars(path: Path) -> int:
    with pdfplumber.open(path) as pdf:
        return sum(len(p.chars) for p in pdf.pages)


# --- corpus parsing -------------------------------------------------------------------


def test_sheets_are_the_17_transcriptions_in_order():
    sheets = load_sheets()
    assert len(sheets) == 17
    nrs = [s.nr for s in sheets]
    assert nrs == sorted(nrs) and nrs[0] == 1 and nrs[-1] == 27
    assert [s.nr for s in sheets if s.is_pending] == [11]
    groups = [s.group for s in sheets]
    first_egen = groups.index("egen_ramme")
    assert set(groups[:first_egen]) == {"budgetaftale"}
    assert set(groups[first_egen:]) == {"egen_ramme"}


def test_accounts_pages_follow_the_source_page_breaks(accounts_text, accounts):
    assert len(split_pages(accounts_text)) == len(accounts.pages) == 23


def test_accounts_parse_keeps_every_token(accounts_text, accounts):
    """Every word and number of the source is in the model, nothing more."""
    tokens: list[str] = []
    for b in accounts.blocks:
        if isinstance(b, Table):
            for h in b.header:
                tokens += h.key.split() + [t for c in h.cells for t in c.text.split()]
            for r in b.rows:
                tokens += [t for ln in r.label_lines for t in ln.split()] + list(r.values)
        elif isinstance(b, AmountHeading):
            tokens += [*b.label.split(), b.amount]
        elif hasattr(b, "lines"):
            tokens += [t for ln in b.lines for t in ln.split()]
        else:
            tokens += b.text.split()
    source = [t for t in accounts_text.split() if t != BULLET]
    assert Counter(tokens) == Counter(source)


def test_accounts_tables_detected_by_shape(accounts):
    kinds = Counter((t.kind, t.continued) for t in accounts.tables)
    assert kinds == {
        ("overview", False): 1,
        ("lines", False): 8,
        ("activity", False): 3,
        ("activity", True): 1,  # the activity table that runs over a page break
    }
    overview = accounts.tables[0]
    assert [r.label for r in overview.rows if r.kind == "subtotal"] == [
        "Service",
        "Anlæg",
        "Overførsler mv.",
        "Finansposter",
    ]
    total = overview.rows[-1]
    assert total.kind == "total"
    assert total.values == ("9.783.526", "-37.795", "9.745.731", "9.681.549", "64.182")
    # the funktion labels wrap over two and three lines
    wrapped = [r.label_lines for t in accounts.tables for r in t.rows if len(r.label_lines) > 1]
    assert ("7.22.05 Indskud i pengeinstitutter", "m.v.") in wrapped
    assert ("7.52.56 Anden kortfristet gæld med", "indenlandsk", "betalingsmodtager") in wrapped
    # every row of a table has one value per column
    for t in accounts.tables:
        assert all(len(r.values) == t.ncols for r in t.rows if r.kind not in ("group", "gap"))


def test_accounts_parser_is_general_over_names_and_widths():
    text = "\n".join(
        [
            "Enhver Forvaltning",
            "",
            " Korrigeret budget Regnskab",
            "Hovedprodukt Udgift Indtægt netto",
            " 1.000 kr. 1.000 kr. 1.000 kr.",
            "      ",
            "Noget helt andet 1.000 -200 800",
            "Et langt navn der",
            "ombrydes",
            "",
            "5 0 5",
            "      ",
            "I alt 1.005 -200 805",
            "",
            "I alt 805",
            "Området udviser noget.",
        ]
    )
    doc = parse_accounts(text)
    (table,) = doc.tables
    assert table.ncols == 3
    assert [c.text for c in table.header[0].cells] == ["Korrigeret budget", "Regnskab"]
    assert [(c.first, c.last) for c in table.header[0].cells] == [(0, 1), (2, 2)]
    assert [r.label for r in table.rows if r.kind == "row"] == [
        "Noget helt andet",
        "Et langt navn der ombrydes",
    ]
    assert isinstance(doc.blocks[-2], AmountHeading)
    assert isinstance(doc.blocks[-1], Paragraph)


def test_budget_note_tables():
    note = parse_budget_note(read_text("budgetnotat_bi105.txt"))
    labels = [t.label for t in note.tables]
    assert labels == ["Tabel 1", "Tabel 2", "Tabel 2", "Tabel 3"]
    t1, t2a, t2b, t3 = note.tables
    assert [c[0] for c in t1.columns] == ["Udbudsområde 1", "Udbudsområde 2"]
    assert t2a.columns[1] == ("Styrings-", "område")
    assert [c[0] for c in t2a.columns[2:]] == ["2018", "2019", "2020", "2021", "2022", "I alt"]
    assert len(t2a.rows[0].cells[0]) == 3  # the label wraps over three lines
    assert [c[0] for c in t2b.columns[1:3]] == ["Udvalg", "Bevilling"]
    assert t2b.rows[0].cells[1:3] == (("BIU",), ("78.10",))
    assert t2b.rows[0].cells[6] == ()  # 2021 is empty
    assert [c[0] for c in t3.columns[1:]] == [str(y) for y in range(2012, 2019)]
    assert t3.rows[0].cells[1] == ("-",)
    (grid,) = [b for b in note.blocks if isinstance(b, DistrictGrid)]
    marked = [c.lines[0] for row in grid.rows for c in row if c.marked]
    assert marked == ["Valby", "Østerbro"]


def test_intentions_rows_start_at_titles():
    doc = parse_intentions(read_text("hensigtserklaeringer_bilag3.txt"))
    assert doc.annex == "Bilag 3" and doc.column_headers == ("Titel", "Hensigtserklæring")
    titles = [r.title_lines[0] for r in doc.rows]
    assert len(titles) == 8
    assert titles[0].startswith("BI42") and titles[4].startswith("SO37")
    assert all(r.text_lines for r in doc.rows)


def test_letter_parts_and_forms():
    doc = parse_letter(read_text("budgetredegoerelse_integration_2007.txt"))
    assert doc.letterhead[0] == "KØBENHAVNS KOMMUNE"
    assert [dict(p.meta)["Dato"] for p in doc.parts] == ["20-03-2007", "8. marts 2007"]
    forms = [b for p in doc.parts for b in p.blocks if type(b).__name__ == "Form"]
    assert [len(f.rows) for f in forms] == [7, 7, 4]
    assert forms[2].rows[0].cells[1:] == ("2007", "2008", "2009", "2010", "I alt")


# --- rendering ------------------------------------------------------------------------


def test_accounts_pdf_text_has_exactly_the_source_numbers(tmp_path, accounts_text, accounts):
    pdf = render_accounts(accounts, tmp_path / "a.pdf")
    words = pdf_words(pdf)
    assert Counter(numbers_in_text(" ".join(words))) == Counter(numbers_in_text(accounts_text))
    source = [t for t in accounts_text.split() if t != BULLET]
    rendered = [w for w in words if w != "•"]
    assert Counter(rendered) == Counter(source)


def test_accounts_variant_landscape_vera_ruled(tmp_path, accounts_text, accounts):
    pdf = render_accounts(
        accounts,
        tmp_path / "v.pdf",
        pagesize=landscape(A4),
        font="Vera",
        ruled=True,
        column_right_edges={"overview": [420, 500, 580, 660, 780]},
    )
    words = pdf_words(pdf)
    assert Counter(numbers_in_text(" ".join(words))) == Counter(numbers_in_text(accounts_text))


def test_digital_pdf_is_deterministic(tmp_path, accounts):
    a = render_accounts(accounts, tmp_path / "a.pdf").read_bytes()
    b = render_accounts(accounts, tmp_path / "b.pdf").read_bytes()
    assert a == b


def test_budget_note_pdf(tmp_path):
    text = read_text("budgetnotat_bi105.txt")
    pdf = render_budget_note(parse_budget_note(text), tmp_path / "n.pdf")
    with pdfplumber.open(pdf) as doc:
        full = "\n".join(p.extract_text() for p in doc.pages)
    assert full.count("Tabel 2 –") == 2
    assert re.search(r"X Valby", full) and re.search(r"X Østerbro", full)
    assert Counter(numbers_in_text(full)) >= Counter(numbers_in_text(text.replace("1.000 kr", "")))


def test_intentions_pdf_keeps_line_end_hyphens(tmp_path):
    text = read_text("hensigtserklaeringer_bilag3.txt")
    pdf = render_intentions(parse_intentions(text), tmp_path / "i.pdf", ruled=False)
    hyphenated = [w for w in pdf_words(pdf) if w.endswith("-") and len(w) > 1]
    assert Counter(hyphenated) == Counter(w for w in text.split() if w.endswith("-") and len(w) > 1)


def test_grant_slides_fit_and_render(tmp_path):
    sheets = load_sheets()
    for s in sheets:
        layout = layout_sheet(s)
        assert 7.0 <= layout.body_size <= 12.0
        ys = [d.y for d in layout.draws]
        assert min(ys) > 0 and max(ys) < 540
        variant = layout_sheet(s, page_size=PAGE_SIZES["A4"], font="Times-Roman")
        assert 7.0 <= variant.body_size <= 12.0
        assert min(d.y for d in variant.draws) > 0
    pdf = render_grant_deck(sheets, tmp_path / "deck.pdf")
    with pdfplumber.open(pdf) as doc:
        texts = [" ".join(p.extract_text().split()) for p in doc.pages]
        assert doc.pages[0].width == pytest.approx(960, abs=0.1)
    assert len(texts) == 18
    divider = next(i for i, t in enumerate(texts) if "BIU's egen" in t)
    assert texts[divider] == f"Københavns Kommune {DIVIDER_TEXT}"
    assert "Nr. 21" in texts[divider + 1]
    pending = next(t for t in texts if "Nr. 11" in t)
    assert "Afventer afklaring" in pending and "Økonomi/ressourcer" not in pending
    assert all("Københavns Kommune" in t for t in texts)


def test_scan_pdf_is_image_only_and_deterministic(tmp_path):
    digital = render_intentions(
        parse_intentions(read_text("hensigtserklaeringer_bilag3.txt")), tmp_path / "d.pdf"
    )
    settings = ScanSettings(dpi=60, seed=3)
    a = scan_pdf(digital, tmp_path / "a.pdf", settings)
    b = scan_pdf(digital, tmp_path / "b.pdf", settings)
    assert a.read_bytes() == b.read_bytes()
    assert pdf_chars(a) == 0
    with pdfplumber.open(a) as scanned, pdfplumber.open(digital) as src:
        assert len(scanned.pages) == len(src.pages) == 2
        assert scanned.pages[0].width == pytest.approx(src.pages[0].width, abs=0.01)
    jpegs = page_jpegs(a)
    assert len(jpegs) == 2 and all(j[:2] == b"\xff\xd8" for j in jpegs)
    c = scan_pdf(digital, tmp_path / "c.pdf", settings.with_seed(4))
    assert c.read_bytes() != a.read_bytes()
