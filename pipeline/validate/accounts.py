"""Checks for the accounts tables: the arithmetic the document itself implies.

One row per check (see pipeline/validate/checks.py for the row shape), its subject the
row's path "styringsområde / bevilling / hovedprodukt" (two bevillinger may share a
name) and, for column sums, ": column". Tolerances are the rounding of the printed
terms: amounts in whole 1.000 kr., explanation amounts in 0,1 mio. kr. A value that
could not be read (None) fails its checks, so a misread cell is named, never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from pipeline.records import Extraction
from pipeline.validate.checks import check, rounding_tolerance

Rows = list[dict]

OVERVIEW_COLUMNS = (
    "vedtaget_budget",
    "tillaegsbevillinger",
    "korrigeret_budget",
    "regnskab",
    "afvigelse",
)
LINE_COLUMNS = (
    "korrigeret_udgift",
    "korrigeret_indtaegt",
    "regnskab_udgift",
    "regnskab_indtaegt",
    "afvigelse_netto",
)
SIGNS = {"mindreforbrug": 1.0, "merforbrug": -1.0, "ingen": 0.0}
MIO = 1000.0  # 1.000 kr. per mio. kr.


def path(*parts: str | None) -> str:
    return " / ".join(p for p in parts if p)


def _sum(values: Iterable[object]) -> float | None:
    values = list(values)
    if any(not isinstance(v, int | float) for v in values):
        return None
    return float(sum(values))  # type: ignore[arg-type]


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def identity(
    table: str,
    rule: str,
    subject: str,
    terms: Sequence[tuple[int, object]],
    actual: object,
    page: int | None,
) -> dict:
    """actual = sum(sign * term), within the rounding of all printed numbers involved."""
    signed = [None if (v := _num(term)) is None else sign * v for sign, term in terms]
    return check(
        table,
        rule,
        subject,
        expected=_sum(signed),
        actual=_num(actual),
        tolerance=rounding_tolerance(len(terms) + 1),
        page=page,
    )


def sum_rows(
    table: str, rule: str, subject: str, parts: Sequence[dict], total: dict, column: str
) -> dict:
    """A column of rows adds up to the total row's cell."""
    return check(
        table,
        rule,
        f"{subject}: {column}",
        expected=_sum(r[column] for r in parts),
        actual=_num(total[column]),
        tolerance=rounding_tolerance(len(parts) + 1),
        page=total.get("page"),
    )


# --- overview ----------------------------------------------------------------------------


def overview_subject(row: dict) -> str:
    return "I alt" if row["is_grand_total"] else path(row["styringsomraade"], row["bevilling"])


def overview_checks(rows: Rows) -> Rows:
    out: Rows = []
    t = "accounts_overview"
    for r in rows:
        s, page = overview_subject(r), r["page"]
        out.append(
            identity(
                t,
                "korrigeret = vedtaget + tillaeg",
                s,
                [(1, r["vedtaget_budget"]), (1, r["tillaegsbevillinger"])],
                r["korrigeret_budget"],
                page,
            )
        )
        out.append(
            identity(
                t,
                "afvigelse = korrigeret - regnskab",
                s,
                [(1, r["korrigeret_budget"]), (-1, r["regnskab"])],
                r["afvigelse"],
                page,
            )
        )
    heads = [r for r in rows if r["bevilling"] is None and not r["is_grand_total"]]
    for head in heads:
        parts = [
            r for r in rows if r["bevilling"] and r["styringsomraade"] == head["styringsomraade"]
        ]
        if parts:
            s = head["styringsomraade"]
            out += [
                sum_rows(t, "bevillinger sum to styringsomraade", s, parts, head, c)
                for c in OVERVIEW_COLUMNS
            ]
    for total in (r for r in rows if r["is_grand_total"]):
        out += [
            sum_rows(t, "styringsomraader sum to I alt", "I alt", heads, total, c)
            for c in OVERVIEW_COLUMNS
        ]
    return out


# --- bevilling tables ----------------------------------------------------------------------


def line_subject(row: dict) -> str:
    item = f"{row['funktion']} {row['hovedprodukt']}" if row["funktion"] else row["hovedprodukt"]
    return path(row["styringsomraade"], row["bevilling"], item)


def _tables(rows: Rows) -> dict[tuple[str, str], Rows]:
    by: dict[tuple[str, str], Rows] = defaultdict(list)
    for r in rows:
        by[(r["styringsomraade"], r["bevilling"])].append(r)
    return by


def line_checks(rows: Rows) -> Rows:
    out: Rows = []
    t = "accounts_lines"
    for r in rows:
        terms = [
            (1, r["korrigeret_udgift"]),
            (1, r["korrigeret_indtaegt"]),
            (-1, r["regnskab_udgift"]),
            (-1, r["regnskab_indtaegt"]),
        ]
        out.append(
            identity(
                t,
                "afvigelse = korrigeret - regnskab",
                line_subject(r),
                terms,
                r["afvigelse_netto"],
                r["page"],
            )
        )
    for (so, bev), table in _tables(rows).items():
        parts = [r for r in table if not r["is_total"]]
        for total in (r for r in table if r["is_total"]):
            out += [
                sum_rows(t, "lines sum to I alt", path(so, bev, "I alt"), parts, total, c)
                for c in LINE_COLUMNS
            ]
    return out


def overview_vs_lines(overview: Rows, lines: Rows) -> Rows:
    """Each bevilling's overview row equals the total of its own table (netto)."""
    out: Rows = []
    totals = {k: r for k, t in _tables(lines).items() for r in t if r["is_total"]}
    for o in overview:
        total = totals.get((o["styringsomraade"], o["bevilling"]))
        if not o["bevilling"] or total is None:
            continue
        s = path(o["styringsomraade"], o["bevilling"])
        pairs = {
            "korrigeret_budget": [
                (1, total["korrigeret_udgift"]),
                (1, total["korrigeret_indtaegt"]),
            ],
            "regnskab": [(1, total["regnskab_udgift"]), (1, total["regnskab_indtaegt"])],
            "afvigelse": [(1, total["afvigelse_netto"])],
        }
        for column, terms in pairs.items():
            out.append(
                identity(
                    "accounts_overview",
                    "overview = bevilling table I alt",
                    f"{s}: {column}",
                    terms,
                    o[column],
                    o["page"],
                )
            )
    return out


# --- activities ----------------------------------------------------------------------------


def activity_checks(rows: Rows) -> Rows:
    """afvigelse = budget - regnskab of the afvigelse column's year, per ydelse and metric."""
    cells: dict[tuple, dict] = {}
    for r in rows:
        cells[(r["bevilling"], r["ydelse"], r["metric"], r["kind"], r["year"])] = r
    out: Rows = []
    for (bev, ydelse, metric, kind, year), r in cells.items():
        if kind != "afvigelse":
            continue
        budget = cells.get((bev, ydelse, metric, "budget", year), {}).get("value")
        regnskab = cells.get((bev, ydelse, metric, "regnskab", year), {}).get("value")
        out.append(
            identity(
                "activities",
                "afvigelse = budget - regnskab",
                f"{path(bev, ydelse)}: {metric} {year}",
                [(1, budget), (-1, regnskab)],
                r["value"],
                r["page"],
            )
        )
    return out


# --- explanations --------------------------------------------------------------------------


def explanation_subject(row: dict) -> str:
    item = f"{row['funktion']} {row['hovedprodukt']}" if row["funktion"] else row["hovedprodukt"]
    return path(row["styringsomraade"], row["bevilling"], item or None)


def explanation_checks(rows: Rows, lines: Rows) -> Rows:
    """The text's "udviser et mindreforbrug på 3,2 mio. kr." is the afvigelse rounded to
    0,1 mio. kr.; the heading's afvigelse is the one of its row in the table."""
    out: Rows = []
    index = {
        (r["styringsomraade"], r["bevilling"], r["funktion"], r["hovedprodukt"]): r for r in lines
    }
    totals = {(r["styringsomraade"], r["bevilling"]): r for r in lines if r["is_total"]}
    for e in rows:
        s, sign = explanation_subject(e), SIGNS[e["direction"]]
        stated = 0.0 if sign == 0 else None if e["amount_mkr"] is None else sign * e["amount_mkr"]
        afvigelse = _num(e["afvigelse"])
        out.append(
            check(
                "explanations",
                "amount = afvigelse rounded to 0,1 mio.",
                s,
                expected=None if afvigelse is None else afvigelse / MIO,
                actual=stated,
                tolerance=rounding_tolerance(1, 0.1) + rounding_tolerance(1, 1 / MIO),
                page=e["page"],
            )
        )
        key = (e["styringsomraade"], e["bevilling"])
        row = (
            index.get((*key, e["funktion"], e["hovedprodukt"]))
            if e["hovedprodukt"]
            else totals.get(key)
            if e["bevilling"]
            else None
        )
        if row is not None:
            out.append(
                check(
                    "explanations",
                    "heading = table afvigelse",
                    s,
                    expected=_num(row["afvigelse_netto"]),
                    actual=afvigelse,
                    tolerance=0.0,
                    page=e["page"],
                )
            )
    return out


def checks(extraction: Extraction) -> Rows:
    tables = extraction.tables
    overview = tables.get("accounts_overview", [])
    lines = tables.get("accounts_lines", [])
    return [
        *overview_checks(overview),
        *line_checks(lines),
        *overview_vs_lines(overview, lines),
        *activity_checks(tables.get("activities", [])),
        *explanation_checks(tables.get("explanations", []), lines),
    ]
