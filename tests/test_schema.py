"""The schemas keep the SPEC's contract and the generated docs match them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.schema import TABLES, data_dictionary

SPEC = Path(__file__).resolve().parent.parent.parent / "shared" / "SPEC.md"


def spec_columns() -> dict[str, list[str]]:
    """table -> column names, read from the SPEC's output table."""
    tables: dict[str, list[str]] = {}
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| (\w+) \| (.+) \|$", line)
        if not m or m.group(1) in {"table"}:
            continue
        names = []
        for part in re.split(r",\s*(?![^()]*\))", m.group(2)):
            name = re.match(r"\s*(\w+)", part)
            if name:
                names.append(name.group(1))
        tables[m.group(1)] = names
    return tables


@pytest.mark.skipif(not SPEC.exists(), reason="SPEC.md not beside the repository")
def test_every_spec_column_exists() -> None:
    spec = spec_columns()
    assert len(spec) == 14
    for table, columns in spec.items():
        assert table in TABLES, table
        ours = {c.name for c in TABLES[table].columns}
        assert set(columns) <= ours, (table, set(columns) - ours)


def test_every_column_is_described() -> None:
    for table in TABLES.values():
        assert table.description
        for col in table.columns:
            assert len(col.description) > 5, (table.name, col.name)


def test_enum_columns_are_categorical() -> None:
    field = TABLES["grant_expiry"].schema.field("assessment_category")
    assert str(field.type) == "dictionary<values=string, indices=int32, ordered=0>"


def test_data_dictionary_is_up_to_date(repo: Path) -> None:
    doc = repo / "docs" / "DATA.md"
    assert doc.read_text(encoding="utf-8") == data_dictionary() + "\n", (
        "docs/DATA.md is stale: run `python -m pipeline schema-doc`"
    )
