"""The OCR corrector: general confusion cases built from clean words, context, what it must
never touch, its contracts (same length, idempotent, picklable) and its change rate on clean
text. No case here is a token of the sample sheets."""

from __future__ import annotations

import pickle
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.correct import Corrector, TokenChange, is_damaged
from pipeline.lexicon import clean_corpus_texts


@pytest.fixture(scope="module")
def corrector() -> Corrector:
    return Corrector.load()


def fix(corrector: Corrector, text: str) -> str:
    return corrector.correct_text(text)[0]


def common_words(corrector: Corrector, letter: str, n: int) -> list[str]:
    """n frequent general Danish words with exactly one `letter` (a fixed, seeded sample)."""
    words = sorted(
        w
        for w, z in corrector.lexicon.parts.items()
        if z >= 4.5
        and len(w) >= 5
        and w.isalpha()
        and w.count(letter) == 1
        and not any(c in "æøå" for c in w.replace(letter, ""))
    )
    return random.Random(3).sample(words, n)


@pytest.mark.parametrize(
    ("letter", "damage"), [("ø", "g"), ("ø", "e"), ("æ", "ae"), ("æ", "ee"), ("å", "a"), ("å", "é")]
)
def test_confusion_rules_restore_common_words(
    corrector: Corrector, letter: str, damage: str
) -> None:
    words = common_words(corrector, letter, 40)
    wrong = [(w, got) for w in words if (got := fix(corrector, w.replace(letter, damage))) != w]
    assert len(wrong) <= 4, wrong  # >= 90% of common words damaged by one rule come back


def test_case_and_punctuation_are_kept(corrector: Corrector) -> None:
    assert fix(corrector, "Kgbenhavns") == "Københavns"
    assert fix(corrector, '("arligt").') == '("årligt").'
    assert fix(corrector, "@konomi/ressourcer:") == "Økonomi/ressourcer:"
    assert fix(corrector, "borgernes @konomi") == "borgernes økonomi"
    assert fix(corrector, "SAMLET ARLIGT FORLGB") == "SAMLET ÅRLIGT FORLØB"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("afsat 2 mio. kr. pa service", "afsat 2 mio. kr. på service"),
        ("i 10 ar", "i 10 år"),
        ("de har harialt brugt", "de har har i alt brugt"),
        ("Der er ogi 2025 en plan", "Der er og i 2025 en plan"),
        ("12025 blev planen fulgt", "I 2025 blev planen fulgt"),
        ("Nr.7", "Nr. 7"),
        ("dem 0g os", "dem og os"),
        ("afsat 2 mio. kr.i 2025", "afsat 2 mio. kr. i 2025"),
        ("de gik tilkommunen", "de gik til kommunen"),
        ("2 mio. kr. (2027p/1)", "2 mio. kr. (2027 p/l)"),
    ],
)
def test_context_splits_and_digits_for_letters(corrector: Corrector, raw: str, clean: str) -> None:
    assert fix(corrector, raw) == clean


def test_numbers_are_never_changed(corrector: Corrector) -> None:
    for text in ("1.100.691", "12,5", "2027-2030", "-1.742", "12.509", "0,5", "2025", "7.22.05"):
        assert fix(corrector, f"afsat {text} pa service") == f"afsat {text} på service"


@given(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.sampled_from(["{:,}", "{}", "{},5", "{}-2030", "{}%"]),
)
@settings(max_examples=200, deadline=None)
def test_danish_numbers_untouched(n: int, fmt: str) -> None:
    corrector = Corrector.load()
    number = fmt.format(n).replace(",", "X").replace(".", ",").replace("X", ".")
    tokens = ["i", number, "mio.", "kr."]
    out, changes = corrector.correct_tokens(tokens, damaged=True)
    assert out[1] == number and not [c for c in changes if c.index == 1]


def test_names_and_abbreviations_are_left_alone(corrector: Corrector) -> None:
    line = "Claus Juhl og Lene Sillasen fra BIF, SOF og FRAKs har talt med Ballisager"
    assert fix(corrector, line.replace("og", "0g", 1)) == line


def test_frequent_correct_words_are_kept(corrector: Corrector) -> None:
    line = "for at de kan komme i job med de andre og blive en del af det"
    assert fix(corrector, line) == line


def test_clean_text_is_left_alone(corrector: Corrector) -> None:
    # a line with its æ/ø/å is clean: "far" and "bade" stay even though "får" and "både"
    # are likelier readings of damaged text
    line = "Økonomien er god, og min far vil bade i søen"
    assert is_damaged(line) is False
    assert fix(corrector, line) == line


def test_changes_are_logged(corrector: Corrector) -> None:
    tokens = ["Indsatsen", "fortsaetter", "pa", "service"]
    out, changes = corrector.correct_tokens(tokens)
    assert out == ("Indsatsen", "fortsætter", "på", "service")
    assert [(c.index, c.token_raw, c.token) for c in changes] == [
        (1, "fortsaetter", "fortsætter"),
        (2, "pa", "på"),
    ]
    assert all(isinstance(c, TokenChange) and c.rule and c.score > 0 for c in changes)


def test_same_length_contract(corrector: Corrector) -> None:
    tokens = ["de", "harialt", "brugt", "paservice", "|", "2025"]
    out, changes = corrector.correct_tokens(tokens)
    assert len(out) == len(tokens)
    assert out[1] == "har i alt" and out[3] == "på service"
    assert {c.index for c in changes} <= set(range(len(tokens)))


def test_correct_text_keeps_lines_and_spacing(corrector: Corrector) -> None:
    text = "Resultater  og erfaringer:\n\n   pa service\tog arligt\n"
    out, _ = corrector.correct_text(text)
    assert out == "Resultater  og erfaringer:\n\n   på service\tog årligt\n"


WORDS = [
    "pa", "ar", "arligt", "Kgbenhavn", "@konomi", "og", "i", "10", "2,5", "mio.", "kr.",
    "harialt", "for", "fgr", "service", "|", "BIF", "0g", "feerdig", "Indsatsen", "12025",
    "p/1", "Nr.5", "leverandgr", "ijob", ".", "-", "&rligt",
]  # fmt: skip


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
@settings(max_examples=300, deadline=None)
def test_idempotent(tokens: list[str]) -> None:
    corrector = Corrector.load()
    once, _ = corrector.correct_text(" ".join(tokens))
    twice, changes = corrector.correct_text(once)
    assert twice == once, changes


def test_picklable(corrector: Corrector) -> None:
    clone = pickle.loads(pickle.dumps(corrector))
    assert fix(clone, "Kgbenhavns Kommune pa service") == "Københavns Kommune på service"


def test_clean_corpus_texts_barely_change(corrector: Corrector, corpus) -> None:
    total = changed = 0
    for text in clean_corpus_texts(corpus).values():
        total += len(text.split())
        changed += len(corrector.correct_text(text)[1])
    assert changed <= 0.001 * total
