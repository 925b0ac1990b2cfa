"""The lexicon: loading, word membership, frequencies, compounds, the files' formats."""

from __future__ import annotations

import time

import pytest

from pipeline import lexicon as lx
from pipeline.lexicon import Lexicon


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.load()


def test_load_is_fast_and_cached() -> None:
    lx._load.cache_clear()
    began = time.perf_counter()
    first = Lexicon.load()
    elapsed = time.perf_counter() - began
    assert Lexicon.load() is first
    assert elapsed < 1.5  # < 1 s on the project machine; some slack for a busy CI


def test_is_word_is_case_insensitive_and_knows_danish(lex: Lexicon) -> None:
    for word in ("København", "KØBENHAVN", "københavn", "årligt", "Beskæftigelse", "og"):
        assert lex.is_word(word), word
    for damaged in ("Kgbenhavn", "arligt", "beskaeftigelse", "udlgber", "@konomi"):
        assert not lex.is_word(damaged), damaged


def test_punctuation_and_hyphenated_tokens(lex: Lexicon) -> None:
    assert lex.is_word("Økonomi/ressourcer:")
    assert lex.is_word('"kommunen".')
    assert not lex.is_word("12,5")
    assert not lex.is_word("")


def test_domain_vocabulary_is_known(lex: Lexicon) -> None:
    for word in ("BIF", "BIU", "Jobcenter", "ressourceforløb", "p/l"):
        assert lex.is_word(word), word


def test_frequency_orders_words(lex: Lexicon) -> None:
    assert lex.frequency("Kgbenhavn") == 0.0
    assert lex.frequency("og") > lex.frequency("kommune") > lex.frequency("forvaltningsområde") > 0
    assert lex.frequency("på") > lex.frequency("pa") + 2


def test_compounds_of_listed_parts(lex: Lexicon) -> None:
    # a new compound the lexicon does not list: accepted, but rarer than its parts
    word = "ressourceforløbsindsatsen"
    assert word not in lex.zipf
    score, parts = lex.compound(word)
    assert 0 < score <= lx.COMPOUND_MAX and len(parts) >= 2
    assert lex.is_word(word)
    # damaged forms that hunspell-da's own short-part compounding lets through are no words
    for damaged in ("arligt", "forste", "hgj"):
        assert lex.compound(damaged) == (0.0, ())


def test_domain_mining_undoes_line_end_hyphenation() -> None:
    counts = lx.domain_counts(["Beskæftigelses- og Integra-\n\ntionsforvaltningen, p/l"])
    assert counts["integrationsforvaltningen"] == 1
    assert counts["beskæftigelses"] == 1
    assert counts["p/l"] == 1
    assert "integra" not in counts


def test_compound_model_prefers_productive_start_parts(lex: Lexicon) -> None:
    # hunspell-da lets "løn" start hundreds of forms and "lån" none (its compound form is
    # "låne"): the same tail scores higher after the productive part
    heads = {w: lex.heads.get(w, 0) for w in ("løn", "lån")}
    assert heads["løn"] > 100 and heads["lån"] == 0
    assert lex.compound("lønudgifterne")[0] > lex.compound("lånudgifterne")[0]
    assert lex.compound("lønudgifterne")[0] <= lx.COMPOUND_MAX


def test_names_are_no_compound_parts() -> None:
    texts = ["Claus Juhl taler med borgerne om claus-sagen"]
    assert lx.lower_case_counts(texts)["claus"] == 1  # written in lower case once: a word
    texts = ["Ballisager har leveret. Ballisager gik"]
    lex = Lexicon.load().with_domain(lx.domain_counts(texts), lx.lower_case_counts(texts), {}, ())
    assert "ballisager" in lex.names
    assert lex.part_zipf("ballisager", last=False) == 0


def test_bigrams_use_number_placeholder() -> None:
    pairs = lx.domain_bigrams(["afsat 2,5 mio. kr. på service"])
    assert pairs[(lx.NUM, "mio")] == 1
    assert pairs[("på", "service")] == 1


def test_abbreviations_are_mined() -> None:
    found = lx.abbreviations(["2 mio. kr. på service. Der er 4 mio. kr. til"])
    assert {"mio.", "kr."} <= found
    assert "service." not in found


def test_with_domain_replaces_domain_words(lex: Lexicon) -> None:
    other = lex.with_domain({"zyxwordq": 3}, {"zyxwordq": 3}, {}, ())
    assert other.is_word("zyxwordq") and not lex.is_word("zyxwordq")
    assert other.is_word("BIU") == ("biu" in lex.parts)  # only the domain knew it


def test_files_are_plain_text() -> None:
    root = lx.CORRECTIONS_DIR
    for line in (root / lx.LEXICON_FILE).read_text(encoding="utf-8").splitlines()[1:]:
        word, zipf, uses = line.split("\t")
        assert word == word.lower() and 0 < float(zipf) < 8 and set(uses) <= set("WBE")
    sections = (root / lx.FORMS_FILE).read_text(encoding="utf-8").split("\n## ")[1:]
    assert sections
    for section in sections:
        uses, zipf = section.partition("\n")[0].split()
        assert set(uses) <= set("WBE") and float(zipf) < 3.0
