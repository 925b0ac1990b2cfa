"""Amounts in the prose of a grant sheet's Økonomi/ressourcer fields.

"Med budget 2023 blev der afsat 2,7 mio. kr. i 2023 og 7,4 mio. kr. årligt på service i
2024-2026. Den årlige bevilling er fordelt således: 5,0 mio. kr. til BIU; ..." gives one
row per amount with what the text says about it. Each amount owns the words between it
and the next amount of its sentence (the first one also the words before it). Amounts
listed together share what only the last one states ("1,5 mio. kr. i 2025 og 2 mio. kr.
i 2026 på service": both on service), and an amount that breaks another one down
("heraf", "fordelt", "andel") takes what it does not state itself from that one. A price
level ("(2027 p/l)") stated once holds for the whole field. Patterns tolerate the OCR
damage the corrector may leave ("pa indsats", "arligt", "p/1", "2-mio. kr.", "2.8 mio.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.numbers import parse_number

_A = "[åaáàäé&4]"  # å and what OCR makes of it
_O = "[øoö@eg0]"
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?"
AMOUNT = re.compile(
    rf"(?<![\w.,/-])(?P<num>{_NUM})"
    r"(?:\s*-?\s*(?P<unit>mio|mia|mill|millioner)\b\.?(?:\s*kr\b\.?)?|\s*(?P<kr>kr)\b\.?)?",
    re.IGNORECASE,
)
_NOT_MONEY = re.compile(rf"^\s*(?:pct|procent|%|{_A}rsv\w*|{_A}r\b|timer|stk|personer)", re.I)
YEARS = re.compile(
    r"(?<![\d.,/])(?P<a>(?:19|20)\d\d)"
    r"(?:\s*[-–—]\s*(?P<b>(?:19|20)?\d\d)(?!\d|,\d)|\s+(?:og|til)\s+(?P<c>(?:19|20)\d\d))?"
    r"(?!\d|,\d|\s*-?\s*p\s*/|\s*-?\s*pris)"
)
_BUDGET_YEAR = re.compile(r"budget\w*\s*$", re.IGNORECASE)
PRICE_LEVEL = re.compile(r"(?P<y>(?:19|20)\d\d)\s*-?\s*(?:p\s*/\s*[lLI1|i!]?|pris)")
AREA = re.compile(
    rf"(?:\bp{_A}|\btil|\()\s*(?P<area>service|indsats|overf{_O}{{1,2}}rsler)(?![\w-])",
    re.IGNORECASE,
)
ANNUAL = re.compile(rf"\b{_A}rlig\w*|\bpr\.?\s*{_A}r\b|\bom {_A}ret\b", re.IGNORECASE)
BREAKDOWN = re.compile(r"\b(?:heraf|hvoraf|fordelt|fordeles|andel)\b", re.IGNORECASE)
# a sentence ends at a full stop before a capital (not "mio. kr. årligt", "nr. 19")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“”(]?[A-ZÆØÅ])|\n")


@dataclass(frozen=True)
class Amount:
    """One amount with what its sentence says about it; None where it says nothing."""

    amount_mkr: float
    area: str | None = None
    annual: bool | None = None
    year_from: int | None = None
    year_to: int | None = None
    price_level: int | None = None
    source_text: str = ""
    part: bool = False  # breaks an earlier amount down
    part_of: float | None = None  # the amount it breaks down

    @property
    def single_year(self) -> bool:
        return self.year_from is not None and self.year_from == self.year_to

    def row(self) -> dict:
        return {
            "amount_mkr": self.amount_mkr,
            "area": self.area,
            "annual": bool(self.annual),
            "year_from": self.year_from,
            "year_to": self.year_to,
            "price_level": self.price_level,
            "source_text": self.source_text,
            "part_of_mkr": self.part_of,
        }


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def money(text: str) -> list[tuple[re.Match[str], float]]:
    """(match, mio. kr.) for each amount: a number with a money unit, or a bare decimal
    number ("0,2 til ...") in a text that states its amounts in mio. kr."""
    found = [m for m in AMOUNT.finditer(text)]
    has_unit = any(m.group("unit") for m in found)
    out = []
    for m in found:
        value = parse_number(m.group("num"), dot_decimal=True)
        if value is None:
            continue
        unit = (m.group("unit") or "").lower()
        if unit:
            out.append((m, value * (1000 if unit == "mia" else 1)))
        elif m.group("kr") and value >= 1000:
            out.append((m, value / 1_000_000))
        elif has_unit and "," in m.group("num") and not _NOT_MONEY.match(text[m.end() :]):
            out.append((m, float(value)))
    return out


def years(span: str) -> tuple[int, int] | None:
    for m in YEARS.finditer(span):
        if _BUDGET_YEAR.search(span[: m.start()]):
            continue
        a = int(m.group("a"))
        b = m.group("b") or m.group("c")
        if b and len(b) == 2:
            b = m.group("a")[:2] + b
        end = int(b) if b and int(b) > a else a
        return a, end
    return None


def stated(value: float, span: str, sentence: str, part: bool) -> Amount:
    """What the span of words around an amount states about it."""
    area = AREA.search(span)
    yrs = years(span)
    price = PRICE_LEVEL.search(span)
    return Amount(
        amount_mkr=round(float(value), 6),
        area=_area(area.group("area")) if area else None,
        annual=True if ANNUAL.search(span) else None,
        year_from=yrs[0] if yrs else None,
        year_to=yrs[1] if yrs else None,
        price_level=int(price.group("y")) if price else None,
        source_text=sentence,
        part=part,
    )


def _area(word: str) -> str:
    w = word.lower()
    return w if w in ("service", "indsats") else "overførsler"


def sentence_amounts(sentence: str) -> list[Amount]:
    """The amounts of one sentence, each with the words it owns."""
    found = money(sentence)
    out: list[Amount] = []
    part = False
    for k, (m, value) in enumerate(found):
        end = found[k + 1][0].start() if k + 1 < len(found) else len(sentence)
        own = sentence[m.end() : end]
        span = f"{sentence[: m.start()]} {own}" if k == 0 else own
        if k == 0 and BREAKDOWN.search(sentence[: m.start()]):
            part = True
        out.append(stated(value, span, sentence, part))
        if BREAKDOWN.search(own):
            part = True
    return share_within_groups(out)


def share_within_groups(items: list[Amount]) -> list[Amount]:
    """Amounts listed together take what they lack from the next one that states it."""
    out = list(items)
    for i in range(len(out) - 1, -1, -1):
        later = [a for a in out[i + 1 :] if a.part == out[i].part]
        a = out[i]
        for nxt in later:
            a = replace(
                a,
                area=a.area or nxt.area,
                year_from=a.year_from if a.year_from is not None else nxt.year_from,
                year_to=a.year_to if a.year_from is not None else nxt.year_to,
                price_level=a.price_level or nxt.price_level,
            )
        if a.annual is None and not a.single_year:
            a = replace(a, annual=next((n.annual for n in later if n.annual), None))
        out[i] = a
    return out


def inherit(part: Amount, whole: Amount) -> Amount:
    """A breakdown takes from the amount it breaks down what it does not state."""
    own_years = part.year_from is not None
    return replace(
        part,
        area=part.area or whole.area,
        year_from=part.year_from if own_years else whole.year_from,
        year_to=part.year_to if own_years else whole.year_to,
        price_level=part.price_level or whole.price_level,
        annual=part.annual if part.annual is not None or own_years else whole.annual,
        part_of=whole.amount_mkr,
    )


def amounts(text: str) -> list[Amount]:
    """Every amount of an Økonomi/ressourcer field, in order."""
    out: list[Amount] = []
    whole: Amount | None = None
    for sentence in sentences(text):
        for a in sentence_amounts(sentence):
            if a.part and whole is not None:
                a = inherit(a, whole)
            elif not a.part:
                whole = a
            out.append(a)
    levels = {a.price_level for a in out if a.price_level is not None}
    if len(levels) == 1:
        level = levels.pop()
        out = [replace(a, price_level=level) for a in out]
    return out
