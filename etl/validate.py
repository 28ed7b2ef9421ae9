"""Turn a chunk of raw rows into clean rows and quarantine records (DataFrame in, DataFrames out)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl.parse import (
    parse_amounts,
    parse_customer_types,
    parse_dates,
    parse_periods,
    require_text,
)
from etl.read import ROW_NUMBER

QUARANTINE_COLUMNS = ["row_number", "column_name", "reason", "raw_row"]
# The longest text each warehouse column holds (tests check these against warehouse/schema.py).
TEXT_LIMITS = {
    "customer_id": 40,
    "payment_id": 64,
    "channel": 200,
    "commune": 200,
    "name": 200,
    "address": 400,
    "phone": 40,
}


def collect_errors(checks: dict[str, pd.Series]) -> tuple[pd.Series, pd.Series]:
    """First failing column and all reasons per row, from per-column error Series (None = fine)."""
    errors = pd.DataFrame(checks)
    failing = errors.notna()
    first_column = failing.idxmax(axis=1).where(failing.any(axis=1))
    reasons = pd.Series(None, index=errors.index, dtype=object)
    for column in errors.columns:
        column_errors = errors[column].dropna()
        text = column + ": " + column_errors.astype(str)
        reasons[text.index] = np.where(
            reasons[text.index].isna(), text, reasons[text.index].astype(str) + "; " + text
        )
    return first_column, reasons


def quarantine_records(raw: pd.DataFrame, columns: pd.Series, reasons: pd.Series) -> pd.DataFrame:
    """Quarantine rows: file line, first failing column, reasons, and the raw row as JSON."""
    bad = reasons.dropna().index
    rows = raw.loc[bad].drop(columns=[ROW_NUMBER])
    return pd.DataFrame(
        {
            "row_number": raw.loc[bad, ROW_NUMBER].astype(int).to_numpy(),
            "column_name": columns[bad].to_numpy(),
            "reason": reasons[bad].to_numpy(),
            "raw_row": [
                json.dumps(record, ensure_ascii=False, default=str) for record in rows.to_dict("records")
            ],
        },
        columns=QUARANTINE_COLUMNS,
    )


def validate_customers(raw: pd.DataFrame, office_codes: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean customer rows (DESIGN §3) and quarantine records for the rows that break a rule."""
    customer_id, id_errors = require_text(raw["customer_id"], "customer_id")
    office, office_errors = require_text(raw["office_code"], "office_code")
    unknown_office = (office != "") & ~office.isin(office_codes)
    office_errors[unknown_office] = "unknown office code '" + office[unknown_office] + "'"
    start, start_errors = parse_dates(raw["contract_start"], required=True)
    end, end_errors = parse_dates(_column(raw, "contract_end"), required=False)
    reversed_dates = end.notna() & start.notna() & (end < start)
    end_errors[reversed_dates] = "contract_end is before contract_start"
    types, type_errors = parse_customer_types(_column(raw, "customer_type"))
    duplicated = customer_id.duplicated(keep="first") & (customer_id != "")
    id_errors[duplicated] = "duplicate customer_id in this file (first occurrence kept)"
    texts = {"commune": _column(raw, "commune").astype(str).str.strip()}
    texts |= {name: _optional_text(raw, name) for name in ("name", "address", "phone")}

    first_column, reasons = collect_errors(
        {
            "customer_id": id_errors.combine_first(too_long(customer_id, "customer_id")),
            "office_code": office_errors,
            "contract_start": start_errors,
            "contract_end": end_errors,
            "customer_type": type_errors,
            **{name: too_long(values, name) for name, values in texts.items()},
        }
    )
    good = reasons.isna()
    clean = pd.DataFrame(
        {
            "customer_id": customer_id,
            "office_code": office,
            "commune": texts["commune"],
            "customer_type": types,
            "name": texts["name"],
            "address": texts["address"],
            "phone": texts["phone"],
            "contract_start": start,
            "contract_end": end,
        }
    )[good]
    return clean, quarantine_records(raw, first_column, reasons)


def validate_payments(raw: pd.DataFrame, known_customers: pa.Array) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean payment rows (DESIGN §3) and quarantine records; unknown customers are quarantined.

    `known_customers` holds the loaded customer ids; the clean frame's `customer_index` column is
    each row's position in it.
    """
    customer_id, id_errors = require_text(raw["customer_id"], "customer_id")
    customer_index = positions_in(customer_id, known_customers)
    unknown = (customer_id != "") & (customer_index < 0)
    id_errors[unknown] = "unknown customer_id '" + customer_id[unknown] + "' (load customers first)"
    period, period_errors = per_distinct(parse_periods, raw["bill_period"])
    paid_at, paid_errors = per_distinct(parse_dates, raw["paid_at"], required=True)
    amount, amount_errors = parse_amounts(raw["amount"])
    channel, channel_errors = per_distinct(require_text, raw["channel"], "channel")
    payment_id = _optional_text(raw, "payment_id")

    first_column, reasons = collect_errors(
        {
            "customer_id": id_errors,
            "bill_period": period_errors,
            "paid_at": paid_errors,
            "amount": amount_errors,
            "channel": channel_errors.combine_first(too_long(channel, "channel")),
            "payment_id": too_long(payment_id, "payment_id"),
        }
    )
    good = reasons.isna()
    clean = pd.DataFrame(
        {
            "payment_id": payment_id,
            "customer_id": customer_id,
            "customer_index": customer_index,
            "bill_period": period,
            "paid_at": paid_at,
            "amount": amount,
            "channel": channel,
        }
    )[good]
    return clean, quarantine_records(raw, first_column, reasons)


def too_long(values: pd.Series, column: str) -> pd.Series:
    """A reason where a text is longer than its warehouse column holds (PostgreSQL refused the file)."""
    limit = TEXT_LIMITS[column]
    errors = pd.Series(None, index=values.index, dtype=object)
    errors[values.str.len() > limit] = f"longer than {limit} characters"
    return errors


def per_distinct(parse, values: pd.Series, *args, **kwargs) -> tuple[pd.Series, pd.Series]:
    """An elementwise parser (values in, parsed values and reasons out) run once per distinct value.

    A monthly file has ~30 paid dates, a few bill periods and channels in 250,000 rows.
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    parsed, errors = parse(pd.Series(distinct, dtype=values.dtype), *args, **kwargs)
    return (
        pd.Series(parsed.to_numpy()[codes], index=values.index, dtype=parsed.dtype),
        pd.Series(errors.to_numpy()[codes], index=values.index, dtype=object),
    )


def positions_in(values: pd.Series, keys: pa.Array) -> np.ndarray:
    """Position of each value in `keys` (-1 where absent), through Arrow's hash lookup."""
    found = pc.index_in(pa.array(values.to_numpy(dtype=object), type=pa.string()), value_set=keys)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _column(raw: pd.DataFrame, name: str) -> pd.Series:
    return raw[name] if name in raw else pd.Series("", index=raw.index, dtype=object)


def _optional_text(raw: pd.DataFrame, name: str) -> pd.Series:
    """Stripped text, None where empty."""
    text = _column(raw, name).astype(str).str.strip()
    return text.where(text != "", None).astype(object)
