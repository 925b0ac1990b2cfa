"""Stage 6: arithmetic and schema checks. A failed check is a row, never a crash.

Printed amounts are each rounded (to whole 1.000 kr. in tables, to 0,1 mio. kr. in
prose), so an identity over n printed terms may be off by up to n/2 units through
rounding alone: every check records the difference and the tolerance it used, and only
a difference beyond the tolerance is ok=False. The document is never "fixed".
"""

from __future__ import annotations

from collections.abc import Callable

from pipeline.records import Extraction
from pipeline.validate import accounts, budget_tables, grants

Rows = list[dict]

RULES: dict[str, Callable[[Extraction], Rows]] = {
    "accounts": accounts.checks,
    "budget_note": budget_tables.checks,
    "letter": budget_tables.checks,
    "grant_expiry": grants.checks,
}


def validate(extraction: Extraction) -> Rows:
    """Rows of the validations table for one document's extraction."""
    rules = RULES.get(extraction.doc_type)
    return rules(extraction) if rules else []
