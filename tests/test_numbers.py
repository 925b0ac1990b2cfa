"""Danish number parsing: exact on real forms, None on junk, round-trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.numbers import format_number, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.100.691", 1100691),
        ("-1.742", -1742),
        ("−1.742", -1742),
        ("– 58", -58),
        ("12,5", 12.5),
        ("0", 0),
        ("-0,6", -0.6),
        ("540", 540),
        ("2018", 2018),
    ],
)
def test_printed_forms(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text", ["", "-", "1.10.691", "1,2,3", "12a", "l.742", "1.7422", "3 198", "I alt", "1.,5"]
)
def test_junk_is_rejected(text: str) -> None:
    assert parse_number(text) is None


def test_dot_decimal_only_when_asked() -> None:
    assert parse_number("2.8") is None
    assert parse_number("2.8", dot_decimal=True) == 2.8
    assert parse_number("2.800", dot_decimal=True) == 2800


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_integers_round_trip(value: int) -> None:
    assert parse_number(format_number(value)) == value


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_one_decimal_round_trips(tenths: int) -> None:
    value = tenths / 10
    assert parse_number(format_number(value, decimals=1)) == pytest.approx(value)


@given(st.text(alphabet="0123456789.,- abcIl|O", max_size=12))
def test_parser_never_raises_and_accepts_only_clean_numbers(text: str) -> None:
    value = parse_number(text)
    if value is not None:
        assert any(c.isdigit() for c in text)
        assert not any(c.isalpha() for c in text)
