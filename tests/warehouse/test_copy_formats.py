"""PostgreSQL's COPY takes the warehouse's tables in binary and anything else as CSV, and both store
exactly what the frame held: empty text apart from NULL, large amounts, dates however given."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from warehouse.bulk import bulk_days, bulk_insert, copy_rows
from warehouse.days import epoch
from warehouse.snapshots import _booleans

pytestmark = pytest.mark.postgres


def test_the_payments_the_loader_writes_go_in_binary(postgres_engine):
    days = np.array([epoch(dt.date(2025, 2, 28))] * 2)
    with postgres_engine.connect() as conn:
        frame = pd.DataFrame(
            {
                "payment_id": pd.Series(["GD1", "GD2"], dtype="str"),
                "customer_key": np.array([1, 2], dtype=np.int32),
                "bill_period": np.array([202502, 202502], dtype=np.int64),
                "paid_at": bulk_days(conn, days),
                "amount": np.array([5_000_000_000, 1], dtype=np.int64),
                "channel_name_id": np.array([3, 4], dtype=np.int64),
                "load_run_id": 7,
            }
        )
    assert copy_rows(frame, "payments").format == "binary"
    assert copy_rows(frame[["payment_id", "customer_key", "paid_at"]], "payment_ids").format == "binary"
    # a temporary table the schema does not declare, and a value an integer column cannot hold exactly
    assert copy_rows(frame, "staging_payments").format == "csv"
    assert copy_rows(frame.assign(customer_key=[1.5, 2.0]), "payments").format == "csv"
    # values Arrow would cast but not keep the meaning of: the server reads them as text, and refuses
    assert copy_rows(frame.assign(bill_period=frame["paid_at"]), "payments").format == "csv"
    changes = pd.DataFrame({"customer_key": [1], "day": [dt.date(2025, 2, 28)], "cashless": [2]})
    assert copy_rows(changes, "customer_status_changes").format == "csv"


def test_binary_copy_stores_what_the_frame_held(postgres_engine):
    with postgres_engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO communes (office_code, name) VALUES ('PA1101', 'Xã A')")
        commune = conn.exec_driver_sql("SELECT id FROM communes").scalar()
        customers = pd.DataFrame(
            {
                "customer_id": ["C1", "C2", "C3"],
                "office_code": "PA1101",
                "commune_id": commune,
                "customer_type": "SH",
                "name": ["", None, 'Nguyễn "Út"\t\\N'],  # empty, missing, the text format's escapes
                "address": pd.Series(["Thôn 1\nXã A", "", None], dtype="str"),
                "phone": None,
                # dates as Arrow dates (the bulk path), Python dates and ISO text
                "contract_start": bulk_days(conn, np.array([epoch(dt.date(1998, 1, 31))] * 3)),
                "contract_end": [dt.date(2025, 2, 28), None, dt.date(2000, 2, 29)],
                "load_run_id": None,
            }
        )
        assert copy_rows(customers, "customers").format == "binary"
        bulk_insert(conn, "customers", customers)
        changes = pd.DataFrame(  # the flags as the refresh makes them
            {"customer_key": [1, 2], "day": ["2025-02-28", "1999-12-31"], "cashless": _booleans([1, 0])}
        )
        assert copy_rows(changes, "customer_status_changes").format == "binary"
        bulk_insert(conn, "customer_status_changes", changes)
    with postgres_engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT customer_id, name, address, phone, contract_start, contract_end FROM customers "
            "ORDER BY customer_id"
        ).all()
        flags = conn.exec_driver_sql(
            "SELECT customer_key, day, cashless FROM customer_status_changes ORDER BY customer_key"
        ).all()
    start = dt.date(1998, 1, 31)
    assert [tuple(row) for row in stored] == [
        ("C1", "", "Thôn 1\nXã A", None, start, dt.date(2025, 2, 28)),
        ("C2", None, "", None, start, None),
        ("C3", 'Nguyễn "Út"\t\\N', None, None, start, dt.date(2000, 2, 29)),
    ]
    assert [tuple(row) for row in flags] == [
        (1, dt.date(2025, 2, 28), True),
        (2, dt.date(1999, 12, 31), False),
    ]


def test_every_binary_column_has_the_servers_type(postgres_engine):
    """Binary COPY sends int4, int8, date... as the schema declares them; the server reads them as its
    columns are (a column a migration made bigint but the schema calls Integer would fail a load)."""
    import pyarrow as pa

    from warehouse.bulk import _arrow_type
    from warehouse.schema import metadata

    server_type = {pa.int16(): "smallint", pa.int32(): "integer", pa.int64(): "bigint", pa.date32(): "date"}
    server_type |= {pa.bool_(): "boolean", pa.string(): "character varying|text"}
    with postgres_engine.connect() as conn:
        columns = {
            (table, column): kind
            for table, column, kind in conn.exec_driver_sql(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema()"
            )
        }
    compared, differ = 0, []
    for table in metadata.tables.values():
        for column in table.columns:
            kind = _arrow_type(column.type)
            stored = columns.get((table.name, column.name))
            if kind is None or stored is None:  # timestamps go as text; SQLite-only tables
                continue
            compared += 1
            if stored not in server_type[kind].split("|"):
                differ.append(f"{table.name}.{column.name}: {kind} sent, {stored} stored")
    assert compared > 100 and differ == []
