"""Rebuild the correction dictionaries in corrections/ from their sources (`make dictionaries`).

Sources, never the sample sheets' OCR output:
- Debian's hunspell-da (/usr/share/hunspell/da_DK.dic/.aff), expanded here with its own
  affix rules (unmunch mangles this dictionary's numeric flags), and wordfreq's Danish list;
- the clean corpus texts in ../shared/corpus (the *.txt files and the clean fields of the
  bevillingsudloeb/*.json transcriptions) for the domain vocabulary and its bigrams.

The confusion table (confusions.tsv) and the hand-kept words (domain_extra.txt) are edited
by hand and only read here, to check them.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pipeline.lexicon import (  # noqa: E402
    ABBREVIATIONS_FILE,
    BIGRAMS_FILE,
    COMPOUND_STARTS_FILE,
    DOMAIN_FILE,
    FORMS_FILE,
    HUNSPELL_ZIPF,
    JSON_TEXT_FIELDS,
    LEXICON_FILE,
    MIN_PART,
    abbreviations,
    clean_corpus_texts,
    domain_bigrams,
    domain_counts,
    lower_case_counts,
)

HUNSPELL_DIR = Path("/usr/share/hunspell")
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus"

# hunspell-da's flag numbers (da_DK.aff: FLAG num)
FORBIDDEN, NEEDAFFIX = "6", "8"
COMPOUND_BEGIN, COMPOUND_MIDDLE, COMPOUND_END = "32", "33", "34"
ONLY_IN_COMPOUND = "36"

# hunspell-only forms longer than this that split into two kept parts are left to the
# compound model, which keeps the lexicon small and fast to load
PRUNE_MIN_LEN = 8
FAMILY_DROP = 1.5
FAMILY_MAX = 2.9  # wordfreq lists every word down to zipf ~3, so an unlisted one is rarer
_FORM = re.compile(r"[^\W\d_]+")  # one word part: tokens are split at hyphens before lookup


def _parse_affixes(
    aff: Path,
) -> dict[str, tuple[bool, bool, list[tuple[str, str, tuple, re.Pattern]]]]:
    """flag -> (is_prefix, cross_product, [(strip, add, contflags, condition)])."""
    rules: dict[str, tuple[bool, bool, list]] = {}
    for line in aff.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) < 4 or parts[0] not in ("SFX", "PFX"):
            continue
        kind, flag = parts[0], parts[1]
        if flag not in rules:  # header line: SFX flag Y|N count
            rules[flag] = (kind == "PFX", parts[2] == "Y", [])
            continue
        strip = "" if parts[2] == "0" else parts[2]
        add, _, cont = parts[3].partition("/")
        add = "" if add == "0" else add
        cond = parts[4] if len(parts) > 4 else "."
        pattern = re.compile(("^" + cond) if kind == "PFX" else (cond + "$"))
        rules[flag][2].append((strip, add, tuple(cont.split(",")) if cont else (), pattern))
    return rules


def _apply(word: str, rule: tuple, prefix: bool) -> str | None:
    strip, add, _, cond = rule
    if not cond.search(word):
        return None
    if prefix:
        if strip and not word.startswith(strip):
            return None
        return add + word[len(strip) :]
    if strip and not word.endswith(strip):
        return None
    return word[: len(word) - len(strip)] + add


def expand_hunspell(dic: Path, aff: Path) -> tuple[dict[str, set[str]], list[set[str]]]:
    """Every form hunspell-da generates -> its uses: W (a word), B (compound start/middle),
    E (compound end); and the families (the lower-cased forms of each dictionary entry).
    Suffixes are applied two levels deep (hunspell's twofold suffixes), prefixes once, cross
    products where the rules allow them."""
    rules = _parse_affixes(aff)
    forms: dict[str, set[str]] = defaultdict(set)
    families: list[set[str]] = []

    def note(form: str, flags: tuple[str, ...]) -> None:
        if not _FORM.fullmatch(form) or FORBIDDEN in flags:
            return
        families[-1].add(form.lower())
        uses = forms[form]
        if NEEDAFFIX not in flags and ONLY_IN_COMPOUND not in flags:
            uses.add("W")
        if COMPOUND_BEGIN in flags or COMPOUND_MIDDLE in flags:
            uses.add("B")
        if COMPOUND_END in flags:
            uses.add("E")

    def suffixed(word: str, flags: tuple[str, ...], depth: int):
        yield word, flags
        if depth == 0:
            return
        for flag in flags:
            entry = rules.get(flag)
            if entry is None or entry[0]:
                continue
            for rule in entry[2]:
                new = _apply(word, rule, prefix=False)
                if new is not None:
                    yield from suffixed(new, rule[2], depth - 1)

    for raw in dic.read_text(encoding="utf-8").splitlines()[1:]:
        head = raw.split("\t")[0]
        if "/" in head:
            word, _, rest = head.partition("/")
            flags = tuple(rest.split()[0].split(","))
        else:
            fields = head.split(" ")
            word = " ".join(f for f in fields if not re.match(r"^[a-z]{2}:", f))
            flags = ()
        if not word or " " in word:
            continue
        families.append(set())
        prefix_flags = [f for f in flags if f in rules and rules[f][0]]
        for form, fl in suffixed(word, flags, 2):
            note(form, fl)
            cross = form == word or any(rules.get(f, (0, 0))[1] for f in fl if f in rules)
            for pflag in prefix_flags if cross else ():
                for rule in rules[pflag][2]:
                    new = _apply(form, rule, prefix=True)
                    if new is not None:
                        note(new, rule[2] or fl)
    return forms, families


def _wordfreq_zipf() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return {
        w: round(math.log10(p) + 9, 2)
        for w, p in get_frequency_dict("da", wordlist="best").items()
        if re.fullmatch(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", w)
    }


def family_zipf(families: list[set[str]], zipf: dict[str, float]) -> dict[str, float]:
    """A zipf for forms wordfreq does not list, from the commonest listed form of the same
    dictionary entry less FAMILY_DROP ("funktions" from "funktion"), at least HUNSPELL_ZIPF."""
    out: dict[str, float] = {}
    for family in families:
        top = max((zipf[f] for f in family if f in zipf), default=0.0)
        z = round(min(FAMILY_MAX, max(HUNSPELL_ZIPF, top - FAMILY_DROP)), 1)
        for f in family:
            if f not in zipf and z > out.get(f, 0.0):
                out[f] = z
    return out


_ASCII = (("ae", "æ"), ("oe", "ø"), ("aa", "å"), ("a", "å"), ("o", "ø"), ("e", "æ"), ("e", "ø"))


def drop_ascii_spellings(zipf: dict[str, float], hunspell: set[str]) -> dict[str, float]:
    """Drop wordfreq words that are web spellings without æ/ø/å ("pa", "vaeret"): not in
    hunspell-da, and one æ/ø/å restored gives a word at least ten times as common."""
    out = {}
    for w, z in zipf.items():
        if w not in hunspell and not any(c in "æøå" for c in w):
            variants = (
                w[:i] + new + w[i + len(old) :]
                for old, new in _ASCII
                for i in range(len(w))
                if w.startswith(old, i)
            )
            if any(zipf.get(v, 0.0) >= z + 1.0 for v in variants):
                continue
        out[w] = z
    return out


def merge_sources(forms: dict[str, set[str]], zipf: dict[str, float]) -> dict[str, set[str]]:
    """Every form of both sources, lower-cased, with its uses (wordfreq's words are W)."""
    merged: dict[str, set[str]] = defaultdict(set)
    for form, uses in forms.items():
        merged[form.lower()] |= uses
    for w in zipf:
        merged[w].add("W")
    return merged


def build_lexicon(
    merged: dict[str, set[str]], zipf: dict[str, float], estimated: dict[str, float]
) -> list[tuple[str, float, str]]:
    """Prune long hunspell-only compounds of rare families that the runtime compound model
    rebuilds from kept parts (a B form then an E form, as hunspell itself marks them).
    merged: merge_sources; zipf: wordfreq's; estimated: family_zipf."""
    known: dict[str, set[str]] = {}  # decided so far, pruned ones included
    kept: dict[str, set[str]] = {}
    for w in sorted(merged, key=lambda s: (len(s), s)):
        uses = merged[w]
        if not uses:
            continue
        known[w] = uses
        if (
            w not in zipf
            and estimated.get(w, HUNSPELL_ZIPF) <= HUNSPELL_ZIPF
            and len(w) >= PRUNE_MIN_LEN
            and uses <= {"W", "E"}
            and _splits(w, known)
        ):
            continue
        kept[w] = uses
    return [
        (
            w,
            zipf.get(w) or estimated.get(w, HUNSPELL_ZIPF),
            "".join(u for u in "WBE" if u in kept[w]),
        )
        for w in sorted(kept)
    ]


def compound_starts(merged: dict[str, set[str]]) -> Counter:
    """How productive each compound start part is: the number of forms of both sources
    (before pruning) that split into it and an end part. New Danish compounds are built
    mostly on productive parts ("løn" starts hundreds of forms, "lån" none: its compound
    form is "låne")."""
    begin = {w for w, uses in merged.items() if "B" in uses}
    end = {w for w, uses in merged.items() if "E" in uses}
    heads: Counter = Counter()
    for w in merged:
        for i in range(MIN_PART, len(w) - MIN_PART + 1):
            if w[:i] in begin and w[i:] in end:
                heads[w[:i]] += 1
    return heads


def _splits(word: str, known: dict[str, set[str]]) -> bool:
    """True when word = head + tail with both already decided (kept, or pruned because they
    split in turn): the runtime compound model finds it again, recursively."""
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        head, tail = word[:i], word[i:]
        if "B" in known.get(head, ()) and "E" in known.get(tail, ()):
            return True
    return False


def measure_confusions(sheets: Path) -> tuple[Counter, Counter, dict]:
    """Character confusions of the sample sheets: each OCR word that is not a word of its
    sheet's transcription is paired with the closest transcription word, and the characters
    of the two are aligned. Returns counts of (clean, ocr), of each clean character, and the
    different clean words each confusion was seen in. Only the counts are used (by a person
    setting confusions.tsv); the word pairs are never stored."""
    pairs: Counter = Counter()
    totals: Counter = Counter()
    seen: dict = defaultdict(set)
    edge = re.compile(r"^\W+|\W+$")
    for path in sorted(sheets.glob("*.ocr.txt")):
        data = json.loads(path.with_name(path.name.replace(".ocr.txt", ".json")).read_text())
        ref = {edge.sub("", t).lower() for k in JSON_TEXT_FIELDS for t in str(data[k]).split()}
        for token in path.read_text(encoding="utf-8").split():
            word = edge.sub("", token).lower()
            if not word or word in ref:
                continue
            match = difflib.get_close_matches(word, ref, n=1, cutoff=0.75)
            if not match:
                continue
            clean = match[0]
            ops = difflib.SequenceMatcher(None, clean, word, autojunk=False).get_opcodes()
            for op, i1, i2, j1, j2 in ops:
                if op == "equal":
                    totals.update(clean[i1:i2])
                elif op in ("replace", "delete") and i2 - i1 == 1:
                    pairs[(clean[i1], word[j1:j2])] += 1
                    totals[clean[i1]] += 1
                    seen[(clean[i1], word[j1:j2])].add(clean)
                elif op == "insert":
                    pairs[("", word[j1:j2])] += 1
                    seen[("", word[j1:j2])].add(clean)
    return pairs, totals, seen


def print_confusions(sheets: Path) -> None:
    pairs, totals, seen = measure_confusions(sheets)
    print("clean\tocr\tcount\twords\trate")
    for (clean, ocr), n in pairs.most_common():
        rate = f"{n / totals[clean]:.3f}" if clean else ""
        print(f"{clean}\t{ocr}\t{n}\t{len(seen[(clean, ocr)])}\t{rate}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument(
        "--confusions",
        action="store_true",
        help="only print the character confusions measured on the sample sheets",
    )
    args = parser.parse_args(argv)
    if args.confusions:
        print_confusions(args.corpus / "bevillingsudloeb")
        return 0

    forms, families = expand_hunspell(HUNSPELL_DIR / "da_DK.dic", HUNSPELL_DIR / "da_DK.aff")
    zipf = drop_ascii_spellings(_wordfreq_zipf(), {f.lower() for f in forms})
    merged = merge_sources(forms, zipf)
    rows = build_lexicon(merged, zipf, family_zipf(families, zipf))
    with (args.out / LEXICON_FILE).open("w", encoding="utf-8") as fh:
        fh.write("# word\tzipf\tuses (W word, B compound start/middle, E compound end)\n")
        fh.writelines(f"{w}\t{z:.2f}\t{u}\n" for w, z, u in rows if w in zipf)
    sections: dict[tuple[str, float], list[str]] = defaultdict(list)
    for w, z, u in rows:
        if w not in zipf:
            sections[(u, z)].append(w)
    with (args.out / FORMS_FILE).open("w", encoding="utf-8") as fh:
        fh.write("# hunspell-da forms wordfreq does not list, one per line, under a\n")
        fh.write("# '## uses zipf' line (uses: W word, B compound start/middle, E compound end;\n")
        fh.write("# zipf estimated from the commonest listed form of the same dictionary entry)\n")
        for (uses, z), words in sorted(sections.items()):
            fh.write(f"## {uses} {z:.1f}\n")
            fh.writelines(f"{w}\n" for w in words)

    heads = compound_starts(merged)
    with (args.out / COMPOUND_STARTS_FILE).open("w", encoding="utf-8") as fh:
        fh.write("# part\tstarts: how many forms of both sources split into it + an end part\n")
        fh.writelines(f"{p}\t{n}\n" for p, n in sorted(heads.items()))

    texts = clean_corpus_texts(args.corpus)
    counts = domain_counts(texts.values())
    lower = lower_case_counts(texts.values())
    docs = Counter(w for text in texts.values() for w in set(domain_counts([text])))
    with (args.out / DOMAIN_FILE).open("w", encoding="utf-8") as fh:
        fh.write("# word\tcount\tdocuments\tlower (times written in lower case), mined from\n")
        fh.write("# the clean corpus texts\n")
        fh.writelines(f"{w}\t{c}\t{docs[w]}\t{lower[w]}\n" for w, c in sorted(counts.items()))
    bigrams = domain_bigrams(texts.values())
    with (args.out / BIGRAMS_FILE).open("w", encoding="utf-8") as fh:
        fh.write("# word1\tword2\tcount (lower-cased, mined from the clean corpus texts)\n")
        fh.writelines(f"{a}\t{b}\t{c}\n" for (a, b), c in sorted(bigrams.items()) if c >= 2)
    abbrevs = sorted(abbreviations(texts.values()))
    with (args.out / ABBREVIATIONS_FILE).open("w", encoding="utf-8") as fh:
        fh.write("# abbreviations: a sentence goes on after them (mined from the clean texts)\n")
        fh.writelines(f"{a}\n" for a in abbrevs)
    print(
        f"lexicon {len(rows)} forms ({len(rows) - sum(map(len, sections.values()))} with a "
        f"wordfreq zipf), domain {len(counts)} words from {len(texts)} texts, "
        f"{sum(1 for c in bigrams.values() if c >= 2)} bigrams",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
