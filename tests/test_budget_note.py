"""Budget note: every table cell against the sample builder's parsed model, the
check-box grid, the "I alt" validations, rendered variants, and the readers' rules on
synthetic lines."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from reportlab.lib.pagesizes import LETTER

from pipeline.extractors.note_checkboxes import read_checkboxes
from pipeline.extractors.note_tables import Table, cell_value, read_tables
from pipeline.lexicon import Lexicon
from pipeline.numbers import parse_number
from pipeline.records import Extraction
from pipeline.validate.budget_tables import checks
from tests.note_helpers import document_row, run_batch, table_of, text_line, unwrap
from tests.samples.corpus import Heading
from tests.samples.corpus_note import BudgetNote, DistrictGrid, NoteTable, parse_budget_note
from tests.samples.render_note import render_budget_note
from tests.samples.scan import ScanSettings, scan_pdf

SAMPLE = "budgetnotat_bi105.pdf"
CELL_COLUMNS = ["table_label", "table_title", "table_index", "row", "row_label", "column"]
COLUMNS = [*CELL_COLUMNS, "value_text", "value", "unit", "price_level"]
PRICE = re.compile(r"((?:19|20)\d\d|løbende) p/l")


@pytest.fixture(scope="module")
def note(corpus: Path) -> BudgetNote:
    return parse_budget_note((corpus / "budgetnotat_bi105.txt").read_text("utf-8"))


def _table_rows(t: NoteTable, index: int) -> list[dict]:
    """The model's cells as budget_tables rows: a table with amounts has a label column,
    a table of names has none; gap rows are spacing, not rows."""
    labelled = any(t.numeric)
    first = 1 if labelled else 0
    head = " ".join([*t.caption, *(t.columns[0] if labelled else ())])
    price = PRICE.search(head)
    out = []
    for r, row in enumerate(x for x in t.rows if x.kind != "gap"):
        for k in range(first, len(t.columns)):
            text = " ".join(row.cells[k])
            value = parse_number(text) if t.numeric[k] else None
            out.append(
                {
                    "table_label": t.label,
                    "table_title": re.sub(r"^Tabel \d+ – ", "", " ".join(t.caption)).rstrip(":"),
                    "table_index": index,
                    "row": r,
                    "row_label": unwrap(row.cells[0]) if labelled else "",
                    "column": unwrap(t.columns[k]),
                    "value_text": text,
                    "value": None if value is None else float(value),
                    "unit": "1.000 kr." if "1.000 kr." in head else "",
                    "price_level": f"{price.group(1)} p/l" if price else "",
                }
            )
    return out


def expected_tables(note: BudgetNote) -> pd.DataFrame:
    rows: list[dict] = []
    index = 0
    for block in note.blocks:
        if isinstance(block, NoteTable):
            rows += _table_rows(block, index)
        if isinstance(block, NoteTable | DistrictGrid):
            index += 1
    return pd.DataFrame(rows)


def expected_grid(note: BudgetNote) -> tuple[int, str, list[tuple[str, bool]]]:
    """(table_index, title, [(name without spaces, marked)]) of the district grid."""
    index = 0
    title = ""
    for block in note.blocks:
        if isinstance(block, Heading):
            title = block.text
        if isinstance(block, DistrictGrid):
            items = [(block.intro.replace(" ", ""), False)] if block.intro else []
            items += [("".join(c.lines).replace(" ", ""), c.marked) for r in block.rows for c in r]
            return index, title, items
        if isinstance(block, NoteTable):
            index += 1
    raise AssertionError("no grid in the note")


def assert_note(out: Path, name: str, note: BudgetNote) -> None:
    got = table_of(out, "budget_tables", name)
    want = expected_tables(note)
    cells = got[got.table_label != ""][COLUMNS].reset_index(drop=True)
    pd.testing.assert_frame_equal(cells, want[COLUMNS], check_dtype=False)

    index, title, items = expected_grid(note)
    grid = got[got.table_index == index]
    assert (grid.table_title == title).all()
    assert [n.replace(" ", "") for n in grid.row_label] == [n for n, _ in items]
    assert grid.value.tolist() == [float(m) for _, m in items]
    assert grid.value_text.tolist() == ["X" if m else "" for _, m in items]

    doc = document_row(out, name)
    code, _, title = " ".join(note.title_lines).partition(" ")
    assert (doc["doc_type"], doc["doc_code"], doc["title"]) == ("budget_note", code, title)
    assert_totals_add_up(table_of(out, "validations", name), want)


def assert_totals_add_up(validations: pd.DataFrame, want: pd.DataFrame) -> None:
    """Every printed total (an "I alt" row's amounts, an "I alt" column's cells) has a
    check, and every check holds."""
    assert len(validations) and validations.ok.all(), validations[~validations.ok]
    subjects = set(validations.subject)
    amounts = want[want.value.notna() | (want.value_text == "-")]
    totals = amounts[amounts.row_label.str.contains("i alt") | (amounts.column == "I alt")]
    assert len(totals) >= 20
    for t in totals.itertuples():
        assert any(s.endswith(f"{t.row_label} [{t.column}]") for s in subjects), t


def test_sample_tables_are_exact(batch_out: Path, note: BudgetNote) -> None:
    assert_note(batch_out, SAMPLE, note)


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory, note: BudgetNote) -> Path:
    """Letter paper, serif, ruled tables with values at the top of wrapped rows; and a
    sans font with narrow margins and values in the middle."""
    folder = tmp_path_factory.mktemp("note_variants")
    render_budget_note(
        note,
        folder / "letter_times_ruled.pdf",
        pagesize=LETTER,
        font="Times-Roman",
        body_size=11.0,
        table_size=8.0,
        ruled=True,
        value_valign="top",
    )
    render_budget_note(
        note,
        folder / "vera_middle.pdf",
        font="Vera",
        body_size=9.0,
        table_size=9.5,
        margins=(40.0, 40.0, 50.0, 50.0),
        value_valign="middle",
    )
    digital = render_budget_note(note, folder / "digital.pdf")
    scan_pdf(digital, folder / "scan.pdf", ScanSettings(seed=5))  # 200 dpi, skewed, JPEG
    digital.unlink()
    return run_batch(folder, tmp_path_factory.mktemp("note_out"))


@pytest.mark.parametrize("name", ["letter_times_ruled.pdf", "vera_middle.pdf"])
def test_variants_are_exact(variants: Path, note: BudgetNote, name: str) -> None:
    assert_note(variants, name, note)


def test_scanned_note_keeps_its_amount_tables_and_grid(variants: Path, note: BudgetNote) -> None:
    """OCR'd tables: wrapped labels stay one row though OCR boxes are only x-height tall,
    the cells come out as printed, and the check boxes are read from the ink."""
    assert document_row(variants, "scan.pdf")["doc_type"] == "budget_note"
    grid_index, _, items = expected_grid(note)
    grid = table_of(variants, "budget_tables", "scan.pdf")
    grid = grid[grid.table_index == grid_index]
    assert [n.replace(" ", "") for n in grid.row_label] == [n for n, _ in items]
    assert grid.value.tolist() == [float(m) for _, m in items]
    want = expected_tables(note)
    want = want[want.table_index < grid_index]
    got = table_of(variants, "budget_tables", "scan.pdf")
    got = got[got.table_index < grid_index]
    keys = ["table_index", "row_label", "column"]
    assert sorted(map(tuple, got[keys].values)) == sorted(map(tuple, want[keys].values))
    both = want.merge(got, on=[*keys, "row"], suffixes=("_want", "_got"))
    exact = (both.value_text_want == both.value_text_got).mean()
    print(f"\nscanned budget note: {exact:.1%} of {len(want)} amount-table cells exact")
    assert exact >= 0.95


# --- the readers on synthetic lines ------------------------------------------------


@pytest.fixture(scope="module")
def frequency():
    return Lexicon.load().frequency


def test_table_with_uniform_rows_top_values_and_a_page_break(frequency) -> None:
    """Rows as far apart as wrapped lines, values on a row's first line, the table going
    on at the top of the next page, then running text that ends it."""
    prose = "Teksten fortsætter her med en lang sætning om noget helt andet."
    lines = [
        text_line([("Tabel 4 – Udgifter (1.000 kr., 2025 p/l)", 60)], 100),
        text_line([("Område", 60), ("2025", 300), ("2026", 350), ("I alt", 405)], 115),
        text_line([("Drift af", 60), ("1.000", 295.5), ("2.000", 345.5), ("3.000", 405)], 127),
        text_line([("tilbud", 60)], 139),
        text_line([("Anlæg", 60), ("-", 313.5), ("500", 354.5), ("500", 414)], 151),
        text_line([("Udgifter i alt", 60), ("1.000", 295.5), ("2.500", 345.5)], 60, page=2),
        text_line([(prose, 60)], 80, page=2),
    ]
    (table,) = read_tables(lines, frequency)
    assert (table.label, table.title, table.unit, table.price_level) == (
        "Tabel 4",
        "Udgifter (1.000 kr., 2025 p/l)",
        "1.000 kr.",
        "2025 p/l",
    )
    assert [c.name for c in table.columns] == ["2025", "2026", "I alt"]
    assert [(r.label, r.cells, r.page) for r in table.rows] == [
        ("Drift af tilbud", ("1.000", "2.000", "3.000"), 1),
        ("Anlæg", ("-", "500", "500"), 1),
        ("Udgifter i alt", ("1.000", "2.500", ""), 2),
    ]


def _rows(table: Table) -> list[dict]:
    return [
        {
            "table_label": table.label,
            "table_index": 0,
            "row": r,
            "row_label": row.label,
            "column": col.name,
            "value_text": text,
            "value": cell_value(text),
            "page": 1,
        }
        for r, row in enumerate(table.rows)
        for col, text in zip(table.columns, row.cells, strict=True)
    ]


def test_damaged_number_stays_in_its_column_and_fails_its_check(frequency) -> None:
    heads = [("(1.000 kr.)", 60), ("2025", 300), ("2026", 350), ("2027", 400), ("I alt", 455)]
    lines = [
        text_line([("Tabel 1 – Test", 60)], 100),
        text_line(heads, 115),
        text_line([("A", 60), ("7:000=7.000=", 314), ("7.000", 395.5), ("21.000", 450.5)], 130),
        text_line([("B", 60), ("10", 309), ("20", 359), ("30", 409), ("61", 468.5)], 145),
    ]
    (table,) = read_tables(lines, frequency)
    assert table.rows[0].cells == ("", "7:000=7.000=", "7.000", "21.000")
    extraction = Extraction("budget_note", "", {"budget_tables": _rows(table)})
    found = {c["subject"]: c for c in checks(extraction)}
    damaged = found["Tabel 1 #0: A [I alt]"]
    assert damaged["expected"] is None and not damaged["ok"]
    rounding = found["Tabel 1 #0: B [I alt]"]  # 10 + 20 + 30 printed as 61: a rounding gap
    assert (rounding["difference"], rounding["tolerance"], rounding["ok"]) == (1.0, 2.0, True)


def test_grand_total_adds_up_the_subtotals() -> None:
    def row(r: int, label: str, value: float) -> dict:
        text = str(int(value))
        return {"table_index": 0, "row": r, "row_label": label, "column": "2025",
                "table_label": "T", "value_text": text, "value": value, "page": 1}  # fmt: skip

    rows = [row(0, "a", 1), row(1, "b", 2), row(2, "Sum 1 i alt", 3), row(3, "c", 4)]
    rows += [row(4, "Sum 2 i alt", 4), row(5, "Udgifter i alt", 9)]
    found = checks(Extraction("budget_note", "", {"budget_tables": rows}))
    assert [(c["expected"], c["actual"], c["ok"]) for c in found] == [
        (3.0, 3.0, True), (4.0, 4.0, True), (7.0, 9.0, False),
    ]  # fmt: skip


def test_check_boxes_with_marks_as_ocr_reads_them(frequency) -> None:
    lines = [
        text_line([("Bydel", 60)], 100),
        text_line([("Hele byen? (sæt kun kryds her)", 60), ("[X]", 250)], 115),
        text_line([("Nord", 76), ("[X]", 180), ("Syd", 196)], 135),
        text_line([("X", 62), ("Vesterbro/Kgs.", 76), ("Midt", 196)], 155),
        text_line([("Enghave", 76)], 167),
        text_line([("Næste afsnit begynder her med en lang sætning.", 60)], 200),
    ]
    ((start, items),) = read_checkboxes(lines, frequency)
    assert start == 1
    assert [(i.name, i.marked, i.row) for i in items] == [
        ("Hele byen? (sæt kun kryds her)", True, 0),
        ("Nord", False, 1),
        ("Syd", True, 1),
        ("Vesterbro/Kgs. Enghave", True, 2),
        ("Midt", False, 2),
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [("7.540", 7540.0), ("7.540.", 7540.0), ("-1.742", -1742.0), ("-", None), ("BIU", None)],
)
def test_cell_value(text: str, value: float | None) -> None:
    assert cell_value(text) == value
