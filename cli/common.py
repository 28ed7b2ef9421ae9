"""What every command shares: the day argument, the checked engine, the table printer."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError

from cashless.errors import UserFacingError
from cashless.formatting import fmt_date, fmt_int, fmt_rate

NO_DATA = "no data loaded yet; run `cashless load ...` or `cashless demo`"


def parse_day(text: str) -> dt.date:
    """An argparse type: YYYY-MM-DD or dd/mm/yyyy (never mm/dd)."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD or dd/mm/yyyy): '{text}'")


def first_line(error: Exception) -> str:
    """The first line of a (driver) error's message, for a one-line report."""
    original = getattr(error, "orig", None) or error
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__


def open_engine(upgrade_required: bool = True) -> Engine:
    """The engine of DATABASE_URL; unless told otherwise, refuses a database not at the current schema."""
    from warehouse.db import make_engine, shown_url
    from warehouse.migrate import current_revision, head_revision

    try:
        engine = make_engine()
    except ArgumentError as error:  # also an unknown dialect, e.g. postgres:// for postgresql://
        raise UserFacingError(f"DATABASE_URL is not a database URL ({first_line(error)})") from None
    if upgrade_required and current_revision(engine) != head_revision():
        raise UserFacingError(
            f"the database at {shown_url()} is not at the current schema; run `cashless db upgrade`"
        )
    return engine


def refresh_snapshots_if_stale(engine: Engine) -> None:
    """Catch up the snapshots an interrupted load left stale (a no-op otherwise)."""
    from warehouse.snapshots import refresh_snapshots

    refresh_snapshots(engine)


def as_of_or_latest(conn, as_of: dt.date | None) -> dt.date:
    """`--as-of` when given, else the last day with data; a clear error on an empty warehouse."""
    from warehouse.metrics import data_period

    day = as_of or data_period(conn)[1]
    if day is None:
        raise UserFacingError(NO_DATA)
    return day


def require_file(path) -> None:
    """Fail in one line when an input file is missing."""
    if not path.is_file():
        raise UserFacingError(f"no such file: {path}")


def print_table(table: pd.DataFrame, fmt: str, as_of: dt.date) -> None:
    """A result table as CSV (rates with 6 decimals), JSON, or a Vietnamese-formatted text table."""
    if fmt == "csv":
        sys.stdout.write(table.to_csv(index=False, float_format="%.6f", lineterminator="\n"))
    elif fmt == "json":
        print(
            json.dumps(
                {
                    "as_of": as_of.isoformat(),
                    "rows": json.loads(table.to_json(orient="records", date_format="iso")),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        shown = table.copy()
        for column in shown.columns:
            if column.endswith("_rate"):
                shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else fmt_rate(v))
            elif column.endswith(("_customers", "amount", "payments", "_needed", "_pace")):
                shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else fmt_int(v))
        print(f"as of {fmt_date(as_of)}")
        print(shown.astype(object).where(shown.notna(), "").to_string(index=False))
