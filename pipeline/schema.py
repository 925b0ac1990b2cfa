"""The output tables: explicit pyarrow schemas with a description (and unit) per column.

This is the contract of ../shared/SPEC.md plus added columns; docs/DATA.md is generated
from it (`python -m pipeline schema-doc`), and a test fails when the two drift apart.
Text columns are never null (empty is ""); only the columns marked nullable hold nulls.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

KKR = "1.000 kr."
MKR = "mio. kr."


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str
    unit: str | None = None
    nullable: bool = False
    enum: tuple[str, ...] | None = None

    def field(self) -> pa.Field:
        meta = {"description": self.description}
        if self.unit:
            meta["unit"] = self.unit
        if self.enum:
            meta["enum"] = ",".join(self.enum)
        arrow_type = pa.dictionary(pa.int32(), pa.string()) if self.enum else self.type
        return pa.field(self.name, arrow_type, nullable=self.nullable, metadata=meta)


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(
            [c.field() for c in self.columns], metadata={"description": self.description}
        )

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


DOC_TYPES = ("grant_expiry", "accounts", "budget_note", "intentions", "letter", "unknown")
GRANT_GROUPS = ("budgetaftale", "egen_ramme")
CATEGORIES = ("continue_unchanged", "continue_adjusted", "discontinue", "conditional", "pending")
SECTIONS = ("expiry", "assessment")
AREAS = ("service", "indsats", "overførsler")
METRICS = ("antal", "enhedspris_kr")
ACTIVITY_KINDS = ("regnskab", "budget", "afvigelse")
DIRECTIONS = ("mindreforbrug", "merforbrug", "ingen")
SOURCES = ("text", "ocr")

S, I32, I64, F64, B = pa.string(), pa.int32(), pa.int64(), pa.float64(), pa.bool_()


def _doc_id() -> Column:
    return Column("doc_id", S, "First 16 hex digits of the source PDF's sha256.")


def _page() -> Column:
    return Column("page", I32, "1-based page number in the source PDF.")


def _kkr(name: str, what: str) -> Column:
    """An amount cell of an accounts table; null when the printed cell is not a number."""
    return Column(
        name, I64, f"{what} Null when the cell could not be read.", unit=KKR, nullable=True
    )


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "documents",
            "One row per processed source PDF; written last, so its presence marks a "
            "complete document.",
            (
                _doc_id(),
                Column("path", S, "Path of the PDF as given on the command line."),
                Column("sha256", S, "sha256 of the PDF's bytes."),
                Column("n_pages", I32, "Number of pages in the PDF."),
                Column("doc_type", S, "Document type decided from content.", enum=DOC_TYPES),
                Column("title", S, 'Document title, "" when it has none.'),
                Column("pipeline_version", S, "Version of the pipeline that wrote the rows."),
                Column("n_bytes", I64, "Size of the PDF in bytes."),
                Column("n_ocr_pages", I32, "Pages read by OCR rather than the text layer."),
                Column("n_failed_pages", I32, "Pages that could not be read (see errors)."),
                Column("doc_code", S, 'Document code such as "BI105", "" when none.'),
                Column(
                    "date",
                    pa.date32(),
                    "Date the document states (a letter: its own first date).",
                    nullable=True,
                ),
                Column("case_no", S, 'Case number (Sagsnr.), "" when none.'),
                Column("doc_no", S, 'Document number (Dok.nr.), "" when none.'),
            ),
        ),
        Table(
            "pages",
            "One row per page: where its words came from and how good they are.",
            (
                _doc_id(),
                _page(),
                Column("source", S, "Where the words came from.", enum=SOURCES),
                Column("text_quality", F64, "Share of tokens that are known words or numbers."),
                Column(
                    "ocr_confidence",
                    F64,
                    "Mean tesseract word confidence (0-100); null for text-layer pages.",
                    nullable=True,
                ),
                Column("n_words", I32, "Number of words on the page."),
                Column(
                    "layer_quality",
                    F64,
                    "text_quality of the PDF's own text layer; null when it had none.",
                    nullable=True,
                ),
                Column("rotation", I32, "Degrees the page was turned to read it upright."),
                Column("width", F64, "Page width.", unit="pt"),
                Column("height", F64, "Page height.", unit="pt"),
                Column("reader_version", S, "Version of the page reader (OCR reuse key)."),
            ),
        ),
        Table(
            "text_blocks",
            "Blocks of text in reading order; columns are never interleaved.",
            (
                _doc_id(),
                _page(),
                Column("block", I32, "Reading-order index of the block on its page (0-based)."),
                Column("column", I32, "Column index of the block within its band (0-based)."),
                Column("text_raw", S, "Text as read (text layer or OCR), lines joined by \\n."),
                Column("text", S, "Text after OCR-damage correction."),
                Column("x0", F64, "Left edge of the block.", unit="pt"),
                Column("top", F64, "Top edge of the block.", unit="pt"),
                Column("x1", F64, "Right edge of the block.", unit="pt"),
                Column("bottom", F64, "Bottom edge of the block.", unit="pt"),
            ),
        ),
        Table(
            "words",
            "Every word with its box: the raw material of tables and of the review report.",
            (
                _doc_id(),
                _page(),
                Column("block", I32, "Block the word belongs to."),
                Column("line", I32, "Line index within the block (0-based)."),
                Column("word", I32, "Word index within the line (0-based)."),
                Column("text_raw", S, "Word as read."),
                Column("text", S, 'Word after correction ("" when merged into the previous).'),
                Column("x0", F64, "Left edge.", unit="pt"),
                Column("top", F64, "Top edge.", unit="pt"),
                Column("x1", F64, "Right edge.", unit="pt"),
                Column("bottom", F64, "Bottom edge.", unit="pt"),
                Column(
                    "conf", F64, "OCR confidence 0-100; null for text-layer words.", nullable=True
                ),
                Column("line_hint", I32, "OCR engine's line id on the page, -1 when unknown."),
            ),
        ),
        Table(
            "corrections",
            "Every token the correct stage changed.",
            (
                _doc_id(),
                _page(),
                Column("token_raw", S, "Token as read."),
                Column("token", S, "Token after correction."),
                Column("rule", S, "Which rule made the change."),
                Column("score", F64, "Confidence of the change (see corrections/README.md)."),
            ),
        ),
        Table(
            "grant_expiry",
            "One row per grant-expiry (bevillingsudløb) sheet.",
            (
                _doc_id(),
                Column("sheet_no", I32, 'Sheet number ("Nr. N").'),
                Column("sheet_no_inferred", B, "True when the number was unreadable and inferred."),
                Column("title", S, "Title of the grant."),
                Column("grp", S, "How the grant was last financed.", enum=GRANT_GROUPS),
                Column("expiry_content", S, "Beskrivelse af udløb: Indhold i indsatsen."),
                Column("expiry_results", S, "Beskrivelse af udløb: Resultater og erfaringer."),
                Column("expiry_economy", S, "Beskrivelse af udløb: Økonomi/ressourcer."),
                Column("assessment_content", S, "Faglig vurdering: Indhold i justeret indsats."),
                Column("assessment_economy", S, "Faglig vurdering: Økonomi/ressourcer."),
                Column("assessment_category", S, "Recommendation for the grant.", enum=CATEGORIES),
                _page(),
            ),
        ),
        Table(
            "grant_amounts",
            "Every amount in the two Økonomi/ressourcer fields of a grant sheet.",
            (
                _doc_id(),
                Column("sheet_no", I32, "Sheet number."),
                Column("section", S, "Which Økonomi/ressourcer field.", enum=SECTIONS),
                Column("amount_mkr", F64, "Amount.", unit=MKR),
                Column("area", S, "Budget area the amount is on.", nullable=True, enum=AREAS),
                Column("annual", B, 'True when the amount is per year ("årligt").'),
                Column("year_from", I32, "First year the amount covers.", nullable=True),
                Column("year_to", I32, "Last year the amount covers.", nullable=True),
                Column("price_level", I32, 'Price level year ("2027 p/l").', nullable=True),
                Column("source_text", S, "The sentence the amount was read from."),
                Column(
                    "part_of_mkr",
                    F64,
                    'The amount this one breaks down ("heraf", "fordelt på"); null for a whole.',
                    unit=MKR,
                    nullable=True,
                ),
            ),
        ),
        Table(
            "accounts_overview",
            "The accounts' bevilling overview: one row per bevilling, styringsområde and total.",
            (
                _doc_id(),
                Column("year", I32, "Accounts year."),
                Column("styringsomraade", S, "Styringsområde (e.g. Service)."),
                Column(
                    "bevilling",
                    S,
                    "Bevilling; null on a styringsområde's own row and on the grand total.",
                    nullable=True,
                ),
                Column("is_grand_total", B, 'True on the "I alt" row.'),
                _kkr("vedtaget_budget", "Vedtaget budget, netto."),
                _kkr("tillaegsbevillinger", "Tillægsbevillinger, netto."),
                _kkr("korrigeret_budget", "Korrigeret budget, netto."),
                _kkr("regnskab", "Regnskab, netto."),
                _kkr("afvigelse", "Afvigelse (korrigeret budget - regnskab), netto."),
                _page(),
            ),
        ),
        Table(
            "accounts_lines",
            "Hovedprodukt and funktion rows of each bevilling's table, with its totals.",
            (
                _doc_id(),
                Column("year", I32, "Accounts year."),
                Column("styringsomraade", S, "Styringsområde."),
                Column("bevilling", S, "Bevilling."),
                Column("hovedprodukt", S, "Hovedprodukt, or the funktion's name."),
                Column("funktion", S, "Funktion number such as 7.22.05.", nullable=True),
                Column("is_total", B, 'True on the table\'s "I alt" row.'),
                _kkr("korrigeret_udgift", "Korrigeret budget, udgift."),
                _kkr("korrigeret_indtaegt", "Korrigeret budget, indtægt."),
                _kkr("regnskab_udgift", "Regnskab, udgift."),
                _kkr("regnskab_indtaegt", "Regnskab, indtægt."),
                _kkr("afvigelse_netto", "Afvigelse, netto."),
                _page(),
            ),
        ),
        Table(
            "activities",
            "Aktivitetsoversigt tables in long format.",
            (
                _doc_id(),
                Column("bevilling", S, "Bevilling the table belongs to."),
                Column("ydelse", S, "Activity or benefit (e.g. Jobcenterdrift)."),
                Column("metric", S, "What is counted.", enum=METRICS),
                Column("kind", S, "Which column of the table.", enum=ACTIVITY_KINDS),
                Column("year", I32, "Year of the column."),
                Column(
                    "value",
                    F64,
                    "Count (antal) or unit price in kr. (enhedspris_kr); null when unreadable.",
                    nullable=True,
                ),
                _page(),
            ),
        ),
        Table(
            "explanations",
            "Explanation paragraphs of the accounts, one per hovedprodukt / funktion / bevilling.",
            (
                _doc_id(),
                Column("styringsomraade", S, "Styringsområde."),
                Column("bevilling", S, 'Bevilling, "" for a styringsområde\'s text.'),
                Column("hovedprodukt", S, 'Hovedprodukt or funktion name, "" if none.'),
                Column("funktion", S, "Funktion number, null if none.", nullable=True),
                _kkr(
                    "afvigelse",
                    "Afvigelse stated in the heading (a styringsområde's text: its overview row).",
                ),
                Column("direction", S, "What the text says the deviation is.", enum=DIRECTIONS),
                Column("amount_mkr", F64, "Amount stated in the text.", unit=MKR, nullable=True),
                Column("text", S, "The explanation text."),
                _page(),
            ),
        ),
        Table(
            "intentions",
            "Hensigtserklæringer: one row per statement.",
            (
                _doc_id(),
                Column("code", S, "Code such as BI42 or SO37/SU53; null when none.", nullable=True),
                Column("title", S, "Title, without the code."),
                Column("text", S, "The statement, line-end hyphenation removed."),
                _page(),
            ),
        ),
        Table(
            "budget_tables",
            "Cells of the tables in budget notes and letters: captioned tables (every cell, "
            'empty ones too), check-box grids (column "kryds"), lettered lists (column '
            '"tekst") and a letter\'s dated parts (table "Dokumentoplysninger").',
            (
                _doc_id(),
                Column("table_label", S, 'Label such as "Tabel 2".'),
                Column("table_title", S, "Title after the label."),
                Column("table_index", I32, "Position of the table in the document (0-based)."),
                Column("row", I32, "Row index within the table (0-based)."),
                Column("row_label", S, "Row label, wrapped lines joined."),
                Column("column", S, "Column heading (often a year)."),
                Column("value_text", S, "Cell text as printed."),
                Column(
                    "value",
                    F64,
                    "Cell value as a number; null when empty, a dash or not a number; "
                    "1 or 0 for a check box.",
                    nullable=True,
                ),
                Column("unit", S, 'Unit stated for the table, e.g. "1.000 kr.".'),
                Column("price_level", S, 'Price level stated, e.g. "2018 p/l".'),
                _page(),
            ),
        ),
        Table(
            "validations",
            "One row per arithmetic or schema check; ok=false rows are findings, not crashes.",
            (
                _doc_id(),
                Column("table", S, "Table the check is about."),
                Column("rule", S, "Name of the check."),
                Column("subject", S, "Row or item checked (e.g. the row label)."),
                Column("expected", F64, "Value the identity predicts.", nullable=True),
                Column("actual", F64, "Value printed in the document.", nullable=True),
                Column("difference", F64, "actual - expected.", nullable=True),
                Column("tolerance", F64, "Largest difference accepted (rounding)."),
                Column("ok", B, "True when |difference| <= tolerance."),
                Column("page", I32, "Page of the subject, null when not known.", nullable=True),
            ),
        ),
        Table(
            "errors",
            "Documents and pages that could not be processed, and why.",
            (
                Column(
                    "doc_id",
                    S,
                    "doc_id of the document; null when the file is not a readable PDF.",
                    nullable=True,
                ),
                Column("path", S, "Path of the file."),
                Column("stage", S, "Stage that failed (ingest, layout, extract, ...)."),
                Column("error", S, "Kind of failure, e.g. encrypted, not_a_pdf, ocr_failed."),
                Column("message", S, "What happened and what to do about it."),
                Column(
                    "page",
                    I32,
                    "Page that failed; null for whole-document failures.",
                    nullable=True,
                ),
            ),
        ),
    )
}


def _type_name(col: Column) -> str:
    if col.enum:
        return "category: " + ", ".join(f"`{v}`" for v in col.enum)
    return str(col.type)


def data_dictionary() -> str:
    """docs/DATA.md, generated so the documentation cannot drift from the schemas."""
    out = [
        "# Data dictionary",
        "",
        "Generated from `pipeline/schema.py` by `python -m pipeline schema-doc`; do not edit.",
        "Each table is a folder `DIR/<table>/` with one Parquet file per source document",
        '(`<doc_id>.parquet`); `pd.read_parquet(DIR / "<table>")` reads the whole table.',
        'Text columns are never null (empty is `""`); nullable columns say so.',
        "Amounts in tables are integers in 1.000 kr.; amounts in prose are floats in mio. kr.",
        "Units and descriptions are also stored in each Parquet field's metadata.",
        "",
    ]
    for table in TABLES.values():
        out += [f"## {table.name}", "", table.description, ""]
        out += ["| column | type | unit | null | description |", "|---|---|---|---|---|"]
        for c in table.columns:
            null = "yes" if c.nullable else ""
            out.append(
                f"| {c.name} | {_type_name(c)} | {c.unit or ''} | {null} | {c.description} |"
            )
        out.append("")
    return "\n".join(out)
