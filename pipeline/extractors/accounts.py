"""Extractor for annual accounts ("Regnskab"): overview, bevilling tables, activities and
explanations, read from word positions.

The document is a run of lines (pipeline/extractors/tables.py rebuilds them across the
page width). Table headers are found by their vocabulary (Vedtaget budget, Korrigeret
budget, Regnskab, Afvigelse, Udgift / Indtægt / netto, years): that is what makes a
table an accounts table, whatever its layout. A table's kind and each column's meaning
come from the header words over the column, never from its position or from row names:
- overview: Vedtaget budget / Tillægsbevillinger / Korrigeret budget / Regnskab /
  Afvigelse; styringsområde rows are told from their bevillinger by indentation, else by
  the blank bands between groups, else by which rows add up;
- lines: Korrigeret budget / Regnskab / Afvigelse over Udgift / Indtægt / netto, one
  per bevilling (hovedprodukt or funktion rows, ending in "I alt");
- activity: years over Regnskab / Budget / Afvigelse, ydelse titles over Antal and
  Enhedspris rows.
Context is carried down the document: a line reading like a styringsområde or bevilling
of the overview starts its section (two bevillinger may share a name, so a bevilling is
looked up under the current styringsområde first). An explanation is an amount heading
("Boliger til flygtninge 3.198", "I alt 38") or a styringsområde heading with the text
up to the next heading; its first "udviser ..." sentence gives direction and amount.
Numbers are read from the raw words (never corrected); labels and text are corrected.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.extractors.tables import (
    Cell,
    Row,
    Table,
    TextLine,
    document_lines,
    has_digit,
    header_run,
    is_cellish,
    is_noise,
    is_sign,
    line_pitch,
    read_table,
)
from pipeline.fuzzy import best_match, similarity
from pipeline.lexicon import Lexicon
from pipeline.numbers import parse_number
from pipeline.records import Document, Extraction

Rows = list[dict]

YEAR = re.compile(r"^(?:19|20)\d\d$")
FUNKTION = re.compile(r"^(\d{1,2}\.\d{2}(?:\.\d{2})?)\s+(.+)$")
TOTAL = re.compile(r"^[il1|!]\s*a[l1i|]t\b", re.IGNORECASE)
BULLETS = "•\uf0b7▪●◦·*»"

# Column-title words of accounts tables, and what each says about its column.
GROUP_WORDS = {
    "vedtaget": "vedtaget",
    "tillægsbevillinger": "tillaeg",
    "tillægs": "tillaeg",
    "korrigeret": "korrigeret",
    "regnskab": "regnskab",
    "afvigelse": "afvigelse",
    "budget": "budget",
}
SUB_WORDS = {"udgift": "udgift", "indtægt": "indtaegt", "netto": "netto"}
KEY_WORDS = ("bevilling", "bevillinger", "hovedprodukt", "funktion", "aktivitetsoversigt")
UNIT_WORDS = ("1.000", "kr", "mio")
HEADER_VOCABULARY = (*GROUP_WORDS, *SUB_WORDS, *KEY_WORDS, *UNIT_WORDS)

OVERVIEW_ROLES = {
    "vedtaget": "vedtaget_budget",
    "tillaeg": "tillaegsbevillinger",
    "korrigeret": "korrigeret_budget",
    "regnskab": "regnskab",
    "afvigelse": "afvigelse",
}
LINE_ROLES = (
    "korrigeret_udgift",
    "korrigeret_indtaegt",
    "regnskab_udgift",
    "regnskab_indtaegt",
    "afvigelse_netto",
)
ACTIVITY_KINDS = {"regnskab": "regnskab", "budget": "budget", "afvigelse": "afvigelse"}
METRICS = {"antal": "antal", "enhedspris": "enhedspris_kr"}
SENTENCE_END = (".", ":", "!", "?")
PARAGRAPH_PITCHES = 1.3  # a line further below than this many pitches starts a paragraph
_MIN_NAME_SCORE = 88.0
_MIN_WORD_SCORE = 80.0
_SAME_LABEL = 95.0  # a heading without its amount must name a row nearly exactly


def _tokens(text: str) -> list[str]:
    return [t for t in (s.strip(".,:;()-–").lower() for s in text.split()) if t]


def _word_role(token: str, vocabulary: Sequence[str]) -> str | None:
    if token in vocabulary:
        return token
    hit = best_match(token, vocabulary, min_score=_MIN_WORD_SCORE)
    return hit[0] if hit else None


def is_total(label: str) -> bool:
    return bool(TOTAL.match(label.strip()))


def is_header_line(line: TextLine) -> bool:
    """Most of the line is column-title vocabulary, years or units."""
    tokens = _tokens(" ".join(w.value for w in line.words if not is_noise(w)))
    if not tokens:
        return False
    known = sum(
        1
        for t in tokens
        if YEAR.match(t) or t == "1.000" or _word_role(t, HEADER_VOCABULARY) is not None
    )
    return known / len(tokens) >= 0.6 and any(not YEAR.match(t) for t in tokens)


# --- column meanings ---------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMeaning:
    group: str | None  # vedtaget, tillaeg, korrigeret, regnskab, afvigelse, budget
    sub: str | None  # udgift, indtaegt, netto
    year: int | None


def column_meaning(title: str) -> ColumnMeaning:
    """The first group word, the first sub word and the first year of a column title."""
    group = sub = year = None
    for t in _tokens(title):
        if year is None and YEAR.match(t):
            year = int(t)
        elif (word := _word_role(t, tuple(GROUP_WORDS))) is not None:
            found = GROUP_WORDS[word]
            if group is None or (group == "budget" and found != "budget"):
                group = found
        elif sub is None and (word := _word_role(t, tuple(SUB_WORDS))) is not None:
            sub = SUB_WORDS[word]
    return ColumnMeaning(group, sub, year)


def table_kind(meanings: Sequence[ColumnMeaning]) -> str | None:
    groups = {m.group for m in meanings}
    if groups & {"vedtaget", "tillaeg"}:
        return "overview"
    if any(m.sub in ("udgift", "indtaegt") for m in meanings):
        return "lines"
    if meanings and all(m.year and m.group in ACTIVITY_KINDS for m in meanings):
        return "activity"
    return None


def overview_roles(meanings: Sequence[ColumnMeaning]) -> list[str | None]:
    roles = [OVERVIEW_ROLES.get(m.group or "") for m in meanings]
    return _or_standard(roles, list(OVERVIEW_ROLES.values()))


def line_roles(meanings: Sequence[ColumnMeaning]) -> list[str | None]:
    """group_sub per column; a column without a group word is under the spanning title
    of its left neighbour."""
    roles: list[str | None] = []
    group: str | None = None
    for m in meanings:
        group = m.group or group
        sub = m.sub or ("netto" if group == "afvigelse" else None)
        role = f"{group}_{sub}"
        roles.append(role if role in LINE_ROLES else None)
    return _or_standard(roles, list(LINE_ROLES))


def _or_standard(roles: list[str | None], standard: list[str]) -> list[str | None]:
    """Header words lost (e.g. to OCR): a table of the standard width keeps the standard
    column order of its kind."""
    complete = None not in roles and len(set(roles)) == len(roles)
    if not complete and len(roles) == len(standard):
        return list(standard)
    return roles


# --- document events ---------------------------------------------------------------------


@dataclass(frozen=True)
class AmountHeading:
    """'Boliger til flygtninge 3.198': an explanation's heading with its afvigelse."""

    label: str
    cell: Cell
    line: TextLine


Event = Table | AmountHeading | TextLine


def amount_heading(line: TextLine) -> AmountHeading | None:
    """A label and one whole amount standing apart from it at the right."""
    words = [w for w in line.words if not is_noise(w)]
    if len(words) < 2 or not (is_cellish(words[-1].text_raw) and has_digit(words[-1].text_raw)):
        return None
    k = len(words) - 1
    amount = words[k].text_raw
    if k >= 2 and is_sign(words[k - 1].text_raw) and words[k].x0 - words[k - 1].x1 < line.height:
        k -= 1
        amount = words[k].text_raw + amount
    label = words[:k]
    if words[k].x0 - label[-1].x1 < 2.5 * line.height or is_cellish(label[-1].text_raw):
        return None
    text = " ".join(w.value for w in label)
    value = parse_number(amount)
    if not any(c.isalpha() for c in text) or isinstance(value, float):
        return None
    return AmountHeading(text, Cell(amount, value), line)


def events(lines: Sequence[TextLine]) -> list[Event]:
    """Tables where a header starts one, amount headings, else the line itself."""
    out: list[Event] = []
    i = 0
    while i < len(lines):
        if is_header_line(lines[i]):
            body = header_run(lines, i, is_header_line)
            table = read_table(lines, i, body, is_total=is_total, stop=is_header_line)
            if table is not None and table_kind(meanings(table)) is not None:
                out.append(table)
                i = table.end
                continue
        heading = amount_heading(lines[i])
        out.append(heading if heading is not None else lines[i])
        i += 1
    return out


def meanings(table: Table) -> list[ColumnMeaning]:
    return [column_meaning(c.title) for c in table.columns]


# --- table rows --------------------------------------------------------------------------


def _values(roles: Sequence[str | None], row: Row, wanted: Sequence[str]) -> dict[str, object]:
    got = {r: c.value if c else None for r, c in zip(roles, row.cells, strict=True) if r}
    return {name: got.get(name) for name in wanted}


def _levels(rows: Sequence[Row], values: Sequence[dict[str, object]]) -> list[int]:
    """0 for a styringsområde, 1 for a bevilling under it: by indentation, else by the
    blank bands between groups, else by which rows add up to the row above them."""
    xs = [r.label_x0 for r in rows]
    if xs and max(xs) - min(xs) > 3.0:
        cut = (max(xs) + min(xs)) / 2
        return [0 if x < cut else 1 for x in xs]
    if any(r.gap_before for r in rows[1:]):
        return [0 if k == 0 or r.gap_before else 1 for k, r in enumerate(rows)]
    return _levels_by_sums(values)


def _levels_by_sums(values: Sequence[dict[str, object]]) -> list[int]:
    levels: list[int] = []
    k = 0
    while k < len(values):
        end = next((m for m in range(k + 2, len(values) + 1) if _adds_up(values, k, m)), None)
        if end is None:
            levels.append(0)
            k += 1
        else:
            levels += [0] + [1] * (end - k - 1)
            k = end
    return levels


def _adds_up(values: Sequence[dict[str, object]], k: int, m: int) -> bool:
    checked = 0
    for name, total in values[k].items():
        parts = [v[name] for v in values[k + 1 : m]]
        if isinstance(total, int) and all(isinstance(p, int) for p in parts):
            if abs(total - sum(parts)) > (m - k) / 2:  # type: ignore[arg-type]
                return False
            checked += 1
    return checked > 0


def overview_rows(table: Table, year: int) -> Rows:
    roles = overview_roles(meanings(table))
    wanted = list(OVERVIEW_ROLES.values())
    rows = [r for r in table.rows if not r.is_title]
    body = [r for r in rows if not is_total(r.label)]
    values = [_values(roles, r, wanted) for r in body]
    levels = dict(zip(map(id, body), _levels(body, values), strict=True))
    out: Rows = []
    styringsomraade = ""
    for r in rows:
        total = is_total(r.label)
        if not total and levels[id(r)] == 0:
            styringsomraade = r.label
        out.append(
            {
                "year": year,
                "styringsomraade": "" if total else styringsomraade,
                "bevilling": None if total or levels[id(r)] == 0 else r.label,
                "is_grand_total": total,
                **_values(roles, r, wanted),
                "page": r.page,
            }
        )
    return out


def line_rows(table: Table, year: int, styringsomraade: str, bevilling: str) -> Rows:
    roles = line_roles(meanings(table))
    out: Rows = []
    for r in table.rows:
        if r.is_title:
            continue
        total = is_total(r.label)
        m = None if total else FUNKTION.match(r.label)
        out.append(
            {
                "year": year,
                "styringsomraade": styringsomraade,
                "bevilling": bevilling,
                "hovedprodukt": m.group(2) if m else r.label,
                "funktion": m.group(1) if m else None,
                "is_total": total,
                **_values(roles, r, LINE_ROLES),
                "page": r.page,
            }
        )
    return out


def metric(label: str) -> str | None:
    tokens = _tokens(label)
    word = _word_role(tokens[0], tuple(METRICS)) if tokens else None
    return METRICS[word] if word else None


def activity_rows(table: Table, bevilling: str) -> Rows:
    columns = meanings(table)
    out: Rows = []
    ydelse = ""
    for r in table.rows:
        if r.is_title:
            ydelse = r.label
            continue
        what = metric(r.label)
        if what is None:
            continue
        for m, cell in zip(columns, r.cells, strict=True):
            out.append(
                {
                    "bevilling": bevilling,
                    "ydelse": ydelse,
                    "metric": what,
                    "kind": ACTIVITY_KINDS[m.group or ""],
                    "year": m.year,
                    "value": None if cell is None or cell.value is None else float(cell.value),
                    "page": r.page,
                }
            )
    return out


# --- explanations ------------------------------------------------------------------------


def direction_and_amount(text: str) -> tuple[str, float | None]:
    """From the first "udviser et mindreforbrug på 3,2 mio. kr." of the text."""
    tokens = _tokens(text)
    for k, t in enumerate(tokens):
        hit = best_match(t, ("mindreforbrug", "merforbrug"), min_score=85.0)
        if hit is not None:
            return hit[0], _amount_after(tokens[k + 1 : k + 6])
        if t == "ingen" and "afvigelse" in tokens[k + 1 : k + 4]:
            return "ingen", None
    return "ingen", None


def _amount_after(tokens: Sequence[str]) -> float | None:
    for t, nxt in zip(tokens, [*tokens[1:], ""], strict=True):
        value = parse_number(t, dot_decimal=True)
        if value is not None and nxt.startswith("mio"):
            return float(value)
    return None


def paragraphs(lines: Sequence[TextLine], pitch: float, lexicon: Lexicon) -> str:
    """Lines as paragraphs, one per output line; a bullet item starts one ("• ..."), as does
    a line further below the previous than `pitch` (the document's line pitch) allows. Over
    a page break a paragraph goes on unless its sentence had ended."""
    paras: list[list[str]] = []
    previous: TextLine | None = None
    for line in lines:
        first = line.words[0].text_raw
        bullet = first in BULLETS or (is_noise(line.words[0]) and len(first) == 1)
        text = " ".join(
            w.value for w in line.words if not is_noise(w) and w.text_raw not in BULLETS
        )
        if not text:
            continue
        if previous is None or bullet:
            new = True
        elif previous.page != line.page:
            new = paras[-1][-1].rstrip().endswith(SENTENCE_END)
        else:
            new = line.centre - previous.centre > PARAGRAPH_PITCHES * pitch
        if new:
            paras.append(["• " + text if bullet else text])
        else:
            paras[-1].append(text)
        previous = line
    return "\n".join(_join_prose(p, lexicon) for p in paras)


def _join_prose(texts: Sequence[str], lexicon: Lexicon) -> str:
    """Lines of one paragraph; a line-end hyphen goes only where the joined word is a word."""
    out = texts[0]
    for text in texts[1:]:
        m = re.search(r"(\w+)-$", out)
        if m and text[:1].islower():
            word = m.group(1) + text.split()[0]
            out = out[:-1] + text if lexicon.is_word(word) else out + text
        else:
            out = f"{out} {text}"
    return out


# --- walking the document ----------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """Styringsområder and bevillinger of the overview: what section headings read like."""

    styringsomraader: tuple[str, ...]
    bevillinger: tuple[tuple[str, str], ...]  # (styringsområde, bevilling)

    @classmethod
    def of(cls, overview: Rows) -> Names:
        so = tuple(
            r["styringsomraade"]
            for r in overview
            if r["bevilling"] is None and r["styringsomraade"]
        )
        bev = tuple((r["styringsomraade"], r["bevilling"]) for r in overview if r["bevilling"])
        return cls(so, bev)

    def styringsomraade(self, text: str) -> str | None:
        hit = best_match(text, self.styringsomraader, min_score=_MIN_NAME_SCORE)
        return hit[0] if hit else None

    def bevilling(self, text: str, current: str) -> tuple[str, str] | None:
        """The bevilling the text names, under the current styringsområde if it has one."""
        found = [b for b in self.bevillinger if similarity(text, b[1]) >= _MIN_NAME_SCORE]
        return next((b for b in found if b[0] == current), found[0] if found else None)


def heading_like(line: TextLine) -> bool:
    """A short capitalised line without numbers: a section or table title."""
    text = line.text
    words = text.split()
    return 0 < len(words) <= 6 and text[:1].isupper() and not any(has_digit(w) for w in words)


@dataclass
class _Walker:
    """Carries styringsområde and bevilling down the document and collects the rows."""

    year: int
    names: Names
    overview: Rows
    pitch: float
    lexicon: Lexicon
    styringsomraade: str = ""
    bevilling: str = ""
    lines: Rows = field(default_factory=list)
    activities: Rows = field(default_factory=list)
    explanations: Rows = field(default_factory=list)
    _open: dict | None = None
    _text: list[TextLine] = field(default_factory=list)
    _title: TextLine | None = None  # the line just before, if it reads like an unknown title

    def feed(self, event: Event) -> None:
        title = None
        if isinstance(event, Table):
            self._table(event)
        elif isinstance(event, AmountHeading):
            self._flush()
            self._open_heading(event)
        elif self._line(event):
            title = event
        self._title = title

    def feed_end(self) -> None:
        self._flush()

    def _table(self, table: Table) -> None:
        kind = table_kind(meanings(table))
        if kind == "lines" and self._title is not None:
            self.bevilling = self._title.text  # a title the overview does not name
            if self._title in self._text:
                self._text.remove(self._title)
        self._flush()
        if kind == "lines":
            self.lines += line_rows(table, self.year, self.styringsomraade, self.bevilling)
        elif kind == "activity":
            self.activities += activity_rows(table, self.bevilling)

    def _line(self, line: TextLine) -> bool:
        """Follow a heading, else add the line to the open explanation; True for a line
        that reads like a title the overview does not know."""
        text = line.text
        if heading_like(line):
            so = self.names.styringsomraade(text)
            bev = self.names.bevilling(text, self.styringsomraade)
            if so is not None and (so != self.styringsomraade or bev is None):
                self._flush()
                self.styringsomraade, self.bevilling = so, ""
                self._open_styringsomraade(so, line.page)
                return False
            if bev is not None:
                self._flush()
                self.styringsomraade, self.bevilling = bev
                return False
            if is_total(text) or self._names_a_row(text):
                self._flush()  # an explanation heading whose amount could not be read
                self._open_heading(AmountHeading(text, Cell("", None), line))
                return False
        if self._open is not None:
            self._text.append(line)
        return heading_like(line)

    def _names_a_row(self, text: str) -> bool:
        """The text is (nearly exactly) a row label of the current bevilling's table."""
        return any(
            similarity(text, f"{r['funktion'] or ''} {r['hovedprodukt']}") >= _SAME_LABEL
            for r in self.lines
            if (r["styringsomraade"], r["bevilling"]) == (self.styringsomraade, self.bevilling)
            and not r["is_total"]
        )

    def _open_styringsomraade(self, name: str, page: int) -> None:
        row = next(
            (r for r in self.overview if r["styringsomraade"] == name and r["bevilling"] is None),
            None,
        )
        self._start("", "", None, None if row is None else row["afvigelse"], page)

    def _open_heading(self, heading: AmountHeading) -> None:
        """ "I alt" opens the bevilling's own explanation, a row label a hovedprodukt's."""
        name, funktion = "", None
        if not is_total(heading.label):
            m = FUNKTION.match(heading.label)
            name, funktion = (m.group(2), m.group(1)) if m else (heading.label, None)
        self._start(self.bevilling, name, funktion, heading.cell.value, heading.line.page)

    def _start(
        self, bevilling: str, name: str, funktion: str | None, afvigelse: object, page: int
    ) -> None:
        self._open = {
            "styringsomraade": self.styringsomraade,
            "bevilling": bevilling,
            "hovedprodukt": name,
            "funktion": funktion,
            "afvigelse": afvigelse,
            "page": page,
        }
        self._text = []

    def _flush(self) -> None:
        if self._open is not None and self._text:
            text = paragraphs(self._text, self.pitch, self.lexicon)
            direction, amount = direction_and_amount(text)
            row = dict(self._open)
            self.explanations.append(
                {**row, "direction": direction, "amount_mkr": amount, "text": text}
            )
        self._open, self._text = None, []


def accounts_year(tables: Sequence[Table], lines: Sequence[TextLine]) -> int:
    """The year most column titles name ("Regnskab 2024"), else most frequent in the text."""
    years = Counter(m.year for t in tables for m in meanings(t) if m.year)
    if not years:
        years = Counter(int(t) for ln in lines for t in _tokens(ln.text) if YEAR.match(t))
    return years.most_common(1)[0][0] if years else 0


def extract(document: Document, title: str) -> Extraction:
    lines = document_lines(document)
    found = events(lines)
    tables = [e for e in found if isinstance(e, Table)]
    year = accounts_year(tables, lines)
    overview = [
        row
        for t in tables
        if table_kind(meanings(t)) == "overview"
        for row in overview_rows(t, year)
    ]
    walker = _Walker(year, Names.of(overview), overview, line_pitch(lines, 0.25), Lexicon.load())
    for event in found:
        walker.feed(event)
    walker.feed_end()
    return Extraction(
        doc_type="accounts",
        title=title,
        tables={
            "accounts_overview": overview,
            "accounts_lines": walker.lines,
            "activities": walker.activities,
            "explanations": walker.explanations,
        },
    )
