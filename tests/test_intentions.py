"""Intentions annex (Hensigtserklæringer): golden rows from the corpus, rendered variants,
and the hyphenation rules."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from reportlab.lib.pagesizes import A5, LETTER

from pipeline.extractors.intentions import split_code
from pipeline.extractors.note_layout import TextLine, join_wrapped, mended_texts
from pipeline.lexicon import Lexicon
from pipeline.records import Word
from tests.note_helpers import cer, document_row, run_batch, table_of, unwrap
from tests.samples.corpus import IntentionsDoc, parse_intentions
from tests.samples.render_intentions import render_intentions
from tests.samples.scan import ScanSettings, scan_pdf

SAMPLE = "hensigtserklaeringer_bilag3.pdf"
CODE = re.compile(r"(?:^|(?<=/))([A-ZÆØÅ]{2,3}\d+)\b\s?")
REAL_HYPHEN = re.compile(r"\S+-\S+|\S+- (?:og|eller)\b")
MAX_CER = 0.005


@pytest.fixture(scope="module")
def annex(corpus: Path) -> IntentionsDoc:
    return parse_intentions((corpus / "hensigtserklaeringer_bilag3.txt").read_text("utf-8"))


def expected(doc: IntentionsDoc) -> pd.DataFrame:
    """code, title, text per statement: lines unwrapped, codes taken out of the title."""
    rows = []
    for r in doc.rows:
        title = unwrap(r.title_lines)
        codes = CODE.findall(title)
        rows.append(
            {
                "code": "/".join(codes) or None,
                "title": CODE.sub("", title).strip(),
                "text": unwrap(r.text_lines),
            }
        )
    return pd.DataFrame(rows)


def _codes(frame: pd.DataFrame) -> list[str | None]:
    return [c if isinstance(c, str) else None for c in frame.code]


def assert_matches(got: pd.DataFrame, want: pd.DataFrame, max_cer: float = MAX_CER) -> None:
    assert len(got) == len(want)
    assert _codes(got) == _codes(want)
    assert got.title.tolist() == want.title.tolist()
    assert cer(got.text.tolist(), want.text.tolist()) < max_cer
    for g, w in zip(got.text, want.text, strict=True):
        for hyphenated in REAL_HYPHEN.findall(w):
            assert hyphenated.rstrip(".,") in g


def test_sample_statements_are_exact(batch_out: Path, annex: IntentionsDoc) -> None:
    got = table_of(batch_out, "intentions", SAMPLE)
    want = expected(annex)
    assert_matches(got, want)
    assert got.page.tolist() == sorted(got.page.tolist())
    assert document_row(batch_out, SAMPLE)["title"] == annex.title
    joined = " ".join(got.text)
    for real in ("2025-2026", "Beskæftigelses- og Integrationsforvaltningen", "ikke-vestlig"):
        assert real in joined


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory, annex: IntentionsDoc) -> Path:
    """Two digital renderings (small page, serif, no rules; Letter, sans, wide columns)
    and one scan, through the real CLI."""
    folder = tmp_path_factory.mktemp("intentions_variants")
    render_intentions(
        annex,
        folder / "a5_times.pdf",
        pagesize=A5,
        font="Times-Roman",
        size=8.0,
        margins=(30, 30, 40, 40),
        ruled=False,
    )
    render_intentions(
        annex,
        folder / "letter_vera.pdf",
        pagesize=LETTER,
        font="Vera",
        size=9.5,
        column_widths=(170.0, 300.0),
    )
    digital = render_intentions(annex, folder / "digital.pdf", font="Times-Roman", size=10.5)
    scan_pdf(digital, folder / "scan.pdf", ScanSettings(dpi=240, max_skew_deg=0.6, seed=3))
    digital.unlink()
    return run_batch(folder, tmp_path_factory.mktemp("intentions_out"))


@pytest.mark.parametrize("name", ["a5_times.pdf", "letter_vera.pdf"])
def test_digital_variants_are_exact(variants: Path, annex: IntentionsDoc, name: str) -> None:
    assert document_row(variants, name)["doc_type"] == "intentions"
    assert_matches(table_of(variants, "intentions", name), expected(annex))


def test_scanned_variant_keeps_every_statement(variants: Path, annex: IntentionsDoc) -> None:
    """OCR may damage a code's digits ("ØK9S5"); statements, titles and text hold up."""
    got, want = table_of(variants, "intentions", "scan.pdf"), expected(annex)
    assert document_row(variants, "scan.pdf")["doc_type"] == "intentions"
    assert len(got) == len(want)
    codes = zip(_codes(got), _codes(want), strict=True)
    assert sum(g == w for g, w in codes) >= len(want) - 2
    assert cer(got.title.tolist(), want.title.tolist()) < 0.03
    assert cer(got.text.tolist(), want.text.tolist()) < 0.02


@pytest.fixture(scope="module")
def frequency():
    return Lexicon.load().frequency


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["at Integra-", "tionsforvaltningen skal"], "at Integrationsforvaltningen skal"),
        (
            ["Beskæftigelses-", "og Integrationsforvaltningen"],
            "Beskæftigelses- og Integrationsforvaltningen",
        ),
        (["overførselssagen 2025-", "2026 drøfter"], "overførselssagen 2025-2026 drøfter"),
        (["med ikke-vest-", "lig baggrund"], "med ikke-vestlig baggrund"),
        (["med ikke-", "vestlig baggrund"], "med ikke-vestlig baggrund"),
        (["skal ud-", "arbejde et notat"], "skal udarbejde et notat"),
        (["et nyt it-", "system"], "et nyt it-system"),
        (["Nørrebro-", "Nordvest"], "Nørrebro-Nordvest"),
        (["til at op-, om-", "eller nedprioritere"], "til at op-, om- eller nedprioritere"),
        (["ingen bindestreg", "her"], "ingen bindestreg her"),
    ],
)
def test_join_wrapped_removes_hyphenation_and_keeps_real_hyphens(
    frequency, lines: list[str], joined: str
) -> None:
    assert join_wrapped(lines, frequency) == joined


def _ocr_line(raw: list[str], corrected: list[str], top: float) -> TextLine:
    ws = tuple(Word(r, 10.0 * k, top, 10.0 * k + 8, top + 9, conf=90.0) for k, r in enumerate(raw))
    return TextLine(ws, 1, tuple(corrected))


def test_hyphenated_halves_are_taken_as_read_when_they_join_into_a_word(frequency) -> None:
    lines = [
        _ocr_line(["med", "anonymi-"], ["med", "anonym i-"], 10.0),
        _ocr_line(["sering", "af"], ["se ring", "af"], 22.0),
    ]
    assert join_wrapped(mended_texts(lines, frequency), frequency) == "med anonymisering af"
    kept = [
        _ocr_line(["Kgbenhavns"], ["Københavns"], 10.0),
        _ocr_line(["Kommune"], ["Kommune"], 22),
    ]
    assert mended_texts(kept, frequency) == ["Københavns", "Kommune"]


@pytest.mark.parametrize(
    ("title", "code", "rest"),
    [
        ("BI42 Perspektiv – beskæftigelsesindsats", "BI42", "Perspektiv – beskæftigelsesindsats"),
        (
            "SO37 Nyt tilbud/SU53 Forebyggelse af brug",
            "SO37/SU53",
            "Nyt tilbud/Forebyggelse af brug",
        ),
        ("B143 Hensigtserklæring om Startblokken", "BI43", "Hensigtserklæring om Startblokken"),
        ("Principper for budgetstyring", None, "Principper for budgetstyring"),
        ("Opfølgning på puljer 2026", None, "Opfølgning på puljer 2026"),
        ("Samarbejde med Kultur/Fritid", None, "Samarbejde med Kultur/Fritid"),
    ],
)
def test_split_code(title: str, code: str | None, rest: str) -> None:
    assert split_code(title) == (code, rest)
