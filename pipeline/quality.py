"""How much a page's words look like real Danish text: decides whether a text layer is
kept or the page is OCR'd again, and is reported per page as text_quality."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_EDGE_PUNCT = "\"'“”‘’«»()[]{}.,;:!?–—-•*/"
_NUMBERISH = re.compile(r"^[-−–+]?[\d.,/%]+[-–]?$")
_LETTERS = re.compile(r"^[^\W\d_]+(?:[-'’][^\W\d_]+)*$")
_DANISH_LETTERS = re.compile(r"[æøåÆØÅ]")
_SUSPECT = re.compile(r"[@|€£§¢¥©®™\\<>~^]")
MIN_TOKENS_FOR_LETTER_CHECK = 40


def scorable_tokens(texts: Iterable[str]) -> list[str]:
    """Tokens stripped of edge punctuation; pure punctuation dropped."""
    out = []
    for text in texts:
        for token in text.split():
            token = token.strip(_EDGE_PUNCT)
            if token:
                out.append(token)
    return out


def text_quality(texts: Iterable[str], is_word: Callable[[str], bool]) -> float:
    """Share of tokens that are numbers or known words (1.0 for a page without tokens).

    Tokens with characters OCR engines invent for lost letters (@, |, £ ...) count as bad
    even when the rest would pass, and letter/digit mixtures are left out as undecidable.
    """
    good = total = 0
    for token in scorable_tokens(texts):
        if _NUMBERISH.match(token):
            good += 1
            total += 1
        elif _SUSPECT.search(token):
            total += 1
        elif _LETTERS.match(token):
            total += 1
            good += 1 if (len(token) == 1 or is_word(token)) else 0
    return good / total if total else 1.0


def lacks_danish_letters(texts: Iterable[str]) -> bool:
    """Plenty of words and not one æ, ø or å: the mark of an OCR layer made without Danish."""
    tokens = [t for t in scorable_tokens(texts) if _LETTERS.match(t)]
    if len(tokens) < MIN_TOKENS_FOR_LETTER_CHECK:
        return False
    return not any(_DANISH_LETTERS.search(t) for t in tokens)
