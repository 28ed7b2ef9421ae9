"""The demo province (DESIGN §9): raw billing-system exports for seven district offices.

Writes customers (3 CSV files in different dialects and header aliases, plus a small XLSX of the
newest contracts) and one payments CSV per calendar month of paid_at, March 2023 – February 2025,
seeded and deterministic. Calibrated so that on 28/02/2025 exactly 273.452 customers are active and
209.581 of them cashless (76,64%) at scale 1 (both figures scale with `scale`).

What drives a household to go cashless in a month (the signal a model can learn): a phone number
(strongly), business or public customer type, a recent contract, living in a commune where many
already pay cashless (neighbourhood effect), higher bills, having paid cashless before (returners),
and the office (urban TP Tuyên Quang far ahead of mountainous Na Hang and Lâm Bình). Habitually late
payers convert less. Cashless households slip back to cash with a small monthly probability, lower
for auto-debit. Everything else (which bank, the exact day) is noise.

Deliberately bad rows, so the quarantine shows in the demo:
- customers_1.csv: an unknown office code PA1199, an empty NGAY_HLUC, a second row for an existing
  MA_KHANG (the second occurrence is the bad one);
- payments_2024-06.csv: a payment for an unknown customer, a date 31/02/2024, an amount -50.000,
  an amount 'abc' and an empty channel.
A few payments use raw channel names missing from the catalog ('Thu hộ đối tác ABC', 'SmartPay'):
they load, count as not cashless and wait on the data page to be mapped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HEADLINE_DAY = dt.date(2025, 2, 28)
HEADLINE_ACTIVE = 273_452
HEADLINE_CASHLESS = 209_581
FIRST_MONTH = pd.Period("2023-03", "M")
MONTHS = 24

# code, share of customers, intercept of the starting cashless level, of the monthly conversion
OFFICES = [
    ("PA1101", 0.22, 0.95, -3.38),
    ("PA1102", 0.18, 0.15, -3.68),
    ("PA1103", 0.20, 0.05, -3.78),
    ("PA1104", 0.15, -0.30, -3.93),
    ("PA1105", 0.14, -0.50, -4.03),
    ("PA1106", 0.06, -0.90, -4.23),
    ("PA1107", 0.05, -1.15, -4.38),
]
COMMUNES = {
    "PA1101": ["Phường Tân Quang", "Phường Phan Thiết", "Phường Minh Xuân", "Phường Ỷ La", "Phường Hưng Thành",
               "Phường Nông Tiến", "Phường Tân Hà", "Phường Đội Cấn", "Phường An Tường", "Xã Thái Long",
               "Xã Lưỡng Vượng", "Xã Tràng Đà"],
    "PA1102": ["Xã Kim Phú", "Xã Thái Bình", "Xã Trung Môn", "Xã Chân Sơn", "Xã Lang Quán", "Xã Hoàng Khai",
               "Xã Mỹ Bằng", "Xã Phú Thịnh", "Xã Nhữ Hán", "Xã Xuân Vân", "Thị trấn Yên Sơn", "Xã Tân Long"],
    "PA1103": ["Thị trấn Sơn Dương", "Xã Hồng Lạc", "Xã Phúc Ứng", "Xã Tú Thịnh", "Xã Sơn Nam", "Xã Tân Trào",
               "Xã Minh Thanh", "Xã Đông Thọ", "Xã Hào Phú", "Xã Kháng Nhật", "Xã Vĩnh Lợi", "Xã Đại Phú"],
    "PA1104": ["Thị trấn Tân Yên", "Xã Thái Sơn", "Xã Nhân Mục", "Xã Bình Xa", "Xã Minh Hương", "Xã Phù Lưu",
               "Xã Yên Phú", "Xã Đức Ninh", "Xã Bạch Xa", "Xã Thành Long"],
    "PA1105": ["Thị trấn Vĩnh Lộc", "Xã Phúc Sơn", "Xã Hòa Phú", "Xã Kim Bình", "Xã Vinh Quang", "Xã Tân Thịnh",
               "Xã Trung Hà", "Xã Yên Nguyên", "Xã Bình Nhân", "Xã Hùng Mỹ"],
    "PA1106": ["Thị trấn Na Hang", "Xã Thượng Nông", "Xã Năng Khả", "Xã Sơn Phú", "Xã Đà Vị", "Xã Yên Hoa",
               "Xã Côn Lôn", "Xã Khâu Tinh"],
    "PA1107": ["Xã Lăng Can", "Xã Thượng Lâm", "Xã Bình An", "Xã Hồng Quang", "Xã Phúc Yên", "Xã Xuân Lập",
               "Xã Khuôn Hà", "Xã Thổ Bình"],
}  # fmt: skip
TYPES = np.array(["residential", "business", "public", "other"])
TYPE_SHARES = [0.90, 0.065, 0.02, 0.015]
TYPE_WRITTEN = {
    "residential": ["sinh hoạt", "sinh hoat", "Sinh hoạt"],
    "business": ["kinh doanh", "Kinh doanh"],
    "public": ["cơ quan", "Cơ quan"],
    "other": ["khác"],
}
# Cashless channels a converting household picks (raw names as staff type them), with weights.
CASHLESS_CHANNELS = [
    ("BIDV", 0.11), ("VietinBank", 0.08), ("Agribank", 0.14), ("Vietcombank", 0.08), ("MB", 0.04),
    ("LPBank", 0.03), ("Trích nợ tự động", 0.12), ("Bưu điện", 0.05), ("Viettel", 0.06),
    ("ViettelPay", 0.07), ("Payoo", 0.04), ("VNPay", 0.04), ("VNPT", 0.03), ("Vimo", 0.01),
    ("MoMo", 0.07), ("ZaloPay", 0.03),
]  # fmt: skip
AUTO_DEBIT = "Trích nợ tự động"
CASH_CHANNELS = ["Thu tại quầy", "Thu tại nhà"]
UNKNOWN_CHANNELS = ["Thu hộ đối tác ABC", "SmartPay"]
MISSPELLINGS = {
    "Thu tại quầy": ["thu tai quay", "THU TẠI QUẦY", "Thu tại  quầy"],
    "Thu tại nhà": ["thu tai nha", "Thu tại nhà "],
    "BIDV": ["BIDV ", "bidv"],
    "Vietcombank": ["vietcombank", "VCB"],
    "Trích nợ tự động": ["trich no tu dong"],
    "Bưu điện": ["Bưu  điện", "buu dien"],
    "MoMo": ["Momo", "Ví MoMo"],
}
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Ma", "Hà",
          "Nông", "Triệu", "Lý", "Quan"]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Thanh", "Ngọc", "Quang"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hải", "Hoa", "Hùng", "Khánh", "Lan", "Linh", "Long", "Mai",
         "Nam", "Nga", "Phúc", "Quân", "Sơn", "Thảo", "Trang", "Tuấn", "Vân", "Yến", "Hưng", "Thủy"]  # fmt: skip


@dataclass(frozen=True)
class DemoFiles:
    customers: list[Path]  # load these first, in this order
    payments: list[Path]  # one file per calendar month of paid_at, chronological order


def generate_province(
    out_dir: Path, *, scale: float = 1.0, seed: int = 20250228, progress: bool = False
) -> DemoFiles:
    """Write the demo province's raw exports into `out_dir`; returns the files in loading order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    people = _customers(rng, scale)
    customer_files = _write_customers(out_dir, people, rng)
    payment_files = []
    months = range(MONTHS)
    if progress:
        from tqdm import tqdm

        months = tqdm(months, desc="demo payments", unit=" month")
    state = _initial_state(rng, people)
    targets = (round(HEADLINE_ACTIVE * scale), round(HEADLINE_CASHLESS * scale))
    for index in months:
        month = FIRST_MONTH + index
        paid = _month_payments(rng, people, state, month)
        if index == MONTHS - 1:
            _calibrate(rng, people, state, paid, targets)
        _track_status(state, paid, len(people))
        payment_files.append(_write_payments(out_dir, paid, people, month, rng))
    return DemoFiles(customers=customer_files, payments=payment_files)


def _customers(rng: np.random.Generator, scale: float) -> pd.DataFrame:
    """Active-at-D customers (exactly the headline count) plus contracts that ended before D."""
    active = round(HEADLINE_ACTIVE * scale)
    ended = round(active * 0.03)
    n = active + ended
    shares = np.array([o[1] for o in OFFICES])
    office_index = np.sort(rng.choice(len(OFFICES), size=n, p=shares / shares.sum()))
    offices = np.array([o[0] for o in OFFICES])[office_index]
    commune = np.empty(n, dtype=object)
    commune_level = np.empty(n)
    for i, (code, *_rest) in enumerate(OFFICES):
        rows = np.flatnonzero(office_index == i)
        names = COMMUNES[code]
        levels = rng.normal(0, 0.6, len(names))  # neighbourhood adoption differs inside an office
        pick = rng.choice(len(names), size=len(rows), p=_zipf(len(names)))
        commune[rows] = np.array(names, dtype=object)[pick]
        commune_level[rows] = levels[pick]
    kind = rng.choice(len(TYPES), size=n, p=TYPE_SHARES)
    urban = (
        np.isin(offices, ["PA1101"]) | pd.Series(commune).str.startswith(("Phường", "Thị trấn")).to_numpy()
    )
    has_phone = rng.random(n) < np.where(urban, 0.85, 0.68)
    late = rng.random(n) < 0.2
    amount_level = rng.lognormal(np.log(320_000), 0.55, n) * np.choose(kind, [1.0, 4.5, 3.0, 1.5])

    d_day = np.datetime64(HEADLINE_DAY)
    window_start = np.datetime64(FIRST_MONTH.start_time.date())
    new = rng.random(n) < 0.12
    old_start = np.datetime64("1998-01-01") + rng.integers(
        0, (window_start - np.datetime64("1998-01-01")).astype(int), n
    )
    new_start = window_start + rng.integers(0, (d_day - window_start).astype(int) + 1, n)
    start = np.where(new, new_start, old_start).astype("datetime64[D]")
    end = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    order = rng.permutation(n)
    ended_rows = order[:ended]
    # an ended contract ran at least a month inside the window
    earliest_end = np.maximum(start[ended_rows], window_start) + 30
    span = np.maximum((d_day - earliest_end).astype(int), 1)
    end[ended_rows] = earliest_end + (rng.random(ended) * span).astype(int)
    end[ended_rows] = np.minimum(end[ended_rows], d_day)
    seq = np.zeros(n, dtype=np.int64)
    for i in range(len(OFFICES)):
        rows = np.flatnonzero(office_index == i)
        seq[rows] = rng.permutation(len(rows)) + 1
    ids = pd.Series(offices).str.cat(pd.Series(seq).map("{:07d}".format))
    return pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "office": offices,
            "office_index": office_index,
            "commune": commune,
            "commune_level": commune_level,
            "type": TYPES[kind],
            "kind": kind,
            "has_phone": has_phone,
            "late": late,
            "amount_level": amount_level,
            "start": start,
            "end": end,
        }
    )


def _zipf(k: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, k + 1) ** 0.7
    return weights / weights.sum()


def _conversion_logit(people: pd.DataFrame, months_since_start: np.ndarray) -> np.ndarray:
    """The household traits that make a switch to cashless likely (see the module docstring)."""
    base = np.array([o[3] for o in OFFICES])[people["office_index"].to_numpy()]
    return (
        base
        + 1.1 * people["has_phone"].to_numpy()
        + np.choose(people["kind"].to_numpy(), [0.0, 0.7, 0.9, 0.2])
        + 0.5 * (months_since_start < 36)
        + 0.7 * people["commune_level"].to_numpy()
        - 0.8 * people["late"].to_numpy()
        + 0.35 * np.log(people["amount_level"].to_numpy() / 320_000)
    )


def _initial_state(rng: np.random.Generator, people: pd.DataFrame) -> dict:
    n = len(people)
    start_level = np.array([o[2] for o in OFFICES])[people["office_index"].to_numpy()]
    logit = (
        start_level
        - 0.35
        + 0.9 * people["has_phone"].to_numpy()
        + np.choose(people["kind"].to_numpy(), [0.0, 0.8, 1.0, 0.2])
        + 0.7 * people["commune_level"].to_numpy()
        - 0.6 * people["late"].to_numpy()
    )
    cashless = rng.random(n) < 1 / (1 + np.exp(-logit))
    weights = np.array([w for _, w in CASHLESS_CHANNELS])
    names = np.array([c for c, _ in CASHLESS_CHANNELS], dtype=object)
    channel = names[rng.choice(len(names), size=n, p=weights / weights.sum())]
    return {
        "cashless": cashless,
        "ever_cashless": cashless.copy(),
        "cashless_channel": channel,
        "cash_channel": np.where(rng.random(n) < 0.55, CASH_CHANNELS[0], CASH_CHANNELS[1]).astype(object),
        "payment_seq": 0,
    }


def _month_payments(
    rng: np.random.Generator, people: pd.DataFrame, state: dict, month: pd.Period
) -> pd.DataFrame:
    """Each contract active in `month` pays the previous month's bill once (sometimes not, twice, or late)."""
    n = len(people)
    first_day = np.datetime64(month.start_time.date())
    days_in_month = month.days_in_month
    late = people["late"].to_numpy()
    day_offset = np.where(late, rng.integers(18, days_in_month, n), rng.integers(0, 20, n))
    paid_at = first_day + day_offset
    start = people["start"].to_numpy()
    end = people["end"].to_numpy()
    active = (start <= paid_at) & (np.isnat(end) | (paid_at < end))
    pays = active & (rng.random(n) < 0.965)

    # monthly moves: conversion for cash payers, slip-back for cashless ones (auto-debit rarely)
    # in days: `start` comes back from the DataFrame as datetime64[s], whose differences count seconds
    days_since_start = (first_day - start.astype("datetime64[D]")).astype(int)
    months_since_start = (days_since_start / 30.4).astype(int)
    logit = _conversion_logit(people, months_since_start) + 0.9 * state["ever_cashless"]
    convert = (~state["cashless"]) & (rng.random(n) < 1 / (1 + np.exp(-logit))) & pays
    slip_rate = np.where(state["cashless_channel"] == AUTO_DEBIT, 0.001, 0.006)
    slip = state["cashless"] & (rng.random(n) < slip_rate) & pays
    state["cashless"] = (state["cashless"] | convert) & ~slip
    state["ever_cashless"] |= state["cashless"]
    grow_auto_debit = state["cashless"] & (rng.random(n) < 0.004)
    state["cashless_channel"] = np.where(grow_auto_debit, AUTO_DEBIT, state["cashless_channel"])

    rows = np.flatnonzero(pays)
    channel = np.where(state["cashless"][rows], state["cashless_channel"][rows], state["cash_channel"][rows])
    unknown = (~state["cashless"][rows]) & (rng.random(len(rows)) < 0.0008)
    channel = np.where(
        unknown, np.array(UNKNOWN_CHANNELS, dtype=object)[rng.integers(0, 2, len(rows))], channel
    )
    season = 1.25 if month.month in (6, 7, 8) else 0.9 if month.month in (1, 2, 12) else 1.0
    amount = (people["amount_level"].to_numpy()[rows] * season * rng.lognormal(0, 0.15, len(rows))).astype(
        np.int64
    )
    bill = np.full(len(rows), (month - 1).strftime("%Y%m"), dtype=object)
    very_late = rng.random(len(rows)) < 0.01
    bill[very_late] = (month - 2).strftime("%Y%m")
    frame = pd.DataFrame(
        {
            "row": rows,
            "paid_at": paid_at[rows],
            "amount": np.maximum(amount, 5_000),
            "channel": channel,
            "bill_period": bill,
        }
    )
    # a few pay at the counter and by bank on the same day (e.g. a split bill)
    twice = rng.random(len(rows)) < 0.003
    extra = frame[twice].copy()
    extra["channel"] = np.where(state["cashless"][extra["row"]], CASH_CHANNELS[0], "Agribank")
    extra["amount"] = np.maximum(extra["amount"] // 3, 5_000)
    return pd.concat([frame, extra], ignore_index=True).sort_values(["paid_at", "row"], kind="stable")


def _calibrate(rng, people: pd.DataFrame, state: dict, paid: pd.DataFrame, targets: tuple[int, int]) -> None:
    """Flip the channel of some single February payments so the headline day hits the exact figures."""
    _, target_cashless = targets
    d_day = np.datetime64(HEADLINE_DAY)
    start = people["start"].to_numpy()
    end = people["end"].to_numpy()
    active = (start <= d_day) & (np.isnat(end) | (end > d_day))
    cashless_channels = {c for c, _ in CASHLESS_CHANNELS}
    paid_cashless = paid["channel"].isin(cashless_channels).to_numpy()
    day_flag = pd.Series(paid_cashless).groupby(paid["row"].to_numpy()).max()
    status = state["last_status"].copy() if "last_status" in state else np.zeros(len(people), dtype=bool)
    status[day_flag.index.to_numpy()] = day_flag.to_numpy()
    current = int((status & active).sum())
    counts = paid["row"].value_counts()
    single = paid["row"].map(counts).to_numpy() == 1
    candidates = paid.index[
        single & active[paid["row"].to_numpy()] & (paid_cashless == (current > target_cashless))
    ]
    flips = rng.choice(candidates, size=abs(current - target_cashless), replace=False)
    paid.loc[flips, "channel"] = CASH_CHANNELS[0] if current > target_cashless else "BIDV"


def _track_status(state: dict, paid: pd.DataFrame, n: int) -> None:
    cashless_channels = {c for c, _ in CASHLESS_CHANNELS}
    flags = (
        pd.Series(paid["channel"].isin(cashless_channels).to_numpy()).groupby(paid["row"].to_numpy()).max()
    )
    status = state.get("last_status", np.zeros(n, dtype=bool))
    status[flags.index.to_numpy()] = flags.to_numpy()
    state["last_status"] = status


def _written_channels(rng: np.random.Generator, channel: pd.Series) -> pd.Series:
    """Raw channel text as staff type it: sometimes another casing, spacing or without accents."""
    written = channel.to_numpy(dtype=object).copy()
    vary = rng.random(len(written)) < 0.08
    for name, variants in MISSPELLINGS.items():
        rows = np.flatnonzero(vary & (written == name))
        written[rows] = np.array(variants, dtype=object)[rng.integers(0, len(variants), len(rows))]
    return pd.Series(written, index=channel.index)


def _dmy(days: np.ndarray) -> pd.Series:
    values = pd.Series(pd.to_datetime(days))
    distinct = {d: d.strftime("%d/%m/%Y") for d in values.dropna().unique()}
    return values.map(distinct).fillna("")


def _dotted(amounts: np.ndarray) -> pd.Series:
    return pd.Series(amounts).map("{:,}".format).str.replace(",", ".", regex=False)


def _write_payments(out_dir: Path, paid: pd.DataFrame, people: pd.DataFrame, month: pd.Period, rng) -> Path:
    index = (month - FIRST_MONTH).n
    frame = pd.DataFrame(
        {
            "MA_KHANG": people["customer_id"].to_numpy()[paid["row"].to_numpy()],
            "KY_HD": paid["bill_period"].to_numpy(),
            "NGAY_TT": _dmy(paid["paid_at"].to_numpy()).to_numpy(),
            "SO_TIEN": paid["amount"].to_numpy(),
            "KENH_TT": _written_channels(rng, paid["channel"]).to_numpy(),
        }
    )
    if index % 3 == 1:
        frame["KY_HD"] = (
            pd.Series(frame["KY_HD"]).str.slice(4, 6) + "/" + pd.Series(frame["KY_HD"]).str.slice(0, 4)
        )
    elif index % 3 == 2:
        frame["KY_HD"] = (
            pd.Series(frame["KY_HD"]).str.slice(0, 4) + "-" + pd.Series(frame["KY_HD"]).str.slice(4, 6)
        )
    if index % 2 == 0:
        frame["SO_TIEN"] = _dotted(frame["SO_TIEN"].to_numpy())
        frame.insert(0, "MA_GD", [f"GD{month.strftime('%Y%m')}{i:08d}" for i in range(1, len(frame) + 1)])
    if month == pd.Period("2024-06", "M"):
        bad = pd.DataFrame(
            [
                ["PA1101XXXXXXX", "202405", "10/06/2024", "150000", "BIDV"],
                [frame["MA_KHANG"].iloc[0], "202405", "31/02/2024", "150000", "BIDV"],
                [frame["MA_KHANG"].iloc[1], "202405", "11/06/2024", "-50.000", "Agribank"],
                [frame["MA_KHANG"].iloc[2], "202405", "12/06/2024", "abc", "MoMo"],
                [frame["MA_KHANG"].iloc[3], "202405", "13/06/2024", "120000", ""],
            ],
            columns=["MA_KHANG", "KY_HD", "NGAY_TT", "SO_TIEN", "KENH_TT"],
        )
        if "MA_GD" in frame:
            bad.insert(0, "MA_GD", [f"GDBAD{i}" for i in range(len(bad))])
        frame = pd.concat([frame, bad], ignore_index=True)
    path = out_dir / f"payments_{month.strftime('%Y-%m')}.csv"
    semicolon = index % 4 == 3
    frame.to_csv(
        path,
        index=False,
        sep=";" if semicolon else ",",
        encoding="utf-8-sig" if index % 5 == 0 else "utf-8",
        lineterminator="\r\n" if index % 2 else "\n",
    )
    return path


def _write_customers(out_dir: Path, people: pd.DataFrame, rng: np.random.Generator) -> list[Path]:
    n = len(people)
    names = (
        np.array(FAMILY, dtype=object)[rng.integers(0, len(FAMILY), n)]
        + " "
        + np.array(MIDDLE, dtype=object)[rng.integers(0, len(MIDDLE), n)]
        + " "
        + np.array(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), n)]
    )
    public = people["type"].to_numpy() == "public"
    names = np.where(public, "UBND " + people["commune"].to_numpy(dtype=object), names)
    hamlet = pd.Series(rng.integers(1, 15, n)).map("Thôn {}, ".format).to_numpy(dtype=object)
    address = hamlet + people["commune"].to_numpy(dtype=object)
    phone = pd.Series(rng.integers(0, 10**8, n)).map("{:08d}".format).to_numpy(dtype=object)
    prefix = np.array(["09", "03", "08"], dtype=object)[rng.integers(0, 3, n)]
    phone = np.where(people["has_phone"].to_numpy(), prefix + phone, "")
    written_type = np.empty(n, dtype=object)
    for kind, variants in TYPE_WRITTEN.items():
        rows = np.flatnonzero(people["type"].to_numpy() == kind)
        written_type[rows] = np.array(variants, dtype=object)[rng.integers(0, len(variants), len(rows))]
    table = pd.DataFrame(
        {
            "MA_KHANG": people["customer_id"],
            "MA_DVIQLY": people["office"],
            "TEN_XA": people["commune"],
            "LOAI_KH": written_type,
            "TEN_KHANG": names,
            "DIA_CHI": address,
            "SO_DTHOAI": phone,
            "NGAY_HLUC": _dmy(people["start"].to_numpy()).to_numpy(),
            "NGAY_HET_HLUC": _dmy(people["end"].to_numpy()).to_numpy(),
        }
    )
    newest = people["start"].to_numpy() >= np.datetime64("2025-02-01")
    xlsx_rows = table[newest]
    table = table[~newest]
    office = table["MA_DVIQLY"]
    groups = [
        ("customers_1.csv", office.isin(["PA1101", "PA1102", "PA1103"]), {"sep": ",", "encoding": "utf-8-sig", "lineterminator": "\r\n"}),
        ("customers_2.csv", office.isin(["PA1104", "PA1105"]), {"sep": ";", "encoding": "utf-8", "lineterminator": "\n"}),
        ("customers_3.csv", office.isin(["PA1106", "PA1107"]), {"sep": ",", "encoding": "utf-8", "lineterminator": "\n"}),
    ]  # fmt: skip
    paths = []
    for name, rows, dialect in groups:
        part = table[rows]
        if name == "customers_1.csv":
            first = part.iloc[0].copy()
            bad = pd.DataFrame([first.copy(), first.copy(), first.copy()])
            bad.iloc[0, bad.columns.get_loc("MA_KHANG")] = "PA11999999901"
            bad.iloc[0, bad.columns.get_loc("MA_DVIQLY")] = "PA1199"
            bad.iloc[1, bad.columns.get_loc("MA_KHANG")] = "PA11999999902"
            bad.iloc[1, bad.columns.get_loc("NGAY_HLUC")] = ""
            bad.iloc[2, bad.columns.get_loc("TEN_KHANG")] = (
                "Bản ghi trùng mã"  # same MA_KHANG as the first row
            )
            part = pd.concat([part, bad], ignore_index=True)
        if name == "customers_2.csv":
            part = part.rename(columns={"MA_KHANG": "ma_kh", "MA_DVIQLY": "dien_luc", "TEN_XA": "xa_phuong"})
        path = out_dir / name
        part.to_csv(path, index=False, **dialect)
        paths.append(path)
    paths.append(_write_xlsx(out_dir / "customers_4_hop_dong_moi.xlsx", xlsx_rows))
    return paths


def _write_xlsx(path: Path, rows: pd.DataFrame) -> Path:
    """The newest contracts as a small workbook with real Excel date cells."""
    frame = rows.copy()
    for column in ("NGAY_HLUC", "NGAY_HET_HLUC"):
        frame[column] = pd.to_datetime(frame[column], format="%d/%m/%Y", errors="coerce")
    with pd.ExcelWriter(path, engine="xlsxwriter", datetime_format="dd/mm/yyyy") as writer:
        writer.book.set_properties({"created": dt.datetime(2025, 3, 1)})  # byte-identical reruns
        frame.to_excel(writer, index=False, sheet_name="KhachHang")
    return path
