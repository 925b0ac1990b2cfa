"""The one shape every check takes: expected vs actual within a stated tolerance."""

from __future__ import annotations

from collections.abc import Sequence


def rounding_tolerance(n_terms: int, unit: float = 1.0) -> float:
    """Largest gap rounding alone can open in an identity over n printed terms."""
    return 0.5 * n_terms * unit


def check(
    table: str,
    rule: str,
    subject: str,
    *,
    expected: float | None,
    actual: float | None,
    tolerance: float,
    page: int | None = None,
) -> dict:
    """A validations row; a missing value is a failed check, not an exception."""
    difference = None if expected is None or actual is None else actual - expected
    ok = difference is not None and abs(difference) <= tolerance + 1e-9
    return {
        "table": table,
        "rule": rule,
        "subject": subject,
        "expected": expected,
        "actual": actual,
        "difference": difference,
        "tolerance": tolerance,
        "ok": ok,
        "page": page,
    }


def sum_check(
    table: str,
    rule: str,
    subject: str,
    parts: Sequence[float],
    total: float | None,
    *,
    unit: float = 1.0,
    page: int | None = None,
) -> dict:
    """parts add up to total, within the rounding of len(parts) + 1 printed numbers."""
    return check(
        table,
        rule,
        subject,
        expected=float(sum(parts)),
        actual=None if total is None else float(total),
        tolerance=rounding_tolerance(len(parts) + 1, unit),
        page=page,
    )
