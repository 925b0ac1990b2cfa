"""Danish numbers as printed: "1.100.691", "-1.742", "−1.742", "– 58", "12,5", "0".

A parser that says None to anything that is not cleanly a number, so a damaged cell
is reported by validation instead of being guessed into a plausible value.
"""

from __future__ import annotations

import re

MINUS_SIGNS = "-−–—‐"  # hyphen-minus, U+2212, en dash, em dash, hyphen
_NUMBER = re.compile(
    r"^(?P<sign>[" + MINUS_SIGNS + r"+]\s?)?"
    r"(?P<int>\d{1,3}(?:\.\d{3})+|\d+)"
    r"(?:,(?P<frac>\d+))?$"
)
_DOT_DECIMAL = re.compile(r"^(?P<sign>[" + MINUS_SIGNS + r"]\s?)?(?P<int>\d+)\.(?P<frac>\d{1,2})$")


def parse_number(text: str, *, dot_decimal: bool = False) -> int | float | None:
    """The value of a printed Danish number, or None.

    Thousands are grouped with "." and decimals follow ","; an int is returned when
    there are no decimals. With dot_decimal=True a lone "2.8" (prose typed with an
    English decimal point) reads as 2.8 instead of being rejected.
    """
    text = text.strip()
    m = _NUMBER.match(text)
    if m:
        value: int | float = int(m.group("int").replace(".", ""))
        if m.group("frac") is not None:
            value = float(f"{value}.{m.group('frac')}")
    elif dot_decimal and (m := _DOT_DECIMAL.match(text)):
        value = float(f"{m.group('int')}.{m.group('frac')}")
    else:
        return None
    sign = (m.group("sign") or "").strip()
    return -value if sign and sign != "+" else value


def format_number(value: int | float, *, decimals: int = 0) -> str:
    """The printed Danish form (the inverse of parse_number), e.g. -1100691 -> "-1.100.691"."""
    sign = "-" if value < 0 else ""
    whole, _, frac = f"{abs(value):.{decimals}f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{frac}" if decimals else f"{sign}{grouped}"
