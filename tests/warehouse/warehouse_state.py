"""Everything a load can change in the warehouse, as plain values to compare before and after."""

from __future__ import annotations

import datetime as dt
import sqlite3

from sqlalchemy import Engine, inspect, text

from warehouse import metrics, reference

SNAPSHOT_TABLES = {
    "customer_status_changes": "customer_key, day",
    "snapshot_office_day": "office_code, day",
    "snapshot_commune_day": "commune_id, day",
    "snapshot_channel_day": "office_code, day, channel_name_id",
    "snapshot_state": "id",
}
FINGERPRINTS = {
    "payments": "COUNT(*), SUM(amount), SUM(customer_key), SUM(bill_period), SUM(channel_name_id), "
    "MIN(paid_at), MAX(paid_at), COUNT(DISTINCT payment_id)",
    "customers": "COUNT(*), SUM(customer_key), SUM(commune_id), MIN(contract_start), MAX(contract_end), "
    "COUNT(DISTINCT customer_id), COUNT(contract_end), COUNT(phone)",
}


def warehouse_state(engine: Engine, days: list[dt.date]) -> dict:
    """Row counts of every table, snapshot rows, payment and customer fingerprints, KPI on `days`."""
    tables = sorted(inspect(engine).get_table_names())
    with engine.connect() as conn:
        state = {"counts": {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in tables}}
        for table, order in SNAPSHOT_TABLES.items():
            columns = "id, dirty_from" if table == "snapshot_state" else "*"
            rows = conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY {order}")).all()
            state[table] = [tuple(plain(value) for value in row) for row in rows]
        for table, aggregates in FINGERPRINTS.items():
            state[f"{table} fingerprint"] = tuple(
                plain(v) for v in conn.execute(text(f"SELECT {aggregates} FROM {table}")).one()
            )
        for day in days:
            for by in ("office", "commune"):
                figures = metrics.kpi(conn, day, by=by)
                state[f"kpi {by} {day}"] = figures.round(9).to_dict("records")
    return state


def payment_rows(engine: Engine) -> list[tuple]:
    """Every payment as loaded, without the run that last wrote it."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.payment_id, c.customer_id, p.bill_period, p.paid_at, p.amount, n.raw_text "
                "FROM payments p JOIN customers c ON c.customer_key = p.customer_key "
                "JOIN channel_names n ON n.id = p.channel_name_id ORDER BY p.payment_id"
            )
        ).all()
    return [tuple(plain(value) for value in row) for row in rows]


def inside_a_write_transaction(engine: Engine) -> bool:
    """True when another process holds an open write transaction on the warehouse."""
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as error:
            return "locked" in str(error)
        finally:
            probe.close()
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
                    "AND l.relation = 'payments'::regclass AND l.mode = 'RowExclusiveLock' AND l.granted"
                )
            ).scalar()
        )


def plain(value):
    """Dates as ISO text and booleans as 0/1, so both databases give the same values."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def assert_snapshots_match_reference(engine: Engine, days: list[dt.date]) -> None:
    """The snapshot lookups give the figures computed straight from customers and payments."""
    with engine.connect() as conn:
        for day in days:
            for by, key in (("office", ["office_code"]), ("commune", ["office_code", "commune_id"])):
                looked_up = metrics.customer_counts(conn, day, by=by)
                looked_up = looked_up[looked_up["active_customers"] > 0]
                scanned = reference.customer_counts(conn, day, by=by)
                columns = [*key, "active_customers", "cashless_customers"]
                looked_up, scanned = (
                    f[columns].sort_values(key).to_dict("records") for f in (looked_up, scanned)
                )
                assert looked_up == scanned, (day, by)
