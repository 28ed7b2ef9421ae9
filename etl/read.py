"""Read raw exports (CSV, XLSX, XLS, ODS) into chunks of text columns named by their canonical names.

Report-shaped files load as they come out of the billing system: the header is the first of the
first 30 rows that names every required column (title and blank rows above it are skipped), merged
cells read as their value, unmatched columns (a numbering column `STT`, notes) are ignored, and
totals rows at the foot ("Tổng cộng", a total without an id) are dropped and counted as footers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from cashless.errors import UserFacingError
from cashless.text import fold_series, fold_text
from etl.kinds import FOOTER_WORDS, KINDS, SHORT_FOOTER_WORDS

REQUIRED_COLUMNS = {name: kind.required for name, kind in KINDS.items()}
OPTIONAL_COLUMNS = {name: kind.optional for name, kind in KINDS.items()}
ROW_NUMBER = "_row"  # file line (or sheet row) of each row, counted from 1
FOOTERS = "footer_rows"  # DataFrame.attrs key: totals rows dropped from a chunk
HEADER_SEARCH_ROWS = 30  # the header must be within the first rows of the file
_FOOTER = re.compile(
    r"^(?:(?:"
    + "|".join(FOOTER_WORDS)
    + r")(?![a-z])|(?:"
    + "|".join(SHORT_FOOTER_WORDS)
    + r")\s*(?:[:(\d]|$))"
)
_HEAD_BYTES = 64 * 1024


class FileRejected(UserFacingError):
    """The file cannot be read as a table of this kind; nothing of it is loaded."""


@dataclass(frozen=True)
class RawFile:
    """An export file opened for reading: its kind, header mapping, where the header is and its hash."""

    path: Path
    kind: str
    columns: dict[str, str]  # header as written -> canonical name
    file_hash: str
    header_row: int = 0  # 0-based row (CSV: line) of the header
    format: str = "csv"  # csv | xlsx | xls | ods
    delimiter: str = ","  # CSV: the header's
    header: tuple[str, ...] = ()  # CSV: the header's cells as written


@cache
def column_aliases(kind: str) -> dict[str, str]:
    """Folded alias -> canonical column name for `customers` or `payments`."""
    return {fold_text(alias): canonical for alias, canonical in _aliases_as_written(kind)}


@cache
def _aliases_as_written(kind: str) -> tuple[tuple[str, str], ...]:
    """(alias, canonical) pairs of the kind's declaration; a column's own name is an alias too."""
    return tuple((alias, c.name) for c in KINDS[kind].columns for alias in (c.name, *c.aliases))


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


def find_header(rows: Iterable[list], kind: str) -> tuple[int, list[str], dict[str, str]]:
    """The header among the first rows: the first that names every required column.

    Returns its 0-based index, its cells and the mapping. With no such row the first non-blank row
    is taken as the header, so the rejection names what it lacks.
    """
    aliases, required = column_aliases(kind), set(REQUIRED_COLUMNS[kind])
    first = None
    for index, row in enumerate(rows):
        if index >= HEADER_SEARCH_ROWS:
            break
        cells = ["" if cell is None else str(cell) for cell in row]
        if first is None and "".join(cells).strip():
            first = (index, cells)
        if required <= {aliases.get(fold_text(cell)) for cell in cells}:
            return index, cells, map_columns(cells, kind)
    if first is None:
        raise FileRejected("no header row")
    return first[0], first[1], map_columns(first[1], kind)


def open_raw_file(path: Path, kind: str) -> RawFile:
    """Check the file is a readable table of `kind` and find its header; raises FileRejected if not."""
    if kind not in REQUIRED_COLUMNS:
        raise FileRejected(f"unknown file kind '{kind}'")
    if not path.is_file():
        raise FileRejected("no such file")
    if path.stat().st_size == 0:
        raise FileRejected("the file is empty")
    kind_of_file = _format(path)
    if kind_of_file == "xlsx":
        header_row, _, columns = _xlsx_header(path, kind)
    elif kind_of_file in ("xls", "ods"):
        header_row, _, columns = find_header(_sheet_rows(path, kind_of_file), kind)
    else:
        header_row, delimiter, header, columns = _csv_header(path, kind)
        _reject_nul_bytes(path)
        return RawFile(path, kind, columns, file_hash(path), header_row, "csv", delimiter, tuple(header))
    return RawFile(path, kind, columns, file_hash(path), header_row, kind_of_file)


def read_chunks(raw: RawFile, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of the mapped columns (text, or Excel cell values) plus the file line number.

    Footer rows are dropped; each chunk's `attrs[FOOTERS]` says how many.
    """
    if raw.format == "csv":
        frames = _read_csv(raw, chunk_rows)
    else:
        frames = iter([_read_sheet(raw)])
    first_line = raw.header_row + 2
    for frame in frames:
        if ROW_NUMBER in frame:
            lines = frame.pop(ROW_NUMBER)
        else:  # CSV: blank lines are read as rows so that the line numbers stay right, then dropped
            lines = pd.Series(range(first_line, first_line + len(frame)), index=frame.index)
            first_line += len(frame)
        keep = ~_blank_rows(frame)
        footers = keep & _footer_rows(frame, raw)
        keep &= ~footers
        frame = frame.loc[keep, list(raw.columns)].rename(columns=raw.columns)
        frame[ROW_NUMBER] = lines[keep].to_numpy()
        frame.index = range(len(frame))
        frame.attrs[FOOTERS] = int(footers.sum())
        yield frame


def _blank_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows whose every field is empty: blank lines, not data."""
    if frame.shape[1] == 0:
        return pd.Series(True, index=frame.index)
    blank = frame.iloc[:, 0].eq("")
    if blank.any():
        blank[blank] = frame[blank].eq("").all(axis=1)
    return blank


def _footer_rows(frame: pd.DataFrame, raw: RawFile) -> pd.Series:
    """Totals rows: no customer id (or a totals word in its place) and a totals word or a bare total.

    A bare total is an amount with the other required cells empty. Only rows without an id are
    looked at, so a customer called "Tống" is never a footer.
    """
    by_name = {canonical: header for header, canonical in raw.columns.items()}
    ids = frame[by_name["customer_id"]].astype(str).str.strip()
    candidates = ids.eq("")
    wordy = ~candidates & ~ids.str.match(r"[A-Za-z]*\d")  # ids are letters then digits; totals are words
    if wordy.any():
        candidates[wordy] = fold_series(ids[wordy]).str.match(_FOOTER)
    if not candidates.any():
        return candidates
    rows = frame[candidates].astype(str).apply(lambda column: fold_series(column.str.strip()))
    worded = rows.apply(lambda column: column.str.match(_FOOTER)).any(axis=1)
    if "amount" in by_name:
        others = [by_name[c] for c in REQUIRED_COLUMNS[raw.kind] if c not in ("customer_id", "amount")]
        bare_total = rows[by_name["amount"]].ne("") & rows[others].eq("").all(axis=1)
        worded |= bare_total
    candidates[candidates] = worded
    return candidates


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


def _format(path: Path) -> str:
    """csv, xlsx, xls or ods, from the content (files are often misnamed)."""
    with open(path, "rb") as handle:
        head = handle.read(100)
    if head.startswith(b"PK\x03\x04"):
        return "ods" if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head else "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


def _csv_header(path: Path, kind: str) -> tuple[int, str, list[str], dict[str, str]]:
    """The header's line (0-based), delimiter, cells and mapping, from the first records of the
    first 64 KB."""
    with open(path, "rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("UTF-16 text (Excel's 'Unicode Text'); save the export as CSV UTF-8")
    try:  # a character cut at the end of a full 64 KB read is incomplete, not invalid
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=len(head) < _HEAD_BYTES)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    if "\x00" in text.split("\n", 1)[0]:
        raise FileRejected("not a text table (binary content)")
    found = _first_covering(text, kind)
    if found is not None:
        return found
    # No row names every required column: the first non-blank record says which is missing.
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts, records, line = [], [], 0
    for record in reader:
        starts.append(line)
        records.append(record)
        line = reader.line_num
        if len(records) >= HEADER_SEARCH_ROWS:
            break
    index, cells, mapping = find_header(records, kind)
    return starts[index], delimiter, cells, mapping


def _first_covering(text: str, kind: str) -> tuple[int, str, list[str], dict[str, str]] | None:
    """The first record (of the search rows) that names every required column, split by ',' or ';':
    its line, delimiter, cells and mapping; None if there is none. A quoted cell may hold a line break."""
    aliases, required = column_aliases(kind), set(REQUIRED_COLUMNS[kind])
    lines = re.split(r"\r\n|\r|\n", text)  # as the csv module counts them
    found = []
    for delimiter in (",", ";"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        line = 0
        try:
            for index, record in enumerate(reader):
                if index >= HEADER_SEARCH_ROWS:
                    break
                if required <= {aliases.get(fold_text(cell)) for cell in record}:
                    other = delimiter != _delimiter(lines[line] if line < len(lines) else "")
                    found.append((line, other, delimiter, record))
                    break
                line = reader.line_num
        except csv.Error:  # not a table with this delimiter
            continue
    if not found:
        return None
    line, _, delimiter, record = min(found, key=lambda item: item[:2])
    return line, delimiter, record, map_columns(record, kind)


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


def _read_csv(raw: RawFile, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The file's rows as text, `chunk_rows` at a time.

    pyarrow's reader takes a plain table (every line a row with the header's fields) in half the
    time of pandas'; from the first line it refuses (a blank or short line, another encoding, a
    malformed quote), pandas' reader takes over after the rows already read, and its rules apply.
    """
    yielded = 0
    try:
        for frame in _read_plain_csv(raw, chunk_rows):
            yield frame
            yielded += len(frame)
        return
    except _NotPlain:
        pass
    for frame in _read_csv_with_pandas(raw, chunk_rows):
        if yielded >= len(frame):
            yielded -= len(frame)
            continue
        yield frame.iloc[yielded:]
        yielded = 0


class _NotPlain(Exception):
    """The CSV is not a plain table from here on: pandas' reader takes it."""


def _read_plain_csv(raw: RawFile, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """pyarrow's streaming reader, every column text; raises _NotPlain where it cannot go on."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names = list(raw.header)
    if not names or len(set(names)) < len(names):
        raise _NotPlain
    try:
        reader = pa_csv.open_csv(
            raw.path,
            read_options=pa_csv.ReadOptions(use_threads=False, skip_rows=raw.header_row, block_size=1 << 22),
            parse_options=pa_csv.ParseOptions(delimiter=raw.delimiter, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        if reader.schema.names != names:
            raise _NotPlain
        pending: list = []
        rows = chunks = 0
        for batch in reader:
            pending.append(batch)
            rows += batch.num_rows
            while rows >= chunk_rows:
                table = pa.Table.from_batches(pending, reader.schema)
                yield _text_frame(table.slice(0, chunk_rows))
                chunks += 1
                rest = table.slice(chunk_rows)
                pending, rows = rest.to_batches(), rest.num_rows
        if not rows and not chunks:  # a header alone: as pandas reads it
            raise _NotPlain
        if rows:
            yield _text_frame(pa.Table.from_batches(pending, reader.schema))
    except (pa.ArrowException, UnicodeDecodeError):  # any refusal: pandas decides what it means
        raise _NotPlain from None


def _text_frame(table) -> pd.DataFrame:
    """An Arrow table of text columns as pandas' text columns (no copy); _NotPlain if a value holds
    a line break (a quoted one, or a quote left open to the end of the file: pandas' rules decide)."""
    if any(_holds_line_break(column) for column in table.columns):
        raise _NotPlain
    return table.to_pandas(types_mapper=lambda _: pd.StringDtype("pyarrow", na_value=np.nan))


def _holds_line_break(column) -> bool:
    """Whether a value of the text column holds a CR or LF: a scan of the values' bytes (a regex
    per value took thirty times as long)."""
    for chunk in column.chunks:
        offsets, data = text_buffers(chunk)
        body = data[offsets[0] : offsets[-1]]
        if (body == ord("\n")).any() or (body == ord("\r")).any():
            return True
    return False


def text_buffers(texts) -> tuple[np.ndarray, np.ndarray]:
    """An Arrow text array's value offsets (one more than its values, a slice's own) and the data
    bytes they point into, without a copy: string and large_string alike."""
    import pyarrow as pa

    if not len(texts):
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    _, offsets, data = texts.buffers()
    large = pa.types.is_large_string(texts.type)
    offsets = np.frombuffer(offsets, dtype=np.int64 if large else np.int32)
    data = np.zeros(0, dtype=np.uint8) if data is None else np.frombuffer(data, dtype=np.uint8)
    return offsets[texts.offset : texts.offset + len(texts) + 1], data


def _read_csv_with_pandas(raw: RawFile, chunk_rows: int) -> Iterator[pd.DataFrame]:
    path = raw.path
    try:
        reader = pd.read_csv(
            path,
            sep=raw.delimiter,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            chunksize=chunk_rows,
            skiprows=raw.header_row,
            skipinitialspace=False,
            skip_blank_lines=False,
            on_bad_lines="error",
        )
        yield from reader
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except pd.errors.EmptyDataError:
        raise FileRejected("no header row") from None
    except pd.errors.ParserError as error:
        raise FileRejected(f"not a well-formed CSV table: {str(error).strip()}") from None


def _xlsx_header(path: Path, kind: str) -> tuple[int, list[str], dict[str, str]]:
    """find_header on an XLSX's first sheet, streamed: openpyxl reads only as far as the header."""
    from openpyxl import load_workbook

    with open(path, "rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
            try:
                rows = workbook.worksheets[0].iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)
                return find_header(rows, kind)
            finally:
                workbook.close()
        except FileRejected:
            raise
        except Exception as error:  # openpyxl raises many kinds for a broken archive
            raise FileRejected(f"not a readable XLSX workbook: {error}") from None


def _sheet_rows(path: Path, kind_of_file: str) -> list[list]:
    """Every row of the first sheet from A1 (python-calamine: XLSX, XLS, ODS), merged cells filled."""
    from python_calamine import CalamineWorkbook

    try:
        with open(path, "rb") as handle:
            workbook = CalamineWorkbook.from_filelike(handle)
            sheet = workbook.get_sheet_by_index(0)
            rows = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges or []
    except Exception as error:  # calamine raises its own kinds for a broken file
        raise FileRejected(f"not a readable {kind_of_file.upper()} workbook: {error}") from None
    for (top, left), (bottom, right) in merged:  # a merged area reads as its top-left value
        if top >= len(rows):
            continue
        value = rows[top][left] if left < len(rows[top]) else ""
        for row in rows[top : bottom + 1]:
            row[left : right + 1] = [value] * (min(right + 1, len(row)) - left)
    return rows


def _read_sheet(raw: RawFile) -> pd.DataFrame:
    """The sheet below its header as a frame of cells (text, or date cells) with each row's number."""
    rows = _sheet_rows(raw.path, raw.format)
    header = ["" if cell is None else str(cell) for cell in rows[raw.header_row]] if rows else []
    width = len(header)
    body = rows[raw.header_row + 1 :]
    if set(map(len, body)) - {width}:  # calamine gives a rectangle; anything else is padded or cut
        body = [row[:width] + [""] * (width - len(row)) for row in body]
    frame = pd.DataFrame(body or None, columns=range(width), dtype=object)
    frame.columns = header
    positions = {name: header.index(name) for name in raw.columns}
    for position in positions.values():
        frame.isetitem(position, _cells_as_text(frame.iloc[:, position]))
    if raw.format == "xlsx":
        _pad_numeric_ids(raw, frame, positions)
    frame[ROW_NUMBER] = np.arange(raw.header_row + 2, raw.header_row + 2 + len(frame))
    return frame


def _cells_as_text(cells: pd.Series) -> pd.Series:
    """Excel cells as the CSV reader would give them; date cells stay dates for the date parser.

    Whole numbers lose the '.0' calamine gives every number; a day reads as a datetime, as openpyxl
    gives it. Converted once per distinct value (a month has ~30 days, one bill period).
    """
    convert = ~cells.map(type).eq(str).to_numpy()
    if not convert.any():
        return cells
    codes, distinct = pd.factorize(cells[convert], use_na_sentinel=False)
    converted = np.array([_cell_value(value) for value in distinct] + [None], dtype=object)[:-1]
    cells = cells.copy()
    cells[convert] = converted[codes]
    return cells


def _cell_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if type(value) is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _pad_numeric_ids(raw: RawFile, frame: pd.DataFrame, positions: dict[str, int]) -> None:
    """An id typed as a number shown with leading zeros (number format '00000') keeps them.

    Calamine gives no number formats, so only then are the id column's formats read with openpyxl.
    """
    for name, canonical in raw.columns.items():
        if KINDS[raw.kind].column(canonical).type != "id":
            continue
        digits = frame[name].astype(str).str.fullmatch(r"\d+")
        if not digits.any():
            continue
        widths = _zero_format_widths(raw, positions[name], len(frame))
        pad = digits & (widths > 0)
        frame.loc[pad, name] = [
            text.zfill(width) for text, width in zip(frame.loc[pad, name], widths[pad.to_numpy()])
        ]


def _zero_format_widths(raw: RawFile, position: int, rows: int) -> np.ndarray:
    """Per data row, the width of an all-zeros number format on the column's cell (0 for others)."""
    from openpyxl import load_workbook

    widths = np.zeros(rows, dtype=np.int64)
    with open(raw.path, "rb") as handle:
        workbook = load_workbook(handle, read_only=True, data_only=True)
        try:
            cells = workbook.worksheets[0].iter_rows(
                min_row=raw.header_row + 2, min_col=position + 1, max_col=position + 1
            )
            for index, (cell, *_) in enumerate(cells):
                if index >= rows:
                    break
                number_format = getattr(cell, "number_format", None) or ""
                if number_format and set(number_format) == {"0"}:
                    widths[index] = len(number_format)
        finally:
            workbook.close()
    return widths
