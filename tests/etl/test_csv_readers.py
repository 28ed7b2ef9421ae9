"""The fast CSV reader (pyarrow) gives exactly what pandas' reader gives, or hands the file over.

Every CSV is read twice: as the loader reads it, and with pandas' reader alone. Chunks of two rows,
so a hand-over after the first chunks (a blank line further down, say) is tested too.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from etl import read
from etl.read import FOOTERS, FileRejected, _holds_line_break, open_raw_file, read_chunks

HEADER = "MA_KHANG;KY_HD;NGAY_TT;SO_TIEN;KENH_TT\n"
ROWS = [f"PA11010{i:05d};202501;0{i % 9 + 1}/02/2025;{1000 * (i + 1)};BIDV\n" for i in range(7)]

CASES = {
    "plain": HEADER + "".join(ROWS),
    "header only": HEADER,
    "title rows above": "CÔNG TY ĐIỆN LỰC\nBáo cáo thu tiền\n\n" + HEADER + "".join(ROWS),
    "windows line ends and a byte order mark": "\ufeff" + (HEADER + "".join(ROWS)).replace("\n", "\r\n"),
    "quoted cells": HEADER + 'PA1101000001;"202501";03/02/2025;"1.234.567";"Thu tại quầy; số 2"\n',
    "a blank line after two chunks": HEADER + "".join(ROWS[:5]) + "\n" + "".join(ROWS[5:]),
    "blank lines at the end": HEADER + "".join(ROWS) + "\n\n",
    "a short row": HEADER + "".join(ROWS[:3]) + "PA1101000009;202501\n" + "".join(ROWS[3:]),
    "a quoted line break": HEADER + "".join(ROWS[:4]) + 'PA1101000009;202501;03/02/2025;5;"BI\nDV"\n',
    "a quote left open": HEADER + "".join(ROWS[:4]) + 'PA1101000009;202501;03/02/2025;5;"BIDV\nX;1;2;3;4\n',
    "a totals row": HEADER + "".join(ROWS) + ";CỘNG;;;28000;\n",
    "two unnamed columns": "STT;;"
    + HEADER.replace("\n", ";\n")
    + "".join(f"{i};x;{r[:-1]};\n" for i, r in enumerate(ROWS)),
    "a row too long": HEADER + "".join(ROWS[:3]) + "PA1101000009;202501;03/02/2025;5;BIDV;extra\n",
}


def _read(path, chunk_rows: int = 2) -> list:
    try:
        raw = open_raw_file(path, "payments")
        return [(frame.to_dict("list"), frame.attrs[FOOTERS]) for frame in read_chunks(raw, chunk_rows)]
    except FileRejected as rejection:
        return [("rejected", str(rejection))]


@pytest.mark.parametrize("name", list(CASES))
def test_the_fast_reader_reads_as_pandas_does(tmp_path, monkeypatch, name):
    path = tmp_path / "payments.csv"
    path.write_bytes(CASES[name].encode())
    fast = _read(path)

    def refuse(raw, chunk_rows):
        raise read._NotPlain
        yield

    monkeypatch.setattr(read, "_read_plain_csv", refuse)
    assert fast == _read(path)


def test_a_plain_file_is_read_by_the_fast_reader(tmp_path, monkeypatch):
    """The comparison above must not pass only because every file fell back to pandas."""
    path = tmp_path / "payments.csv"
    path.write_bytes(CASES["plain"].encode())
    monkeypatch.setattr(read, "_read_csv_with_pandas", None)  # calling it would fail
    assert sum(len(frame) for frame in read_chunks(open_raw_file(path, "payments"), 2)) == len(ROWS)


def test_a_line_break_is_found_in_the_chunk_s_own_values_only():
    """A chunk is a slice of the reader's batches: the bytes of the values around it do not count."""
    around = pa.array(["a\n", "b", "c\r", "d", "e\n"])
    assert not _holds_line_break(pa.chunked_array([around.slice(1, 1), around.slice(3, 1)]))
    assert _holds_line_break(pa.chunked_array([pa.array([], type=pa.string()), around.slice(2, 2)]))
    assert _holds_line_break(pa.chunked_array([around.slice(1, 1), around.slice(4)]))
