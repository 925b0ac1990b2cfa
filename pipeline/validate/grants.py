"""Checks for the grants tables (see pipeline/validate/checks.py for the row shape).

A total that the text breaks down into two or more parts ("fordelt på 2,3 mio. kr. til
BIF og 0,8 mio. kr. til SOF", "heraf 9,5 mio. kr. ... og 1,4 mio. kr. ...") should equal
their sum within the rounding of prose amounts (0,1 mio. kr. each). A single "heraf" part
names only a share of its total and is not checked. A breakdown that lists only some
parts fails the check: that is a finding for a reader, not an error of the extraction.
"""

from __future__ import annotations

from collections import defaultdict

from pipeline.records import Extraction
from pipeline.validate.checks import sum_check

PROSE_UNIT = 0.1  # amounts in grant prose are printed to 0,1 mio. kr.


def checks(extraction: Extraction) -> list[dict]:
    pages = {g["sheet_no"]: g["page"] for g in extraction.tables.get("grant_expiry", [])}
    parts: dict[tuple[int, str, float], list[float]] = defaultdict(list)
    for row in extraction.tables.get("grant_amounts", []):
        if row["part_of_mkr"] is not None:
            key = (row["sheet_no"], row["section"], row["part_of_mkr"])
            parts[key].append(row["amount_mkr"])
    return [
        sum_check(
            "grant_amounts",
            "parts_sum_to_total",
            f"Nr. {nr} {section}: {total:g} mio. kr.",
            values,
            total,
            unit=PROSE_UNIT,
            page=pages.get(nr),
        )
        for (nr, section, total), values in parts.items()
        if len(values) >= 2
    ]
