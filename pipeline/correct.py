"""Noisy-channel correction of Danish OCR damage, line by line and token by token.

For a word the corrector searches the words the OCR may have read it from
(pipeline/correct_search.py: rewrites by the confusion table along lexicon prefixes,
compounds, lost spaces, one free edit for damage outside the table). Each reading is scored
in log10 units as

    score = language model (zipf of the word, compound or word sequence)
          + channel (log10 P(observed token | reading), from the confusion table)

and the token changes only when the best reading beats the token as read by MARGIN. A token
that is a valid word is a reading like any other, so "pa" (zipf 4.1) still loses to "på"
(7.2 + log10 0.5). Bigrams of the domain texts break near-ties ("pa service").

Around the words: a line goes on with the sentence of the line before unless that ended one
(so "0g" there is "og", not "Og"); a word broken by a hyphen at a line end is corrected as the
joined word and each fragment gets its part back; a lone mark that starts a list item is a
bullet; numbers are never touched, except the fixed repairs of digits glued to words
("12025" -> "I 2025", "Nr.5"); known abbreviations with a slash are read through the
confusion table ("p/1" -> "p/l"). Text that still has its æ/ø/å is not OCR-damaged: the
same search then runs with CLEAN_EXTRA added to every rewrite, so only overwhelming evidence
changes anything there.
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.correct_search import (
    CONFUSIONS_FILE,
    CONTEXT_RANGE,
    CONTEXT_WEIGHT,
    LETTER_SYMBOLS,
    MARGIN,
    Candidate,
    Search,
    load_confusions,
)
from pipeline.lexicon import CORRECTIONS_DIR, Lexicon, bigram_key

NAME_EXTRA = 1.5  # more margin for a capitalised unknown word mid-sentence
FREE_EXTRA = 1.0  # more margin for an edit outside the table in a word of letters only
ABBREVIATION_MAX = 6  # letters; capitals this short are an abbreviation, never corrected
DANISH = frozenset("æøåÆØÅ")
BULLET = "•"  # confusions.tsv rows with this clean side: what the OCR makes of a bullet
CONJUNCTIONS = frozenset({"og", "eller", "samt", "el"})  # "leverandør- og": a real hyphen
CLOSING = frozenset(")].,;:")
CAPITAL_SYMBOLS = frozenset("@|")  # how the OCR reads the capitals Ø and I

_SPLIT_TOKEN = re.compile(r"^([^\w@&|]*)(.*?)([^\w+@&|]*)$", re.DOTALL)
_PART_SEP = re.compile(r"([-/–])")
_NUMBER = re.compile(r"[-+]?\d[\d.,]*(?:[-–/]\d[\d.,]*)?%?")
_YEAR_AFTER_I = re.compile(r"1((?:19|20)\d\d)")  # "12025": "I 2025" with the I read as 1
_I_BEFORE_QUOTE = re.compile(r"[1|]([\"“”'‘«]\w.*)")  # '1"Klub”': 'I "Klub”'
_ZERO_WORD = re.compile(r"0\d")  # "08": a two-digit number never starts with 0 in prose
_GLUED_NUMBER = re.compile(r"([^\W\d_]{1,4}\.)(\d+)")  # "Nr.5": the space lost
_GLUED_WORD = re.compile(r"([^\W\d_]{1,4}\.)([^\W\d_]+)")  # "kr.i": the space lost
_NUMBER_GLUED = re.compile(r"((?:19|20)\d\d)([^\W\d_]+[./]\S+)")  # "2027p/l"
_YEAR = re.compile(r"(?:19|20)\d\d[.,:;)]*")
_SLASHED = re.compile(r"([^\W\d_]{1,3}/)(.+)", re.DOTALL)  # "p/1)": a known "p/l" read badly
_LINE_END_HYPHEN = re.compile(r"(.*[^\W_])-", re.DOTALL)  # "leverand-", "2023-"
_NON_LETTERS = re.compile(r"[\W\d_]+")
_CAPITALS = re.compile(r"[^\W\d_a-zæøå]+(?:['’]?s)?")  # "BIF", "FRAKs", "SOF's"


@dataclass(frozen=True, slots=True)
class TokenChange:
    """One changed token. score: how much more likely (log10) the chosen reading is than
    the token as read, after context (1.0: ten times); the fixed repairs of numbers glued
    to words ("Nr.5", "12025", "p/1") and bullets score 1.0."""

    index: int
    token_raw: str
    token: str
    rule: str
    score: float


@dataclass(frozen=True, slots=True)
class LineChange:
    """One changed token of a block of lines: its line, its index in the line, and as in
    TokenChange. A word joined over a line end gives one change per fragment it changed."""

    line: int
    index: int
    token_raw: str
    token: str
    rule: str
    score: float


@dataclass(frozen=True, slots=True)
class Fix:
    """How one token comes out. contextual: the neighbours took part in the decision (so
    the same token may come out otherwise elsewhere). pieces: (observed, output) pieces of
    the chosen reading of a single word, to split it again (see correct_lines)."""

    text: str
    rule: str = ""
    score: float = 0.0
    contextual: bool = False
    pieces: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Place:
    """Where a token stands: at a sentence start, at a line start, and its neighbours."""

    start: bool
    line_start: bool = False
    prev: str = ""
    nxt: str = ""


@functools.lru_cache(maxsize=4)
def _load(directory: Path) -> Corrector:
    return Corrector.from_lexicon(Lexicon.load(directory), directory)


def has_danish_letters(text: str) -> bool:
    """This OCR never outputs æ/ø/å: text that has them is not its output."""
    return any(c in DANISH for c in text)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Corrector:
    lexicon: Lexicon
    search: Search
    bullets: frozenset[str]  # lone marks that stand for a bullet ("o")
    slashed: dict[str, tuple[str, ...]]  # "p/" -> known abbreviations ("p/l",)
    readings: dict[str, frozenset[str]]  # clean letter -> what the OCR reads for it
    _tokens: dict[tuple[str, bool, bool, bool], Fix] = field(default_factory=dict)
    _ends: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path | None = None) -> Corrector:
        """The corrector of a corrections directory, one per process (its caches grow)."""
        return _load(Path(directory) if directory is not None else CORRECTIONS_DIR)

    @classmethod
    def from_lexicon(cls, lexicon: Lexicon, directory: Path | None = None) -> Corrector:
        directory = Path(directory) if directory is not None else CORRECTIONS_DIR
        table = load_confusions(directory / CONFUSIONS_FILE)
        bullets = frozenset(
            o for o, options in table.items() if any(c == BULLET for c, _ in options)
        )
        readings: dict[str, set[str]] = {}
        for ocr, options in table.items():
            for clean, _ in options:
                if len(clean) == 1 and len(ocr) == 1:
                    readings.setdefault(clean, set()).add(ocr)
        slashed: dict[str, list[str]] = {}
        for word in lexicon.domain:
            m = _SLASHED.fullmatch(word)
            if m and m.group(2).isalpha():
                slashed.setdefault(m.group(1), []).append(word)
        return cls(
            lexicon,
            Search.build(lexicon, table),
            bullets,
            {k: tuple(sorted(v)) for k, v in slashed.items()},
            {k: frozenset(v) for k, v in readings.items()},
        )

    def __repr__(self) -> str:
        return f"Corrector({len(self.search.keys)} forms, {len(self._tokens)} cached tokens)"

    def __reduce__(self):
        """Pickle as a reload of the default corrector: workers read the same files, which
        is cheaper than shipping the tables (a leave-one-out corrector does not pickle)."""
        return (Corrector.load, ())

    # ---- public API -------------------------------------------------------------------

    def correct_lines(
        self, lines: Sequence[Sequence[str]], *, damaged: bool
    ) -> tuple[tuple[tuple[str, ...], ...], tuple[LineChange, ...]]:
        """Correct a block of lines of whitespace-separated tokens (same shapes out).

        A line goes on with the sentence of the line before unless that one ended it
        (see ends_sentence; empty lines are skipped over), and its neighbours give context
        across the line end. A word broken by a hyphen at a line end ("leverand-" +
        "grhenvendelser") is corrected as the joined word and each fragment gets its part
        back, the hyphen kept; when join_line_end does not read the pair as one broken
        word (a number, an abbreviation or a name before the hyphen, "og" after it), the
        fragments are corrected apart. damaged: whether the text comes from damaging OCR
        (see is_damaged)."""
        rows = [tuple(line) for line in lines]
        out = [list(row) for row in rows]
        changes: list[LineChange] = []
        ends = self._ends_sentence
        order = [i for i, row in enumerate(rows) if row]
        joined_first = -1  # a line whose first token a line-end join has set
        for n, i in enumerate(order):
            tokens, row = rows[i], out[i]
            start = n == 0 or ends(rows[order[n - 1]][-1])
            after = rows[order[n + 1]] if n + 1 < len(order) else ()
            last = len(tokens) - 1
            for k, token in enumerate(tokens):
                line_start = k == 0
                if line_start and i == joined_first:
                    start = ends(token)
                    continue
                if k == last and after and damaged and token.endswith("-"):
                    joined = self._join_fix(token, after, self._place(out, order, n, k, start))
                    if joined is not None:
                        (left, right), rule, score = joined
                        j = joined_first = order[n + 1]
                        for at, index, raw, new in ((i, k, token, left), (j, 0, after[0], right)):
                            out[at][index] = new
                            if new != raw:
                                changes.append(LineChange(at, index, raw, new, rule, score))
                        continue
                fix = self._tokens.get((token, damaged, start, line_start))
                if fix is None:
                    place = self._place(out, order, n, k, start)
                    fix = self._fix(token, damaged, place, bullet=line_start and last > 0)
                if fix.text != token:
                    row[k] = fix.text
                    changes.append(LineChange(i, k, token, fix.text, fix.rule, round(fix.score, 3)))
                start = ends(token)
        return tuple(tuple(row) for row in out), tuple(changes)

    def correct_tokens(
        self, tokens: Sequence[str], *, damaged: bool | None = None
    ) -> tuple[tuple[str, ...], tuple[TokenChange, ...]]:
        """Correct one line on its own (see correct_lines); the result has the same length.
        damaged: None decides from the tokens themselves (a line with æ, ø or å is not
        damaged); callers that know more, such as a whole page, should pass it."""
        if damaged is None:
            damaged = not any(has_danish_letters(t) for t in tokens)
        (fixed,), changes = self.correct_lines([tokens], damaged=damaged)
        return fixed, tuple(
            TokenChange(c.index, c.token_raw, c.token, c.rule, c.score) for c in changes
        )

    def correct_text(self, text: str) -> tuple[str, tuple[TokenChange, ...]]:
        """Correct a whole text as one block of lines (correct_lines), keeping its lines and
        the whitespace between tokens. Token indexes in the changes count tokens over the
        whole text."""
        parts = [re.split(r"(\s+)", line) for line in text.split("\n")]
        lines = [[t for t in p[0::2] if t] for p in parts]
        fixed, line_changes = self.correct_lines(lines, damaged=is_damaged(text))
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line))
        out_lines = []
        for p, new in zip(parts, fixed, strict=True):
            it = iter(new)
            p[0::2] = [next(it) if t else t for t in p[0::2]]
            out_lines.append("".join(p))
        changes = tuple(
            TokenChange(offsets[c.line] + c.index, c.token_raw, c.token, c.rule, c.score)
            for c in line_changes
        )
        return "\n".join(out_lines), changes

    def _place(self, out: list[list[str]], order: list[int], n: int, k: int, start: bool) -> Place:
        """The place of token k of line order[n] in a block being corrected (out: the block
        corrected so far): its neighbours run on over line ends within a sentence."""
        i = order[n]
        tokens = out[i]
        prev = tokens[k - 1] if k else (out[order[n - 1]][-1] if n and not start else "")
        if k + 1 < len(tokens):
            nxt = tokens[k + 1]
        elif n + 1 < len(order) and not self._ends_sentence(tokens[k]):
            nxt = out[order[n + 1]][0]
        else:
            nxt = ""
        return Place(start, k == 0, prev.rsplit(" ", 1)[-1], nxt)

    def _ends_sentence(self, token: str) -> bool:
        hit = self._ends.get(token)
        if hit is None:
            hit = self._ends[token] = self.ends_sentence(token)
        return hit

    def ends_sentence(self, token: str) -> bool:
        """Whether a sentence (or a heading) ends with this token; abbreviations do not."""
        if token.endswith(":") or token.endswith("!") or token.endswith("?"):
            return True
        core = token.rstrip(")\"'”’").lower()
        return core.endswith(".") and core.lstrip("(\"'“") not in self.lexicon.abbreviations

    def join_line_end(self, left: str, right: str) -> str | None:
        """The one word that a line's last token and the next line's first token make when
        the first ends in a hyphen, or None when they stay two words. The hyphen goes when it
        only broke a word (a part before or after it is no listed word, the joined form is
        one: "leverand-" + "ørhenvendelser", "un-" + "dersøge"); it stays after a number,
        an abbreviation or a name ("2023-" + "2026.", "SPP-" + "sekretariatets",
        "Masterclass-" + "indsatsen"); and
        "leverandør-" + "og" or a word after a whole word stay apart. Works on corrected
        text; correct_lines reads damaged fragments the same way."""
        m = _LINE_END_HYPHEN.fullmatch(left)
        first = right[:1]
        if m is None or not (first.isdigit() or first.islower()):
            return None
        if bigram_key(right) in CONJUNCTIONS:
            return None
        stem = m.group(1)
        core = _SPLIT_TOKEN.match(stem).group(2)
        if core[-1:].isdigit() and first.isdigit():
            return left + right
        if any(c.isdigit() for c in core) or sum(c.isupper() for c in core) > 1:
            return left + right
        tail = _SPLIT_TOKEN.match(right).group(2)
        zipf = self.lexicon.zipf
        # a fragment: the part before the hyphen is no listed word, or the part after it is
        # none (wordfreq lists short strays such as "un" and "fore": "un-" + "dersøge")
        fragment = core.rpartition("-")[2].lower() not in zipf or tail.lower() not in zipf
        if core and fragment and self.lexicon.is_word(core + tail):
            return stem + right
        return left + right if core[:1].isupper() else None

    # ---- one token ---------------------------------------------------------------------

    def _fix(self, token: str, damaged: bool, place: Place, *, bullet: bool = False) -> Fix:
        """The token corrected, cached per token and position when context did not decide."""
        if bullet and damaged and token.lower() in self.bullets:
            nxt = place.nxt[:1]
            if nxt.isupper() or nxt.isdigit():
                return Fix(BULLET, "bullet", 1.0)
        key = (token, damaged, place.start, place.line_start)
        hit = self._tokens.get(key)
        if hit is None:
            hit = self._correct_token(token, damaged, place)
            if not hit.contextual:  # the same token decides the same way everywhere
                self._tokens[key] = hit
        return hit

    def _join_fix(
        self, left: str, after: Sequence[str], place: Place
    ) -> tuple[tuple[str, str], str, float] | None:
        """The two fragments of a word broken at a line end (left, the last token of a line,
        and the first of `after`, the next line), corrected as the joined word, with the
        rule and score; None when the pair is no broken word (join_line_end)."""
        m = _LINE_END_HYPHEN.fullmatch(left)
        right = after[0]
        if m is None or not right[:1].islower():
            return None
        lead, core, _ = _SPLIT_TOKEN.match(m.group(1)).groups()
        _, tail, trail = _SPLIT_TOKEN.match(right).groups()
        if not core or not tail or _PART_SEP.search(core) or _PART_SEP.search(tail):
            return None
        nxt = after[1] if len(after) > 1 else ""
        fix = self._correct_word(core + tail, True, replace(place, nxt=nxt))
        out_left, out_right = _split_output(fix.pieces, len(core)) if fix.pieces else (core, tail)
        if self.join_line_end(f"{lead}{out_left}-", out_right) != f"{lead}{out_left}{out_right}":
            return None
        return (f"{lead}{out_left}-", out_right + trail), fix.rule, round(fix.score, 3)

    def _correct_token(self, token: str, damaged: bool, place: Place) -> Fix:
        lead, core, trail = _SPLIT_TOKEN.match(token).groups()
        if not core:
            return Fix(token)
        if damaged:
            glued = self._glued(token, lead, core, trail, place)
            if glued is not None:
                return glued
        if _NUMBER.fullmatch(core) and not (damaged and _ZERO_WORD.fullmatch(core)):
            return Fix(token)
        if _is_abbreviation(core):
            return Fix(token)
        heading = trail.endswith(":")
        pieces = _PART_SEP.split(core)
        if len(pieces) == 1:
            fix = self._correct_word(core, damaged, place, heading=heading)
            return Fix(lead + fix.text + trail, fix.rule, fix.score, fix.contextual, fix.pieces)
        fixed, rules, total, any_context = [], [], 0.0, False
        last = len(pieces) - 1
        upper = sum(c.isalpha() for c in core) > 1 and core.isupper()
        for k, piece in enumerate(pieces):
            if k % 2 or not piece or _is_abbreviation(piece):
                fixed.append(piece)
                continue
            at = Place(
                place.start and k == 0,
                place.line_start and k == 0,
                place.prev if k == 0 else "",
                place.nxt if k == last else "",
            )
            fix = self._correct_word(piece, damaged, at, heading=heading, upper=upper)
            fixed.append(fix.text)
            any_context |= fix.contextual
            if fix.rule:
                rules.append(fix.rule)
                total += fix.score
        rule = "+".join(dict.fromkeys(rules))
        return Fix(lead + "".join(fixed) + trail, rule, total, any_context)

    def _glued(self, token: str, lead: str, core: str, trail: str, place: Place) -> Fix | None:
        """The fixed repairs of damaged text: digits read for letters next to numbers and
        known abbreviations, and spaces lost between an abbreviation or a year and the next
        word; None when none applies."""
        if _NUMBER.fullmatch(core):
            m = _YEAR_AFTER_I.fullmatch(core)
            if m and place.start and not lead and not trail:
                return Fix(f"I {m.group(1)}", "digit_letter", 1.0)
            return None
        m = _I_BEFORE_QUOTE.fullmatch(token)
        if m and place.start:
            rest = self._fix(m.group(1), True, Place(False, prev="I", nxt=place.nxt))
            return Fix(f"I {rest.text}", "digit_letter", 1.0, rest.contextual)
        slashed = self._slashed(core + trail)
        if slashed is not None:
            return Fix(lead + slashed, "digit_letter", 1.0)
        m = _GLUED_WORD.fullmatch(core)
        if m and m.group(1).lower() in self.lexicon.abbreviations:
            rest = self._correct_word(m.group(2), True, Place(False, nxt=place.nxt))
            if self.lexicon.is_word(rest.text):  # "kr.i": "kr. i"
                return Fix(f"{lead}{m.group(1)} {rest.text}{trail}", "split", 1.0, rest.contextual)
        m = _GLUED_NUMBER.fullmatch(core)
        if m and m.group(1).lower() in self.lexicon.abbreviations | {"nr."}:
            if m.group(2) == "1" and _YEAR.fullmatch(place.nxt):  # "kr.1 2025": "kr. i 2025"
                return Fix(f"{lead}{m.group(1)} i{trail}", "split", 1.0, True)
            return Fix(f"{lead}{m.group(1)} {m.group(2)}{trail}", "split", 1.0)
        m = _NUMBER_GLUED.fullmatch(core + trail)
        if m:  # "2027p/1)": a year and an abbreviation that lost the space between them
            unit = self._slashed(m.group(2)) or m.group(2)
            if _SPLIT_TOKEN.match(unit).group(2).lower() in self.lexicon.zipf:
                return Fix(f"{lead}{m.group(1)} {unit}", "split", 1.0)
        return None

    def _slashed(self, token: str) -> str | None:
        """A known abbreviation with a slash read badly ("p/1", "p/I", "p/L" or "p/)" for
        "p/l"): the letters after the slash are the abbreviation's, each as read or as the
        confusion table lets the OCR read it, or lost before closing punctuation. Digits are
        read for letters only here, where the abbreviation is known. None when the token is
        no such abbreviation or is already right."""
        m = _SLASHED.fullmatch(token)
        if m is None:
            return None
        head, rest = m.groups()
        for known in self.slashed.get(head.lower(), ()):
            letters = known[len(head) :]
            if head.isupper():
                letters = letters.upper()
            n = len(letters)
            read = rest[:n]
            if len(read) == n and all(
                o.lower() == c.lower() or o.lower() in self.readings.get(c.lower(), ())
                for o, c in zip(read, letters, strict=True)
            ):
                fixed = head + letters + rest[n:]
            elif all(c in CLOSING for c in rest):
                fixed = head + letters + rest
            else:
                continue
            if set(rest[n:]) <= CLOSING:
                return fixed if fixed != token else None
        return None

    def _correct_word(
        self, word: str, damaged: bool, place: Place, *, heading: bool = False, upper: bool = False
    ) -> Fix:
        wordlike = any(c.isalpha() or c in LETTER_SYMBOLS for c in word)
        if not wordlike and not _ZERO_WORD.fullmatch(word):
            return Fix(word)
        ranked = self.search.readings(word, damaged)
        if len(ranked) < 2:
            return Fix(word)
        identity = next(c for c in ranked if not c.rule)
        scored = [(c.score, c) for c in ranked]
        contextual = ranked[0].score - ranked[1].score < CONTEXT_RANGE and bool(
            place.prev or place.nxt
        )
        if contextual:
            prev_key = bigram_key(place.prev) if place.prev else ""
            next_key = bigram_key(place.nxt) if place.nxt else ""
            scored = [
                (c.score + self._context(c, prev_key, next_key), c)
                for c in ranked
                if c.score > ranked[0].score - CONTEXT_RANGE or c is identity
            ]
        total, best = max(scored, key=lambda s: s[0])
        if best is identity:
            return Fix(word, contextual=contextual)
        margin = total - next(s for s, c in scored if c is identity)
        need = MARGIN
        if not place.start and word[:1].isupper() and identity.lm <= 0:
            need += NAME_EXTRA  # a capitalised unknown word mid-sentence is likely a name
        if best.rule == "free_edit" and word.isalpha():
            need += FREE_EXTRA  # a clean-looking unknown word may be a name or a loan
        if margin < need:
            return Fix(word, contextual=contextual)
        rule = best.rule if best is ranked[0] else "context"
        capital = place.start or heading
        pieces = _apply_case(word, best, capital, upper, line_start=place.line_start)
        return Fix("".join(o for _, o in pieces), rule, margin, contextual, pieces)

    def _context(self, cand: Candidate, prev_key: str, next_key: str) -> float:
        words = cand.text.split(" ")
        bonus = 0.0
        if prev_key:
            bonus += math.log10(1 + self.lexicon.bigram(prev_key, words[0]))
        if next_key:
            bonus += math.log10(1 + self.lexicon.bigram(words[-1], next_key))
        return CONTEXT_WEIGHT * bonus


def _is_abbreviation(core: str) -> bool:
    """Capitals, perhaps with a genitive s ("BIF", "FRAKs", "SOF's"): left alone unless long
    enough to be a word set in capitals ("KGBENHAVNS" is damaged "KØBENHAVNS")."""
    letters = sum(c.isalpha() for c in core)
    return 1 < letters < ABBREVIATION_MAX and bool(_CAPITALS.fullmatch(core))


def _split_output(pieces: tuple[tuple[str, str], ...], n: int) -> tuple[str, str]:
    """The output of a word's reading cut where its first n observed characters end (a piece
    that starts before the cut stays on the left)."""
    left, right, seen = [], [], 0
    for observed, output in pieces:
        (left if seen < n or (not observed and seen == n and not right) else right).append(output)
        seen += len(observed)
    return "".join(left), "".join(right)


def _apply_case(
    word: str, cand: Candidate, capital: bool, upper: bool, *, line_start: bool = False
) -> tuple[tuple[str, str], ...]:
    """Carry the token's case over piece by piece; returns (observed, output) pieces. A symbol
    read for a letter ("@", "0") is a capital inside an upper-case word, before a capital, or
    at a sentence start or in a heading (capital=True); "@" and "|", the OCR's readings of
    the capitals Ø and I, also at a line start, where headings and labels begin; so is an
    "l" read for "i" there (a capital I and an l are one stroke, a small i has its dot)."""
    letters = [c for c in word if c.isalpha()]
    upper = upper or (len(letters) > 1 and all(c.isupper() for c in letters))
    out = []
    for k, (sub, clean) in enumerate(cand.pieces):
        first = next((c for c in sub if c.isalpha()), "")
        if clean == " ":
            new = " "
        elif first:
            if upper and first.isupper():
                new = clean.upper()
            elif first.isupper() or (k == 0 and line_start and (sub, clean) == ("l", "i")):
                new = clean[:1].upper() + clean[1:]
            else:
                new = clean
        elif (
            upper
            or (k == 0 and (capital or (line_start and sub in CAPITAL_SYMBOLS)))
            or _next_letter_upper(cand.pieces, k)
        ):
            new = clean.upper()
        else:
            new = clean
        out.append((sub, new))
    return tuple(out)


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
    letters = len(_NON_LETTERS.sub("", text))
    danish = sum(map(text.count, DANISH))
    return letters == 0 or danish < 0.002 * letters


def tokens_per_second(
    texts: Sequence[str], seconds: float = 2.0, corrector: Corrector | None = None
) -> float:
    """Warm throughput: correct_text over texts, repeated for about `seconds` of CPU time
    (every token after the first round is a cache hit; make bench)."""
    corrector = corrector or Corrector.load()
    n_tokens = sum(len(t.split()) for t in texts)
    done, began = 0, time.process_time()
    while time.process_time() - began < seconds:
        for t in texts:
            corrector.correct_text(t)
        done += n_tokens
    return done / (time.process_time() - began)


def cold_tokens_per_second(texts: Iterable[str], directory: Path | None = None) -> float:
    """Cold throughput: one pass of correct_text over texts with a fresh corrector on a
    fresh lexicon (no cached word, compound or prefix), so every distinct token is corrected
    for the first time; CPU time of the pass, loading excluded."""
    texts = list(texts)
    directory = Path(directory) if directory is not None else CORRECTIONS_DIR
    fresh = replace(Lexicon.load(directory), _compounds={})
    corrector = Corrector.from_lexicon(fresh, directory)
    began = time.process_time()
    for t in texts:
        corrector.correct_text(t)
    return sum(len(t.split()) for t in texts) / (time.process_time() - began)
