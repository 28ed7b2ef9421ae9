"""Reading a one-month payments workbook: python-calamine (what etl/read.py uses) against openpyxl.

Writes a report-shaped XLSX (title rows, header on row 6, STT column, ~265k payments shaped like
the demo's, a totals row) with xlsxwriter, then times reading it into the loader's text frame:
etl.read (calamine) and openpyxl's streaming reader cell by cell (how the loader read XLSX before).

    python bench/excel.py [--rows 265000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.read import open_raw_file, read_chunks  # noqa: E402

OUT = ROOT / "bench" / "out"
HEADER = ["STT", "MA_GD", "MA_KHANG", "KY_HD", "NGAY_TT", "SO_TIEN", "KENH_TT"]
CHANNELS = ["Thu tại quầy", "BIDV", "Vietcombank", "MoMo", "ZaloPay", "Bưu điện", "Ủy nhiệm thu"]


def write_workbook(path: Path, rows: int, seed: int = 1) -> None:
    """A month of payments as the billing system's report screen exports them."""
    import xlsxwriter

    rng = np.random.default_rng(seed)
    customers = rng.integers(1, 280_000, rows)
    days = rng.integers(0, 28, rows)
    amounts = (rng.gamma(2.0, 150_000, rows) // 100 * 100 + 1000).astype(np.int64)
    channels = rng.integers(0, len(CHANNELS), rows)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write(0, 0, "CÔNG TY ĐIỆN LỰC TUYÊN QUANG")
    sheet.write(1, 0, "ĐIỆN LỰC YÊN SƠN")
    sheet.write(3, 0, "DANH SÁCH KHÁCH HÀNG THANH TOÁN TIỀN ĐIỆN KỲ 02/2025")
    sheet.write_row(5, 0, HEADER)
    first = dt.datetime(2025, 2, 1)
    for i in range(rows):
        line = 6 + i
        sheet.write_number(line, 0, i + 1)
        sheet.write_string(line, 1, f"GD{i:09d}")
        sheet.write_string(line, 2, f"PA1102{customers[i]:07d}")
        sheet.write_number(line, 3, 202502)
        sheet.write_datetime(line, 4, first + dt.timedelta(days=int(days[i])), date_format)
        sheet.write_number(line, 5, int(amounts[i]))
        sheet.write_string(line, 6, CHANNELS[channels[i]])
    sheet.write_string(6 + rows, 0, "Tổng cộng")
    sheet.write_number(6 + rows, 5, int(amounts.sum()))
    book.close()


def read_calamine(path: Path) -> int:
    raw = open_raw_file(path, "payments")
    return sum(len(chunk) for chunk in read_chunks(raw, 250_000))


def read_openpyxl(path: Path) -> int:
    """The former reader: openpyxl's read-only sheet, cell by cell into records."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = workbook.worksheets[0].iter_rows()
    for _ in range(5):
        next(rows)
    header = [str(cell.value) for cell in next(rows)]
    records = []
    for row in rows:
        if any(cell.value is not None for cell in row):
            records.append(["" if cell.value is None else cell.value for cell in row[: len(header)]])
    workbook.close()
    return len(pd.DataFrame.from_records(records, columns=header))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=265_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"payments_report_{args.rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        write_workbook(path, args.rows)
        print(
            f"wrote {path.name} ({path.stat().st_size / 2**20:.1f} MB) in {time.perf_counter() - started:.1f} s"
        )
    for name, read in (("python-calamine (etl.read)", read_calamine), ("openpyxl read-only", read_openpyxl)):
        times, count = [], 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            count = read(path)
            times.append(time.perf_counter() - started)
        print(f"{name:28s} {count:,} rows  median {statistics.median(times):.2f} s  (min {min(times):.2f})")


if __name__ == "__main__":
    main()
