"""The candidate search of the OCR corrector: which clean words may a damaged word have been.

A reading of an observed word rewrites it piece by piece with the confusion table
(corrections/confusions.tsv: "g" may be a lost "ø"), staying on the path of lexicon forms; a
word may continue as a compound or, at a cost, as two words whose space was lost. Each
reading is scored in log10 units as

    score = language model (zipf of the word, compound or word sequence)
          + channel (log10 P(observed | reading), from the confusion table)

The search is a depth-first branch and bound: a partial reading is dropped as soon as even
the likeliest lexicon form it can still become (an index of the highest zipf under every
prefix) cannot come within CONTEXT_RANGE of the best reading found so far, since only readings
that close can still win through context. A word that no table rewrite explains is searched
again with one free edit (a stray, lost or misread letter: the long tail of OCR damage).
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.lexicon import COMPOUND_MAX, FUNCTION_ZIPF, MIN_PART, Lexicon

CONFUSIONS_FILE = "confusions.tsv"

MARGIN = 0.5  # log10: a change must be ~3x more likely than the token as read
CLEAN_EXTRA = 5.0  # extra cost of each rewrite or split in text that kept its æ/ø/å
UNKNOWN_ZIPF = -1.0  # language model score of a token that is no word and no compound
SPLIT_COST = 1.0  # a lost space, on top of the second word's own probability
MAX_SPACES = 2
MAX_EDITS = 3  # table rewrites per word
MAX_CHANNEL = 4.5  # search bound on -log10 P(observed | candidate)
SPLIT_WORD_ZIPF = 4.0  # each word of a repaired split must be this common
SPLIT_MAX_ZIPF = 3.0  # a token listed this common (wordfreq's own list) is never split
# A split never ends in an inflectional ending that is also a word ("beløber" is no
# "beløb er", "årsværket" no "årsværk et").
ENDING_WORDS = frozenset({"er", "en", "et", "ne", "de", "te", "re", "ene"})
SHORT_WORD_ZIPF = 5.0  # a candidate word of one or two letters must be this common
CONTEXT_WEIGHT = 0.5  # per log10 count of a domain bigram with a neighbour
CONTEXT_RANGE = 1.5  # candidates this close to the best are re-ranked by context
# One edit outside the table (a stray, lost or misread letter): P ~ 0.002. Only for a token
# that is no word and that no table rewrite explains, at most one per word.
FREE_EDIT = 2.7
MIN_FREE_LEN = 4  # letters; shorter tokens have too many one-edit neighbours
# A listed word this common (less the cheapest rewrite) in damaged text is searched only
# when a rewrite of a listed word can come near it (Search._safe): compounds (below
# COMPOUND_MAX), splits (never of a word listed above SPLIT_MAX_ZIPF) and free edits (only of
# no-words) cannot.
FAST_ZIPF = COMPOUND_MAX + CONTEXT_RANGE
NO_FORM = -99.0  # _top of a prefix no lexicon form has
NO_COST = 99.0  # above any channel cost
LETTERS = "abcdefghijklmnopqrstuvwxyzæøå"
LETTER_SYMBOLS = frozenset("@&|")  # read for letters ("@konomi", "&rligt", "|")
DANISH_LOWER = "æøå"
GLYPH_SPLIT = 0.01  # a Danish letter read as two glyphs, relative to its one-glyph reading

Pieces = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One reading of a token: its language model and channel scores (log10)."""

    text: str  # lower-case; a space marks a repaired split
    pieces: Pieces  # (observed, clean) pieces, for carrying case over
    lm: float
    channel: float
    rule: str

    @property
    def score(self) -> float:
        return self.lm + self.channel


def load_confusions(path: Path) -> dict[str, tuple[tuple[str, float], ...]]:
    """observed (lower-case) -> ((clean, log10 P(observed | clean)), ...), best first.

    Besides the table's rows: a Danish letter read as one of its one-glyph readings plus a
    fragment (any one-glyph reading of a Danish letter) before or after it, at GLYPH_SPLIT
    times the rate of that reading ("ø" as "ag", "e@" or "eo"). The sample sheets show such
    two-glyph readings for ~3% of their æ/ø/å, spread thinly over many pairs."""
    best: dict[tuple[str, str], float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        clean, ocr, prob, *_ = line.split("\t")
        key = (ocr.lower(), clean.lower())
        best[key] = max(best.get(key, -99.0), math.log10(float(prob)))
    single = [(o, c, p) for (o, c), p in best.items() if c in DANISH_LOWER and len(o) == 1]
    fragments = {o for o, _, _ in single}
    for ocr, clean, logp in single:
        for f in fragments:
            for pair in (ocr + f, f + ocr):
                key = (pair, clean)
                best[key] = max(best.get(key, -99.0), logp + math.log10(GLYPH_SPLIT))
    table: dict[str, list[tuple[str, float]]] = {}
    for (ocr, clean), cost in best.items():
        table.setdefault(ocr, []).append((clean, cost))
    return {o: tuple(sorted(c, key=lambda x: -x[1])) for o, c in table.items()}


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Search:
    """Readings of single words (no separators), cached per word; see the module doc."""

    lexicon: Lexicon
    confusions: dict[str, tuple[tuple[str, float], ...]]
    keys: tuple[str, ...]  # sorted lexicon forms
    zipfs: tuple[float, ...]  # standalone zipf of each key (0 for compound-only forms)
    pair_bonus: float  # the largest context bonus a bigram inside a split can give
    top_zipf: float  # the highest zipf of any word
    fast_zipf: float  # damaged text: a listed word this common may skip the search (_safe)
    risky: frozenset[str]  # ... unless a rewrite of another word can come near (risky_words)
    _cache: dict[tuple[str, bool], tuple[Candidate, ...]] = field(default_factory=dict)
    _tops: dict[str, float] = field(default_factory=dict)

    @classmethod
    def build(cls, lexicon: Lexicon, table: dict[str, tuple[tuple[str, float], ...]]) -> Search:
        """The search of a lexicon with the rows of a confusion table whose clean side is
        letters (or nothing)."""
        confusions = {}
        for ocr, options in table.items():
            kept = tuple((c, p) for c, p in options if c.isalpha() or not c)
            if kept:
                confusions[ocr] = kept
        keys = tuple(sorted(set(lexicon.parts).union(lexicon.zipf)))
        get = lexicon.zipf.get
        zipfs = tuple(get(k, 0.0) for k in keys)
        top_pair = max(lexicon.bigrams.values(), default=0)
        pair_bonus = CONTEXT_WEIGHT * math.log10(1 + top_pair)
        cheapest = min((-p for options in confusions.values() for _, p in options), default=0.0)
        fast = FAST_ZIPF - cheapest
        risky = cls.risky_words(lexicon, confusions, fast)
        top = max(zipfs, default=0.0)
        return cls(lexicon, confusions, keys, zipfs, pair_bonus, top, fast, risky)

    @property
    def max_confusion(self) -> int:
        return max(map(len, self.confusions), default=1)

    def readings(self, word: str, damaged: bool) -> tuple[Candidate, ...]:
        """The word as read (rule "") and every reading within CONTEXT_RANGE of the best,
        best first. A word that is no word and that the table does not explain gets a
        second search with one free edit. A common word that no rewrite can bring within
        CONTEXT_RANGE of a likelier one (see _safe) is the only reading of itself, unsearched."""
        key = (word, damaged)
        hit = self._cache.get(key)
        if hit is None:
            obs = word.lower()
            z = self.lexicon.zipf.get(obs, 0.0)
            if obs.isalpha() and self._safe(obs, z, damaged):
                hit = (Candidate(obs, ((word, obs),), z, 0.0, ""),)
            else:
                hit = self._readings(word, damaged)
            self._cache[key] = hit
        return hit

    def _safe(self, obs: str, z: float, damaged: bool) -> bool:
        """Whether a listed word of zipf z has no reading within CONTEXT_RANGE of its own
        score. In damaged text: z >= fast_zipf (no compound, split or free edit comes near)
        and no table rewrite of a listed word gives obs (risky_words). In clean text every
        rewrite costs CLEAN_EXTRA more, so no reading comes near a word above the highest zipf
        less CLEAN_EXTRA."""
        if not damaged:
            return z - CONTEXT_RANGE > self.top_zipf - CLEAN_EXTRA
        return z >= self.fast_zipf and obs not in self.risky

    @staticmethod
    def risky_words(
        lexicon: Lexicon, confusions: dict[str, tuple[tuple[str, float], ...]], fast_zipf: float
    ) -> frozenset[str]:
        """The listed words of zipf >= fast_zipf that damage by the table can make of some
        listed word scoring within CONTEXT_RANGE of them ("for" of "før", "bar" of "bør"):
        every observed form of every listed word, within the channel cost its zipf allows,
        along the prefixes of the words it may hit."""
        inverse: dict[str, list[tuple[str, float]]] = {}
        for ocr, options in confusions.items():
            for clean, logp in options:
                inverse.setdefault(clean, []).append((ocr, -logp))
        floor = fast_zipf - CONTEXT_RANGE
        zipf = lexicon.zipf
        prefixes = {w[:i] for w, z in zipf.items() if z >= fast_zipf for i in range(len(w) + 1)}
        risky: set[str] = set()

        def damage(clean: str, pos: int, seen: str, cost: float, edits: int, budget: float):
            if seen not in prefixes:
                return
            if pos == len(clean):
                z = zipf.get(seen, 0.0)
                if seen != clean and z >= fast_zipf and z - CONTEXT_RANGE <= zipf[clean] - cost:
                    risky.add(seen)
                return
            damage(clean, pos + 1, seen + clean[pos], cost, edits, budget)
            if edits == MAX_EDITS:
                return
            for k in (1, 2):
                for ocr, c in (
                    inverse.get(clean[pos : pos + k], ()) if pos + k <= len(clean) else ()
                ):
                    if cost + c <= budget:
                        damage(clean, pos + k, seen + ocr, cost + c, edits + 1, budget)
            if 0 < pos < len(clean) - 1:
                for ocr, c in inverse.get("", ()):
                    if cost + c <= budget:
                        damage(clean, pos, seen + ocr, cost + c, edits + 1, budget)

        # the cheapest rewrite of anything but æ/ø/å: a word without them needs this much
        other = min(
            (c for k, v in inverse.items() if k not in DANISH_LOWER for _, c in v), default=0
        )
        for word, z in zipf.items():
            if z > floor and word.isalpha():
                budget = min(z - floor, MAX_CHANNEL)
                if budget >= other or _has_danish(word):
                    damage(word, 0, "", 0.0, 0, budget)
        return frozenset(risky)

    def _readings(self, word: str, damaged: bool) -> tuple[Candidate, ...]:
        obs = word.lower()
        z = self.lexicon.word_zipf(obs) if obs.isalpha() else 0.0
        identity = Candidate(obs, ((word, obs),), z if z > 0 else UNKNOWN_ZIPF, 0.0, "")
        found = self._walk(word, obs, identity.lm, 0.0 if damaged else CLEAN_EXTRA, False)
        if (
            damaged
            and z <= 0
            and not any(c.score >= identity.score + MARGIN for c in found)
            and sum(c.isalpha() or c in LETTER_SYMBOLS for c in obs) >= MIN_FREE_LEN
            and all(c.isalpha() or c in LETTER_SYMBOLS for c in obs)
        ):
            found = self._walk(word, obs, identity.lm, 0.0, True)
        floor = max((c.score for c in found), default=identity.score) - CONTEXT_RANGE
        keep = [c for c in found if c.score >= floor]
        return tuple(sorted((identity, *keep), key=lambda c: -c.score))

    def _top(self, prefix: str) -> float:
        """The highest standalone zipf of a lexicon form starting with prefix (0 when only
        compound parts do, NO_FORM when none does)."""
        hit = self._tops.get(prefix)
        if hit is None:
            keys = self.keys
            lo = bisect_left(keys, prefix)
            if lo == len(keys) or not keys[lo].startswith(prefix):
                hit = NO_FORM
            else:
                hi = bisect_left(keys, prefix + "\U0010ffff", lo)
                hit = max(self.zipfs[lo:hi])
            self._tops[prefix] = hit
        return hit

    def lm(self, text: str) -> float | None:
        """Zipf of a candidate; for a split, of its word sequence (log10 P(w1) + log10 P(w2)
        + 9 ..., less SPLIT_COST per lost space, plus the domain bigrams inside it), where
        every word must be a listed common word and one a function word: two other words
        written together are a Danish compound, not a lost space."""
        words = text.split(" ")
        lex = self.lexicon
        total = 0.0
        for w in words:
            z = lex.word_zipf(w) if len(words) == 1 else lex.zipf.get(w, 0.0)
            if z <= 0 or (len(w) <= 2 and z < SHORT_WORD_ZIPF) or (len(w) == 1 and w != "i"):
                return None
            if len(words) > 1 and z < SPLIT_WORD_ZIPF:
                return None
            total += z
        if len(words) > 1 and (
            words[-1] in ENDING_WORDS or max(lex.parts.get(w, 0.0) for w in words) < FUNCTION_ZIPF
        ):
            return None
        bonus = sum(math.log10(1 + lex.bigram(a, b)) for a, b in itertools.pairwise(words))
        return total - (len(words) - 1) * (9.0 + SPLIT_COST) + CONTEXT_WEIGHT * bonus

    def _steps(self, obs: str, extra: float) -> list[list[tuple[int, str, str, float, bool]]]:
        """The rewrites that may start at each position: (length, observed, clean, cost,
        False: no free edit), the letter as read first, then the table's rewrites, shortest
        and likeliest first."""
        conf = self.confusions
        max_len = self.max_confusion
        n = len(obs)
        steps = []
        for pos in range(n):
            here = [(1, obs[pos], obs[pos], 0.0, False)] if obs[pos].isalpha() else []
            for k in range(1, min(max_len, n - pos) + 1):
                sub = obs[pos : pos + k]
                for clean, logp in conf.get(sub, ()):
                    if clean or 0 < pos < n - k - 1:  # dropped only well inside a word
                        here.append((k, sub, clean, extra - logp, False))
            steps.append(here)
        return steps

    def _walk(
        self, word: str, obs: str, identity_lm: float, extra: float, free: bool
    ) -> list[Candidate]:
        """Depth-first rewrite of obs along lexicon prefixes, with branch and bound.

        A state keeps every place where the current compound part may have started, so one
        text prefix is one state however it segments; a complete word may also end at a lost
        space (the start of a new segment). `extra` is added to every rewrite or lost space;
        `free` allows one edit outside the table."""
        lex = self.lexicon
        top = self._top
        n = len(obs)
        steps = self._steps(obs, extra)
        split_step = 9.0 + SPLIT_COST - self.pair_bonus
        results: dict[str, tuple[Pieces, float, float]] = {}
        seen: dict[tuple, float] = {}
        best = [identity_lm]
        splits = lex.zipf.get(obs, 0.0) < SPLIT_MAX_ZIPF

        def walk(
            pos: int,
            text: str,
            starts: tuple[int, ...],
            seg: int,
            done: float,
            chain: tuple,
            cost: float,
            edits: int,
            used: bool,
        ) -> None:
            """chain: the pieces so far as nested pairs (earlier chain, piece)."""
            key = (pos, text, starts, used)
            if seen.get(key, NO_COST) <= cost:
                return
            seen[key] = cost
            end = len(text)
            if pos == n:
                if any(
                    text[s:] in lex.zipf or lex.part_zipf(text[s:], last=True) > 0 for s in starts
                ):
                    lm = self.lm(text)
                    if lm is not None:
                        old = results.get(text)
                        if old is None or old[1] < -cost:
                            results[text] = (_flatten(chain), -cost, lm)
                        best[0] = max(best[0], lm - cost)
                return
            if splits and not free and end > seg and text.count(" ") < MAX_SPACES:
                z = lex.zipf.get(text[seg:], 0.0)
                if z >= SPLIT_WORD_ZIPF and cost + extra <= MAX_CHANNEL:
                    space = (chain, ("", " "))
                    walk(
                        pos,
                        text + " ",
                        (end + 1,),
                        end + 1,
                        done + z - split_step,
                        space,
                        cost + extra,
                        edits,
                        used,
                    )
            if any(end - s >= MIN_PART and lex.part_zipf(text[s:], last=False) > 0 for s in starts):
                starts = (*starts, end)
            options = steps[pos]
            if free and not used and cost + FREE_EDIT <= MAX_CHANNEL:
                options = options + frees[pos]
            for k, sub, clean, c, free_step in options:
                new_cost = cost + c
                if c and (new_cost > MAX_CHANNEL or (edits >= MAX_EDITS and not free_step)):
                    continue
                new = text + clean
                live = tuple(s for s in starts if top(new[s:]) > NO_FORM)
                if not live:
                    continue
                # the best any completion can score: a word under this prefix, a compound,
                # or the words of a split so far and one under the last segment's prefix
                if seg:
                    reach = done + top(new[seg:])
                else:
                    reach = max(top(new) if live[0] == 0 else NO_FORM, COMPOUND_MAX)
                if reach - new_cost < best[0] - CONTEXT_RANGE:
                    continue
                walk(
                    pos + k,
                    new,
                    live,
                    seg,
                    done,
                    (chain, (sub, clean)),
                    new_cost,
                    edits + (c > 0 and not free_step),
                    used or free_step,
                )
            if free and not used and (end > seg or pos < n - 1):  # a stray letter: drop it
                walk(
                    pos + 1,
                    text,
                    starts,
                    seg,
                    done,
                    (chain, (obs[pos], "")),
                    cost + FREE_EDIT,
                    edits,
                    True,
                )

        # one edit outside the table at each position: a letter misread or lost
        frees = (
            [
                [(1, obs[pos], x, FREE_EDIT, True) for x in LETTERS if x != obs[pos]]
                + [(0, "", x, FREE_EDIT, True) for x in LETTERS]
                for pos in range(n)
            ]
            if free
            else []
        )
        walk(0, "", (0,), 0, 0.0, (), 0.0, 0, False)
        out = []
        for text, (pieces, channel, lm) in results.items():
            if text == obs:
                continue
            changed = [(o, c) for o, c in pieces if o != c]
            rule = "split" if " " in text else "confusion"
            if any(o.isdigit() for o, _ in changed):
                rule = "digit_letter"
            if free and any(not _in_table(self.confusions, o, c) for o, c in changed):
                rule = "free_edit"
            out.append(Candidate(text, observed_pieces(word, pieces), lm, channel, rule))
        return out


def _flatten(chain: tuple) -> Pieces:
    """The pieces of a chain of nested pairs (earlier chain, piece), in order."""
    out = []
    while chain:
        chain, piece = chain
        out.append(piece)
    return tuple(reversed(out))


def _has_danish(word: str) -> bool:
    return any(c in DANISH_LOWER for c in word)


def _in_table(confusions: dict[str, tuple[tuple[str, float], ...]], obs: str, clean: str) -> bool:
    return clean == " " or any(c == clean for c, _ in confusions.get(obs, ()))


def observed_pieces(word: str, pieces: Pieces) -> Pieces:
    """Put the original (cased) observed text back into the lower-case search pieces."""
    out, pos = [], 0
    for sub, clean in pieces:
        out.append((word[pos : pos + len(sub)], clean))
        pos += len(sub)
    return tuple(out)
