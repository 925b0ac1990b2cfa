"""Properties that must hold for every input, not just the examples we thought of:
Danish numbers round-trip and reject junk; the corrector is idempotent, never touches the
digits of an amount and leaves frequent correct words alone; every output table survives
a write and a read with its schema."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.correct import Corrector
from pipeline.numbers import MINUS_SIGNS, format_number, parse_number
from pipeline.schema import TABLES, Column
from pipeline.write import rows_to_arrow, write_atomic

# ---- Danish numbers -------------------------------------------------------------------


@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(0, 3))
def test_printed_amounts_round_trip(units: int, decimals: int) -> None:
    value = units / 10**decimals if decimals else units
    parsed = parse_number(format_number(value, decimals=decimals))
    assert parsed == pytest.approx(value, rel=1e-12, abs=1e-9)
    assert isinstance(parsed, int) == (decimals == 0)


@given(st.integers(1, 10**9), st.sampled_from(MINUS_SIGNS), st.booleans())
def test_every_minus_sign_reads_negative(value: int, sign: str, space: bool) -> None:
    assert parse_number(f"{sign}{' ' * space}{format_number(value)}") == -value


@given(st.integers(-(10**9), 10**9), st.integers(0, 2), st.data())
def test_a_letter_anywhere_in_an_amount_is_rejected(
    value: int, decimals: int, data: st.DataObject
) -> None:
    """OCR damage such as "l.742" or "1.7O2" must never read as some other number."""
    text = format_number(value / 10**decimals, decimals=decimals)
    at = data.draw(st.integers(0, len(text)))
    letter = data.draw(st.sampled_from("lIOoSBZgæøå|"))
    assert parse_number(text[:at] + letter + text[at:]) is None


@given(st.integers(1, 999), st.from_regex(r"\A(\d{1,2}|\d{4,6})\Z"))
def test_thousands_groups_must_have_three_digits(head: int, group: str) -> None:
    assert parse_number(f"{head}.{group}") is None
    assert parse_number(f"{head}.{group}.000") is None


@given(st.text(alphabet="0123456789.,-−– +", max_size=14))
def test_whatever_parses_is_canonical(text: str) -> None:
    """A parsed value prints back to a form that parses to the same value."""
    value = parse_number(text)
    if value is not None:
        decimals = len(text.strip().partition(",")[2])
        assert parse_number(format_number(value, decimals=decimals)) == pytest.approx(value)


# ---- the corrector --------------------------------------------------------------------

# How OCR without Danish letters renders them (a subset of corrections/confusions.tsv).
DAMAGE = {"ø": ("g", "o", "@", "e"), "æ": ("ae", "a", "e"), "å": ("a", "&", "4")}


@lru_cache(maxsize=1)
def corrector() -> Corrector:
    return Corrector.load()


@lru_cache(maxsize=1)
def frequent_words() -> tuple[str, ...]:
    """Very common Danish words (zipf >= 5.5): a correct one must never be changed."""
    zipf = corrector().lexicon.zipf
    return tuple(sorted(w for w, z in zipf.items() if z >= 5.5 and w.isalpha() and len(w) > 1))


def _damage(word: str, choices: list[int]) -> str:
    out, k = [], 0
    for ch in word:
        if ch in DAMAGE:
            out.append(DAMAGE[ch][choices[k % len(choices)] % len(DAMAGE[ch])])
            k += 1
        else:
            out.append(ch)
    return "".join(out)


words = st.deferred(lambda: st.sampled_from(frequent_words()))
damaged_words = st.builds(_damage, words, st.lists(st.integers(0, 3), min_size=1, max_size=4))
amounts = st.builds(
    lambda v, d, sign: sign + format_number(v / 10**d if d else v, decimals=d),
    st.integers(0, 10**9),
    st.integers(0, 1),
    st.sampled_from(["", "-", "−", "– "]),
)
tokens = st.one_of(words, damaged_words, amounts, st.sampled_from([",", ".", ":", "(", ")"]))
lines = st.lists(tokens, min_size=1, max_size=10).map(" ".join)
CORRECTOR_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@CORRECTOR_SETTINGS
@given(st.lists(lines, min_size=1, max_size=3).map("\n".join))
def test_correcting_twice_changes_nothing_more(text: str) -> None:
    once, _ = corrector().correct_text(text)
    twice, changes = corrector().correct_text(once)
    assert twice == once, changes


def _amounts(text: str) -> list[str]:
    return [t for t in text.split() if parse_number(t) is not None]


@CORRECTOR_SETTINGS
@given(lines)
def test_amounts_are_never_changed(text: str) -> None:
    """Digits in OCR text are never "corrected" (a damaged word such as "m4" may be)."""
    fixed, _ = corrector().correct_text(text)
    assert _amounts(fixed) == _amounts(text)


@CORRECTOR_SETTINGS
@given(st.lists(words, min_size=1, max_size=10).map(" ".join))
def test_frequent_correct_words_are_left_alone(text: str) -> None:
    fixed, changes = corrector().correct_text(text)
    assert fixed == text, changes


# ---- tables ---------------------------------------------------------------------------

_VALUES = {
    pa.string(): st.text(max_size=20),
    pa.int32(): st.integers(-(2**31), 2**31 - 1),
    pa.int64(): st.integers(-(2**63), 2**63 - 1),
    pa.float64(): st.floats(allow_nan=False),
    pa.bool_(): st.booleans(),
    pa.date32(): st.dates(),
}


def _values(col: Column) -> st.SearchStrategy:
    values = st.sampled_from(col.enum) if col.enum else _VALUES[col.type]
    return st.one_of(st.none(), values) if col.nullable else values


def test_every_column_type_has_a_strategy() -> None:
    assert {c.type for t in TABLES.values() for c in t.columns} <= set(_VALUES)


@pytest.mark.parametrize("name", sorted(TABLES))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_each_table_round_trips_its_schema(name: str, data: st.DataObject, tmp_path: Path) -> None:
    table = TABLES[name]
    row = st.fixed_dictionaries({c.name: _values(c) for c in table.columns})
    rows = data.draw(st.lists(row, max_size=5))
    path = tmp_path / name / "doc.parquet"
    write_atomic(rows_to_arrow(table, rows), path)
    back = pq.read_table(path)
    assert back.schema.equals(table.schema, check_metadata=True)
    assert back.to_pylist() == rows
