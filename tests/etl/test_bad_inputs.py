"""A corpus of bad inputs, loaded for real into both databases (DESIGN §3).

Each file below says what must happen to it: which rows load (with the values stored), which rows
go to quarantine (line, column, reason), or that the whole file is rejected with a one-line message
and nothing of it loaded. Bytes that matter (encodings, XLSX cells) are built here from inline text.
The corpus loads in one warehouse per database, after the twelve customers of province_fixture.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text

from cashless.settings import LoadSettings
from etl.load import load_file
from etl.quarantine import translate_reason
from tests.conftest import DATABASES, new_warehouse
from tests.processes import cashless
from tests.warehouse.province_fixture import CUSTOMERS
from tests.warehouse.warehouse_state import plain
from warehouse.snapshots import refresh_snapshots

from .files import cp1258, workbook

PAYMENTS = "MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\n"
CUSTOMER_HEADER = "MA_KHANG;MA_DVIQLY;TEN_XA;LOAI_KH;TEN_KHANG;DIA_CHI;SO_DTHOAI;NGAY_HLUC;NGAY_HET_HLUC\n"
# Small chunks, so that a file rejected halfway has already written some chunks in its transaction.
SETTINGS = LoadSettings(chunk_rows=1000, progress=False)


@dataclass(frozen=True)
class Case:
    """A corpus file and what must become of it."""

    name: str
    content: bytes
    kind: str = "payments"
    columns: tuple[str, ...] = ("payment_id",)  # which stored values `loaded` lists
    loaded: list[tuple] = field(default_factory=list)  # stored rows of this file, sorted
    quarantined: dict[int, tuple[str, str]] = field(default_factory=dict)  # line -> (column, reason part)
    rejected: str = ""  # the whole message, when the file is rejected


CUSTOMER_CASES = [
    Case(
        "customers_rules.csv",
        (
            CUSTOMER_HEADER
            + '007;PA1103;Xã E;sinh hoạt;"=HYPERLINK(""http://x.example"",""y"")";@Thôn 1;+84 912 345 678;01/01/2021;\n'
            "N01;PA1199;Xã E;sinh hoạt;A;B;;01/01/2021;\n"
            "N02;;Xã E;sinh hoạt;A;B;;01/01/2021;\n"
            "N03;pa1103;Xã E;sinh hoạt;A;B;;01/01/2021;\n"
            "N04;PA1103;Xã E;xyz;A;B;;01/01/2021;\n"
            "N05;PA1103;Xã E;kinh doanh;A;B;;01/01/2021;31/12/2020\n"
            "N06;PA1103;Xã E;cơ quan;A;B;;;\n"
            "007;PA1103;Xã E;sinh hoạt;again;B;;01/01/2021;\n"
            "N07;PA1103;;;-A;B;;2021-06-15;\n"
            ";PA1103;Xã E;sinh hoạt;A;B;;01/01/2021;\n"
        ).encode(),
        kind="customers",
        columns=(
            "customer_id",
            "office_code",
            "commune",
            "customer_type",
            "name",
            "address",
            "phone",
            "contract_start",
        ),
        loaded=[
            (
                "007",
                "PA1103",
                "Xã E",
                "residential",
                '=HYPERLINK("http://x.example","y")',
                "@Thôn 1",
                "+84 912 345 678",
                "2021-01-01",
            ),
            ("N07", "PA1103", "", "other", "-A", "B", None, "2021-06-15"),
        ],
        quarantined={
            3: ("office_code", "unknown office code 'PA1199'"),
            4: ("office_code", "required office_code is empty"),
            5: ("office_code", "unknown office code 'pa1103'"),
            6: ("customer_type", "unknown customer type: 'xyz'"),
            7: ("contract_end", "contract_end is before contract_start"),
            8: ("contract_start", "required date is empty"),
            9: ("customer_id", "duplicate customer_id in this file"),
            11: ("customer_id", "required customer_id is empty"),
        },
    ),
    Case(
        "customers_too_long.csv",
        (
            CUSTOMER_HEADER
            + f"{'T' * 40};PA1106;{'X' * 200};;{'N' * 200};{'A' * 400};{'0' * 40};01/01/2021;\n"
            f"{'T' * 41};PA1106;Xã G;;A;B;;01/01/2021;\n"
            f"T02;PA1106;{'X' * 201};;A;B;;01/01/2021;\n"
            f"T03;PA1106;Xã G;;{'N' * 201};B;;01/01/2021;\n"
            f"T04;PA1106;Xã G;;A;{'A' * 401};;01/01/2021;\n"
            f"T05;PA1106;Xã G;;A;B;{'0' * 41};01/01/2021;\n"
        ).encode(),
        kind="customers",
        columns=("customer_id", "commune", "name", "address", "phone"),
        loaded=[("T" * 40, "X" * 200, "N" * 200, "A" * 400, "0" * 40)],
        quarantined={
            3: ("customer_id", "longer than 40 characters"),
            4: ("commune", "longer than 200 characters"),
            5: ("name", "longer than 200 characters"),
            6: ("address", "longer than 400 characters"),
            7: ("phone", "longer than 40 characters"),
        },
    ),
    Case(
        "customers.xlsx",
        workbook(
            [
                ["MA_KHANG", "MA_DVIQLY", "TEN_XA", "LOAI_KH", "NGAY_HLUC", "NGAY_HET_HLUC"],
                [42, "PA1104", "Xã F", "sinh hoạt", dt.datetime(2024, 5, 6), None],
                ["0099", "PA1104", "Xã F", "kinh doanh", dt.datetime(2024, 5, 7), dt.datetime(2026, 1, 1)],
                [77, "PA1104", "Xã F", "sinh hoạt", "08/05/2024", None],
                ["0100", "PA1104", "Xã F", "sinh hoạt", dt.datetime(1899, 12, 30), None],
            ],
            number_formats={"A2": "0000"},
        ),
        kind="customers",
        columns=("customer_id", "contract_start", "contract_end"),
        loaded=[
            ("0042", "2024-05-06", None),
            ("0099", "2024-05-07", "2026-01-01"),
            ("77", "2024-05-08", None),
        ],
        quarantined={
            5: ("contract_start", "not a valid date (expected dd/mm/yyyy or yyyy-mm-dd): '00:00:00'")
        },
    ),
    Case(
        "customers_windows1252.csv",
        (CUSTOMER_HEADER + "W01;PA1105;Xã Hà;sinh hoạt;Nguyễn Văn Hà;Thôn 1;;01/01/2021;\n").encode(
            "cp1252", errors="replace"
        ),
        kind="customers",
        rejected="not UTF-8 text: line 2 has bytes in another encoding (Windows-1252 or cp1258?); "
        "save the export as CSV UTF-8",
    ),
]

PAYMENT_CASES = [
    Case(
        "dates.csv",
        (
            PAYMENTS + "D01,C01,202502,05/03/2025,100000,BIDV\n"  # 5 March, never 3 May
            "D02,C01,202501,13/01/2025,100000,BIDV\n"
            "D03,C01,202501,01/13/2025,100000,BIDV\n"  # mm/dd: no 13th month, never guessed
            "D04,C01,202502,2025-03-05,100000,BIDV\n"
            "D05,C01,202502,5/3/2025,100000,BIDV\n"
            "D06,C01,202502,05/03/2025 08:30,100000,BIDV\n"
            "D07,C01,202502,31/02/2025,100000,BIDV\n"
            "D08,C01,202502,2025/03/05,100000,BIDV\n"
            "D09,C01,202502,05-03-2025,100000,BIDV\n"
            "D10,C01,202502,05/03/25,100000,BIDV\n"
            "D11,C01,202502,,100000,BIDV\n"
            "D12,C01,202502,0000-01-01,100000,BIDV\n"
            "D13,C01,202502,12/11/2025,100000,BIDV\n"  # 12 November
        ).encode(),
        columns=("payment_id", "paid_at"),
        loaded=[
            ("D01", "2025-03-05"),
            ("D02", "2025-01-13"),
            ("D04", "2025-03-05"),
            ("D05", "2025-03-05"),
            ("D06", "2025-03-05"),
            ("D13", "2025-11-12"),
        ],
        quarantined={
            4: ("paid_at", "not a valid date (expected dd/mm/yyyy or yyyy-mm-dd): '01/13/2025'"),
            8: ("paid_at", "'31/02/2025'"),
            9: ("paid_at", "'2025/03/05'"),
            10: ("paid_at", "'05-03-2025'"),
            11: ("paid_at", "'05/03/25'"),
            12: ("paid_at", "required date is empty"),
            13: ("paid_at", "date outside 1900-2100: '0000-01-01'"),
        },
    ),
    Case(
        "amounts.csv",
        (
            PAYMENTS.replace(",", ";") + "A01;C02;202502;10/02/2025;1234567;MoMo\n"
            "A02;C02;202502;10/02/2025;1.234.567;MoMo\n"
            "A03;C02;202502;10/02/2025;1,234,567;MoMo\n"
            "A04;C02;202502;10/02/2025;1 234 567;MoMo\n"
            "A05;C02;202502;10/02/2025;1\xa0234\xa0567;MoMo\n"
            "A06;C02;202502;10/02/2025;-5;MoMo\n"
            "A07;C02;202502;10/02/2025;0;MoMo\n"
            "A08;C02;202502;10/02/2025;1,5;MoMo\n"
            "A09;C02;202502;10/02/2025;12.34.5;MoMo\n"
            "A10;C02;202502;10/02/2025;abc;MoMo\n"
            "A11;C02;202502;10/02/2025;;MoMo\n"
            "A12;C02;202502;10/02/2025;1.234,50;MoMo\n"
        ).encode(),
        columns=("payment_id", "amount"),
        loaded=[("A01", 1234567), ("A02", 1234567), ("A03", 1234567), ("A04", 1234567), ("A05", 1234567)],
        quarantined={
            7: ("amount", "not a VND amount (digits, with . , or space between thousands): '-5'"),
            8: ("amount", "amount must be greater than 0"),
            9: ("amount", "'1,5'"),
            10: ("amount", "'12.34.5'"),
            11: ("amount", "'abc'"),
            12: ("amount", "required amount is empty"),
            13: ("amount", "'1.234,50'"),
        },
    ),
    Case(
        "periods.csv",
        (
            PAYMENTS + "P01,C03,202502,11/02/2025,1000,BIDV\n"
            "P02,C03,2025-02,11/02/2025,1000,BIDV\n"
            "P03,C03,02/2025,11/02/2025,1000,BIDV\n"
            "P04,C03,2/2025,11/02/2025,1000,BIDV\n"
            "P05,C03,202513,11/02/2025,1000,BIDV\n"
            "P06,C03,2025,11/02/2025,1000,BIDV\n"
            "P07,C03,13/2025,11/02/2025,1000,BIDV\n"
            "P08,C03,,11/02/2025,1000,BIDV\n"
        ).encode(),
        columns=("payment_id", "bill_period"),
        loaded=[("P01", 202502), ("P02", 202502), ("P03", 202502), ("P04", 202502)],
        quarantined={
            6: ("bill_period", "not a bill period (YYYYMM, YYYY-MM or MM/YYYY): '202513'"),
            7: ("bill_period", "'2025'"),
            8: ("bill_period", "'13/2025'"),
            9: ("bill_period", "''"),
        },
    ),
    Case(
        "channels.csv",
        (
            PAYMENTS + "K01,C06,202501,20/02/2025,50.000,SmartPay\n"
            "K02,C10,202501,21/02/2025,50.000,thu tai quay\n"
            "K03,C10,202501,22/02/2025,50.000,  BƯU   ĐIỆN \n"
            "K04,C10,202501,23/02/2025,50.000,Thu hộ đối tác ABC\n"
            "K05,C10,202501,24/02/2025,50.000,\n"
        ).encode(),
        columns=("payment_id", "channel", "catalog_channel"),
        loaded=[
            ("K01", "SmartPay", None),
            ("K02", "thu tai quay", "Thu tại quầy"),
            ("K03", "BƯU   ĐIỆN", "VNPost"),
            ("K04", "Thu hộ đối tác ABC", None),
        ],
        quarantined={6: ("channel", "required channel is empty")},
    ),
    Case(
        "formulas.csv",
        (
            PAYMENTS + 'F01,C07,202501,11/02/2025,10.000,"=HYPERLINK(""http://evil.example"",""Bấm"")"\n'
            "F02,C07,202501,12/02/2025,10.000,+84912345678\n"
            "F03,C07,202501,13/02/2025,10.000,-Thu tại quầy\n"
            "F04,C07,202501,14/02/2025,10.000,@SUM(A1:A9)\n"
            "=1+1,C07,202501,15/02/2025,10.000,BIDV\n"
            "F06,C07,202501,16/02/2025,=1+1,BIDV\n"
            "F07,=C07,202501,17/02/2025,10.000,BIDV\n"
        ).encode(),
        columns=("payment_id", "channel"),
        loaded=[
            ("=1+1", "BIDV"),
            ("F01", '=HYPERLINK("http://evil.example","Bấm")'),
            ("F02", "+84912345678"),
            ("F03", "-Thu tại quầy"),
            ("F04", "@SUM(A1:A9)"),
        ],
        quarantined={
            7: ("amount", "'=1+1'"),
            8: ("customer_id", "unknown customer_id '=C07' (load customers first)"),
        },
    ),
    Case(
        "too_long.csv",
        (
            PAYMENTS + f"{'G' * 64},C08,202502,08/03/2025,1000,{'B' * 200}\n"
            f"{'G' * 65},C08,202502,08/03/2025,1000,BIDV\n"
            f"T66,C08,202502,08/03/2025,1000,{'B' * 201}\n"
        ).encode(),
        columns=("payment_id", "channel"),
        loaded=[("G" * 64, "B" * 200)],
        quarantined={
            3: ("payment_id", "longer than 64 characters"),
            4: ("channel", "longer than 200 characters"),
        },
    ),
    Case(
        "duplicates_without_ids.csv",
        (
            b"MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\n"
            b"C11,202501,09/02/2025,80.000,MoMo\n"
            b"C11,202501,09/02/2025,80.000,MoMo\n"  # a second, identical payment: kept
            b"C12,202501,28/02/2025,60.000,ZaloPay\n"
        ),
        columns=("customer_id", "paid_at", "amount"),
        loaded=[("C11", "2025-02-09", 80000), ("C11", "2025-02-09", 80000), ("C12", "2025-02-28", 60000)],
    ),
    Case(
        "duplicates_with_ids.csv",
        (
            PAYMENTS + "R01,C11,202501,10/02/2025,80.000,MoMo\n"
            "R01,C11,202501,10/02/2025,80.000,MoMo\n"  # the same transaction twice: one payment
            "R02,C11,202501,11/02/2025,90.000,MoMo\n"
            "R02,C11,202501,11/02/2025,95.000,MoMo\n"  # corrected further down: the last row wins
        ).encode(),
        columns=("payment_id", "amount"),
        loaded=[("R01", 80000), ("R02", 95000)],
    ),
    Case(
        "short_and_blank_rows.csv",
        (
            b"MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT,MA_GD\r\n"
            b"\r\n"
            b"C09,202501,03/02/2025,1000,BIDV,S01\r\n"
            b"C09,202501,04/02/2025,2000,BIDV\r\n"  # no MA_GD field at all: a hash id
            b",,,,,\r\n"
            b"C09,202501,05/02/2025\r\n"
            b"\r\n"
            b"C99,202501,06/02/2025,1000,BIDV,S04\r\n"
        ),
        columns=("paid_at", "amount"),
        loaded=[("2025-02-03", 1000), ("2025-02-04", 2000)],
        quarantined={
            6: ("amount", "required amount is empty"),
            8: ("customer_id", "unknown customer_id 'C99' (load customers first)"),
        },
    ),
    Case(
        "bom_crlf_semicolons.csv",
        (
            "\ufeff" + PAYMENTS.replace(",", ";") + "U01;C05;2025-02;05/03/2025;55.000;Thu tại quầy\r\n"
        ).encode(),
        columns=("payment_id", "channel"),
        loaded=[("U01", "Thu tại quầy")],
    ),
    Case("header_only.csv", PAYMENTS.encode()),
    Case(
        "payments.xlsx",
        workbook(
            [
                ["MA_GD", "MA_KHANG", "KY_HD", "NGAY_TT", "SO_TIEN", "KENH_TT"],
                ["X01", "0042", 202502, dt.datetime(2025, 3, 5), 1234567, "MoMo"],
                ["X02", 42, dt.datetime(2025, 2, 1), "06/03/2025", 1234567.0, "VNPay"],
                [None, None, None, None, None, None],
                ["X03", 42, 202502, dt.datetime(2025, 3, 7), 1000, "MoMo"],
                ["X04", "0042", 202502, dt.datetime(2025, 3, 7), 1234.5, "MoMo"],
                ["X05", "0042", 202502, 45717, 1000, "MoMo"],
                [
                    "X06",
                    "0099",
                    "02/2025",
                    dt.datetime(2025, 3, 8),
                    5000,
                    '=HYPERLINK("http://x.example","y")',
                ],
                ["X07", "0099", 202502, dt.datetime(1899, 12, 30), 1000, "MoMo"],
            ],
            number_formats={"B3": "0000", "C3": "mm/yyyy"},
            texts=("F8",),
        ),
        columns=("payment_id", "customer_id", "bill_period", "paid_at", "amount", "channel"),
        loaded=[
            ("X01", "0042", 202502, "2025-03-05", 1234567, "MoMo"),
            ("X02", "0042", 202502, "2025-03-06", 1234567, "VNPay"),
            ("X06", "0099", 202502, "2025-03-08", 5000, '=HYPERLINK("http://x.example","y")'),
        ],
        quarantined={
            5: ("customer_id", "unknown customer_id '42'"),
            6: ("amount", "'1234.5'"),
            7: ("paid_at", "'45717'"),
            9: ("paid_at", "'00:00:00'"),  # Excel's day zero is read as a time of day
        },
    ),
    Case(
        "workbook_saved_as.csv",
        workbook([PAYMENTS.strip().split(","), ["Y01", "C08", "202502", "07/03/2025", "1.000", "Viettel"]]),
        loaded=[("Y01",)],
    ),
    Case(
        "cp1258.csv",
        PAYMENTS.encode() + cp1258("V01,C08,202502,05/03/2025,55.000,Thu tại quầy\n"),
        rejected="not UTF-8 text: line 2 has bytes in another encoding (Windows-1252 or cp1258?); "
        "save the export as CSV UTF-8",
    ),
    Case(
        "cp1258_after_20000_good_rows.csv",
        PAYMENTS.encode()
        + "".join(f"L{i:05d},C08,202502,05/03/2025,1000,BIDV\n" for i in range(20_000)).encode()
        + cp1258("L99999,C08,202502,05/03/2025,1000,Bưu điện\n"),
        rejected="not UTF-8 text: line 20002 has bytes in another encoding (Windows-1252 or cp1258?); "
        "save the export as CSV UTF-8",
    ),
    Case(
        "utf16.csv",
        (PAYMENTS + "V02,C08,202502,05/03/2025,55.000,BIDV\n").encode("utf-16"),
        rejected="UTF-16 text (Excel's 'Unicode Text'); save the export as CSV UTF-8",
    ),
    Case("empty.csv", b"", rejected="the file is empty"),
    Case("blank.csv", b"\r\n\r\n", rejected="no header row"),
    Case(
        "missing_column.csv",
        b"MA_GD,MA_KHANG,KY_HD,SO_TIEN,KENH_TT\nM01,C08,202502,1000,BIDV\n",
        rejected="missing required column 'paid_at' (one of NGAY_TT, Ngày thanh toán, paid_at)",
    ),
    Case(
        "duplicated_column.csv",
        b"MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT,ma_kh\nM02,C08,202502,05/03/2025,1000,BIDV,C08\n",
        rejected="column 'customer_id' appears twice (header 'ma_kh')",
    ),
    Case(
        "ragged.csv",
        (PAYMENTS + "M03,C08,202502,05/03/2025,1000,BIDV\nM04,C08,202502,05/03/2025,1,000,BIDV\n").encode(),
        rejected="not a well-formed CSV table: Error tokenizing data. C error: Expected 6 fields in line 3, saw 7",
    ),
    Case(
        "unclosed_quote.csv",
        (PAYMENTS + 'M05,C08,202502,05/03/2025,1000,"BIDV\nM06,C08,202502,05/03/2025,1000,BIDV\n').encode(),
        rejected="not a well-formed CSV table: Error tokenizing data. C error: EOF inside string starting at row 1",
    ),
    Case(
        "nul_byte.csv",
        (PAYMENTS + "M07,C08,202502,05/03/2025,1000,BI\x00DV\n").encode(),
        rejected=f"not a text table: NUL byte at byte {len(PAYMENTS) + 33} (binary or UTF-16 content); "
        "save the export as CSV UTF-8",
    ),
    Case(
        "picture.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
        rejected="not UTF-8 text: line 1 has bytes in another encoding (Windows-1252 or cp1258?); "
        "save the export as CSV UTF-8",
    ),
    Case(
        "broken_old_excel.xls",  # a real .xls is read (see the report-shaped cases)
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        rejected="not a readable XLS workbook: Cannot detect file format",
    ),
    Case(
        "broken.xlsx",
        workbook(
            [PAYMENTS.strip().split(",")]
            + [[f"Z{i}", "C08", "202502", "07/03/2025", "1.000", "MoMo"] for i in range(300)]
        )[:-200],
        rejected="not a readable XLSX workbook: File is not a zip file",
    ),
    Case(
        "typo_dates.csv",
        (
            PAYMENTS + "Y01,C01,202502,20/03/2052,1000,BIDV\n"
            "Y02,C01,202502,20/03/1999,1000,BIDV\n"
            "Y03,C01,202502,20/03/2025,1000,BIDV\n"
        ).encode(),
        loaded=[("Y03",)],
        quarantined={
            2: ("paid_at", "payment dated after the day of the load"),
            3: ("paid_at", "payment dated before 01/01/2000"),
        },
    ),
    Case(
        "id_of_another_customer.csv",  # R01 is C11's (duplicates_with_ids.csv)
        (
            PAYMENTS + "R01,C12,202501,10/02/2025,80.000,MoMo\nR03,C12,202501,10/02/2025,80.000,MoMo\n"
        ).encode(),
        loaded=[("R03",)],
        quarantined={2: ("payment_id", "transaction id already used for another customer")},
    ),
    Case(
        "report.xlsx",
        workbook(
            [
                ["CÔNG TY ĐIỆN LỰC TUYÊN QUANG"],
                ["BÁO CÁO THU TIỀN ĐIỆN KỲ 02/2025"],
                [],
                [
                    "STT",
                    "Mã giao dịch",
                    "Mã khách hàng",
                    "Kỳ hóa đơn",
                    "Ngày thanh toán",
                    "Số tiền",
                    "Kênh thanh toán",
                ],
                [1, "W01", "0042", 202502, dt.datetime(2025, 3, 9), 1000, "MoMo"],
                [2, "W02", "C99", 202502, dt.datetime(2025, 3, 9), 1000, "MoMo"],
                ["Tổng cộng", None, None, None, None, 2000, None],
            ]
        ),
        loaded=[("W01",)],
        quarantined={6: ("customer_id", "unknown customer_id 'C99'")},
    ),
]
CASES = CUSTOMER_CASES + PAYMENT_CASES

_STORED = {
    "payments": "SELECT p.payment_id, c.customer_id, p.bill_period, p.paid_at, p.amount, n.raw_text AS channel, "
    "k.channel AS catalog_channel FROM payments p JOIN customers c ON c.customer_key = p.customer_key "
    "JOIN channel_names n ON n.id = p.channel_name_id LEFT JOIN channels k ON k.key = n.key "
    "WHERE p.load_run_id = :run",
    "customers": "SELECT c.customer_id, c.office_code, m.name AS commune, c.customer_type, c.name, c.address, "
    "c.phone, c.contract_start, c.contract_end FROM customers c JOIN communes m ON m.id = c.commune_id "
    "WHERE c.load_run_id = :run",
}


def _totals(conn) -> tuple[int, int, int]:
    return tuple(
        conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
        for t in ("customers", "payments", "quarantine")
    )


@pytest.fixture(scope="module", params=DATABASES)
def corpus(request, tmp_path_factory):
    """Load every corpus file; per file: the load result, its stored rows and quarantine, totals before/after."""
    folder = tmp_path_factory.mktemp("corpus")
    engine = new_warehouse(request, folder)
    (folder / "customers_base.csv").write_text(CUSTOMERS, encoding="utf-8")
    assert load_file(engine, "customers", folder / "customers_base.csv", SETTINGS).loaded == 12
    outcomes = {}
    for case in CASES:
        path = folder / case.name
        path.write_bytes(case.content)
        with engine.connect() as conn:
            before = _totals(conn)
        result = load_file(engine, case.kind, path, SETTINGS)
        with engine.connect() as conn:
            run = conn.execute(
                text("SELECT MAX(id) FROM load_runs WHERE file_name = :f"), {"f": str(path)}
            ).scalar()
            stored = [dict(row._mapping) for row in conn.execute(text(_STORED[case.kind]), {"run": run})]
            quarantined = conn.execute(
                text("SELECT row_number, column_name, reason FROM quarantine WHERE load_run_id = :run"),
                {"run": run},
            ).all()
            outcomes[case.name] = (result, stored, quarantined, before, _totals(conn))
    refresh_snapshots(engine)
    yield engine, outcomes
    engine.dispose()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_file_loads_what_is_good_and_quarantines_the_rest(corpus, case):
    _, outcomes = corpus
    result, stored, quarantined, before, after = outcomes[case.name]
    if case.rejected:
        assert (result.status, result.message) == ("rejected", case.rejected)
        assert after == before  # nothing of it: no customer, payment or quarantine row
        return
    assert result.status == "loaded", result.message
    assert sorted(tuple(plain(row[c]) for c in case.columns) for row in stored) == sorted(case.loaded)
    assert {line: column for line, column, _ in quarantined} == {
        line: column for line, (column, _) in case.quarantined.items()
    }
    for line, _, reason in quarantined:
        assert case.quarantined[line][1] in reason
    assert result.rows_read == result.loaded + result.quarantined  # every row accounted for
    assert result.loaded - result.updated == len(stored)
    assert result.quarantined == len(case.quarantined)


def test_unknown_channels_are_flagged_and_count_as_not_cashless(corpus):
    engine, _ = corpus
    with engine.connect() as conn:
        unknown = conn.execute(
            text(
                "SELECT n.raw_text FROM channel_names n LEFT JOIN channels c ON c.key = n.key WHERE c.key IS NULL"
            )
        ).scalars()
        c06 = conn.execute(
            text(
                "SELECT s.day, s.cashless FROM customer_status_changes s "
                "JOIN customers c ON c.customer_key = s.customer_key WHERE c.customer_id = 'C06'"
            )
        ).all()
    assert set(unknown) >= {"SmartPay", "Thu hộ đối tác ABC", "@SUM(A1:A9)"}
    assert [tuple(plain(v) for v in row) for row in c06] == [("2025-02-20", 0)]  # paid only through SmartPay


def test_the_command_line_reports_every_file_in_one_line_each(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    (tmp_path / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    paths = []
    for case in PAYMENT_CASES:
        (tmp_path / case.name).write_bytes(case.content)
        paths.append(str(tmp_path / case.name))
    cashless(url, "db", "upgrade")
    cashless(url, "load", "customers", str(tmp_path / "customers.csv"))
    done = cashless(url, "load", "payments", *paths, check=False)
    rejected = [case for case in PAYMENT_CASES if case.rejected]
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"cashless: {len(rejected)} file(s) rejected, e.g. ")
    lines = done.stdout.splitlines()
    for case in rejected:
        assert f"{tmp_path / case.name}: rejected: {case.rejected}" in lines
    assert (
        f"{len(PAYMENT_CASES)} file(s): {len(PAYMENT_CASES) - len(rejected)} loaded, 0 skipped, {len(rejected)} rejected"
        in lines[-1]
    )


def test_every_quarantine_reason_reads_in_vietnamese(corpus):
    engine, _ = corpus
    with engine.connect() as conn:
        reasons = conn.execute(text("SELECT DISTINCT reason FROM quarantine")).scalars().all()
    assert len(reasons) > 30
    for reason in reasons:  # strict: a message written outside the text table raises
        assert translate_reason(reason, "vi", strict=True) != reason
        assert translate_reason(reason, "en") == reason
    assert (
        translate_reason("paid_at: not a valid date (expected dd/mm/yyyy or yyyy-mm-dd): '01/13/2025'")
        == "Ngày thanh toán: không phải ngày hợp lệ (cần dd/mm/yyyy hoặc yyyy-mm-dd): '01/13/2025'"
    )
    assert (
        translate_reason("customer_id: required customer_id is empty; amount: amount must be greater than 0")
        == "Mã khách hàng: Mã khách hàng bắt buộc đang để trống; Số tiền: số tiền phải lớn hơn 0"
    )
