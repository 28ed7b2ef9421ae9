"""The metric contract of DESIGN §4, read from the daily snapshots: one function per metric.

Pages, the CLI, the weekly report and the tests all call these; nothing else computes a metric.
Levels are as of the end of day D inclusive. Province figures are sums of counts.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from warehouse.bulk import fetch_frame
from warehouse.snapshots import latest_status_sql

BY_CHOICES = ("province", "office", "commune")
PROVINCE = "ALL"


def cashless_rate(cashless, active):
    """cashless / active, 0 where there is no active customer (works on numbers and Series)."""
    if isinstance(active, pd.Series | np.ndarray):
        active_values = np.asarray(active, dtype=float)
        rates = np.divide(
            np.asarray(cashless, dtype=float),
            active_values,
            out=np.zeros_like(active_values),
            where=active_values > 0,
        )
        return pd.Series(rates, index=getattr(active, "index", None))
    return cashless / active if active else 0.0


def customer_counts(
    conn: Connection, as_of: dt.date, by: str = "office", office: str | None = None
) -> pd.DataFrame:
    """Active and cashless customers at the end of `as_of`, per office, commune or for the province."""
    _check_by(by)
    if by == "commune":
        frame = fetch_frame(
            conn,
            "SELECT c.office_code, c.id AS commune_id, c.name AS commune, "
            "COALESCE(s.active, 0) AS active_customers, COALESCE(s.cashless, 0) AS cashless_customers "
            "FROM communes c LEFT JOIN snapshot_commune_day s ON s.commune_id = c.id AND s.day = ("
            "  SELECT MAX(d.day) FROM snapshot_commune_day d WHERE d.commune_id = c.id AND d.day <= :as_of) "
            f"WHERE {_office_filter('c.office_code', office)} ORDER BY c.office_code, c.name",
            {"as_of": as_of, "office": office},
        )
    else:
        frame = fetch_frame(
            conn,
            "SELECT o.code AS office_code, o.name AS office_name, "
            "COALESCE(s.active, 0) AS active_customers, COALESCE(s.cashless, 0) AS cashless_customers "
            "FROM offices o LEFT JOIN snapshot_office_day s ON s.office_code = o.code AND s.day = ("
            "  SELECT MAX(d.day) FROM snapshot_office_day d WHERE d.office_code = o.code AND d.day <= :as_of) "
            f"WHERE {_office_filter('o.code', office)} ORDER BY o.code",
            {"as_of": as_of, "office": office},
        )
    frame = _as_counts(frame, ["active_customers", "cashless_customers"])
    return _province_total(frame) if by == "province" else frame


def kpi(conn: Connection, as_of: dt.date, by: str = "office", office: str | None = None) -> pd.DataFrame:
    """The headline table: office_code, active_customers, cashless_customers, cashless_rate, ..."""
    counts = customer_counts(conn, as_of, by, office)
    counts["cashless_rate"] = cashless_rate(
        counts["cashless_customers"], counts["active_customers"]
    ).to_numpy()
    contract = ["office_code", "active_customers", "cashless_customers", "cashless_rate"]
    return counts[contract + [c for c in counts.columns if c not in contract]]


def value_rate(
    conn: Connection, start: dt.date, end: dt.date, by: str = "office", office: str | None = None
) -> pd.DataFrame:
    """Cashless share of the VND paid with paid_at in [start, end], per office/commune/province."""
    _check_by(by)
    table = "snapshot_commune_day" if by == "commune" else "snapshot_office_day"
    keys = "office_code, commune_id" if by == "commune" else "office_code"
    frame = fetch_frame(
        conn,
        f"SELECT {keys}, SUM(amount) AS amount, SUM(cashless_amount) AS cashless_amount, "
        f"SUM(payments) AS payments, SUM(cashless_payments) AS cashless_payments FROM {table} "
        f"WHERE day >= :start AND day <= :end AND {_office_filter('office_code', office)} "
        f"GROUP BY {keys} ORDER BY {keys}",
        {"start": start, "end": end, "office": office},
    )
    frame = _as_counts(frame, ["amount", "cashless_amount", "payments", "cashless_payments"])
    if by == "province":
        frame = _province_total(frame)
    frame["value_rate"] = cashless_rate(frame["cashless_amount"], frame["amount"]).to_numpy()
    return frame


def movements(
    conn: Connection, start: dt.date, end: dt.date, by: str = "office", office: str | None = None
) -> pd.DataFrame:
    """Converted and slipped customers between the end of `start` and the end of `end` (DESIGN §4).

    Slipped: cashless at start, active and not cashless at end. Converted: active and not cashless
    at start, cashless at end. Exact per customer, read from the status changes (not payments).
    """
    _check_by(by)
    keys = "c.office_code, c.commune_id" if by == "commune" else "c.office_code"
    frame = fetch_frame(
        conn,
        f"""
        WITH at_start AS ({latest_status_sql(conn, "<= :start")}),
             at_end AS ({latest_status_sql(conn, "<= :end")}),
             states AS (
               SELECT {keys},
                 CASE WHEN c.contract_start <= :start AND (c.contract_end IS NULL OR c.contract_end > :start)
                      THEN 1 ELSE 0 END AS active_start,
                 CASE WHEN c.contract_start <= :end AND (c.contract_end IS NULL OR c.contract_end > :end)
                      THEN 1 ELSE 0 END AS active_end,
                 COALESCE(a.cashless, 0) AS status_start, COALESCE(b.cashless, 0) AS status_end
               FROM customers c
               LEFT JOIN at_start a ON a.customer_key = c.customer_key
               LEFT JOIN at_end b ON b.customer_key = c.customer_key
               WHERE {_office_filter("c.office_code", office)})
        SELECT {keys.replace("c.", "")},
          SUM(CASE WHEN active_start = 1 AND status_start = 0 AND active_end = 1 AND status_end = 1
                   THEN 1 ELSE 0 END) AS converted,
          SUM(CASE WHEN active_start = 1 AND status_start = 1 AND active_end = 1 AND status_end = 0
                   THEN 1 ELSE 0 END) AS slipped
        FROM states c GROUP BY {keys.replace("c.", "")} ORDER BY {keys.replace("c.", "")}
        """,
        {"start": start, "end": end, "office": office},
    )
    frame = _as_counts(frame, ["converted", "slipped"])
    return _province_total(frame) if by == "province" else frame


def _office_filter(column: str, office: str | None) -> str:
    """SQL condition limiting rows to one office (bound as :office), or no limit."""
    return "1 = 1" if office is None else f"{column} = :office"


def data_period(conn: Connection) -> tuple[dt.date | None, dt.date | None]:
    """First and last day present in the snapshots (the default as-of date is the last)."""
    first, last = conn.execute(
        text("SELECT MIN(day), MAX(day) FROM snapshot_office_day WHERE payments > 0")
    ).one()
    return _to_date(first), _to_date(last)


def _to_date(value) -> dt.date | None:
    if value is None:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _as_counts(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    return frame


def _province_total(frame: pd.DataFrame) -> pd.DataFrame:
    numbers = frame.select_dtypes("number").drop(columns=["commune_id"], errors="ignore")
    total = numbers.sum().to_frame().T.astype("int64")
    total.insert(0, "office_code", PROVINCE)
    return total


def _check_by(by: str) -> None:
    if by not in BY_CHOICES:
        raise ValueError(f"by must be one of {', '.join(BY_CHOICES)}, not '{by}'")
