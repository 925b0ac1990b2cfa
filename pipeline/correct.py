"""Noisy-channel correction of Danish OCR damage, token by token.

For a token the corrector searches the words the OCR may have read it from: it rewrites the
token with the confusion table (corrections/confusions.tsv, "g" may be a lost "ø"), keeps
only rewrites that stay on the path of a lexicon word, lets a word continue as a compound
or, at a cost, as two words whose space was lost, and falls back on a fuzzy lookup
(rapidfuzz) for damage outside the table. Each candidate is scored in log10 units as

    score = language model (zipf of the word, compound or word sequence)
          + channel (log10 P(observed token | candidate), from the confusion table)

and the token changes only when the best candidate beats the token as read by MARGIN. A
token that is a valid word is a candidate like any other, so "pa" (zipf 4.1) still loses to
"på" (7.2 + log10 0.5). Bigrams of the domain texts break near-ties ("pa service").

Numbers are never touched. Text that still has its æ/ø/å is not OCR-damaged: the same
search then runs with CLEAN_EXTRA added to every rewrite, so only overwhelming evidence
changes anything there.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import time
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from pipeline.lexicon import CORRECTIONS_DIR, MIN_PART, Lexicon, bigram_key

CONFUSIONS_FILE = "confusions.tsv"

MARGIN = 0.5  # log10: a change must be ~3x more likely than the token as read
NAME_EXTRA = 1.5  # more margin for a capitalised unknown word mid-sentence
ABBREVIATION_MAX = 6  # letters; capitals this short are an abbreviation, never corrected
CLEAN_EXTRA = 5.0  # extra cost of each rewrite or split in text that kept its æ/ø/å
UNKNOWN_ZIPF = -1.0  # language model score of a token that is no word and no compound
SPLIT_COST = 1.0  # a lost space, on top of the second word's own probability
MAX_SPACES = 2
MAX_EDITS = 3  # rewrites per word in the search
MAX_CHANNEL = 4.5  # search bound on -log10 P(observed | candidate)
TOP_ZIPF = 8.0  # above any word's zipf plus its context bonus: bounds the search
SPLIT_WORD_ZIPF = 4.0  # each word of a repaired split must be this common
SPLIT_MAX_ZIPF = 3.0  # a token listed this common (wordfreq's own list) is never split
# A split never ends in an inflectional ending that is also a word ("beløber" is no
# "beløb er", "årsværket" no "årsværk et").
ENDING_WORDS = frozenset({"er", "en", "et", "ne", "de", "te", "re", "ene"})
SHORT_WORD_ZIPF = 5.0  # a candidate word of one or two letters must be this common
FUZZY_EDIT = 2.5  # -log10 of an edit outside the confusion table
FUZZY_MIN_LEN = 5
FUZZY_MIN_ZIPF = 2.5
CONTEXT_WEIGHT = 0.5  # per log10 count of a domain bigram with a neighbour
CONTEXT_RANGE = 1.5  # candidates this close to the best are re-ranked by context
DANISH = frozenset("æøåÆØÅ")

_SPLIT_TOKEN = re.compile(r"^([^\w@&|]*)(.*?)([^\w+@&|]*)$", re.DOTALL)
_PART_SEP = re.compile(r"([-/–])")
_NUMBER = re.compile(r"[-+]?\d[\d.,]*(?:[-–/]\d[\d.,]*)?%?")
_YEAR_AFTER_I = re.compile(r"1((?:19|20)\d\d)")  # "12025": "I 2025" with the I read as 1
_ZERO_WORD = re.compile(r"0\d")  # "08": a two-digit number never starts with 0 in prose
_GLUED_NUMBER = re.compile(r"([^\W\d_]{1,4}\.)(\d+)")  # "Nr.5": the space lost
_GLUED_WORD = re.compile(r"([^\W\d_]{1,4}\.)([^\W\d_]+)")  # "kr.i": the space lost
_NUMBER_GLUED = re.compile(r"((?:19|20)\d\d)([^\W\d_]+[./][^\W_]+)")  # "2027p/l"
_YEAR = re.compile(r"(?:19|20)\d\d[.,:;)]*")
_LETTER_SYMBOLS = frozenset("@&|")
_CAPITALS = re.compile(r"[^\W\d_a-zæøå]+(?:['’]?s)?")  # "BIF", "FRAKs", "SOF's"


@dataclass(frozen=True, slots=True)
class TokenChange:
    """One changed token. score: how much more likely (log10) the chosen reading is than
    the token as read, after context (1.0: ten times); the fixed repairs of numbers glued
    to words ("Nr.5", "12025", "p/1") score 1.0."""

    index: int
    token_raw: str
    token: str
    rule: str
    score: float


@dataclass(frozen=True, slots=True)
class Candidate:
    """One reading of a token: its language model and channel scores (log10)."""

    text: str  # lower-case; a space marks a repaired split
    pieces: tuple[tuple[str, str], ...]  # (observed, clean) pieces, for carrying case over
    lm: float
    channel: float
    rule: str

    @property
    def score(self) -> float:
        return self.lm + self.channel


@functools.lru_cache(maxsize=4)
def _load(directory: Path) -> Corrector:
    return Corrector.from_lexicon(Lexicon.load(directory), directory)


def load_confusions(path: Path) -> dict[str, tuple[tuple[str, float], ...]]:
    """observed (lower-case) -> ((clean, log10 P(observed | clean)), ...), best first."""
    best: dict[tuple[str, str], float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        clean, ocr, prob, *_ = line.split("\t")
        key = (ocr.lower(), clean.lower())
        best[key] = max(best.get(key, -99.0), math.log10(float(prob)))
    table: dict[str, list[tuple[str, float]]] = {}
    for (ocr, clean), cost in best.items():
        table.setdefault(ocr, []).append((clean, cost))
    return {o: tuple(sorted(c, key=lambda x: -x[1])) for o, c in table.items()}


def has_danish_letters(text: str) -> bool:
    """This OCR never outputs æ/ø/å: text that has them is not its output."""
    return any(c in DANISH for c in text)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Corrector:
    lexicon: Lexicon
    confusions: dict[str, tuple[tuple[str, float], ...]]
    keys: tuple[str, ...]  # sorted lexicon forms, for prefix checks by bisection
    _by_length: dict[int, list[str]] = field(default_factory=dict)  # fuzzy choices, lazily
    _cache: dict[tuple[str, bool], tuple[Candidate, ...]] = field(default_factory=dict)
    _prefixes: dict[str, bool] = field(default_factory=dict)
    _tokens: dict[tuple[str, bool, bool], tuple[str, str, float]] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path | None = None) -> Corrector:
        """The corrector of a corrections directory, one per process (its caches grow)."""
        return _load(Path(directory) if directory is not None else CORRECTIONS_DIR)

    @classmethod
    def from_lexicon(cls, lexicon: Lexicon, directory: Path | None = None) -> Corrector:
        directory = Path(directory) if directory is not None else CORRECTIONS_DIR
        keys = tuple(sorted(set(lexicon.parts).union(lexicon.zipf)))
        return cls(lexicon, load_confusions(directory / CONFUSIONS_FILE), keys)

    def __repr__(self) -> str:
        return f"Corrector({len(self.keys)} forms, {len(self._cache)} cached words)"

    def __reduce__(self):
        """Pickle as a reload of the default corrector: workers read the same files, which
        is cheaper than shipping the tables (a leave-one-out corrector does not pickle)."""
        return (Corrector.load, ())

    # ---- public API -------------------------------------------------------------------

    def correct_tokens(
        self, tokens: Sequence[str], *, damaged: bool | None = None, continues: bool = False
    ) -> tuple[tuple[str, ...], tuple[TokenChange, ...]]:
        """Correct one line of whitespace-separated tokens; the result has the same length.

        damaged: whether the text comes from damaging OCR. None decides from the tokens
        themselves (a line that has æ, ø or å is not damaged); callers that know more, such as
        a whole page, should pass it (see is_damaged).
        continues: the line goes on with a sentence of the line before (see ends_sentence),
        so its first token is no sentence start ("0g" is "og", not "Og").
        """
        if damaged is None:
            damaged = not any(has_danish_letters(t) for t in tokens)
        out = list(tokens)
        changes: list[TokenChange] = []
        for i, token in enumerate(tokens):
            start = not continues if i == 0 else self.ends_sentence(tokens[i - 1])
            key = (token, damaged, start)
            hit = self._tokens.get(key)
            if hit is None:
                prev = out[i - 1].rsplit(" ", 1)[-1] if i else ""
                nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
                new, rule, score, contextual = self._correct_token(token, damaged, start, prev, nxt)
                if not contextual:  # the same token decides the same way everywhere
                    self._tokens[key] = (new, rule, score)
            else:
                new, rule, score = hit
            if new != token:
                out[i] = new
                changes.append(TokenChange(i, token, new, rule, round(score, 3)))
        return tuple(out), tuple(changes)

    def correct_text(self, text: str) -> tuple[str, tuple[TokenChange, ...]]:
        """Correct a whole text line by line, keeping lines and the whitespace between tokens.
        Token indexes in the changes count tokens over the whole text."""
        damaged = is_damaged(text)
        out_lines: list[str] = []
        changes: list[TokenChange] = []
        offset = 0
        continues = False
        for line in text.split("\n"):
            parts = re.split(r"(\s+)", line)
            tokens = parts[0::2]
            nonempty = [t for t in tokens if t]
            fixed, line_changes = self.correct_tokens(
                nonempty, damaged=damaged, continues=continues
            )
            if nonempty:
                continues = not self.ends_sentence(nonempty[-1])
            it = iter(fixed)
            parts[0::2] = [next(it) if t else t for t in tokens]
            out_lines.append("".join(parts))
            changes.extend(
                TokenChange(c.index + offset, c.token_raw, c.token, c.rule, c.score)
                for c in line_changes
            )
            offset += len(nonempty)
        return "\n".join(out_lines), tuple(changes)

    # ---- one token ---------------------------------------------------------------------

    def ends_sentence(self, token: str) -> bool:
        """Whether a sentence (or a heading) ends with this token; abbreviations do not."""
        if token.endswith(":") or token.endswith("!") or token.endswith("?"):
            return True
        core = token.rstrip(")\"'”’").lower()
        return core.endswith(".") and core.lstrip("(\"'“") not in self.lexicon.abbreviations

    def _correct_token(
        self, token: str, damaged: bool, start: bool, prev: str, nxt: str
    ) -> tuple[str, str, float, bool]:
        """(token, rule, score, whether the neighbours prev/nxt took part in the decision)."""
        lead, core, trail = _SPLIT_TOKEN.match(token).groups()
        if not core:
            return token, "", 0.0, False
        if _NUMBER.fullmatch(core):
            m = _YEAR_AFTER_I.fullmatch(core)
            if m and damaged and start and not lead and not trail:
                return f"I {m.group(1)}", "digit_letter", 1.0, False
            if not (damaged and _ZERO_WORD.fullmatch(core)):
                return token, "", 0.0, False
        if damaged:
            m = _GLUED_WORD.fullmatch(core)
            if m and m.group(1).lower() in self.lexicon.abbreviations:
                rest, _, _, contextual = self._correct_word(m.group(2), damaged, False, "", nxt)
                if self.lexicon.is_word(rest):  # "kr.i": "kr. i"
                    return f"{lead}{m.group(1)} {rest}{trail}", "split", 1.0, contextual
            m = _GLUED_NUMBER.fullmatch(core)
            if m and m.group(1).lower() in self.lexicon.abbreviations | {"nr."}:
                if m.group(2) == "1" and _YEAR.fullmatch(nxt):  # "kr.1 2025": "kr. i 2025"
                    return f"{lead}{m.group(1)} i{trail}", "split", 1.0, True
                return f"{lead}{m.group(1)} {m.group(2)}{trail}", "split", 1.0, False
            m = _NUMBER_GLUED.fullmatch(core)
            if m:  # "2027p/1": a year and an abbreviation that lost the space between them
                unit = self._whole_token(m.group(2), damaged) or m.group(2)
                if unit.lower() in self.lexicon.zipf:
                    return f"{lead}{m.group(1)} {unit}{trail}", "split", 1.0, False
        letters = [c for c in core if c.isalpha()]
        if _is_abbreviation(core):
            return token, "", 0.0, False
        heading = trail.endswith(":")
        pieces = _PART_SEP.split(core)
        if len(pieces) == 1:
            new, rule, score, contextual = self._correct_word(
                core, damaged, start, prev, nxt, heading=heading
            )
            return lead + new + trail, rule, score, contextual
        whole = self._whole_token(core, damaged)
        if whole is not None:
            return lead + whole + trail, "digit_letter", 1.0, False
        fixed, rules, total, any_context = [], [], 0.0, False
        last = len(pieces) - 1
        for k, piece in enumerate(pieces):
            if k % 2 or not piece or _is_abbreviation(piece):
                fixed.append(piece)
                continue
            new, rule, score, contextual = self._correct_word(
                piece,
                damaged,
                start and k == 0,
                prev if k == 0 else "",
                nxt if k == last else "",
                heading=heading,
                upper=len(letters) > 1 and core.isupper(),
            )
            fixed.append(new)
            any_context |= contextual
            if rule:
                rules.append(rule)
                total += score
        rule = "+".join(dict.fromkeys(rules))
        return lead + "".join(fixed) + trail, rule, total, any_context

    def _whole_token(self, core: str, damaged: bool) -> str | None:
        """A short token with a separator read with one wrong character ("p/1" or "p/I" for
        "p/l"), when the repaired whole is a listed token."""
        lower = core.lower()
        if not damaged or len(core) > 6 or lower in self.lexicon.zipf:
            return None
        for i, c in enumerate(lower):
            for clean, _ in self.confusions.get(c, ()):
                fixed = lower[:i] + clean + lower[i + 1 :]
                if fixed in self.lexicon.zipf:
                    return core[:i] + clean + core[i + 1 :]
        return None

    def _correct_word(
        self,
        word: str,
        damaged: bool,
        start: bool,
        prev: str,
        nxt: str,
        *,
        heading: bool = False,
        upper: bool = False,
    ) -> tuple[str, str, float, bool]:
        wordlike = any(c.isalpha() or c in _LETTER_SYMBOLS for c in word)
        if not wordlike and not _ZERO_WORD.fullmatch(word):
            return word, "", 0.0, False
        ranked = self.candidates(word, damaged)
        if len(ranked) < 2:
            return word, "", 0.0, False
        identity = next(c for c in ranked if not c.rule)
        scored = [(c.score, c) for c in ranked]
        contextual = ranked[0].score - ranked[1].score < CONTEXT_RANGE and bool(prev or nxt)
        if contextual:
            prev_key, next_key = bigram_key(prev) if prev else "", bigram_key(nxt) if nxt else ""
            scored = [
                (c.score + self._context(c, prev_key, next_key), c)
                for c in ranked
                if c.score > ranked[0].score - CONTEXT_RANGE or c is identity
            ]
        total, best = max(scored, key=lambda s: s[0])
        if best is identity:
            return word, "", 0.0, contextual
        margin = total - next(s for s, c in scored if c is identity)
        need = MARGIN
        if not start and word[:1].isupper() and identity.lm <= 0:
            need += NAME_EXTRA  # a capitalised unknown word mid-sentence is likely a name
        if margin < need:
            return word, "", 0.0, contextual
        rule = best.rule if best is ranked[0] else "context"
        return _apply_case(word, best, start or heading, upper), rule, margin, contextual

    def _context(self, cand: Candidate, prev_key: str, next_key: str) -> float:
        words = cand.text.split(" ")
        bonus = 0.0
        if prev_key:
            bonus += math.log10(1 + self.lexicon.bigram(prev_key, words[0]))
        if next_key:
            bonus += math.log10(1 + self.lexicon.bigram(words[-1], next_key))
        return CONTEXT_WEIGHT * bonus

    # ---- candidate search --------------------------------------------------------------

    def candidates(self, word: str, damaged: bool) -> tuple[Candidate, ...]:
        """The token as read (rule "") and every reading the search finds, best first
        (cached per word)."""
        key = (word, damaged)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._search(word, damaged)
            self._cache[key] = hit
        return hit

    def _search(self, word: str, damaged: bool) -> tuple[Candidate, ...]:
        obs = word.lower()
        lex = self.lexicon
        z = lex.word_zipf(obs) if obs.isalpha() else 0.0
        identity = Candidate(obs, ((word, obs),), z if z > 0 else UNKNOWN_ZIPF, 0.0, "")
        extra = 0.0 if damaged else CLEAN_EXTRA
        found: dict[str, Candidate] = {}
        # no reading can beat the token as read by MARGIN if its channel costs more than this
        bound = min(MAX_CHANNEL, TOP_ZIPF - identity.lm - MARGIN)
        for text, (pieces, channel) in self._walk(obs, extra, bound).items():
            if text == obs:
                continue
            lm = self._lm(text)
            if lm is None:
                continue
            rule = "split" if " " in text else "confusion"
            if any(o.isdigit() for o, c in pieces if o != c):
                rule = "digit_letter"
            cand = Candidate(text, _observed_pieces(word, pieces), lm, channel, rule)
            if text not in found or cand.score > found[text].score:
                found[text] = cand
        good = any(c.score >= identity.score + MARGIN for c in found.values())
        if (
            damaged
            and not good
            and z <= 0
            and len(obs) >= FUZZY_MIN_LEN
            and all(c.isalpha() or c in _LETTER_SYMBOLS for c in word)
            and word.islower()
        ):
            for cand in self._fuzzy(word, obs):
                found.setdefault(cand.text, cand)
        return tuple(sorted((identity, *found.values()), key=lambda c: -c.score))

    def _lm(self, text: str) -> float | None:
        """Zipf of a candidate; for a split, of its word sequence (log10 P(w1) + log10 P(w2)
        + 9 ..., less SPLIT_COST per lost space, plus the domain bigrams inside it), where
        every word must be a listed common word."""
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
        if len(words) > 1 and words[-1] in ENDING_WORDS:
            return None
        bonus = sum(math.log10(1 + lex.bigram(a, b)) for a, b in itertools.pairwise(words))
        return total - (len(words) - 1) * (9.0 + SPLIT_COST) + CONTEXT_WEIGHT * bonus

    @property
    def max_confusion(self) -> int:
        return max(map(len, self.confusions), default=1)

    def _has_prefix(self, prefix: str) -> bool:
        hit = self._prefixes.get(prefix)
        if hit is None:
            keys = self.keys
            i = bisect_left(keys, prefix)
            hit = i < len(keys) and keys[i].startswith(prefix)
            self._prefixes[prefix] = hit
        return hit

    def _walk(
        self, obs: str, extra: float, bound: float
    ) -> dict[str, tuple[tuple[tuple[str, str], ...], float]]:
        """Depth-first rewrite of obs along lexicon prefixes.

        Returns candidate -> (pieces, channel), channel = log10 P(obs | candidate) minus
        `extra` per rewrite or lost space. The state keeps every place where the current
        compound part may have started, so one text prefix is one state however it segments;
        a complete word may also end at a lost space."""
        lex = self.lexicon
        conf = self.confusions
        max_len = self.max_confusion
        n = len(obs)
        results: dict[str, tuple[tuple[tuple[str, str], ...], float]] = {}
        seen: dict[tuple[int, str, tuple[int, ...]], float] = {}

        # the rewrites that may start at each position: (length, observed, clean, cost)
        steps: list[list[tuple[int, str, str, float]]] = []
        for pos in range(n):
            here = [(1, obs[pos], obs[pos], 0.0)] if obs[pos].isalpha() else []
            for k in range(1, min(max_len, n - pos) + 1):
                sub = obs[pos : pos + k]
                for clean, logp in conf.get(sub, ()):
                    if clean or 0 < pos < n - k - 1:  # dropped only well inside a word
                        here.append((k, sub, clean, extra - logp))
            steps.append(here)

        def walk(
            pos: int, text: str, starts: tuple[int, ...], pieces: tuple, cost: float, edits: int
        ) -> None:
            key = (pos, text, starts)
            if seen.get(key, bound + 1) <= cost:
                return
            seen[key] = cost
            end = len(text)
            if pos == n:
                if any(
                    text[s:] in lex.zipf or lex.part_zipf(text[s:], last=True) > 0 for s in starts
                ):
                    old = results.get(text)
                    if old is None or old[1] < -cost:
                        results[text] = (pieces, -cost)
                return
            lost_space = splits and text.count(" ") < MAX_SPACES
            if lost_space and any(text[s:] in lex.zipf for s in starts):
                space = (*pieces, ("", " "))
                walk(pos, text + " ", (end + 1,), space, cost + extra, edits)
            if any(end - s >= MIN_PART and lex.part_zipf(text[s:], last=False) > 0 for s in starts):
                starts = (*starts, end)
            for k, sub, clean, step in steps[pos]:
                if step and (cost + step > bound or edits >= MAX_EDITS):
                    continue
                new = text + clean
                live = tuple(s for s in starts if self._has_prefix(new[s:]))
                if live:
                    piece = (*pieces, (sub, clean))
                    walk(pos + k, new, live, piece, cost + step, edits + (step > 0))

        splits = lex.zipf.get(obs, 0.0) < SPLIT_MAX_ZIPF
        walk(0, "", (0,), (), 0.0, 0)
        return results

    def _fuzzy(self, word: str, obs: str) -> list[Candidate]:
        """Common words within two edits, for damage the confusion table does not know."""
        if not self._by_length:
            for w, z in sorted(self.lexicon.zipf.items()):
                if z >= FUZZY_MIN_ZIPF and w.isalpha():
                    self._by_length.setdefault(len(w), []).append(w)
        choices = [w for n in range(len(obs) - 2, len(obs) + 3) for w in self._by_length.get(n, ())]
        out = []
        for w, dist, _ in process.extract(
            obs, choices, scorer=Levenshtein.distance, score_cutoff=2, limit=20
        ):
            if dist == 0:
                continue
            channel = -self._align_cost(obs, w)
            out.append(Candidate(w, ((word, w),), self.lexicon.zipf[w], channel, "fuzzy"))
        return out

    def _align_cost(self, obs: str, clean: str) -> float:
        """-log10 P(obs | clean): cheapest alignment with confusion-table rewrites and
        FUZZY_EDIT per other edit."""
        n, m = len(obs), len(clean)
        inf = float("inf")
        d = [[inf] * (m + 1) for _ in range(n + 1)]
        d[0][0] = 0.0
        for i in range(n + 1):
            for j in range(m + 1):
                cur = d[i][j]
                if cur == inf:
                    continue
                if i < n and j < m and obs[i] == clean[j]:
                    d[i + 1][j + 1] = min(d[i + 1][j + 1], cur)
                if i < n and j < m:
                    d[i + 1][j + 1] = min(d[i + 1][j + 1], cur + FUZZY_EDIT)
                if i < n:
                    d[i + 1][j] = min(d[i + 1][j], cur + FUZZY_EDIT)
                if j < m:
                    d[i][j + 1] = min(d[i][j + 1], cur + FUZZY_EDIT)
                for k in range(1, min(self.max_confusion, n - i) + 1):
                    for c, logp in self.confusions.get(obs[i : i + k], ()):
                        if clean.startswith(c, j):
                            d[i + k][j + len(c)] = min(d[i + k][j + len(c)], cur - logp)
        return d[n][m]


def _is_abbreviation(core: str) -> bool:
    """Capitals, perhaps with a genitive s ("BIF", "FRAKs", "SOF's"): left alone unless long
    enough to be a word set in capitals ("KGBENHAVNS" is damaged "KØBENHAVNS")."""
    letters = sum(c.isalpha() for c in core)
    return 1 < letters < ABBREVIATION_MAX and bool(_CAPITALS.fullmatch(core))


def _observed_pieces(word: str, pieces: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Put the original (cased) observed text back into the lower-case search pieces."""
    out, pos = [], 0
    for sub, clean in pieces:
        out.append((word[pos : pos + len(sub)], clean))
        pos += len(sub)
    return tuple(out)


def _apply_case(word: str, cand: Candidate, capital: bool, upper: bool) -> str:
    """Carry the token's case over piece by piece. A symbol read for a letter ("@", "|") is a
    capital inside an upper-case word, before a capital, or at a sentence start or heading
    (capital=True)."""
    letters = [c for c in word if c.isalpha()]
    upper = upper or (len(letters) > 1 and all(c.isupper() for c in letters))
    out = []
    for k, (sub, clean) in enumerate(cand.pieces):
        first = next((c for c in sub if c.isalpha()), "")
        if clean == " ":
            out.append(" ")
        elif first:
            if upper and first.isupper():
                out.append(clean.upper())
            elif first.isupper():
                out.append(clean[:1].upper() + clean[1:])
            else:
                out.append(clean)
        elif upper or (k == 0 and capital) or _next_letter_upper(cand.pieces, k):
            out.append(clean.upper())
        else:
            out.append(clean)
    return "".join(out)


def _next_letter_upper(pieces: tuple[tuple[str, str], ...], k: int) -> bool:
    """A symbol before a capital letter stands for a capital ("@KF" for "ØKF")."""
    for sub, _ in pieces[k + 1 :]:
        for c in sub:
            if c.isalpha():
                return c.isupper()
    return False


def is_damaged(text: str) -> bool:
    """Whether a text reads like this OCR's output: it has letters but (almost) no æ/ø/å,
    which are 2-3% of the letters of Danish prose."""
    letters = sum(c.isalpha() for c in text)
    danish = sum(c in DANISH for c in text)
    return letters == 0 or danish < 0.002 * letters


def tokens_per_second(
    texts: Sequence[str], seconds: float = 2.0, corrector: Corrector | None = None
) -> float:
    """Throughput of correct_text over texts, repeated for about `seconds` (make bench)."""
    corrector = corrector or Corrector.load()
    n_tokens = sum(len(t.split()) for t in texts)
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for t in texts:
            corrector.correct_text(t)
        done += n_tokens
    return done / (time.perf_counter() - began)
