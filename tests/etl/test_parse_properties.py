"""Property-based tests of the value parsers and header matching (hypothesis).

Round trips: a valid value written in any accepted way parses back to itself. Robustness: any text
parses without raising, and every value that is not accepted comes with a reason naming it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
import unicodedata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cashless.text import fold_series, fold_text
from etl.parse import parse_amounts, parse_dates, parse_periods
from etl.read import (
    _FOOTER,
    FOOTERS,
    REQUIRED_COLUMNS,
    ROW_NUMBER,
    FileRejected,
    _aliases_as_written,
    map_columns,
    open_raw_file,
    read_chunks,
)
from etl.validate import IdLookup, positions_in

DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
SPACE = st.sampled_from(["", " ", "  ", "\t", "\xa0"])
# What a text cell may hold: anything printable, control characters, digits of other scripts.
ANY_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("0123456789/-.:, "),
    max_size=30,
)
EXCEL_CELLS = st.one_of(
    ANY_TEXT,
    st.datetimes(min_value=dt.datetime(1, 1, 1)),
    st.dates(),
    st.times(),
    st.integers(-(10**20), 10**20).map(str),
)


def _parse(parser, values: list, **kwargs) -> tuple[list, list]:
    parsed, errors = parser(pd.Series(values, dtype=object), **kwargs)
    assert list(parsed.index) == list(errors.index) == list(range(len(values)))
    return parsed.tolist(), errors.tolist()


def _shown(value) -> str:
    """The value as a reason quotes it."""
    return str(value).strip()


# --- dates -------------------------------------------------------------------------------------


@st.composite
def written_dates(draw) -> tuple[dt.date, object]:
    """A date and one accepted way an export writes it."""
    day = draw(DATES)
    form = draw(
        st.sampled_from(["dmy", "d/m/y", "iso", "iso-short", "dmy time", "iso T", "cell", "datetime"])
    )
    written = {
        "dmy": f"{day.day:02d}/{day.month:02d}/{day.year}",
        "d/m/y": f"{day.day}/{day.month}/{day.year}",
        "iso": day.isoformat(),
        "iso-short": f"{day.year}-{day.month}-{day.day}",
        "dmy time": f"{day.day:02d}/{day.month:02d}/{day.year} {draw(st.integers(0, 23))}:{draw(st.integers(0, 59)):02d}",
        "iso T": f"{day.isoformat()}T{draw(st.times()).strftime('%H:%M:%S')}",
        "cell": day,
        "datetime": dt.datetime.combine(day, draw(st.times())),
    }[form]
    if isinstance(written, str):
        written = draw(SPACE) + written + draw(SPACE)
    return day, written


@given(st.lists(written_dates(), min_size=1, max_size=8))
def test_dates_written_any_accepted_way_parse_back(cases):
    parsed, errors = _parse(parse_dates, [written for _, written in cases], required=True)
    assert errors == [None] * len(cases)
    assert [value.date() for value in parsed] == [day for day, _ in cases]


@given(DATES.filter(lambda d: d.day > 12))
def test_a_month_day_date_is_never_read_as_day_month(day):
    american = f"{day.month:02d}/{day.day:02d}/{day.year}"  # e.g. 01/13/2025
    (value,), (error,) = _parse(parse_dates, [american], required=True)
    assert pd.isna(value)
    assert american in error


@given(DATES.filter(lambda d: d.day <= 12 and d.day != d.month))
def test_an_ambiguous_date_is_read_day_first(day):
    (value,), (error,) = _parse(parse_dates, [f"{day.day:02d}/{day.month:02d}/{day.year}"], required=True)
    assert error is None
    assert value.date() == day  # not dt.date(day.year, day.day, day.month)


@given(st.lists(EXCEL_CELLS, min_size=1, max_size=10), st.booleans())
def test_any_cell_parses_to_a_date_or_a_reason_naming_it(cells, required):
    parsed, errors = _parse(parse_dates, cells, required=required)
    for cell, value, error in zip(cells, parsed, errors):
        if error is None:
            assert not pd.isna(value) or (not required and _shown(cell) == "")
            if not pd.isna(value):
                assert 1900 <= value.year <= 2100
        else:
            assert pd.isna(value)
            assert _shown(cell) in error or error == "required date is empty"


@given(st.lists(EXCEL_CELLS, min_size=2, max_size=6))
def test_dates_parse_the_same_alone_or_in_a_batch(cells):
    together = _parse(parse_dates, cells, required=True)
    alone = [_parse(parse_dates, [cell], required=True) for cell in cells]
    assert together[1] == [errors[0] for _, errors in alone]
    assert [str(v) for v in together[0]] == [str(parsed[0]) for parsed, _ in alone]


# --- amounts -----------------------------------------------------------------------------------

AMOUNTS = st.integers(min_value=1, max_value=10**15 - 1)


def _grouped(amount: int, separator: str) -> str:
    return f"{amount:,}".replace(",", separator)


@given(AMOUNTS, st.sampled_from(["", ".", ",", " ", "\xa0"]), SPACE, SPACE)
def test_amounts_written_any_accepted_way_parse_back(amount, separator, before, after):
    written = before + (str(amount) if separator == "" else _grouped(amount, separator)) + after
    assert _parse(parse_amounts, [written]) == ([amount], [None])


@given(AMOUNTS, st.sampled_from(["", ".", ",", " "]))
def test_negative_amounts_are_rejected(amount, separator):
    written = "-" + (str(amount) if separator == "" else _grouped(amount, separator))
    (_,), (error,) = _parse(parse_amounts, [written])
    assert written in error


@given(AMOUNTS, st.integers(1, 99), st.sampled_from([",", "."]))
def test_amounts_with_decimals_are_rejected(amount, cents, mark):
    grouping = "." if mark == "," else ","
    written = _grouped(amount, grouping) + mark + str(cents)  # one or two decimals ('1.234' is thousands)
    (_,), (error,) = _parse(parse_amounts, [written])
    assert error is not None and written in error


@given(st.lists(EXCEL_CELLS, min_size=1, max_size=10))
def test_any_cell_parses_to_a_positive_amount_or_a_reason(cells):
    parsed, errors = _parse(parse_amounts, cells)
    for cell, amount, error in zip(cells, parsed, errors):
        if error is None:
            assert amount > 0
            assert int("".join(ch for ch in _shown(cell) if ch.isdigit())) == amount
        else:
            assert _shown(cell) in error or error == "required amount is empty" or "greater than 0" in error


# --- bill periods ------------------------------------------------------------------------------


@given(
    st.integers(2000, 2100),
    st.integers(1, 12),
    st.sampled_from(["YYYYMM", "YYYY-MM", "YYYY-M", "MM/YYYY", "M/YYYY"]),
    SPACE,
)
def test_periods_written_any_accepted_way_parse_back(year, month, form, space):
    written = {
        "YYYYMM": f"{year}{month:02d}",
        "YYYY-MM": f"{year}-{month:02d}",
        "YYYY-M": f"{year}-{month}",
        "MM/YYYY": f"{month:02d}/{year}",
        "M/YYYY": f"{month}/{year}",
    }[form]
    assert _parse(parse_periods, [space + written + space]) == ([year * 100 + month], [None])


@given(st.lists(EXCEL_CELLS, min_size=1, max_size=10))
def test_any_cell_parses_to_a_period_or_a_reason(cells):
    parsed, errors = _parse(parse_periods, cells)
    for cell, period, error in zip(cells, parsed, errors):
        if error is None:
            assert 200001 <= period <= 210012 and 1 <= period % 100 <= 12
        else:
            assert period == 0
            assert _shown(cell) in error


# --- headers and text folding ------------------------------------------------------------------

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
VIETNAMESE_TEXT = st.text(st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + "  _-0123456789"), max_size=25)


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _restyled(draw, text: str) -> str:
    """`text` as another export might write it: case, accents, spacing, Unicode normal form."""
    text = draw(st.sampled_from([text, text.upper(), text.lower(), text.title(), _unaccented(text)]))
    text = text.replace(" ", draw(st.sampled_from([" ", "  ", " \t"])))
    text = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text)
    return draw(SPACE) + text + draw(SPACE)


@given(st.data(), VIETNAMESE_TEXT)
def test_folding_ignores_case_accents_spacing_and_normal_form(data, text):
    assert fold_text(_restyled(data.draw, text)) == fold_text(text)
    assert fold_text(fold_text(text)) == fold_text(text)


@given(st.lists(ANY_TEXT | VIETNAMESE_TEXT, max_size=20))
def test_fold_series_folds_each_value(texts):
    assert fold_series(pd.Series(texts, dtype=object)).tolist() == [fold_text(t) for t in texts]


@pytest.mark.parametrize("kind", ["customers", "payments"])
@given(data=st.data())
def test_headers_match_in_any_order_case_and_spacing(kind, data):
    aliases = _aliases_as_written(kind)
    chosen = {
        canonical: data.draw(st.sampled_from([a for a, c in aliases if c == canonical]))
        for canonical in {c for _, c in aliases}
        if canonical in REQUIRED_COLUMNS[kind] or data.draw(st.booleans())
    }
    extras = data.draw(st.lists(st.sampled_from(["GHI_CHU", "STT", "", "Unnamed: 9", "Ghi chú"]), max_size=3))
    headers = [_restyled(data.draw, alias) for alias in chosen.values()] + extras
    headers = data.draw(st.permutations(headers))
    mapping = map_columns(headers, kind)
    assert sorted(mapping.values()) == sorted(chosen)


@pytest.mark.parametrize("kind", ["customers", "payments"])
@given(data=st.data())
def test_a_missing_or_doubled_column_rejects_the_header_and_says_which(kind, data):
    aliases = _aliases_as_written(kind)
    headers = {
        c: data.draw(st.sampled_from([a for a, k in aliases if k == c])) for c in REQUIRED_COLUMNS[kind]
    }
    victim = data.draw(st.sampled_from(REQUIRED_COLUMNS[kind]))
    if data.draw(st.booleans()):
        del headers[victim]
        expected = f"missing required column '{victim}'"
    else:
        headers[victim + " again"] = _restyled(
            data.draw, data.draw(st.sampled_from([a for a, k in aliases if k == victim]))
        )
        expected = f"column '{victim}' appears twice"
    with pytest.raises(FileRejected, match=expected):
        map_columns(list(headers.values()), kind)


@given(st.lists(ANY_TEXT, max_size=12), st.sampled_from(["customers", "payments"]))
def test_any_header_row_maps_or_is_rejected_with_a_reason(headers, kind):
    try:
        mapping = map_columns(headers, kind)
    except FileRejected as rejection:
        assert str(rejection)
    else:
        assert set(REQUIRED_COLUMNS[kind]) <= set(mapping.values())


CSV_CELL = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00\r"), max_size=12
)


def _no_id(cell: str) -> bool:
    """An id cell of a totals row: empty, or a totals word ("Cộng") where ids are letters then digits."""
    cell = cell.strip()
    return not cell or (not re.match(r"[A-Za-z]*\d", cell) and bool(_FOOTER.match(fold_text(cell))))


@given(st.data(), st.sampled_from([",", ";"]), st.sampled_from(["\n", "\r\n"]))
def test_any_csv_with_the_required_columns_reads_every_row_or_says_why(data, separator, line_end):
    aliases = _aliases_as_written("payments")
    required = [
        data.draw(st.sampled_from([a for a, c in aliases if c == name]))
        for name in REQUIRED_COLUMNS["payments"]
    ]
    header = data.draw(st.permutations(required + data.draw(st.lists(CSV_CELL, max_size=4))))
    cells = st.lists(CSV_CELL, min_size=len(header), max_size=len(header))
    rows = data.draw(
        st.lists(cells | st.just([""] * len(header)) | st.none(), max_size=6)
    )  # None: a blank line
    written = io.StringIO()
    writer = csv.writer(written, delimiter=separator, lineterminator=line_end)
    writer.writerow(header)
    for row in rows:
        if row is None:
            written.write(line_end)
        else:
            writer.writerow(row)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "payments.csv"
        path.write_bytes(written.getvalue().encode())
        try:
            chunks = list(read_chunks(open_raw_file(path, "payments"), chunk_rows=2))
        except FileRejected as rejection:  # header cells that repeat a column, or a separator mix-up
            assert str(rejection).startswith(("column '", "missing required column", "not a well-formed"))
            return
    lines = [line for line, row in enumerate(rows, start=2) if row and any(row)]  # blank rows are not data
    position = {name: header.index(alias) for name, alias in zip(REQUIRED_COLUMNS["payments"], required)}
    footers = [  # totals rows: no customer id (or a totals word in its place), and a totals word or an amount alone
        line
        for line, row in enumerate(rows, start=2)
        if row
        and any(row)
        and _no_id(row[position["customer_id"]])
        and (
            any(_FOOTER.match(fold_text(cell)) for cell in row)
            or all(
                bool(row[p].strip()) == (name == "amount")
                for name, p in position.items()
                if name != "customer_id"
            )
        )
    ]
    assert [line for chunk in chunks for line in chunk[ROW_NUMBER]] == [n for n in lines if n not in footers]
    assert sum(chunk.attrs[FOOTERS] for chunk in chunks) == len(footers)


# --- finding customer ids ----------------------------------------------------------------------

IDS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("PA01"), max_size=14)


@given(st.lists(IDS, unique=True, max_size=40), st.lists(IDS | st.none(), max_size=40), st.data())
def test_the_id_lookup_finds_each_id_where_it_is(keys, others, data):
    """Keys of mixed lengths and scripts, taken from a slice of a larger array; values drawn from
    them and from anywhere, nulls included: each found at its key's position, the rest at -1."""
    padded = pa.array(["x" * 20, *keys, "y"])
    key_array = padded.slice(1, len(keys))
    values = others + [data.draw(st.sampled_from(keys)) for _ in range(5)] if keys else others
    values = data.draw(st.permutations(values))
    series = pd.Series(values, dtype="str")
    lookup = IdLookup(key_array)
    where = {key: position for position, key in enumerate(keys)}
    assert lookup.positions(series).tolist() == [where.get(value, -1) for value in values]
    # Arrow's lookup, which the loader falls back on where two ids' hashes meet, agrees
    assert positions_in(series, key_array).tolist() == [where.get(value, -1) for value in values]
