"""Reading raw files: header aliases, CSV dialects, XLSX, and whole-file rejections."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from openpyxl import Workbook

from etl.read import FileRejected, open_raw_file, read_chunks

from .files import cp1258, with_sheet_xml, workbook

PAYMENTS_HEADER = "MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT"


def _rows(path, kind="payments"):
    raw = open_raw_file(path, kind)
    return [row for chunk in read_chunks(raw, 1000) for row in chunk.to_dict("records")]


def test_aliases_bom_semicolons_and_crlf(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(
        "\ufeffma_kh;THANG_NAM;Ngày thanh toán;so tien;noi_thu\r\n0123;02/2025;05/03/2025;1.234.567;BIDV\r\n".encode()
    )
    (row,) = _rows(path)
    assert row["customer_id"] == "0123"  # leading zero kept
    assert (row["bill_period"], row["paid_at"], row["amount"], row["channel"]) == (
        "02/2025",
        "05/03/2025",
        "1.234.567",
        "BIDV",
    )
    assert row["_row"] == 2


def test_missing_required_column_rejects_the_file_and_names_it(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("MA_KHANG,KY_HD,SO_TIEN,KENH_TT\nC1,202501,100,BIDV\n")
    with pytest.raises(FileRejected, match="paid_at.*NGAY_TT"):
        open_raw_file(path, "payments")


def test_duplicated_column_rejects_the_file(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("MA_KHANG,ma_kh,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\n")
    with pytest.raises(FileRejected, match="customer_id.*twice"):
        open_raw_file(path, "payments")


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"MA_KHANG,KY_HD\n", "missing required column"),
        (
            "MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\nC1,202501,01/01/2025,100,Bưu đi\u00ea\u0323n\n".encode(
                "cp1258"
            ),
            "UTF-8",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "UTF-8|binary|header"),
    ],
)
def test_unreadable_files_are_rejected_whole(tmp_path, content, reason):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(FileRejected, match=reason):
        _rows(path)


@pytest.mark.parametrize("rows_before", [0, 3, 30_000])  # the last: past the first 64 KB read for the header
def test_a_file_in_another_encoding_is_rejected_naming_the_line_and_what_to_do(tmp_path, rows_before):
    path = tmp_path / "p.csv"
    valid = "C1,202501,01/01/2025,100,BIDV\n" * rows_before
    path.write_bytes(
        f"{PAYMENTS_HEADER}\n{valid}".encode() + cp1258("C2,202501,01/01/2025,100,Thu tại quầy\n")
    )
    line = rows_before + 2
    with pytest.raises(FileRejected, match=f"^not UTF-8 text: line {line} .*save the export as CSV UTF-8$"):
        _rows(path)


@pytest.mark.parametrize(
    "content, message",
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),  # an .xls is read, a broken one named
            "not a readable XLS workbook: Cannot detect file format",
        ),
        (
            PAYMENTS_HEADER.encode("utf-16"),
            "UTF-16 text (Excel's 'Unicode Text'); save the export as CSV UTF-8",
        ),
    ],
)
def test_other_formats_excel_saves_are_named(tmp_path, content, message):
    path = tmp_path / "p.csv"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as rejection:
        open_raw_file(path, "payments")
    assert str(rejection.value) == message


def test_xlsx_with_date_cells(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["MA_KHANG", "KY_HD", "NGAY_TT", "SO_TIEN", "KENH_TT"])
    sheet.append(["C1", 202502, dt.datetime(2025, 3, 5), 1234567, "MoMo"])
    sheet.append([None, None, None, None, None])
    sheet.append(["C2", "202502", "06/03/2025", "1.000", "VNPay"])
    path = tmp_path / "p.xlsx"
    workbook.save(path)
    rows = _rows(path)
    assert [r["_row"] for r in rows] == [2, 4]
    assert rows[0]["paid_at"] == dt.datetime(2025, 3, 5)
    assert (rows[0]["bill_period"], rows[0]["amount"]) == ("202502", "1234567")


@pytest.mark.parametrize("name", ["p.csv", "p.xls", "p", "P.XLSX"])
def test_a_workbook_is_read_whatever_its_file_is_named(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(workbook([PAYMENTS_HEADER.split(","), ["C1", "202502", "06/03/2025", "1.000", "VNPay"]]))
    assert [r["customer_id"] for r in _rows(path)] == ["C1"]


def test_a_workbook_broken_after_its_header_is_rejected_whole(tmp_path):
    rows = [PAYMENTS_HEADER.split(",")] + [
        [f"C{i}", "202502", "06/03/2025", "1.000", "VNPay"] for i in range(50)
    ]
    path = tmp_path / "p.xlsx"
    path.write_bytes(with_sheet_xml(workbook(rows), lambda xml: xml[: len(xml) // 2]))
    raw = open_raw_file(path, "payments")  # the header row still reads
    with pytest.raises(FileRejected, match="not a readable XLSX workbook"):
        list(read_chunks(raw, 1000))


def test_workbook_rows_that_stop_short_read_as_empty_cells(tmp_path):
    # Without a <dimension> element openpyxl returns rows only as long as their last cell.
    xlsx = workbook([PAYMENTS_HEADER.split(","), ["C1", "202502", "06/03/2025", 1000]])
    path = tmp_path / "p.xlsx"
    path.write_bytes(with_sheet_xml(xlsx, lambda xml: re.sub(rb"<dimension[^>]*/>", b"", xml)))
    (row,) = _rows(path)
    assert (row["amount"], row["channel"]) == ("1000", "")


def test_workbook_ids_shown_with_leading_zeros_keep_them(tmp_path):
    rows = [
        PAYMENTS_HEADER.split(","),
        [123, 202502, "06/03/2025", 1000, "MoMo"],
        ["0123", "202502", "06/03/2025", 7.0, "MoMo"],
    ]
    path = tmp_path / "p.xlsx"
    path.write_bytes(workbook(rows, {"A2": "00000", "D2": "#,##0"}))
    assert [(r["customer_id"], r["amount"]) for r in _rows(path)] == [("00123", "1000"), ("0123", "7")]


def test_a_nul_byte_in_a_row_rejects_the_file(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(f"{PAYMENTS_HEADER}\nC1,202501,01/01/2025,100,BI\x00DV\n".encode())
    with pytest.raises(FileRejected, match=r"NUL byte at byte \d+ .*save the export as CSV UTF-8"):
        open_raw_file(path, "payments")


@pytest.mark.parametrize(
    "header, rejection",
    [
        ('MA_KHANG,KY_HD,NGAY_TT,KENH_TT,"SO_TIEN\n"', None),  # a header cell ending in a line break
        ('MA_KHANG,KY_HD,NGAY_TT,"SO_TIEN\n(VND)",KENH_TT', "missing required column 'amount'"),
        ("MA_KHANG,KY_HD,NGAY_TT,\x0cGHI_CHU,SO_TIEN,KENH_TT", None),  # a form feed is no line break
    ],
)
def test_the_header_is_the_first_record_as_the_table_reader_sees_it(tmp_path, header, rejection):
    path = tmp_path / "p.csv"
    columns = header.replace('"', "").split(",")
    row = {"MA_KHANG": "C1", "KY_HD": "202501", "NGAY_TT": "01/01/2025", "KENH_TT": "BIDV"}
    path.write_text(header + "\n" + ",".join(row.get(c, "100") for c in columns) + "\n")
    if rejection:
        with pytest.raises(FileRejected, match=rejection):
            _rows(path)
    else:
        assert [(r["customer_id"], r["amount"], r["channel"]) for r in _rows(path)] == [("C1", "100", "BIDV")]


def test_blank_lines_are_skipped_and_row_numbers_stay_the_file_lines(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(f"{PAYMENTS_HEADER}\n\nC1,202501,01/01/2025,100,BIDV\n,,,,\n\nC2,x,y,z,w\n")
    assert [(r["customer_id"], r["_row"]) for r in _rows(path)] == [("C1", 3), ("C2", 6)]
