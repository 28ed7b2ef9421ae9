"""A hand-made province for the model tests: seven households whose features and labels are worked out.

Cut-off T = 31/01/2025, horizon 3 months: the label is read on 30/04/2025.
K01 counter Oct-Jan, BIDV ON 30/04 (T+H)          -> label 0 (cashless on the label day)
K02 counter Oct-Jan, BIDV on 01/05 (T+H + 1 day)   -> label 1
K03 BIDV in Oct, collector Nov-Jan (went back)     -> ever cashless, label 1
K04 counter Oct-Jan, contract ends 15/03/2025      -> features at T, no label (leaves before T+H)
K05 BIDV Oct-Jan                                   -> cashless at T: neither scored nor labelled
K06 contract starts 10/01/2025, MoMo on 10/02      -> no payment by T; label 0
K07 PA1102, no phone, pays the counter late (25th), twice the others' bills -> label 1
Every payment is of the previous month's bill; amounts rise 10.000 VND a month (K07: 20.000).
"""

from __future__ import annotations

import datetime as dt

CUTOFF = dt.date(2025, 1, 31)

CUSTOMERS = """\
MA_KHANG;MA_DVIQLY;TEN_XA;LOAI_KH;TEN_KHANG;DIA_CHI;SO_DTHOAI;NGAY_HLUC;NGAY_HET_HLUC
K01;PA1101;Xã A;sinh hoạt;Nguyễn Văn An;Thôn 1, Xã A;0912345678;01/01/2015;
K02;PA1101;Xã A;sinh hoạt;Trần Thị Bình;Thôn 2, Xã A;0987654321;01/01/2015;
K03;PA1101;Xã A;kinh doanh;=HYPERLINK("http://x.example","Lê Văn Cường");+84 Thôn 3;0333444555;01/01/2015;
K04;PA1101;Xã A;sinh hoạt;@Phạm Thị Dung;-Thôn 4, Xã A;;01/01/2015;15/03/2025
K05;PA1101;Xã A;sinh hoạt;Hoàng Văn Em;Thôn 5, Xã A;0911222333;01/01/2015;
K06;PA1101;Xã A;cơ quan;UBND Xã A;Xã A;0244555666;10/01/2025;
K07;PA1102;Xã C;sinh hoạt;Vũ Thị Giang;Thôn 1, Xã C;;01/01/2015;
"""

MONTHS = [(2024, 10), (2024, 11), (2024, 12), (2025, 1)]
CHANNELS = {
    "K01": ["Thu tại quầy"] * 4,
    "K02": ["Thu tại quầy"] * 4,
    "K03": ["BIDV", "Thu tại nhà", "Thu tại nhà", "Thu tại nhà"],
    "K04": ["Thu tại quầy"] * 4,
    "K05": ["BIDV"] * 4,
    "K07": ["Thu tại quầy"] * 4,
}


def _bill(year: int, month: int) -> str:
    return f"{year - 1}12" if month == 1 else f"{year}{month - 1:02d}"


def history_payments() -> str:
    """October 2024 - January 2025: one payment a month per household, on the 10th (K07: the 25th)."""
    lines = ["MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT"]
    for customer, channels in CHANNELS.items():
        day = 25 if customer == "K07" else 10
        for k, ((year, month), channel) in enumerate(zip(MONTHS, channels)):
            amount = (100_000 + 10_000 * k) * (2 if customer == "K07" else 1)
            lines.append(f"{customer},{_bill(year, month)},{day:02d}/{month:02d}/{year},{amount},{channel}")
    return "\n".join(lines) + "\n"


LATER = """\
MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT
K06,202501,10/02/2025,50000,MoMo
K01,202503,30/04/2025,100000,BIDV
K02,202503,01/05/2025,100000,BIDV
"""


def write_files(folder) -> dict:
    """customers.csv, history.csv (to T) and later.csv (after T): their paths by name."""
    paths = {}
    for name, content in (("customers", CUSTOMERS), ("history", history_payments()), ("later", LATER)):
        path = folder / f"{name}.csv"
        path.write_text(content, encoding="utf-8")
        paths[name] = path
    return paths
