"""Exports as people really send them, and re-sends that must not lose data (issue 12), on both databases.

Each test loads the twelve customers of province_fixture (plus '0042'), then files built inline or
committed under fixtures/, and checks the exact counts of customers, payments and quarantined rows
before and after, and the stored values.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import text

from cashless.settings import LoadSettings
from etl.load import load_file, load_files
from etl.quarantine import quarantine_download
from tests.processes import cashless
from tests.warehouse.province_fixture import CUSTOMERS, FEBRUARY, JANUARY
from tests.warehouse.warehouse_state import plain
from warehouse.access import AccessDenied, Viewer, operator
from warehouse.metrics import customer_counts, data_period
from warehouse.snapshots import refresh_snapshots

FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = LoadSettings(chunk_rows=1000, progress=False)
HEADER = CUSTOMERS.splitlines()[0]
EXTRA_CUSTOMER = "0042;PA1101;Xã A;sinh hoạt;Mai Văn Tư;Thôn 4, Xã A;0911000042;01/01/2020;\n"


def _setup(engine, folder: Path) -> None:
    _load(engine, folder, "customers", "customers.csv", CUSTOMERS + EXTRA_CUSTOMER, loaded=13)


def _load(engine, folder: Path, kind: str, name: str, content, **expected):
    """Load one file; `expected` fields of its LoadResult must match exactly."""
    path = folder / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    result = load_file(engine, kind, path, SETTINGS)
    assert result.status == "loaded", result.message
    assert {key: getattr(result, key) for key in expected} == expected
    return result


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
            for table in ("customers", "payments", "quarantine")
        )


def _rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(plain(v) for v in row) for row in conn.execute(text(sql), params)]


def _payments(engine) -> list[tuple]:
    return sorted(
        _rows(
            engine,
            "SELECT p.payment_id, c.customer_id, p.paid_at, p.amount, n.raw_text FROM payments p "
            "JOIN customers c ON c.customer_key = p.customer_key JOIN channel_names n ON n.id = p.channel_name_id",
        )
    )


def _quarantine(engine) -> list[tuple]:
    return _rows(engine, "SELECT row_number, column_name, reason FROM quarantine ORDER BY id")


def _report_xlsx() -> bytes:
    """A payments report as the billing screen exports it: title block, STT, header on row 6, totals."""
    book = Workbook()
    sheet = book.active
    sheet.append(["CÔNG TY ĐIỆN LỰC TUYÊN QUANG"])
    sheet.append(["ĐIỆN LỰC YÊN SƠN"])
    sheet.append([])
    sheet.append(["DANH SÁCH KHÁCH HÀNG THANH TOÁN TIỀN ĐIỆN KỲ 02/2025"])
    sheet.append([])
    sheet.append(["STT", "MA_GD", "MA_KHANG", "KY_HD", "NGAY_TT", "SO_TIEN", "KENH_TT", "Ghi chú"])
    sheet.append([1, "XR01", "C01", 202502, dt.datetime(2025, 3, 3), 100000, "BIDV", None])
    sheet.append([2, "XR02", "0042", 202502, dt.datetime(2025, 3, 4), 20000, "MoMo", "lẻ"])
    sheet.append([3, None, "C02", 202502, dt.datetime(2025, 3, 4), 30000, "MoMo", None])  # merged below
    sheet.append([4, "XR04", "C03", 202502, None, 40000, "Thu tại quầy", None])
    sheet.append(["Tổng cộng", None, None, None, None, 190000, None, None])
    sheet.merge_cells("A1:H1")
    sheet.merge_cells("A4:H4")
    sheet.merge_cells("E9:E10")  # the same payment day for two rows, shown once
    sheet.merge_cells("A11:C11")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


REPORT_LOADED = [
    ("C01", "2025-03-03", 100000, "BIDV"),
    ("0042", "2025-03-04", 20000, "MoMo"),
    ("C02", "2025-03-04", 30000, "MoMo"),
    ("C03", "2025-03-04", 40000, "Thu tại quầy"),
]


def test_a_report_shaped_workbook_loads_below_its_title_and_skips_its_totals(engine, tmp_path):
    _setup(engine, tmp_path)
    assert _counts(engine) == (13, 0, 0)
    _load(engine, tmp_path, "payments", "report.xlsx", _report_xlsx(), loaded=4, quarantined=0, footers=1)
    assert _counts(engine) == (13, 4, 0)
    assert sorted(row[1:] for row in _payments(engine)) == sorted(REPORT_LOADED)


def test_xls_and_ods_reports_load(engine, tmp_path):
    _setup(engine, tmp_path)
    for name in ("payments_report.xls", "payments_report.ods"):
        _load(engine, tmp_path, "payments", name, (FIXTURES / name).read_bytes(), loaded=3, footers=1)
    assert _counts(engine) == (13, 3, 0)  # the same transaction ids twice: the second file updates
    assert _payments(engine) == [
        ("XL01", "C01", "2025-03-03", 100000, "BIDV"),
        ("XL02", "0042", "2025-03-04", 20000, "MoMo"),
        ("XL03", "C02", "2025-03-05", 30000, "Thu tại quầy"),
    ]


def test_a_csv_report_with_title_rows_numbering_and_totals(engine, tmp_path):
    _setup(engine, tmp_path)
    content = (
        "BÁO CÁO THU TIỀN ĐIỆN\n"
        "Kỳ 02/2025\n"
        "\n"
        "STT;MA_KHANG;KY_HD;NGAY_TT;SO_TIEN;KENH_TT\n"
        "1;C01;202502;03/03/2025;100.000;BIDV\n"
        "2;C99;202502;03/03/2025;5.000;BIDV\n"
        ";;;;105.000;\n"  # a total without an id: a footer
        "Cộng;;;;105.000;\n"
    )
    result = _load(engine, tmp_path, "payments", "report.csv", content, loaded=1, quarantined=1, footers=2)
    assert result.rows_read == 2
    assert "2 footer row(s) skipped" in result.summary()
    assert _counts(engine) == (13, 1, 1)
    assert _quarantine(engine) == [
        (6, "customer_id", "customer_id: unknown customer_id 'C99' (load customers first)")
    ]


def test_a_row_without_an_id_is_a_footer_only_when_it_reads_as_a_total(engine, tmp_path):
    _setup(engine, tmp_path)
    content = (
        "MA_KHANG;KY_HD;NGAY_TT;SO_TIEN;KENH_TT\n"
        ";202502;03/03/2025;100.000;Công ty ABC thu hộ\n"  # a payment missing its id: quarantined
        "Tổng cộng (1 khách hàng);;;100.000;\n"
    )
    _load(engine, tmp_path, "payments", "p.csv", content, loaded=0, quarantined=1, footers=1)
    assert _counts(engine) == (13, 0, 1)
    assert _quarantine(engine) == [(2, "customer_id", "customer_id: required customer_id is empty")]


def test_a_file_without_a_header_in_its_first_30_rows_is_rejected(engine, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("x\n" * 30 + "MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\nC01,202502,03/03/2025,1000,BIDV\n")
    result = load_file(engine, "payments", path, SETTINGS)
    assert result.status == "rejected"
    assert result.message.startswith("missing required column 'customer_id'")
    assert _counts(engine) == (0, 0, 0)


def _customer(engine, customer_id: str) -> tuple:
    (row,) = _rows(
        engine,
        "SELECT c.office_code, m.name, c.customer_type, c.name, c.address, c.phone, c.contract_start, "
        "c.contract_end FROM customers c JOIN communes m ON m.id = c.commune_id WHERE c.customer_id = :id",
        id=customer_id,
    )
    return row


def test_a_thin_customers_file_changes_only_the_columns_it_carries(engine, tmp_path):
    _setup(engine, tmp_path)
    before = _customer(engine, "C01")
    assert before == (
        "PA1101",
        "Xã A",
        "residential",
        "Nguyễn Văn An",
        "Thôn 1, Xã A",
        "0912345678",
        "2020-01-01",
        None,
    )
    thin = "MA_KHANG,MA_DVIQLY,NGAY_HLUC,NGAY_HET_HLUC\nC01,PA1101,01/01/2020,31/03/2025\n"
    _load(engine, tmp_path, "customers", "closed.csv", thin, loaded=1, updated=1, quarantined=0)
    assert _counts(engine) == (13, 0, 0)
    assert _customer(engine, "C01") == before[:-1] + ("2025-03-31",)


def test_an_empty_cell_in_a_carried_column_clears_the_stored_value(engine, tmp_path):
    _setup(engine, tmp_path)
    content = "MA_KHANG;MA_DVIQLY;SO_DTHOAI;LOAI_KH;NGAY_HLUC;NGAY_HET_HLUC\nC01;PA1101;;;01/01/2020;\n"
    _load(engine, tmp_path, "customers", "phones.csv", content, loaded=1, updated=1)
    assert _customer(engine, "C01") == (
        "PA1101", "Xã A", "other", "Nguyễn Văn An", "Thôn 1, Xã A", None, "2020-01-01", None
    )  # fmt: skip


def test_a_customer_moving_office_or_commune(engine, tmp_path):
    _setup(engine, tmp_path)
    _load(engine, tmp_path, "payments", "jan.csv", JANUARY, loaded=6)
    _load(engine, tmp_path, "payments", "feb.csv", FEBRUARY, loaded=11, quarantined=3)
    refresh_snapshots(engine)
    with engine.connect() as conn:
        before = customer_counts(conn, dt.date(2025, 2, 28), "commune").set_index("commune")
    assert (before.loc["Xã A", "active_customers"], before.loc["Xã A", "cashless_customers"]) == (4, 2)
    # C01 (cashless) moves to Xã B of the same office; C03 moves office without its commune column.
    _load(
        engine,
        tmp_path,
        "customers",
        "move1.csv",
        f"{HEADER}\nC01;PA1101;Xã B;sinh hoạt;A;B;;01/01/2020;\n",
        updated=1,
    )
    _load(
        engine,
        tmp_path,
        "customers",
        "move2.csv",
        "MA_KHANG;MA_DVIQLY;NGAY_HLUC\nC03;PA1102;01/01/2020\n",
        updated=1,
    )
    assert _customer(engine, "C01")[:2] == ("PA1101", "Xã B")
    assert _customer(engine, "C03")[:2] == ("PA1102", "")  # the new office's "commune not given"
    assert _customer(engine, "C03")[3] == "Lê Văn Cường"  # the rest untouched
    refresh_snapshots(engine)
    with engine.connect() as conn:
        communes = customer_counts(conn, dt.date(2025, 2, 28), "commune")
        offices = customer_counts(conn, dt.date(2025, 2, 28), "office").set_index("office_code")
    figures = {
        (r.office_code, r.commune): (r.active_customers, r.cashless_customers) for r in communes.itertuples()
    }
    assert figures[("PA1101", "Xã A")] == (2, 1)  # C02 and 0042 left; C02 is cashless
    assert figures[("PA1101", "Xã B")] == (2, 1)  # C01 (cashless) and C06; C04 ended, C05 not started
    assert figures[("PA1102", "")] == (1, 0)  # C03 slipped back to cash in February
    assert (offices.loc["PA1101", "active_customers"], offices.loc["PA1102", "active_customers"]) == (4, 6)


def test_payments_dated_by_a_typo_are_quarantined_and_never_become_the_latest_day(engine, tmp_path):
    _setup(engine, tmp_path)
    content = (
        "MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\n"
        "T01,C01,202502,10/02/2025,1000,BIDV\n"
        "T02,C02,202502,20/03/2052,1000,BIDV\n"
        "T03,C03,202502,20/03/1999,1000,BIDV\n"
        f"T04,C03,202502,{dt.date.today() + dt.timedelta(days=1):%d/%m/%Y},1000,BIDV\n"
        f"T05,C03,202502,{dt.date.today() + dt.timedelta(days=2):%d/%m/%Y},1000,BIDV\n"
    )
    _load(engine, tmp_path, "payments", "typo.csv", content, loaded=2, quarantined=3)
    assert _counts(engine) == (13, 2, 3)
    assert [(line, column) for line, column, _ in _quarantine(engine)] == [
        (3, "paid_at"),
        (4, "paid_at"),
        (6, "paid_at"),
    ]
    assert "after the day of the load" in _quarantine(engine)[0][2]
    assert "before 01/01/2000" in _quarantine(engine)[1][2]
    refresh_snapshots(engine)
    with engine.connect() as conn:
        assert data_period(conn)[1] == dt.date.today() + dt.timedelta(days=1)
    # without the slack day's payment, the latest day is the real one
    engine_rows = _rows(engine, "SELECT MAX(paid_at) FROM payments WHERE payment_id <> 'T04'")
    assert engine_rows == [("2025-02-10",)]


def test_a_contract_ending_before_it_starts_is_quarantined(engine, tmp_path):
    _setup(engine, tmp_path)
    content = f"{HEADER}\nN01;PA1101;Xã A;;A;B;;01/03/2025;01/02/2025\nN02;PA1101;Xã A;;A;B;;01/03/2025;01/03/2025\n"
    _load(engine, tmp_path, "customers", "n.csv", content, loaded=1, quarantined=1)
    assert _counts(engine) == (14, 0, 1)
    assert _quarantine(engine)[0][:2] == (2, "contract_end")


def test_payments_dated_before_their_contract_starts_load_but_count_from_the_start(engine, tmp_path):
    _setup(engine, tmp_path)  # C05's contract starts on 01/03/2025
    content = "MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\nC05,202502,20/02/2025,1000,BIDV\n"
    _load(engine, tmp_path, "payments", "early.csv", content, loaded=1, quarantined=0)
    assert _counts(engine) == (13, 1, 0)
    refresh_snapshots(engine)
    with engine.connect() as conn:
        feb = customer_counts(conn, dt.date(2025, 2, 28), "office").set_index("office_code")
        mar = customer_counts(conn, dt.date(2025, 3, 1), "office").set_index("office_code")
    assert (feb.loc["PA1101", "active_customers"], feb.loc["PA1101", "cashless_customers"]) == (5, 0)
    assert (mar.loc["PA1101", "active_customers"], mar.loc["PA1101", "cashless_customers"]) == (6, 1)


ID_PAYMENTS = "MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\n"
TAKEN = "payment_id: transaction id already used for another customer (first one kept)"


def test_a_transaction_id_stored_for_another_customer_never_overwrites(engine, tmp_path):
    _setup(engine, tmp_path)
    _load(
        engine, tmp_path, "payments", "a.csv", ID_PAYMENTS + "R01,C01,202502,10/02/2025,1000,BIDV\n", loaded=1
    )
    again = ID_PAYMENTS + "R01,C02,202502,11/02/2025,2000,MoMo\nR01,C01,202502,10/02/2025,1500,BIDV\n"
    _load(engine, tmp_path, "payments", "b.csv", again, loaded=1, updated=1, quarantined=1)
    assert _counts(engine) == (13, 1, 1)
    assert _payments(engine) == [("R01", "C01", "2025-02-10", 1500, "BIDV")]
    assert _quarantine(engine) == [(2, "payment_id", TAKEN)]


def test_a_transaction_id_repeated_for_another_customer_in_one_file(engine, tmp_path):
    _setup(engine, tmp_path)
    content = ID_PAYMENTS + "S01,C01,202502,10/02/2025,1000,BIDV\nS01,C02,202502,11/02/2025,2000,MoMo\n"
    _load(engine, tmp_path, "payments", "s.csv", content, loaded=1, quarantined=1)
    assert _counts(engine) == (13, 1, 1)
    assert _payments(engine) == [("S01", "C01", "2025-02-10", 1000, "BIDV")]
    assert _quarantine(engine) == [(3, "payment_id", TAKEN)]


NO_IDS = "MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\n"


def test_payments_without_ids_same_payment_in_two_files_is_one_identical_in_one_file_are_two(
    engine, tmp_path
):
    _setup(engine, tmp_path)
    two = NO_IDS + "C01,202502,10/02/2025,1000,BIDV\nC01,202502,10/02/2025,1000,BIDV\n"
    _load(engine, tmp_path, "payments", "two.csv", two, loaded=2, updated=0)
    assert _counts(engine) == (13, 2, 0)
    overlap = NO_IDS + "C01,202502,10/02/2025,1000,BIDV\nC02,202502,10/02/2025,1000,BIDV\n"
    _load(engine, tmp_path, "payments", "overlap.csv", overlap, loaded=2, updated=1)
    assert _counts(engine) == (13, 3, 0)
    respelled = NO_IDS + "C02,202502,10/02/2025,1000,Ví MoMo\n"  # the channel corrected in a re-export
    _load(engine, tmp_path, "payments", "respelled.csv", respelled, loaded=1, updated=1)
    assert _counts(engine) == (13, 3, 0)
    assert [row[1:] for row in _payments(engine)] == sorted(
        [
            ("C01", "2025-02-10", 1000, "BIDV"),
            ("C01", "2025-02-10", 1000, "BIDV"),
            ("C02", "2025-02-10", 1000, "Ví MoMo"),
        ]
    )


def test_loading_the_same_rows_in_several_files_in_any_order_gives_the_same_warehouse(engine, tmp_path):
    """A fixed split, both orders (the hypothesis property in test_split_properties runs on SQLite)."""
    _setup(engine, tmp_path)
    rows = FEBRUARY.splitlines()[1:]
    first, second = rows[::2], rows[1::2]
    names = []
    for index, part in enumerate((second, first)):
        path = tmp_path / f"part{index}.csv"
        path.write_text("\n".join([FEBRUARY.splitlines()[0], *part]) + "\n", encoding="utf-8")
        names.append(path)
    load_files(engine, "payments", names, SETTINGS)
    split = _payments(engine)
    assert len(split) == 11
    assert _counts(engine) == (13, 11, 3)


def test_the_quarantine_download_holds_the_original_rows_and_the_reason_ready_to_send_again(engine, tmp_path):
    _setup(engine, tmp_path)
    content = (
        "MA_GD;MA_KHANG;KY_HD;NGAY_TT;SO_TIEN;KENH_TT;STT\n"
        "Q01;C01;202502;10/02/2025;1.000;BIDV;1\n"
        "Q02;C01;202502;31/02/2025;2.000;BIDV;2\n"
        "Q03;C77;202502;11/02/2025;3.000;MoMo;3\n"
    )
    _load(engine, tmp_path, "payments", "q.csv", content, loaded=1, quarantined=2)
    with engine.connect() as conn:
        run = conn.execute(text("SELECT MAX(id) FROM load_runs")).scalar()
        vi = quarantine_download(conn, operator(), run).decode("utf-8-sig")
        en = quarantine_download(conn, operator(), run, "en").decode("utf-8-sig")
        with pytest.raises(AccessDenied):
            quarantine_download(conn, Viewer("m", "manager", "PA1101"), run)
    assert vi.splitlines() == [
        "MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT,Dòng trong tệp gốc,Lý do lỗi",
        "Q02,C01,202502,31/02/2025,2.000,BIDV,3,"
        "Ngày thanh toán: không phải ngày hợp lệ (cần dd/mm/yyyy hoặc yyyy-mm-dd): '31/02/2025'",
        "Q03,C77,202502,11/02/2025,3.000,MoMo,4,Mã khách hàng: mã khách hàng chưa có 'C77' (nạp tệp khách hàng trước)",
    ]
    assert en.splitlines()[2].endswith("customer_id: unknown customer_id 'C77' (load customers first)")
    fixed = vi.replace("31/02/2025", "28/02/2025").replace("C77", "C02")  # the clerk's corrections
    _load(engine, tmp_path, "payments", "fixed.csv", fixed, loaded=2, quarantined=0)
    assert _counts(engine) == (13, 3, 2)


def test_the_quarantine_command_writes_the_download(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    (tmp_path / "c.csv").write_text(CUSTOMERS, encoding="utf-8")
    (tmp_path / "p.csv").write_text(NO_IDS + "C77,202502,11/02/2025,3.000,MoMo\n", encoding="utf-8")
    cashless(url, "db", "upgrade")
    cashless(url, "load", "customers", str(tmp_path / "c.csv"))
    cashless(url, "load", "payments", str(tmp_path / "p.csv"))
    cashless(url, "quarantine", "2", "-o", str(tmp_path / "fix.csv"))
    lines = (tmp_path / "fix.csv").read_text(encoding="utf-8-sig").splitlines()
    assert (
        lines[1]
        == "C77,202502,11/02/2025,3.000,MoMo,2,Mã khách hàng: mã khách hàng chưa có 'C77' (nạp tệp khách hàng trước)"
    )
    missing = cashless(url, "quarantine", "99", check=False)
    assert (missing.returncode, missing.stderr) == (1, "cashless: no load run 99\n")
