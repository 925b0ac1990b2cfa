"""The text-quality score tells a damaged OCR layer from clean Danish."""

from __future__ import annotations

import pytest

from pipeline.lexicon import Lexicon
from pipeline.quality import lacks_danish_letters, text_quality

CLEAN = (
    "Forvaltningens faglige vurdering er, at indsatsen kan videreføres uændret. Der kan søges "
    "om midler til en forlængelse af indsatsen i ét år med evt. genbevilling. Udløbet i 2026 "
    "udgør i alt 9,7 mio. kr., heraf 8,4 mio. kr. til beskæftigelsesrettet aktivering. "
    "Københavns Kommune samarbejder med leverandører om den bedste organisering på området."
)


def damage(text: str) -> str:
    """What an OCR engine without Danish does: ø->g, æ->ae, å->a, Ø->@."""
    for a, b in (("ø", "g"), ("æ", "ae"), ("å", "a"), ("Ø", "@"), ("é", "e")):
        text = text.replace(a, b)
    return text


@pytest.fixture(scope="module")
def is_word():
    return Lexicon.load().is_word


def test_clean_danish_scores_high(is_word) -> None:
    assert text_quality([CLEAN], is_word) >= 0.95


def test_damaged_layer_scores_clearly_lower(is_word) -> None:
    assert text_quality([damage(CLEAN)], is_word) < 0.85


def test_numbers_count_as_good_and_invented_symbols_as_bad(is_word) -> None:
    assert text_quality(["1.100.691 -1.742 12,5 2027-2030"], is_word) == 1.0
    assert text_quality(["@konomi |ndsats"], is_word) == 0.0


def test_danish_letter_check_needs_enough_words() -> None:
    assert lacks_danish_letters([damage(CLEAN) * 2])
    assert not lacks_danish_letters([CLEAN * 2])
    assert not lacks_danish_letters(["kort tekst uden bogstaverne"])
