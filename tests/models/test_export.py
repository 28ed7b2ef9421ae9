"""Outreach exports: Vietnamese headers intact, formula-like cells neutralised, sheets read back."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from models.export import (
    SheetError,
    build_sheet,
    csv_bytes,
    neutralise,
    read_returned_sheet,
    xlsx_bytes,
)

MEMBERS = pd.DataFrame(
    {
        "list_id": [7, 7, 7],
        "rank": [1, 2, 4],
        "customer_id": ["PA1102000123", "PA1102000456", "PA1102000789"],
        "name": ['=HYPERLINK("http://x.example","Bấm")', "@Phạm Thị Dung", "Nguyễn Văn Ân"],
        "address": ["+84 Thôn 3, Xã Kim Phú", "-Thôn 4", "Thôn 5, Xã Thái Bình"],
        "commune": ["Xã Kim Phú", "Xã Kim Phú", "Xã Thái Bình"],
        "phone": ["0912345678", None, "+84987654321"],
        "customer_type": ["residential", "business", "public"],
        "score": [0.9731, 0.9412, 0.8805],
        "risk_band": ["high", "medium", "medium"],
        "reasons_vi": [
            "Chưa có số điện thoại liên hệ; Xã có tỷ lệ không dùng tiền mặt thấp",
            "Thường thanh toán muộn",
            "",
        ],
        "reasons_en": ["No phone number on file; Commune with a low cashless rate", "Usually pays late", ""],
        "assigned_to": [None, "Hà Văn Sơn", None],
        "outcome": [None, "refused", None],
    }
)


def test_neutralise_only_formula_like_text():
    assert [neutralise(v) for v in ["=1+1", "+84", "-5", "@SUM(A1)", "\tx", "Ân", "0912", 12, None]] == [
        "'=1+1",
        "'+84",
        "'-5",
        "'@SUM(A1)",
        "'\tx",
        "Ân",
        "0912",
        12,
        None,
    ]


def test_sheet_translates_codes():
    sheet = build_sheet(MEMBERS, "vi")
    assert list(sheet["customer_type"]) == ["Sinh hoạt", "Kinh doanh", "Cơ quan"]
    assert list(sheet["risk_band"]) == ["Cao", "Trung bình", "Trung bình"]
    assert sheet.loc[1, "outcome"] == "Từ chối" and sheet.loc[0, "outcome"] is None
    assert build_sheet(MEMBERS, "en").loc[1, "outcome"] == "Refused"


def test_csv_has_a_bom_vietnamese_headers_and_no_live_formulas():
    data = csv_bytes(build_sheet(MEMBERS))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0].startswith(
        "Mã danh sách,STT,Mã khách hàng,Tên khách hàng,Địa chỉ,Xã/phường,Số điện thoại"
    )
    read = pd.read_csv(io.StringIO(text), dtype=str)
    assert read.loc[0, "Tên khách hàng"] == '\'=HYPERLINK("http://x.example","Bấm")'
    assert read.loc[1, "Tên khách hàng"] == "'@Phạm Thị Dung" and read.loc[1, "Địa chỉ"] == "'-Thôn 4"
    assert read.loc[2, "Số điện thoại"] == "'+84987654321" and read.loc[0, "Số điện thoại"] == "0912345678"
    assert read.loc[2, "Tên khách hàng"] == "Nguyễn Văn Ân"
    assert read.loc[0, "Điểm (khả năng chưa chuyển đổi)"] == "0.9731"


def test_xlsx_opens_with_intact_text_frozen_header_widths_and_numbers():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(build_sheet(MEMBERS))))
    page = book.active
    assert page.freeze_panes == "A2"
    headers = [c.value for c in page[1]]
    assert headers[:4] == ["Mã danh sách", "STT", "Mã khách hàng", "Tên khách hàng"]
    assert headers[-3:] == ["Lý do", "Người phụ trách", "Kết quả"]
    assert page.column_dimensions["K"].width > 60 and page.column_dimensions["D"].width > 20
    name, address = page["D2"], page["E3"]
    assert name.value == '=HYPERLINK("http://x.example","Bấm")' and name.data_type == "s"
    assert name.quotePrefix and address.quotePrefix and address.value == "-Thôn 4"
    assert page["D3"].value == "@Phạm Thị Dung" and page["D3"].quotePrefix
    assert page["D4"].value == "Nguyễn Văn Ân" and not page["D4"].quotePrefix
    assert page["K2"].value.startswith("Chưa có số điện thoại liên hệ; Xã có tỷ lệ")
    assert page["I2"].value == pytest.approx(0.9731) and page["I2"].number_format == "0.0%"
    assert page["B4"].value == 4 and page["M3"].value == "Từ chối"
    assert not any(c.data_type == "f" for row in page.iter_rows() for c in row)
    assert str(page.data_validations.dataValidation[0].sqref) == "M2:M4"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_returned_sheet_is_read_back(fmt):
    sheet = build_sheet(MEMBERS)
    sheet.loc[0, ["assigned_to", "outcome"]] = ["Lò Thị Mai", "Đồng ý chuyển đổi"]
    sheet.loc[2, "outcome"] = "khong lien lac duoc"  # typed without accents
    data = xlsx_bytes(sheet) if fmt == "xlsx" else csv_bytes(sheet)
    back = read_returned_sheet(data, f"back.{fmt}")
    assert back[["list_id", "customer_id", "assigned_to", "outcome"]].to_dict("list") == {
        "list_id": [7, 7, 7],
        "customer_id": ["PA1102000123", "PA1102000456", "PA1102000789"],
        "assigned_to": ["Lò Thị Mai", "Hà Văn Sơn", None],
        "outcome": ["agreed", "refused", "unreachable"],
    }


def test_returned_sheet_errors_name_the_problem():
    sheet = build_sheet(MEMBERS)
    sheet.loc[1, "outcome"] = "maybe"
    with pytest.raises(SheetError, match=r"back.csv, row 3: unknown outcome 'maybe'"):
        read_returned_sheet(csv_bytes(sheet), "back.csv")
    with pytest.raises(SheetError, match="missing column.*'Kết quả'"):
        read_returned_sheet(csv_bytes(sheet.drop(columns=["outcome"])), "back.csv")
    with pytest.raises(SheetError, match="not a .xlsx or .csv"):
        read_returned_sheet(b"x", "back.pdf")
