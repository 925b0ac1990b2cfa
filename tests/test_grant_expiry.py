"""Grant-expiry decks: the grant_expiry and grant_amounts tables.

- golden: both sample decks through the real CLI (session fixture `batch_out`, real
  tesseract) against the 17 transcriptions in ../shared/corpus/bevillingsudloeb/*.json;
  the per-field character error rate, numbers, categories and amount F1 are printed.
- variants: decks rendered here in other fonts, type sizes and page shapes, with titles
  over two lines, one column much longer than the other and heavier scan noise, then
  OCR'd through the CLI once for the module.
- drawn words: every sheet laid out by the sample renderer in several layouts and its
  drawn text turned into word boxes, so the structure is tested without OCR noise.
- units: amounts, categories, sheet numbers, headings and line joins on small inputs.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.extractors.grant_amounts import amounts
from pipeline.extractors.grant_expiry import (
    COLUMN_HEADINGS,
    FIELDS,
    SECTIONS,
    Segment,
    assessment_category,
    extract,
    increasing,
    infer_numbers,
    join_words,
    match_heading,
    read_nr,
)
from pipeline.layout import layout_page
from pipeline.lexicon import Lexicon
from pipeline.records import Document, PageLayout, SourceDocument, Word
from tests.conftest import doc_id_of, run_cli
from tests.samples.corpus import GrantSheet, load_sheets
from tests.samples.render_grants import (
    PAGE_SIZES,
    SlideLayout,
    layout_divider,
    layout_sheet,
    render_grant_deck,
)
from tests.samples.scan import ScanSettings
from tests.samples.textkit import width

SAMPLES = ("bevillingsudloeb_scan.pdf", "bevillingsudloeb_ocrlayer.pdf")
TEXT_FIELDS = ("title", *FIELDS)
ATTRIBUTES = ("area", "annual", "year_from", "year_to", "price_level")


# --- scoring against the transcriptions ----------------------------------------------


def levenshtein(a: str, b: str) -> int:
    """Edit distance (Myers/Hyyrö bit-parallel, one big int per column of a)."""
    if not a:
        return len(b)
    masks: dict[str, int] = {}
    for i, c in enumerate(a):
        masks[c] = masks.get(c, 0) | 1 << i
    full, top = (1 << len(a)) - 1, 1 << (len(a) - 1)
    pv, mv, score = full, 0, len(a)
    for c in b:
        eq = masks.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        score += 1 if ph & top else -1 if mh & top else 0
        ph = (ph << 1) | 1
        mh <<= 1
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv & full
    return score


@dataclass(frozen=True)
class Expected:
    """One sheet as transcribed: the truth an extraction is scored against."""

    nr: int
    group: str
    category: str
    texts: dict[str, str]
    amounts: tuple[dict, ...]


def corpus_truth(corpus: Path) -> list[Expected]:
    sheets = [json.loads(p.read_text(encoding="utf-8")) for p in corpus.glob("*/sheet_*.json")]
    return sorted(
        (
            Expected(
                d["nr"],
                d["group"],
                d["assessment_category"],
                {f: d[f] for f in TEXT_FIELDS},
                tuple(d["amounts"]),
            )
            for d in sheets
        ),
        key=lambda e: e.nr,
    )


def sheet_truth(sheets: Sequence[GrantSheet], truth: Sequence[Expected]) -> list[Expected]:
    """Rendered (possibly renumbered or lengthened) sheets; their economy texts are the
    transcribed ones, so their amounts are those of the transcription with the same title."""
    by_title = {e.texts["title"]: e for e in truth}
    return [
        Expected(
            s.nr,
            s.group,
            s.assessment_category,
            {f: getattr(s, f) for f in TEXT_FIELDS},
            by_title[s.title].amounts,
        )
        for s in sheets
    ]


@dataclass(frozen=True)
class Score:
    n_sheets: int
    numbers_right: int
    inferred: int
    groups_right: int
    categories_right: int
    cer: dict[str, float]  # per field: edit distance / reference length, over all sheets
    amount_f1: float
    attributes_right: int
    attributes_total: int

    @property
    def mean_cer(self) -> float:
        return sum(self.cer.values()) / len(self.cer)

    def report(self, name: str) -> str:
        n = self.n_sheets
        fields = " ".join(f"{f} {100 * v:.2f}%" for f, v in self.cer.items())
        return (
            f"{name}: {n} sheets, sheet_no right {self.numbers_right}/{n} "
            f"({self.inferred} inferred), grp {self.groups_right}/{n}, "
            f"category {self.categories_right}/{n}; CER {fields}; "
            f"mean CER {100 * self.mean_cer:.2f}%; amounts F1 {self.amount_f1:.3f}, "
            f"attributes right {self.attributes_right}/{self.attributes_total}"
        )


def _amount_key(nr: int, a: dict) -> tuple[int, str, float]:
    return (int(nr), str(a["section"]), round(float(a["amount_mkr"]), 3))


def score(sheets: pd.DataFrame, amount_rows: pd.DataFrame, truth: Sequence[Expected]) -> Score:
    """Sheets are compared in deck order, so one wrong number spoils only that number;
    amounts are matched on (sheet_no, section, amount_mkr) as extracted."""
    rows = sheets.sort_values("page").to_dict("records")
    pairs = list(zip(rows, truth, strict=False))
    dist = Counter[str]()
    size = Counter[str]()
    for row, exp in pairs:
        for f in TEXT_FIELDS:
            dist[f] += levenshtein(row[f], exp.texts[f])
            size[f] += len(exp.texts[f])
    got = Counter(_amount_key(a["sheet_no"], a) for a in amount_rows.to_dict("records"))
    want = Counter(_amount_key(e.nr, a) for e in truth for a in e.amounts)
    hits = sum((got & want).values())
    f1 = 2 * hits / (sum(got.values()) + sum(want.values())) if got or want else 1.0
    extracted = {_amount_key(a["sheet_no"], a): a for a in amount_rows.to_dict("records")}
    matched = [
        (extracted[_amount_key(e.nr, a)], a)
        for e in truth
        for a in e.amounts
        if _amount_key(e.nr, a) in extracted
    ]
    return Score(
        n_sheets=len(rows),
        numbers_right=sum(r["sheet_no"] == e.nr for r, e in pairs),
        inferred=sum(bool(r["sheet_no_inferred"]) for r in rows),
        groups_right=sum(r["grp"] == e.group for r, e in pairs),
        categories_right=sum(r["assessment_category"] == e.category for r, e in pairs),
        cer={f: dist[f] / max(size[f], 1) for f in TEXT_FIELDS},
        amount_f1=f1,
        attributes_right=sum(
            all(_same(got_a[k], want_a[k]) for k in ATTRIBUTES) for got_a, want_a in matched
        ),
        attributes_total=len(matched),
    )


def _same(got: object, want: object) -> bool:
    """Parquet gives NaN for a missing year and floats for years: compare as values."""
    return (want is None) == bool(pd.isna(got)) and (want is None or got == want)


def tables_of(out: Path, file_name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    doc_id = doc_id_of(out, file_name)
    sheets = pd.read_parquet(out / "grant_expiry", filters=[("doc_id", "==", doc_id)])
    found = pd.read_parquet(out / "grant_amounts", filters=[("doc_id", "==", doc_id)])
    return sheets, found


def print_report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(f"\n{text}")


# --- golden: the sample decks --------------------------------------------------------


@pytest.fixture(scope="module")
def truth(corpus: Path) -> list[Expected]:
    found = corpus_truth(corpus)
    assert len(found) == 17
    return found


@pytest.mark.parametrize("file_name", SAMPLES)
def test_sample_deck_matches_the_transcriptions(
    batch_out: Path, truth: list[Expected], file_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sheets, found = tables_of(batch_out, file_name)
    result = score(sheets, found, truth)
    print_report(capsys, result.report(file_name))
    assert result.n_sheets == 17
    assert result.groups_right == 17
    assert result.categories_right == 17
    assert result.mean_cer <= 0.01, result.cer
    assert max(result.cer.values()) <= 0.02, result.cer
    assert result.amount_f1 >= 0.95
    assert result.attributes_right >= 0.9 * result.attributes_total
    rows = sheets.sort_values("page").to_dict("records")
    numbers = [e.nr for e in truth]
    for k, row in enumerate(rows):
        if row["sheet_no_inferred"]:  # an unreadable number lies between its neighbours
            low = numbers[k - 1] if k else 0
            high = numbers[k + 1] if k + 1 < len(numbers) else 10_000
            assert low < row["sheet_no"] < high, row
        else:
            assert row["sheet_no"] == numbers[k], row


def test_both_sample_decks_give_the_same_records(batch_out: Path) -> None:
    (scan, scan_amounts), (layer, layer_amounts) = (tables_of(batch_out, f) for f in SAMPLES)
    keys = ["sheet_no", "grp", "assessment_category", "title", "page"]
    assert scan.sort_values("page")[keys].to_dict("records") == layer.sort_values("page")[
        keys
    ].to_dict("records")
    amount_keys = ["sheet_no", "section", "amount_mkr", *ATTRIBUTES]
    assert sorted(map(str, scan_amounts[amount_keys].to_dict("records"))) == sorted(
        map(str, layer_amounts[amount_keys].to_dict("records"))
    )


def test_breakdowns_are_checked_in_validations(batch_out: Path) -> None:
    doc_id = doc_id_of(batch_out, SAMPLES[0])
    checks = pd.read_parquet(batch_out / "validations", filters=[("doc_id", "==", doc_id)])
    parts = checks[checks.rule == "parts_sum_to_total"]
    assert len(parts) >= 3 and parts.ok.all(), parts


# --- variants: other layouts and heavier noise, real OCR ----------------------------


def _renumbered(sheets: Sequence[GrantSheet], start: int) -> list[GrantSheet]:
    return [replace(s, nr=start + i) for i, s in enumerate(sheets)]


def variant_decks(corpus: Path) -> dict[str, tuple[list[GrantSheet], dict]]:
    """A few small decks, each unlike the sample in several ways at once; the sheets are
    picked by what they contain (a list, no assessment yet, the longest texts...)."""
    by_nr = {s.nr: s for s in load_sheets(corpus)}
    pending = next(s for s in by_nr.values() if s.is_pending)
    bullets = next(s for s in by_nr.values() if "\n•" in s.assessment_content)
    own = [s for s in by_nr.values() if s.group == "egen_ramme"]
    lists = [s for s in by_nr.values() if "•" in s.expiry_economy]
    longest = max(by_nr.values(), key=lambda s: len(s.assessment_content))
    titles = sorted(by_nr.values(), key=lambda s: len(s.title))
    first, second = sorted(by_nr.values(), key=lambda s: len(s.expiry_content))[-2:]
    long_left = replace(first, expiry_content=f"{first.expiry_content}\n{second.expiry_content}")
    return {
        "a4_portrait_serif.pdf": (
            _renumbered([bullets, pending, own[0]], 7),
            dict(page_size=(595.3, 841.9), font="Times-Roman", min_body_size=4.5),
        ),
        "noisy_two_line_titles.pdf": (
            _renumbered([titles[-1], longest, own[1]], 98),
            dict(
                font="DejaVuSans",
                title_size=34,
                scan=ScanSettings(
                    dpi=200,
                    noise=14,
                    blur=1.0,
                    max_skew_deg=1.5,
                    jpeg_quality=35,
                    paper_grey=222,
                ),
            ),
        ),
        "long_left_column_4x3.pdf": (
            _renumbered([lists[0], long_left, titles[0]], 1),
            dict(page_size="4:3", font="LiberationSerif"),
        ),
    }


VARIANTS = ("a4_portrait_serif.pdf", "noisy_two_line_titles.pdf", "long_left_column_4x3.pdf")


@pytest.fixture(scope="module")
def variant_out(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """The variant decks scanned and run through the real CLI (one OCR run)."""
    raw = tmp_path_factory.mktemp("grant_variants")
    decks = variant_decks(corpus)
    assert sorted(decks) == sorted(VARIANTS)
    for name, (sheets, options) in decks.items():
        options = {"scan": ScanSettings(dpi=200, seed=7), **options}
        render_grant_deck(sheets, raw / name, **options)
    out = raw / "out"
    result = run_cli("run", raw, "--out", out, "--workers", "2", "--quiet")
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.slow
@pytest.mark.parametrize("file_name", VARIANTS)
def test_variant_decks_read_like_the_sample(
    variant_out: Path,
    corpus: Path,
    truth: list[Expected],
    file_name: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sheets, _ = variant_decks(corpus)[file_name]
    expected = sheet_truth(sheets, truth)
    found_sheets, found = tables_of(variant_out, file_name)
    result = score(found_sheets, found, expected)
    print_report(capsys, result.report(file_name))
    n = len(expected)
    assert result.n_sheets == n
    assert (result.groups_right, result.categories_right) == (n, n)
    assert result.numbers_right == n
    assert result.mean_cer <= 0.015, result.cer
    assert result.amount_f1 >= 0.9


# --- drawn words: the renderer's own layout, no OCR ----------------------------------


def drawn_words(layout: SlideLayout, page_height: float) -> tuple[Word, ...]:
    """Word boxes of everything the renderer draws, as a perfect text layer gives them."""
    words = []
    for d in layout.draws:
        if d.kind == "line":
            continue
        x = d.x - (width(d.text, d.font, d.size) / 2 if d.kind == "centred" else 0)
        for m in re.finditer(r"\S+", d.text):
            x0 = x + width(d.text[: m.start()], d.font, d.size)
            top, bottom = page_height - d.y - 0.75 * d.size, page_height - d.y + 0.2 * d.size
            words.append(Word(m.group(), x0, top, x0 + width(m.group(), d.font, d.size), bottom))
    return tuple(words)


def drawn_deck(sheets: Sequence[GrantSheet], page_size: tuple[float, float], **opts) -> Document:
    """The deck as render_grant_deck lays it out (divider included), read perfectly."""
    layouts: list[SlideLayout] = []
    for prev, s in zip([None, *sheets], sheets, strict=False):
        if s.group == "egen_ramme" and (prev is None or prev.group != s.group):
            layouts.append(layout_divider(page_size=page_size, font=opts.get("font", "Helvetica")))
        layouts.append(layout_sheet(s, page_size=page_size, **opts))
    w, h = page_size
    pages = []
    for i, layout in enumerate(layouts, start=1):
        words, blocks = layout_page(drawn_words(layout, h), w, h)
        pages.append(PageLayout(i, w, h, "text", 1.0, None, 0, words, blocks))
    return Document(SourceDocument(Path("deck.pdf"), "0" * 64, 0), tuple(pages))


LAYOUTS = {
    "16:9 Helvetica": (PAGE_SIZES["16:9"], {}),
    "A4 portrait Times": ((595.3, 841.9), dict(font="Times-Roman", min_body_size=4.0)),
    "4:3 Courier": (PAGE_SIZES["4:3"], dict(font="Courier", min_body_size=4.0)),
    "A4 landscape DejaVu, large titles": (PAGE_SIZES["A4"], dict(font="DejaVuSans", title_size=36)),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_sheet_reads_exactly_from_perfect_words(
    layout: str, corpus: Path, truth: list[Expected]
) -> None:
    sheets = load_sheets(corpus)
    size, opts = LAYOUTS[layout]
    extraction = extract(drawn_deck(sheets, size, **opts), "")
    rows = pd.DataFrame(extraction.tables["grant_expiry"])
    found = pd.DataFrame(extraction.tables["grant_amounts"])
    result = score(rows, found, sheet_truth(sheets, truth))
    n = len(sheets)
    assert (result.n_sheets, result.numbers_right, result.inferred) == (n, n, 0)
    assert (result.groups_right, result.categories_right) == (n, n)
    assert result.cer == dict.fromkeys(TEXT_FIELDS, 0.0)
    assert result.amount_f1 == 1.0
    assert result.attributes_right == result.attributes_total


# --- units ---------------------------------------------------------------------------


def _row(text: str) -> list[dict]:
    return [{k: v for k, v in a.row().items() if k != "source_text"} for a in amounts(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Der blev afsat 540.000 kr. pa indsats i 2024 - 2026.",
            [(0.54, "indsats", False, 2024, 2026, None)],
        ),
        (
            "Der afsættes 2-mio. kr. arligt (2027 p/1) på service i 2027 og 2028.",
            [(2.0, "service", True, 2027, 2028, 2027)],
        ),
        (
            "Med budget 2024 blev der afsat 2.8 mio. årligt på overforsler i 2024-2026.",
            [(2.8, "overførsler", True, 2024, 2026, None)],
        ),
        (
            "11 mio. kr. (2027 p/I) i 2027 heraf 9,5 mio. kr. til aktivering på indsats og "
            "1,4 mio. kr. på service til frikøb.",
            [
                (11.0, None, False, 2027, 2027, 2027),
                (9.5, "indsats", False, 2027, 2027, 2027),
                (1.4, "service", False, 2027, 2027, 2027),
            ],
        ),
        (
            "Med budget 2023 blev der afsat 2,7 mio. kr. i 2023 og 7,4 mio. kr. årligt på "
            "service i 2024-2026. Den årlige bevilling er fordelt således: 5,0 mio. kr. til "
            "BIU; 2,0 mio. kr. til SOC; og 0,4 mio. kr. til BUU.",
            [
                (2.7, "service", False, 2023, 2023, None),
                (7.4, "service", True, 2024, 2026, None),
                (5.0, "service", True, 2024, 2026, None),
                (2.0, "service", True, 2024, 2026, None),
                (0.4, "service", True, 2024, 2026, None),
            ],
        ),
        (
            "1,1 mio. kr. årligt (2027 p/L) på indsats og 0,6 mio. kr. årligt på service i "
            "2027-2030. Derudover 2,5 årsværk og 40 pct. af midlerne.",
            [
                (1.1, "indsats", True, 2027, 2030, 2027),
                (0.6, "service", True, 2027, 2030, 2027),
            ],
        ),
        ("-", []),
    ],
)
def test_amounts_in_prose(text: str, expected: list[tuple]) -> None:
    got = [tuple(r[k] for k in ("amount_mkr", *ATTRIBUTES)) for r in _row(text)]
    assert got == expected


def test_a_breakdown_names_the_amount_it_breaks_down() -> None:
    rows = _row("3,1 mio. kr. årligt, fordelt på 2,3 mio. kr. til BIF og 0,8 mio. kr. til SOF.")
    assert [r["part_of_mkr"] for r in rows] == [None, 3.1, 3.1]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Forvaltningens faglige vurdering er, at indsatsen ikke videreføres.", "discontinue"),
        ("Indsatsen bør ikke videreføres. Den kan evt. løftes som nyt forslag.", "discontinue"),
        ("Indsatsen kan videreføres uændret.", "continue_unchanged"),
        ("BIF og SOFs faglige vurdering er, at indsatsen kan videreføres.", "continue_unchanged"),
        (
            "Indsatsen kan videreføres uden justeringer med det forbehold, at ...",
            "continue_unchanged",
        ),
        (
            "Indsatsen kan videreføres med følgende justeringer:\n• Færre deltagere.",
            "continue_adjusted",
        ),
        (
            "Indsatsen kan videreføres med justeringer, såfremt der prioriteres midler.",
            "continue_adjusted",
        ),
        ("Indsatsen kan kun videreføres, hvis der findes finansiering.", "conditional"),
        ("Indsatsen kan videreføres, såfremt staten medfinansierer.", "conditional"),
        ("Indsatsen kan videreferes uaendret.", "continue_unchanged"),
        ("Indsatsen foreslås videreført i reduceret omfang.", "continue_adjusted"),
        ("Forvaltningen anbefaler, at indsatsen ophører med udgangen af 2026.", "discontinue"),
        ("", "pending"),
    ],
)
def test_assessment_category_rules(text: str, category: str) -> None:
    assert assessment_category(text) == category


@pytest.mark.parametrize(
    ("raw", "nr"),
    [("Nr. 12", 12), ("Nr3", 3), ("Nr 13", 13), ("NE:5", 5), ("Nr:-27", 27), ("Nr. &", None)],
)
def test_sheet_number_is_read_only_from_digits(raw: str, nr: int | None) -> None:
    assert read_nr(raw) == nr


def test_unreadable_and_out_of_order_numbers_are_inferred() -> None:
    read = increasing([None, 2, 3, 93, None, 6, 7])
    assert read == [None, 2, 3, None, None, 6, 7]
    assert infer_numbers(read) == [
        (1, True),
        (2, False),
        (3, False),
        (4, True),
        (5, True),
        (6, False),
        (7, False),
    ]


def _segment(text: str) -> Segment:
    words, x = [], 0.0
    for token in text.split():
        words.append(Word(token, x, 0.0, x + 6 * len(token), 10.0))
        x += 6 * len(token) + 3
    return Segment(tuple(words))


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Beskrivelse af udlecb", COLUMN_HEADINGS[0]),
        ("Beskrivelse af udiob", COLUMN_HEADINGS[0]),
        ("Faglig vurdering af videreforelse", COLUMN_HEADINGS[1]),
        ("@konomi/ressourcer:", "Økonomi/ressourcer"),
        ("Okonomi /ressourcer :", "Økonomi/ressourcer"),
        ("Indhold i justeret indsats:", "Indhold i justeret indsats"),
        ("Indhold i indsatsen:", "Indhold i indsatsen"),
    ],
)
def test_damaged_headings_are_recognised(text: str, phrase: str) -> None:
    found = match_heading(_segment(text), [*COLUMN_HEADINGS, *SECTIONS])
    assert found is not None and found.phrase == phrase and not found.rest


def test_a_sentence_starting_like_a_heading_is_no_heading() -> None:
    assert match_heading(_segment("Resultater og erfaringer viser fremgang"), SECTIONS) is None


@pytest.mark.parametrize(
    ("line", "nxt", "joined"),
    [
        ("af leverandør-", "og innovationsindsatsen", "af leverandør- og innovationsindsatsen"),
        ("fokus på beskæf-", "tigelse og job", "fokus på beskæftigelse og job"),
        ("perioden 2027-", "2030 er", "perioden 2027-2030 er"),
    ],
)
def test_line_end_hyphens(line: str, nxt: str, joined: str) -> None:
    assert " ".join(join_words(line.split(), nxt.split(), Lexicon.load())) == joined


@given(st.text("abcæø ", max_size=12), st.text("abcæø ", max_size=12))
def test_levenshtein_matches_the_textbook_recurrence(a: str, b: str) -> None:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, start=1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    assert levenshtein(a, b) == row[-1]
