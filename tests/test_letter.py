"""The 2007 letter (a scan): metadata, subject, the goal list and the economy table against
the corpus, a rescanned variant, and the readers' rules on synthetic lines."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import LETTER

from pipeline.extractors.letter import lettered_lists, meta_key, parse_date
from tests.note_helpers import cer, document_row, run_batch, table_of, text_line
from tests.samples.corpus import Form, Heading, LetterDoc, ListItem, Paragraph, parse_letter
from tests.samples.render_letter import render_letter
from tests.samples.scan import ScanSettings, scan_pdf

SAMPLE = "budgetredegoerelse_2007.pdf"
ITEM = re.compile(r"^([a-zæøå])\)\s+(.*)$")


@pytest.fixture(scope="module")
def letter(corpus: Path) -> LetterDoc:
    text = (corpus / "budgetredegoerelse_integration_2007.txt").read_text("utf-8")
    return parse_letter(text)


def goals(doc: LetterDoc) -> tuple[str, list[tuple[str, str]]]:
    """(the sentence introducing the lettered list, [(letter, text)]) from the corpus."""
    for part in doc.parts:
        for k, b in enumerate(part.blocks):
            if isinstance(b, ListItem) and ITEM.match(b.text):
                intro = part.blocks[k - 1]
                assert isinstance(intro, Paragraph)
                sentence = re.split(r"(?<=[.!?])\s+", " ".join(intro.lines))[-1]
                items = [
                    ITEM.match(x.text).groups()  # type: ignore[union-attr]
                    for x in part.blocks[k:]
                    if isinstance(x, ListItem) and ITEM.match(x.text)
                ]
                return sentence.rstrip(":"), items
    raise AssertionError("no lettered list")


def economy(doc: LetterDoc) -> tuple[str, list[str], list[str]]:
    """(caption, column heads, row labels) of the form with more than two cells."""
    for part in doc.parts:
        for k, b in enumerate(part.blocks):
            if isinstance(b, Form) and max(len(r.cells) for r in b.rows) > 2:
                caption = part.blocks[k - 1]
                assert isinstance(caption, Heading)
                return caption.text, list(b.rows[0].cells[1:]), [r.cells[0] for r in b.rows]
    raise AssertionError("no table form")


def assert_letter(out: Path, name: str, doc: LetterDoc) -> None:
    row = document_row(out, name)
    meta = dict(doc.parts[0].meta)
    assert row["doc_type"] == "letter"
    assert row["date"] == parse_date(meta["Dato"])
    assert (row["case_no"], row["doc_no"]) == (meta["Sagsnr."], meta["Dok.nr."])
    assert row["title"] == doc.parts[0].subject
    tables = table_of(out, "budget_tables", name)

    info = tables[tables.table_title == "Dokumentoplysninger"]
    want = [(p.subject, k, v) for p in doc.parts for k, v in p.meta]
    assert list(zip(info.row_label, info.column, info.value_text, strict=True)) == want

    intro, items = goals(doc)
    got = tables[tables.row_label.str.fullmatch(r"[a-zæøå]\)")]
    assert got.row_label.tolist() == [f"{letter})" for letter, _ in items]
    assert cer(got.table_title.tolist(), [intro] * len(items)) < 0.02
    assert cer(got.value_text.tolist(), [text for _, text in items]) < 0.02

    caption, heads, labels = economy(doc)
    label, _, title = caption.partition(". ")
    form = tables[tables.table_label == label]
    assert (form.table_title == title).all()
    assert form.column.unique().tolist() == heads
    assert cer(form.row_label.unique().tolist(), labels) < 0.02
    assert (form.value_text == "").all() and form.value.isna().all()


def test_sample_letter(batch_out: Path, letter: LetterDoc) -> None:
    assert_letter(batch_out, SAMPLE, letter)


def _short(doc: LetterDoc) -> LetterDoc:
    """The letter with its guidelines cut to the lettered list and the economy table, so
    the rescan stays at a few pages."""
    first, second = doc.parts
    keep = [
        b
        for b in second.blocks
        if isinstance(b, ListItem | Heading)
        or (isinstance(b, Paragraph) and b.lines[-1].endswith(":"))
        or (isinstance(b, Form) and max(len(r.cells) for r in b.rows) > 2)
    ]
    return replace(doc, parts=(first, replace(second, blocks=tuple(keep))))


@pytest.fixture(scope="module")
def rescan(tmp_path_factory: pytest.TempPathFactory, letter: LetterDoc) -> Path:
    """Another font, US Letter paper, no address column, a noisier scan."""
    folder = tmp_path_factory.mktemp("letter_variant")
    digital = render_letter(
        _short(letter), folder / "digital.pdf", pagesize=LETTER, font="Helvetica", sidebar=False
    )
    settings = ScanSettings(dpi=200, max_skew_deg=1.0, blur=0.8, noise=8.0, seed=11)
    scan_pdf(digital, folder / "rescan.pdf", settings)
    digital.unlink()
    return run_batch(folder, tmp_path_factory.mktemp("letter_out"))


def test_rescanned_letter(rescan: Path, letter: LetterDoc) -> None:
    assert_letter(rescan, "rescan.pdf", _short(letter))


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("20-03-2007", dt.date(2007, 3, 20)),
        ("8. marts 2007", dt.date(2007, 3, 8)),
        ("8. rnarts 2007", dt.date(2007, 3, 8)),
        ("1.12.2024", dt.date(2024, 12, 1)),
        ("2025-01-31", dt.date(2025, 1, 31)),
        ("31-02-2007", None),
        ("snarest", None),
    ],
)
def test_parse_date(text: str, date: dt.date | None) -> None:
    assert parse_date(text) == date


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("Dato: 20-03-2007", ("Dato", "20-03-2007")),
        ("Sagsnr: 2006-742", ("Sagsnr.", "2006-742")),
        ("Dok. nr.: 2007-86327", ("Dok.nr.", "2007-86327")),
        ("Dok.nr.:2007-86327", ("Dok.nr.", "2007-86327")),
        ("Datoen for mødet er 3. maj", None),
        ("Hver forvaltning skal: redegøre", None),
    ],
)
def test_meta_key(line: str, found: tuple[str, str] | None) -> None:
    assert meta_key(text_line([(line, 400)], 100)) == found


def test_lettered_list_with_wrapped_items() -> None:
    lines = [
        text_line([("De overordnede mål er:", 60)], 100),
        text_line([("a) Flere i", 80)], 115),
        text_line([("beskæftigelse", 80)], 127),
        text_line([("b) Færre på", 80)], 142),
        text_line([("ydelse", 80)], 154),
        text_line([("Næste afsnit begynder her.", 60)], 180),
        text_line([("a) Ikke en liste", 80)], 200),
    ]
    (found,) = lettered_lists(lines)
    assert found.intro == "De overordnede mål er"
    assert found.items == [("a", ["Flere i", "beskæftigelse"]), ("b", ["Færre på", "ydelse"])]
