"""Fuzzy text matching for the extractors (headings, markers, labels).

OCR damage that the corrector could not repair still leaves a heading recognisable:
"Beskrivelse af udlecb" is "Beskrivelse af udløb" at ~90 %. Scores are 0-100, matching
is case-insensitive, and "no match" is None (as in rapidfuzz, which this wraps).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils


@dataclass(frozen=True, slots=True)
class Span:
    """Where a phrase was found in a text: text[start:end], with its score."""

    start: int
    end: int
    score: float


def similarity(a: str, b: str) -> float:
    """Normalised edit similarity of the whole strings, ignoring case and punctuation."""
    return fuzz.ratio(a, b, processor=utils.default_process)


def best_match(
    query: str, choices: Iterable[str], *, min_score: float = 80.0
) -> tuple[str, float] | None:
    """The choice most like the query, if it scores at least min_score."""
    found = process.extractOne(
        query,
        list(choices),
        scorer=fuzz.ratio,
        processor=utils.default_process,
        score_cutoff=min_score,
    )
    return None if found is None else (found[0], found[1])


def find_phrase(text: str, phrase: str, *, min_score: float = 85.0) -> Span | None:
    """The best fuzzy occurrence of phrase inside text (case-insensitive)."""
    if not text or not phrase:
        return None
    alignment = fuzz.partial_ratio_alignment(phrase.lower(), text.lower(), score_cutoff=min_score)
    if alignment is None:
        return None
    return Span(alignment.dest_start, alignment.dest_end, alignment.score)
