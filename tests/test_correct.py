"""The OCR corrector: general confusion cases built from clean words, context, what it must
never touch, its contracts (same length, idempotent, picklable) and its change rate on clean
text. No case here is a token of the sample sheets."""

from __future__ import annotations

import pickle
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.correct import (
    Corrector,
    LineChange,
    TokenChange,
    cold_tokens_per_second,
    is_damaged,
)
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
    assert fix(corrector, "kan - @konomi/ressourcer:") == "kan - Økonomi/ressourcer:"
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


def test_correct_lines_keeps_shapes_and_locates_changes(corrector: Corrector) -> None:
    lines = [["de", "nye", "bgrne-"], [], ["haveklasser", "er", "feerdige."], ["pa", "service"]]
    out, changes = corrector.correct_lines(lines, damaged=True)
    assert [len(line) for line in out] == [len(line) for line in lines]
    assert all(isinstance(c, LineChange) for c in changes)
    assert {(c.line, c.index) for c in changes} == {
        (i, k) for i, line in enumerate(lines) for k, t in enumerate(line) if out[i][k] != t
    }
    assert all(lines[c.line][c.index] == c.token_raw for c in changes)
    assert out[0][2] == "børne-" and out[3] == ("på", "service")


def test_sentences_run_on_over_line_ends(corrector: Corrector) -> None:
    out, _ = corrector.correct_lines([["de", "kom", "til", "BIF"], ["0g", "spiste"]], damaged=True)
    assert out[1][0] == "og"
    out, _ = corrector.correct_lines([["de", "kom", "hjem."], ["0g", "spiste"]], damaged=True)
    assert out[1][0] == "Og"


def test_word_broken_at_a_line_end_is_read_whole(corrector: Corrector) -> None:
    # "udf-" alone is nothing; read as "udførelsen", each fragment gets its part back
    out, changes = corrector.correct_lines(
        [["og", "udf-"], ["grelsen", "af", "planen"]], damaged=True
    )
    assert out == (("og", "udf-"), ("ørelsen", "af", "planen"))
    assert [(c.line, c.index, c.token) for c in changes] == [(1, 0, "ørelsen")]
    assert corrector.join_line_end(*out[0][-1:], out[1][0]) == "udførelsen"


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("2027-", "2030.", "2027-2030."),  # a range of years
        ("SSP-", "samarbejdet", "SSP-samarbejdet"),  # an abbreviation keeps its hyphen
        ("Beskæftigelses-", "og", None),  # "Beskæftigelses- og Integration..."
        ("leverandør-", "og", None),
        ("kommunen", "og", None),  # no hyphen
        ("arbejds-", "Markedet", None),  # a capital starts something new
        ("beskæf-", "tigelsen", "beskæftigelsen"),  # hyphenation goes
        ("un-", "dersøge", "undersøge"),  # ...also after a stray that wordfreq lists ("un")
        ("Fore-", "byggelse", "Forebyggelse"),  # ...or a rare word ("fore")
        ("social-", "rådgivning", None),  # two words: the hyphen of "social- og ..." style
    ],
)
def test_join_line_end(corrector: Corrector, left: str, right: str, joined: str | None) -> None:
    assert corrector.join_line_end(left, right) == joined


def test_real_hyphens_at_line_ends_stay(corrector: Corrector) -> None:
    lines = [["i", "perioden", "2027-"], ["2030", "og", "leverandgr-"], ["og", "kunder"]]
    out, _ = corrector.correct_lines(lines, damaged=True)
    assert out == (("i", "perioden", "2027-"), ("2030", "og", "leverandør-"), ("og", "kunder"))


def test_bullet_read_as_a_letter(corrector: Corrector) -> None:
    out, changes = corrector.correct_lines([["o", "Planen", "pa", "plads"]], damaged=True)
    assert out[0][:3] == ("•", "Planen", "på") and changes[0].rule == "bullet"
    # not before a lower-case word, not mid-line, not in clean text
    assert fix(corrector, "o planen") == "o planen"
    assert fix(corrector, "de o Planen") == "de o Planen"
    out, _ = corrector.correct_lines([["o", "Planen", "går"]], damaged=False)
    assert out[0][0] == "o"


@pytest.mark.parametrize("damaged", ["p/1", "p/I", "p/L", "p/)", "p/])", "p/|"])
def test_known_abbreviation_read_through_the_table(corrector: Corrector, damaged: str) -> None:
    fixed = fix(corrector, f"(2027 {damaged}")
    assert fixed.startswith("(2027 p/l"), fixed
    assert set(fixed[len("(2027 p/l") :]) <= set(")]")


def test_unknown_abbreviation_keeps_its_digits(corrector: Corrector) -> None:
    assert fix(corrector, "(2027 x/1)") == "(2027 x/1)"


def test_lost_capital_at_a_line_start(corrector: Corrector) -> None:
    # "@" is how the OCR reads a capital Ø: a heading at a line start keeps it even inside
    # a running sentence; mid-line a lower-case ø is likelier
    out, _ = corrector.correct_lines([["kan", "ses", "af"], ["@konomi/ressourcer"]], damaged=True)
    assert out[1][0] == "Økonomi/ressourcer"
    assert fix(corrector, "og @konomi/ressourcer") == "og økonomi/ressourcer"


def test_l_read_for_a_capital_i_at_a_line_start(corrector: Corrector) -> None:
    # a capital I and an l are one stroke: a table's total row reads "lalt"
    out, _ = corrector.correct_lines([["Drift", "1.234"], ["lalt", "5.678"]], damaged=True)
    assert out[1][0] == "I alt"
    out, _ = corrector.correct_lines([["Det", "er", "lalt", "5,2", "mio.", "kr."]], damaged=True)
    assert out[0][2] == "i alt"  # mid-line, a small i


def test_fast_path_agrees_with_the_search(corrector: Corrector) -> None:
    """A common word the fast path leaves unsearched has no other reading near it."""
    search = corrector.search
    safe = sorted(w for w, z in corrector.lexicon.zipf.items() if z >= search.fast_zipf)
    sample = random.Random(5).sample([w for w in safe if w.isalpha()], 150)
    for word in sample:
        full = search._readings(word, True)
        assert (word in search.risky) or [c.text for c in full] == [word], (word, full)
    assert search.risky, "the table makes some common words of others ('bar' of 'bør')"


def test_cold_throughput_is_measured_on_a_fresh_corrector() -> None:
    texts = ["de har harialt brugt 2 mio. kr. pa service og arligt"]
    assert cold_tokens_per_second(texts) > 0


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


def test_clean_corpus_texts_barely_change_in_ocr_mode(corrector: Corrector, corpus) -> None:
    """An OCR page is corrected in damaged mode even when it kept its æ/ø/å: on clean text
    that mode must do next to no harm."""
    total = changed = 0
    for text in clean_corpus_texts(corpus).values():
        lines = [line.split() for line in text.split("\n")]
        total += len(text.split())
        changed += len(corrector.correct_lines(lines, damaged=True)[1])
    assert changed <= 0.001 * total
