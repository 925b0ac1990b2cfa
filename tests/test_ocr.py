"""The OCR adapter and the second look at unsure lines, with real tesseract on small images."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import reportlab
from PIL import Image, ImageDraw, ImageFont

from pipeline import ink, ocr
from pipeline.pages import ReadSettings, _reads_as_numbers, second_look
from pipeline.records import Word

VERA = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"  # ships with reportlab
DPI = 300
SCALE = DPI / 72  # px per point
LINES = [("Udløbet i 2026 udgør i alt 9,7 mio. kr.", 100), ("Nr. 17", 200)]


@pytest.fixture(scope="module")
def page() -> Image.Image:
    """A white page with two lines of 12-pt text at known places (y in points)."""
    image = Image.new("L", (int(500 * SCALE), int(300 * SCALE)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(VERA), int(12 * SCALE))
    for text, y in LINES:
        draw.text((60 * SCALE, y * SCALE), text, font=font, fill=0)
    return image


def test_recognise_gives_words_with_boxes_in_points(page: Image.Image) -> None:
    words = ocr.recognise(page, scale=SCALE, lang="dan", dpi=DPI)
    assert " ".join(w.text_raw for w in words) == " ".join(text for text, _ in LINES)
    first = words[0]
    assert first.x0 == pytest.approx(60, abs=3) and 98 < first.top < first.bottom < 118
    assert len({w.line_hint for w in words}) == 2 and all(w.conf > 80 for w in words)


def test_threads_reading_at_once_each_get_their_own_engine(page: Image.Image) -> None:
    """A Dask worker may run several tasks in threads: they must not share an engine."""
    alone = ocr.recognise(page, scale=SCALE, lang="dan", dpi=DPI)
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(
            pool.map(lambda _: ocr.recognise(page, scale=SCALE, lang="dan", dpi=DPI), range(6))
        )
    assert all(words == alone for words in together)


def test_reread_lines_maps_each_line_back_to_its_place(page: Image.Image) -> None:
    boxes = [(58.0, y - 2.0, 330.0, y + 14.0) for _, y in reversed(LINES)]
    found = ocr.reread_regions(page, boxes, scale=SCALE, lang="dan+eng", dpi=DPI, pad_pt=4)
    assert [" ".join(w.text_raw for w in line) for line in found] == [t for t, _ in reversed(LINES)]
    for line, (_, y) in zip(found, reversed(LINES), strict=True):
        assert all(y - 3 < w.top < w.bottom < y + 18 for w in line)


def _misread(text: str, y: float, conf: float, line: int) -> list[Word]:
    words, x = [], 60.0
    for token in text.split():
        words.append(Word(token, x, y, x + 7 * len(token), y + 12, conf=conf, line_hint=line))
        x += 7 * len(token) + 4
    return words


def test_an_unsure_line_is_read_again_and_replaced_when_surer(page: Image.Image) -> None:
    sure = _misread(LINES[0][0], LINES[0][1], 95.0, 1)
    unsure = _misread("NT: X", LINES[1][1], 0.0, 2)
    words = second_look(page, SCALE, sure + unsure, ReadSettings())
    assert words[: len(sure)] == sure  # a sure line is not touched
    again = words[len(sure) :]
    assert [w.text_raw for w in again] == ["Nr.", "17"]
    assert all(w.line_hint == 2 and w.conf > 50 for w in again)


def test_an_unsure_number_is_read_again_and_kept_only_as_a_number(page: Image.Image) -> None:
    first = _misread(LINES[0][0], LINES[0][1], 95.0, 1)
    # "9,7" misread as "9;7" with doubt: read again, it comes back as the number it is
    k = next(i for i, w in enumerate(first) if w.text_raw == "9,7")
    first[k] = replace(first[k], text_raw="9;7", conf=40.0)
    # the box fits the printed "9,7": measure it on the page instead of guessing
    printed = next(
        w for w in ocr.recognise(page, scale=SCALE, lang="dan", dpi=DPI) if w.text_raw == "9,7"
    )
    first[k] = replace(
        first[k], x0=printed.x0, top=printed.top, x1=printed.x1, bottom=printed.bottom
    )
    words = second_look(page, SCALE, first, ReadSettings())
    assert words[k].text_raw == "9,7" and words[k].conf > 40
    assert [w.text_raw for i, w in enumerate(words) if i != k] == [
        w.text_raw for i, w in enumerate(first) if i != k
    ]


def test_numbers_merged_into_one_word_are_read_again_as_each_number() -> None:
    image = Image.new("L", (int(500 * SCALE), int(100 * SCALE)), 255)
    font = ImageFont.truetype(str(VERA), int(10 * SCALE))
    ImageDraw.Draw(image).text((60 * SCALE, 40 * SCALE), "2012    2013    2014", font=font, fill=0)
    printed = ocr.recognise(image, scale=SCALE, lang="dan", dpi=DPI)
    merged = Word(
        "2012:——2013.-2014.",
        min(w.x0 for w in printed),
        min(w.top for w in printed),
        max(w.x1 for w in printed),
        max(w.bottom for w in printed),
        conf=31.0,
        line_hint=7,
    )
    words = second_look(image, SCALE, [merged], ReadSettings())
    assert [w.text_raw for w in words] == ["2012", "2013", "2014"]
    assert all(w.line_hint == 7 for w in words)
    assert [w.x0 for w in words] == sorted(w.x0 for w in words)


def test_a_number_in_english_grouping_is_not_taken_from_the_second_model() -> None:
    old = Word("18000”", 0, 0, 30, 8, conf=20.0)
    read = [Word("-", 0, 0, 3, 8, conf=90.0), Word("5.000", 5, 0, 30, 8, conf=90.0)]
    assert _reads_as_numbers(read, old)
    assert not _reads_as_numbers([read[0], replace(read[1], text_raw="5,000")], old)
    assert not _reads_as_numbers([replace(read[1], conf=10.0)], old)  # not surer
    assert not _reads_as_numbers([read[0]], old)  # a dash alone is no number


def test_nothing_is_read_again_when_every_line_is_sure(page: Image.Image) -> None:
    words = _misread("anything at all", 100, 90.0, 1)
    assert second_look(page, SCALE, words, ReadSettings()) is words


def _draw(texts: list[tuple[str, float, float]], rules: list[tuple[float, float, float, float]]):
    image = Image.new("L", (int(500 * SCALE), int(300 * SCALE)), 238)  # grey paper
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(VERA), int(10 * SCALE))
    for text, x, y in texts:
        draw.text((x * SCALE, y * SCALE), text, font=font, fill=20)
    for x0, y0, x1, y1 in rules:
        draw.line((x0 * SCALE, y0 * SCALE, x1 * SCALE, y1 * SCALE), fill=30, width=3)
    return image


def test_ink_without_words_is_found_but_ruling_lines_are_not() -> None:
    texts = [("Antal 3.970 4.400", 60, 50), ("-1.477", 400, 50), ("Enhedspris 106.982", 60, 80)]
    grid = [(40, 30, 460, 30), (40, 110, 460, 110), (40, 30, 40, 110), (460, 30, 460, 110)]
    image = _draw(texts, grid)
    read = [(60.0, 50.0, 160.0, 62.0), (60.0, 80.0, 170.0, 92.0)]  # the two left lines only
    regions = ink.unread_regions(image, SCALE, read, text_height=10.0)
    assert len(regions) == 1
    x0, top, x1, bottom = regions[0]
    assert 395 < x0 < 402 and x1 < 440 and 48 < top < bottom < 64


def test_a_page_whose_words_were_all_read_has_no_unread_ink() -> None:
    image = _draw([("Nr. 7", 60, 50)], [(40, 70, 460, 70)])
    assert ink.unread_regions(image, SCALE, [(60.0, 50.0, 92.0, 62.0)], text_height=10.0) == []


def test_check_boxes_are_found_in_the_ink_and_letters_are_not() -> None:
    image = Image.new("L", (int(300 * SCALE), int(60 * SCALE)), 236)  # grey paper
    draw = ImageDraw.Draw(image)
    side = 10 * SCALE
    for k, marked in enumerate((False, True, False)):
        x, y = (40 + 60 * k) * SCALE, 20 * SCALE
        draw.rectangle((x, y, x + side, y + side), outline=30, width=3)
        if marked:
            draw.line((x + 6, y + 6, x + side - 6, y + side - 6), fill=30, width=4)
            draw.line((x + 6, y + side - 6, x + side - 6, y + 6), fill=30, width=4)
    draw.rectangle((220 * SCALE, 20 * SCALE, 228 * SCALE, 28 * SCALE), fill=30)  # a bullet
    bold = ImageFont.truetype(str(VERA.with_name("VeraBd.ttf")), int(14 * SCALE))
    draw.text((240 * SCALE, 16 * SCALE), "OBoD", font=bold, fill=30)
    found = ink.check_boxes(image, SCALE, text_height=7.0)
    assert [marked for _, marked in found] == [False, True, False]
    for (x0, top, x1, bottom), _ in found:
        assert 9 <= x1 - x0 <= 11 and 9 <= bottom - top <= 11 and top == pytest.approx(20, abs=1)
