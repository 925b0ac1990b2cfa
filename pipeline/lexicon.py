"""The Danish lexicon: word frequencies, compound parts and the domain vocabulary.

Loaded from the plain-text files in corrections/ (see corrections/README.md), once per
process. Keys are lower-case; frequencies are zipf values (log10 of occurrences per
billion words), 0 for unknown words.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

CORRECTIONS_DIR = Path(__file__).resolve().parent.parent / "corrections"
LEXICON_FILE = "lexicon.tsv"
FORMS_FILE = "hunspell_forms.txt"
# zipf of hunspell forms that wordfreq does not list (its Danish list stops near 3.0)
HUNSPELL_ZIPF = 2.3
DOMAIN_FILE = "domain.tsv"
DOMAIN_EXTRA_FILE = "domain_extra.txt"
COMPOUND_STARTS_FILE = "compound_starts.tsv"
BIGRAMS_FILE = "bigrams.tsv"
ABBREVIATIONS_FILE = "abbreviations.txt"
JSON_TEXT_FIELDS = (
    "title",
    "expiry_content",
    "expiry_results",
    "expiry_economy",
    "assessment_content",
    "assessment_economy",
)

# The language model mixes general Danish and the domain texts half and half: a domain word
# gets log10(10^general + 10^domain), domain = zipf of its share of the domain texts; the
# other words keep their general zipf (the common factor 1/2 is left out of every score).
EXTRA_COUNT = 5  # count given to a hand-added word without its own count
MIN_PART = 3  # shortest compound part
# Compound model (log10 units, see Lexicon.compound): a compound of two valid parts scores
# COMPOUND_BASE, moved by TAIL_WEIGHT per zipf its last part is above or below TAIL_MID, by
# HEAD_WEIGHT per log10 of the number of lexicon forms its first part starts (its
# productivity) above or below HEAD_MID, and by HEAD_ZIPF_WEIGHT per zipf of the first part
# as a word. The weights are those of a logistic fit of "is this compound of hunspell-da
# common enough for wordfreq to list it" on the same quantities (0.92, 0.65, 0.32 per unit
# in natural log-odds, scaled so the tail keeps its weight). wordfreq lists every Danish word
# down to zipf ~3, so a compound it does not list is rarer than COMPOUND_MAX: the score is
# capped there, but what a weak start part costs comes off after the cap.
COMPOUND_MAX = 3.2
COMPOUND_BASE = 2.0
TAIL_WEIGHT = 0.7
TAIL_MID = 3.5
HEAD_WEIGHT = 0.5
HEAD_MID = 2.0  # log10 of the forms a typical start part starts (~100)
HEAD_ZIPF_WEIGHT = 0.25
HEAD_ZIPF_MID = 4.0
BOUND_ZIPF = 2.0  # zipf of a start part that is no word on its own ("arbejds")
MIDDLE_PART_COST = 0.7  # each part between the first and the last
# Function words ("til", "for", "med") start and end lexicalised compounds, which the lexicon
# lists; as a part of an unlisted "compound" they are more often a lost space ("tilkommunen").
FUNCTION_ZIPF = 6.5
FUNCTION_COST = 1.5

NUM = "<num>"
_NUMBER = re.compile(r"[-+]?\d[\d.,]*(?:[-–/]\d[\d.,]*)?%?")
_EDGE_PUNCT = re.compile(r"^[^\w@&|]+|[^\w+]+$")
_PART_SPLIT = re.compile(r"[-/–]")
_LINE_END_HYPHEN = re.compile(r"(\w)-[ \t]*\n\s*(?=[a-zæøå])")


def word_parts(token: str) -> list[str]:
    """Lower-case word parts of a whitespace token: edge punctuation off, split at - and /."""
    core = _EDGE_PUNCT.sub("", token)
    return [p.lower() for p in _PART_SPLIT.split(core) if p and any(c.isalpha() for c in p)]


def dehyphenate(text: str) -> str:
    """Join words hyphenated at line ends ("Integra-\\n\\ntionsforvaltningen")."""
    return _LINE_END_HYPHEN.sub(r"\1", text)


def domain_counts(texts: Iterable[str]) -> Counter[str]:
    """Word-part counts of clean texts: the domain vocabulary."""
    counts: Counter[str] = Counter()
    for text in texts:
        for token in dehyphenate(text).split():
            counts.update(word_parts(token))
            core = _EDGE_PUNCT.sub("", token)
            if "/" in core and len(core) <= 5 and core.replace("/", "").isalpha():
                counts[core.lower()] += 1  # short abbreviations such as "p/l" as a whole
    return counts


def lower_case_counts(texts: Iterable[str]) -> Counter[str]:
    """How often each word part of clean texts is written in lower case: a domain word never
    written so is a name ("Ballisager", "Claus"), which is no compound part."""
    counts: Counter[str] = Counter()
    for text in texts:
        for token in dehyphenate(text).split():
            core = _EDGE_PUNCT.sub("", token)
            counts.update(p for p in _PART_SPLIT.split(core) if p[:1].islower())
    return counts


def bigram_key(token: str) -> str:
    """How a token enters the bigram table: lower-case, edge punctuation off, numbers as <num>."""
    core = _EDGE_PUNCT.sub("", token).lower()
    return NUM if _NUMBER.fullmatch(core) else core


def domain_bigrams(texts: Iterable[str]) -> Counter[tuple[str, str]]:
    """Pairs of adjacent tokens (bigram_key) within a line."""
    pairs: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for line in dehyphenate(text).splitlines():
            keys = [bigram_key(t) for t in line.split()]
            pairs.update((a, b) for a, b in itertools.pairwise(keys) if a and b)
    return pairs


def abbreviations(texts: Iterable[str]) -> set[str]:
    """Lower-case tokens ending in "." that the clean texts continue in lower case at least
    as often as in upper case ("kr.", "bl.a."): after them a sentence goes on."""
    lower: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for text in texts:
        for line in dehyphenate(text).splitlines():
            tokens = line.split()
            for a, b in itertools.pairwise(tokens):
                core = a.lstrip("(\"'“”").lower()
                if core.endswith(".") and any(c.isalpha() for c in core) and b[:1].isalpha():
                    (lower if b[0].islower() else upper)[core] += 1
    return {a for a, n in lower.items() if n >= upper[a]}


def clean_corpus_texts(corpus: Path) -> dict[str, str]:
    """name -> clean text: the corpus *.txt files and the clean fields of each sheet's JSON."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))}
    for p in sorted((corpus / "bevillingsudloeb").glob("*.json")):
        data = json.loads(p.read_text(encoding="utf-8"))
        texts[p.name] = "\n".join(str(data.get(k, "")) for k in JSON_TEXT_FIELDS)
    return texts


def _read_tsv(path: Path) -> Iterable[list[str]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line and not line.startswith("#") and line.strip():
                yield line.rstrip("\n").split("\t")


def read_extra(path: Path) -> Counter[str]:
    """Hand-added words: one per line, optionally a tab and a count; # starts a comment."""
    counts: Counter[str] = Counter()
    if path.exists():
        for row in _read_tsv(path):
            for part in word_parts(row[0]):
                counts[part] += int(row[1]) if len(row) > 1 and row[1].strip() else EXTRA_COUNT
    return counts


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Lexicon:
    """Word -> zipf for general Danish and the domain, plus a compound model.

    `parts` holds every form of lexicon.tsv and hunspell_forms.txt with its zipf, `bound` the
    forms that live only inside compounds ("arbejds"), `begin`/`end` the forms hunspell-da lets
    start/end a compound, `heads` how many forms each start part starts, `domain` the mined
    counts and `names` the domain words never written in lower case; `zipf` folds the domain
    into the standalone words. Caches compound splits per word.
    """

    parts: Mapping[str, float]
    bound: frozenset[str]
    begin: frozenset[str]
    end: frozenset[str]
    heads: Mapping[str, int]
    domain: Mapping[str, int]
    names: frozenset[str]
    bigrams: Mapping[tuple[str, str], int]
    abbreviations: frozenset[str]
    zipf: Mapping[str, float]
    _compounds: dict[str, tuple[float, tuple[str, ...]]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Lexicon({len(self.zipf)} words, {len(self.domain)} domain words)"

    @classmethod
    def load(cls, directory: Path | None = None) -> Lexicon:
        """The lexicon of a corrections directory (default corrections/), once per process."""
        return _load(Path(directory) if directory is not None else CORRECTIONS_DIR)

    @classmethod
    def build(
        cls,
        general: tuple[Mapping[str, float], frozenset[str], frozenset[str], frozenset[str]],
        heads: Mapping[str, int],
        domain: Mapping[str, int],
        lower: Mapping[str, int],
        bigrams: Mapping[tuple[str, str], int],
        abbreviations: Iterable[str] = (),
    ) -> Lexicon:
        """general: (parts, bound, begin, end); heads: the counts of compound_starts.tsv;
        lower: lower_case_counts of the domain texts."""
        parts, bound, begin, end = general
        zipf = {w: z for w, z in parts.items() if w not in bound}
        total = max(sum(domain.values()), 1)
        for w, n in domain.items():
            d = math.log10(max(n, 1) / total) + 9
            g = zipf.get(w)
            zipf[w] = round(math.log10(10**g + 10**d), 3) if g else round(d, 3)
        names = frozenset(w for w in domain if not lower.get(w))
        return cls(
            parts,
            bound,
            begin,
            end,
            heads,
            dict(domain),
            names,
            dict(bigrams),
            frozenset(abbreviations),
            zipf,
        )

    def with_domain(
        self,
        domain: Mapping[str, int],
        lower: Mapping[str, int],
        bigrams: Mapping[tuple[str, str], int],
        abbreviations: Iterable[str],
    ) -> Lexicon:
        """The same general lexicon with another domain vocabulary (leave-one-out evaluation)."""
        general = (self.parts, self.bound, self.begin, self.end)
        return Lexicon.build(general, self.heads, domain, lower, bigrams, abbreviations)

    def is_word(self, token: str) -> bool:
        """Every part of the token is a known word or a compound of known words."""
        parts = word_parts(token)
        return bool(parts) and all(self.word_zipf(p) > 0 for p in parts)

    def frequency(self, token: str) -> float:
        """Zipf frequency of a word (its rarest part for hyphenated tokens); 0 if unknown."""
        parts = word_parts(token)
        return min((self.word_zipf(p) for p in parts), default=0.0)

    def word_zipf(self, word: str) -> float:
        """Zipf of a lower-case word part: as listed or as a compound, whichever is higher
        (a rare listed compound is at least as likely as its parts make it); 0 if unknown."""
        z = self.zipf.get(word, 0.0)
        if z >= COMPOUND_MAX:  # no compound scores that high
            return z
        return max(z, self.compound(word)[0])

    def compound(self, word: str) -> tuple[float, tuple[str, ...]]:
        """Best split of a lower-case word into two or more lexicon parts and its zipf.

        Every part has at least MIN_PART letters and stands where hunspell-da's flags allow
        it (or is a domain word other than a name). The score (see COMPOUND_BASE) follows the
        last part (the head of a Danish compound, which decides how the word is used) and how
        productive and common each start part is, less MIDDLE_PART_COST per part beyond two
        and FUNCTION_COST per very frequent function word among the parts; below
        COMPOUND_MAX. Short parts are excluded because they let damaged forms pass ("ar" +
        "ligt"). Returns (0.0, ()) when no split scores above 0.
        """
        hit = self._compounds.get(word)
        if hit is None:
            hit = self._split(word)
            self._compounds[word] = hit
        return hit

    def bigram(self, first: str, second: str) -> int:
        """Count of the pair in the domain texts; arguments are bigram_key()s."""
        return self.bigrams.get((first, second), 0)

    def part_zipf(self, part: str, last: bool) -> float:
        """Zipf of a compound part: a form hunspell-da marks as able to start (last=False) or
        end (last=True) a compound, or a domain word that is no name; 0 when it cannot stand
        there."""
        if part in self.domain and len(part) >= MIN_PART and part not in self.names:
            return self.zipf[part]
        if part in (self.end if last else self.begin):
            return self.parts[part]
        return 0.0

    def _split(self, word: str) -> tuple[float, tuple[str, ...]]:
        n = len(word)
        if n < 2 * MIN_PART or not word.isalpha():
            return (0.0, ())
        # best[i]: (gain, penalty, parts) of word[i:] as one or more parts ending in a valid
        # last part; a compound scores min(COMPOUND_MAX, gain) - penalty, so that what sets
        # two compounds apart below the cap (a weak start part) is never lost to it
        best: dict[int, tuple[float, float, tuple[str, ...]]] = {}
        for i in range(n - MIN_PART, -1, -1):
            options = []
            tail = word[i:]
            z = self.part_zipf(tail, last=True) if i > 0 else 0.0
            if z > 0:
                gain = COMPOUND_BASE + TAIL_WEIGHT * (z - TAIL_MID)
                options.append((gain, FUNCTION_COST if z >= FUNCTION_ZIPF else 0.0, (tail,)))
            for j in range(i + MIN_PART, n - MIN_PART + 1):
                if j in best:
                    head = word[i:j]
                    zh = self.part_zipf(head, last=False)
                    if zh > 0:
                        gain, penalty, rest = best[j]
                        word_z = zh if head not in self.bound else BOUND_ZIPF
                        cost = HEAD_WEIGHT * (
                            HEAD_MID - math.log10(1 + self.heads.get(head, 0))
                        ) + HEAD_ZIPF_WEIGHT * (HEAD_ZIPF_MID - word_z)
                        gain, penalty = gain - min(cost, 0.0), penalty + max(cost, 0.0)
                        if zh >= FUNCTION_ZIPF:
                            penalty += FUNCTION_COST
                        if i > 0:
                            penalty += MIDDLE_PART_COST
                        options.append((gain, penalty, (head, *rest)))
            if options:
                best[i] = max(options, key=lambda o: (min(o[0], COMPOUND_MAX) - o[1], -len(o[2])))
        if 0 not in best:
            return (0.0, ())
        gain, penalty, split = best[0]
        score = min(gain, COMPOUND_MAX) - penalty
        return (round(score, 3), split) if score > 0 else (0.0, ())


@functools.lru_cache(maxsize=4)
def _load(directory: Path) -> Lexicon:
    parts: dict[str, float] = {}
    begin: set[str] = set()
    end: set[str] = set()
    bound: set[str] = set()

    def add(words: list[str], uses: str) -> None:
        if "B" in uses:
            begin.update(words)
        if "E" in uses:
            end.update(words)
        if "W" not in uses:
            bound.update(words)

    # plain str.split over whole files: loading runs in every worker and must stay fast
    text = (directory / FORMS_FILE).read_text(encoding="utf-8")
    for section in text.split("\n## ")[1:]:
        head, _, body = section.partition("\n")
        uses, zipf = head.split()
        words = body.split()
        parts.update(dict.fromkeys(words, float(zipf)))
        add(words, uses)
    text = (directory / LEXICON_FILE).read_text(encoding="utf-8")
    flat = text[text.index("\n") + 1 :].split()
    words, uses = flat[0::3], flat[2::3]
    parts.update(zip(words, map(float, flat[1::3]), strict=True))
    for u in set(uses):
        add([w for w, x in zip(words, uses, strict=True) if x == u], u)
    heads = {part: int(n) for part, n in _read_tsv(directory / COMPOUND_STARTS_FILE)}
    domain: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for word, count, _, low in _read_tsv(directory / DOMAIN_FILE):
        domain[word] = int(count)
        lower[word] = int(low)
    extra = read_extra(directory / DOMAIN_EXTRA_FILE)
    domain.update(extra)
    lower.update(extra)  # hand-added words are words, never names
    bigrams = {(a, b): int(c) for a, b, c in _read_tsv(directory / BIGRAMS_FILE)}
    abbrevs = [row[0] for row in _read_tsv(directory / ABBREVIATIONS_FILE)]
    general = (parts, frozenset(bound), frozenset(begin), frozenset(end))
    return Lexicon.build(general, heads, domain, lower, bigrams, abbrevs)
