"""Layout on synthetic word boxes: columns, reading order, skew, table rows."""

from __future__ import annotations

import math

import pytest

from pipeline.layout import LayoutSettings, deskew, layout_page, skew_angle
from pipeline.records import Word

CHAR_W, LINE_H, LEADING = 5.0, 10.0, 13.0


def line_words(text: str, x: float, y: float, *, tag: str = "", hint: int = -1) -> list[Word]:
    """Words of `text` set left-aligned at (x, y) in a 10-pt font; `tag` marks their origin."""
    words = []
    for token in text.split():
        w = len(token) * CHAR_W
        words.append(Word(token + tag, x, y, x + w, y + LINE_H, line_hint=hint))
        x += w + CHAR_W
    return words


def paragraph(lines: list[str], x: float, y: float, tag: str) -> tuple[list[Word], float]:
    words: list[Word] = []
    for text in lines:
        words += line_words(text, x, y, tag=tag)
        y += LEADING
    return words, y


PROSE = [
    "indsatsen er en helhedsorienteret indsats for borgere",
    "som varetages af forvaltningen og bygger på metoder",
    "herunder mentorordning og tæt samarbejde med jobcentret",
    "der er særligt fokus på trygge og udviklende fællesskaber",
]


def _texts_by_block(blocks) -> list[str]:
    return [" ".join(w.text_raw for ln in b.lines for w in ln.words) for b in blocks]


def test_two_columns_are_read_one_after_the_other() -> None:
    words: list[Word] = []
    words += line_words("Københavns Kommune", 40, 20, tag="#H")
    left, _ = paragraph(PROSE * 3, 40, 60, "#L")
    right, _ = paragraph(PROSE, 340, 60, "#R")
    words += left + right
    _, blocks = layout_page(tuple(words), 640, 400)
    order = [w.text_raw[-2:] for b in blocks for ln in b.lines for w in ln.words]
    # header first, then every left word, then every right word: never interleaved
    assert order == ["#H"] * 2 + ["#L"] * len(left) + ["#R"] * len(right)
    columns = {b.column for b in blocks if "#R" in _texts_by_block([b])[0]}
    assert columns == {1}


def test_left_only_heading_below_short_right_column_stays_in_left_column() -> None:
    top_left, y = paragraph(PROSE, 40, 60, "#L")
    heading = line_words("Resultater og erfaringer:", 40, y + 20, tag="#L")
    more_left, _ = paragraph(PROSE, 40, y + 20 + LEADING, "#L")
    right, _ = paragraph(PROSE[:2], 340, 60, "#R")
    words = top_left + heading + more_left + right
    _, blocks = layout_page(tuple(words), 640, 400)
    order = [w.text_raw[-2:] for b in blocks for ln in b.lines for w in ln.words]
    first_right = order.index("#R")
    assert set(order[:first_right]) == {"#L"}
    assert set(order[first_right:]) == {"#R"}


def test_columns_under_a_full_width_title_are_not_cut_into_bands() -> None:
    """Paragraph gaps at the same height in both columns must not interleave them."""
    title = line_words(
        "Styrket beskæftigelsesindsats for borgere med handicap og en titel der er lang nok",
        40,
        20,
        tag="#T",
    )
    words = title
    for x, tag in ((40, "#L"), (340, "#R")):
        first, y = paragraph(PROSE, x, 60, tag)
        second, _ = paragraph(PROSE, x, y + 2 * LINE_H, tag)
        words = words + first + second
    _, blocks = layout_page(tuple(words), 640, 400)
    order = [w.text_raw[-2:] for b in blocks for ln in b.lines for w in ln.words]
    n = 2 * sum(len(text.split()) for text in PROSE)
    assert order == ["#T"] * len(title) + ["#L"] * n + ["#R"] * n


def test_paragraph_gap_starts_a_new_block() -> None:
    first, y = paragraph(PROSE[:2], 40, 40, "#A")
    second, _ = paragraph(PROSE[2:], 40, y + 2 * LINE_H, "#B")
    _, blocks = layout_page(tuple(first + second), 640, 400)
    assert [{t[-2:] for t in text.split()} for text in _texts_by_block(blocks)] == [{"#A"}, {"#B"}]


def test_table_rows_stay_whole_lines() -> None:
    words: list[Word] = []
    rows = [
        ("Boliger til flygtninge", ["266.161", "-78.305", "233.034", "-48.377", "3.198"]),
        ("IT-udgifter mm.", ["42.645", "0", "41.370", "0", "1.275"]),
        ("Jobcenterdrift", ["752.344", "-12.957", "771.300", "-17.798", "-14.115"]),
    ]
    y = 100.0
    for label, numbers in rows:
        words += line_words(label, 40, y)
        for i, number in enumerate(numbers):
            right_edge = 300 + i * 60
            words += line_words(number, right_edge - len(number) * CHAR_W, y)
        y += LEADING
    _, blocks = layout_page(tuple(words), 640, 400)
    lines = [ln.text_raw for b in blocks for ln in b.lines]
    assert lines == [f"{label} {' '.join(numbers)}" for label, numbers in rows]


def test_sidebar_beside_a_paragraph_is_its_own_column() -> None:
    """A letter's address/phone sidebar starts below the paragraph's first line."""
    body, _ = paragraph(PROSE * 2, 40, 60, "#B")
    sidebar: list[Word] = []
    for i, text in enumerate(["Direktionen", "Bernstorffsgade 17, 3.", "Telefon", "33 17 33 17"]):
        sidebar += line_words(text, 340, 60 + (i + 2) * LEADING, tag="#S")
    _, blocks = layout_page(tuple(body + sidebar), 640, 400)
    order = [w.text_raw[-2:] for b in blocks for ln in b.lines for w in ln.words]
    assert order == ["#B"] * len(body) + ["#S"] * len(sidebar)


def test_number_column_with_a_header_stays_in_its_rows() -> None:
    words = line_words("Afvigelse", 300, 80) + line_words("netto", 310, 80 + LEADING)
    for i, (label, number) in enumerate(
        [("Administrative fællesudgifter", "38"), ("Support", "0")]
    ):
        y = 120 + i * LEADING
        words += line_words(label, 40, y) + line_words("150.541", 200, y)
        words += line_words(number, 345 - len(number) * CHAR_W, y)
    _, blocks = layout_page(tuple(words), 640, 400)
    lines = [ln.text_raw for b in blocks for ln in b.lines]
    assert "Administrative fællesudgifter 150.541 38" in lines
    assert "Support 150.541 0" in lines


def test_skewed_ocr_lines_are_straightened() -> None:
    angle = math.radians(0.9)
    words: list[Word] = []
    for i, text in enumerate(PROSE * 2):
        for w in line_words(text, 40, 60 + i * LEADING, tag=f"#{i}", hint=i):
            # tilt every word about the page centre, as a skewed scan does
            cx, cy = (w.x0 + w.x1) / 2 - 320, (w.top + w.bottom) / 2 - 200
            nx = cx * math.cos(angle) - cy * math.sin(angle) + 320
            ny = cx * math.sin(angle) + cy * math.cos(angle) + 200
            hw = (w.x1 - w.x0) / 2
            words.append(Word(w.text_raw, nx - hw, ny - 5, nx + hw, ny + 5, line_hint=i))
    assert skew_angle(words) == pytest.approx(angle, abs=math.radians(0.05))
    _, blocks = layout_page(tuple(words), 640, 400)
    lines = [ln for b in blocks for ln in b.lines]
    assert len(lines) == len(PROSE) * 2
    for i, line in enumerate(lines):
        assert {w.text_raw.split("#")[1] for w in line.words} == {str(i)}


def test_deskew_of_zero_angle_keeps_boxes() -> None:
    words = tuple(line_words("a b c", 10, 10))
    assert deskew(words, 100, 100, 0.0) == words


def test_empty_page_has_no_blocks() -> None:
    assert layout_page((), 600, 800) == ((), ())


def test_settings_name_the_bad_value() -> None:
    with pytest.raises(ValueError, match="word_gap"):
        LayoutSettings(word_gap=0)
