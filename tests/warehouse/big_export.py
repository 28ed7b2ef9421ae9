"""Exports big enough that a load takes seconds: for the kill and concurrency tests.

Written with vectorised numpy/pandas, seeded. Customer ids `K000001`..; every payment is valid,
so a complete load of a payments file adds exactly its number of rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CUSTOMERS = 5_000
OFFICES = [f"PA110{i}" for i in range(1, 8)]
CHANNELS = np.array(["BIDV", "Thu tại quầy", "MoMo", "Thu tại nhà", "Agribank", "SmartPay", "Bưu điện"])


def customer_ids(count: int) -> np.ndarray:
    return np.char.add("K", np.char.zfill(np.arange(1, count + 1).astype(str), 6)).astype(object)


def write_customers(path: Path, count: int) -> Path:
    """`count` customers spread over the seven offices, contracts started in 2020."""
    ids = customer_ids(count)
    offices = np.array(OFFICES, dtype=object)[np.arange(count) % len(OFFICES)]
    frame = pd.DataFrame(
        {
            "MA_KHANG": ids,
            "MA_DVIQLY": offices,
            "TEN_XA": "Xã " + pd.Series(np.arange(count) % 5).astype(str),
            "LOAI_KH": "sinh hoạt",
            "NGAY_HLUC": "01/01/2020",
            "NGAY_HET_HLUC": "",
        }
    )
    frame.to_csv(path, index=False)
    return path


def write_payments(
    path: Path, customers: int, rows: int, first_day: str, days: int, seed: int, notes: bool = False
) -> Path:
    """`rows` valid payments (no MA_GD: hash ids) by random customers over `days` days from `first_day`.

    `notes` adds a column the loader does not read (GHI_CHU), as many exports have: more bytes.
    """
    rng = np.random.default_rng(seed)
    paid = pd.Timestamp(first_day) + pd.to_timedelta(np.sort(rng.integers(0, days, rows)), unit="D")
    frame = pd.DataFrame(
        {
            "MA_KHANG": customer_ids(customers)[rng.integers(0, customers, rows)],
            "KY_HD": paid.strftime("%Y%m"),
            "NGAY_TT": paid.strftime("%d/%m/%Y"),
            "SO_TIEN": rng.integers(10, 2_000, rows) * 1_000,
            "KENH_TT": CHANNELS[rng.integers(0, len(CHANNELS), rows)],
        }
    )
    if notes:
        frame["GHI_CHU"] = "đã đối soát " + frame["SO_TIEN"].astype(str)
    frame.to_csv(path, index=False)
    return path


def write_big_exports(folder: Path) -> dict[str, Path]:
    """The exports of the kill and concurrency tests; the loader reads 250.000 rows a chunk."""
    return {
        "customers": write_customers(folder / "customers.csv", CUSTOMERS),
        "january": write_payments(folder / "january.csv", CUSTOMERS, 20_000, "2025-01-01", 31, seed=1),
        # three chunks and two: a load showing progress is still inside its transaction; over
        # 32 MB (notes), so that a loader preparing chunks on a helper process starts one
        "february_march": write_payments(
            folder / "feb_mar.csv", CUSTOMERS, 600_000, "2025-02-01", 59, seed=2, notes=True
        ),
        "spring": write_payments(folder / "spring.csv", CUSTOMERS, 300_000, "2025-02-01", 59, seed=3),
        "summer": write_payments(folder / "summer.csv", CUSTOMERS, 200_000, "2025-04-01", 61, seed=4),
    }
