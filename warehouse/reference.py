"""The metric contract computed straight from customers and payments in SQL.

Slow on big data (it scans payments); kept as the reference the snapshot lookups are tested against.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection

from warehouse.bulk import fetch_frame
from warehouse.metrics import _as_counts, _province_total
from warehouse.status import active_sql, payment_status_sql


def customer_counts(conn: Connection, as_of: dt.date, by: str = "office") -> pd.DataFrame:
    """Active and cashless customers at the end of `as_of`, scanning payments."""
    keys = "c.office_code, c.commune_id" if by == "commune" else "c.office_code"
    frame = fetch_frame(
        conn,
        f"""
        WITH status AS ({payment_status_sql(":as_of")})
        SELECT {keys}, COUNT(*) AS active_customers, SUM(COALESCE(s.cashless, 0)) AS cashless_customers
        FROM customers c LEFT JOIN status s ON s.customer_key = c.customer_key
        WHERE {active_sql(":as_of")}
        GROUP BY {keys} ORDER BY {keys}
        """,
        {"as_of": as_of},
    )
    frame = _as_counts(frame, ["active_customers", "cashless_customers"])
    return _province_total(frame) if by == "province" else frame


def value_rate(conn: Connection, start: dt.date, end: dt.date, by: str = "office") -> pd.DataFrame:
    keys = "c.office_code, c.commune_id" if by == "commune" else "c.office_code"
    frame = fetch_frame(
        conn,
        f"""
        SELECT {keys}, SUM(p.amount) AS amount,
               SUM(CASE WHEN ch.is_cashless THEN p.amount ELSE 0 END) AS cashless_amount
        FROM payments p JOIN customers c ON c.customer_key = p.customer_key
        JOIN channel_names n ON n.id = p.channel_name_id LEFT JOIN channels ch ON ch.key = n.key
        WHERE p.paid_at >= :start AND p.paid_at <= :end
        GROUP BY {keys} ORDER BY {keys}
        """,
        {"start": start, "end": end},
    )
    frame = _as_counts(frame, ["amount", "cashless_amount"])
    return _province_total(frame) if by == "province" else frame


def movements(conn: Connection, start: dt.date, end: dt.date, by: str = "office") -> pd.DataFrame:
    keys = "c.office_code, c.commune_id" if by == "commune" else "c.office_code"
    frame = fetch_frame(
        conn,
        f"""
        WITH a AS ({payment_status_sql(":start")}), b AS ({payment_status_sql(":end")})
        SELECT {keys},
          SUM(CASE WHEN {active_sql(":start")} AND COALESCE(a.cashless, 0) = 0
                    AND {active_sql(":end")} AND COALESCE(b.cashless, 0) = 1 THEN 1 ELSE 0 END) AS converted,
          SUM(CASE WHEN {active_sql(":start")} AND COALESCE(a.cashless, 0) = 1
                    AND {active_sql(":end")} AND COALESCE(b.cashless, 0) = 0 THEN 1 ELSE 0 END) AS slipped
        FROM customers c LEFT JOIN a ON a.customer_key = c.customer_key
        LEFT JOIN b ON b.customer_key = c.customer_key
        GROUP BY {keys} ORDER BY {keys}
        """,
        {"start": start, "end": end},
    )
    frame = _as_counts(frame, ["converted", "slipped"])
    return _province_total(frame) if by == "province" else frame
