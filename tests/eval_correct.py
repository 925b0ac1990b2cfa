"""Evaluation of the OCR corrector (`make eval-correct`, `python -m tests.eval_correct`).

1. Dev sheets: the 17 bevillingsudloeb/*.ocr.txt against their transcriptions. The OCR
   interleaves the slide's two columns, so words are compared as multisets per sheet:
   word error = max(|ref - hyp|, |hyp - ref|) / |ref| (multiset differences), before and
   after correction. A changed token is "fixed" when its raw words were not all in the
   sheet's reference and its corrected words are, "broken" when the opposite holds.
   Each sheet is corrected as one block of lines (Corrector.correct_lines), and a word broken
   at a line end counts as the one word join_line_end makes of it ("2023-" + "2026." is
   "2023-2026"), before and after correction.
2. Leave-one-sheet-out: the same, with the domain vocabulary and bigrams rebuilt without the
   sheet being evaluated: the estimate for sheets we do not have, the figure to optimise.
3. Synthetic: clean corpus texts damaged with the confusion table (seeded), token accuracy.
4. Clean texts: share of tokens the corrector changes in the clean corpus texts, as a text
   on its own (clean mode) and as an OCR page (damaged mode).
5. Throughput: tokens/s of correct_text over the corpus texts, cold (a fresh corrector, each
   distinct token corrected for the first time) and warm, CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from pipeline.correct import (
    Corrector,
    cold_tokens_per_second,
    has_danish_letters,
    is_damaged,
    load_confusions,
    tokens_per_second,
)
from pipeline.lexicon import (
    CORRECTIONS_DIR,
    DOMAIN_EXTRA_FILE,
    Lexicon,
    abbreviations,
    clean_corpus_texts,
    domain_bigrams,
    domain_counts,
    lower_case_counts,
    read_extra,
)

DEFAULT_CORPUS = Path(
    os.environ.get("BUDGET_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)
# Texts printed on the slides, which the OCR reads but the JSON fields leave out, each with
# a pattern that finds it in the damaged OCR (a sheet gets as many copies as it shows).
SLIDE_TEXTS = (
    ("Københavns Kommune", r"\A\s*K\S{1,3}benhavns Kommune"),
    ("Beskrivelse af udløb", r"Beskrivelse af ud"),
    ("Faglig vurdering af videreførelse", r"Faglig vurdering af"),
    ("Indhold i indsatsen:", r"Indhold i indsatsen"),
    ("Afventer afklaring", r"Afventer afklaring"),
    ("Resultater og erfaringer:", r"Resultater og erfaringer"),
    ("Økonomi/ressourcer:", r"\Skonomi/ressourcer"),
    ("Indhold i justeret indsats:", r"Indhold i justeret"),
    (
        "Bevillinger der senest er finansieret inden for BIU's egen ramme",
        r"Bevillinger der senest",
    ),
)
FIELDS = ("expiry_content", "expiry_results", "expiry_economy", "assessment_content")
_EDGE = re.compile(r"^\W+|\W+$")
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e"})


def words(text: str) -> list[str]:
    """Comparison words: whitespace tokens without edge punctuation."""
    return [w for w in (_EDGE.sub("", t) for t in text.split()) if w]


def reference(sheet: dict, ocr: str) -> Counter[str]:
    parts = [text for text, pattern in SLIDE_TEXTS for _ in re.findall(pattern, ocr)]
    parts += [sheet["title"]] + [f"Nr. {sheet['nr']}"] * len(re.findall(r"\bNr\b", ocr))
    parts += [sheet[f] for f in FIELDS]
    if sheet.get("assessment_economy", "-").strip() != "-":
        parts.append(sheet["assessment_economy"])
    return Counter(words("\n".join(parts)))


def bag_error(ref: Counter[str], hyp: Counter[str]) -> int:
    return max(sum((ref - hyp).values()), sum((hyp - ref).values()))


@dataclass
class Tally:
    ref_words: int = 0
    err_before: int = 0
    err_after: int = 0
    wrong_tokens: int = 0
    right_tokens: int = 0
    fixed: int = 0
    broken: int = 0
    changed_other: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    broken_examples: list[str] = field(default_factory=list)

    def line(self, label: str) -> str:
        return (
            f"{label:<26} word error {100 * self.err_before / self.ref_words:5.2f}% -> "
            f"{100 * self.err_after / self.ref_words:5.2f}%   fixed {self.fixed}/"
            f"{self.wrong_tokens} wrong tokens, broken {self.broken}/{self.right_tokens} right "
            f"({100 * self.broken / max(self.right_tokens, 1):.2f}%), other changes "
            f"{self.changed_other}"
        )


def joined_words(corrector: Corrector, lines: Sequence[Sequence[str]]) -> list[str]:
    """Comparison words of a block of lines, a word broken at a line end joined as the
    corrector reads it (join_line_end: "2023-" + "2026." is "2023-2026")."""
    tokens: list[str] = []
    for k, line in enumerate(ln for ln in lines if ln):
        rest = list(line)
        if k and (glued := corrector.join_line_end(tokens[-1], rest[0])):
            tokens[-1] = glued
            rest = rest[1:]
        tokens += rest
    return words(" ".join(tokens))


def evaluate_sheet(corrector: Corrector, ocr: str, ref: Counter[str], tally: Tally) -> None:
    lines = [line.split() for line in ocr.splitlines()]
    fixed, _ = corrector.correct_lines(lines, damaged=is_damaged(ocr))
    for raw_line, new_line in zip(lines, fixed, strict=True):
        for raw, new in zip(raw_line, new_line, strict=True):
            rw, nw = words(raw), words(new)
            if not rw:
                continue
            raw_ok = all(w in ref for w in rw)
            new_ok = all(w in ref for w in nw)
            if raw_ok:
                tally.right_tokens += 1
            else:
                tally.wrong_tokens += 1
            if raw == new:
                continue
            if not raw_ok and new_ok:
                tally.fixed += 1
            elif raw_ok and not new_ok:
                tally.broken += 1
                tally.broken_examples.append(f"{raw} -> {new}")
            else:
                tally.changed_other += 1
    hyp0, hyp1 = Counter(joined_words(corrector, lines)), Counter(joined_words(corrector, fixed))
    tally.ref_words += sum(ref.values())
    tally.err_before += bag_error(ref, hyp0)
    tally.err_after += bag_error(ref, hyp1)
    categorise(corrector, ref, hyp0, hyp1, tally)


def categorise(
    corrector: Corrector, ref: Counter[str], hyp0: Counter[str], hyp1: Counter[str], tally: Tally
) -> None:
    """Pair each remaining wrong word with its most similar missing reference word."""
    missing = list((ref - hyp1).elements())
    for h in sorted((hyp1 - ref).elements()):
        best, best_ratio = None, 0.5
        for m in missing:
            ratio = SequenceMatcher(
                None, h.lower().translate(_FOLD), m.lower().translate(_FOLD)
            ).ratio()
            if ratio > best_ratio:
                best, best_ratio = m, ratio
        if best is None:
            cat = "extra word (ocr noise, split or hyphenation)"
        else:
            missing.remove(best)
            cat = _category(corrector, h, best, hyp0)
        tally.categories[cat] += 1
        tally.examples.setdefault(cat, []).append(f"{h}" + (f" ({best})" if best else ""))
    for m in missing:
        tally.categories["missing word (merged or lost)"] += 1
        tally.examples.setdefault("missing word (merged or lost)", []).append(m)


def _category(corrector: Corrector, hyp: str, ref: str, hyp0: Counter[str]) -> str:
    if hyp.lower() == ref.lower():
        return "case"
    if hyp0[ref] > 0 and hyp0[hyp] == 0:
        return "broken by the corrector"
    if has_danish_letters(ref) and hyp.lower().translate(_FOLD) == ref.lower().translate(_FOLD):
        return (
            "danish letter left (real word)"
            if corrector.lexicon.is_word(hyp)
            else "danish letter left"
        )
    if ref.lower().startswith(hyp.lower()) or hyp.lower().startswith(ref.lower()):
        return "hyphenation or merged word"
    if corrector.lexicon.is_word(hyp):
        return "real-word error"
    return "other damage left"


def evaluate(corrector_for, corpus: Path, label: str, verbose: bool) -> Tally:
    tally = Tally()
    for path in sorted((corpus / "bevillingsudloeb").glob("*.ocr.txt")):
        sheet = json.loads(
            path.with_name(path.name.replace(".ocr.txt", ".json")).read_text("utf-8")
        )
        name = path.name.replace(".ocr.txt", ".json")
        ocr = path.read_text("utf-8")
        ref = reference(sheet, ocr)
        evaluate_sheet(corrector_for(name), ocr, ref, tally)
    print(tally.line(label))
    if verbose:
        for cat, n in tally.categories.most_common():
            print(f"    {n:4d}  {cat}: {', '.join(tally.examples[cat][:12])}")
        if tally.broken_examples:
            print(f"    broken: {', '.join(tally.broken_examples)}")
    return tally


def leave_one_out(base: Lexicon, corpus: Path):
    texts = clean_corpus_texts(corpus)
    extra = read_extra(CORRECTIONS_DIR / DOMAIN_EXTRA_FILE)

    def corrector_for(held_out: str) -> Corrector:
        rest = [t for name, t in texts.items() if name != held_out]
        lex = base.with_domain(
            domain_counts(rest) + extra,
            lower_case_counts(rest) + extra,
            domain_bigrams(rest),
            abbreviations(rest),
        )
        return Corrector.from_lexicon(lex)

    return corrector_for


def damage(text: str, rng: random.Random, table: dict[str, list[tuple[str, float]]]) -> str:
    """Damage æ/ø/å (and I) the way the confusion table says this OCR does."""
    out = []
    for ch in text:
        options = table.get(ch.lower())
        if options and (ch.lower() in "æøå" or rng.random() < 0.05):
            r, acc = rng.random(), 0.0
            for ocr, p in options:
                acc += p
                if r < acc:
                    ch = ocr.upper() if ch.isupper() and ocr.isalpha() else ocr
                    break
        out.append(ch)
    return "".join(out)


def synthetic(corrector: Corrector, corpus: Path, seed: int = 7) -> None:
    by_clean: dict[str, list[tuple[str, float]]] = {}
    for ocr, options in load_confusions(CORRECTIONS_DIR / "confusions.tsv").items():
        for clean, logp in options:
            if not ocr.isdigit():
                by_clean.setdefault(clean, []).append((ocr, 10**logp))
    rng = random.Random(seed)
    total = wrong_before = wrong_after = broken = 0
    for text in clean_corpus_texts(corpus).values():
        for line in text.splitlines():
            clean_tokens = line.split()
            damaged = damage(line, rng, by_clean).split()
            fixed, _ = corrector.correct_tokens(damaged, damaged=True)
            for c, d, f in zip(clean_tokens, damaged, fixed, strict=True):
                total += 1
                wrong_before += c != d
                wrong_after += c != f
                broken += c == d and f != d
    print(
        f"{'synthetic damage':<26} token error {100 * wrong_before / total:5.2f}% -> "
        f"{100 * wrong_after / total:5.2f}% of {total} tokens, broken {broken}"
    )


def clean_change_rate(corrector: Corrector, corpus: Path, verbose: bool) -> float:
    """Tokens changed in the clean texts: as a text is corrected on its own (its æ/ø/å say
    it is clean), and as an OCR page is, always in damaged mode (OCR that kept its Danish
    letters still confuses l, I and 1)."""
    rates = []
    for label, damaged in (("clean texts", None), ("clean texts, OCR mode", True)):
        total = changed = 0
        examples = []
        for text in clean_corpus_texts(corpus).values():
            lines = [line.split() for line in text.split("\n")]
            mode = is_damaged(text) if damaged is None else damaged
            _, changes = corrector.correct_lines(lines, damaged=mode)
            total += len(text.split())
            changed += len(changes)
            examples += [f"{c.token_raw}->{c.token}" for c in changes]
        rates.append(changed / total)
        print(f"{label:<26} {changed}/{total} tokens changed ({100 * rates[-1]:.3f}%)")
        if verbose and examples:
            print(f"    {', '.join(examples[:30])}")
    return max(rates)


def throughput(corpus: Path) -> None:
    """Cold (a fresh corrector: every distinct token corrected for the first time) and warm
    (cache hits) tokens/s of correct_text, CPU time, over the sheets' OCR and the clean
    corpus texts."""
    texts = list(clean_corpus_texts(corpus).values()) + [
        p.read_text("utf-8") for p in sorted((corpus / "bevillingsudloeb").glob("*.ocr.txt"))
    ]
    n = sum(len(t.split()) for t in texts)
    distinct = len({token for t in texts for token in t.split()})
    cold = cold_tokens_per_second(texts)
    warm = tokens_per_second(texts)
    print(
        f"{'throughput':<26} {cold:,.0f} tokens/s cold ({distinct} distinct in {n} tokens, "
        f"{cold * distinct / n:,.0f} distinct tokens/s), {warm:,.0f} tokens/s warm"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("-q", "--quiet", action="store_true", help="figures only")
    args = parser.parse_args(argv)
    if not (args.corpus / "bevillingsudloeb").is_dir():
        print(f"eval_correct: no corpus at {args.corpus}", file=sys.stderr)
        return 2
    verbose = not args.quiet
    corrector = Corrector.load()
    evaluate(lambda _: corrector, args.corpus, "dev sheets (full domain)", verbose)
    loo = leave_one_out(corrector.lexicon, args.corpus)
    evaluate(loo, args.corpus, "leave-one-sheet-out", verbose)
    synthetic(corrector, args.corpus)
    clean_change_rate(corrector, args.corpus, verbose)
    throughput(args.corpus)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
