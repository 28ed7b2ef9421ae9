"""Read raw exports (CSV or XLSX) into chunks of text columns named by their canonical names."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from cashless.errors import UserFacingError
from cashless.settings import COLUMN_ALIASES_CSV
from cashless.text import fold_text

REQUIRED_COLUMNS = {
    "customers": ("customer_id", "office_code", "contract_start"),
    "payments": ("customer_id", "bill_period", "paid_at", "amount", "channel"),
}
OPTIONAL_COLUMNS = {
    "customers": ("commune", "customer_type", "name", "address", "phone", "contract_end"),
    "payments": ("payment_id",),
}
ROW_NUMBER = "_row"  # file line of each row: the header is line 1


class FileRejected(UserFacingError):
    """The file cannot be read as a table of this kind; nothing of it is loaded."""


@dataclass(frozen=True)
class RawFile:
    """An export file opened for reading: its kind, header mapping and content hash."""

    path: Path
    kind: str
    columns: dict[str, str]  # header as written -> canonical name
    file_hash: str


@cache
def column_aliases(kind: str) -> dict[str, str]:
    """Folded alias -> canonical column name for `customers` or `payments`."""
    table = pd.read_csv(COLUMN_ALIASES_CSV, dtype=str)
    table = table[table["kind"] == kind]
    return {fold_text(alias): canonical for alias, canonical in zip(table["alias"], table["canonical"])}


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def map_columns(headers: list[str], kind: str) -> dict[str, str]:
    """Match headers to canonical names; a missing required or a doubled column rejects the file."""
    aliases = column_aliases(kind)
    mapping: dict[str, str] = {}
    for header in headers:
        canonical = aliases.get(fold_text(header))
        if canonical is None:
            continue
        if canonical in mapping.values():
            raise FileRejected(f"column '{canonical}' appears twice (header '{header}')")
        mapping[header] = canonical
    missing = [name for name in REQUIRED_COLUMNS[kind] if name not in mapping.values()]
    if missing:
        expected = {name: sorted({a for a, c in _aliases_as_written(kind) if c == name}) for name in missing}
        detail = "; ".join(f"'{name}' (one of {', '.join(expected[name])})" for name in missing)
        raise FileRejected(f"missing required column {detail}")
    return mapping


@cache
def _aliases_as_written(kind: str) -> tuple[tuple[str, str], ...]:
    table = pd.read_csv(COLUMN_ALIASES_CSV, dtype=str)
    table = table[table["kind"] == kind]
    return tuple(zip(table["alias"], table["canonical"]))


def open_raw_file(path: Path, kind: str) -> RawFile:
    """Check the file is a readable table of `kind` and map its header; raises FileRejected if not."""
    if kind not in REQUIRED_COLUMNS:
        raise FileRejected(f"unknown file kind '{kind}'")
    if not path.is_file():
        raise FileRejected("no such file")
    if path.stat().st_size == 0:
        raise FileRejected("the file is empty")
    if _is_xlsx(path):
        headers = _xlsx_header(path)
    else:
        headers = _csv_header(path)
        _reject_nul_bytes(path)
    return RawFile(path=path, kind=kind, columns=map_columns(headers, kind), file_hash=file_hash(path))


def read_chunks(raw: RawFile, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of the mapped columns (text, or Excel cell values) plus the file line number."""
    if _is_xlsx(raw.path):
        frames = iter([_read_xlsx(raw.path)])
    else:
        frames = _read_csv(raw.path, chunk_rows)
    first_line = 2
    for frame in frames:
        if ROW_NUMBER in frame:
            lines = frame[ROW_NUMBER]
        else:  # CSV: blank lines are read as rows so that the line numbers stay right, then dropped
            lines = pd.Series(range(first_line, first_line + len(frame)), index=frame.index)
            first_line += len(frame)
            blank = _blank_rows(frame)
            frame, lines = frame[~blank], lines[~blank]
        frame = frame[list(raw.columns)].rename(columns=raw.columns)
        frame[ROW_NUMBER] = lines.to_numpy()
        frame.index = range(len(frame))
        yield frame


def _blank_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows whose every field is empty: blank lines, not data."""
    blank = frame.iloc[:, 0].eq("")
    if blank.any():
        blank[blank] = frame[blank].eq("").all(axis=1)
    return blank


def _reject_nul_bytes(path: Path) -> None:
    """A NUL byte means binary or UTF-16 content, which no database text column can store."""
    offset = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            if (at := block.find(b"\x00")) >= 0:
                raise FileRejected(
                    f"not a text table: NUL byte at byte {offset + at} (binary or UTF-16 content); "
                    "save the export as CSV UTF-8"
                )
            offset += len(block)


def _is_xlsx(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def _csv_header(path: Path) -> list[str]:
    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected("an old Excel .xls workbook; save it as .xlsx or as CSV UTF-8")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("UTF-16 text (Excel's 'Unicode Text'); save the export as CSV UTF-8")
    try:  # a character cut at the end of a full 64 KB read is incomplete, not invalid
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=len(head) < 64 * 1024)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    first_line = text.split("\n", 1)[0]
    if "\x00" in first_line:
        raise FileRejected("not a text table (binary content)")
    # The first record as pandas reads it: a quoted header cell may hold a line break.
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line)), [])
    if not "".join(header).strip():
        raise FileRejected("no header row")
    return header


def _not_utf8(path: Path) -> FileRejected:
    """The rejection of a file in another encoding, saying where and what to do."""
    return FileRejected(
        f"not UTF-8 text: line {_first_non_utf8_line(path)} has bytes in another encoding "
        "(Windows-1252 or cp1258?); save the export as CSV UTF-8"
    )


def _first_non_utf8_line(path: Path) -> int:
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            pending = decoder.getstate()[0] + block
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                return line + pending[: error.start].count(b"\n")
            line += block.count(b"\n")
    return line


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _read_csv(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            delimiter = _delimiter(handle.readline())
        reader = pd.read_csv(
            path,
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            chunksize=chunk_rows,
            skipinitialspace=False,
            skip_blank_lines=False,
            on_bad_lines="error",
        )
        yield from reader
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except pd.errors.ParserError as error:
        raise FileRejected(f"not a well-formed CSV table: {str(error).strip()}") from None


@contextmanager
def _first_sheet(path: Path) -> Iterator:
    """The first worksheet, whatever the file is named (given a path, openpyxl refuses all but .xlsx).

    Whatever openpyxl raises while reading (a broken archive or sheet) rejects the file.
    """
    from openpyxl import load_workbook

    with open(path, "rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            try:
                yield workbook.worksheets[0]
            finally:
                workbook.close()
        except Exception as error:  # openpyxl raises many kinds for a broken archive
            raise FileRejected(f"not a readable XLSX workbook: {error}") from None


def _xlsx_header(path: Path) -> list[str]:
    with _first_sheet(path) as sheet:
        first = next(sheet.iter_rows(max_row=1, values_only=True), None)
    if not first or all(cell is None for cell in first):
        raise FileRejected("no header row in the first sheet")
    return ["" if cell is None else str(cell) for cell in first]


def _read_xlsx(path: Path) -> pd.DataFrame:
    with _first_sheet(path) as sheet:
        rows = sheet.iter_rows()
        header = ["" if cell.value is None else str(cell.value) for cell in next(rows, ())]
        records, lines = [], []
        for line, row in enumerate(rows, start=2):
            if any(cell.value is not None and str(cell.value).strip() for cell in row):
                cells = [_cell_text(cell) for cell in row[: len(header)]]
                records.append(cells + [""] * (len(header) - len(cells)))  # rows may stop short
                lines.append(line)
    frame = pd.DataFrame.from_records(records, columns=header) if records else pd.DataFrame(columns=header)
    frame[ROW_NUMBER] = lines
    return frame.astype({name: object for name in header})


def _cell_text(cell):
    """Excel cells as the CSV reader would give them; date cells stay dates for the date parser.

    A whole number shown with leading zeros (number format '00000') keeps them, as the sheet shows.
    """
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        zeros = cell.number_format or ""
        return str(value).zfill(len(zeros)) if zeros and set(zeros) == {"0"} else str(value)
    if isinstance(value, float | bool):
        return str(value)
    return value
