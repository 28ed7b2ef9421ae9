"""Text is stored exactly as written on both databases, whatever characters it holds.

The PostgreSQL bulk path (COPY) has its own escaping: quotes, backslashes, tabs, line breaks and
the NULL marker `\\N` in the data must come back unchanged, as they do on SQLite.
"""

from __future__ import annotations

import csv
import json

import pandas as pd

from etl.load import load_file
from etl.validate import TEXT_LIMITS
from warehouse.schema import channel_names, communes, customers, payments

AWKWARD = [
    'Nguyễn "Út"',
    "Thôn 1\\Xã A",
    "\\N",
    "a\\tb",
    "tab\there",
    "line\nbreak",
    "carriage\rreturn",
    '=HYPERLINK("http://x.example","bấm")',
    "+84 912 345 678",
    "-Thôn 2",
    "@xã",
    "'quoted'",
    "emoji 🙂 and ½",
]


def test_awkward_text_round_trips_through_the_bulk_path(engine, tmp_path):
    customers = pd.DataFrame(
        {
            "MA_KHANG": [f"C{i:02d}" for i in range(len(AWKWARD))],
            "MA_DVIQLY": "PA1101",
            "TEN_XA": AWKWARD,
            "TEN_KHANG": AWKWARD,
            "DIA_CHI": AWKWARD[::-1],
            "NGAY_HLUC": "01/01/2020",
        }
    )
    customers.to_csv(tmp_path / "customers.csv", index=False, quoting=csv.QUOTE_ALL)
    payments = pd.DataFrame(
        {
            "MA_GD": AWKWARD,
            "MA_KHANG": "C00",
            "KY_HD": "202501",
            "NGAY_TT": "10/01/2025",
            "SO_TIEN": ["1.000"] * (len(AWKWARD) - 1) + ["not a number\t\\N"],
            "KENH_TT": AWKWARD,
        }
    )
    payments.to_csv(tmp_path / "payments.csv", index=False, quoting=csv.QUOTE_ALL)

    assert load_file(engine, "customers", tmp_path / "customers.csv").loaded == len(AWKWARD)
    result = load_file(engine, "payments", tmp_path / "payments.csv")
    assert (result.loaded, result.quarantined) == (len(AWKWARD) - 1, 1)

    with engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT c.customer_id, c.name, c.address, m.name FROM customers c "
            "JOIN communes m ON m.id = c.commune_id ORDER BY c.customer_id"
        ).all()
        ids = sorted(conn.exec_driver_sql("SELECT payment_id FROM payments").scalars())
        channels = set(conn.exec_driver_sql("SELECT raw_text FROM channel_names").scalars())
        raw_row, reason = conn.exec_driver_sql("SELECT raw_row, reason FROM quarantine").one()
    written = [text.strip() for text in AWKWARD]
    assert [row[1] for row in stored] == written
    assert [row[2] for row in stored] == written[::-1]
    assert [row[3] for row in stored] == written
    assert ids == sorted(written[:-1])
    assert channels == set(written[:-1])
    canonical = ["payment_id", "customer_id", "bill_period", "paid_at", "amount", "channel"]
    assert json.loads(raw_row) == dict(zip(canonical, payments.iloc[-1]))
    assert "not a number\t\\N" in reason


def test_the_etl_text_limits_are_the_warehouse_column_sizes():
    columns = {
        "customer_id": customers.c.customer_id,
        "payment_id": payments.c.payment_id,
        "channel": channel_names.c.raw_text,
        "commune": communes.c.name,
        "name": customers.c.name,
        "address": customers.c.address,
        "phone": customers.c.phone,
    }
    assert {name: column.type.length for name, column in columns.items()} == TEXT_LIMITS
